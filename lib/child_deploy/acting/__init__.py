"""Acting on Octopus: create once, wait, follow the child's log, approve, cancel, deliver a child.

May import octopus, rules and base.
"""
