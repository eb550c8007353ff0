"""The release train: waves and pins, planning children side by side, applying the plan, its report.

May import acting, octopus, rules and base; never the shell.
"""
