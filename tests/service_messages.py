"""Service-message parsers that behave like Octopus' own, for tests that try to fool them.

Calamari (`Calamari.Common/Plumbing/ServiceMessages/ServiceMessageParser.cs`) reads the script's
stdout one line at a time, without the line break, and one character at a time within it, and
keeps its state from one line to the next: `##oct`, a line break, then `opus[setVariable ...]`
is a message. `calamari_messages` does the same. The parser on the other side of the agent
(the Kubernetes agent's copy) sees line breaks but ignores `\\r` while a message may be starting;
`agent_messages` does that. Both return what they parsed and the state they ended in, so a test
can also check that nothing was left half-open for the step's own next message to fall into.

A message is (name, {attribute: decoded value}); one whose content is not valid (the real
parsers ignore it, or log a warning) is ("<unparsable>", {"text": content}).
"""

import base64
import binascii
import re

MARK = "##octopus"
ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")""")
NAME = re.compile(r"^([A-Za-z_][\w.-]*)")


def calamari_messages(stdout):
    """Messages Calamari's parser finds in `stdout`, fed line by line; returns (messages, state)."""
    parser = _Parser()
    for line in re.split(r"\r\n|\r|\n", stdout):
        for character in line:
            parser.feed(character)
    return parser.messages, parser.state


def agent_messages(stdout):
    """The agent-side parser: line breaks end a possible mark, `\\r` is skipped while one forms."""
    parser = _Parser()
    for character in stdout:
        if character == "\r" and parser.state != "InMessage":
            continue
        if character == "\n" and parser.state == "PossibleMessage":
            parser.buffer = ""         # flushed as text; the state itself stays as it was
            continue
        parser.feed(character)
    return parser.messages, parser.state


class _Parser:
    def __init__(self):
        self.state, self.buffer, self.messages = "Default", "", []

    def feed(self, character):
        if self.state == "Default":
            if character == "#":
                self.state, self.buffer = "PossibleMessage", "#"
        elif self.state == "PossibleMessage":
            self.buffer += character
            if self.buffer == MARK:
                self.state, self.buffer = "InMessage", ""
            elif not MARK.startswith(self.buffer):
                self.state, self.buffer = "Default", ""
        elif character == "]":
            self.messages.append(_message(self.buffer))
            self.state, self.buffer = "Default", ""
        else:
            self.buffer += character


def _message(content):
    text = content.strip().lstrip("[").replace("\r", "").replace("\n", "")
    name = NAME.match(text)
    if not name:
        return ("<unparsable>", {"text": content})
    values = {}
    for key, single, double in ATTRIBUTE.findall(text[name.end():]):
        try:
            values[key.lower()] = base64.b64decode(single or double, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return ("<unparsable>", {"text": content})
    return (name.group(1), values)


def encode(value):
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def set_variable_message(name, value):
    """The text a hostile child would print to set one of our output variables."""
    return "##octopus[setVariable name='{0}' value='{1}']".format(encode(name), encode(value))


INJECTED_NAME = "Injected"
PAYLOADS = (set_variable_message(INJECTED_NAME, "pwned"),
            set_variable_message("ReleaseToPromote", "9.9.9"),
            "##octopus[stdout-ignore]", "##octopus[resultMessage message='{0}']".format(encode("pwned")))


def cut_variants(payload, rng, breaks=("\n", "\r\n", "\r")):
    """`payload` with a line break at every position, then with 1-4 breaks at random positions."""
    variants = [payload[:i] + rng.choice(breaks) + payload[i:] for i in range(len(payload) + 1)]
    for _ in range(len(payload)):
        text = payload
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(breaks) + text[at:]
        variants.append(text)
    return variants


def assert_only_own_messages(stdout, own_outputs):
    """Every message either parser finds is one of the step's own, and its outputs are intact.

    `own_outputs` is what the step published (the harness' reading): each must be set by one
    setVariable with that exact value, and nothing else may be set; every other message must be
    of a kind the step or Calamari's functions print; both parsers must end outside a message.
    """
    allowed = {"stdout-default", "stdout-verbose", "stdout-highlight", "stdout-warning",
               "stdout-wait", "stdout-error", "setVariable", "createArtifact", "progress",
               "resultMessage"}
    for parse in (calamari_messages, agent_messages):
        messages, state = parse(stdout)
        assert state == "Default", (parse.__name__, "ended inside a message")
        kinds = {name for name, _ in messages}
        assert kinds <= allowed, (parse.__name__, kinds - allowed)
        variables = [(v.get("name"), v.get("value")) for n, v in messages if n == "setVariable"]
        assert INJECTED_NAME not in own_outputs and INJECTED_NAME not in dict(variables)
        assert sorted(variables) == sorted(own_outputs.items()), parse.__name__
        results = [v for n, v in messages if n == "resultMessage"]
        assert all("pwned" not in v.get("message", "") for v in results), parse.__name__
