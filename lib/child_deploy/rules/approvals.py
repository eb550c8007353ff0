"""Answering the child's manual interventions with the approvals the parent already has.

It answers only an intervention that a team of a parent approver is responsible for, and never a
guided failure.
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
    """Whether an interruption stops the child's own task (`regarding=` is checked, not trusted)."""
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
    """An approver in one of the intervention's teams, or None."""
    teams = set(interruption.get("ResponsibleTeamIds") or ())
    for approver in approvers:
        if teams & set(approver.team_ids):
            return approver
    return None


def approvals_from(events, interruptions):
    """(user id, username or None) of everyone who proceeded a manual intervention of the parent task.

    Only a submission of Proceed counts; without its event, the responsible user submitted it.
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
