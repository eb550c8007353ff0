"""Acting on the child's manual interventions: reading the parent's approvals (task, events,
teams) and answering; the rules themselves are pure, in rules/approvals.py."""

from ..base.clock import instant
from ..base.errors import OctopusApiError, OctopusUnreachableError, StepError
from ..octopus.lookups import pick_by_name, tasks_by_id
from ..rules.approvals import (Approver, approvals_from, belongs_to_task, decide_interruption,
                               interruption_title)
from ..rules.selection import phase_index, phases_from_preview


def approval_task_id(client, host, settings, approval_environment, approval_tenant_id):
    """The parent task whose approvals count, or None (with the v29 warning-or-info rule)."""
    parent = settings.parent
    if approval_environment["Id"] == parent.environment_id and \
            (not parent.tenant_id or (approval_tenant_id or "") in ("", parent.tenant_id)):
        return parent.task_id or None       # the running parent deployment's own approvals
    deployments = client.get_all("releases/{0}/deployments".format(parent.release_id))
    matching = [d for d in deployments if d.get("EnvironmentId") == approval_environment["Id"]
                and (not approval_tenant_id or not d.get("TenantId")
                     or d.get("TenantId") == approval_tenant_id)]
    tasks = tasks_by_id(client, [d.get("TaskId") for d in matching])
    finished = [t for t in tasks.values() if t.get("IsCompleted") and t.get("FinishedSuccessfully")]
    if finished:
        return max(finished, key=lambda t: instant(t.get("StartTime") or ""))["Id"]
    _report_missing_approval(client, host, settings, approval_environment)
    return None


def _report_missing_approval(client, host, settings, approval_environment):
    """Warn when the approval should already exist (its phase comes first), else just inform."""
    parent = settings.parent
    message = ("No successful deployment of the parent release to {0} was found, so no approvals "
               "are carried over to the child.".format(approval_environment["Name"]))
    phases = []
    if parent.channel_id:
        channel = client.get("channels/{0}".format(parent.channel_id))
        lifecycle_id = channel.get("LifecycleId") or client.get(
            "projects/{0}".format(channel.get("ProjectId") or parent.project_id)).get("LifecycleId")
        phases = phases_from_preview(client.get("lifecycles/{0}/preview".format(lifecycle_id)))
    approval_at = phase_index(phases, approval_environment["Id"])
    parent_at = phase_index(phases, parent.environment_id)
    if approval_at is not None and parent_at is not None and approval_at < parent_at:
        host.warning(message)
    else:
        host.info(message)


def load_approvers(client, log, space_id, task_id):
    """Approvers of the parent task, with their team ids in the child's space (`space_id`)."""
    events = client.get_all("events", params={"regardingAny": task_id, "spaces": client.space_id,
                                              "includeSystem": "true"}, system=True)
    interruptions = client.get_all("interruptions", params={"regarding": task_id})
    approvers = []
    for user_id, username in approvals_from(events, interruptions):
        try:
            username = username or client.get("users/{0}".format(user_id), system=True)["Username"]
            memberships = client.get("teammembership", params={
                "userId": user_id, "spaces": space_id, "includeSystem": "true"}, system=True,
                expect=list)
        except OctopusApiError as error:
            if error.status != 404:
                raise
            log("Approver {0} is no longer a user of this Octopus; their approval is not "
                "carried over.".format(username or user_id))
            continue
        approvers.append(Approver(user_id, username,
                                  tuple(m.get("TeamId") for m in memberships or ())))
    return approvers


def resolve_approval_environment(settings, environments):
    name = settings.approval_environment or settings.parent.environment_name
    if not name:
        return None
    return pick_by_name(environments, name, "Environment", "Approval Environment")


class AutoApprover:
    """Answers each of the child's pending interruptions once, poll after poll."""

    def __init__(self, client, host, approvers, note):
        self.client, self.host, self.approvers, self.note = client, host, approvers, note
        self._done = set()
        self._read_failed = False

    def __call__(self, task):
        if not task.get("HasPendingInterruptions"):
            return
        for interruption in self._pending(task):
            if interruption["Id"] in self._done:
                continue
            if belongs_to_task(interruption, task["Id"]):
                self._handle(interruption)
                continue
            self.host.verbose("Interruption {0} belongs to {1}, not to the child's task {2}; it is "
                              "left alone.".format(interruption["Id"], interruption.get("TaskId"),
                                                   task["Id"]))
            self._done.add(interruption["Id"])

    def _pending(self, task):
        """The task's pending interruptions; none this poll (said once) when they cannot be read."""
        try:
            return self.client.get_all("interruptions", params={"regarding": task["Id"],
                                                                "pendingOnly": "true"})
        except StepError as error:
            if not self._read_failed:
                self.host.warning("The child's pending interruptions could not be read ({0}); "
                                  "trying again at the next poll.".format(error))
            self._read_failed = True
            return []

    def _handle(self, interruption):
        verdict = decide_interruption(interruption, self.approvers)
        if verdict.action == "approve":
            try:
                self._approve(interruption, verdict.approver)
            except OctopusApiError as error:
                if isinstance(error, OctopusUnreachableError) or (error.status or 0) >= 500:
                    self.host.verbose("Approving {0} did not get through ({1}); looking again at "
                                      "the next poll.".format(interruption["Id"], error))
                    return
                self._refused(interruption, error)
        elif verdict.action == "tell":
            self.host.warning(verdict.reason)
        elif interruption.get("IsPending"):
            self.host.info(verdict.reason)
        self._done.add(interruption["Id"])

    def _approve(self, interruption, approver):
        route = "interruptions/{0}".format(interruption["Id"])
        if not interruption.get("HasResponsibility"):
            self.client.put(route + "/responsible")
        note = self.note.replace("{approver}", approver.username)
        self.client.post(route + "/submit", body={"Instructions": None, "Notes": note,
                                                  "Result": "Proceed"})
        self.host.highlight("Approved \"{0}\" of the child deployment on behalf of {1}.".format(
            interruption_title(interruption), approver.username))

    def _refused(self, interruption, error):
        """Octopus said no: explain once (permissions, or someone else answered) and wait on."""
        detail = error.error_message or str(error).splitlines()[0]
        if error.status in (401, 403):
            self.host.warning(
                "Octopus did not let the API key's user answer \"{0}\" ({1}). It needs permission "
                "to view and submit interruptions (InterruptionViewSubmitResponsible) and membership "
                "of a team responsible for it; until then the child waits for a person.".format(
                    interruption_title(interruption), detail))
        else:
            self.host.info("\"{0}\" was not approved by the step: {1}".format(
                interruption_title(interruption), detail))
