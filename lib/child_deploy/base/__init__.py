"""The bottom: the error tree, the clock, a child's outcome and the host adapter.

Imports nothing of the package above it.
"""
