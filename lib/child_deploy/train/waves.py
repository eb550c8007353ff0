"""The release train's two parameters of many lines, the waves and the pinned versions, parsed
with the others (settings.py) so their problems are reported with every other problem."""

import json
from collections import namedtuple
from dataclasses import replace

from ..base.errors import NotFoundError
from ..octopus.lookups import pick_by_name

# One line of *Child Project Name*: the names on it, or the project group it stands for.
Wave = namedtuple("Wave", "names group")
GROUP_PREFIX = "group:"


def parse_waves(text, problems, label="Child Project Name"):
    """The train's waves: one per line, names split at commas, `group: X` for a project group."""
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
    for number, line in enumerate(raw.splitlines(), start=1):      # as the user counts them
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


def expand_groups(client, host, waves):
    """Each wave's names (a group's, for `group:`), and the problems; a project named again
    deploys once, in its first wave."""
    expanded, first, problems = [], {}, []
    for wave in waves:
        names, kept = wave.names, []
        try:
            if wave.group:
                group = client.find_by_name("projectgroups", wave.group, "Project group", hint=
                                            'Check the "group:" line of "Child Project Name".')
                names = [p["Name"] for p in client.get_all("projectgroups/{0}/projects".format(
                    group["Id"])) if isinstance(p, dict) and p.get("Name")]
        except NotFoundError as error:
            problems.append(str(error))
        for name in names:
            if name.lower() in first:
                host.info('{0} is named again on the line "{1}"; it deploys once, in wave {2}.'
                          .format(name, ", ".join(wave.names) or "group: " + wave.group,
                                  first[name.lower()]))
            else:
                first[name.lower()] = len(expanded) + 1
                kept.append(name)
        if kept:
            expanded.append(kept)
    return expanded, problems


def pinned(settings, key=""):
    """The child's settings with the release it must deploy: its row of *Approved plan*, else its
    pin (a ring's `Project/Tenant` first). One the lifecycle refuses fails, never skips."""
    approved = {row.key.lower(): row.chosen for row in settings.approved_plan or ()}
    for label, find in (('"Approved plan"', lambda name: approved.get(name.lower(), "")),
                        ('"Pinned versions"', settings.pinned_version)):
        for name in (key, settings.project_name):
            version = name and find(name)
            if version:
                return replace(settings, release_pattern=version, not_found_handling="Error",
                               pin="{0}::{1}".format(name, version), pinned_by=label)
    return settings


def check_pins(settings, host, names, projects):
    """The problems of pins naming no project; a pin of a project outside this run is said."""
    mine, problems = {n.lower() for n in names}, []
    for project, version in settings.pinned_versions:
        pin = "{0}::{1}".format(project, version)
        try:
            if project.lower() not in mine and pick_by_name(projects, project, "Project",
                                                            "Pinned versions"):
                host.info('"Pinned versions" pins {0}: not used, not in this run.'.format(pin))
        except NotFoundError as error:
            problems.append('"Pinned versions" pins {0}: {1}'.format(pin, error))
    return problems


def _quoted(text):
    return '"' + text.strip()[:80] + '"'
