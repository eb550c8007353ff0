"""The help text of each step parameter, as the Octopus UI and `--help` show it (Markdown).

Kept apart from the parameter table because only the builder (the template's `HelpText`) and the
terminal's `--help` read it: the script body that runs inside Octopus never shows help.
"""

HELP = {
    "ChildProject.Web.ServerUrl": (
        "**Required.** The address of the Octopus Server, such as `https://octopus.example.com`. "
        "Defaults to this server's own address. A `user:password@` in it (for a proxy in front "
        "of Octopus) is sent as the request's credentials and never shown."),
    "ChildProject.Api.Key": (
        "**Required.** An API key of a user (ideally a service account) who may view the child "
        "project and create deployments of it. To auto-approve manual interventions the user also "
        "needs to take responsibility for and submit them. The key is sent only to the Octopus "
        "Base Url and never written to the log. Paste it alone: invisible or non-ASCII characters "
        "are refused."),
    "ChildProject.Space.Name": (
        "**Required.** The space that holds the child project. Defaults to the current space."),
    "ChildProject.Project.Name": (
        "**Required.** The exact name of the child project to deploy (case does not matter).\n\n"
        "Several lines make a *release train*: each line is a wave, run after the one above "
        "it; names on one line, separated by commas, deploy side by side. A line "
        "`group: Platform` stands for every project of the project group *Platform*. Every "
        "other parameter applies to each child. One line is the single-child step, as in v29."),
    "ChildProject.Release.Number": (
        "Which release to consider.\n\n- *Blank*: the newest release that qualifies.\n"
        "- *A version*, such as `2021.1.0.15`: exactly that release.\n"
        "- *A prefix with a wildcard*, such as `2021.1.*`: releases whose version starts with "
        "`2021.1.`. Keep the dot before `*`: `2021.1*` would also match `2021.10.0`."),
    "ChildProject.Release.NotFoundError": (
        "What to do when no release matches.\n\n- `Error`: fail this step, stopping the parent "
        "deployment.\n- `Warning`: log the message as a highlight and carry on; the step stays "
        "green, as in v29.\n- `Skip`: log it as plain information and carry on."),
    "ChildProject.Destination.EnvironmentName": (
        "**Required.** The environment to deploy the child to. Defaults to the parent's "
        "environment. The child's own lifecycle decides where its releases come from, so parent "
        "and child lifecycles may differ."),
    "ChildProject.SourceEnvironment.Name": (
        "Optional. Take the release from this environment instead of the lifecycle phase before "
        "the destination."),
    "ChildProject.Channel.Name": (
        "Optional. The child project's channel; blank means its default channel."),
    "ChildProject.Tenant.Name": (
        "Optional. The tenant to deploy the child for. Defaults to the parent deployment's tenant; "
        "ignored when the child project is not tenanted.\n\n"
        "Several lines make *rings*, each run after the one above it: tenant names separated by "
        "commas, `tag: Release ring/Beta` (every tenant with that tag; tags of one set are "
        "ORed, of different sets ANDed), or `*` (every tenant connected to the child in the "
        "destination not in an earlier ring). A tenant deploys in the first ring that names it; "
        "an untenanted child deploys once, with the first ring."),
    "ChildProject.Prompted.Variables": (
        "Optional. Values for the child's prompted variables, one per line as `Name::Value`. "
        "Only the first `::` separates name from value, so values may contain `::`."),
    "ChildProject.DeploymentMode.Value": (
        "How to pick the release.\n\n- `Promote`: the release that last succeeded in the source "
        "environment(s); skipped when the destination already runs it.\n- `Redeploy`: the release "
        "that last succeeded in the destination, deployed again (rebuilding a server, say).\n"
        "- `AlwaysLatest`: the newest matching release the destination can take, deployed even "
        "when it is already there."),
    "ChildProject.RefreshVariableSnapShots.Option": (
        "`Yes` refreshes the release's variable snapshot before deploying, when the child's "
        "variables changed since the release was created. With *What If* the step only reports it."),
    "ChildProject.Target.MachineNames": (
        "Optional. Comma-separated deployment target names or `Machines-` ids to deploy to; only "
        "those the child deploys to are used. Overrides the parent's own target selection. "
        "`N/A` or blank: not used."),
    "ChildProject.Deployment.IgnoreSpecificMachineMismatch": (
        "When the parent deploys to specific targets and the child deploys to none of them, the "
        "step skips the child. `Yes` deploys the child to all its targets instead."),
    "ChildProject.ReleaseNotes.SaveAsArtifact": (
        "`Yes` also saves the `ReleaseNotes` output as a text artifact of the parent deployment."),
    "ChildProject.WhatIf.Value": (
        "`Yes` does everything except deploying: the outputs say what would be deployed, so a "
        "manual intervention can show them for approval."),
    "ChildProject.WaitForFinish.Value": (
        "`Yes` waits for the child deployment to finish and fails this step when it fails. `No` "
        "starts it and moves on."),
    "ChildProject.EnableEnhancedLogging.Value": (
        "`Yes` copies the child deployment's new log lines into this step's log while waiting, "
        "in order, under their step and target."),
    "ChildProject.CancelDeployment.Seconds": (
        "Seconds to wait for the child deployment, counted from its creation (time in the queue "
        "included). Default 1800."),
    "ChildProject.Deployment.FutureTime": (
        "Optional. Queue the child deployment for later, such as `19:00`, `7:00 PM`, "
        "`2026-11-23 19:00`, `2026-11-23T19:00:00+01:00` or `2026-11-23 19:00 Europe/London`. "
        "Without a zone the worker's local time is meant; the log states the UTC time chosen. "
        "A time that could mean two instants is refused: one the clocks skip or repeat at a "
        "daylight-saving change (add the offset to pick one), an offset the named zone does not "
        "have then, or a date such as `03/04/2027` (write `2027-03-04`). "
        "A scheduled deployment is not waited for. `N/A` or blank: deploy now."),
    "ChildProject.ManualInterventions.UseApprovalsFromParent": (
        "`Yes` answers the child's manual interventions with `Proceed` when a person who approved "
        "the parent deployment belongs to a team responsible for them. Guided-failure prompts are "
        "never answered."),
    "ChildProject.ManualIntervention.EnvironmentToUse": (
        "Optional. The parent environment whose approvals count, such as `Prod Approval`. "
        "Defaults to the current environment."),
    "ChildProject.ManualIntervention.Tenant.Name": (
        "Optional. The parent tenant whose approvals count. Defaults to the current tenant; "
        "ignored (after a check that it exists) for an untenanted deployment."),
    "ChildProject.CancelDeployment.OnTimeout": (
        "`Yes` cancels the child deployment when *Wait for Deployment* runs out; `No` leaves it "
        "running. The step fails either way."),
    "ChildProject.Deployment.FutureTimeExpiry.Minutes": (
        "Minutes after the scheduled time during which the child deployment may still start. "
        "Default 60."),
    "ChildProject.Deployment.SkipSteps": (
        "Optional. Names of child deployment process steps to skip, one per line or "
        "comma-separated."),
    "ChildProject.Deployment.ForcePackageDownload": (
        "`Yes` makes the child deployment download packages even when targets already have them."),
    "ChildProject.Tls.TrustedCertificate": (
        "Optional. A PEM certificate to trust for the Octopus Base Url, for servers with a private "
        "certificate authority. Verification is never turned off; `REQUESTS_CA_BUNDLE` and proxy "
        "settings of the worker are honoured too."),
    "ChildProject.DeploymentFreeze.OverrideReason": (
        "Optional. Blank (the default) respects deployment freezes: a child whose destination is "
        "frozen when it would deploy (now, or at its *Scheduling* time) is not deployed, and the "
        "plan names the freeze and its end. A reason here overrides each freeze that holds a "
        "child, as Octopus's own CLI does; the reason is recorded with the deployment. The API "
        "key's user then needs the system permission `DeploymentFreezeAdminister`."),
    "ChildProject.Train.Parallelism": (
        "For a release train (several names in *Child Project Name*) or tenant rings: how many "
        "children, or child-and-tenant pairs, of one wave may deploy at the same time. "
        "Default 4."),
    "ChildProject.Train.OnFailure": (
        "For a release train or tenant rings: what a failed child means for the others.\n\n"
        "- `Stop`: children already deploying finish; no new child and no later wave starts.\n"
        "- `Continue`: carry on with every other child.\n"
        "- `RollBack`: stop as above, then put each child this run changed back on the release "
        "it ran before, last changed first. `TrainOutcome` is `RolledBack` only when every one "
        "of them runs it again, else `RollBackIncomplete`."),
    "ChildProject.Train.PinnedVersions": (
        "Optional. Exact releases to deploy, one `Project::Version` per line, or the "
        "`TrainManifest` output (JSON) of an earlier run, to reproduce one environment's set "
        "in another. A child without a pin is chosen as usual; the lifecycle still applies. "
        "A pin naming no project of the space is a problem; one naming a project outside this "
        "run is listed as not used. With rings, `Project/Tenant::Version` pins one tenant."),
    "ChildProject.Rings.PauseMinutes": (
        "For tenant rings (several lines in *Tenant Name*): after a ring deployed without a "
        "failure, wait this many minutes before the next ring starts (a soak). Default 0."),
    "ChildProject.ApprovedPlan": (
        "Optional. Bind it to the `TrainPlanJson` output of a What-If run of this step that an "
        "approver reviewed: `#{Octopus.Action[<What-If step>].Output.TrainPlanJson}`. The "
        "step then deploys exactly the approved releases, and nothing at all when anything the "
        "approver saw has changed (the release a destination runs, a chosen release no longer "
        "deployable, a child added or removed): it shows the differences and fails. Blank: "
        "decide as usual."),
}
