"""The same step from a terminal: every parameter as a flag or an environment variable.

    python deploy_child_project.py --server-url https://octopus.example.com \\
        --project-name "Web API" --destination-environment Staging --what-if

A flag wins over its environment variable (`ChildProject.Api.Key` -> `CHILDPROJECT_API_KEY`),
which wins over the parameter's default. The parent deployment's system variables the step reads
(`Octopus.Release.Id` and the like) have flags too. Unlike inside Octopus, unknown flags are errors.

A multi-line parameter takes its lines from its environment variable as they are, or from its
flag given once per line. A release train is then either of

    CHILDPROJECT_PROJECT_NAME=$'Database\nWeb API, Scheduling Service\nWeb UI' python ...
    python ... --project-name Database --project-name "Web API, Scheduling Service" \
        --project-name "Web UI"

(one wave per line). `--json` prints every output in one object: a train's TrainPlan,
TrainManifest, TrainOutcome and each child's `Child[<project>].<output>` included.

Exit codes: 0 the step succeeded (a deliberate skip included), 1 it failed, 2 the command line
was wrong: an unknown flag, or a value the step refuses (a missing required one included); then
nothing runs, and the message names each parameter by its label, flag and environment variable.

The log (ERROR lines included) goes to one stream: stdout, or stderr with `--json`. A reader
that goes away (`| head`) does not stop the step: it still follows its child to the end.
"""

import argparse
import difflib
import json
import os
import re
import sys
import textwrap

from ..base.clock import SystemClock
from ..base.errors import ConfigurationError
from ..base.terminal import ReaderMayLeave, TerminalHost
from .parameter_help import HELP
from .parameters import PARAMETERS
from .runner import API_KEY_PARAMETER, run
from .settings import parse_settings
from ..octopus.transport import REQUEST_TIMEOUT_SECONDS

SYSTEM_FLAGS = (
    ("Octopus.Web.ServerUri", "octopus-server-uri"), ("Octopus.Space.Id", "parent-space-id"),
    ("Octopus.Space.Name", "parent-space-name"), ("Octopus.Project.Id", "parent-project-id"),
    ("Octopus.Project.Name", "parent-project-name"), ("Octopus.Release.Id", "parent-release-id"),
    ("Octopus.Release.Number", "parent-release-number"),
    ("Octopus.Release.Channel.Id", "parent-channel-id"),
    ("Octopus.Environment.Id", "parent-environment-id"),
    ("Octopus.Environment.Name", "parent-environment-name"),
    ("Octopus.Deployment.Id", "parent-deployment-id"),
    ("Octopus.Deployment.Tenant.Id", "parent-tenant-id"),
    ("Octopus.Deployment.Tenant.Name", "parent-tenant-name"), ("Octopus.Task.Id", "parent-task-id"),
    ("Octopus.Deployment.SpecificMachines", "specific-machines"),
    ("Octopus.Deployment.ExcludedMachines", "excluded-machines"),
    ("Octopus.Deployment.Machines", "deployment-machines"), ("Octopus.Action.Name", "step-name"),
)
USAGE = ("%(prog)s --server-url URL --project-name NAME --destination-environment NAME "
         "[FLAG VALUE ...]   (the key: CHILDPROJECT_API_KEY)")
EXIT_CODES = ("exit codes: 0 success or deliberate skip, 1 the step failed, 2 bad command line "
              "(nothing ran). "
              "With --json the log goes to stderr and only the outputs' JSON to stdout. "
              "deploy_child_project.py --demo (alone, from a checkout) runs the step against a "
              "simulated Octopus on loopback instead.")


def flag_name(row):
    return "--" + row.field.replace("_", "-")


def environment_name(name):
    """`ChildProject.Api.Key` -> `CHILDPROJECT_API_KEY` (the Library's local-run convention)."""
    return name.replace(".", "_").upper()


def with_flags(message):
    """`message` with each quoted parameter label followed by its flag and environment variable:
    from a terminal, "Deployment Mode" alone does not say what to type."""
    for row in PARAMETERS:
        message = message.replace('"{0}"'.format(row.label), '"{0}" ({1}, {2})'.format(
            row.label, flag_name(row), environment_name(row.name)))
    return message


class Parser(argparse.ArgumentParser):
    """argparse for people: no abbreviations, and a mistake answered in one line."""

    def __init__(self, **options):
        super().__init__(allow_abbrev=False, formatter_class=HelpFormatter, **options)

    def error(self, message):
        self.exit(2, "{0}: error: {1}\n".format(self.prog, message))

    def refuse_unknown(self, unknown):
        """Exit 2 naming the first unknown argument and, for a flag, the closest known one."""
        given = unknown[0].split("=", 1)[0]
        if not given.startswith("-"):
            self.error("unexpected argument {0!r} (every value follows its flag)".format(given))
        flags = [flag for action in self._actions for flag in action.option_strings]
        close = ([f for f in flags if f.startswith(given)]
                 or difflib.get_close_matches(given, flags, n=1, cutoff=0.6))
        hint = "; did you mean {0}?".format(" or ".join(close[:3])) if close else ""
        self.error("unknown flag {0}{1} (--help lists them all)".format(given, hint))


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps a help text's line breaks (its lists), wrapping each line on its own."""

    def _split_lines(self, text, width):
        return [part for line in text.splitlines()
                for part in textwrap.wrap(line, width, break_long_words=False,
                                          break_on_hyphens=False) or [""]]


def plain(markdown):
    """A help text as a terminal shows it: no `**`, `*` or backticks; code spans kept as typed."""
    parts = markdown.split("`")
    for index in range(0, len(parts), 2):       # outside code spans
        parts[index] = re.sub(r"\*\*?([^*]+?)\*\*?", r"\1", parts[index])
    return "".join(parts).replace("\n\n", "\n")


def help_text(row):
    """The flag's help: label, plain help, the choices and default of a choice, the variable."""
    text = "{0}. {1}".format(row.label, plain(HELP[row.name]))
    if row.options:
        text += "\nOne of: {0}. Default: {1}.".format(
            ", ".join(value for value, _ in row.options), row.default)
    if takes_lines(row):
        text += " Repeat the flag for more lines."
    return (text + " [env {0}]".format(environment_name(row.name))).replace("%", "%%")


def build_parser():
    parser = Parser(prog="deploy_child_project.py", description=__doc__.split("\n\n")[0],
                    epilog=EXIT_CODES, usage=USAGE)
    for row in PARAMETERS:
        text = help_text(row)
        if row.kind == "yesno":
            parser.add_argument(flag_name(row), dest=row.name, nargs="?", const="Yes",
                                metavar="Yes|No", help=text)
        elif takes_lines(row):
            parser.add_argument(flag_name(row), dest=row.name, action="append", metavar="LINE",
                                help=text)
        else:
            metavar = "{" + ",".join(v for v, _ in row.options) + "}" if row.options else "VALUE"
            parser.add_argument(flag_name(row), dest=row.name, metavar=metavar, help=text)
    group = parser.add_argument_group("the parent deployment (Octopus system variables)")
    for name, flag in SYSTEM_FLAGS:
        group.add_argument("--" + flag, dest=name, metavar="VALUE", help=name)
    parser.add_argument("--json", action="store_true", help="print the outputs as JSON at the end")
    parser.add_argument("--verbose", action="store_true", help="show the verbose log (each request)")
    parser.add_argument("--artifacts-dir", type=existing_directory, metavar="DIR",
                        help="save the artifacts the step would attach in Octopus (the train's "
                             "plan, release notes) in this folder; without it no file is written")
    parser.add_argument("--request-timeout", type=positive_seconds, metavar="SECONDS",
                        help="give up on any one request to Octopus after this long, connect "
                             "and whole answer together (default {0:g})".format(
                                 REQUEST_TIMEOUT_SECONDS))
    return parser


def takes_lines(row):
    """A parameter of several lines, whose flag is repeated rather than quoted with newlines
    (each `--project-name` is one wave of a train).

    A certificate is multi-line too, but one PEM is one value: its flag is given once.
    """
    return row.control == "MultiLineText" and row.kind != "pem"


def existing_directory(text):
    """A folder that exists, for --artifacts-dir (the step never creates folders of yours)."""
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError("{0!r} is not an existing folder".format(text))
    return os.path.abspath(text)


def positive_seconds(text):
    """A number of seconds above zero, for --request-timeout."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError("expected a number of seconds above 0, got " + repr(text))
    return seconds


def collect_variables(args, environ):
    """Flag, else environment variable, for every parameter and system variable."""
    variables = {}
    names = [row.name for row in PARAMETERS] + [name for name, _ in SYSTEM_FLAGS]
    for name in names:
        value = getattr(args, name, None)
        if value is None:
            value = environ.get(environment_name(name))
        if isinstance(value, list):
            value = "\n".join(value)
        if value is not None:
            variables[name] = value
    for row in PARAMETERS:      # as Octopus fills in a default bound to a system variable
        if row.name not in variables and row.system_default in variables:
            variables[row.name] = variables[row.system_default]
    return variables


def cli_main(argv, environ=None, stream=None, log_stream=None, clock=None):
    """Run the step from a terminal; return the exit code.

    With --json the task log goes to stderr (or `log_stream`) so stdout holds only the JSON a
    script reads; otherwise both go to stdout. `clock` is the tests' (SystemClock otherwise).
    """
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        parser.refuse_unknown(unknown)
    stream = ReaderMayLeave(stream or sys.stdout)
    log = ReaderMayLeave(log_stream or sys.stderr) if args.json else stream
    host = TerminalHost(collect_variables(args, os.environ if environ is None else environ),
                        show_verbose=args.verbose, stream=log, artifacts_dir=args.artifacts_dir,
                        annotate=with_flags)
    host.add_secret(host.variable(API_KEY_PARAMETER).strip())
    clock = clock or SystemClock()
    try:
        parse_settings(host.variable, now=clock.now())
    except ConfigurationError as error:     # a command-line mistake: nothing runs
        print("{0}: error: {1}".format(parser.prog, with_flags(host.scrub(str(error)))),
              file=sys.stderr, flush=True)
        return 2
    code = run(host, clock=clock, request_timeout=args.request_timeout)
    print_outputs(host, args.json, stream)
    return code


def print_outputs(host, as_json, stream):
    if as_json:
        print(json.dumps(host.outputs, indent=2, sort_keys=True), file=stream)
        return
    if host.outputs:
        print("\nOutputs:", file=stream)
        for name in sorted(host.outputs):
            value = host.outputs[name].replace("\n", "\n    ")
            print("  {0} = {1}".format(name, value), file=stream)
