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

from child_deploy.base.host import OctopusHost  # noqa: E402  (the path must be set first)


def from_terminal(argv):
    """The CLI (or, for `--demo`, the demo), once its run-time packages can be imported; returns
    the exit code. The demo lives beside the package, not in it: only a checkout has it.

    The packages are installed inside the step's signal guard, so SIGTERM or Ctrl-C during pip
    still ends the process normally, and the temporary folder is removed on the way out.
    """
    from child_deploy.acting.waiting import cancellation_signals
    from child_deploy.shell.dependencies import ensure_dependencies
    from child_deploy.base.errors import StepError
    from child_deploy.base.terminal import TerminalHost
    log = sys.stderr if "--json" in argv else sys.stdout    # where the CLI's log goes too
    if not {"-h", "--help"} & set(argv):
        try:
            with cancellation_signals():
                ensure_dependencies(TerminalHost({}, stream=log))
        except StepError as error:
            print("ERROR: {0}".format(error), file=log, flush=True)
            return 1
    if "--demo" in argv:
        return run_demo(argv)
    from child_deploy.shell.cli import cli_main
    return cli_main(argv)


def run_demo(argv):
    if argv != ["--demo"]:
        print("--demo takes no other flags: it runs its own scenes against a simulated Octopus.",
              file=sys.stderr)
        return 2
    try:
        from child_deploy_demo import main as demo_main
    except ImportError:
        print("The demo runs from a checkout of the repository: python3 deploy_child_project.py "
              "--demo", file=sys.stderr)
        return 2
    return demo_main()


def start(namespace):
    """Calamari's functions in `namespace` mean an Octopus step; anything else, a terminal."""
    if OctopusHost.detect(namespace) is not None:
        from child_deploy.shell.entry import main
        main(namespace)
    else:
        sys.exit(from_terminal(sys.argv[1:]))


start(globals())
