"""Preflight: what Octopus would refuse, found while planning (permissions and freezes read once
per run); a refusal is the child's outcome, a doubt a warning in its reason."""

from ..base.errors import OctopusApiError, RefusedError
from ..base.outcome import publish
from ..rules.refusals import covers, holds, target_health, window

APPROVERS = ("InterruptionSubmit", "InterruptionViewSubmitResponsible")


def check_delivery(host, settings, delivery, catalog):
    """The Delivery with warnings and any freeze override, or RefusedError (published)."""
    target, project, place = delivery.target, delivery.target.project, delivery.target.destination
    scope = (target.space_id, project["Id"], project.get("ProjectGroupId"), place["Id"],
             target.tenant_id)
    what = "{0} to {1}{2}".format(project["Name"], place["Name"],
                                  target.tenant and " for " + target.tenant["Name"] or "")
    troubled, none = target_health(delivery.preview, delivery.request["SpecificMachineIds"])
    refusals = [("NoTarget", "No target of {0} is available.".format(what))] if none else []
    notes = ["Targets: {0}.".format(", ".join(troubled))] if troubled else []
    allowed = catalog.shared("permissions", read_permissions)
    if allowed and not holds(allowed, "DeploymentCreate", scope):
        refusals.append(("Forbidden", "Octopus would refuse {0} (Missing permission: "
                         "DeploymentCreate): grant it for {0} to the API key's user.".format(what)))
    if allowed and settings.auto_approve and not any(holds(allowed, p, scope) for p in APPROVERS):
        notes.append("No InterruptionSubmit for {0}: a person must answer its manual "
                     "interventions.".format(what))
    moment, freezes = settings.queue_time or catalog.now, catalog.shared("freezes", read_freezes)
    holding = [(f, w[1]) for f, w in catalog.shared(("frozen", moment), lambda *_: [
        (f, window(f, moment)) for f in freezes])
        if w and covers(f, project["Id"], place["Id"], target.tenant_id)]
    override = holding and overrides(settings, allowed, scope, what, holding, refusals, notes)
    notes[:0] = [] if catalog.batch else catalog.notes
    if refusals:
        message = " ".join([text for _outcome, text in refusals] + notes)
        publish(host, host.known_outcome.with_(outcome=refusals[0][0], reason=message))
        raise RefusedError(message, refusals[0][0])
    for note in notes:
        host.warning(note)
    return delivery._replace(reason=" ".join([delivery.reason] + notes), request=dict(
        delivery.request, FreezeOverride=override) if override else delivery.request)


def freezes_ahead(catalog, moment, reached):
    """Notes on freezes beginning after `moment` but before the train may reach a child
    (`reached`: name, target, latest)."""
    return ['Deployment freeze "{0}" begins {1:%Y-%m-%d %H:%M} UTC, before the train may reach '
            '{2} (at the latest {3:%Y-%m-%d %H:%M} UTC); Octopus would then refuse it.'.format(
                f.get("Name") or f.get("Id"), w[0], name, latest)
            for name, target, latest in reached for f in catalog.shared("freezes", read_freezes)
            for w in [covers(f, target.project["Id"], target.destination["Id"], target.tenant_id)
                      and window(f, moment, latest)] if w and w[0] > moment]


def overrides(settings, allowed, scope, what, holding, refusals, notes):
    """The freeze override for the create call, or None (and a refusal)."""
    named = ", ".join('"{0}" until {1:%Y-%m-%d %H:%M} UTC'.format(f.get("Name"), end)
                      for f, end in holding)
    reason = settings.freeze_override_reason
    if not reason:
        refusals.append(("Frozen", "Deployment freeze {0} holds {1} {2}; or set \"Deployment "
                         "freeze override reason\".".format(named, what, "at its scheduled time"
                                                            if settings.queue_time else "now")))
    elif allowed and not holds(allowed, "DeploymentFreezeAdminister", scope):
        refusals.append(("Forbidden", "Overriding freeze {0} needs DeploymentFreezeAdminister: "
                         "grant it to the API key's user.".format(named)))
    else:
        notes.append("Overrides freeze {0}: {1}".format(named, reason))
        return {"FreezeIds": [f.get("Id") for f, _end in holding], "Reason": reason}
    return None


def read_permissions(client, notes):
    """The API key user's permission set in the space, if Octopus shows all of it."""
    allowed = unless_refused(notes, "The API key's permissions", lambda: client.get(
        "users/{0}/permissions".format(client.get("users/me", system=True).get("Id")),
        params={"includeSystem": "true"}))
    if allowed and allowed.get("IsPermissionsComplete") is False:
        notes.append("The API key's permissions were not checked: Octopus showed part of them.")
        return None
    return allowed


def read_freezes(client, notes):
    """Every deployment freeze, 100 a page."""
    freezes, count = [], 1
    while len(freezes) < min(count, 1000):
        page = unless_refused(notes, "Deployment freezes", lambda: client.get(
            "deploymentfreezes", params={"skip": len(freezes), "take": 100}, system=True)) or {}
        batch = [f for f in page.get("DeploymentFreezes") or () if isinstance(f, dict)]
        freezes, count = freezes + batch, len(batch) and int(page.get("Count") or 0)
    return freezes


def unless_refused(notes, what, read):
    """read(), or None after a 4xx (noted, but a 404 means a server without freezes)."""
    try:
        return read()
    except OctopusApiError as error:
        if not 400 <= (error.status or 0) < 500:
            raise
        if error.status != 404 or "freezes" not in what:
            notes.append("{0} were not checked: Octopus answered {1}.".format(what, error.status))
    return None


def post_deployment(client, request):
    """The create call; with a FreezeOverride, Octopus's `deployments/override` around it."""
    body = dict(request)
    override = body.pop("FreezeOverride", None)
    if not override:
        return client.post("deployments", body=body)
    made = client.post("deployments/override", body=dict(
        override, CreateDeploymentCommand=body, SpaceId=client.space_id))
    return made.get("Deployment") if isinstance(made, dict) else made
