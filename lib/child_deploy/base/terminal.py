"""The hosts outside Octopus: a terminal for a person or CI job, and a recording for tests.

Neither runs inside Octopus, so neither is bundled into the script body.
"""

import os
import re
import sys

from .host import Host, to_host_str


class ReaderMayLeave:
    """A text stream whose reader may go away (`| head`): from then on, writes are dropped.

    A closed pipe is not the step's failure: it carries on, following its child to the end
    and exiting with its own code, and only what it prints is lost. The stream's file
    descriptor is pointed at the null device, so Python's last flush at exit cannot fail either.
    """

    def __init__(self, stream):
        self._stream = stream
        self.reader_left = False

    def write(self, text):
        self._attempt(self._stream.write, text)
        return len(text)

    def flush(self):
        self._attempt(self._stream.flush)

    def _attempt(self, action, *args):
        if self.reader_left:
            return
        try:
            action(*args)
        except BrokenPipeError:
            self.reader_left = True
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, self._stream.fileno())
                os.close(null)
            except (AttributeError, OSError, ValueError):
                pass    # not a real file (a test's StringIO): nothing to flush at exit


class TerminalHost(Host):
    """Plain text for a shell; outputs are collected and printed by the caller."""

    PREFIX = {"info": "", "verbose": "  . ", "highlight": "", "warning": "WARNING: ", "wait": ""}

    def __init__(self, variables, show_verbose=False, stream=None, artifacts_dir=None,
                 annotate=None):
        super().__init__()
        self._variables = dict(variables)
        self.show_verbose = show_verbose
        self.stream = stream or sys.stdout     # the whole log, ERROR lines included
        self.annotate = annotate or (lambda message: message)   # the CLI adds flag names
        self.artifacts_dir = artifacts_dir     # None: a terminal writes no files unless asked
        self.outputs = {}
        self.artifacts = []
        self.failure = None
        self._last_progress = None

    def variable(self, name):
        return to_host_str(self._variables.get(name, ""))

    def _emit(self, level, message):
        if level == "verbose" and not self.show_verbose:
            return
        print(self.PREFIX[level] + message, file=self.stream, flush=True)

    def progress(self, percent, message):
        """A line when the state changes or every 5 %, so a long wait shows it is alive."""
        key = (int(percent) // 5, re.sub(r"\(\d+ s\)", "", message))
        if key != self._last_progress:
            self._last_progress = key
            self.info("[{0:3d}%] {1}".format(int(percent), message))

    def set_output(self, name, value, sensitive=False):
        self.outputs[name] = "********" if sensitive else self.mask(value)

    def artifact_directory(self):
        return self.artifacts_dir

    def artifact(self, path, name):
        self.artifacts.append((path, name))
        self.info("Artifact {0} saved at {1}".format(name, path))

    def fail(self, message):
        self.failure = self.scrub(message)
        print("ERROR: " + self.annotate(self.failure), file=self.stream, flush=True)


class RecordingHost(Host):
    """Remembers everything, for tests; `fail` records instead of exiting."""

    def __init__(self, variables=None, artifacts_dir=None):
        super().__init__()
        self._variables = dict(variables or {})
        self.artifacts_dir = artifacts_dir
        self.messages = []
        self.outputs = {}
        self.artifacts = []
        self.progress_reports = []
        self.failure = None
        self.variable_reads = []

    def variable(self, name):
        self.variable_reads.append(name)
        return to_host_str(self._variables.get(name, ""))

    def _emit(self, level, message):
        self.messages.append((level, message))

    def text(self, level=None):
        """All messages (of one level, if given) joined with newlines."""
        return "\n".join(m for lvl, m in self.messages if level in (None, lvl))

    def progress(self, percent, message):
        self.progress_reports.append((int(percent), self.scrub(message)))

    def set_output(self, name, value, sensitive=False):
        self.outputs[name] = self.mask(value)

    def artifact_directory(self):
        return self.artifacts_dir

    def artifact(self, path, name):
        self.artifacts.append((path, name))

    def fail(self, message):
        self.failure = self.scrub(message)
