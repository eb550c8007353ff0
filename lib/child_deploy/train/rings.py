"""Tenant rings run as a train of (child, tenant) children, a stage per wave of each ring."""

from collections import namedtuple
from datetime import timedelta

from ..acting.waiting import raise_if_signalled
from ..base.errors import ConfigurationError, NotFoundError
from ..octopus.lookups import pick_by_name
from ..rules.rings import child_rings, ring_members, tag_problems

Stage = namedtuple("Stage", "title children ring")


def wave_stages(train, waves, make_child):
    return [Stage("Wave {0} of {1}: {2}.".format(n, len(waves), ", ".join(names)),
                  [make_child(name, n) for name in names], 0)
            for n, names in enumerate(waves, start=1)]


def ring_stages(train, waves, make_child):
    """Every ring problem at once, before any plan. `tenants/all`: the paged route's tag filter
    loses tenants on servers before 2024.3.13115."""
    settings, catalog, client = train.settings, train.catalog, train.client
    catalog.tenants = client.get_all("tenants/all")
    problems = tag_problems(settings.rings, client.get_all("tagsets/all")) if any(
        r.tags for r in settings.rings) else []
    members = ring_members(settings.rings, catalog.tenants, problems)
    where = pick_by_name(catalog.environments(), settings.destination_environment,
                         "Environment", "Destination Environment Name")
    tenants = {}
    for name in (n for names in waves for n in names):
        try:
            tenants[name] = child_rings(members, catalog.project(name), where, problems)
        except NotFoundError:       # its own plan reports it, with the other children's
            tenants[name] = [[""]] + [[] for _ in members[1:]]
    if problems:
        raise ConfigurationError(problems)
    stages = []
    for ring in range(1, len(members) + 1):
        for wave, names in enumerate(waves, start=1):
            children = [make_child(n, wave, t, ring) for n in names for t in tenants[n][ring - 1]]
            stages += [Stage("Ring {0} of {1}, wave {2}: {3}.".format(ring, len(members), wave, ", ".join(
                c.host.name for c in children)), children, ring)] if children else []
    return stages


def ring_pause(train, stage, mark):
    """Soak before a ring when the one above deployed and nothing failed. `mark`: (ring,
    failures, children started) when that ring began."""
    minutes, clock = train.settings.ring_pause_minutes, train.clock
    if stage.ring == mark[0]:
        return mark
    if mark[0] and minutes and not train.settings.what_if and mark[1] == train.failures \
            and len(train.started) > mark[2]:
        train.host.highlight("Ring pause: the next ring starts at {0} UTC.".format(
            (clock.now() + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")))
        end = clock.monotonic() + minutes * 60
        while clock.monotonic() < end:
            raise_if_signalled()
            clock.sleep(min(30.0, end - clock.monotonic()))
    return (stage.ring, train.failures, len(train.started))
