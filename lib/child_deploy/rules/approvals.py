"""Answering the child's manual interventions with the approvals the parent already has.

A person who approved the parent deployment (in its own environment, or in the *Approval
Environment* such as `Prod Approval`) has already said yes. When the child deployment stops at a
manual intervention that a team of that person is responsible for, the step takes responsibility
and submits `Proceed`, with a note saying who approved what. It never answers a guided-failure
interruption (its form asks for `Guidance`, and deciding to retry or ignore a failure is not an
approval), nor anything an aborted parent interruption was about.
"""

from collections import namedtuple


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
                       .format(interruption_title(interruption)))
    if not interruption.get("ResponsibleTeamIds"):
        return Verdict("tell", None, "\"{0}\" names no responsible team, so no parent approval "
                       "can stand for it; it waits for a person.".format(interruption_title(interruption)))
    approver = _responsible_approver(interruption, approvers)
    if approver is None:
        return Verdict("tell", None, "No one who approved the parent deployment belongs to a team "
                       "responsible for \"{0}\"; it waits for a person.".format(
                           interruption_title(interruption)))
    if not interruption.get("CanTakeResponsibility", True) and not interruption.get("HasResponsibility"):
        return Verdict("tell", approver, "The API key's user may not take responsibility for \"{0}\"; "
                       "add it to one of the responsible teams (or give it the "
                       "InterruptionViewSubmitResponsible permission) to let the step approve it."
                       .format(interruption_title(interruption)))
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


def interruption_title(interruption):
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
