"""Routes for releases and deployments: listing, templates, previews, progression, processes,
and creating a deployment. Tasks, interruptions and events live in api_tasks.py."""

from . import operations as ops
from . import render, views
from .errors import bad_request, not_found
from .operations import find
from .paging import contains, envelope
from .world import created_key

def register(router):
    add = router.add
    add("GET", "releases", list_releases)
    add("GET", "releases/{id}", get_release)
    add("GET", "releases/{id}/deployments", release_deployments)
    add("GET", "releases/{id}/deployments/template", deployment_template)
    add("GET", "releases/{id}/deployments/preview/{env}", deployment_preview)
    add("GET", "releases/{id}/deployments/preview/{env}/{tenant}", deployment_preview)
    add("POST", "releases/{id}/deployments/previews", deployment_previews)
    add("POST", "releases/{id}/snapshot-variables", snapshot_variables)
    add("GET", "releases/{id}/progression", release_progression)
    add("GET", "projects/{id}/releases", project_releases)
    add("GET", "projects/{id}/releases/{version}", project_release)
    add("GET", "channels/{id}/releases", channel_releases)
    add("GET", "projects/{project}/channels/{id}/releases", channel_releases)
    add("GET", "projects/{id}/progression", project_progression)
    add("GET", "progression/{id}", project_progression)
    add("GET", "projects/{id}/deploymentprocesses", project_process)
    add("GET", "projects/{id}/deploymentprocesses/template", project_process_template)
    add("GET", "deploymentprocesses/{id}", get_process)
    add("GET", "deploymentprocesses/{id}/template", process_template)
    add("GET", "deployments", list_deployments)
    add("POST", "deployments", create_deployment)
    add("GET", "deployments/{id}", get_deployment)


def _page(ctx, item_type, items, template):
    return envelope(item_type, items, ctx.query, ctx.path, template)


def _space_prefix(ctx):
    return "/api/" + ctx.space_id


# -- releases --------------------------------------------------------------------------------------
def _releases_page(ctx, releases, template):
    search = ctx.query.get("searchByVersion")
    chosen = [r for r in releases if contains(r.version, search)]
    return _page(ctx, "Release", [render.release(r) for r in chosen], template)


def list_releases(ctx):
    ids = {i.lower() for i in ctx.query.list("ids")}
    releases = [r for r in ctx.world.all("Releases", ctx.space_id) if not ids or r.id.lower() in ids]
    releases.sort(key=lambda r: (r.assembled, int(r.id.split("-")[1])), reverse=True)
    return _page(ctx, "Release", [render.release(r) for r in releases],
                 _space_prefix(ctx) + "/releases{/id}{?skip,ignoreChannelRules,take,ids}")


def _release(ctx):
    return find(ctx.world, ctx.params["id"], "Releases", ctx.space_id)


def get_release(ctx):
    return render.release(_release(ctx))


def release_deployments(ctx):
    release = _release(ctx)
    items = sorted(ctx.world.deployments_by_release.get(release.id, []), key=created_key, reverse=True)
    return _page(ctx, "Deployment", [render.deployment(d) for d in items],
                 "%s/releases/%s/deployments{?skip,take}" % (_space_prefix(ctx), release.id))


def deployment_template(ctx):
    return views.deployment_template(ctx.world, _release(ctx))


def deployment_preview(ctx):
    release = _release(ctx)
    env = find(ctx.world, ctx.params["env"], "Environments", ctx.space_id)
    tenant_id = ctx.params.get("tenant") or ctx.query.get("tenantId")
    tenant = find(ctx.world, tenant_id, "Tenants", ctx.space_id) if tenant_id else None
    return views.deployment_preview(ctx.world, release, env, tenant, ctx.query.bool("includeDisabledSteps"))


def deployment_previews(ctx):
    release = _release(ctx)
    body = ops.fields(ctx.body)
    if not body:
        raise bad_request(ops.NO_BODY)
    out = []
    for request in body.get("deploymentpreviews") or []:
        request = ops.fields(request)
        env = find(ctx.world, request.get("environmentid"), "Environments", ctx.space_id)
        tenant_id = request.get("tenantid")
        tenant = find(ctx.world, tenant_id, "Tenants", ctx.space_id) if tenant_id else None
        out.append(views.deployment_preview(ctx.world, release, env, tenant,
                                            bool(body.get("includedisabledsteps"))))
    return out


def snapshot_variables(ctx):
    release = _release(ctx)
    project = ctx.world.get(release.project_id)
    if getattr(release, "process_version", project.process_version) != project.process_version:
        raise bad_request("The project's deployment process must not have changed since the release was created.")
    return render.release(ctx.world.snapshot_variables(release))


def release_progression(ctx):
    return views.release_progression(ctx.world, _release(ctx))


def _project(ctx, key="id"):
    from .api_setup import _project as lookup
    if key != "id":
        ctx.params = dict(ctx.params, id=ctx.params[key])
    return lookup(ctx)


def project_releases(ctx):
    project = _project(ctx)
    template = "%s/projects/%s/releases{/version}{?skip,take,searchByVersion}" % (_space_prefix(ctx), project.id)
    return _releases_page(ctx, ctx.world.releases_of(project=project), template)


def project_release(ctx):
    project = _project(ctx)
    version = ctx.params["version"]
    for release in ctx.world.releases_by_project.get(project.id, []):
        if release.version.lower() == version.lower():
            return render.release(release)
    raise not_found(version)


def channel_releases(ctx):
    channel = find(ctx.world, ctx.params["id"], "Channels", ctx.space_id)
    if "project" in ctx.params and _project(ctx, "project").id != channel.project_id:
        raise not_found(ctx.params["id"])
    template = "%s/channels/%s/releases{?skip,take,searchByVersion}" % (_space_prefix(ctx), channel.id)
    return _releases_page(ctx, ctx.world.releases_of(channel=channel), template)


def project_progression(ctx):
    return views.project_progression(ctx.world, _project(ctx), ctx.query.int("releaseHistoryCount", 3))


def project_process(ctx):
    project = _project(ctx)
    return views.deployment_process(ctx.world, project, project.deployment_process_id)


def project_process_template(ctx):
    return views.process_template(ctx.world, _project(ctx), ctx.query.get("channel"))


def _process_project(ctx):
    project = views.project_of_process(ctx.world, ctx.params["id"])
    if project is None or project.space_id != ctx.space_id:
        raise not_found(ctx.params["id"])
    return project


def get_process(ctx):
    return views.deployment_process(ctx.world, _process_project(ctx), ctx.params["id"])


def process_template(ctx):
    project = _process_project(ctx)
    channel_id = ctx.query.get("channel")
    if channel_id:
        find(ctx.world, channel_id, "Channels", ctx.space_id)
    return views.process_template(ctx.world, project, channel_id, ctx.query.get("releaseId"))


# -- deployments ------------------------------------------------------------------------------------
TASK_STATES = ("Queued", "Executing", "Failed", "Canceled", "TimedOut", "Success", "Cancelling")


def task_states(values, parameter):
    """Task state names as the server's enum binding reads them: any case; unknown names are a 400."""
    known = {state.lower(): state for state in TASK_STATES}
    unknown = [v for v in values if v.lower() not in known]
    if unknown:
        raise bad_request("The value '%s' is not valid for %s." % (unknown[0], parameter),
                          ["%s must be one of %s." % (parameter, ", ".join(TASK_STATES))])
    return {known[v.lower()] for v in values}


def list_deployments(ctx):
    q, world = ctx.query, ctx.world
    projects = {world.get(p).id for p in q.list("projects") if world.get(p)}
    if q.list("projects"):
        candidates = [d for p in projects for d in world.deployments_by_project.get(p, [])]
    else:
        candidates = world.all("Deployments", ctx.space_id)
    filters = [("environments", lambda d: d.environment_id), ("tenants", lambda d: d.tenant_id),
               ("channels", lambda d: d.channel_id), ("ids", lambda d: d.id)]
    for name, value in filters:
        wanted = {v.lower() for v in q.list(name)}
        if wanted:
            candidates = [d for d in candidates if (value(d) or "").lower() in wanted]
    if len(q.list("taskState")) > 1:
        raise bad_request("The value '%s' is not valid for taskState." % q.get("taskState"),
                          ["taskState takes one task state."])
    states = task_states(q.list("taskState"), "taskState")
    if states and not world.ignore_task_state_filter:
        candidates = [d for d in candidates if world.task_of(d).state in states]
    candidates = [d for d in candidates if d.space_id == ctx.space_id and contains(d.name, q.get("partialName"))]
    candidates.sort(key=created_key, reverse=True)
    return _page(ctx, "Deployment", [render.deployment(d) for d in candidates],
                 _space_prefix(ctx) + "/deployments{?skip,take,ids,projects,environments,tenants,channels,"
                 "taskState,partialName}")


def create_deployment(ctx):
    deployment = ops.create_deployment(ctx.world, ctx.space_id, ctx.body, ctx.user)
    return 201, render.deployment(deployment)


def get_deployment(ctx):
    return render.deployment(find(ctx.world, ctx.params["id"], "Deployments", ctx.space_id))


