"""Routes for the things a deployment is set up with: spaces, projects, channels, lifecycles,
environments, tenants, machines, users, teams and team membership."""

from . import api_tenancy, render, views
from .errors import bad_request, not_found
from .operations import find
from .paging import contains, envelope
from .routes import MIXED, SYSTEM

VERSION = "2024.3.10989"


def register(router):
    add = router.add
    add("GET", "", root)
    add("GET", "spaces", list_spaces, SYSTEM)
    add("GET", "spaces/all", all_spaces, SYSTEM)
    add("GET", "spaces/{id}", get_space, SYSTEM)
    add("GET", "users/me", current_user, SYSTEM)
    add("GET", "users/{id}", get_user, SYSTEM)
    add("GET", "users/{id}/teams", user_teams, MIXED)
    add("GET", "teammembership", team_membership, MIXED)
    add("GET", "teams", list_teams, MIXED)
    add("GET", "teams/{id}", get_team, SYSTEM)
    _collection(add, "projects", "Projects", "Project", render.project, _filter_projects, _by_name,
                "{?name,skip,ids,clone,take,partialName,clonedFromProjectId}")
    add("GET", "projects/{id}/channels", project_channels)
    _collection(add, "projectgroups", "ProjectGroups", "ProjectGroup", render.project_group, _filter_named,
                _by_name, "{?skip,take,ids,partialName}")
    add("GET", "projectgroups/{id}/projects", group_projects)
    add("GET", "projects/{id}/channels/{channel}", project_channel)
    _collection(add, "environments", "Environments", "Environment", render.environment, _filter_named,
                lambda e: e.sort_order, "{?name,skip,ids,take,partialName}")
    add("GET", "environments/{id}/machines", environment_machines)
    api_tenancy.register(add)
    _collection(add, "tenants", "Tenants", "Tenant", render.tenant, api_tenancy.tenant_matches, _by_name,
                "{?skip,projectId,name,tags,take,ids,clone,partialName,clonedFromTenantId}")
    _collection(add, "machines", "Machines", "Machine", render.machine, _filter_machines, _by_name,
                "{?skip,take,name,ids,partialName,roles,isDisabled,healthStatuses,commStyles,tenantIds,"
                "tenantTags,environmentIds,thumbprint,deploymentId,shellNames,deploymentTargetTypes}")
    _collection(add, "channels", "Channels", "Channel", render.channel, _filter_named, None,
                "{?skip,take,ids,partialName}")
    add("GET", "lifecycles/previews", lifecycle_previews)
    _collection(add, "lifecycles", "Lifecycles", "Lifecycle", render.lifecycle, _filter_named, None,
                "{?skip,take,ids,partialName}")
    add("GET", "lifecycles/{id}/preview", lifecycle_preview)


def _collection(add, route, prefix, item_type, to_json, matches, sort_key, template_query):
    """Register `route`, `route/all` (bare array) and `route/{id}` for one document type."""

    def documents(ctx):
        found = [d for d in ctx.world.all(prefix, ctx.space_id) if matches(ctx, d)]
        return sorted(found, key=sort_key) if sort_key else found

    def listing(ctx):
        template = "/api/%s/%s{/id}%s" % (ctx.space_id, route, template_query)
        return envelope(item_type, [to_json(d) for d in documents(ctx)], ctx.query, ctx.path, template)

    def every(ctx):
        return [to_json(d) for d in documents(ctx)]

    def single(ctx):
        document = ctx.world.get(ctx.params["id"])
        if document is None and prefix == "Projects":
            document = next((p for p in ctx.world.all("Projects", ctx.space_id)
                             if p.slug == ctx.params["id"].lower()), None)
        if document is None or not document.id.startswith(prefix) or document.space_id != ctx.space_id:
            raise not_found(ctx.params["id"])
        return to_json(document)

    add("GET", route, listing)
    add("GET", route + "/all", every)
    add("GET", route + "/{id}", single)


def _by_name(document):
    return document.name.lower()


def _ids(ctx, document):
    wanted = [i.lower() for i in ctx.query.list("ids")]
    return not wanted or document.id.lower() in wanted


def _filter_named(ctx, document):
    name = ctx.query.get("name")
    if name and document.name.lower() != name.lower():
        return False
    return _ids(ctx, document) and contains(document.name, ctx.query.get("partialName"))


def _filter_projects(ctx, project):
    name = ctx.query.get("name")                     # obsolete, a "contains" match on projects
    return _ids(ctx, project) and contains(project.name, name) and \
        contains(project.name, ctx.query.get("partialName"))


def _filter_machines(ctx, machine):
    q = ctx.query
    checks = [
        (q.list("roles"), lambda v: set(v) & set(machine.roles)),
        (q.list("environmentIds"), lambda v: set(v) & set(machine.environment_ids)),
        (q.list("tenantIds"), lambda v: set(v) & set(machine.tenant_ids)),
        (q.list("healthStatuses"), lambda v: machine.health_status in v),
    ]
    if any(values and not test(values) for values, test in checks):
        return False
    if q.has("isDisabled") and q.bool("isDisabled") != machine.is_disabled:
        return False
    return _filter_named(ctx, machine)


# -- system level ------------------------------------------------------------------------------
def root(ctx):
    if ctx.prefixed:
        s = "/api/" + ctx.space_id
        links = {name: "%s/%s" % (s, route) for name, route in _SPACE_LINKS}
        links["Self"] = s
        return {"Id": ctx.space_id, "LastModifiedOn": None, "LastModifiedBy": None, "Links": links}
    s = "/api/" + ctx.world.default_space.id
    links = {"Self": "/api", "Spaces": "/api/spaces{/id}{?skip,ids,take,partialName}",
             "SpaceHome": "/api/{spaceId}", "CurrentUser": "/api/users/me", "Web": "/app",
             "Tasks": "/api/tasks{/id}{?skip,active,environment,tenant,runbook,project,name,node,running,"
                      "states,hasPendingInterruptions,hasWarningsOrErrors,take,ids,partialName,spaces,"
                      "includeSystem,description,fromCompletedDate,toCompletedDate,fromQueueDate,"
                      "toQueueDate,fromStartDate,toStartDate}",
             "Events": "/api/events{/id}{?skip,regarding,regardingAny,user,users,projects,environments,"
                       "eventCategories,tenants,from,to,take,ids,spaces,includeSystem,excludeDifference}",
             "TeamMembership": "/api/teammembership{?userId,spaces,includeSystem}",
             "Teams": "/api/teams{/id}{?skip,take,ids,partialName,spaces,includeSystem}",
             "Feeds": "/api/feeds{/id}{?skip,take,ids,partialName,feedType,name}"}
    for name, route in _SPACE_LINKS:
        links[name] = "%s/%s" % (s, route)
    return {"Application": "Octopus Deploy", "Version": VERSION, "ApiVersion": "3.0.0",
            "InstallationId": "00000000-0000-4000-8000-00000000051a", "HasLongTermSupport": False,
            "IsEarlyAccessProgram": False, "Id": None, "LastModifiedOn": None, "LastModifiedBy": None,
            "Links": links}


_SPACE_LINKS = [
    ("Accounts", "accounts{/id}{?skip,take,ids,partialName,accountType}"),
    ("RunbookProcesses", "runbookProcesses{/id}{?skip,take,ids}"),
    ("RunbookRuns", "runbookRuns{/id}{?skip,take,ids,projects,environments,tenants,runbooks,taskState,partialName}"),
    ("Runbooks", "runbooks{/id}{?skip,take,ids,partialName,clone,projectIds}"),
    ("RunbookSnapshots", "runbookSnapshots{/id}{?skip,take,ids,publish}"),
    ("Variables", "variables{/id}{?ids}"),
    ("Projects", "projects{/id}{?name,skip,ids,clone,take,partialName,clonedFromProjectId}"),
    ("ProjectGroups", "projectgroups{/id}{?skip,take,ids,partialName}"),
    ("Environments", "environments{/id}{?name,skip,ids,take,partialName}"),
    ("Tenants", "tenants{/id}{?skip,projectId,name,tags,take,ids,clone,partialName,clonedFromTenantId}"),
    ("TagSets", "tagsets{/id}{?skip,take,ids,partialName,name,scopes,types}"),
    ("Machines", "machines{/id}{?skip,take,name,ids,partialName,roles,isDisabled,healthStatuses,"
                 "commStyles,tenantIds,tenantTags,environmentIds,thumbprint,deploymentId,shellNames,"
                 "deploymentTargetTypes}"),
    ("Channels", "channels{/id}{?skip,take,ids,partialName}"),
    ("Lifecycles", "lifecycles{/id}{?skip,take,ids,partialName}"),
    ("Releases", "releases{/id}{?skip,ignoreChannelRules,take,ids}"),
    ("Deployments", "deployments{/id}{?skip,take,ids,projects,environments,tenants,channels,taskState,partialName}"),
    ("DeploymentProcesses", "deploymentprocesses{/id}{?skip,take,ids}"),
    ("Interruptions", "interruptions{/id}{?skip,take,regarding,pendingOnly,ids}"),
    ("Dashboard", "dashboard{?projectId,releaseId,selectedTenants,selectedTags,showAll,"
                  "highestLatestVersionPerProjectAndEnvironment}"),
    ("DashboardDynamic", "dashboard/dynamic{?projects,environments,includePrevious}"),
]


def list_spaces(ctx):
    spaces = sorted((s for s in ctx.world.all("Spaces") if _filter_named(ctx, s)), key=_by_name)
    return envelope("Space", [render.space(s) for s in spaces], ctx.query, ctx.path,
                    "/api/spaces{/id}{?skip,ids,take,partialName}")


def all_spaces(ctx):
    return [render.space(s) for s in sorted(ctx.world.all("Spaces"), key=_by_name)]


def get_space(ctx):
    return render.space(find(ctx.world, ctx.params["id"], "Spaces", None))


def current_user(ctx):
    return render.user(ctx.user, ctx.user.id)


def get_user(ctx):
    return render.user(find(ctx.world, ctx.params["id"], "Users", None), ctx.user.id)


def team_membership(ctx):
    user_id = ctx.query.get("userId") or ctx.params.get("id")
    if not user_id:
        raise bad_request("No userId parameter was provided.")
    user = find(ctx.world, user_id, "Users", None)
    spaces = ctx.spaces_filter()
    include_system = ctx.query.bool("includeSystem", False)
    out = []
    for team in ctx.world.teams_of(user):
        if team.space_id is None and not include_system and ctx.query.has("includeSystem"):
            continue
        if team.space_id is not None and spaces is not None and team.space_id not in spaces:
            continue
        out.append(render.team_membership(team, user.id))
    return out


def user_teams(ctx):
    return team_membership(ctx)


def list_teams(ctx):
    spaces = ctx.spaces_filter()
    teams = [t for t in ctx.world.all("Teams") if t.space_id is None or spaces is None or t.space_id in spaces]
    teams = [t for t in teams if _filter_named(ctx, t)]
    return envelope("Team", [render.team(t) for t in sorted(teams, key=_by_name)], ctx.query, ctx.path,
                    "/api/teams{/id}{?skip,take,ids,partialName,spaces,includeSystem}")


def get_team(ctx):
    return render.team(find(ctx.world, ctx.params["id"], "Teams", None))


# -- project children ------------------------------------------------------------------------------
def _project(ctx):
    key = ctx.params["id"]
    project = ctx.world.get(key)
    if project is None:
        project = next((p for p in ctx.world.all("Projects", ctx.space_id) if p.slug == key.lower()), None)
    if project is None or not project.id.startswith("Projects") or project.space_id != ctx.space_id:
        raise not_found(key)
    return project


def project_channels(ctx):
    project = _project(ctx)
    channels = [c for c in ctx.world.channels_of(project) if contains(c.name, ctx.query.get("partialName"))]
    template = "/api/%s/projects/%s/channels{/id}{?skip,take,partialName}" % (ctx.space_id, project.id)
    return envelope("Channel", [render.channel(c) for c in channels], ctx.query, ctx.path, template)


def project_channel(ctx):
    project = _project(ctx)
    channel = find(ctx.world, ctx.params["channel"], "Channels", ctx.space_id)
    if channel.project_id != project.id:
        raise not_found(ctx.params["channel"])
    return render.channel(channel)


def group_projects(ctx):
    """Projects of one group, paged and by name (not in the contract's list: UNCONFIRMED, see README)."""
    group = find(ctx.world, ctx.params["id"], "ProjectGroups", ctx.space_id)
    projects = sorted(ctx.world.projects_in_group(group), key=_by_name)
    template = "/api/%s/projectgroups/%s/projects{?skip,take}" % (ctx.space_id, group.id)
    return envelope("Project", [render.project(p) for p in projects], ctx.query, ctx.path, template)


def environment_machines(ctx):
    env = find(ctx.world, ctx.params["id"], "Environments", ctx.space_id)
    machines = [m for m in ctx.world.all("Machines", ctx.space_id)
                if env.id in m.environment_ids and _filter_machines(ctx, m)]
    template = "/api/%s/environments/%s/machines{?skip,take,partialName,roles}" % (ctx.space_id, env.id)
    return envelope("Machine", [render.machine(m) for m in sorted(machines, key=_by_name)], ctx.query,
                    ctx.path, template)


def lifecycle_preview(ctx):
    return views.lifecycle_preview(ctx.world, find(ctx.world, ctx.params["id"], "Lifecycles", ctx.space_id))


def lifecycle_previews(ctx):
    ids = ctx.query.list("ids")
    lifecycles = [find(ctx.world, i, "Lifecycles", ctx.space_id) for i in ids] if ids else \
        ctx.world.all("Lifecycles", ctx.space_id)
    return [views.lifecycle_preview(ctx.world, lc) for lc in lifecycles]
