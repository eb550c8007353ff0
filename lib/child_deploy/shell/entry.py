"""Where the step starts inside Octopus: Calamari's globals in, an exit code out.

This is the last module of the bundled body, and only the Octopus path lives here; the terminal
(`deploy_child_project.py`, cli.py) is never bundled, since it never runs inside Octopus.
"""

import sys

from ..base.host import OctopusHost
from .runner import run

NOT_IN_OCTOPUS = ("This is the script body of the Deploy Child Octopus Deploy Project step; it runs "
                  "inside an Octopus script step. From a terminal, run deploy_child_project.py from "
                  "the repository (python3 deploy_child_project.py --help).")


def main(namespace):
    """Run the step with the host functions Calamari put in `namespace`.

    argv is never parsed: its last item is the key that decrypts the variables.
    """
    host = OctopusHost.detect(namespace)
    if host is None:
        sys.exit(NOT_IN_OCTOPUS)
    exit_code = run(host)
    if exit_code:
        sys.exit(exit_code)
