"""Tenants and tag sets: the listing with its filters, and the tag sets tenants are tagged from.

Filters as the API documents them: `projectId` (connected to the project, any environment),
`name` (obsolete, a "contains" match), `partialName`, `ids`, `isDisabled` and `tags` (canonical
`Set/Tag` names: tags of one set are ORed, different sets ANDed). This server's version (below
2024.3.13115) keeps a known defect of the paged `/tenants` route: its `tags` filter is applied
after paging, so a page holds only the tagged tenants among the page it would have shown without
the filter, and `TotalResults` counts them all. `/tenants/all` filters first, as it should.
"""

from dataclasses import dataclass, field
from typing import List

from .errors import not_found
from .operations import find
from .paging import contains, envelope
from .render import tenant as render_tenant

TEMPLATE = "{?skip,projectId,name,tags,take,ids,clone,partialName,clonedFromTenantId}"


@dataclass(eq=False)
class TagSet:
    id: str
    name: str
    space_id: str
    tags: List[dict] = field(default_factory=list)
    sort_order: int = 0
    description: str = ""


def add_tag_set(world, name, tags, space=None, colors=None):
    """A tenant tag set with its tags, ids `TagSets-n` and `TagSets-n/Tags-m` style names."""
    with world.lock:
        space = world._space(space)
        tag_set = TagSet(world.new_id("TagSets"), name, space.id,
                         sort_order=len(world.all("TagSets", space.id)))
        for order, tag in enumerate(tags):
            tag_set.tags.append({"Id": "%s-%d" % (tag_set.id, order + 1), "Name": tag,
                                 "CanonicalTagName": "%s/%s" % (name, tag),
                                 "Color": (colors or {}).get(tag, "#333333"), "Description": "",
                                 "SortOrder": order})
        return world.store("TagSets", tag_set)


def register(add):
    """Before the generic collections: the paged tenants listing, and every tag set route."""
    add("GET", "tenants", list_tenants)
    add("GET", "tagsets", list_tag_sets)
    add("GET", "tagsets/all", all_tag_sets)
    add("GET", "tagsets/{id}", get_tag_set)


def tenant_matches(ctx, tenant, with_tags=True):
    q = ctx.query
    if q.get("projectId") and q.get("projectId") not in tenant.project_environments:
        return False
    if q.has("isDisabled") and q.bool("isDisabled") != tenant.is_disabled:
        return False
    ids = [i.lower() for i in q.list("ids")]
    if ids and tenant.id.lower() not in ids:
        return False
    if with_tags and not has_tags(tenant, q.list("tags")):
        return False
    return contains(tenant.name, q.get("name")) and contains(tenant.name, q.get("partialName"))


def has_tags(tenant, tags):
    """OR within a tag set, AND across sets (canonical names, case ignored)."""
    mine = {t.lower() for t in tenant.tenant_tags}
    by_set = {}
    for tag in tags:
        by_set.setdefault(tag.split("/", 1)[0].lower(), set()).add(tag.lower())
    return all(wanted & mine for wanted in by_set.values())


def list_tenants(ctx):
    found = sorted((t for t in ctx.world.all("Tenants", ctx.space_id)
                    if tenant_matches(ctx, t, with_tags=False)), key=lambda t: t.name.lower())
    template = "/api/%s/tenants{/id}%s" % (ctx.space_id, TEMPLATE)
    answer = envelope("Tenant", found, ctx.query, ctx.path, template)
    tags = ctx.query.list("tags")
    answer["Items"] = [render_tenant(t) for t in answer["Items"] if has_tags(t, tags)]
    return answer


def render_tag_set(tag_set):
    return {"Id": tag_set.id, "Name": tag_set.name, "Description": tag_set.description,
            "SortOrder": tag_set.sort_order, "SpaceId": tag_set.space_id,
            "Tags": [dict(t) for t in tag_set.tags],
            "Links": {"Self": "/api/%s/tagsets/%s" % (tag_set.space_id, tag_set.id)}}


def _tag_sets(ctx):
    q, ids = ctx.query, [i.lower() for i in ctx.query.list("ids")]
    found = [s for s in ctx.world.all("TagSets", ctx.space_id)
             if (not ids or s.id.lower() in ids)
             and (not q.get("name") or s.name.lower() == q.get("name").lower())
             and contains(s.name, q.get("partialName"))]
    return sorted(found, key=lambda s: s.sort_order)


def list_tag_sets(ctx):
    template = "/api/%s/tagsets{/id}{?skip,take,ids,partialName,name,scopes,types}" % ctx.space_id
    return envelope("TagSet", [render_tag_set(s) for s in _tag_sets(ctx)], ctx.query, ctx.path,
                    template)


def all_tag_sets(ctx):
    return [render_tag_set(s) for s in _tag_sets(ctx)]


def get_tag_set(ctx):
    tag_set = find(ctx.world, ctx.params["id"], "TagSets", ctx.space_id)
    if tag_set is None:
        raise not_found(ctx.params["id"])
    return render_tag_set(tag_set)
