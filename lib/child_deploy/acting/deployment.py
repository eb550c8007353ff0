"""Creating the child deployment exactly once: follow an active one of the same request, let the
earliest of two racing runs win, and never repeat a create POST blind (its run marker finds it).
"""

import uuid
from collections import namedtuple
from datetime import datetime, timezone

from ..base.clock import EARLIEST, instant
from ..base.errors import ConfigurationError, OctopusApiError, StepCancelledError, StepError
from .preflight import post_deployment
from .waiting import shielded

ACTIVE_STATES = ("Queued", "Executing")
LOST_ANSWER_WAITS = (0.0, 1.0, 2.0, 4.0, 8.0)   # seconds before each look for a lost deployment
# A signal's 15 s: ~4 s to find a create call it cut off, ~8 s to cancel.
SIGNAL_WAITS = (0.0, 1.0, 2.0)
SIGNAL_BUDGET_SECONDS = 4.0
CANCEL_BUDGET_SECONDS = 8.0
# Beyond *Wait for Deployment*: the lookups before the child is created, the calls after the wait.
STEP_MARGIN_SECONDS = 60
RECENT_TAKE = 30          # a deployment made seconds ago is among the lane's newest 30
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
        "Comments": run_marker(settings.parent, new_run_token()),
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


def run_marker(parent, token):
    """The Comments of a deployment this step creates: who asked, and this run's token."""
    if parent.project_name:
        who = "{0} {1}".format(parent.project_name, parent.release_number).strip()
        who += " (task {0})".format(parent.task_id) if parent.task_id else ""
    else:
        who = "a terminal run"
    return ("Deployed by {0} with the Deploy Child Octopus Deploy Project step; run "
            "{1}.".format(who, token))


def new_run_token():
    return uuid.uuid4().hex[:16]


class Lane:
    """The deployments of one project to one environment (and tenant): where this request runs."""

    def __init__(self, client, request, project_id):
        self.client, self.request = client, request
        self.filters = {"project": project_id, "environment": request["EnvironmentId"]}
        if request.get("TenantId"):
            self.filters["tenant"] = request["TenantId"]

    def active(self, now, ours=None):
        """Queued or executing deployments of exactly this request, earliest first, but `ours`."""
        tasks = self.client.get_all("tasks", params=dict(
            self.filters, states=",".join(ACTIVE_STATES), name="Deploy"))
        by_deployment = {(t.get("Arguments") or {}).get("DeploymentId"): t for t in tasks
                         if isinstance(t, dict)}
        ids = sorted(i for i in by_deployment if i and i != (ours or {}).get("Id"))
        if not ids:
            return []
        listed = self.client.get_all("deployments", params={"ids": ",".join(ids)})
        same = [d for d in listed if isinstance(d, dict) and d.get("Id") in by_deployment
                and _same_target(d, self.request)
                and _same_schedule(d, self.request, by_deployment[d["Id"]], now)]
        return sorted(same, key=creation_order)

    def ours(self, marker):
        """The deployment carrying this run's marker, among the lane's newest."""
        params = {"projects": self.filters["project"], "environments": self.filters["environment"],
                  "take": RECENT_TAKE}
        if "tenant" in self.filters:
            params["tenants"] = self.filters["tenant"]
        page = self.client.get("deployments", params=params)
        for deployment in (page.get("Items") or []) if isinstance(page, dict) else []:
            if isinstance(deployment, dict) and marker in str(deployment.get("Comments") or ""):
                return deployment
        return None


def creation_order(deployment):
    """Earliest first: by Created, then by the number in the Id (Octopus numbers in order)."""
    number = str(deployment.get("Id", "")).rsplit("-", 1)[-1]
    created = instant(deployment.get("Created") or "")
    return (created if created != EARLIEST else datetime.max.replace(tzinfo=timezone.utc),
            int(number) if number.isdigit() else 0)


def _same_schedule(deployment, request, task, now):
    wanted, existing = request.get("QueueTime"), deployment.get("QueueTime")
    if wanted:
        return bool(existing) and abs((instant(existing) - instant(wanted)).total_seconds()) < 1
    return not existing or task.get("State") == "Executing" or instant(existing) <= now


def create_once(client, clock, log, request, project_id, on_known=None):
    """Attach to an active deployment of the same thing, or create one; never leave two.
    `on_known(deployment, created_here)` runs the moment a deployment is known."""
    on_known = on_known or (lambda deployment, created_here: None)
    lane = Lane(client, request, project_id)
    active = lane.active(clock.now())
    if active:
        on_known(active[0], False)
        return Created(active[0], False, "Deployment {0} of the same release to the same "
                       "environment and targets is already {1}; using it instead of creating "
                       "another.".format(active[0]["Id"], "scheduled for that time"
                                         if request.get("QueueTime") else "queued or running"))
    try:
        made, reason = create(client, clock, log, lane)
        on_known(made, True)
    except StepCancelledError:
        # Cut off mid-call (or just after): the POST may still complete, so look briefly.
        hurried = client.with_deadline(clock.monotonic() + SIGNAL_BUDGET_SECONDS)
        found = find_ours(Lane(hurried, request, project_id), clock, SIGNAL_WAITS)
        if found is not None:
            on_known(found, True)
        raise
    return settle(client, clock, log, lane, made, reason, on_known)


def create(client, clock, log, lane):
    """POST the deployment; when the answer proves nothing (anything but a 4xx), find ours by its
    marker, and post once more only when several looks over ~15 s find nothing."""
    error = None
    for _attempt in (1, 2):
        try:
            made = post_deployment(client, lane.request)
            if isinstance(made, dict) and made.get("Id") and made.get("TaskId"):
                return made, ""
            error = OctopusApiError("Octopus answered the create call without the deployment.")
        except OctopusApiError as failure:
            if failure.status is not None and 400 <= failure.status < 500:
                raise
            error = failure
        log("The answer to the create call was lost or unclear ({0}); checking whether Octopus "
            "created the deployment (by this run's marker) before trying again.".format(
                str(error).splitlines()[0]))
        made = find_ours(lane, clock, LOST_ANSWER_WAITS if getattr(error, "sent", True) else (0.0,))
        if made is not None:
            return made, "Octopus had created deployment {0}; using it.".format(made["Id"])
    raise error


def find_ours(lane, clock, waits):
    """This run's deployment (a server may commit after the connection broke), or None."""
    marker = lane.request.get("Comments") or ""
    for wait in waits if marker else ():
        clock.sleep(wait)
        try:
            made = lane.ours(marker)
        except OctopusApiError:
            continue
        if made is not None:
            return made
    return None


def settle(client, clock, log, lane, ours, reason, on_known):
    """After creating: the earliest active deployment of the request wins; ours steps aside."""
    winner = sorted(lane.active(clock.now(), ours) + [ours], key=creation_order)[0]
    if winner["Id"] == ours["Id"]:
        return Created(ours, True, reason)
    log("Deployment {0} of the same request was created just before this run's {1}; cancelling "
        "{1} and following {0}.".format(winner["Id"], ours["Id"]))
    with shielded():       # a signal now waits: ours is cancelled once, by this code
        cancel_task(client, ours["TaskId"])
        on_known(winner, False)
    return Created(winner, False, "Another run created deployment {0} of the same release to the "
                   "same environment and targets a moment earlier; this run's duplicate {1} was "
                   "cancelled and the step follows {0}.".format(winner["Id"], ours["Id"]))


def cancel_task(client, task_id):
    """Ask Octopus to cancel the child's task (safe to repeat)."""
    return client.post("tasks/{0}/cancel".format(task_id), idempotent=True)


def cancel_child(client, clock, host, deadline=None):
    """Cancel the run's child if this run created it and has not asked yet; say what became of it.

    Asked once, inside a signal shield; retries stop at `deadline` (a train's children share it).
    """
    client = client.with_deadline(deadline or clock.monotonic() + CANCEL_BUDGET_SECONDS)
    known = host.known_outcome
    if known is None or not known.deployment_id:
        return "no child deployment had been created"
    if not known.created_here:
        return "left running: this step did not create it"
    if known.cancel_asked:
        return "already asked to cancel"
    failure = None
    with shielded():
        try:
            cancel_task(client, known.task_id)
        except StepError as error:
            failure = error
        host.known_outcome = known.with_(cancel_asked=True)
    return "cancelled" if failure is None else cancel_failed(client, known.task_id, failure)


def cancel_failed(client, task_id, failure):
    """What a failed cancel call left behind: the task's own state decides the words."""
    try:
        task = client.get("tasks/{0}".format(task_id))
    except StepError:
        task = None
    if isinstance(task, dict) and task.get("State") in ("Cancelling", "Canceled"):
        return "cancelled"
    return "not cancelled, because cancelling failed ({0})".format(str(failure).splitlines()[0])


def _same_target(deployment, request):
    def ids(source, name):
        return {str(i).lower() for i in source.get(name) or ()}
    return (deployment.get("EnvironmentId") == request["EnvironmentId"]
            and (deployment.get("TenantId") or None) == (request.get("TenantId") or None)
            and all(ids(deployment, name) == ids(request, name)
                    for name in ("SpecificMachineIds", "ExcludedMachineIds", "SkipActions")))


def _iso(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
