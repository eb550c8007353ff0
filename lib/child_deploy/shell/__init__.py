"""The step's shell: entry, host globals to settings, the flow that tells the story, the runner.

May import every layer below: train, acting, octopus, rules, base.
"""
