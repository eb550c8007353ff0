"""Lifecycle rules: which environments a release may be deployed to now.

A release moves through its channel's lifecycle (or the project's) phase by phase. A phase is
complete when the release has succeeded in enough of its environments
(`MinimumEnvironmentsBeforePromotion`, 0 meaning all of them); an optional phase never holds the
release back. Every environment of the phases reached so far may be deployed (or redeployed).
For a tenant, only the tenant's own deployments count, and only the environments the tenant is
connected to for the project are considered.
"""


def lifecycle_of(world, release_or_channel):
    """The channel's own lifecycle, else the project's."""
    channel = world.get(getattr(release_or_channel, "channel_id", None)) or release_or_channel
    project = world.get(channel.project_id)
    return world.get(channel.lifecycle_id or project.lifecycle_id)


def effective_phases(world, lifecycle):
    """Phases with implicit environments made explicit (what `lifecycles/{id}/preview` shows).

    A phase listing no environment stands for every environment no other phase names; a lifecycle
    without phases gets one phase per environment, in environment order (UNCONFIRMED, see README).
    """
    environments = world.environments_in(lifecycle.space_id)
    if not lifecycle.phases:
        return [_synthetic(lifecycle, index, env) for index, env in enumerate(environments)]
    named = set()
    for phase in lifecycle.phases:
        named.update(phase.environment_ids)
    rest = [e.id for e in environments if e.id not in named]
    out = []
    for phase in lifecycle.phases:
        if not phase.environment_ids:
            phase = _copy(phase, optional_ids=list(rest))
        out.append(phase)
    return out


def _synthetic(lifecycle, index, env):
    from .model import StoredPhase
    return StoredPhase(id="%s-phase-%d" % (lifecycle.id, index), name=env.name, automatic_ids=[],
                       optional_ids=[env.id], is_optional=False, minimum=0)


def _copy(phase, **changes):
    from dataclasses import replace
    return replace(phase, **changes)


def successful_environments(world, release, tenant_id=None):
    """Environment ids where this release (for this tenant, or untenanted) has succeeded."""
    done = set()
    for deployment in world.deployments_by_release.get(release.id, ()):
        if deployment.tenant_id != tenant_id:
            continue
        if world.task_of(deployment).state == "Success":
            done.add(deployment.environment_id)
    return done


def phase_states(world, release, tenant=None):
    """Each phase with its environments (for the tenant), and Complete / Current / Pending."""
    lifecycle = lifecycle_of(world, release)
    connected = _connected(tenant, release.project_id)
    done = successful_environments(world, release, tenant.id if tenant else None)
    result, reached = [], True
    for phase in effective_phases(world, lifecycle):
        envs = [e for e in phase.environment_ids if connected is None or e in connected]
        complete = _complete(phase, envs, done)
        progress = "Complete" if complete else ("Current" if reached else "Pending")
        result.append({"phase": phase, "environment_ids": envs, "reached": reached,
                       "progress": progress, "complete": complete})
        if reached and not complete and not phase.is_optional:
            reached = False
    return result


def _complete(phase, envs, done):
    if not envs:
        return True
    required = phase.minimum if phase.minimum > 0 else len(envs)
    return len([e for e in envs if e in done]) >= min(required, len(envs))


def _connected(tenant, project_id):
    if tenant is None:
        return None
    return set(tenant.project_environments.get(project_id, []))


def promote_to(world, release, tenant=None):
    """Environment ids the release may be deployed to now, in lifecycle order."""
    allowed = []
    for state in phase_states(world, release, tenant):
        if not state["reached"]:
            break
        allowed.extend(e for e in state["environment_ids"] if e not in allowed)
    return allowed


def next_deployments(world, release, tenant=None):
    """Environments of the current phase not yet deployed: what the UI offers next."""
    done = successful_environments(world, release, tenant.id if tenant else None)
    for state in phase_states(world, release, tenant):
        if state["progress"] == "Current":
            return [e for e in state["environment_ids"] if e not in done]
    return []


def tenant_promotions(world, release):
    """(tenant, environment ids) for every tenant connected to the release's project."""
    out = []
    for tenant in world.tenants_of_project(release.project_id):
        out.append((tenant, promote_to(world, release, tenant)))
    return out


def untenanted_allowed(project):
    return project.tenanted_mode != "Tenanted"
