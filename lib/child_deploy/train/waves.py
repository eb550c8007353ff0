"""The release train's two parameters of many lines: the waves and the pinned versions.

Both are parsed with the other parameters (settings.py), so a problem in either is reported
with every other problem, naming the parameter's label.
"""

import json
from collections import namedtuple

# One line of *Child Project Name*: the names on it, or the project group it stands for.
Wave = namedtuple("Wave", "names group")
GROUP_PREFIX = "group:"


def parse_waves(text, problems, label="Child Project Name"):
    """The train's waves: one per line, names split at commas, `group: X` for a project group.

    A project named twice deploys once, in its first wave (train.py says so in the log).
    """
    waves = []
    for line in text.splitlines():
        line = line.strip()
        if line.lower().startswith(GROUP_PREFIX):
            group = line[len(GROUP_PREFIX):].strip()
            if not group:
                problems.append('"{0}" has a line "group:" without a project group name.'.format(
                    label))
            waves.append(Wave((), group))
            continue
        names = tuple(n.strip() for n in line.split(",") if n.strip())
        if names:
            waves.append(Wave(names, ""))
    return tuple(waves)


def parse_pins(raw, label="Pinned versions"):
    """`Project::Version` lines, or the JSON object of an earlier TrainManifest."""
    text = raw.strip()
    if not text:
        return ()
    if text.startswith("{"):
        return _pinned_manifest(label, text)
    pins = []
    for number, line in enumerate(text.splitlines(), start=1):
        project, separator, version = line.strip().partition("::")
        if not line.strip():
            continue
        if not separator or not project.strip() or not version.strip():
            raise ValueError('"{0}" line {1} must look like Project::Version (got {2}).'.format(
                label, number, _quoted(line)))
        pins.append((project.strip(), version.strip()))
    return tuple(pins)


def _pinned_manifest(label, text):
    try:
        manifest = json.loads(text)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or not all(
            isinstance(v, str) and v.strip() for v in manifest.values()):
        raise ValueError('"{0}" starts with "{{" but is not a TrainManifest: a JSON object of '
                         'project names and versions, such as {{"Web API": "2021.1.1.1"}}.'
                         .format(label))
    return tuple((str(p).strip(), v.strip()) for p, v in manifest.items())


def _quoted(text):
    return '"' + text.strip()[:80] + '"'
