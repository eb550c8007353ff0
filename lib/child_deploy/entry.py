"""Where the script starts: inside Octopus with Calamari's globals, or from a terminal."""

import sys

from .cli import cli_main
from .host import OctopusHost
from .runner import run


def main(namespace):
    """Run as an Octopus step when Calamari's functions are in `namespace`, else as a CLI.

    Inside Octopus, argv is never parsed: its last item is the key that decrypts the variables.
    """
    host = OctopusHost.detect(namespace)
    if host is None:
        sys.exit(cli_main(sys.argv[1:]))
    exit_code = run(host)
    if exit_code:
        sys.exit(exit_code)
