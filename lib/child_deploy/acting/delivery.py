"""From a chosen release to a finished child deployment: a Delivery is decided with no change
made, then applied (notes saved, What If stops, created once, followed).
"""

from collections import namedtuple

from .approving import approval_task_id, resolve_approval_environment
from ..base.clock import EARLIEST, instant
from ..rules.decisions import decide_guided_failure, decide_redeploy, match_prompted_variables
from .deployment import create_once, deployment_request, skip_action_ids
from ..base.errors import NotFoundError
from .following import Follow
from ..octopus.lookups import all_environments, deployment_preview, deployment_template, find_tenant
from ..base.outcome import Outcome, chosen_not_deployed, not_deployed, publish
from ..rules.release_notes import artifact_name, build_release_notes
from ..rules.selection import release_movement
from ..rules.targets import choose_targets

ApprovalSource = namedtuple("ApprovalSource", "client environment tenant task_id")
MOVEMENT_TEXT = {"new": "its first release", "redeploy": "a redeploy", "upgrade": "an upgrade",
                 "downgrade": "a downgrade"}


# A decided child deployment, not yet made; `reason`: why this release was chosen.
Delivery = namedtuple("Delivery", "target release current request approval base reason preview",
                      defaults=("", None))


def decide_delivery(client, host, settings, target, release, current, places=None):
    """A Delivery to apply, or the published Outcome when there is nothing to deploy; no change.
    `places`: where the release search saw it deployed (None: ask Octopus)."""
    version, current_version = release["Version"], current["Version"] if current else ""
    explain_release(client, host, target, release, current_version, places)
    preview = deployment_preview(client, release["Id"], target.destination["Id"], target.tenant_id)
    notes = release_notes_for(client, target, release, preview)
    host.known_outcome = chosen_not_deployed(version, notes, current_version)
    skip = decide_redeploy(settings.deployment_mode, release["Id"], current and current["Id"],
                           version, target.destination["Name"])
    targets = choose_targets(target.machines, preview,
                             settings.ignore_machine_mismatch, target.project["Name"])
    for outcome, verdict in (("AlreadyDeployed", skip), ("MachineMismatch", targets)):
        if verdict.skip:
            host.highlight(verdict.reason)
            return publish(host, not_deployed(outcome, verdict.reason, version, current_version))
    host.info(targets.reason)
    request = build_request(host, settings, target, release, preview, targets.machine_ids)
    approval = find_approval_source(client, host, settings, target)   # all checks before changes
    base = Outcome("Deployed", "", release_version=version, release_notes=notes,
                   child_release_to_deploy=True, current_release=current_version)
    return Delivery(target, release, current, request, approval, base, preview=preview)


def apply_delivery(client, host, clock, settings, delivery):
    """Carry a Delivery out: deploy it and wait, as the settings say."""
    started = begin_delivery(client, host, clock, settings, delivery)
    if isinstance(started, Outcome):
        return started
    follow, deadline = started
    return follow.until_done(deadline)


def begin_delivery(client, host, clock, settings, delivery):
    """The changes up to a running child: (Follow, deadline), or the published Outcome."""
    target, release, base = delivery.target, delivery.release, delivery.base
    if settings.save_release_notes:
        save_notes(host, clock, target, release["Version"], base.release_notes)
    refresh_variable_snapshot(client, host, settings, release)
    if settings.what_if:
        return what_if(host, base, delivery.request, target)
    return start_deployment(client, host, clock, settings, target, delivery.request, base,
                            delivery.approval)


def explain_release(client, host, target, release, current_version, places=None):
    """Say where the chosen release has been and what it means for the destination."""
    how = "successfully " if places is not None else ""    # the search read successes only
    if places is None:
        places = deployed_places(client, target, release)
    host.highlight("Release {0} of {1} has been deployed {2}to {3}.".format(
        release["Version"], target.project["Name"], how, ", ".join(places) or "no environment yet"))
    movement = release_movement(release["Version"], current_version)
    host.info("{0} runs {1} now: deploying {2} is {3}.".format(
        target.destination["Name"], current_version or "no release", release["Version"],
        MOVEMENT_TEXT[movement]))


def deployed_places(client, target, release):
    """The environments of the release's deployments, newest first, in one request."""
    deployments = client.get("releases/{0}/deployments".format(release["Id"]),
                             params={"take": 100}).get("Items") or []
    places = []
    for deployment in deployments:
        name = target.names.get(deployment.get("EnvironmentId"))
        if name and name not in places:
            places.append(name)
    return places


def release_notes_for(client, target, release, preview):
    template = None
    if not release.get("BuildInformation") and release.get("ProjectDeploymentProcessSnapshotId"):
        template = client.get("deploymentprocesses/{0}/template".format(
            release["ProjectDeploymentProcessSnapshotId"]),
            params={"channel": target.channel["Id"], "releaseId": release["Id"]})
    return build_release_notes(release, preview, template)


def save_notes(host, clock, target, version, notes):
    name = artifact_name(target.project["Name"], version, target.destination["Name"], clock.now())
    host.save_artifact(name, notes)


def build_request(host, settings, target, release, preview, machine_ids):
    """The body of the deployment to create."""
    form_values, unused = match_prompted_variables(preview.get("Form"), settings.prompted_variables)
    for name in unused:
        host.warning('The child does not prompt for "{0}"; that line of "Child Project Prompted '
                     'Variables" is ignored.'.format(name))
    guided_failure, reason = decide_guided_failure(target.project, target.destination)
    host.verbose(reason)
    skipped = skip_action_ids(preview, settings.skip_steps)
    if settings.queue_time is not None:
        host.highlight(settings.queue_reason)
    return deployment_request(release, target.destination, target.tenant_id, settings,
                              machine_ids, form_values, guided_failure, skipped)


def refresh_variable_snapshot(client, host, settings, release):
    """Refresh the release's variables only when asked and only when they changed (as v29)."""
    if not settings.refresh_variable_snapshot:
        return
    template = deployment_template(client, release["Id"])
    if not (template.get("IsVariableSetModified") or template.get("IsLibraryVariableSetModified")):
        host.info("The child's variables have not changed since release {0} was created; the "
                  "snapshot is kept.".format(release["Version"]))
        return
    if settings.what_if:
        host.highlight("The child's variables changed since release {0} was created; What If: the "
                       "snapshot would be refreshed.".format(release["Version"]))
        return
    client.post("releases/{0}/snapshot-variables".format(release["Id"]), idempotent=True)
    host.highlight("The child's variables changed since release {0} was created; its variable "
                   "snapshot was refreshed.".format(release["Version"]))


def what_if(host, base, request, target):
    shown = dict(request, FormValues={k: "(set)" for k in request.get("FormValues") or {}})
    host.verbose("What If: the step would POST this deployment: {0}".format(shown))
    reason = "What If: {0} {1} would be deployed to {2}.".format(
        target.project["Name"], base.release_version, target.destination["Name"])
    host.highlight(reason)
    return publish(host, base.with_(outcome="WhatIf", reason=reason))


def start_deployment(client, host, clock, settings, target, request, base, approval=None):
    """Create (or attach to) the deployment, known at once to every later path (`known_outcome`);
    (Follow, deadline) unless there is nothing to wait for."""
    def known(deployment, created_here):
        host.known_outcome = child_outcome(client, target, base, deployment, created_here)

    created = create_once(client, clock, host.verbose, request, target.project["Id"], known)
    if created.reason:
        host.highlight(created.reason)
    deployment = created.deployment
    started = clock.monotonic() - (0.0 if created.created_here else age_seconds(deployment, clock))
    outcome = host.known_outcome
    host.highlight("Child deployment: [{0}]({1})".format(deployment["Id"], outcome.deployment_url))
    if settings.queue_time is not None:
        return publish(host, outcome.with_(outcome="Scheduled", reason=settings.queue_reason))
    if not settings.wait_for_finish:
        return publish(host, outcome.with_(outcome="Started", reason="The child deployment was "
                                           "started; \"Wait for finish\" is No."))
    follow = Follow(client, host, clock, settings, target, outcome, approval)
    return follow, started + settings.timeout_seconds


def child_outcome(client, target, base, deployment, created_here):
    """The outputs once the child exists."""
    return base.with_(deployment_id=deployment["Id"], task_id=deployment.get("TaskId", ""),
                      deployment_url=deployment_url(client, target, base.release_version,
                                                    deployment["Id"]),
                      created_here=created_here)


def age_seconds(deployment, clock):
    """How long ago Octopus created a deployment we attached to: its timeout started then."""
    created = instant(deployment.get("Created") or "")
    if created == EARLIEST:
        return 0.0
    return max(0.0, (clock.now() - created).total_seconds())


def deployment_url(client, target, version, deployment_id):
    return "{0}/app#/{1}/projects/{2}/deployments/releases/{3}/deployments/{4}".format(
        client.server_url, target.space_id, target.project.get("Slug") or target.project["Id"],
        version, deployment_id)


def approval_parties(client, host, settings, target):
    """The parent's Approval Environment and Tenant, looked up with the other names so a typo
    fails before any decision (What If included); None when auto-approval is off."""
    if not settings.auto_approve:
        return None
    parent = settings.parent
    parent_client = client.in_space(parent.space_id or client.space_id)
    environments = target.environments
    if parent_client.space_id != client.space_id:
        environments = all_environments(parent_client)
    environment = resolve_approval_environment(settings, environments)
    tenant = approval_tenant(parent_client, host, settings, target)
    return ApprovalSource(parent_client, environment, tenant, None)


def find_approval_source(client, host, settings, target):
    """Where the parent's approvals come from (its task), from the names resolved earlier."""
    parties = target.approval
    if parties is None:
        return None
    task_id = parties.environment and approval_task_id(
        parties.client, host, settings, parties.environment, parties.tenant and parties.tenant["Id"])
    return parties._replace(task_id=task_id)


def approval_tenant(client, host, settings, target):
    """The parent tenant whose approvals count: the deployment's own unless another is named.

    Untenanted: a typed name is still checked (typos), then ignored, as v29 ignored it.
    """
    name = settings.approval_tenant
    if target.tenant is None:
        if name and name.lower() != settings.parent.tenant_name.lower():
            find_tenant(client, name, label="Approval Tenant")
            host.info('"Approval Tenant" ({0}) is ignored: this deployment is untenanted.'.format(name))
        return None
    if name and name.lower() != target.tenant["Name"].lower():
        return find_tenant(client, name, label="Approval Tenant")
    if client.space_id == target.space_id:
        return target.tenant
    try:
        return find_tenant(client, target.tenant["Name"], label="Approval Tenant")
    except NotFoundError:
        host.verbose("The parent's space has no tenant {0}; approvals are not filtered by "
                     "tenant.".format(target.tenant["Name"]))
        return None
