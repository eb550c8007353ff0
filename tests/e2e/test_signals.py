"""SIGTERM and SIGINT at any moment (docs/design.md, the failure model, 8), on the built body in a subprocess.

The moment is made deterministic by holding one request in the simulator: the test sends the
signal while that request is held. Exit time is measured in real seconds; simulated waits are
covered by the virtual clock, so the simulated time the step spent after the signal is checked
too.
"""

import signal
import time

import pytest

from e2e_steps import created_deployments
from octopus_sim import TaskScript

EXIT_SECONDS = 15


def cancels(sim):
    return [r for r in sim.requests if r.method == "POST" and r.path.endswith("/cancel")]


def stop_while_held(running, hold, signum=signal.SIGTERM, release=True):
    """Send `signum` once `hold` holds its request; return (StepRun, real seconds to exit)."""
    assert hold.wait_until_held(30), "the step never reached the held request"
    sent = time.monotonic()
    running.send_signal(signum)
    if release:
        hold.release()
    run = running.finish(timeout=60)
    return run, time.monotonic() - sent


def assert_clean_exit(run, seconds):
    assert run.exit_code != 0
    assert run.stderr == ""
    assert seconds < EXIT_SECONDS
    assert run.outputs["ChildOutcome"] == "Canceled"
    assert "cancelled (signal" in run.outputs["ChildOutcomeReason"]


def test_a_signal_before_the_create_call_publishes_and_creates_nothing(step, sim, suite):
    hold = sim.faults.hold(methods=("GET",), path_contains="states=Queued", after_apply=True)
    run, seconds = stop_while_held(step.start("Web API", "Staging"), hold, signal.SIGINT)
    assert_clean_exit(run, seconds)
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    assert run.outputs["ChildDeploymentId"] == ""
    assert created_deployments(sim, suite, "Web API", "Staging") == []


def test_a_signal_during_the_create_call_cancels_what_it_created_once(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=600))
    hold = sim.faults.hold(methods=("POST",), path_contains="/deployments", after_apply=True)
    run, seconds = stop_while_held(step.start("Web API", "Staging"), hold, release=False)
    hold.release(answer=False)
    assert_clean_exit(run, seconds)
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run.outputs["ChildDeploymentId"] == deployment.id
    assert len(cancels(sim)) == 1
    assert sim.world.task_of(deployment).state in ("Cancelling", "Canceled")


def test_a_signal_during_a_create_call_that_never_arrived_leaves_nothing(step, sim, suite):
    hold = sim.faults.hold(methods=("POST",), path_contains="/deployments", after_apply=False)
    run, seconds = stop_while_held(step.start("Web API", "Staging"), hold, release=False)
    hold.release(answer=False)
    assert_clean_exit(run, seconds)
    assert run.outputs["ChildDeploymentId"] == ""
    assert created_deployments(sim, suite, "Web API", "Staging") == [] and cancels(sim) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_waiting_cancels_the_child_once(step, sim, suite, signum):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=600))
    hold = sim.faults.hold(methods=("GET",), path_contains="/tasks/ServerTasks-", after_apply=True)
    run, seconds = stop_while_held(step.start("Web API", "Staging"), hold, signum)
    assert_clean_exit(run, seconds)
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run.outputs["ChildDeploymentId"] == deployment.id
    assert len(cancels(sim)) == 1
    assert "{0} of release 2021.1.1.2 was cancelled.".format(deployment.id) in run.result_message


def test_a_second_signal_does_not_abort_the_cancel(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=600))
    poll = sim.faults.hold(methods=("GET",), path_contains="/tasks/ServerTasks-", after_apply=True)
    cancel = sim.faults.hold(methods=("POST",), path_contains="/cancel", after_apply=False)
    running = step.start("Web API", "Staging")
    assert poll.wait_until_held(30)
    running.send_signal(signal.SIGTERM)
    poll.release()
    assert cancel.wait_until_held(30), "the first signal did not lead to a cancel"
    sent = time.monotonic()
    running.send_signal(signal.SIGTERM)
    running.send_signal(signal.SIGINT)
    time.sleep(0.2)                              # let the signals land while the cancel is held
    cancel.release()
    run = running.finish(timeout=60)
    assert_clean_exit(run, time.monotonic() - sent)
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert len(cancels(sim)) == 1 and not cancels(sim)[0].dropped
    assert sim.world.task_of(deployment).state in ("Cancelling", "Canceled")
    assert "was cancelled." in run.result_message


def test_a_signal_during_the_timeout_cancel_lets_that_cancel_finish(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(queue_seconds=3600))
    cancel = sim.faults.hold(methods=("POST",), path_contains="/cancel", after_apply=False)
    running = step.start("Web API", "Staging", **{"CancelDeployment.Seconds": "30"})
    run, seconds = stop_while_held(running, cancel)
    assert run.stderr == "" and seconds < EXIT_SECONDS and run.exit_code != 0
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run.outputs["ChildDeploymentId"] == deployment.id
    assert len(cancels(sim)) == 1
    assert sim.world.task_of(deployment).state == "Canceled"


def test_an_attached_deployment_is_never_cancelled_by_a_signal(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=600))
    first = step("Web API", "Staging", **{"WaitForFinish.Value": "No"})
    hold = sim.faults.hold(methods=("GET",), path_contains="/tasks/ServerTasks-", after_apply=True)
    run, seconds = stop_while_held(step.start("Web API", "Staging"), hold)
    assert_clean_exit(run, seconds)
    assert run.outputs["ChildDeploymentId"] == first.outputs["ChildDeploymentId"]
    assert cancels(sim) == []
    assert "left running: this step did not create it" in run.result_message


def test_cancels_answered_503_do_not_keep_a_stopped_step_for_a_minute(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=600))
    sim.faults.fail_next(count=1000, status=503, methods=("POST",), path_contains="/cancel")
    hold = sim.faults.hold(methods=("GET",), path_contains="/tasks/ServerTasks-", after_apply=True)
    running = step.start("Web API", "Staging")
    assert hold.wait_until_held(30)
    simulated = sim.clock.now()
    run, seconds = stop_while_held(running, hold)
    assert_clean_exit(run, seconds)
    assert (sim.clock.now() - simulated).total_seconds() < EXIT_SECONDS
    assert "was not cancelled, because cancelling failed" in run.result_message


def test_a_cancel_that_worked_but_answered_503_is_reported_as_cancelled(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=600))
    sim.faults.fail_after_apply(count=1000, status=503, methods=("POST",), path_contains="/cancel")
    hold = sim.faults.hold(methods=("GET",), path_contains="/tasks/ServerTasks-", after_apply=True)
    run, seconds = stop_while_held(step.start("Web API", "Staging"), hold)
    assert_clean_exit(run, seconds)
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert sim.world.task_of(deployment).state in ("Cancelling", "Canceled")
    assert "of release 2021.1.1.2 was cancelled." in run.result_message
