"""Routes for what Octopus would refuse: a user's permission set, deployment freezes, and the
classic freeze override. Builder and rules: world_preflight.py."""

from . import operations as ops
from . import render
from .errors import ApiError, bad_request, invalid, not_found
from .operations import find
from .routes import MIXED, SYSTEM
from .world_preflight import MISSING, render_freeze


def register(router):
    add = router.add
    add("GET", "users/{id}/permissions", user_permissions, MIXED)
    add("GET", "deploymentfreezes", list_freezes, SYSTEM)
    add("GET", "deploymentfreezes/{id}", get_freeze, SYSTEM)
    add("POST", "deployments/override", override_freezes)


def user_permissions(ctx):
    """The user's permission set; a user may read their own (others need UserView)."""
    world = ctx.world
    if world.permission_read == "absent":
        raise not_found(ctx.path)
    user = find(world, ctx.params["id"], "Users", None)
    if world.permission_read == "refused" or user is not ctx.user:
        raise ApiError(403, MISSING % "UserView")
    spaces = ctx.spaces_filter()
    visible = [s.id for s in world.all("Spaces") if (spaces is None or s.id in spaces)
               and (user.space_ids is None or s.id in user.space_ids)]
    return world.permission_set(user, visible, ctx.query.bool("includeSystem"))


def _freezes(ctx):
    if not ctx.world.freezes_supported:
        raise not_found(ctx.path)
    return ctx.world.freezes


def list_freezes(ctx):
    """`{DeploymentFreezes, Count}` sliced by skip/take (no `Items` envelope on this route)."""
    ids = {i.lower() for i in ctx.query.list("ids")}
    found = [f for f in _freezes(ctx) if not ids or f["Id"].lower() in ids]
    skip, take = max(0, ctx.query.int("skip", 0)), max(0, ctx.query.int("take", 30))
    return {"DeploymentFreezes": [render_freeze(f) for f in found[skip:skip + take]],
            "Count": len(found)}


def get_freeze(ctx):
    for freeze in _freezes(ctx):
        if freeze["Id"].lower() == ctx.params["id"].lower():
            return render_freeze(freeze)
    raise not_found(ctx.params["id"])


def override_freezes(ctx):
    """Create a deployment through the freezes named: `{CreateDeploymentCommand, FreezeIds,
    Reason, SpaceId}` -> 201 `{Deployment}`; needs DeploymentFreezeAdminister."""
    values = ops.fields(ctx.body)
    if not values:
        raise bad_request(ops.NO_BODY)
    problems = [text for key, text in (
        ("createdeploymentcommand", "Please provide the deployment to create."),
        ("freezeids", "Unable to override freezes, no valid freezes were specified."),
        ("reason", "Please provide a reason for overriding the deployment freezes."))
        if not (values.get(key) and str(values.get(key)).strip())]
    if problems:
        raise invalid(*problems)
    if not ctx.world.holds(ctx.user, "DeploymentFreezeAdminister"):
        raise ApiError(403, MISSING % "DeploymentFreezeAdminister")
    overridden = {str(i).lower() for i in values["freezeids"]}
    deployment = ops.create_deployment(ctx.world, ctx.space_id, values["createdeploymentcommand"],
                                       ctx.user, overridden)
    return 201, {"Deployment": render.deployment(deployment)}
