"""Tenant rings: a train of (child, tenant) children, a stage per wave of each ring."""

from collections import namedtuple
from datetime import timedelta

from ..acting.waiting import raise_if_signalled
from ..base.errors import ConfigurationError, NotFoundError
from ..octopus.lookups import pick_by_name
from ..rules.rings import check_tags, child_rings, ring_members

Stage = namedtuple("Stage", "title children ring")


def wave_stages(train, waves, make_child):
    return [Stage("Wave {0} of {1}: {2}.".format(n, len(waves), ", ".join(names)),
                  [make_child(name, n) for name in names], 0)
            for n, names in enumerate(waves, start=1)]


def ring_stages(train, waves, make_child):
    # tenants/all: the paged route's tag filter loses tenants before Octopus 2024.3.13115.
    settings, catalog, client = train.settings, train.catalog, train.client
    rings, problems = settings.rings, []
    if any(ring.tags for ring in rings):
        check_tags(rings, client.get_all("tagsets/all"), problems)
    members = ring_members(rings, catalog.tenants(), problems)
    where = looked_up(problems, pick_by_name, catalog.environments(),
                      settings.destination_environment, "Environment",
                      "Destination Environment Name")
    projects = {n: looked_up(problems, catalog.project, n) for names in waves for n in names}
    tenants = {n: child_rings(members, p, where, problems)
               for n, p in projects.items() if p and where}
    if problems:
        raise ConfigurationError(train.problems + problems)
    stages = []
    for ring in range(1, len(rings) + 1):
        for wave, names in enumerate(waves, start=1):
            children = [make_child(n, wave, t, ring) for n in names for t in tenants[n][ring - 1]]
            if children:
                stages.append(Stage("Ring {0} of {1}, wave {2}.".format(ring, len(rings), wave),
                                    children, ring))
    return stages


def looked_up(problems, find, *args):
    """find(*args), or None with its NotFoundError among the problems (reported together)."""
    try:
        return find(*args)
    except NotFoundError as error:
        problems.append(str(error))


def ring_pause(train, stage, mark):
    minutes, clock, now = train.settings.ring_pause_minutes, train.clock, (
        stage.ring, train.failures, len(train.started))
    if stage.ring == mark[0]:
        return mark
    went_well = mark[1] == now[1] and now[2] > mark[2]
    if mark[0] and minutes and went_well and not train.settings.what_if:
        train.host.highlight("Ring pause: the next ring starts at {0} UTC.".format(
            (clock.now() + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")))
        end = clock.monotonic() + minutes * 60
        while clock.monotonic() < end:
            raise_if_signalled()
            clock.sleep(min(30.0, end - clock.monotonic()))
    return now
