"""Pins for settings, end to end: the documented limits at their edges as a user meets them,
and a JSON prompted value that only looks like an Octopus reference at its end.
"""

import pytest

from e2e_steps import created_deployments


def test_a_json_prompted_value_ending_with_a_brace_reaches_the_child(step, sim, suite):
    value = '{"text": "Back at 7", "level": 2}'
    run = step("Web UI", "Staging", **{"DeploymentMode.Value": "Redeploy",
                                      "Prompted.Variables": "webui.bannertext::" + value})
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web UI", "Staging")
    assert list(deployment.form_values.values()) == [value]


@pytest.mark.parametrize("name, raw, says", [
    ("CancelDeployment.Seconds", "604801", "from 1 to 604800"),
    ("Deployment.FutureTimeExpiry.Minutes", "10081", "from 1 to 10080"),
])
def test_one_past_seven_days_is_refused_before_anything_is_deployed(step, sim, suite, name, raw, says):
    run = step("Web API", "Staging", **{name: raw})
    assert run.exit_code != 0
    assert says in run.result_message and run.outputs["ChildOutcome"] == "Error"
    assert created_deployments(sim, suite, "Web API", "Staging") == []


@pytest.mark.parametrize("name, raw", [
    ("CancelDeployment.Seconds", "604800"), ("Deployment.FutureTimeExpiry.Minutes", "10080"),
    ("Deployment.FutureTimeExpiry.Minutes", "1")])
def test_seven_days_and_one_minute_are_accepted(step, sim, suite, name, raw):
    run = step("Web API", "Staging", **{name: raw})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed"


def test_a_wait_of_one_second_times_out_a_longer_child(step, sim, suite):
    run = step("Web API", "Staging", **{"CancelDeployment.Seconds": "1"})
    assert run.exit_code != 0
    assert run.outputs["ChildOutcome"] == "TimedOut"
