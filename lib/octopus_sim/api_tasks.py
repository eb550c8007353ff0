"""Routes for server tasks, interruptions, events and the dashboard (mixed-scope where the real
server is: `/api/tasks`, `/api/interruptions` and `/api/events` take `spaces=`)."""

from . import operations as ops
from . import render, views
from .api_deploy import TASK_STATES, _page, task_states
from .clock import parse_date
from .operations import find
from .paging import contains
from .routes import MIXED
from .errors import not_found



def register(router):
    add = router.add
    add("GET", "tasks", list_tasks, MIXED)
    add("GET", "tasks/tasktypes", task_types, MIXED)
    add("GET", "tasks/{id}", get_task, MIXED)
    add("GET", "tasks/{id}/details", task_details, MIXED)
    add("GET", "tasks/{id}/raw", task_raw, MIXED)
    add("POST", "tasks/{id}/cancel", cancel_task, MIXED)
    add("GET", "tasks/{id}/queued-behind", queued_behind, MIXED)
    add("GET", "interruptions", list_interruptions)
    add("GET", "interruptions/{id}", get_interruption)
    add("GET", "interruptions/{id}/responsible", get_responsible)
    add("PUT", "interruptions/{id}/responsible", take_responsibility)
    add("POST", "interruptions/{id}/submit", submit_interruption)
    add("GET", "events", list_events, MIXED)
    add("GET", "events/{id}", get_event, MIXED)
    add("GET", "dashboard", dashboard)
    add("GET", "dashboard/dynamic", dashboard_dynamic)


def _anywhere(ctx, key, prefix):
    """Mixed-scope lookups: a space-prefixed path finds only that space's document, else any."""
    if ctx.prefixed:
        return find(ctx.world, key, prefix, ctx.space_id)
    document = ctx.world.get(key)
    if document is None or not document.id.startswith(prefix):
        raise not_found(key)
    return document


# -- tasks -----------------------------------------------------------------------------------------------
def _task_matches(ctx, task, spaces):
    q = ctx.query
    if spaces is not None and task.space_id not in spaces:
        return False
    for name, value in (("project", task.project_id), ("environment", task.environment_id),
                        ("tenant", task.tenant_id)):
        wanted = q.list(name)
        if wanted and (value or "").lower() not in {w.lower() for w in wanted}:
            return False
    names, states, ids = q.list("name"), task_states(q.list("states"), "states"), q.list("ids")
    if (names and task.name not in names) or (states and task.state not in states):
        return False
    if ids and task.id.lower() not in {i.lower() for i in ids}:
        return False
    if q.has("active") and q.bool("active") == task.is_completed:
        return False
    if q.has("running") and q.bool("running") != (task.state in ("Executing", "Cancelling")):
        return False
    if q.has("hasPendingInterruptions") and q.bool("hasPendingInterruptions") != bool(task.pending_types()):
        return False
    return _dates_match(q, task) and contains(task.description, q.get("description"))


def _dates_match(q, task):
    for suffix, value in (("QueueDate", task.queue_time), ("StartDate", task.start_time),
                          ("CompletedDate", task.completed_time)):
        low, high = parse_date(q.get("from" + suffix)), parse_date(q.get("to" + suffix))
        if (low or high) and value is None:
            return False
        if (low and value < low) or (high and value > high):
            return False
    return True


def list_tasks(ctx):
    world, spaces = ctx.world, ctx.spaces_filter()
    projects = ctx.query.list("project")
    if projects:
        candidates = [world.task_of(d) for p in projects for d in world.deployments_by_project.get(
            getattr(world.get(p), "id", p), [])]
    else:
        candidates = world.by_type.get("ServerTasks", [])
    found = [t for t in candidates if _task_matches(ctx, t, spaces)]
    found.sort(key=lambda t: (t.queue_time, int(t.id.split("-")[1])), reverse=True)
    counts = {state: 0 for state in TASK_STATES}
    for task in found:
        counts[task.state] = counts.get(task.state, 0) + 1
    page = _page(ctx, "Task", [render.task(t, world.now()) for t in found],
                 "/api/tasks{/id}{?skip,active,environment,tenant,runbook,project,name,node,running,states,"
                 "hasPendingInterruptions,hasWarningsOrErrors,take,ids,partialName,spaces,includeSystem}")
    page["TotalCounts"] = counts
    return page


def task_types(ctx):
    return [{"Id": "Deploy", "Name": "Deploy", "Links": {}}]


def _task(ctx):
    return _anywhere(ctx, ctx.params["id"], "ServerTasks")


def get_task(ctx):
    return render.task(_task(ctx), ctx.world.now())


def task_details(ctx):
    task = _task(ctx)
    tail = ctx.query.int("tail", None) if ctx.query.has("tail") else None
    return render.task_details(_with_activity(ctx.world, task), ctx.world.now(), tail)


def _with_activity(world, task):
    """Historical tasks get their (deterministic) log tree the first time someone asks."""
    if task.activity is None and task.deployment is not None and task.start_time is not None:
        from .activity import plan_activity
        task.activity = plan_activity(world, task, run_seconds=task.final_offset or 1.0)
    return task


def task_raw(ctx):
    task = _with_activity(ctx.world, _task(ctx))
    return 200, render.raw_log(task, ctx.world.now())


def cancel_task(ctx):
    return render.task(ops.cancel_task(ctx.world, _task(ctx)), ctx.world.now())


def queued_behind(ctx):
    task = _task(ctx)
    ahead = [t for t in ctx.world.active_tasks if t is not task and not t.is_completed and
             t.queue_time <= task.queue_time and task.state == "Queued"]
    return _page(ctx, "Task", [render.task(t, ctx.world.now()) for t in ahead],
                 "/api/tasks/%s/queued-behind{?skip,take}" % task.id)


# -- interruptions ----------------------------------------------------------------------------------------
def _interruption_json(ctx, interruption):
    can_take = ops.can_take_responsibility(ctx.world, interruption, ctx.user)
    return render.interruption(interruption, ctx.user, can_take)


def list_interruptions(ctx):
    """Space-scoped (E29): an unprefixed path means the default space, as on the real server."""
    q = ctx.query
    regarding = q.get("regarding")
    items = ctx.world.interruptions_regarding(regarding) if regarding else ctx.world.all("Interruptions")
    ids = {i.lower() for i in q.list("ids")}
    items = [i for i in items if i.space_id == ctx.space_id and (not ids or i.id.lower() in ids)
             and (not q.bool("pendingOnly") or i.is_pending)]
    items.sort(key=lambda i: (i.created, int(i.id.split("-")[1])), reverse=True)
    return _page(ctx, "Interruption", [_interruption_json(ctx, i) for i in items],
                 "/api/interruptions{?skip,take,regarding,pendingOnly,ids}")


def _interruption(ctx):
    return find(ctx.world, ctx.params["id"], "Interruptions", ctx.space_id)


def get_interruption(ctx):
    return _interruption_json(ctx, _interruption(ctx))


def get_responsible(ctx):
    interruption = _interruption(ctx)
    user = ctx.world.get(interruption.responsible_user_id)
    return render.user(user, ctx.user.id) if user else None


def take_responsibility(ctx):
    user = ops.take_responsibility(ctx.world, _interruption(ctx), ctx.user)
    return render.user(user, ctx.user.id)


def submit_interruption(ctx):
    interruption = ops.submit(ctx.world, _interruption(ctx), ctx.user, ctx.body)
    return _interruption_json(ctx, interruption)


# -- events and dashboard ---------------------------------------------------------------------------------
def list_events(ctx):
    q, world, spaces = ctx.query, ctx.world, ctx.spaces_filter()
    any_of, all_of = q.list("regardingAny"), q.list("regarding")
    if any_of or all_of:
        seen, items = set(), []
        for doc in any_of or all_of[:1]:
            for event in world.events_regarding(doc):
                if event.id not in seen:
                    seen.add(event.id)
                    items.append(event)
    else:
        items = world.all("Events")
    lowered = [r.lower() for r in all_of]
    users = set(q.list("users") + q.list("user"))
    categories = set(q.list("eventCategories"))
    items = [e for e in items if (spaces is None or e.space_id is None or e.space_id in spaces)
             and all(r in {d.lower() for d in e.related_document_ids} for r in lowered)
             and (not users or e.user_id in users) and (not categories or e.category in categories)
             and _in_window(q, e.occurred)]
    items.sort(key=lambda e: (e.occurred, e.number), reverse=True)
    return _page(ctx, "Event", [render.event(e) for e in items],
                 "/api/events{/id}{?skip,regarding,regardingAny,user,users,projects,environments,eventCategories,"
                 "tenants,from,to,take,ids,spaces,includeSystem,excludeDifference}")


def _in_window(q, moment):
    low, high = parse_date(q.get("from")), parse_date(q.get("to"))
    return not ((low and moment < low) or (high and moment > high))


def get_event(ctx):
    return render.event(_anywhere(ctx, ctx.params["id"], "Events"))


def dashboard(ctx):
    project_id = ctx.query.get("projectId")
    projects = {find(ctx.world, project_id, "Projects", ctx.space_id).id} if project_id else None
    return views.dashboard(ctx.world, ctx.space_id, projects, ctx.query.get("releaseId"))


def dashboard_dynamic(ctx):
    projects = set(ctx.query.list("projects")) or None
    result = views.dashboard(ctx.world, ctx.space_id, projects, None, ctx.query.bool("includePrevious"))
    envs = set(ctx.query.list("environments"))
    if envs:
        result["Items"] = [i for i in result["Items"] if i["EnvironmentId"] in envs]
        result["Environments"] = [e for e in result["Environments"] if e["Id"] in envs]
    return result
