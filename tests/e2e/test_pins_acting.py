"""Pins for the step's acting, on the built body: the progress line of the wait, the child's last
log lines (and the warning when they cannot be read), and where the chosen release was deployed."""

from octopus_sim import TaskScript


def test_each_poll_of_the_wait_is_a_progress_line_against_wait_for_deployment(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=30))
    run = step("Web API", "Staging", **{"CancelDeployment.Seconds": "100"})
    assert run.exit_code == 0, run.result_message
    waits = [(p, m) for p, m in run.progress if " in Staging: " in m]
    assert len(waits) >= 5
    assert all(m.startswith("Web API ") and m.endswith(" s)") for _p, m in waits)
    percents = [p for p, _m in waits]
    assert percents == sorted(percents) and percents[0] <= 2 and 25 <= percents[-1] < 40


def test_last_log_lines_that_cannot_be_read_are_a_warning_and_the_child_still_deployed(
        step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=0,
                                                                    log_lines=["Copied 3 files"]))
    sim.faults.fail_next(count=50, status=403, methods=("GET",), path_contains="/details")
    run = step("Web API", "Staging", **{"EnableEnhancedLogging.Value": "Yes"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed"
    assert "The child's last log lines could not be read: " in run.text("warning")
    assert "|  Copied 3 files" not in run.text()


def test_the_child_s_last_log_lines_are_printed_after_it_ended(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=0,
                                                                    log_lines=["Copied 3 files"]))
    run = step("Web API", "Staging", **{"EnableEnhancedLogging.Value": "Yes"})
    assert run.exit_code == 0, run.result_message
    assert "|  Copied 3 files" in run.text()
    assert "could not be read" not in run.text()


def test_a_what_if_and_a_deployed_child_say_a_child_release_was_to_deploy(step, sim, suite):
    what_if = step("Web API", "Staging", **{"WhatIf.Value": "Yes"})
    assert what_if.outputs["ChildOutcome"] == "WhatIf", what_if.result_message
    assert what_if.outputs["ChildReleaseToDeploy"] == "True"
    deployed = step("Web API", "Staging")
    assert deployed.outputs["ChildOutcome"] == "Deployed", deployed.result_message
    assert deployed.outputs["ChildReleaseToDeploy"] == "True"


def test_the_log_says_where_the_chosen_release_has_been_and_what_it_means_here(step, sim, suite):
    run = step("Web API", "Production", parent_environment="Production")
    assert run.exit_code == 0, run.result_message
    chosen = run.outputs["ReleaseToPromote"]
    assert "Release {0} of Web API has been deployed successfully to ".format(chosen) in \
        run.text("highlight")
    assert "Production runs {0} now: deploying {1} is an upgrade.".format(
        run.outputs["ChildCurrentRelease"], chosen) in run.text("info")


def test_what_the_child_decided_on_its_way_is_in_the_log(step, sim, suite):
    """The targets, guided failure (verbose), a prompted variable the child does not ask for (a
    warning) and the release notes saved as an artifact when asked."""
    run = step("Web API", "Staging", **{"Prompted.Variables": "nosuch.variable::1",
                                       "ReleaseNotes.SaveAsArtifact": "Yes"})
    assert run.exit_code == 0, run.result_message
    assert "The deployment is not limited to specific targets." in run.text("info")
    assert "Guided failure is " in run.text("verbose")
    assert 'The child does not prompt for "nosuch.variable"' in run.text("warning")
    assert [name for _path, name in run.artifacts if name.startswith("Web API")], run.artifacts


def test_a_release_already_deployed_is_said_as_a_highlight(step, sim, suite):
    first = step("Web API", "Staging")
    assert first.exit_code == 0, first.result_message
    again = step("Web API", "Staging")
    assert again.outputs["ChildOutcome"] == "AlreadyDeployed"
    assert again.outputs["ChildOutcomeReason"] in again.text("highlight")


def test_what_if_and_the_child_deployments_link_are_highlighted(step, sim, suite):
    what_if = step("Web API", "Staging", **{"WhatIf.Value": "Yes"})
    assert what_if.outputs["ChildOutcomeReason"] in what_if.text("highlight")
    run = step("Web API", "Staging")
    assert "Child deployment: [{0}](".format(run.outputs["ChildDeploymentId"]) in \
        run.text("highlight")


def test_the_wait_says_what_it_waits_for_and_for_how_long(step, sim, suite):
    run = step("Web API", "Staging", **{"CancelDeployment.Seconds": "900"})
    assert run.exit_code == 0, run.result_message
    assert "Waiting for Web API {0} in Staging (up to 900 s).".format(
        run.outputs["ReleaseToPromote"]) in run.text("info")
    assert run.outputs["ChildOutcomeReason"].endswith(" deployed successfully.")
    assert run.outputs["ChildOutcomeReason"] in run.text("highlight")
