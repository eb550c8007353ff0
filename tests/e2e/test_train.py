"""The release train end to end: the built body against octopus_sim (docs/design.md, the release train).

The sample suite's four children, promoted to Production as three waves: Database, then Web API
and Scheduling Service side by side, then Web UI. Times are the simulator's: each child runs
for its TaskScript's seconds of simulated time.
"""

import json
import os
import re
import signal
import time

import pytest

from e2e_steps import created_deployments, each_child
from octopus_sim import TaskScript

SUITE = "Database\nWeb API, Scheduling Service\nWeb UI"
CHILDREN = ("Database", "Web API", "Scheduling Service", "Web UI")


def made(sim, suite, environment="Production"):
    """{child: [deployments this test's runs created]} for every child of the suite."""
    return {name: created_deployments(sim, suite, name, environment) for name in CHILDREN}


def task(sim, deployment):
    return sim.world.task_of(deployment)


def fail_child(sim, suite, name, run_seconds=5.0):
    sim.world.set_task_script(suite.projects[name], TaskScript(
        run_seconds=run_seconds, outcome="Failed", error_message="Step 1 failed"))


def test_three_waves_are_planned_then_deployed_in_order_two_side_by_side(step, sim, suite):
    sim.world.set_task_script(suite.projects["Scheduling Service"], TaskScript(run_seconds=20))
    run = step(SUITE, "Production")
    assert run.exit_code == 0, run.result_message
    assert run.stderr == ""
    plan = run.outputs["TrainPlan"]
    assert plan.splitlines()[0].startswith("| Child | Wave | Destination now | Chosen | Movement")
    assert "| Web API | 2 | 2021.1.0.1 | 2021.1.1.1 | upgrade | Deploy |" in plan
    # The whole plan is in the log before the first child is created.
    assert run.stdout.index("| Web UI | 3 |") < run.stdout.index("Child deployment:")
    deployments = {name: only for name, [only] in made(sim, suite).items()}
    start = {name: task(sim, d).start_time for name, d in deployments.items()}
    end = {name: task(sim, d).completed_time for name, d in deployments.items()}
    assert end["Database"] <= start["Web API"] and end["Database"] <= start["Scheduling Service"]
    assert start["Web API"] < end["Scheduling Service"] and start["Scheduling Service"] < end["Web API"]
    assert start["Web UI"] >= max(end["Web API"], end["Scheduling Service"])
    assert run.outputs["TrainOutcome"] == "Deployed"
    assert json.loads(run.outputs["TrainManifest"]) == {name: "2021.1.1.1" for name in CHILDREN}
    children = each_child(run.outputs)
    assert sorted(children) == sorted(CHILDREN)
    assert {c["ReleaseToPromote"] for c in children.values()} == {"2021.1.1.1"}
    assert children["Web API"]["ChildDeploymentId"] == deployments["Web API"].id
    assert "ChildOutcome" not in run.outputs          # no single-child outputs for a train
    assert [name for _path, name in run.artifacts] == ["TrainPlan.md"]   # no step name given


def test_two_train_steps_of_one_parent_keep_a_plan_each_named_after_the_step(step, sim, suite):
    """Both steps attach their plan to one parent deployment: one artifact name would overwrite."""
    names = []
    for step_name in ("Plan suite", "Deploy suite"):
        run = step(SUITE, "Production", system={"Octopus.Action.Name": step_name},
                   **{"WhatIf.Value": "Yes"})
        assert run.exit_code == 0, run.result_message
        [(path, name)] = run.artifacts
        assert os.path.dirname(path) == run.work_dir and os.path.exists(path)
        names.append(name)
    assert names == ["Plan suite.TrainPlan.md", "Deploy suite.TrainPlan.md"]


def test_one_poll_a_cycle_serves_every_running_child(step, sim, suite):
    for name in ("Web API", "Scheduling Service"):
        sim.world.set_task_script(suite.projects[name], TaskScript(run_seconds=30))
    run = step("Web API, Scheduling Service", "Production")
    assert run.exit_code == 0, run.result_message
    ids = {task(sim, d).id for ds in made(sim, suite).values() for d in ds}
    single = [r for r in sim.requests if r.method == "GET" and re.search(r"/tasks/ServerTasks-\d+$", r.path)]
    both = [r for r in sim.requests if r.method == "GET" and r.path.endswith("/tasks")
            and set(str(r.query.get("ids", "")).split(",")) == ids]
    assert single == [] and len(both) >= 5


def test_stop_lets_the_running_child_finish_and_starts_no_later_wave(step, sim, suite):
    fail_child(sim, suite, "Web API")
    sim.world.set_task_script(suite.projects["Scheduling Service"], TaskScript(run_seconds=20))
    run = step(SUITE, "Production")
    assert run.exit_code != 0
    deployments = made(sim, suite)
    assert deployments["Web UI"] == []
    [scheduling] = deployments["Scheduling Service"]
    assert task(sim, scheduling).state == "Success"
    assert run.outputs["TrainOutcome"] == "PartlyDeployed"
    assert "Web API" in run.outputs["TrainOutcomeReason"]
    children = each_child(run.outputs)
    assert children["Web API"]["ChildOutcome"] == "Failed"
    assert children["Web UI"]["ChildOutcome"] == "NotStarted"
    assert json.loads(run.outputs["TrainManifest"]) == {
        "Database": "2021.1.1.1", "Web API": "2021.1.0.1", "Scheduling Service": "2021.1.1.1",
        "Web UI": "2021.1.0.1"}


def test_continue_deploys_every_other_child(step, sim, suite):
    fail_child(sim, suite, "Web API")
    run = step(SUITE, "Production", **{"Train.OnFailure": "Continue"})
    assert run.exit_code != 0
    assert len(made(sim, suite)["Web UI"]) == 1
    assert run.outputs["TrainOutcome"] == "PartlyDeployed"
    assert each_child(run.outputs)["Web UI"]["ChildOutcome"] == "Deployed"


def test_roll_back_puts_every_changed_child_back_last_first(step, sim, suite):
    fail_child(sim, suite, "Web UI")
    run = step(SUITE, "Production", **{"Train.OnFailure": "RollBack"})
    assert run.exit_code != 0
    deployments = made(sim, suite)
    for name in ("Database", "Web API", "Scheduling Service"):
        forward, back = sorted(deployments[name], key=lambda d: d.id)
        assert sim.world.get(back.release_id).version == suite_previous(name)
        assert task(sim, back).state == "Success"
    backs = sorted((max(ds, key=lambda d: d.id).id, name) for name, ds in deployments.items()
                   if len(ds) == 2)
    assert [name for _id, name in backs][-1] == "Database"     # the first changed, last back
    assert run.outputs["TrainOutcome"] == "RolledBack"
    assert "Rolled back: " in run.outputs["TrainOutcomeReason"]
    assert json.loads(run.outputs["TrainManifest"]) == {n: suite_previous(n) for n in CHILDREN}
    assert each_child(run.outputs)["Database"]["ChildOutcome"] == "RolledBack"


def suite_previous(name):
    return "2021.1.0.2" if name == "Scheduling Service" else "2021.1.0.1"


def test_a_rerun_after_a_failure_resumes_without_deploying_anything_twice(step, sim, suite):
    fail_child(sim, suite, "Web API")
    first = step(SUITE, "Production")
    assert first.exit_code != 0
    sim.world.set_task_script(suite.projects["Web API"], TaskScript())
    second = step(SUITE, "Production")
    assert second.exit_code == 0, second.result_message
    counts = {name: len(ds) for name, ds in made(sim, suite).items()}
    assert counts == {"Database": 1, "Web API": 2, "Scheduling Service": 1, "Web UI": 1}
    children = each_child(second.outputs)
    assert children["Database"]["ChildOutcome"] == "AlreadyDeployed"
    assert children["Web API"]["ChildOutcome"] == "Deployed"


def test_pinned_versions_from_a_manifest_reproduce_one_environment_in_another(step, sim, suite):
    snapshot = step(SUITE, "Production", **{"DeploymentMode.Value": "Redeploy", "WhatIf.Value": "Yes"})
    assert snapshot.exit_code == 0, snapshot.result_message
    assert snapshot.outputs["TrainOutcome"] == "WhatIf"
    assert all(ds == [] for ds in made(sim, suite).values())
    manifest = snapshot.outputs["TrainManifest"]
    assert json.loads(manifest) == {n: suite_previous(n) for n in CHILDREN}
    run = step(SUITE, "Staging", **{"Train.PinnedVersions": manifest})
    assert run.exit_code == 0, run.result_message
    assert json.loads(run.outputs["TrainManifest"]) == json.loads(manifest)
    for name, [deployment] in made(sim, suite, "Staging").items():
        assert sim.world.get(deployment.release_id).version == suite_previous(name)


def test_a_planning_problem_in_any_child_deploys_nothing_and_names_every_problem(step, sim, suite):
    run = step("Database\nWeb APX, Scheduling Service\nWeb Ui2", "Production")
    assert run.exit_code != 0
    assert all(ds == [] for ds in made(sim, suite).values())
    assert "Web APX" in run.result_message and "Web Ui2" in run.result_message
    assert run.outputs["TrainOutcome"] == "Failed"
    assert "| Web APX | 2 | ? |" in run.outputs["TrainPlan"]
    assert json.loads(run.outputs["TrainManifest"]) == {           # "?" (unread) is no version
        "Database": "2021.1.0.1", "Scheduling Service": "2021.1.0.2"}
    children = each_child(run.outputs)
    assert children["Database"]["ChildOutcome"] == "NotStarted"
    assert children["Web APX"]["ChildOutcome"] == "Error"


def test_sigterm_mid_train_cancels_every_child_this_run_created_once(step, sim, suite):
    for name in ("Web API", "Scheduling Service"):
        sim.world.set_task_script(suite.projects[name], TaskScript(run_seconds=600))
    hold = sim.faults.hold(methods=("GET",), path_contains="ServerTasks-46", after_apply=True)
    running = step.start("Web API, Scheduling Service\nWeb UI", "Production")
    assert hold.wait_until_held(30), "the train never polled its children"
    sent = time.monotonic()
    running.send_signal(signal.SIGTERM)
    hold.release()
    run = running.finish(timeout=60)
    assert time.monotonic() - sent < 15
    assert run.exit_code != 0 and run.stderr == ""
    cancels = [r.path for r in sim.requests if r.method == "POST" and r.path.endswith("/cancel")]
    deployments = [d for ds in made(sim, suite).values() for d in ds]
    assert len(deployments) == 2
    assert sorted(path.split("/")[-2] for path in cancels) == sorted(d.task_id for d in deployments)
    children = each_child(run.outputs)
    assert {c["ChildOutcome"] for c in children.values()} == {"Canceled"}   # Web UI's included
    assert children["Web UI"]["ChildDeploymentId"] == ""
    assert run.outputs["TrainOutcome"] == "Failed"
    assert "cancelled (signal" in run.result_message


def test_a_group_line_is_every_project_of_the_group_in_one_wave(step, sim, suite):
    run = step("group: Platform", "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code == 0, run.result_message
    rows = [line for line in run.outputs["TrainPlan"].splitlines()[2:]]
    assert sorted(row.split(" | ")[0].lstrip("| ") for row in rows) == sorted(CHILDREN)
    assert all(row.split(" | ")[1] == "1" for row in rows)
    assert run.outputs["TrainOutcome"] == "WhatIf"
    assert all(ds == [] for ds in made(sim, suite).values())


def test_auto_approval_and_enhanced_logging_serve_every_child_under_its_name(step, sim, suite):
    from octopus_sim import InterruptionPlan
    for name in ("Web API", "Scheduling Service"):
        sim.world.set_task_script(suite.projects[name], TaskScript(
            run_seconds=20, log_lines=["{0} is being deployed".format(name)], interruptions=[
                InterruptionPlan("ManualIntervention", at_seconds=2,
                                 responsible_team_ids=[suite.approvers.id],
                                 title="Approve " + name)]))
    run = step("Web API, Scheduling Service", "Production", **{
        "ManualIntervention.EnvironmentToUse": "Prod Approval", "EnableEnhancedLogging.Value": "Yes"})
    assert run.exit_code == 0, run.result_message
    for name in ("Web API", "Scheduling Service"):
        [deployment] = created_deployments(sim, suite, name, "Production")
        [interruption] = sim.world.interruptions_regarding(deployment.task_id)
        assert interruption.values["Result"] == "Proceed"
        assert '[{0}] Approved "Approve {0}"'.format(name) in run.text()
        assert "[{0}] |  {0} is being deployed".format(name) in run.text()


def test_each_child_has_its_own_timeout_and_a_running_one_is_attached_to(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=600))
    running = sim.world.add_deployment(suite.releases[("Scheduling Service", "2021.1.1.1")],
                                       suite.environments["Production"], state="Executing")
    run = step("Web API, Scheduling Service", "Production", **{
        "CancelDeployment.Seconds": "120", "Train.OnFailure": "Continue"})
    assert run.exit_code != 0
    children = each_child(run.outputs)
    assert children["Web API"]["ChildOutcome"] == "TimedOut"
    [web_api] = made(sim, suite)["Web API"]
    assert task(sim, web_api).state in ("Cancelling", "Canceled")
    assert children["Scheduling Service"]["ChildDeploymentId"] == running.id
    assert [d.id for d in made(sim, suite)["Scheduling Service"]] == [running.id]


def test_a_pin_the_lifecycle_refuses_is_a_planning_problem(step, sim, suite):
    run = step(SUITE, "Production", **{"Train.PinnedVersions": "Web API::2021.1.1.2"})
    assert run.exit_code != 0
    assert all(ds == [] for ds in made(sim, suite).values())
    assert "Web API" in run.result_message and "2021.1.1.2" in run.result_message


def test_an_unknown_project_group_fails_with_the_train_outputs_set(step, sim, suite):
    run = step("Database\ngroup: Platfrom", "Production")
    assert run.exit_code != 0
    assert "Platfrom" in run.result_message
    assert run.outputs["TrainOutcome"] == "Failed"
    assert run.outputs["TrainOutcomeReason"] == ("Nothing was deployed: 1 problem(s) stopped "
                                                 "the plan.")     # the problems: in the log
    assert run.outputs["TrainManifest"] == '{"Database": "2021.1.0.1"}'   # runs now
    assert "| Database | 1 | 2021.1.0.1 |" in run.outputs["TrainPlan"]
    assert all(ds == [] for ds in made(sim, suite).values())


def test_sigterm_while_planning_deploys_nothing_and_still_sets_the_train_outputs(step, sim, suite):
    hold = sim.faults.hold(methods=("GET",), path_contains="/deployments/preview/", after_apply=True)
    running = step.start(SUITE, "Production")
    assert hold.wait_until_held(30), "the train never previewed a child"
    running.send_signal(signal.SIGTERM)
    hold.release()
    run = running.finish(timeout=60)
    assert run.exit_code != 0 and run.stderr == ""
    assert all(ds == [] for ds in made(sim, suite).values())
    assert run.outputs["TrainOutcome"] == "Failed"
    assert "cancelled (signal" in run.outputs["TrainOutcomeReason"]


@pytest.mark.parametrize("destination", ["Test", "Production"])
def test_each_child_of_a_train_is_decided_as_the_same_child_alone(step, sim, suite, destination):
    """The shared reads change what is requested, never what is decided or said about a child."""
    what_if = {"WhatIf.Value": "Yes"}
    train = each_child(step(SUITE, destination, **what_if).outputs)
    for name in CHILDREN:
        alone = step(name, destination, **what_if)
        mine = {k: v for k, v in alone.outputs.items() if k in train[name]}
        assert train[name] == mine, name
        assert "has been deployed" not in alone.text() or [
            line for line in alone.text().splitlines() if "has been deployed" in line][0] in \
            step.runs[0].text().replace("[{0}] ".format(name), ""), name
