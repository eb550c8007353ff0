"""Resources the server computes rather than stores: deployment template and previews, the
process template, lifecycle previews, release and project progression, and the dashboard."""

import re

from . import render
from .clock import human_duration, iso
from .lifecycle import (effective_phases, lifecycle_of, next_deployments, phase_states, promote_to,
                        tenant_promotions, untenanted_allowed)
from .versions import version_key
from .world import created_key


def _target(world, release, env_id, tenant_id=None):
    env = world.get(env_id)
    path = "/api/%s/releases/%s/deployments/preview/%s" % (release.space_id, release.id, env_id)
    if tenant_id:
        path += "/" + tenant_id
    return {"Id": env_id, "Name": env.name, "Links": {"Preview": path + "{?includeDisabledSteps}"}}


def deployment_template(world, release):
    project = world.get(release.project_id)
    variables_changed, library_changed = world.variables_modified(release)
    promotions = tenant_promotions(world, release) if project.tenanted_mode != "Untenanted" else []
    if untenanted_allowed(project):
        promote = promote_to(world, release)
    else:
        promote = []
        for _, env_ids in promotions:
            promote.extend(e for e in env_ids if e not in promote)
        order = {e.id: e.sort_order for e in world.environments_in(release.space_id)}
        promote.sort(key=lambda e: order.get(e, 0))
    return {
        "IsDeploymentProcessModified": getattr(release, "process_version", 1) != project.process_version,
        "DeploymentNotes": release.notes, "IsVariableSetModified": variables_changed,
        "IsLibraryVariableSetModified": library_changed, "IsGitResourceModified": False,
        "PromoteTo": [_target(world, release, e) for e in promote],
        "TenantPromotions": [{"Id": t.id, "Name": t.name,
                              "PromoteTo": [_target(world, release, e, t.id) for e in envs],
                              "Links": {"Self": "/api/%s/tenants/%s" % (t.space_id, t.id)}}
                             for t, envs in promotions],
        "Id": None, "Links": {},
    }


def deployment_preview(world, release, env, tenant=None, include_disabled=False):
    project = world.get(release.project_id)
    probe = _Probe(env.id, tenant.id if tenant else None)
    steps = []
    for entry in world.steps_to_execute(project, probe):
        step = entry["step"]
        if step.is_disabled and not include_disabled:
            continue
        machines = entry["machines"]
        usable = [m for m in machines if m.health_status != "Unavailable"]
        disabled = world.machines_for_step(step, probe, disabled=True) if step.roles else []
        steps.append({
            "ActionId": step.action_id, "ActionName": step.name, "ActionNumber": step.number,
            "Roles": list(step.roles), "MachineNames": [m.name for m in usable],
            "Machines": [{"Id": m.id, "Name": m.name, "HasLatestCalamari": True,
                          "HealthStatus": m.health_status} for m in usable],
            "CanBeSkipped": True, "IsDisabled": step.is_disabled,
            "HasNoApplicableMachines": bool(step.roles) and not machines,
            "UnavailableMachines": [_reference(m) for m in machines if m not in usable],
            "ExcludedMachines": [_reference(m) for m in disabled], "AvailableTagSets": [],
        })
    changes = release_changes(world, release, env.id, tenant.id if tenant else None)
    return {
        "StepsToExecute": steps, "Form": prompted_form(project),
        "UseGuidedFailureModeByDefault": guided_failure_default(project, env),
        "Changes": changes, "ChangesMarkdown": _markdown(changes), "Id": None,
        "Links": {},
    }


def _reference(machine):
    return {"Id": machine.id, "Name": machine.name}


class _Probe:
    """A would-be deployment used to work out which machines a step would run on."""

    def __init__(self, environment_id, tenant_id):
        self.environment_id = environment_id
        self.tenant_id = tenant_id
        self.specific_machine_ids = []
        self.excluded_machine_ids = []
        self.skip_actions = []


def guided_failure_default(project, env):
    if project.guided_failure_mode == "On":
        return True
    if project.guided_failure_mode == "Off":
        return False
    return env.use_guided_failure


def prompted_form(project):
    values, elements = {}, []
    for variable in project.prompted_variables:
        values[variable.id] = variable.default or None
        elements.append({"Name": variable.id, "Control": {
            "Type": "VariableValue", "Name": variable.name, "Label": variable.label,
            "Description": "", "Required": variable.required, "IsSecure": False, "DisplaySettings": {}},
            "IsValueRequired": variable.required})
    return render.form(values, elements)


def release_changes(world, release, env_id, tenant_id):
    """Releases newer than what the environment runs now, up to this one (oldest first)."""
    current = _current_release(world, release.project_id, env_id, tenant_id)
    floor = version_key(current.version) if current else None
    chosen = [r for r in world.releases_by_project.get(release.project_id, [])
              if version_key(r.version) <= version_key(release.version)
              and (floor is None and r.id == release.id or floor is not None and version_key(r.version) > floor)]
    chosen.sort(key=lambda r: version_key(r.version))
    out = []
    for r in chosen:
        infos = [render.build_information(b) for b in r.build_information]
        out.append({"Version": r.version, "ReleaseNotes": r.notes, "BuildInformation": infos,
                    "WorkItems": [w for b in infos for w in b["WorkItems"]],
                    "Commits": [c for b in infos for c in b["Commits"]]})
    return out


def _current_release(world, project_id, env_id, tenant_id):
    best = None
    for d in world.deployments_by_project.get(project_id, []):
        if d.environment_id == env_id and d.tenant_id == tenant_id and world.task_of(d).state == "Success":
            if best is None or created_key(d) > created_key(best):
                best = d
    return world.get(best.release_id) if best else None


def _markdown(changes):
    parts = []
    for change in changes:
        parts.append("## %s\n\n%s" % (change["Version"], change["ReleaseNotes"] or ""))
    return "\n\n".join(parts) or None


PROCESS_ID = re.compile(r"^deploymentprocess-(projects-\d+)", re.IGNORECASE)


def project_of_process(world, process_id):
    match = PROCESS_ID.match(process_id or "")
    return world.get(match.group(1)) if match else None


def process_template(world, project, channel_id=None, release_id=None):
    releases = world.releases_of(project=project)
    last = releases[0] if releases else None
    packages = []
    for step in project.steps:
        for package in step.packages:
            previous = next((p["Version"] for p in (last.selected_packages if last else [])
                             if p["ActionName"] == step.name and p.get("PackageId") == package), None)
            packages.append({"ActionName": step.name, "StepName": step.name, "PackageId": package,
                             "PackageReferenceName": "", "FeedId": "feeds-builtin",
                             "FeedName": "Octopus Server (built-in)", "VersionSelectedLastRelease": previous,
                             "FixedVersion": None, "IsResolvable": True, "ProjectName": project.name,
                             "NuGetPackageId": package, "NuGetFeedId": "feeds-builtin",
                             "NuGetFeedName": "Octopus Server (built-in)"})
    return {"DeploymentProcessId": project.deployment_process_id,
            "LastReleaseVersion": last.version if last else None, "NextVersionIncrement": _next(last),
            "VersioningPackageStepName": None, "VersioningPackageReferenceName": None,
            "Packages": packages, "GitResources": [], "Id": None, "Links": {}}


def _next(last):
    if last is None:
        return "0.0.1"
    parts = last.version.split("-")[0].split(".")
    if parts and parts[-1].isdigit():
        parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts)


def deployment_process(world, project, process_id):
    steps = []
    for step in project.steps:
        properties = {"Octopus.Action.TargetRoles": ",".join(step.roles)} if step.roles else {}
        steps.append({"Id": "step-" + step.action_id, "Name": step.name, "Properties": properties,
                      "Condition": "Success", "StartTrigger": "StartAfterPrevious", "PackageRequirement":
                      "LetOctopusDecide", "Actions": [{
                          "Id": step.action_id, "Name": step.name, "ActionType": step.action_type,
                          "IsDisabled": step.is_disabled, "IsRequired": False, "Environments": [],
                          "ExcludedEnvironments": [], "Channels": [], "TenantTags": [],
                          "Packages": [{"PackageId": p, "FeedId": "feeds-builtin", "Name": ""}
                                       for p in step.packages],
                          "Properties": {"Octopus.Action.RunOnServer": "false" if step.roles else "true"}}]})
    return {"Id": process_id, "SpaceId": project.space_id, "ProjectId": project.id,
            "Version": project.process_version, "LastSnapshotId": None, "Steps": steps,
            "Links": {"Self": "/api/%s/deploymentprocesses/%s" % (project.space_id, process_id),
                      "Project": "/api/%s/projects/%s" % (project.space_id, project.id),
                      "Template": "/api/%s/deploymentprocesses/%s/template{?channel,releaseId}"
                      % (project.space_id, process_id)}}


def lifecycle_preview(world, lifecycle):
    return render.lifecycle(lifecycle, effective_phases(world, lifecycle))


def dashboard_item(world, d, current=False, previous=False):
    t = world.task_of(d)
    release = world.get(d.release_id)
    duration = (t.completed_time or world.now()) - t.start_time if t.start_time else None
    return {
        "Id": d.id, "ProjectId": d.project_id, "EnvironmentId": d.environment_id, "ReleaseId": d.release_id,
        "DeploymentId": d.id, "TaskId": d.task_id, "TenantId": d.tenant_id, "ChannelId": d.channel_id,
        "ReleaseVersion": release.version, "Created": iso(d.created), "QueueTime": iso(t.queue_time),
        "StartTime": iso(t.start_time), "CompletedTime": iso(t.completed_time), "State": t.state,
        "HasPendingInterruptions": bool(t.pending_types()), "HasPendingPreconditions": False,
        "HasWarningsOrErrors": t.has_warnings, "ErrorMessage": t.error_message,
        "Duration": human_duration(duration.total_seconds()) if duration else None,
        "IsCurrent": current, "IsPrevious": previous, "IsCompleted": t.is_completed,
        "PendingInterruptionTypes": t.pending_types(), "PendingPreconditionTypes": [],
        "Links": {"Self": "/api/%s/deployments/%s" % (d.space_id, d.id),
                  "Release": "/api/%s/releases/%s" % (d.space_id, d.release_id), "Task": "/api/tasks/" + d.task_id},
    }


def release_progression(world, release):
    tenant_free = phase_states(world, release)
    by_env = {}
    for d in world.deployments_by_release.get(release.id, []):
        by_env.setdefault(d.environment_id, []).append(d)
    phases = []
    for state in tenant_free:
        ph = state["phase"]
        deployments = [d for e in state["environment_ids"] for d in by_env.get(e, [])]
        deployments.sort(key=created_key, reverse=True)
        phases.append({
            "Id": ph.id, "Name": ph.name, "Blocked": False, "Progress": state["progress"],
            "Deployments": [{"Task": render.task(world.task_of(d), world.now()),
                             "Deployment": render.deployment(d)} for d in deployments],
            "AutomaticDeploymentTargets": list(ph.automatic_ids), "OptionalDeploymentTargets":
            [e for e in state["environment_ids"] if e not in ph.automatic_ids],
            "MinimumEnvironmentsBeforePromotion": ph.minimum, "IsOptionalPhase": ph.is_optional,
            "IsPriorityPhase": ph.is_priority})
    following = next_deployments(world, release)
    return {"Phases": phases, "NextDeployments": following,
            "NextDeploymentsMinimumRequired": len(following), "Links": {}}


def _named(world, ids):
    return [{"Id": e, "Name": world.get(e).name} for e in ids]


def _lifecycle_env_ids(world, lifecycle):
    out = []
    for ph in effective_phases(world, lifecycle):
        out.extend(e for e in ph.environment_ids if e not in out)
    return out


def project_progression(world, project, history=3):
    channels = world.channels_of(project)
    channel_envs = {c.id: _lifecycle_env_ids(world, lifecycle_of(world, c)) for c in channels}
    all_envs = []
    for ids in channel_envs.values():
        all_envs.extend(e for e in ids if e not in all_envs)
    order = {e.id: e.sort_order for e in world.environments_in(project.space_id)}
    all_envs.sort(key=lambda e: order.get(e, 0))
    releases = _progression_releases(world, project, channels, max(1, min(int(history), 100)))
    return {
        "Environments": _named(world, all_envs),
        "ChannelEnvironments": {c: _named(world, ids) for c, ids in channel_envs.items()},
        "LifecycleEnvironments": {},
        "Releases": [_release_row(world, r) for r in releases], "Links": {},
    }


def _progression_releases(world, project, channels, history):
    chosen = []
    for channel in channels:
        chosen.extend(world.releases_of(channel=channel)[:history])
    current = current_deployments(world, project.id)
    for d in current.values():
        release = world.get(d.release_id)
        if release not in chosen:
            chosen.append(release)
    return sorted(chosen, key=lambda r: version_key(r.version), reverse=True)


def current_deployments(world, project_id):
    """The latest deployment per (environment, tenant): what the dashboard shows as current."""
    current = {}
    for d in world.deployments_by_project.get(project_id, []):
        key = (d.environment_id, d.tenant_id)
        if key not in current or created_key(d) > created_key(current[key]):
            current[key] = d
    return current


def _release_row(world, release):
    current = {d.id for d in current_deployments(world, release.project_id).values()}
    deployments = {}
    for d in sorted(world.deployments_by_release.get(release.id, []), key=created_key, reverse=True):
        deployments.setdefault(d.environment_id, []).append(dashboard_item(world, d, d.id in current))
    return {"Release": render.release(release), "Channel": render.channel(world.get(release.channel_id)),
            "Deployments": deployments, "NextDeployments": next_deployments(world, release),
            "HasUnresolvedDefect": False, "ReleaseRetentionPeriod": None, "TentacleRetentionPeriod": None}


def dashboard(world, space_id, project_ids=None, release_id=None, include_previous=False):
    projects = [p for p in world.all("Projects", space_id) if not project_ids or p.id in project_ids]
    items, previous = [], []
    for project in projects:
        for (env_id, tenant_id), d in sorted(current_deployments(world, project.id).items(),
                                             key=lambda kv: created_key(kv[1]), reverse=True):
            if release_id and d.release_id != release_id:
                continue
            items.append(dashboard_item(world, d, current=True))
            before = _previous_success(world, d)
            if include_previous and before is not None:
                previous.append(dashboard_item(world, before, previous=True))
    environments = world.environments_in(space_id)
    return {
        "Projects": [{"Id": p.id, "Name": p.name, "Slug": p.slug, "IsDisabled": p.is_disabled,
                      "ProjectGroupId": p.project_group_id,
                      "EnvironmentIds": _lifecycle_env_ids(world, world.get(p.lifecycle_id)),
                      "TenantedDeploymentMode": p.tenanted_mode,
                      "CanPerformUntenantedDeployment": p.tenanted_mode != "Tenanted",
                      "Links": {"Self": "/api/%s/projects/%s" % (space_id, p.id)}} for p in projects],
        "ProjectGroups": [{"Id": g.id, "Name": g.name, "EnvironmentIds": [e.id for e in environments]}
                          for g in world.all("ProjectGroups", space_id)],
        "Environments": [{"Id": e.id, "Name": e.name,
                          "Links": {"Self": "/api/%s/environments/%s" % (space_id, e.id)}} for e in environments],
        "Tenants": [{"Id": t.id, "Name": t.name, "TenantTags": list(t.tenant_tags),
                     "ProjectEnvironments": dict(t.project_environments), "IsDisabled": t.is_disabled}
                    for t in world.all("Tenants", space_id)],
        "Items": items, "PreviousItems": previous, "ProjectLimit": None, "IsFiltered": bool(project_ids),
    }


def _previous_success(world, current):
    best = None
    for d in world.deployments_by_project.get(current.project_id, []):
        if (d.environment_id, d.tenant_id) != (current.environment_id, current.tenant_id) or d is current:
            continue
        if created_key(d) < created_key(current) and world.task_of(d).state == "Success":
            if best is None or created_key(d) > created_key(best):
                best = d
    return best
