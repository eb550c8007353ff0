"""Tenant rings: the lines of *Tenant Name*, and the tenants each ring takes for each child.

A line is a ring: names (commas), `tag: Set/Tag` (tags of one set ORed, sets ANDed, as Octopus
filters tenants) or `*` (every tenant left). A tenant is in the first ring that takes it.
"""

from collections import namedtuple

Ring = namedtuple("Ring", "names tags everyone")
RINGS_LABEL = '"Tenant Name"'


def parse_rings(text, problems):
    rings = []
    for line in (raw.strip() for raw in text.splitlines()):
        if rings and rings[-1].everyone and line:
            problems.append('{0} has a line after "*" ("{1}"): that ring would be empty.'.format(
                RINGS_LABEL, line[:80]))
        tags = tuple(t.strip() for t in line[4:].split(",")) if line[:4].lower() == "tag:" else ()
        if any(t.count("/") != 1 or "" in t.split("/") for t in tags):
            problems.append('{0} names tags as "tag: Tag set/Tag" (got "{1}").'.format(
                RINGS_LABEL, line[:80]))
        if line:
            rings.append(Ring(() if tags or line == "*" else tuple(
                n.strip() for n in line.split(",") if n.strip()), tags, line == "*"))
    return tuple(rings)


def is_rings(rings):
    """Anything but one plain name (today's single tenant, or none)."""
    return len(rings) > 1 or any(r.tags or r.everyone or len(r.names) > 1 for r in rings)


def tag_problems(rings, tag_sets):
    sets = {str(s.get("Name")).lower(): s for s in tag_sets}
    problems = []
    for tag in (t for r in rings for t in r.tags):
        found = sets.get(tag.split("/")[0].lower(), {})
        if tag.lower() not in [str(t.get("CanonicalTagName")).lower() for t in found.get("Tags", ())]:
            problems.append('{0} names tag "{1}": {2}.'.format(RINGS_LABEL, tag, "that tag set has "
                            "no such tag" if found else "no tag set has that name"))
    return problems


def has_tags(tenant, tags):
    mine, by_set = {str(t).lower() for t in tenant.get("TenantTags") or ()}, {}
    for tag in tags:
        by_set.setdefault(tag.split("/")[0].lower(), set()).add(tag.lower())
    return all(wanted & mine for wanted in by_set.values())


def ring_members(rings, tenants, problems):
    """Per ring, (Ring, the tenants it takes)."""
    by_name, taken, members = {str(t.get("Name")).lower(): t for t in tenants}, set(), []
    for number, ring in enumerate(rings, start=1):
        chosen = [by_name.get(n.lower()) or problems.append(
            '{0} ring {1} names tenant "{2}", which was not found.'.format(RINGS_LABEL, number, n))
                  for n in ring.names]
        if ring.tags or ring.everyone:
            chosen = [t for t in tenants if not t.get("IsDisabled")
                      and (ring.everyone or has_tags(t, ring.tags))]
        chosen = [t for t in chosen if t and t["Id"] not in taken]
        taken.update(t["Id"] for t in chosen)
        if not chosen:
            problems.append("{0} ring {1} takes no tenant.".format(RINGS_LABEL, number))
        members.append((ring, chosen))
    return members


def child_rings(members, project, environment, problems):
    """Per ring, the tenants this child deploys for: those connected to it in the destination
    (a named one must be); an untenanted child deploys once, untenanted, with the first ring."""
    if (project.get("TenantedDeploymentMode") or "Untenanted") == "Untenanted":
        return [[""]] + [[] for _ in members[1:]]
    out = []
    for ring, tenants in members:
        mine = [t["Name"] for t in tenants if environment["Id"] in (
            (t.get("ProjectEnvironments") or {}).get(project["Id"]) or ())]
        problems.extend('{0}: tenant "{1}" is not connected to {2} in {3}.'.format(
            RINGS_LABEL, t["Name"], project["Name"], environment["Name"])
            for t in tenants if ring.names and t["Name"] not in mine)
        out.append(mine)
    if not any(out):
        problems.append('{0}: no tenant of any ring is connected to {1} in {2}.'.format(
            RINGS_LABEL, project["Name"], environment["Name"]))
    return out
