"""Answering the child's manual interventions with the approvals the parent already has.

A person who approved the parent deployment (in its own environment, or in the *Approval
Environment* such as `Prod Approval`) has already said yes. When the child deployment stops at a
manual intervention that a team of that person is responsible for, the step takes responsibility
and submits `Proceed`, with a note saying who approved what. It never answers a guided-failure
interruption (its form asks for `Guidance`, and deciding to retry or ignore a failure is not an
approval), nor anything an aborted parent interruption was about.
"""

from collections import namedtuple

from .clock import instant
from .errors import OctopusApiError, OctopusUnreachableError, StepError
from .lookups import pick_by_name, tasks_by_id
from .selection import phase_index, phases_from_preview

Approver = namedtuple("Approver", "user_id username team_ids")
Verdict = namedtuple("Verdict", "action approver reason")   # action: approve | skip | tell


def is_manual_intervention(interruption):
    """Manual interventions ask for a `Result`; guided failures ask for `Guidance`."""
    names = {e.get("Name") for e in (interruption.get("Form") or {}).get("Elements") or ()}
    if interruption.get("Type") == "GuidedFailure" or "Guidance" in names:
        return False
    return interruption.get("Type") == "ManualIntervention" or "Result" in names


def belongs_to_task(interruption, task_id):
    """Whether an interruption stops the child's own task. The list is asked for with
    `regarding=<task>`, but a parent approval must never open another deployment's intervention,
    so the answer is checked rather than trusted (an interruption without TaskId is the child's)."""
    return (interruption.get("TaskId") or task_id).lower() == task_id.lower()


def decide_interruption(interruption, approvers):
    """What to do with one pending interruption of the child (pure)."""
    if not interruption.get("IsPending"):
        return Verdict("skip", None, "already answered")
    if not is_manual_intervention(interruption):
        return Verdict("skip", None, "{0} is a guided-failure prompt; a person must decide it."
                       .format(_title(interruption)))
    if not interruption.get("ResponsibleTeamIds"):
        return Verdict("tell", None, "\"{0}\" names no responsible team, so no parent approval "
                       "can stand for it; it waits for a person.".format(_title(interruption)))
    approver = _responsible_approver(interruption, approvers)
    if approver is None:
        return Verdict("tell", None, "No one who approved the parent deployment belongs to a team "
                       "responsible for \"{0}\"; it waits for a person.".format(
                           _title(interruption)))
    if not interruption.get("CanTakeResponsibility", True) and not interruption.get("HasResponsibility"):
        return Verdict("tell", approver, "The API key's user may not take responsibility for \"{0}\"; "
                       "add it to one of the responsible teams (or give it the "
                       "InterruptionViewSubmitResponsible permission) to let the step approve it."
                       .format(_title(interruption)))
    return Verdict("approve", approver, "{0} approved the parent deployment and belongs to a "
                   "responsible team.".format(approver.username))


def _responsible_approver(interruption, approvers):
    """An approver in one of the intervention's teams. As in v29, an intervention that names no
    team is left to a person (see decide_interruption): open to anyone is not approved."""
    teams = set(interruption.get("ResponsibleTeamIds") or ())
    for approver in approvers:
        if teams & set(approver.team_ids):
            return approver
    return None


def approvals_from(events, interruptions):
    """(user id, username or None) of everyone who proceeded a manual intervention of the parent task.

    Only submissions count: the audit event `InterruptionSubmitted` ("Submitted interruption ...")
    names who answered, and the interruption's form says whether it was Proceed or Abort, so an
    aborted one approves nothing. Events about raising an interruption or taking responsibility
    for it are not approvals. Without such an event, the user responsible for a proceeded
    interruption is the one who submitted it (Octopus requires taking responsibility first).
    """
    proceeded = {i["Id"]: i for i in interruptions
                 if is_manual_intervention(i) and not i.get("IsPending")
                 and ((i.get("Form") or {}).get("Values") or {}).get("Result") == "Proceed"}
    submissions = [event for event in events if is_submission(event)]
    answered = {doc for event in submissions for doc in event.get("RelatedDocumentIds") or ()}
    found = {}
    for event in submissions:
        if set(event.get("RelatedDocumentIds") or ()) & set(proceeded):
            found.setdefault(event.get("UserId"), event.get("Username"))
    for interruption_id, interruption in proceeded.items():
        user = interruption.get("ResponsibleUserId")
        if user and interruption_id not in answered:
            found.setdefault(user, None)
    return sorted(found.items(), key=lambda pair: pair[0] or "")


def is_submission(event):
    """The audit event written when someone answers an interruption."""
    return (event.get("Category") == "InterruptionSubmitted"
            or str(event.get("Message", "")).lower().startswith("submitted interruption"))


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
    """Approvers of the parent task (read in the parent's space, `client`) with their team ids
    in the child's space (`space_id`), where the child's interventions name their teams."""
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
    """Called on each poll while the child has pending interruptions; answers each one once."""

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
        """The task's pending interruptions; none this poll (said once) when they cannot be read,
        since a person can still answer the child and the next poll tries again."""
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
            _title(interruption), approver.username))

    def _refused(self, interruption, error):
        """Octopus said no: explain once (permissions, or someone else answered) and wait on."""
        detail = error.error_message or str(error).splitlines()[0]
        if error.status in (401, 403):
            self.host.warning(
                "Octopus did not let the API key's user answer \"{0}\" ({1}). It needs permission "
                "to view and submit interruptions (InterruptionViewSubmitResponsible) and membership "
                "of a team responsible for it; until then the child waits for a person.".format(
                    _title(interruption), detail))
        else:
            self.host.info("\"{0}\" was not approved by the step: {1}".format(
                _title(interruption), detail))


def _title(interruption):
    return interruption.get("Title") or interruption.get("Id")


def approval_note(settings, approval_environment_name, tenant_name, task_url):
    """The note submitted with an automatic approval; `{approver}` is filled in per interruption."""
    parent = settings.parent
    tenant = " for tenant {0}".format(tenant_name) if tenant_name else ""
    return ("Approved automatically by the Deploy Child Octopus Deploy Project step: {{approver}} "
            "approved parent project {0} release {1} in {2}{3} ({4}) and belongs to a team "
            "responsible for this manual intervention.").format(
                parent.project_name, parent.release_number, approval_environment_name, tenant,
                task_url)
