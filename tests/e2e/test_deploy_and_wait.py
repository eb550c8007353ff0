"""Creating the child deployment and waiting for it, end to end on the simulated clock."""

import os
import signal

import pytest

from child_deploy.base.terminal import RecordingHost
from child_deploy.shell.runner import run
from e2e_steps import SIM_KEY, created_deployments
from octopus_sim import InterruptionPlan, StepClock, TaskScript


def machine_ids(suite, *names):
    return ",".join(suite.machines[name].id for name in names)


@pytest.mark.parametrize("project,expected", [
    ("Scheduling Service", ["s-app-service-01"]), ("Web API", ["s-web-api-01"]),
    ("Database", None), ("Web UI", None)])
def test_dynamic_infrastructure_redeploys_only_to_the_rebuilt_targets(step, sim, suite, project, expected):
    """The blog's scenario: s-web-api-01 and s-app-service-01 were rebuilt and the parent redeployed."""
    rebuilt = machine_ids(suite, "s-web-api-01", "s-app-service-01")
    run = step(project, "Staging", system={"Octopus.Deployment.SpecificMachines": rebuilt,
                                           "Octopus.Deployment.Machines": rebuilt},
               **{"DeploymentMode.Value": "Redeploy"})
    assert run.exit_code == 0, run.result_message
    made = created_deployments(sim, suite, project, "Staging")
    if expected is None:
        assert made == []
        assert run.outputs["ChildOutcome"] == "MachineMismatch"
        assert run.outputs["ChildReleaseToDeploy"] == "False"
        assert "is skipped" in run.outputs["ChildOutcomeReason"]
        return
    [deployment] = made
    assert [sim.world.get(m).name for m in deployment.specific_machine_ids] == expected
    assert run.outputs["ChildOutcome"] == "Deployed"


def test_mismatch_ignored_deploys_to_every_target(step, sim, suite):
    run = step("Web UI", "Staging", system={"Octopus.Deployment.SpecificMachines": machine_ids(
        suite, "s-web-api-01")}, **{"DeploymentMode.Value": "Redeploy",
                                    "Deployment.IgnoreSpecificMachineMismatch": "Yes"})
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web UI", "Staging")
    assert deployment.specific_machine_ids == []


def test_specific_deployment_target_parameter_by_name(step, sim, suite):
    run = step("Web API", "Staging", **{"Target.MachineNames": "S-WEB-API-02"})
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert deployment.specific_machine_ids == [suite.machines["s-web-api-02"].id]


def test_unknown_target_name_fails_before_deploying(step, sim, suite):
    run = step("Web API", "Staging", **{"Target.MachineNames": "s-web-api-9"})
    assert run.exit_code != 0
    assert "s-web-api-9" in run.result_message and "Specific Deployment Target" in run.result_message
    assert created_deployments(sim, suite, "Web API", "Staging") == []


def test_a_second_run_attaches_to_the_running_deployment(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=120))
    first = step("Web API", "Staging", **{"WaitForFinish.Value": "No"})
    assert first.outputs["ChildOutcome"] == "Started"
    second = step("Web API", "Staging")
    assert second.exit_code == 0, second.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert second.outputs["ChildDeploymentId"] == first.outputs["ChildDeploymentId"] == deployment.id
    assert "is already queued or running; using it instead of creating another" in second.text()
    assert sim.world.task_of(deployment).state == "Success"


def test_a_lost_create_response_leaves_exactly_one_deployment(step, sim, suite):
    sim.faults.drop_connection(count=1, methods=("POST",), path_contains="/deployments", after_apply=True)
    run = step("Web API", "Staging")
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run.outputs["ChildDeploymentId"] == deployment.id
    assert "checking whether Octopus created the deployment" in run.text("verbose")


def test_a_create_call_dropped_before_it_arrived_is_made_once_more(step, sim, suite):
    sim.faults.drop_connection(count=1, methods=("POST",), path_contains="/deployments", after_apply=False)
    run = step("Web API", "Staging")
    assert run.exit_code == 0, run.result_message
    assert len(created_deployments(sim, suite, "Web API", "Staging")) == 1


@pytest.mark.parametrize("cancel,state", [("Yes", "Canceled"), ("No", "Queued")])
def test_a_child_stuck_in_the_queue_times_out(step, sim, suite, cancel, state):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(queue_seconds=3600))
    run = step("Web API", "Staging", **{"CancelDeployment.Seconds": "60",
                                       "CancelDeployment.OnTimeout": cancel})
    assert run.exit_code != 0
    assert "Web API 2021.1.1.2 in Staging was still Queued after 60 s" in run.result_message
    assert "/tasks/ServerTasks-" in run.result_message
    assert run.outputs["ChildOutcome"] == "TimedOut"
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert sim.world.task_of(deployment).state == state
    assert 60 <= (sim.clock.now() - deployment.created).total_seconds() <= 70


def test_a_child_finishing_fast_is_noticed_within_a_second(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=0.3))
    run = step("Web API", "Staging")
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    elapsed = (sim.clock.now() - deployment.created).total_seconds()
    assert elapsed <= 1.0, elapsed


@pytest.mark.parametrize("run_seconds", [0.3, 3.0])
def test_a_short_child_is_noticed_within_a_second(step, sim, suite, run_seconds):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=run_seconds))
    run = step("Web API", "Staging")
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    finished = sim.world.task_of(deployment).completed_time
    assert (sim.clock.now() - finished).total_seconds() <= 1.0


def test_losing_octopus_while_waiting_still_publishes_which_child_it_was(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=60))
    sim.faults.fail_next(count=1000, status=500, methods=("GET",), path_contains="/tasks/ServerTasks-")
    run = step("Web API", "Staging")
    assert run.exit_code != 0
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run.outputs["ChildOutcome"] == "Unknown"
    assert run.outputs["ChildDeploymentId"] == deployment.id
    assert "it may still be running" in run.result_message


def test_a_long_child_is_polled_no_more_often_than_every_five_seconds(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=600))
    run = step("Web API", "Staging")
    assert run.exit_code == 0, run.result_message
    polls = sim.request_counts()["GET /api/{space}/tasks/{id}"]
    assert 600 / 5 <= polls <= 600 / 5 + 10


def test_a_failed_child_fails_the_step_with_a_link(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(outcome="Failed",
                                                                     error_message="Disk full"))
    run = step("Web API", "Staging")
    assert run.exit_code != 0
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert "Web API 2021.1.1.2 in Staging ended Failed: Disk full" in run.result_message
    assert "/app#/Spaces-1/tasks/" + deployment.task_id in run.result_message
    assert run.outputs["ChildOutcome"] == "Failed"
    assert run.outputs["ChildServerTaskId"] == deployment.task_id
    assert run.outputs["ChildDeploymentUrl"].endswith(deployment.id)


def test_enhanced_logging_prints_each_child_line_once_under_its_step(step, sim, suite):
    lines = ["Acquiring package WebAPI", "Extracting", "Configuring IIS", "Warming up"]
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=30, log_lines=lines))
    run = step("Web API", "Staging", **{"EnableEnhancedLogging.Value": "Yes"})
    assert run.exit_code == 0, run.result_message
    printed = [text for _level, text in run.lines]
    for line in lines:
        assert printed.count("|  " + line) == 1, line
    assert "+- Step 1: Deploy Web API / s-web-api-01" in printed
    assert printed.index("|  The deployment completed successfully.") > printed.index("|  Warming up")
    assert printed[printed.index("|  The deployment completed successfully.") - 1] == "+- Deployment"


def test_waiting_for_a_person_is_said_loudly_only_every_fifty_seconds(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=10, interruptions=[
        InterruptionPlan("ManualIntervention", at_seconds=1)]))
    run = step("Web API", "Staging", **{
        "ManualInterventions.UseApprovalsFromParent": "No", "CancelDeployment.Seconds": "200"})
    assert run.outputs["ChildOutcome"] == "TimedOut"
    loud = run.text("warning").count("is waiting for a person")
    assert 3 <= loud <= 5, loud
    assert run.text("verbose").count("is waiting for a person") > loud
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    [interruption] = sim.world.interruptions_regarding(deployment.task_id)
    assert interruption.values.get("Result") is None and interruption.responsible_user_id is None


def test_prompted_variables_keep_everything_after_the_first_separator(step, sim, suite):
    run = step("Web UI", "Staging", **{"DeploymentMode.Value": "Redeploy",
                                      "Prompted.Variables": "webui.bannertext::Maintenance::tonight"})
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web UI", "Staging")
    assert list(deployment.form_values.values()) == ["Maintenance::tonight"]


def test_skip_steps_and_force_package_download_reach_the_deployment(step, sim, suite):
    run = step("Web API", "Staging", **{"Deployment.SkipSteps": "Deploy Web API",
                                       "Deployment.ForcePackageDownload": "Yes"})
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert len(deployment.skip_actions) == 1 and deployment.force_package_download


def test_refreshes_the_variable_snapshot_only_when_variables_changed(step, sim, suite):
    unchanged = step("Web API", "Staging", **{"RefreshVariableSnapShots.Option": "Yes"})
    assert "snapshot is kept" in unchanged.text()
    assert sim.request_counts()["POST /api/{space}/releases/{id}/snapshot-variables"] == 0
    sim.world.modify_variables(suite.projects["Web API"])
    changed = step("Web API", "Production", parent_environment="Production",
                   **{"RefreshVariableSnapShots.Option": "Yes", "SourceEnvironment.Name": "Test",
                      "Release.Number": "2021.1.1.2"})
    assert changed.exit_code == 0, changed.result_message
    assert sim.request_counts()["POST /api/{space}/releases/{id}/snapshot-variables"] == 1


def test_scheduled_deployment_is_created_for_the_utc_instant_and_not_waited_for(step, sim, suite):
    run = step("Web API", "Staging", **{"Deployment.FutureTime": "2026-11-20 19:00 Europe/London",
                                       "Deployment.FutureTimeExpiry.Minutes": "30"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Scheduled"
    assert "2026-11-20 19:00:00 UTC" in run.text()
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert deployment.queue_time.isoformat().startswith("2026-11-20T19:00:00")
    assert (deployment.queue_time_expiry - deployment.queue_time).total_seconds() == 30 * 60
    assert sim.world.task_of(deployment).state == "Queued"


@pytest.mark.parametrize("value", ["2026-11-19 19:00 Europe/London", "next thursday-ish", "25:00",
                                   "2026-11-23 19:00 EST"])
def test_a_past_or_unreadable_schedule_is_refused_before_anything_is_deployed(step, sim, suite, value):
    run = step("Web API", "Staging", **{"Deployment.FutureTime": value})
    assert run.exit_code != 0 and run.stderr == ""
    assert '"Scheduling"' in run.result_message and value in run.result_message
    assert not [r for r in sim.requests if r.method != "GET"]


def test_sigterm_while_waiting_cancels_the_child_this_step_created(sim, suite, step):
    """In-process: the step is told to stop (SIGTERM) on its third poll interval."""
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=300))
    clock = StepClock(sim.clock)
    original_sleep = clock.sleep

    def sleep_then_terminate(seconds):
        original_sleep(seconds)
        if len(clock.sleeps) == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    clock.sleep = sleep_then_terminate
    host = RecordingHost(step.variables("Web API", "Staging"))
    code = run(host, clock=clock)
    assert code == 1
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert "cancelled (signal" in host.failure
    assert "deployment {0} of release 2021.1.1.2 was cancelled.".format(deployment.id) in host.failure
    sim.clock.advance(5)
    sim.world.tick()
    assert sim.world.task_of(deployment).state == "Canceled"
    assert host.outputs["ChildOutcome"] == "Canceled"
    assert SIM_KEY not in host.text() + host.failure
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_the_timeout_of_an_attached_deployment_counts_from_its_creation(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(queue_seconds=3600))
    first = step("Web API", "Staging", **{"WaitForFinish.Value": "No"})
    sim.clock.advance(50)
    second = step("Web API", "Staging", **{"CancelDeployment.Seconds": "60"})
    assert second.outputs["ChildOutcome"] == "TimedOut"
    assert second.outputs["ChildDeploymentId"] == first.outputs["ChildDeploymentId"]
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert 60 <= (sim.clock.now() - deployment.created).total_seconds() <= 65


def test_someone_elses_scheduled_deployment_is_neither_joined_nor_cancelled(step, sim, suite):
    from datetime import timedelta
    world = sim.world
    release = suite.releases[("Web API", "2021.1.1.2")]
    tomorrow = sim.clock.now() + timedelta(days=1)
    planned = world.add_deployment(release, suite.environments["Staging"], state="Queued")
    world.task_of(planned).queue_time = world.task_of(planned).not_before = tomorrow
    planned.queue_time = tomorrow
    run = step("Web API", "Staging")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed"
    [mine] = [d for d in created_deployments(sim, suite, "Web API", "Staging") if d.id != planned.id]
    assert run.outputs["ChildDeploymentId"] == mine.id
    world.tick()
    assert world.task_of(planned).state == "Queued"


def test_an_attached_deployment_is_not_cancelled_on_timeout(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(queue_seconds=3600))
    first = step("Web API", "Staging", **{"WaitForFinish.Value": "No"})
    second = step("Web API", "Staging", **{"CancelDeployment.Seconds": "30"})
    assert second.outputs["ChildDeploymentId"] == first.outputs["ChildDeploymentId"]
    assert "left running: this step did not create it" in second.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert sim.world.task_of(deployment).state == "Queued"


def test_a_running_deployment_to_other_targets_is_not_joined(step, sim, suite):
    """A rebuilt s-web-api-02 needs its own deployment even while s-web-api-01's is running."""
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=120))
    one = step("Web API", "Staging", **{"Target.MachineNames": "s-web-api-01", "WaitForFinish.Value": "No"})
    two = step("Web API", "Staging", **{"Target.MachineNames": "s-web-api-02", "WaitForFinish.Value": "No"})
    assert one.outputs["ChildDeploymentId"] != two.outputs["ChildDeploymentId"]
    made = created_deployments(sim, suite, "Web API", "Staging")
    assert sorted(sim.world.get(d.specific_machine_ids[0]).name for d in made) == ["s-web-api-01",
                                                                                  "s-web-api-02"]


def test_a_create_committed_after_its_answer_was_lost_is_found_not_repeated(sim, suite, step):
    """In-process: the POST's answer times out and the server commits it a second later."""
    import requests

    class LateCommit(requests.Session):
        pending = None

        def request(self, method, url, **kwargs):
            if method == "POST" and url.endswith("/deployments") and self.pending is None:
                self.pending = (method, url, kwargs)
                raise requests.exceptions.ReadTimeout("read timed out")
            return super().request(method, url, **kwargs)

    session, clock = LateCommit(), StepClock(sim.clock)
    plain_sleep = clock.sleep

    def sleep_and_commit(seconds):
        plain_sleep(seconds)
        if seconds >= 1 and session.pending:
            method, url, kwargs = session.pending
            session.pending = ()
            requests.Session.request(session, method, url, **kwargs)

    clock.sleep = sleep_and_commit
    host = RecordingHost(step.variables("Web API", "Staging", **{"WaitForFinish.Value": "No"}))
    assert run(host, clock=clock, session=session) == 0, host.failure
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert host.outputs["ChildDeploymentId"] == deployment.id
    assert "Octopus had created deployment" in host.text()
    assert SIM_KEY not in host.text() + str(host.outputs)


def test_a_failed_cancel_still_publishes_the_timeout(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(queue_seconds=3600))
    sim.faults.fail_next(count=50, status=403, methods=("POST",), path_contains="/cancel")
    run = step("Web API", "Staging", **{"CancelDeployment.Seconds": "30"})
    assert run.outputs["ChildOutcome"] == "TimedOut"
    assert run.outputs["ChildDeploymentId"].startswith("Deployments-")
    assert "was still Queued after 30 s" in run.result_message
    assert "not cancelled, because cancelling failed" in run.result_message


def test_an_error_after_the_release_was_chosen_still_sets_the_outputs(step, sim, suite):
    run = step("Web API", "Staging", **{"Deployment.SkipSteps": "No such step"})
    assert run.exit_code != 0
    assert run.outputs["ChildOutcome"] == "Error"
    assert "No such step" in run.outputs["ChildOutcomeReason"]
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"            # chosen, as v29 says at once
    assert "Work Items" in run.outputs["ReleaseNotes"]
    assert run.outputs["ChildReleaseToDeploy"] == "False"


def test_a_retried_scheduled_step_finds_the_deployment_it_scheduled(step, sim, suite):
    when = {"Deployment.FutureTime": "2026-11-20 19:00 Europe/London"}
    first, second = step("Web API", "Staging", **when), step("Web API", "Staging", **when)
    assert first.outputs["ChildOutcome"] == second.outputs["ChildOutcome"] == "Scheduled"
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert second.outputs["ChildDeploymentId"] == deployment.id
    assert "already scheduled for that time" in second.text()


def test_scheduling_while_the_same_release_runs_schedules_a_new_deployment(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=300))
    running = step("Web API", "Staging", **{"WaitForFinish.Value": "No"})
    later = step("Web API", "Staging", **{"Deployment.FutureTime": "2026-11-20 19:00 Europe/London"})
    assert later.outputs["ChildOutcome"] == "Scheduled"
    assert later.outputs["ChildDeploymentId"] != running.outputs["ChildDeploymentId"]
    scheduled = sim.world.get(later.outputs["ChildDeploymentId"])
    assert scheduled.queue_time.isoformat().startswith("2026-11-20T19:00:00")
