"""`python deploy_child_project.py --demo`: the step's story, told against a simulated Octopus.

A simulated Octopus Server (`octopus_sim`) starts on 127.0.0.1 with the sample suite. On top of
it the demo arranges one release train: parent *Release Orchestration* 2021.1.2, signed off in
Test by Bob Approver, is deploying to Staging; its four steps promote the children from Test to
Staging, Database first. Along the way one child is deployed, one stops at a manual intervention
that the step approves with Bob's sign-off, and two are skipped because Staging already runs
their release (Web UI's newer release failed in Test, and the last *successful* one wins).

Then the same suite goes to Production the other way: one step, *Deploy suite*, whose Child
Project Name holds three waves (Database; Web API and Scheduling Service side by side; Web UI).
It runs twice: What If first, which only shows and publishes the plan (a table, and JSON for
the next run), then for real with *Approved plan* bound to that JSON: it plans again, checks
that nothing changed since, deploys wave after wave and ends with a table of outcomes.

Last, Web UI goes to its customers in rings: its four tenants run 2021.1.0.1 in Production and
have tested 2021.1.1.1 in Staging; one step with *Tenant Name* `Acme` (the canary), then
`tag: Release Ring/Beta`, then `*` (everyone else), and a ten-minute soak between rings.

The step runs in this process with the same code as in Octopus (`runner.run`); only its clock is
the simulator's, so waiting for a child advances simulated time instead of sleeping. Nothing
leaves loopback.
"""

import sys
import tempfile
import time
from collections import namedtuple
from datetime import timedelta

import requests

from child_deploy.base.terminal import TerminalHost
from child_deploy.shell.runner import run
from octopus_sim import (DEFAULT_API_KEY, Approval, InterruptionPlan, ManualClock, Simulator,
                         StepClock, TaskScript, load_sample_suite)

CHILDREN = ("Database", "Scheduling Service", "Web API", "Web UI")
SOURCE, DESTINATION, SIGN_OFF = "Test", "Staging", "Test"
PARENT_VERSION, DATABASE_VERSION = "2021.1.2", "2021.1.2.1"
Story = namedtuple("Story", "parent_deployment parent_release")
Row = namedtuple("Row", "child release outcome reason exit_code")
TRAIN = "Database\nWeb API, Scheduling Service\nWeb UI"
TRAIN_DESTINATION = "Production"
RING_TENANTS = (("Acme", "Canary"), ("Globex", "Beta"), ("Initech", "Beta"), ("Hooli", "Stable"))
RINGS = "Acme\ntag: Release Ring/Beta\n*"


class TaskLogStream:
    """Prefixes each printed line with the simulated time, as the Octopus task log shows it."""

    def __init__(self, clock, target):
        self._clock, self._target = clock, target
        self._at_line_start = True

    def write(self, text):
        for piece in text.splitlines(True):
            if self._at_line_start and piece.strip():
                self._target.write(self._clock.now().strftime("%H:%M:%S  "))
            self._target.write(piece)
            self._at_line_start = piece.endswith("\n")
        return len(text)

    def flush(self):
        self._target.flush()


def arrange_story(sim, suite):
    """Add the demo's release train to the sample suite; return the parent's live deployment."""
    world = sim.world
    with world.lock:
        _new_database_release(world, suite)
        release = _signed_off_parent_release(world, suite)
        world.set_task_script(suite.parent, TaskScript(run_seconds=10 ** 7))
        deployment = world.add_deployment(release, suite.environments[DESTINATION],
                                          state="Executing")
        _child_scripts(world, suite)
    return Story(deployment, release)


def _new_database_release(world, suite):
    """Database 2021.1.2.1 reached Test earlier today (with the parent): the one to promote."""
    now = world.clock.now()
    release = world.add_release(
        suite.projects["Database"], DATABASE_VERSION, created=now - timedelta(hours=4),
        notes="Database {0}: adds an index to the orders table.".format(DATABASE_VERSION))
    for hours, environment in ((3, "Development"), (2, SOURCE)):
        world.add_deployment(release, suite.environments[environment], duration_seconds=45,
                             created=now - timedelta(hours=hours))


def _signed_off_parent_release(world, suite):
    """Parent 2021.1.2 went through Development and Test; Bob signed it off during Test."""
    now = world.clock.now()
    release = world.add_release(suite.parent, PARENT_VERSION, created=now - timedelta(hours=4),
                                notes="Release Orchestration {0}.".format(PARENT_VERSION))
    sign_off = Approval(suite.approver, "Proceed", team_ids=[suite.approvers.id],
                        notes="Tested; good to go to Staging.",
                        instructions="Sign off this release train for Staging.")
    for hours, environment in ((3, "Development"), (2, SOURCE)):
        world.add_deployment(release, suite.environments[environment], duration_seconds=600,
                             created=now - timedelta(hours=hours, minutes=1),
                             approvals=[sign_off] if environment == SIGN_OFF else None)
    return release


def _child_scripts(world, suite):
    """What the children's new deployments do: Database asks the approvers first."""
    world.set_task_script(suite.projects["Database"], TaskScript(
        run_seconds=8, log_lines=["Applying migration 0042_orders_index", "Migration applied"],
        interruptions=[InterruptionPlan(at_seconds=2, responsible_team_ids=[suite.approvers.id],
                                        title="Approve database schema changes",
                                        instructions="Review the migration before it runs.")]))
    world.set_task_script(suite.projects["Web API"], TaskScript(
        run_seconds=5, log_lines=["Health check /api/health: 200 OK"]))


def step_variables(sim, suite, story, child, **parameters):
    """What Octopus would hand the step: the parent's system variables and the step's parameters."""
    deployment, release = story.parent_deployment, story.parent_release
    variables = {
        "Octopus.Web.ServerUri": sim.url, "Octopus.Space.Id": deployment.space_id,
        "Octopus.Space.Name": "Default", "Octopus.Project.Id": suite.parent.id,
        "Octopus.Project.Name": suite.parent.name, "Octopus.Release.Id": release.id,
        "Octopus.Release.Number": release.version, "Octopus.Release.Channel.Id": release.channel_id,
        "Octopus.Environment.Id": deployment.environment_id,
        "Octopus.Environment.Name": sim.world.get(deployment.environment_id).name,
        "Octopus.Deployment.Id": deployment.id,
        "Octopus.Task.Id": deployment.task_id,
        "ChildProject.Web.ServerUrl": sim.url, "ChildProject.Api.Key": sim.api_key,
        "ChildProject.Space.Name": "Default", "ChildProject.Project.Name": child,
        "ChildProject.Destination.EnvironmentName": sim.world.get(deployment.environment_id).name,
    }
    variables.update(parameters)
    return variables


def run_child(sim, suite, story, number, child, stream):
    """Run one step of the parent, printing its task log; return its summary row."""
    print("\nStep {0}: Deploy {1}   ({2} -> {3})".format(number, child, SOURCE, DESTINATION),
          file=stream)
    print("-" * 72, file=stream)
    host = TerminalHost(step_variables(
        sim, suite, story, child, **{"ChildProject.EnableEnhancedLogging.Value": "Yes",
                                     "ChildProject.ManualIntervention.EnvironmentToUse": SIGN_OFF}),
        stream=TaskLogStream(sim.clock, stream))
    code = run(host, clock=StepClock(sim.clock), session=loopback_session())
    outputs = host.outputs
    reason = outputs.get("ChildOutcomeReason") or host.failure or ""
    return Row(child, outputs.get("ReleaseToPromote", "N/A"), outputs.get("ChildOutcome", "Failed"),
               reason, code)


def arrange_train(sim, story):
    """The parent release, now signed off, deploying to Production: the train's own parent."""
    with sim.world.lock:
        deployment = sim.world.add_deployment(story.parent_release, TRAIN_DESTINATION,
                                              state="Executing")
    return Story(deployment, story.parent_release)


def run_train(sim, suite, story, what_if, stream, artifacts_dir, approved=""):
    """Run the *Deploy suite* step once (What If or for real, bound to the `approved` plan);
    return (exit code, outputs)."""
    print("\nDeploy suite{0}: one step, three waves, {1} -> {2}".format(
        " (What If)" if what_if else "", DESTINATION, TRAIN_DESTINATION), file=stream)
    print("-" * 72, file=stream)
    if approved:
        print("Approved plan = the What If's TrainPlanJson", file=stream)
    host = TerminalHost(step_variables(
        sim, suite, story, TRAIN, **{"ChildProject.WhatIf.Value": "Yes" if what_if else "No",
                                     "ChildProject.ManualIntervention.EnvironmentToUse": SIGN_OFF,
                                     "ChildProject.ApprovedPlan": approved,
                                     "Octopus.Action.Name": "Deploy suite"}),
        stream=TaskLogStream(sim.clock, stream), artifacts_dir=artifacts_dir)
    code = run(host, clock=StepClock(sim.clock), session=loopback_session())
    outputs = host.outputs
    print("\nTrainOutcome = {0}: {1}".format(outputs.get("TrainOutcome", "Failed"),
                                             outputs.get("TrainOutcomeReason") or host.failure),
          file=stream)
    print("TrainManifest = {0}".format(outputs.get("TrainManifest", "{}")), file=stream)
    if what_if:
        print("TrainPlanJson = {0}".format(outputs.get("TrainPlanJson", "")), file=stream)
    return code, outputs


def train_scene(sim, suite, story, stream):
    """The release-train scene: the plan alone, then the approved plan carried out."""
    print("\nThe same suite as one release train", file=stream)
    print("=" * 72, file=stream)
    train_story = arrange_train(sim, story)
    with tempfile.TemporaryDirectory(prefix="child-deploy-") as folder:  # the demo leaves no file
        planned, plan = run_train(sim, suite, train_story, True, stream, folder)
        deployed, _ = run_train(sim, suite, train_story, False, stream, folder,
                                approved=plan.get("TrainPlanJson", ""))
    return [planned, deployed]


def arrange_rings(sim, suite):
    """Web UI's customers as tenants: each runs 2021.1.0.1 and has tested 2021.1.1.1."""
    world, web_ui = sim.world, suite.projects["Web UI"]
    world.add_tag_set("Release Ring", ["Canary", "Beta", "Stable"])
    with world.lock:
        web_ui.tenanted_mode = "TenantedOrUntenanted"
    places = [suite.environments[name] for name in ("Staging", TRAIN_DESTINATION)]
    for name, ring in RING_TENANTS:
        tenant = world.add_tenant(name, projects={web_ui: places}, tags=["Release Ring/" + ring])
        for version, place in zip(("2021.1.1.1", "2021.1.0.1"), places):
            world.add_deployment(suite.releases[("Web UI", version)], place, tenant=tenant,
                                 created=sim.clock.now() - timedelta(days=1),
                                 duration_seconds=30)


def rings_scene(sim, suite, story, stream):
    """Web UI to its customers, ring after ring, with a soak between rings."""
    print("\nWeb UI to its customers, in rings", file=stream)
    print("=" * 72, file=stream)
    arrange_rings(sim, suite)
    print("Tenant Name = {0}; Ring pause (minutes) = 10\n".format(RINGS.replace("\n", " | ")),
          file=stream)
    host = TerminalHost(step_variables(
        sim, suite, arrange_train(sim, story), "Web UI", **{
            "ChildProject.Tenant.Name": RINGS, "ChildProject.Rings.PauseMinutes": "10",
            "ChildProject.ManualIntervention.EnvironmentToUse": SIGN_OFF}),
        stream=TaskLogStream(sim.clock, stream))
    code = run(host, clock=StepClock(sim.clock), session=loopback_session())
    print("\nTrainOutcome = {0}: {1}".format(host.outputs.get("TrainOutcome", "Failed"),
                                             host.outputs.get("TrainOutcomeReason") or host.failure),
          file=stream)
    print("TrainManifest = {0}".format(host.outputs.get("TrainManifest", "{}")), file=stream)
    return code


def loopback_session():
    """A requests session that ignores proxy settings from the environment.

    The simulator listens on 127.0.0.1; a proxy would otherwise see (or break) calls that must
    stay on this machine.
    """
    session = requests.Session()
    session.trust_env = False
    return session


def summary_table(rows):
    """The per-child summary a release manager reads first, as aligned plain text."""
    header = Row("Child", "Release", "Outcome", "Reason", None)
    widths = [max(len(str(getattr(r, f))) for r in (header,) + tuple(rows))
              for f in ("child", "release", "outcome")]
    lines = []
    for row in (header,) + tuple(rows):
        cells = [str(row.child).ljust(widths[0]), str(row.release).ljust(widths[1]),
                 str(row.outcome).ljust(widths[2]), row.reason]
        lines.append("  ".join(cells).rstrip())
        if row is header:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(lines)


def introduce(sim, suite, story, stream):
    """Say what is simulated and where the approval comes from, before the task log starts."""
    print("Simulated Octopus Server at {0} (loopback only), sample suite loaded.".format(sim.url),
          file=stream)
    print("Parent {0} {1} is deploying to {2}; Bob Approver signed it off in {3}.".format(
        suite.parent.name, story.parent_release.version, DESTINATION, SIGN_OFF), file=stream)
    print("Each step promotes one child from {0} to {1} (Approval Environment = {2}).".format(
        SOURCE, DESTINATION, SIGN_OFF), file=stream)


def main(stream=None):
    """Run the demo; return 0 when every step succeeded (a deliberate skip counts), else 1.

    The per-step summary is printed before the train scene, so it reads as the end of the
    first story.
    """
    stream = stream or sys.stdout
    started = time.perf_counter()
    with Simulator(api_key=DEFAULT_API_KEY, clock=ManualClock()) as sim:
        suite = load_sample_suite(sim)
        story = arrange_story(sim, suite)
        begun = sim.clock.now()
        introduce(sim, suite, story, stream)
        rows = [run_child(sim, suite, story, number, child, stream)
                for number, child in enumerate(CHILDREN, 1)]
        print("\nSummary\n\n" + summary_table(rows), file=stream)
        train_codes = train_scene(sim, suite, story, stream)
        train_codes.append(rings_scene(sim, suite, story, stream))
        simulated = (sim.clock.now() - begun).total_seconds()
        requests_made = len(sim.requests)
    print("\n{0} requests to the simulated server; {1:.0f} s of simulated time in {2:.1f} s."
          .format(requests_made, simulated, time.perf_counter() - started), file=stream)
    return 0 if all(row.exit_code == 0 for row in rows) and not any(train_codes) else 1


if __name__ == "__main__":
    sys.exit(main())
