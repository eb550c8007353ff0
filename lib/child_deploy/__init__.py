"""The step, in layers; each subpackage imports only from the ones listed after it.

shell (the step's shell) > train (many children) > acting (changes Octopus) > octopus (talks to it)
> rules (pure decisions) > base (errors, clock, outcome, the host adapter). `lint-imports` checks it.
"""
