"""Which deployment targets the child deployment is limited to: the parent's, or those given.

A child with none of them is skipped.
"""

from collections import namedtuple

from ..base.errors import NotFoundError, OctopusApiError

TargetDecision = namedtuple("TargetDecision", "machine_ids skip reason")
Requested = namedtuple("Requested", "machine_ids names source")

MACHINE_PARAMETER = "Specific Deployment Target"


def requested_machines(settings, client):
    """The targets asked for, as ids; None when the deployment is not limited to targets."""
    if settings.target_machines:
        ids, names = [], {}
        for entry in settings.target_machines:
            machine = find_machine(client, entry)
            ids.append(machine["Id"])
            names[machine["Id"].lower()] = machine["Name"]
        return Requested(tuple(ids), names, 'the "{0}" parameter'.format(MACHINE_PARAMETER))
    parent = settings.parent
    if parent.specific_machines or parent.excluded_machines:
        ids = parent.machines or parent.specific_machines
        return Requested(tuple(ids), {}, "the parent deployment's targets")
    return None


def find_machine(client, entry):
    """A deployment target by `Machines-` id or by exact name; a typo fails with the parameter named."""
    hint = 'Check "{0}".'.format(MACHINE_PARAMETER)
    if not entry.lower().startswith("machines-"):
        return client.find_by_name("machines", entry, "Deployment target", hint=hint)
    try:
        return client.get("machines/{0}".format(entry))
    except OctopusApiError as error:
        if error.status != 404:
            raise
        raise NotFoundError("Deployment target {0} was not found in the space. {1}".format(entry, hint))


def preview_machines(preview):
    """Id (lower case) -> name of every target the child's steps would run on."""
    machines = {}
    for step in (preview or {}).get("StepsToExecute") or ():
        for machine in step.get("Machines") or ():
            machines[str(machine.get("Id", "")).lower()] = machine.get("Name") or machine.get("Id")
    return machines


def choose_targets(requested, preview, ignore_mismatch, project_name):
    """Limit the child to the requested targets it deploys to, or explain why it is skipped."""
    if requested is None:
        return TargetDecision((), False, "The deployment is not limited to specific targets.")
    available = preview_machines(preview)
    chosen = [m for m in _unique_lower(requested.machine_ids) if m in available]
    wanted = ", ".join(requested.names.get(m.lower(), m) for m in requested.machine_ids)
    if chosen:
        return TargetDecision(tuple(_original_id(requested.machine_ids, m) for m in chosen), False,
                              "{0} deploys to {1} of the targets asked for by {2}.".format(
                                  project_name, ", ".join(available[m] for m in chosen),
                                  requested.source))
    if ignore_mismatch:
        return TargetDecision((), False, "{0} deploys to none of {1} ({2}); \"Ignore specific "
                              "machine mismatch\" is Yes, so it deploys to all its targets.".format(
                                  project_name, wanted or "the targets", requested.source))
    return TargetDecision((), True, "{0} does not deploy to {1} ({2}) and \"Ignore specific "
                          "machine mismatch\" is No, so it is skipped.".format(
                              project_name, wanted.replace(", ", " or ") or "those targets",
                              requested.source))


def _unique_lower(ids):
    seen = []
    for machine_id in ids:
        if machine_id.lower() not in seen:
            seen.append(machine_id.lower())
    return seen


def _original_id(ids, lowered):
    """Octopus ids are `Machines-12`; the system variable may spell them in lower case."""
    for machine_id in ids:
        if machine_id.lower() == lowered and machine_id.startswith("Machines-"):
            return machine_id
    return "Machines-" + lowered.split("-", 1)[1]
