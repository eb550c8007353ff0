"""Creating the child deployment exactly once.

Before creating, the step looks for a queued or executing deployment of the same release to the
same environment and tenant (a second run of the parent, a retried step) and waits for that one
instead. The create call is a POST and is never repeated blind: when its answer is lost, the
step lists the release's deployments again and adopts the one the lost call made, if any.
"""

from collections import namedtuple
from datetime import datetime, timezone

from .clock import instant
from .errors import ConfigurationError, OctopusApiError
from .lookups import tasks_by_id

ACTIVE_STATES = ("Queued", "Executing")
LOST_ANSWER_WAITS = (0.0, 1.0, 2.0, 4.0, 8.0)   # seconds before each look for a lost deployment
Created = namedtuple("Created", "deployment created_here reason")


def deployment_request(release, destination, tenant_id, settings, machine_ids, form_values,
                       guided_failure, skip_action_ids):
    """The body of POST /deployments (field names as Octopus defines them)."""
    body = {
        "ReleaseId": release["Id"], "EnvironmentId": destination["Id"], "TenantId": tenant_id,
        "SpecificMachineIds": list(machine_ids), "ExcludedMachineIds": [],
        "SkipActions": list(skip_action_ids), "ForcePackageDownload": settings.force_package_download,
        "ForcePackageRedeployment": False, "UseGuidedFailure": guided_failure,
        "FormValues": dict(form_values), "QueueTime": None, "QueueTimeExpiry": None,
    }
    if settings.queue_time is not None:
        expiry = settings.queue_time.timestamp() + settings.schedule_expiry_minutes * 60
        body["QueueTime"] = _iso(settings.queue_time.timestamp())
        body["QueueTimeExpiry"] = _iso(expiry)
    return body


def skip_action_ids(preview, step_names):
    """Action ids for the step names to skip; unknown or unskippable names are an error."""
    steps = (preview or {}).get("StepsToExecute") or ()
    by_name = {str(s.get("ActionName", "")).strip().lower(): s for s in steps}
    ids, problems = [], []
    for name in step_names:
        step = by_name.get(name.strip().lower())
        if step is None:
            problems.append('"Steps to skip" names "{0}", which is not a step of the child '
                            'deployment (its steps: {1}).'.format(
                                name, ", ".join(s.get("ActionName", "") for s in steps) or "none"))
        elif step.get("CanBeSkipped") is False:
            problems.append('"Steps to skip" names "{0}", which the child project marks as '
                            'required; it cannot be skipped.'.format(name))
        else:
            ids.append(step.get("ActionId"))
    if problems:
        raise ConfigurationError(problems)
    return ids


def release_deployments(client, release_id):
    """The release's deployments, newest first (one page: active ones are always recent)."""
    return client.get("releases/{0}/deployments".format(release_id), params={"take": 100}).get(
        "Items") or []


def active_deployment(client, listed, request, now):
    """A queued or executing deployment of exactly this request, if any.

    Exactly: same release, environment, tenant, targets and skipped steps (a parent redeploying
    to a rebuilt server must not be satisfied by a deployment to another one), and the same
    schedule: a retried scheduled step finds the deployment it scheduled, a step deploying now
    never adopts someone's plan for later, and a scheduled one never adopts a running one.
    """
    same = [d for d in listed if _same_target(d, request)]
    if not same:
        return None
    tasks = tasks_by_id(client, [d.get("TaskId") for d in same])
    for deployment in same:
        task = tasks.get(deployment.get("TaskId"), {})
        if task.get("State") in ACTIVE_STATES and _same_schedule(deployment, request, task, now):
            return deployment
    return None


def _same_schedule(deployment, request, task, now):
    wanted, existing = request.get("QueueTime"), deployment.get("QueueTime")
    if wanted:
        return bool(existing) and abs((instant(existing) - instant(wanted)).total_seconds()) < 1
    return not existing or task.get("State") == "Executing" or instant(existing) <= now


def create_once(client, clock, log, request):
    """Attach to an active deployment of the same thing, or create one; never create two."""
    listed = release_deployments(client, request["ReleaseId"])
    existing = active_deployment(client, listed, request, clock.now())
    if existing is not None:
        return Created(existing, False, "Deployment {0} of the same release to the same "
                       "environment and targets is already {1}; using it instead of creating "
                       "another.".format(existing["Id"], "scheduled for that time"
                                         if request.get("QueueTime") else "queued or running"))
    known = {d["Id"] for d in listed}
    try:
        return Created(client.post("deployments", body=request), True, "")
    except OctopusApiError as error:
        if error.status is not None and not error.retryable:
            raise
        log("The answer to the create call was lost ({0}); checking whether Octopus created the "
            "deployment before trying again.".format(str(error).splitlines()[0]))
        waits = LOST_ANSWER_WAITS if getattr(error, "sent", True) else (0.0,)
    made = made_after_all(client, clock, request, known, waits)
    if made is not None:
        return Created(made, True, "Octopus had created deployment {0}; using it.".format(made["Id"]))
    return Created(client.post("deployments", body=request), True, "")


def made_after_all(client, clock, request, known, waits):
    """The deployment a create call whose answer was lost made, looking a few times.

    A server may commit the deployment a moment after the connection broke, so one look is not
    enough; after LOST_ANSWER_WAITS (about 15 s) with nothing new, the call never arrived.
    """
    for wait in waits:
        clock.sleep(wait)
        made = [d for d in release_deployments(client, request["ReleaseId"])
                if d["Id"] not in known and _same_target(d, request)]
        if made:
            return made[0]
    return None


def cancel_task(client, task_id):
    """Ask Octopus to cancel the child's task (safe to repeat)."""
    return client.post("tasks/{0}/cancel".format(task_id), idempotent=True)


def _same_target(deployment, request):
    def ids(source, name):
        return {str(i).lower() for i in source.get(name) or ()}
    return (deployment.get("EnvironmentId") == request["EnvironmentId"]
            and (deployment.get("TenantId") or None) == (request.get("TenantId") or None)
            and all(ids(deployment, name) == ids(request, name)
                    for name in ("SpecificMachineIds", "ExcludedMachineIds", "SkipActions")))


def _iso(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
