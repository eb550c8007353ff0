"""Talking to Octopus: the one HTTP choke point, its answers and pages, named reads, release search.

May import rules and base; only transport.py imports requests.
"""
