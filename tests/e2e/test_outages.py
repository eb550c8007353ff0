"""Waiting through a hostile Octopus (docs/design.md, the failure model, 3) and outputs on every path (4)."""

import pytest

from child_deploy.acting.delivery import Follow
from child_deploy.base.terminal import RecordingHost
from child_deploy.shell.runner import BUG_MESSAGE, run
from e2e_steps import created_deployments
from octopus_sim import StepClock, TaskScript


def outage_after_polls(sim, polls, seconds, mode):
    """A StepClock that starts an outage of `seconds` once the step has slept `polls` times."""
    clock = StepClock(sim.clock)
    plain = clock.sleep

    def sleep(wanted):
        plain(wanted)
        if len(clock.sleeps) == polls:
            sim.faults.outage(seconds, mode=mode)

    clock.sleep = sleep
    return clock


@pytest.mark.parametrize("mode", ["drop", "503"])
def test_a_five_minute_outage_inside_a_long_wait_is_waited_out(step, sim, suite, mode):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=900))
    host = RecordingHost(step.variables("Web API", "Staging"))
    code = run(host, clock=outage_after_polls(sim, 5, 300, mode))
    assert code == 0, host.failure
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert host.outputs["ChildOutcome"] == "Deployed"
    assert host.outputs["ChildDeploymentId"] == deployment.id
    assert "still waiting" in host.text("verbose")
    assert [r for r in sim.requests if r.fault == "outage"]


def test_an_outage_longer_than_the_wait_ends_at_the_deadline_honestly(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=900))
    host = RecordingHost(step.variables("Web API", "Staging", **{"CancelDeployment.Seconds": "300"}))
    began = sim.clock.now()
    code = run(host, clock=outage_after_polls(sim, 3, 5000, "drop"))
    assert code == 1
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert host.outputs["ChildOutcome"] == "TimedOut"
    assert host.outputs["ChildDeploymentId"] == deployment.id
    assert "not cancelled" in host.failure
    assert (sim.clock.now() - began).total_seconds() <= 300 + 30


def test_one_odd_answer_while_waiting_costs_one_poll(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=30))
    sim.faults.odd_shape(count=1, path_contains="/tasks/ServerTasks-", shape=[{"State": "Success"}])
    run_ = step("Web API", "Staging")
    assert run_.exit_code == 0, run_.result_message
    assert run_.outputs["ChildOutcome"] == "Deployed"
    assert "with an array where a JSON object was expected" in run_.text("verbose")
    assert [r for r in sim.requests if r.fault == "odd-shape"]


def test_odd_answers_until_the_deadline_still_name_the_child(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=900))
    sim.faults.odd_shape(count=10 ** 6, path_contains="/tasks/ServerTasks-", shape=[])
    run_ = step("Web API", "Staging", **{"CancelDeployment.Seconds": "60"})
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run_.outputs["ChildOutcome"] == "TimedOut", run_.result_message
    assert run_.outputs["ChildDeploymentId"] == deployment.id
    assert run_.outputs["ChildDeploymentUrl"].endswith(deployment.id)
    assert sim.world.task_of(deployment).state in ("Cancelling", "Canceled")


def test_a_broken_activity_log_answer_keeps_the_child_in_the_outputs(step, sim, suite):
    """Enhanced logging reads tasks/{id}/details; an array there must not hide the child."""
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=30))
    sim.faults.odd_shape(count=1, path_contains="/details", shape=[])
    run_ = step("Web API", "Staging", **{"EnableEnhancedLogging.Value": "Yes"})
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run_.outputs["ChildDeploymentId"] == deployment.id
    assert run_.outputs["ChildServerTaskId"] == deployment.task_id
    assert run_.stderr == ""


def test_a_bug_while_waiting_still_publishes_the_child(step, sim, suite, monkeypatch):
    def broken(self, task):
        raise ZeroDivisionError("a simulated bug")

    monkeypatch.setattr(Follow, "on_poll", broken)
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=30))
    host = RecordingHost(step.variables("Web API", "Staging"))
    assert run(host, clock=StepClock(sim.clock)) == 1
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert host.failure == BUG_MESSAGE
    assert host.outputs["ChildOutcome"] == "Error"
    assert host.outputs["ChildDeploymentId"] == deployment.id
    assert host.outputs["ChildServerTaskId"] == deployment.task_id
    assert host.outputs["ReleaseToPromote"] == "2021.1.1.2"
