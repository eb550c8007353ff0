"""The one table of step parameters: it drives parsing, the template's `Parameters`, the terminal
flags and the README table. v29's names, options and defaults are kept (`system_default`: the
system variable written as the default).
"""

from collections import namedtuple

Parameter = namedtuple(
    "Parameter", "name field label kind default system_default options control")

YES_NO = (("Yes", "Yes"), ("No", "No"))
NO_YES = (("No", "No"), ("Yes", "Yes"))


def _row(name, field, label, kind, default="", system_default="", options=(), control=None):
    if control is None:
        control = {"secret": "Sensitive", "lines": "MultiLineText", "prompted": "MultiLineText",
                   "pem": "MultiLineText"}.get(kind, "Select" if options else "SingleLineText")
    return Parameter(name, field, label, kind, default, system_default, tuple(options), control)


PARAMETERS = (
    _row("ChildProject.Web.ServerUrl", "server_url", "Octopus Base Url", "url",
         system_default="Octopus.Web.ServerUri"),
    _row("ChildProject.Api.Key", "api_key", "Octopus API Key", "secret"),
    _row("ChildProject.Space.Name", "space_name", "Child Project Space", "required",
         system_default="Octopus.Space.Name"),
    _row("ChildProject.Project.Name", "project_name", "Child Project Name", "required",
         control="MultiLineText"),
    _row("ChildProject.Release.Number", "release_pattern", "Child Project Release Number",
         "pattern"),
    _row("ChildProject.Release.NotFoundError", "not_found_handling",
         "When no release qualifies", "choice",
         default="Warning", options=(("Error", "Error"), ("Warning", "Warning"), ("Skip", "Skip"))),
    _row("ChildProject.Destination.EnvironmentName", "destination_environment",
         "Destination Environment Name", "required", system_default="Octopus.Environment.Name"),
    _row("ChildProject.SourceEnvironment.Name", "source_environment", "Source Environment Name",
         "text"),
    _row("ChildProject.Channel.Name", "channel_name", "Child Project Channel", "text"),
    _row("ChildProject.Tenant.Name", "tenant_name", "Tenant Name", "text",
         system_default="Octopus.Deployment.Tenant.Name", control="MultiLineText"),
    _row("ChildProject.Prompted.Variables", "prompted_variables",
         "Child Project Prompted Variables", "prompted"),
    _row("ChildProject.DeploymentMode.Value", "deployment_mode", "Deployment Mode", "choice",
         default="Promote",
         options=(("Promote", "Promote"), ("Redeploy", "Redeploy"),
                  ("AlwaysLatest", "AlwaysLatest"))),
    _row("ChildProject.RefreshVariableSnapShots.Option", "refresh_variable_snapshot",
         "Refresh Variables Snapshots", "yesno",
         default="No", options=NO_YES),
    _row("ChildProject.Target.MachineNames", "target_machines", "Specific Deployment Target",
         "machines", default="N/A"),
    _row("ChildProject.Deployment.IgnoreSpecificMachineMismatch", "ignore_machine_mismatch",
         "Ignore specific machine mismatch", "yesno",
         default="No", options=NO_YES),
    _row("ChildProject.ReleaseNotes.SaveAsArtifact", "save_release_notes",
         "Save release notes as artifact", "yesno",
         default="No", options=NO_YES),
    _row("ChildProject.WhatIf.Value", "what_if", "What If", "yesno", default="No", options=YES_NO),
    _row("ChildProject.WaitForFinish.Value", "wait_for_finish", "Wait for finish", "yesno", default="Yes", options=YES_NO),
    _row("ChildProject.EnableEnhancedLogging.Value", "enhanced_logging",
         "Enable Enhanced Logging", "yesno",
         default="No", options=YES_NO),
    _row("ChildProject.CancelDeployment.Seconds", "timeout_seconds", "Wait for Deployment",
         "seconds", default="1800"),
    _row("ChildProject.CancelDeployment.OnTimeout", "cancel_on_timeout",
         "Cancel child on timeout", "yesno", default="Yes", options=YES_NO),
    _row("ChildProject.Deployment.FutureTime", "schedule", "Scheduling", "schedule", default="N/A"),
    _row("ChildProject.Deployment.FutureTimeExpiry.Minutes", "schedule_expiry_minutes",
         "Scheduling expiry (minutes)", "minutes", default="60"),
    _row("ChildProject.ManualInterventions.UseApprovalsFromParent", "auto_approve",
         "Auto-Approve Child Project Manual Interventions", "yesno", default="Yes", options=NO_YES),
    _row("ChildProject.ManualIntervention.EnvironmentToUse", "approval_environment",
         "Approval Environment", "text", system_default="Octopus.Environment.Name"),
    _row("ChildProject.ManualIntervention.Tenant.Name", "approval_tenant", "Approval Tenant",
         "text",
         system_default="Octopus.Deployment.Tenant.Name"),
    _row("ChildProject.Deployment.SkipSteps", "skip_steps", "Steps to skip", "lines"),
    _row("ChildProject.Deployment.ForcePackageDownload", "force_package_download",
         "Force package download", "yesno",
         default="No", options=NO_YES),
    _row("ChildProject.Tls.TrustedCertificate", "trusted_certificate",
         "Trusted CA certificate (PEM)", "pem"),
    _row("ChildProject.DeploymentFreeze.OverrideReason", "freeze_override_reason",
         "Deployment freeze override reason", "text"),
)

TRAIN_PARAMETERS = (
    _row("ChildProject.Train.Parallelism", "train_parallelism", "Train parallelism", "parallelism", default="4"),
    _row("ChildProject.Train.OnFailure", "train_failure_policy", "When a child fails", "choice",
         default="Stop", options=(("Stop", "Stop"), ("Continue", "Continue"),
                                  ("RollBack", "RollBack"))),
    _row("ChildProject.Train.PinnedVersions", "pinned_versions", "Pinned versions", "pinned",
         control="MultiLineText"),
    _row("ChildProject.Rings.PauseMinutes", "ring_pause_minutes", "Ring pause (minutes)", "pause",
         default="0"),
    _row("ChildProject.ApprovedPlan", "approved_plan", "Approved plan", "plan"),
)

PARAMETERS = PARAMETERS + TRAIN_PARAMETERS
V29_PARAMETER_COUNT = 24

# The parent deployment's system variables the step reads (never parameters of the template).
SYSTEM_VARIABLES = (
    "Octopus.Web.ServerUri", "Octopus.Space.Id", "Octopus.Space.Name", "Octopus.Project.Id",
    "Octopus.Project.Name", "Octopus.Release.Id", "Octopus.Release.Number",
    "Octopus.Release.Channel.Id", "Octopus.Environment.Id", "Octopus.Environment.Name",
    "Octopus.Deployment.Id", "Octopus.Deployment.Tenant.Id", "Octopus.Deployment.Tenant.Name",
    "Octopus.Task.Id", "Octopus.Deployment.SpecificMachines",
    "Octopus.Deployment.ExcludedMachines", "Octopus.Deployment.Machines", "Octopus.Action.Name",
)


def parameter(name):
    """The row called `name`; raises KeyError for a name the template does not have."""
    for row in PARAMETERS:
        if row.name == name:
            return row
    raise KeyError(name)
