"""Deploy Child Octopus Deploy Project: the step inside Octopus, the command line elsewhere.

Inside Octopus the bundled body (step_template.json) runs, which is lib/child_deploy without the
terminal parts. From a terminal this file runs the same package with flags:
`python3 deploy_child_project.py --help`, or `--demo` for the simulated suite. Like the step on a
worker, it first installs `requests` and `python-dateutil` into a temporary folder when they are
missing, so the demo needs no set-up beyond Python 3.8+ (and pip and PyPI when those are missing).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from child_deploy.host import OctopusHost  # noqa: E402  (the path must be set first)


def from_terminal(argv):
    """The CLI, once its run-time packages can be imported; returns the exit code."""
    from child_deploy.dependencies import ensure_dependencies
    from child_deploy.errors import StepError
    from child_deploy.host import TerminalHost
    if not {"-h", "--help"} & set(argv):
        try:
            ensure_dependencies(TerminalHost({}, stream=sys.stderr))
        except StepError as error:
            print("ERROR: {0}".format(error), file=sys.stderr)
            return 1
    from child_deploy.cli import cli_main
    return cli_main(argv)


def start(namespace):
    """Calamari's functions in `namespace` mean an Octopus step; anything else, a terminal."""
    if OctopusHost.detect(namespace) is not None:
        from child_deploy.entry import main
        main(namespace)
    else:
        sys.exit(from_terminal(sys.argv[1:]))


start(globals())
