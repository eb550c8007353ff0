"""The only code that talks to whatever runs the step: Calamari's globals, or a train's child.

Every host masks the registered secrets in all it is given and neutralises every line it prints,
so no text from Octopus or a child can speak for the step.
"""

import os
import re
import sys

from .errors import mask_secret

SERVICE_MESSAGE_MARK = "##octopus"
# A '#' that Calamari's parser could pair with another: before a '#', a line break or the end.
_PAIRABLE_HASH = re.compile(r"#(?=[#\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|\Z)")


def neutralise(text):
    """`text` with a space after every '#' that is followed by a '#', a line break or nothing.

    Calamari's parser keeps its state across lines and writes, and a service message can open
    only at two '#' in a row: after this, no printed text, however cut or joined, can open one.
    """
    return _PAIRABLE_HASH.sub("# ", text)


def to_host_str(value):
    """Octopus variables are strings; booleans keep the .NET spelling the v29 template used."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


class Host:
    """Shared behaviour: secret scrubbing and the level helpers built on `_emit`."""

    def __init__(self):
        self._secrets = []
        self.outputs_published = False     # set by outcome.publish; the runner fills in on errors
        self.known_outcome = None          # what is known so far (the chosen release, its notes)
        self.children = ()                 # a train's ChildHosts: the runner cancels their children
        self.train = None                  # the running train, whose outputs a signal still sets

    def add_secret(self, secret):
        """Never show `secret` again, whatever message it ends up in."""
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)

    def mask(self, text):
        """`text` (made a str) with every registered secret masked: for values not printed."""
        text = to_host_str(text)
        for secret in self._secrets:
            text = mask_secret(text, secret)
        return text

    def scrub(self, text):
        """What may be printed: secrets masked, then neutralised. Every printed line passes here."""
        return neutralise(self.mask(text))

    def info(self, message):
        self._emit("info", self.scrub(message))

    def verbose(self, message):
        self._emit("verbose", self.scrub(message))

    def highlight(self, message):
        self._emit("highlight", self.scrub(message))

    def warning(self, message):
        self._emit("warning", self.scrub(message))

    def wait(self, message):
        self._emit("wait", self.scrub(message))

    def _emit(self, level, message):
        raise NotImplementedError

    def artifact_directory(self):
        """Where this host keeps artifacts; None when it keeps none."""
        return None

    def save_artifact(self, name, text):
        """Write and attach `text`, masked, as the artifact `name`; its path (None if not kept)."""
        directory = self.artifact_directory()
        if directory is None:
            self.info("{0} is not saved as a file (from a terminal, --artifacts-dir keeps "
                      "artifacts).".format(name))
            return None
        path = os.path.join(directory, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.mask(text) + "\n")
        self.artifact(path, name)
        return path


class OctopusHost(Host):
    """Calamari's script globals, as received by the script's namespace."""

    def __init__(self, namespace):
        super().__init__()
        self._ns = namespace
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            # Windows workers write the pipe in the ANSI code page; never crash on a name.
            reconfigure(errors="replace")

    @classmethod
    def detect(cls, namespace):
        """Return an OctopusHost when the namespace holds Calamari's functions, else None."""
        if callable(namespace.get("get_octopusvariable")):
            return cls(namespace)
        return None

    def variable(self, name):
        try:
            value = self._ns["get_octopusvariable"](name)
        except KeyError:
            return ""
        return to_host_str(value)

    def _emit(self, level, message):
        printer = {"verbose": "printverbose", "highlight": "printhighlight",
                   "warning": "printwarning", "wait": "printwait"}.get(level)
        function = self._ns.get(printer) if printer else None
        if function is None:
            print(message, flush=True)
        else:
            function(message)
            sys.stdout.flush()

    def progress(self, percent, message):
        self._ns["updateprogress"](int(max(0, min(100, percent))), self.scrub(message) or " ")

    def set_output(self, name, value, sensitive=False):
        """Values travel base64-encoded in `setVariable`, so they are masked but kept verbatim."""
        self._ns["set_octopusvariable"](name, self.mask(value), sensitive)

    def artifact_directory(self):
        return os.getcwd()      # Calamari's working directory, collected after the step

    def artifact(self, path, name):
        """Calamari prints the artifact's name and path as plain text: they must be neutral too."""
        path, name = neutral_file(path, name)
        self._ns["createartifact"](path, name)

    def fail(self, message):
        """An error line in the task log, then `failstep`; never stderr (it can fail the step)."""
        text = self.scrub(message)
        print(SERVICE_MESSAGE_MARK + "[stdout-error]\n" + text + "\n" + SERVICE_MESSAGE_MARK
              + "[stdout-default]", flush=True)
        failstep = self._ns.get("failstep")
        if callable(failstep):
            failstep(text)


def neutral_file(path, name):
    """Rename the file when its name holds a '#', so printing it can open no service message."""
    if "#" not in name:
        return path, name
    name = name.replace("#", "_")
    renamed = os.path.join(os.path.dirname(path), name)
    os.replace(path, renamed)
    return renamed, name


class ChildHost(Host):
    """One child of a train: its name on each line, its outputs as `Child[<name>].<Output>`."""

    def __init__(self, parent, name):
        super().__init__()
        self.parent, self.name, self._state = parent, name, None
        self._secrets = parent._secrets
        self.outputs = {}

    def variable(self, name):
        return self.parent.variable(name)

    def _emit(self, level, message):
        self.parent._emit(level, neutralise(self.mask("[{0}] ".format(self.name))) + message)

    def progress(self, percent, message):
        """Each change of state once, as a line: children share no progress bar."""
        state = re.sub(r" \(\d+ s\)$", "", message)
        if state != self._state:
            self._state = state
            self.info(state)

    def set_output(self, name, value, sensitive=False):
        self.outputs[name] = self.mask(value)
        self.parent.set_output("Child[{0}].{1}".format(self.name, name), value, sensitive)

    def artifact_directory(self):
        return self.parent.artifact_directory()

    def artifact(self, path, name):
        self.parent.artifact(path, name)

    def fail(self, message):
        self.warning(message)
