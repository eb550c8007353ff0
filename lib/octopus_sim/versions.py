"""Release version ordering, as Octopus compares versions (numbers, then pre-release tags).

`2021.1.1.3` > `2021.1.1.2` > `2021.1.0.10` > `2021.1.0.9`; a pre-release (`1.0.0-beta`) sorts
below its release (`1.0.0`). Numeric parts compare as numbers, so `1.10` > `1.9`.
"""

import re


def version_key(version):
    """A sort key for a version string; never raises, whatever the text."""
    text = (version or "").strip()
    text = text.split("+", 1)[0]
    core, _, pre = text.partition("-")
    numbers = []
    for part in core.split("."):
        numbers.append(int(part) if part.isdigit() else -1)
    while len(numbers) < 4:
        numbers.append(0)
    return (tuple(numbers), 0 if pre else 1, _pre_key(pre))


def _pre_key(pre):
    out = []
    for part in re.split(r"[.]", pre) if pre else []:
        out.append((0, int(part), "") if part.isdigit() else (1, 0, part.lower()))
    return tuple(out)
