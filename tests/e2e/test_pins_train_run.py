"""Pins for the release train's acting side, end to end on the built body: a child whose create
call is refused in a later wave, and the line each running child says when its wait begins. The
sample suite as in test_train.py."""

import re
import signal
import time

from test_train import each_child, made
from octopus_sim import TaskScript

SUITE = "Database\nWeb API\nWeb UI"


def test_a_create_refused_in_wave_two_is_that_childs_error_and_the_train_stops(step, sim, suite):
    sim.world.add_deployment(suite.releases[("Database", "2021.1.1.1")],
                             suite.environments["Production"])     # wave 1 creates nothing
    sim.faults.fail_next(status=400, methods=("POST",), path_contains="/deployments")
    run = step(SUITE, "Production")
    assert run.exit_code != 0 and run.stderr == ""
    children = each_child(run.outputs)
    assert children["Database"]["ChildOutcome"] == "AlreadyDeployed"
    web_api = children["Web API"]
    assert web_api["ChildOutcome"] == "Error"
    assert "400" in web_api["ChildOutcomeReason"]
    assert web_api["ReleaseToPromote"] == "2021.1.1.1"
    assert children["Web UI"]["ChildOutcome"] == "NotStarted"
    assert "stopped after a child failed" in children["Web UI"]["ChildOutcomeReason"]
    assert made(sim, suite)["Web API"] == [] and made(sim, suite)["Web UI"] == []
    assert run.outputs["TrainOutcome"] == "Failed"
    assert "Web API" in run.outputs["TrainOutcomeReason"]


def test_each_running_child_of_a_train_says_once_what_it_waits_for_and_how_long(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=20))
    run = step("Web API, Web UI", "Production", **{"CancelDeployment.Seconds": "900"})
    assert run.exit_code == 0, run.result_message
    for name in ("Web API", "Web UI"):
        said = re.findall(r"\[{0}\] Waiting for {0} 2021\.1\.1\.1 in Production \(up to 900 s\)\."
                          .format(name), run.text())
        assert len(said) == 1, name


def test_the_log_says_what_is_planned_and_the_outcome_table_gives_each_childs_own_reason(
        step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(
        run_seconds=5, outcome="Failed", error_message="Step 1 failed"))
    run = step(SUITE, "Production", **{"Train.OnFailure": "Continue"})
    assert run.exit_code != 0
    text = run.text()
    assert "Planning the release train: 3 children in 3 waves to Production." in text
    outcome = text[text.index("The train's outcome"):]
    children = each_child(run.outputs)
    for name in ("Web API", "Web UI"):
        reason = " ".join(children[name]["ChildOutcomeReason"].split()).replace("|", "\\|")
        [row] = [line for line in outcome.splitlines() if line.lstrip().startswith(
            "| {0} |".format(name))][:1]
        assert row.rstrip().endswith("| {0} |".format(reason)), (row, reason)
    assert "Step 1 failed" in children["Web API"]["ChildOutcomeReason"]


def test_a_step_told_to_stop_while_a_later_child_is_planned_ends_without_waiting_for_that_read(
        step, sim, suite):
    """The planning threads are daemons: a step told to stop publishes and ends at once, while a
    planning read of a later child is still unanswered (a thread that is not a daemon would keep
    the process alive until that read ended)."""
    later = "deploymentprocess-" + suite.projects["Scheduling Service"].id
    hold = sim.faults.hold(methods=("GET",), path_contains=later, after_apply=True)
    running = step.start("Database\nWeb API, Scheduling Service\nWeb UI", "Production")
    assert hold.wait_until_held(30), "the train never planned Scheduling Service"
    sent = time.monotonic()
    running.send_signal(signal.SIGTERM)
    try:
        run = running.finish(timeout=20)
    finally:
        hold.release(answer=False)
    assert time.monotonic() - sent < 15
    assert run.exit_code != 0 and run.stderr == ""
    assert run.outputs["TrainOutcome"] == "Failed"
    assert "cancelled (signal" in run.outputs["TrainOutcomeReason"]
    assert all(ds == [] for ds in made(sim, suite).values())


def test_children_deployed_one_at_a_time_each_get_their_whole_wait(step, sim, suite):
    """Four children in one wave, one at a time, each running 500 s of a 600 s *Wait for
    Deployment*: 2,000 s in all, more than one wait per wave or the planning's own time (one
    wait, the margin and ten minutes). The step's time is set from the plan (four rounds), so
    no child is cut short."""
    for name in ("Database", "Web API", "Scheduling Service", "Web UI"):
        sim.world.set_task_script(suite.projects[name], TaskScript(run_seconds=500))
    run = step("Database, Web API, Scheduling Service, Web UI", "Production",
               **{"Train.Parallelism": "1", "CancelDeployment.Seconds": "600"})
    assert run.exit_code == 0, run.result_message
    children = each_child(run.outputs)
    assert {c["ChildOutcome"] for c in children.values()} == {"Deployed"}
    assert run.outputs["TrainOutcome"] == "Deployed"
    tasks = sorted((sim.world.task_of(d) for ds in made(sim, suite).values() for d in ds),
                   key=lambda t: t.start_time)
    assert len(tasks) == 4 and all(      # one at a time: each starts after the one before ended
        later.start_time >= earlier.completed_time for earlier, later in zip(tasks, tasks[1:]))


def test_each_stage_and_the_trains_end_are_highlighted(step, sim, suite):
    run = step("Database\nWeb API, Scheduling Service\nWeb UI", "Production")
    assert run.exit_code == 0, run.result_message
    highlighted = run.text("highlight")
    assert "Wave 2 of 3: Web API, Scheduling Service." in highlighted
    assert run.outputs["TrainOutcomeReason"] in highlighted


def test_children_of_the_wave_not_yet_started_when_one_fails_are_not_started(step, sim, suite):
    """One wave, one child at a time: Database fails, so Web API and Web UI never start; they
    say why, and that no release of theirs is to be deployed; the failure is a warning."""
    sim.world.set_task_script(suite.projects["Database"], TaskScript(
        run_seconds=5, outcome="Failed", error_message="Step 1 failed"))
    run = step("Database, Web API, Web UI", "Production", **{"Train.Parallelism": "1"})
    assert run.exit_code != 0
    children = each_child(run.outputs)
    assert children["Database"]["ChildOutcome"] == "Failed"
    for name in ("Web API", "Web UI"):
        assert children[name]["ChildOutcome"] == "NotStarted"
        assert children[name]["ChildOutcomeReason"] == (
            "Not deployed: the train stopped after a child failed.")
        assert children[name]["ChildReleaseToDeploy"] == "False"
        assert made(sim, suite)[name] == []
    assert "[Database] " in run.text("warning") and "Step 1 failed" in run.text("warning")


def test_a_roll_back_octopus_refuses_is_that_childs_roll_back_error_with_the_answer(
        step, sim, suite):
    """Web UI fails, so the train rolls back; Database's way back is refused (400 on the
    preview of the release it ran before): said as a warning, and its roll back outputs say
    Error with Octopus's answer."""
    sim.world.set_task_script(suite.projects["Web UI"], TaskScript(
        run_seconds=5, outcome="Failed", error_message="Step 1 failed"))
    before = suite.releases[("Database", "2021.1.0.1")].id
    sim.faults.fail_next(status=400, methods=("GET",),
                         path_contains="releases/{0}/deployments/preview".format(before))
    run = step("Database\nWeb UI", "Production", **{"Train.OnFailure": "RollBack"})
    assert run.exit_code != 0
    assert "Rolling back what this train changed." in run.text("highlight")
    database = each_child(run.outputs)["Database"]
    assert database["ChildRollBackOutcome"] == "Error"
    assert "400" in database["ChildRollBackReason"]
    assert "[Database] Octopus answered 400" in run.text("warning")
    assert run.outputs["TrainOutcome"] == "RollBackIncomplete"


def test_a_train_with_nothing_to_deploy_succeeds(step, sim, suite):
    first = step("Database\nWeb UI", "Production")
    assert first.exit_code == 0, first.result_message
    again = step("Database\nWeb UI", "Production")
    assert again.outputs["TrainOutcome"] == "NothingToDeploy"
    assert again.exit_code == 0, again.result_message
