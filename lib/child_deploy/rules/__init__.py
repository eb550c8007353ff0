"""Pure decisions: release selection, patterns, scheduling, targets, tenants, notes, approvals.

Each returns a value and a reason; may import only base (no HTTP, no clock of its own).
"""
