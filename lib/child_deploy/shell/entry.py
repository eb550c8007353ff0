"""Where the step starts inside Octopus: Calamari's globals in, an exit code out (the terminal's
start, cli.py, is never bundled)."""

import sys

from ..base.host import OctopusHost
from .runner import run

NOT_IN_OCTOPUS = ("This is the script body of the Deploy Child Octopus Deploy Project step; it runs "
                  "inside an Octopus script step. From a terminal, run deploy_child_project.py from "
                  "the repository (python3 deploy_child_project.py --help).")


def main(namespace):
    """Run the step with Calamari's host functions; argv is never parsed (it holds a key)."""
    host = OctopusHost.detect(namespace)
    if host is None:
        sys.exit(NOT_IN_OCTOPUS)
    exit_code = run(host)
    if exit_code:
        sys.exit(exit_code)
