"""Tenant rings: each line of *Tenant Name* (names, `tag: Set/Tag` or `*`) a ring."""

from collections import namedtuple

Ring = namedtuple("Ring", "names tags everyone")


def parse_rings(text, problems):
    """() for one plain name: today's step."""
    rings = []
    for line in (raw.strip() for raw in text.splitlines()):
        if rings and rings[-1].everyone and line:
            problems.append('"Tenant Name": no line may follow "*" (got "{0}").'.format(line))
        tags = tuple(t.strip() for t in line[4:].split(",")) if line[:4].lower() == "tag:" else ()
        if any(t.count("/") != 1 or "" in t.split("/") for t in tags):
            problems.append('"Tenant Name": write tags as "tag: Tag set/Tag" (got "{0}").'.format(
                line))
        if line:
            rings.append(Ring(() if tags or line == "*" else tuple(
                n.strip() for n in line.split(",") if n.strip()), tags, line == "*"))
    plain = len(rings) == 1 and len(rings[0].names) == 1
    return () if plain else tuple(rings)


def has_tags(tenant, tags):
    mine, by_set = {str(t).lower() for t in tenant.get("TenantTags") or ()}, {}
    for tag in tags:
        by_set.setdefault(tag.split("/")[0].lower(), set()).add(tag.lower())
    return all(wanted & mine for wanted in by_set.values())


def ring_members(rings, tenants, problems):
    by_name, taken, members = {str(t.get("Name")).lower(): t for t in tenants}, set(), []
    for number, ring in enumerate(rings, start=1):
        chosen = [by_name.get(n.lower()) or problems.append(
            '"Tenant Name" ring {0} names tenant "{1}", which was not found.'.format(number, n))
                  for n in ring.names]
        if ring.tags or ring.everyone:
            chosen = [t for t in tenants if not t.get("IsDisabled")
                      and (ring.everyone or has_tags(t, ring.tags))]
        chosen = [t for t in chosen if t and t["Id"] not in taken]
        taken.update(t["Id"] for t in chosen)
        if not chosen:
            problems.append('"Tenant Name" ring {0} ({1}) takes no tenant.'.format(
                number, ", ".join(ring.names + ring.tags) or "*"))
        members.append((ring, chosen))
    return members


def child_rings(members, project, environment, problems):
    """Per ring, the child's tenants (names); an untenanted child: once, with the first ring."""
    if (project.get("TenantedDeploymentMode") or "Untenanted") == "Untenanted":
        return [[""]] + [[]] * (len(members) - 1)
    out, where = [], "{0} in {1}".format(project["Name"], environment["Name"])
    for ring, tenants in members:
        mine = [t["Name"] for t in tenants if environment["Id"] in (
            (t.get("ProjectEnvironments") or {}).get(project["Id"]) or ())]
        problems.extend('"Tenant Name": tenant "{0}" is not connected to {1}.'.format(
            t["Name"], where) for t in tenants if ring.names and t["Name"] not in mine)
        out.append(mine)
    if not any(out):
        problems.append('"Tenant Name": no tenant of any ring is connected to {0}.'.format(where))
    return out
