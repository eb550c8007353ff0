"""Stored documents as the JSON the real server sends: PascalCase names, ids, `Links`.

Field sets follow Octopus's documented resources and payloads captured from real servers
(tests/sim/contract_payloads.json; the contract tests compare them), including fields our own
client never reads, so a client cannot come to rely on a field being absent.
"""

from .activity import render_activity
from .clock import completed_text, human_duration, iso

VERSION = "2024.3.10989"


def _base(space_id, document_id):
    return "/api/%s" % space_id if space_id else "/api"


def space(s):
    return {
        "Id": s.id, "Name": s.name, "Slug": s.slug, "Description": s.description, "IsDefault": s.is_default,
        "IsPrivate": False, "TaskQueueStopped": False,
        "SpaceManagersTeams": ["teams-administrators", "teams-managers", "teams-spacemanagers-" + s.id],
        "SpaceManagersTeamMembers": [], "Icon": None, "ExtensionSettings": [],
        "LastModifiedOn": "0001-01-01T00:00:00.000+00:00",
        "Links": {"Self": "/api/spaces/" + s.id, "SpaceHome": "/api/" + s.id, "Web": "/app#/spaces/" + s.id,
                  "Logo": "/api/spaces/%s/logo?cb=%s" % (s.id, VERSION), "Search": "/api/spaces/%s/search" % s.id},
    }


def environment(e):
    base = "/api/%s/environments/%s" % (e.space_id, e.id)
    return {
        "Id": e.id, "Name": e.name, "Slug": e.slug, "Description": e.description, "SortOrder": e.sort_order,
        "UseGuidedFailure": e.use_guided_failure, "AllowDynamicInfrastructure": False, "EnvironmentTags": [],
        "ExtensionSettings": [], "SpaceId": e.space_id, "LastModifiedOn": None, "LastModifiedBy": None,
        "Links": {"Self": base, "Machines": base + "/machines{?skip,take,partialName,roles,isDisabled,"
                  "healthStatuses,commStyles,tenantIds,tenantTags,shellNames}",
                  "SinglyScopedVariableDetails": base + "/singlyScopedVariableDetails",
                  "Metadata": base + "/metadata"},
    }


def project_group(g, environment_ids=()):
    """Field set of ProjectGroupResource as the dashboard and the Octopus clients show it."""
    base = "/api/%s/projectgroups/%s" % (g.space_id, g.id)
    return {
        "Id": g.id, "Name": g.name, "Description": g.description, "EnvironmentIds": list(environment_ids),
        "RetentionPolicyId": None, "SpaceId": g.space_id, "LastModifiedOn": None, "LastModifiedBy": None,
        "Links": {"Self": base, "Projects": base + "/projects{?skip,take}"},
    }


def project(p):
    base = "/api/%s/projects/%s" % (p.space_id, p.id)
    return {
        "Id": p.id, "SpaceId": p.space_id, "VariableSetId": p.variable_set_id,
        "DeploymentProcessId": p.deployment_process_id, "ClonedFromProjectId": None,
        "DiscreteChannelRelease": False, "IncludedLibraryVariableSetIds": [],
        "DefaultToSkipIfAlreadyInstalled": False, "TenantedDeploymentMode": p.tenanted_mode,
        "DefaultGuidedFailureMode": p.guided_failure_mode,
        "VersioningStrategy": {"Template": "#" + "{Octopus.Version.LastMajor}.#" + "{Octopus.Version.LastMinor}."
                               "#" + "{Octopus.Version.NextPatch}", "DonorPackage": None},
        "ReleaseCreationStrategy": {"ChannelId": None, "ReleaseCreationPackage": None,
                                    "ReleaseCreationPackageStepId": None},
        "Templates": [], "AutoDeployReleaseOverrides": [], "ReleaseNotesTemplate": None,
        "DeploymentChangesTemplate": None, "ForcePackageDownload": False,
        "Icon": {"Id": "cogs", "Color": "#2F93E0"}, "AllowIgnoreChannelRules": True,
        "ExecuteDeploymentsOnResilientPipeline": None, "ExtensionSettings": [], "Name": p.name,
        "Slug": p.slug, "Description": p.description, "IsDisabled": p.is_disabled,
        "ProjectGroupId": p.project_group_id, "LifecycleId": p.lifecycle_id, "AutoCreateRelease": False,
        "IsVersionControlled": False, "PersistenceSettings": {"Type": "Database"},
        "ProjectConnectivityPolicy": {"SkipMachineBehavior": "None", "TargetRoles": [],
                                      "AllowDeploymentsToNoTargets": False, "ExcludeUnhealthyTargets": False},
        "Links": _project_links(p, base),
    }


def _project_links(p, base):
    space = "/api/" + p.space_id
    return {
        "Self": base, "Variables": base + "/variables",
        "Releases": base + "/releases{/version}{?skip,take,searchByVersion}",
        "Channels": base + "/channels{/id}{?skip,take,partialName}",
        "Triggers": base + "/triggers{?skip,take,partialName,triggerActionType,triggerActionCategory,runbooks}",
        "ScheduledTriggers": base + "/triggers/scheduled{?skip,take,partialName,ids}",
        "OrderChannels": base + "/channels/order", "Progression": base + "/progression{?releaseHistoryCount}",
        "RunbookTaskRunDashboardItemsTemplate": space + "/progression/runbooks/taskRuns{?skip,take,ids,"
        "projectIds,runbookIds,environmentIds,tenantIds,taskIds}",
        "DeploymentProcess": base + "/deploymentprocesses", "DeploymentSettings": base + "/deploymentsettings",
        "Web": "/app#/%s/projects/%s" % (p.space_id, p.id), "Logo": base + "/logo?cb=cogs-%%232F93E0-%s" % VERSION,
        "Metadata": base + "/metadata", "Runbooks": base + "/runbooks{?skip,take,partialName}",
        "RunbookSnapshots": base + "/runbookSnapshots{/name}{?skip,take,searchByName}",
        "Summary": base + "/summary", "GitConnectionTest": base + "/git/connectivity-test",
        "InsightsMetrics": base + "/insights/metrics{?channelId,environmentId,tenantId,tenantFilter,timeRange,"
        "granularity,timeZone}",
        "GitCompatibilityReport": base + "/git/compatibility-report", "ConvertToGit": base + "/git/convert",
        "ConvertToVcs": base + "/git/convert",
    }


def channel(c):
    return {
        "Id": c.id, "Name": c.name, "Description": c.description, "ProjectId": c.project_id,
        "LifecycleId": c.lifecycle_id, "IsDefault": c.is_default, "Rules": [], "TenantTags": [],
        "GitReferenceRules": [], "GitResourceRules": [], "SpaceId": c.space_id,
        "Slug": c.name.lower().replace(" ", "-"), "Type": "Lifecycle",
        "Links": {"Self": "/api/%s/projects/%s/channels/%s" % (c.space_id, c.project_id, c.id),
                  "Releases": "/api/%s/channels/%s/releases{?skip,take,searchByVersion}" % (c.space_id, c.id),
                  "Project": "/api/%s/projects/%s" % (c.space_id, c.project_id)},
    }


def _retention(keep_forever=True):
    return {"QuantityToKeep": 0, "ShouldKeepForever": keep_forever, "Unit": "Days"}


def phase(ph):
    return {
        "Id": ph.id, "Name": ph.name, "AutomaticDeploymentTargets": list(ph.automatic_ids),
        "OptionalDeploymentTargets": list(ph.optional_ids),
        "MinimumEnvironmentsBeforePromotion": ph.minimum, "IsOptionalPhase": ph.is_optional,
        "IsPriorityPhase": ph.is_priority, "ReleaseRetentionPolicy": None, "TentacleRetentionPolicy": None,
    }


def lifecycle(lc, phases=None):
    base = "/api/%s/lifecycles/%s" % (lc.space_id, lc.id)
    return {
        "Id": lc.id, "Name": lc.name, "Slug": lc.slug, "Description": lc.description, "SpaceId": lc.space_id,
        "ReleaseRetentionPolicy": _retention(), "TentacleRetentionPolicy": _retention(),
        "Phases": [phase(p) for p in (lc.phases if phases is None else phases)],
        "Links": {"Self": base, "Preview": base + "/preview", "Projects": base + "/projects"},
    }


def tenant(t):
    return {
        "Id": t.id, "Name": t.name, "Description": None, "TenantTags": list(t.tenant_tags),
        "ProjectEnvironments": {k: list(v) for k, v in t.project_environments.items()},
        "ClonedFromTenantId": None, "Slug": t.name.lower().replace(" ", "-"), "IsDisabled": t.is_disabled,
        "Icon": None, "SpaceId": t.space_id,
        "Links": {"Self": "/api/%s/tenants/%s" % (t.space_id, t.id), "Web": "/app#/%s/tenants/%s" % (t.space_id, t.id)},
    }


def machine(m):
    base = "/api/%s/machines/%s" % (m.space_id, m.id)
    return {
        "Id": m.id, "EnvironmentIds": list(m.environment_ids), "Roles": list(m.roles),
        "TenantedDeploymentParticipation": m.participation, "TenantIds": list(m.tenant_ids), "TenantTags": [],
        "SpaceId": m.space_id, "Name": m.name, "Thumbprint": None, "Uri": None, "IsDisabled": m.is_disabled,
        "MachinePolicyId": "MachinePolicies-1", "HealthStatus": m.health_status, "HasLatestCalamari": True,
        "StatusSummary": "This machine is healthy.", "IsInProcess": False,
        "Endpoint": {"CommunicationStyle": "None", "Id": None, "LastModifiedOn": None, "LastModifiedBy": None,
                     "Links": {}},
        "OperatingSystem": "Linux", "ShellName": "Bash", "ShellVersion": "5.1", "Architecture": "x64",
        "Slug": m.name.lower(), "SkipInitialHealthCheck": False,
        "Links": {"Self": base, "Connection": base + "/connection",
                  "TasksTemplate": base + "/tasks{?skip,take,type}",
                  "SinglyScopedVariableDetails": base + "/singlyScopedVariableDetails"},
    }


def build_information(b):
    return {
        "PackageId": b.package_id, "Version": b.version, "BuildEnvironment": b.build_environment,
        "BuildNumber": b.build_number or b.version, "BuildUrl": b.build_url or None, "Branch": b.branch,
        "VcsType": b.vcs_type, "VcsRoot": b.vcs_root or None,
        "VcsCommitNumber": b.commits[0].id if b.commits else None,
        "VcsCommitUrl": b.commits[0].link_url if b.commits else None, "IssueTrackerName": "GitHub",
        "WorkItems": [work_item(w) for w in b.work_items], "Commits": [commit(c) for c in b.commits],
    }


def work_item(w):
    return {"Id": w.id, "LinkUrl": w.link_url, "Source": w.source, "Description": w.title}


def commit(c):
    return {"Id": c.id, "LinkUrl": c.link_url, "Comment": c.comment}


def release(r):
    base = "/api/%s/releases/%s" % (r.space_id, r.id)
    return {
        "Id": r.id, "SpaceId": r.space_id, "ProjectId": r.project_id, "Version": r.version,
        "ChannelId": r.channel_id, "ReleaseNotes": r.notes,
        "ProjectDeploymentProcessSnapshotId": r.process_snapshot_id, "IgnoreChannelRules": False,
        "BuildInformation": [build_information(b) for b in r.build_information], "Assembled": iso(r.assembled),
        "LibraryVariableSetSnapshotIds": [],
        "SelectedPackages": [{k: v for k, v in p.items() if k != "PackageId"} for p in r.selected_packages],
        "SelectedGitResources": [], "ProjectVariableSetSnapshotId": r.variable_snapshot_id,
        "VersionControlReference": None, "LastModifiedOn": iso(r.last_modified_on), "LastModifiedBy": None,
        "Links": {
            "Self": base, "Project": "/api/%s/projects/%s" % (r.space_id, r.project_id),
            "Channel": "/api/%s/projects/%s/channels/%s" % (r.space_id, r.project_id, r.channel_id),
            "Progression": base + "/progression", "Deployments": base + "/deployments{?skip,take}",
            "DeploymentTemplate": base + "/deployments/template",
            "Artifacts": "/api/%s/artifacts?regarding=%s" % (r.space_id, r.id),
            "ProjectVariableSnapshot": "/api/%s/variables/%s" % (r.space_id, r.variable_snapshot_id),
            "ProjectDeploymentProcessSnapshot": "/api/%s/deploymentprocesses/%s" % (r.space_id, r.process_snapshot_id),
            "Web": "/app#/%s/releases/%s" % (r.space_id, r.id), "SnapshotVariables": base + "/snapshot-variables",
            "Defects": base + "/defects", "ReportDefect": base + "/defects",
            "ResolveDefect": base + "/defects/resolve", "DeploymentPreviews": base + "/deployments/previews/",
            "Variables": "/api/%s/projects/%s/releases/%s/variables" % (r.space_id, r.project_id, r.id),
        },
    }


def deployment(d, changes=()):
    base = "/api/%s/deployments/%s" % (d.space_id, d.id)
    return {
        "Id": d.id, "SpaceId": d.space_id, "ReleaseId": d.release_id, "ChannelId": d.channel_id,
        "DeploymentProcessId": d.process_snapshot_id, "Changes": list(changes), "ChangesMarkdown": None,
        "EnvironmentId": d.environment_id, "TenantId": d.tenant_id,
        "ForcePackageDownload": d.force_package_download, "ForcePackageRedeployment": d.force_package_redeployment,
        "Priority": d.priority, "SkipActions": list(d.skip_actions), "SpecificMachineIds": list(d.specific_machine_ids),
        "ExcludedMachineIds": list(d.excluded_machine_ids), "ManifestVariableSetId": None, "TaskId": d.task_id,
        "ProjectId": d.project_id, "UseGuidedFailure": d.use_guided_failure, "Comments": d.comments,
        "FormValues": dict(d.form_values), "QueueTime": iso(d.queue_time), "QueueTimeExpiry": iso(d.queue_time_expiry),
        "Name": d.name, "Created": iso(d.created), "TentacleRetentionPeriod": None, "ChangeRequestSettings": None,
        "DeployedBy": d.deployed_by, "DeployedById": d.deployed_by_id, "FailureEncountered": False,
        "DeployedToMachineIds": list(d.machine_ids), "ExecutionPlanLogContext": {"Steps": []},
        "Links": {
            "Self": base, "Release": "/api/%s/releases/%s" % (d.space_id, d.release_id),
            "Environment": "/api/%s/environments/%s" % (d.space_id, d.environment_id),
            "Project": "/api/%s/projects/%s" % (d.space_id, d.project_id), "Task": "/api/tasks/" + d.task_id,
            "Web": "/app#/%s/deployments/%s" % (d.space_id, d.id),
            "Artifacts": "/api/%s/artifacts?regarding=%s" % (d.space_id, d.id),
            "Interruptions": "/api/%s/interruptions?regarding=%s" % (d.space_id, d.id),
            "DeploymentProcess": "/api/%s/deploymentprocesses/%s" % (d.space_id, d.process_snapshot_id),
        },
    }


def task(t, now):
    completed = t.is_completed
    duration_end = t.completed_time or now
    duration = (duration_end - t.start_time).total_seconds() if t.start_time else 0
    pending = t.pending_types()
    if completed:
        completed_label = "Timed out" if t.state == "TimedOut" else completed_text(t.completed_time)
    else:
        completed_label = {"Queued": "Queued...", "Cancelling": "Cancelling..."}.get(t.state, "Executing...")
    base = "/api/tasks/" + t.id
    return {
        "Id": t.id, "SpaceId": t.space_id, "Name": t.name, "Description": t.description,
        "Arguments": {"DeploymentId": t.deployment.id} if t.deployment else {},
        "State": t.state, "Completed": completed_label, "QueueTime": iso(t.queue_time),
        "QueueTimeExpiry": iso(t.queue_time_expiry), "StartTime": iso(t.start_time),
        "LastUpdatedTime": iso(t.last_updated), "CompletedTime": iso(t.completed_time), "ServerNode": "octopus-sim",
        "Duration": human_duration(duration), "ErrorMessage": t.error_message,
        "HasBeenPickedUpByProcessor": t.start_time is not None, "IsCompleted": completed,
        "FinishedSuccessfully": t.state == "Success", "HasPendingInterruptions": bool(pending),
        "PendingInterruptionTypes": pending, "HasPendingPreconditions": False, "PendingPreconditionTypes": [],
        "CanRerun": completed, "HasWarningsOrErrors": t.has_warnings, "ProjectId": t.project_id,
        "EstimatedRemainingQueueDurationSeconds": 0, "UnmetPreconditions": None,
        "Links": {"Self": base, "Web": "/app#/%s/tasks/%s" % (t.space_id, t.id), "Raw": base + "/raw",
                  "Rerun": "/api/tasks/rerun/" + t.id, "Cancel": base + "/cancel",
                  "QueuedBehind": base + "/queued-behind{?skip,take}", "Details": base + "/details{?verbose,tail}",
                  "StatusMessages": base + "/status/messages",
                  "Artifacts": "/api/%s/artifacts?regarding=%s" % (t.space_id, t.id),
                  "Interruptions": "/api/%s/interruptions?regarding=%s" % (t.space_id, t.id)},
    }


def task_details(t, now, tail=None):
    logs = render_activity(t, now)
    if tail is not None:
        for root in logs:
            _tail(root, tail)
    progress = 100 if t.is_completed else _progress(t, now)
    return {
        "Id": "TaskDetails-" + t.id, "Task": task(t, now), "ActivityLogs": logs,
        "Progress": {"ProgressPercentage": progress, "EstimatedTimeRemaining": _remaining(t, now)},
        "PhysicalLogSize": sum(len(e["MessageText"]) + 40 for e in _elements(logs)),
        "Links": {"Self": "/api/tasks/%s/details" % t.id},
    }


def _tail(node, count):
    node["LogElements"] = node["LogElements"][-count:] if count > 0 else []
    for child in node["Children"]:
        _tail(child, count)


def _elements(nodes):
    for node in nodes:
        for element in node["LogElements"]:
            yield element
        for element in _elements(node["Children"]):
            yield element


def _progress(t, now):
    if t.script is None or t.start_time is None or not t.script.run_seconds:
        return 0
    return min(99, int(100 * t.run_elapsed(now) / t.script.run_seconds))


def _remaining(t, now):
    if t.is_completed or t.script is None:
        return None
    return human_duration(max(0.0, t.script.run_seconds - t.run_elapsed(now)))


def raw_log(t, now):
    """The plain-text log: `HH:MM:SS   Category |   message`, nodes indented by depth."""
    lines = []

    def walk(node, depth):
        lines.append("%s%s" % ("  " * depth, node["Name"]))
        for element in node["LogElements"]:
            moment = element["OccurredAt"][11:19]
            lines.append("%s   %-8s |   %s%s" % (moment, element["Category"], "  " * depth, element["MessageText"]))
        for child in node["Children"]:
            walk(child, depth + 1)
    for root in render_activity(t, now):
        walk(root, 0)
    return "\n".join(lines) + "\n"


def form(values, elements):
    return {"Values": dict(values), "Elements": elements}


def interruption_form(i):
    instructions = {"Name": "Instructions", "Control": {"Type": "Paragraph", "Text": i.instructions,
                                                        "ResolveLinks": False}, "IsValueRequired": False}
    notes = {"Name": "Notes", "Control": {"Type": "TextArea", "Label": "Notes"}, "IsValueRequired": False}
    if i.kind == "ManualIntervention":
        buttons = [("Proceed", False), ("Abort", True)]
        name, required = "Result", False
    else:
        buttons = [("Fail", False), ("Retry", False), ("Ignore", False)]
        name, required = "Guidance", True
    group = {"Name": name, "Control": {"Type": "SubmitButtonGroup", "Buttons": [
        {"Text": text, "Value": text, "RequiresConfirmation": confirm} for text, confirm in buttons]},
        "IsValueRequired": required}
    return form(i.values, [instructions, notes, group])


def interruption(i, caller, can_take):
    base = "/api/%s/interruptions/%s" % (i.space_id, i.id)
    links = {"Self": base, "Submit": base + "/submit", "Responsible": base + "/responsible"}
    if i.responsible_user_id:
        links["User"] = "/api/users/" + i.responsible_user_id
    return {
        "Id": i.id, "SpaceId": i.space_id, "Title": i.title, "Type": i.kind, "Created": iso(i.created),
        "IsPending": i.is_pending, "Form": interruption_form(i), "RelatedDocumentIds": list(i.related_document_ids),
        "ResponsibleTeamIds": list(i.responsible_team_ids), "ResponsibleUserId": i.responsible_user_id,
        "CanTakeResponsibility": can_take, "HasResponsibility": i.responsible_user_id == caller.id,
        "TaskId": i.task_id, "CorrelationId": i.correlation_id, "IsLinkedToOtherInterruption": False,
        "Links": links,
    }


def event(e):
    return {
        "Id": e.id, "RelatedDocumentIds": list(e.related_document_ids), "Category": e.category,
        "UserId": e.user_id, "Username": e.username, "IsService": False, "IdentityEstablishedWith":
        "API key" if e.user_id != "users-system" else "", "UserAgent": "octopus-sim" if e.user_id != "users-system"
        else "Server", "Occurred": iso(e.occurred), "Message": e.message, "MessageHtml": e.message,
        "MessageReferences": [], "Comments": e.comments, "Details": None,
        "ChangeDetails": {"DocumentContext": None, "Differences": None}, "IpAddress": None,
        "SpaceId": e.space_id, "Links": {"Self": "/api/events/" + e.id},
    }


def user(u, caller_id=None):
    return {
        "Id": u.id, "Username": u.username, "DisplayName": u.display_name, "IsActive": True,
        "IsService": u.is_service, "EmailAddress": u.email, "CanPasswordBeEdited": not u.is_service,
        "IsRequestor": u.id == caller_id, "Identities": [], "Created": iso(u.created),
        "Links": {"Self": "/api/users/" + u.id, "Permissions": "/api/users/%s/permissions" % u.id,
                  "ApiKeys": "/api/users/%s/apikeys{/id}{?skip,take}" % u.id,
                  "Avatar": "https://www.gravatar.com/avatar/00000000000000000000000000000000?d=blank"},
    }


def team(t):
    return {
        "Id": t.id, "Name": t.name, "MemberUserIds": list(t.member_user_ids), "ExternalSecurityGroups": [],
        "CanBeDeleted": True, "CanBeRenamed": True, "CanChangeRoles": True, "CanChangeMembers": True,
        "SpaceId": t.space_id, "Slug": t.name.lower().replace(" ", "-"), "Description": t.description,
        "Links": {"Self": "/api/teams/" + t.id, "ScopedUserRoles": "/api/teams/%s/scopeduserroles{?skip,take}" % t.id},
    }


def team_membership(t, user_id):
    return {"UserId": user_id, "TeamId": t.id, "TeamName": t.name, "IsDirectlyAssigned": True,
            "ExternalSecurityGroups": [], "SpaceId": t.space_id}
