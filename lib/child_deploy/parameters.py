"""The one table of step parameters.

The same rows drive parsing (settings.py), the template's `Parameters` (build_template.py), the
terminal flags (cli.py) and the README's parameter table. `Name`s, option values and defaults of
the first 24 rows are those of the PowerShell template v29, so existing steps keep working; the
labels and help texts are ours. Rows after them are new and keep the `ChildProject.` prefix.

A `system_default` is an Octopus system variable used as the default (`Octopus.Space.Name` and the
like). The builder writes it as an Octostache reference; this module never spells one out, because
the script body must not contain that syntax.
"""

from collections import namedtuple

Parameter = namedtuple(
    "Parameter", "name field label kind default system_default options control help")

YES_NO = (("Yes", "Yes"), ("No", "No"))
NO_YES = (("No", "No"), ("Yes", "Yes"))


def _row(name, field, label, kind, help, default="", system_default="", options=(),
         control=None):
    if control is None:
        control = {"secret": "Sensitive", "lines": "MultiLineText", "prompted": "MultiLineText",
                   "pem": "MultiLineText"}.get(kind, "Select" if options else "SingleLineText")
    return Parameter(name, field, label, kind, default, system_default, tuple(options), control,
                     help.strip())


PARAMETERS = (
    _row("ChildProject.Web.ServerUrl", "server_url", "Octopus Base Url", "url",
         "**Required.** The address of the Octopus Server, such as `https://octopus.example.com`. "
         "Defaults to this server's own address. A `user:password@` in it (for a proxy in front "
         "of Octopus) is sent as the request's credentials and never shown.",
         system_default="Octopus.Web.ServerUri"),
    _row("ChildProject.Api.Key", "api_key", "Octopus API Key", "secret",
         "**Required.** An API key of a user (ideally a service account) who may view the child "
         "project and create deployments of it. To auto-approve manual interventions the user also "
         "needs to take responsibility for and submit them. The key is sent only to the Octopus "
         "Base Url and never written to the log. Paste it alone: invisible or non-ASCII characters "
         "are refused."),
    _row("ChildProject.Space.Name", "space_name", "Child Project Space", "required",
         "**Required.** The space that holds the child project. Defaults to the current space.",
         system_default="Octopus.Space.Name"),
    _row("ChildProject.Project.Name", "project_name", "Child Project Name", "required",
         "**Required.** The exact name of the child project to deploy (case does not matter).\n\n"
         "Several lines make a *release train*: each line is a wave, run after the one above "
         "it; names on one line, separated by commas, deploy side by side. A line "
         "`group: Platform` stands for every project of the project group *Platform*. Every "
         "other parameter applies to each child. One line is the single-child step, as in v29.",
         control="MultiLineText"),
    _row("ChildProject.Release.Number", "release_pattern", "Child Project Release Number",
         "pattern",
         "Which release to consider.\n\n- *Blank*: the newest release that qualifies.\n"
         "- *A version*, such as `2021.1.0.15`: exactly that release.\n"
         "- *A prefix with a wildcard*, such as `2021.1.*`: releases whose version starts with "
         "`2021.1.`. Keep the dot before `*`: `2021.1*` would also match `2021.10.0`."),
    _row("ChildProject.Release.NotFoundError", "not_found_handling",
         "When no release qualifies", "choice",
         "What to do when no release matches.\n\n- `Error`: fail this step, stopping the parent "
         "deployment.\n- `Warning`: end this step with a warning and carry on.\n- `Skip`: end this "
         "step with an information message and carry on.",
         default="Warning", options=(("Error", "Error"), ("Warning", "Warning"), ("Skip", "Skip"))),
    _row("ChildProject.Destination.EnvironmentName", "destination_environment",
         "Destination Environment Name", "required",
         "**Required.** The environment to deploy the child to. Defaults to the parent's "
         "environment. The child's own lifecycle decides where its releases come from, so parent "
         "and child lifecycles may differ.", system_default="Octopus.Environment.Name"),
    _row("ChildProject.SourceEnvironment.Name", "source_environment", "Source Environment Name",
         "text",
         "Optional. Take the release from this environment instead of the lifecycle phase before "
         "the destination."),
    _row("ChildProject.Channel.Name", "channel_name", "Child Project Channel", "text",
         "Optional. The child project's channel; blank means its default channel."),
    _row("ChildProject.Tenant.Name", "tenant_name", "Tenant Name", "text",
         "Optional. The tenant to deploy the child for. Defaults to the parent deployment's tenant; "
         "ignored when the child project is not tenanted.",
         system_default="Octopus.Deployment.Tenant.Name"),
    _row("ChildProject.Prompted.Variables", "prompted_variables",
         "Child Project Prompted Variables", "prompted",
         "Optional. Values for the child's prompted variables, one per line as `Name::Value`. "
         "Only the first `::` separates name from value, so values may contain `::`."),
    _row("ChildProject.DeploymentMode.Value", "deployment_mode", "Deployment Mode", "choice",
         "How to pick the release.\n\n- `Promote`: the release that last succeeded in the source "
         "environment(s); skipped when the destination already runs it.\n- `Redeploy`: the release "
         "that last succeeded in the destination, deployed again (rebuilding a server, say).\n"
         "- `AlwaysLatest`: the newest matching release the destination can take, deployed even "
         "when it is already there.",
         default="Promote",
         options=(("Promote", "Promote"), ("Redeploy", "Redeploy"),
                  ("AlwaysLatest", "AlwaysLatest"))),
    _row("ChildProject.RefreshVariableSnapShots.Option", "refresh_variable_snapshot",
         "Refresh Variables Snapshots", "yesno",
         "`Yes` refreshes the release's variable snapshot before deploying, when the child's "
         "variables changed since the release was created. With *What If* the step only reports it.",
         default="No", options=NO_YES),
    _row("ChildProject.Target.MachineNames", "target_machines", "Specific Deployment Target",
         "machines",
         "Optional. Comma-separated deployment target names or `Machines-` ids to deploy to; only "
         "those the child deploys to are used. Overrides the parent's own target selection. "
         "`N/A` or blank: not used.", default="N/A"),
    _row("ChildProject.Deployment.IgnoreSpecificMachineMismatch", "ignore_machine_mismatch",
         "Ignore specific machine mismatch", "yesno",
         "When the parent deploys to specific targets and the child deploys to none of them, the "
         "step skips the child. `Yes` deploys the child to all its targets instead.",
         default="No", options=NO_YES),
    _row("ChildProject.ReleaseNotes.SaveAsArtifact", "save_release_notes",
         "Save release notes as artifact", "yesno",
         "`Yes` also saves the `ReleaseNotes` output as a text artifact of the parent deployment.",
         default="No", options=NO_YES),
    _row("ChildProject.WhatIf.Value", "what_if", "What If", "yesno",
         "`Yes` does everything except deploying: the outputs say what would be deployed, so a "
         "manual intervention can show them for approval.", default="No", options=YES_NO),
    _row("ChildProject.WaitForFinish.Value", "wait_for_finish", "Wait for finish", "yesno",
         "`Yes` waits for the child deployment to finish and fails this step when it fails. `No` "
         "starts it and moves on.", default="Yes", options=YES_NO),
    _row("ChildProject.EnableEnhancedLogging.Value", "enhanced_logging",
         "Enable Enhanced Logging", "yesno",
         "`Yes` copies the child deployment's new log lines into this step's log while waiting, "
         "in order, under their step and target.",
         default="No", options=YES_NO),
    _row("ChildProject.CancelDeployment.Seconds", "timeout_seconds", "Wait for Deployment",
         "seconds",
         "Seconds to wait for the child deployment, counted from its creation (time in the queue "
         "included). Default 1800.", default="1800"),
    _row("ChildProject.Deployment.FutureTime", "schedule", "Scheduling", "schedule",
         "Optional. Queue the child deployment for later, such as `19:00`, `7:00 PM`, "
         "`2026-11-23 19:00`, `2026-11-23T19:00:00+01:00` or `2026-11-23 19:00 Europe/London`. "
         "Without a zone the worker's local time is meant; the log states the UTC time chosen. "
         "A time that could mean two instants is refused: one the clocks skip or repeat at a "
         "daylight-saving change (add the offset to pick one), an offset the named zone does not "
         "have then, or a date such as `03/04/2027` (write `2027-03-04`). "
         "A scheduled deployment is not waited for. `N/A` or blank: deploy now.", default="N/A"),
    _row("ChildProject.ManualInterventions.UseApprovalsFromParent", "auto_approve",
         "Auto-Approve Child Project Manual Interventions", "yesno",
         "`Yes` answers the child's manual interventions with `Proceed` when a person who approved "
         "the parent deployment belongs to a team responsible for them. Guided-failure prompts are "
         "never answered.", default="Yes", options=NO_YES),
    _row("ChildProject.ManualIntervention.EnvironmentToUse", "approval_environment",
         "Approval Environment", "text",
         "Optional. The parent environment whose approvals count, such as `Prod Approval`. "
         "Defaults to the current environment.", system_default="Octopus.Environment.Name"),
    _row("ChildProject.ManualIntervention.Tenant.Name", "approval_tenant", "Approval Tenant",
         "text",
         "Optional. The parent tenant whose approvals count. Defaults to the current tenant; "
         "ignored (after a check that it exists) for an untenanted deployment.",
         system_default="Octopus.Deployment.Tenant.Name"),
    _row("ChildProject.CancelDeployment.OnTimeout", "cancel_on_timeout",
         "Cancel child on timeout", "yesno",
         "`Yes` cancels the child deployment when *Wait for Deployment* runs out; `No` leaves it "
         "running. The step fails either way.", default="Yes", options=YES_NO),
    _row("ChildProject.Deployment.FutureTimeExpiry.Minutes", "schedule_expiry_minutes",
         "Scheduling expiry (minutes)", "minutes",
         "Minutes after the scheduled time during which the child deployment may still start. "
         "Default 60.", default="60"),
    _row("ChildProject.Deployment.SkipSteps", "skip_steps", "Steps to skip", "lines",
         "Optional. Names of child deployment process steps to skip, one per line or "
         "comma-separated."),
    _row("ChildProject.Deployment.ForcePackageDownload", "force_package_download",
         "Force package download", "yesno",
         "`Yes` makes the child deployment download packages even when targets already have them.",
         default="No", options=NO_YES),
    _row("ChildProject.Tls.TrustedCertificate", "trusted_certificate",
         "Trusted CA certificate (PEM)", "pem",
         "Optional. A PEM certificate to trust for the Octopus Base Url, for servers with a private "
         "certificate authority. Verification is never turned off; `REQUESTS_CA_BUNDLE` and proxy "
         "settings of the worker are honoured too."),
)

TRAIN_PARAMETERS = (
    _row("ChildProject.Train.Parallelism", "train_parallelism", "Train parallelism", "parallelism",
         "For a release train (several lines in *Child Project Name*): how many children of one "
         "wave may deploy at the same time. Default 4.", default="4"),
    _row("ChildProject.Train.OnFailure", "train_failure_policy", "When a child fails", "choice",
         "For a release train: what a failed child means for the others.\n\n"
         "- `Stop`: children already deploying finish; no new child and no later wave starts.\n"
         "- `Continue`: carry on with every other child.\n"
         "- `RollBack`: stop as above, then put each child this run changed back on the release "
         "it ran before, last changed first.",
         default="Stop", options=(("Stop", "Stop"), ("Continue", "Continue"),
                                  ("RollBack", "RollBack"))),
    _row("ChildProject.Train.PinnedVersions", "pinned_versions", "Pinned versions", "pinned",
         "Optional. Exact releases to deploy, one `Project::Version` per line, or the "
         "`TrainManifest` output (JSON) of an earlier run, to reproduce one environment's set "
         "in another. A child without a pin is chosen as usual; the lifecycle still applies.",
         control="MultiLineText"),
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
    "Octopus.Deployment.ExcludedMachines", "Octopus.Deployment.Machines",
)


def parameter(name):
    """The row called `name`; raises KeyError for a name the template does not have."""
    for row in PARAMETERS:
        if row.name == name:
            return row
    raise KeyError(name)
