"""What the API changes: creating deployments, answering interruptions, cancelling tasks.

Each operation checks what the real server checks and refuses with its status codes and error
body: 400 with `ErrorMessage` and `Errors` for validation (a lifecycle that does not allow the
environment yet, a missing required prompted variable, a bad schedule), 403 for a caller without
the permission, and the interruption rules (take responsibility first; only the responsible user
may submit; an interruption is answered once).
"""

from . import tasks as engine
from .clock import parse_date
from .errors import ApiError, bad_request, invalid, not_found
from .lifecycle import lifecycle_of, promote_to
from .world_preflight import MISSING

MI_ANSWERS = ("Proceed", "Abort")
GF_ANSWERS = ("Fail", "Retry", "Ignore", "Exclude")
NO_BODY = "No request body was supplied."


def fields(body):
    """Request properties by lower-case name: .NET model binding ignores the case of names."""
    if not isinstance(body, dict):
        return {}
    return {str(k).lower(): v for k, v in body.items()}


def find(world, document_id, prefix, space_id):
    """A document of this type in this space, else the real 404."""
    document = world.get(document_id)
    if document is None or not document.id.startswith(prefix) or \
            getattr(document, "space_id", space_id) not in (space_id, None):
        raise not_found(document_id)
    return document


# -- deployments -------------------------------------------------------------------------------
def create_deployment(world, space_id, body, user, overridden=frozenset()):
    """A deployment as `POST deployments` makes it (`overridden`: freeze ids the override
    route was told to pass)."""
    if not isinstance(body, dict) or not body:
        raise bad_request(NO_BODY)
    values = fields(body)
    missing = []
    if not values.get("releaseid"):
        missing.append("Please specify the release to deploy.")
    if not values.get("environmentid"):
        missing.append("Please provide a target environment to deploy to.")
    if missing:
        raise invalid(*missing)
    release = find(world, values["releaseid"], "Releases", space_id)
    env = find(world, values["environmentid"], "Environments", space_id)
    project = world.get(release.project_id)
    tenant = find(world, values["tenantid"], "Tenants", space_id) if values.get("tenantid") else None
    if not world.holds(user, "DeploymentCreate", project, env.id, tenant and tenant.id):
        raise ApiError(403, MISSING % "DeploymentCreate")
    _check_tenancy(project, env, tenant)
    _check_lifecycle(world, release, project, env, tenant)
    frozen = [f for f in world.freezes_holding(project.id, env.id, tenant and tenant.id, world.now())
              if f["Id"].lower() not in overridden]
    if frozen:
        raise invalid(*["The environment %s is frozen by freeze %s." % (env.name, f["Name"])
                        for f in frozen])
    queue_time, expiry = _schedule(values, world.now())
    form_values = _form_values(project, values.get("formvalues"))
    specific = _machine_ids(world, values.get("specificmachineids"), space_id)
    excluded = _machine_ids(world, values.get("excludedmachineids"), space_id)
    deployment = world.new_deployment(
        release, env, tenant, world.now(), deployed_by=user, form_values=form_values,
        specific_machine_ids=specific, excluded_machine_ids=excluded,
        skip_actions=[str(a) for a in values.get("skipactions") or []],
        force_package_download=bool(values.get("forcepackagedownload")),
        force_package_redeployment=bool(values.get("forcepackageredeployment")),
        use_guided_failure=bool(values.get("useguidedfailure")), queue_time=queue_time,
        queue_time_expiry=expiry, comments=values.get("comments"),
        priority=values.get("priority") or "LifecycleDefault", overridden_freeze_ids=set(overridden))
    world.start_live_task(deployment, world.script_for(project.id, deployment.tenant_id,
                                                       release.id), user)
    return deployment


def _check_tenancy(project, env, tenant):
    if tenant is None and project.tenanted_mode == "Tenanted":
        raise invalid("The project '%s' can only be deployed with a tenant: please specify a TenantId."
                      % project.name)
    if tenant is not None and project.tenanted_mode == "Untenanted":
        raise invalid("The project '%s' is not configured for tenanted deployments, so a tenant "
                      "cannot be specified." % project.name)
    if tenant is not None and env.id not in tenant.project_environments.get(project.id, []):
        raise invalid("The tenant '%s' is not connected to the project '%s' in the environment '%s'."
                      % (tenant.name, project.name, env.name))


def _check_lifecycle(world, release, project, env, tenant):
    if project.is_disabled:
        raise invalid("The project '%s' is disabled, so it cannot be deployed." % project.name)
    if env.id in promote_to(world, release, tenant):
        return
    lifecycle = lifecycle_of(world, release)
    from .lifecycle import effective_phases
    known = any(env.id in p.environment_ids for p in effective_phases(world, lifecycle))
    if not known:
        reason = "the environment '%s' is not part of the lifecycle '%s'" % (env.name, lifecycle.name)
    else:
        reason = ("the lifecycle '%s' has not reached the phase containing '%s' for this release; "
                  "deploy it successfully to the earlier phases first" % (lifecycle.name, env.name))
    raise invalid("Release %s of project '%s' cannot be deployed to '%s': %s."
                  % (release.version, project.name, env.name, reason))


def _schedule(values, now):
    try:
        queue_time = parse_date(values.get("queuetime"))
        expiry = parse_date(values.get("queuetimeexpiry"))
    except (ValueError, TypeError) as error:
        raise ApiError(400, "Deployment Schedule is invalid.", [str(error)])
    if expiry is not None and (queue_time or now) >= expiry:
        raise ApiError(400, "Deployment Schedule is invalid.",
                       ["The queue time expiry must be later than the queue time."])
    if queue_time is not None and queue_time < now:
        queue_time = None
    return queue_time, expiry


def _form_values(project, raw):
    values = {str(k): (None if v is None else str(v)) for k, v in (raw or {}).items()} \
        if isinstance(raw, dict) else {}
    problems = []
    for variable in project.prompted_variables:
        given = values.get(variable.id)
        if variable.required and not (given or variable.default):
            problems.append("Please provide a value for the required variable '%s'." % variable.label)
    if problems:
        raise invalid(*problems)
    return values


def _machine_ids(world, raw, space_id):
    ids = [str(m) for m in (raw or []) if m]
    for machine_id in ids:
        machine = world.get(machine_id)
        if machine is None or not machine.id.startswith("Machines") or machine.space_id != space_id:
            raise invalid("The deployment target '%s' was not found." % machine_id)
    return [world.get(m).id for m in ids]


# -- interruptions -------------------------------------------------------------------------------
def can_take_responsibility(world, interruption, user):
    """The caller may act: allowed at all, and in a responsible team when teams are named."""
    if not user.can_take_responsibility:
        return False
    task = world.tasks_by_id[interruption.task_id]
    scope = (world.get(task.project_id), task.environment_id, task.tenant_id)
    mine = {t.id for t in world.teams_of(user)}
    responsible = not interruption.responsible_team_ids or bool(
        mine & set(interruption.responsible_team_ids))
    if world.holds(user, "InterruptionSubmit", *scope):
        return responsible
    return responsible and world.holds(user, "InterruptionViewSubmitResponsible", *scope)


def _forbidden(user):
    return ApiError(403, "You do not have permission to perform this action. %s is not a member of "
                    "a team responsible for this interruption (missing permission: "
                    "InterruptionSubmit)." % user.display_name)


def take_responsibility(world, interruption, user):
    if not can_take_responsibility(world, interruption, user):
        raise _forbidden(user)
    if not interruption.is_pending:
        raise bad_request("This interruption has already been submitted, possibly by another user.")
    if interruption.responsible_user_id != user.id:
        interruption.responsible_user_id = user.id
        world.write_event("InterruptionResponsibilityTaken", "%s took responsibility for interruption %s"
                          % (user.display_name, interruption.title),
                          [interruption.id] + interruption.related_document_ids, world.now(), user,
                          interruption.space_id)
    return user


def submit(world, interruption, user, body):
    if not isinstance(body, dict) or not body:
        raise bad_request(NO_BODY)
    if not can_take_responsibility(world, interruption, user):
        raise _forbidden(user)
    if not interruption.is_pending:
        raise bad_request("The interruption has already been submitted.")
    if interruption.responsible_user_id is None:
        raise bad_request("You must take responsibility for this interruption before attempting to submit it.")
    if interruption.responsible_user_id != user.id:
        raise bad_request("Someone else has taken responsibility for this interruption, and only they "
                          "are allowed to submit it.")
    values = _answer(interruption, fields(body))
    world.record_submission(interruption, user, values, world.now())
    task = world.tasks_by_id[interruption.task_id]
    engine.resume(world, task, interruption, values.get("Result") or values.get("Guidance"), world.now())
    return interruption


def _answer(interruption, values):
    key, allowed = ("Result", MI_ANSWERS) if interruption.kind == "ManualIntervention" else \
        ("Guidance", GF_ANSWERS)
    answer = values.get(key.lower())
    matched = next((a for a in allowed if isinstance(answer, str) and a.lower() == answer.lower()), None)
    if matched is None:
        raise ApiError(400, "There were errors with the form.",
                       ["%s must be one of: %s." % (key, ", ".join(allowed))])
    notes = values.get("notes")
    return {key: matched, "Notes": None if notes is None else str(notes)}


def cancel_task(world, task):
    engine.cancel(world, task, world.now())
    return task
