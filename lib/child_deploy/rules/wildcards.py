"""Release-number patterns read as PowerShell's `-like` reads them, as v29 did.

`*` any run, `?` one character, `[abc]` a set, `[a-c]` a range, a backtick escapes; caseless,
the whole version. So a v29 pattern picks the same releases.
"""

import re

WILDCARDS = "*?["
ESCAPE = "`"


class WildcardError(ValueError):
    """A pattern `-like` would refuse too: a `[` without its `]`, or an empty `[]`."""


def like_regex(pattern):
    """The compiled regular expression for a `-like` pattern; raises WildcardError."""
    parts, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == ESCAPE and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
        elif char == "[":
            text, index = _bracket(pattern, index)
            parts.append(text)
        else:
            parts.append({"*": ".*", "?": "."}.get(char) or re.escape(char))
            index += 1
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE | re.DOTALL)


def _bracket(pattern, start):
    """A `[...]` set or range as a regex class, and the index just after its `]`."""
    end = pattern.find("]", start + 1)
    if end < 0:
        raise WildcardError("it opens a character set with [ but never closes it with ]")
    body = pattern[start + 1:end]
    if not body:
        raise WildcardError("it holds an empty character set []")
    items, index = [], 0
    while index < len(body):
        if index + 2 < len(body) and body[index + 1] == "-":
            low, high = body[index], body[index + 2]
            if low > high:
                raise WildcardError("its range [{0}-{1}] runs backwards".format(low, high))
            items.append(re.escape(low) + "-" + re.escape(high))
            index += 3
        else:
            items.append(re.escape(body[index]))
            index += 1
    return "[" + "".join(items) + "]", end + 1


def like(pattern, text):
    """Whether `text` matches the `-like` pattern; a blank pattern matches everything."""
    if not pattern:
        return True
    return like_regex(pattern).match(text or "") is not None


def literal_runs(pattern):
    """The literal stretches of a pattern (escapes resolved), in order."""
    runs, current, index = [], [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == ESCAPE and index + 1 < len(pattern):
            current.append(pattern[index + 1])
            index += 2
            continue
        if char in WILDCARDS:
            runs.append("".join(current))
            current = []
            close = pattern.find("]", index) if char == "[" else index
            index = len(pattern) if close < 0 else close + 1
            continue
        current.append(char)
        index += 1
    runs.append("".join(current))
    return [run for run in runs if run]
