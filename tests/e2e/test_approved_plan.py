"""What was approved is what deploys: the built body, a What-If run's TrainPlanJson fed into the
real run as *Approved plan*, against octopus_sim.

The sample suite to Production: every child would move from its 2021.1.0.x to the 2021.1.1.1
that Staging runs. Between the What If and the real run the world changes the way it does while
an approver reads the plan: a newer release reaches Staging, someone deploys a child by hand.
"""

import json

import pytest

from e2e_steps import created_deployments

SUITE = "Database\nWeb API, Scheduling Service\nWeb UI"
CHILDREN = ("Database", "Web API", "Scheduling Service", "Web UI")
WHAT_IF = {"WhatIf.Value": "Yes"}


def approved_plan(step, project=SUITE, destination="Production"):
    """The What-If step's TrainPlanJson, as Octopus hands it to the next step."""
    run = step(project, destination, system={"Octopus.Action.Name": "Plan suite"}, **WHAT_IF)
    assert run.exit_code == 0, run.result_message
    return run.outputs["TrainPlanJson"]


def made(sim, suite, environment="Production", but=()):
    """{child: versions of the deployments made since the sample history, `but` those}."""
    return {name: [sim.world.get(d.release_id).version for d in created_deployments(
        sim, suite, name, environment) if d.id not in but] for name in CHILDREN}


def reach(sim, suite, project, version, environment):
    """A deployment made outside the step (a newer release promoted, someone by hand)."""
    return sim.world.add_deployment(suite.releases[(project, version)],
                                    suite.environments[environment]).id


def test_what_if_publishes_its_plan_as_json_one_object_per_child(step):
    plan = json.loads(approved_plan(step))
    assert plan[1] == {"Project": "Web API", "Wave": 2, "Current": "2021.1.0.1",
                       "Chosen": "2021.1.1.1", "Planned": "WhatIf"}
    assert [(row["Project"], row["Wave"]) for row in plan] == [
        ("Database", 1), ("Web API", 2), ("Scheduling Service", 2), ("Web UI", 3)]


def test_the_approved_releases_deploy_though_a_newer_one_reached_staging(step, sim, suite):
    plan = approved_plan(step)
    newer = reach(sim, suite, "Web API", "2021.1.1.2", "Staging")
    unbound = step(SUITE, "Production", **WHAT_IF)
    assert "| Web API | 2 | 2021.1.0.1 | 2021.1.1.2 |" in unbound.outputs["TrainPlan"]
    run = step(SUITE, "Production", ApprovedPlan=plan)
    assert run.exit_code == 0, run.result_message
    assert "Every child is as the approved plan showed it." in run.stdout
    assert made(sim, suite) == {name: ["2021.1.1.1"] for name in CHILDREN}
    assert json.loads(run.outputs["TrainManifest"])["Web API"] == "2021.1.1.1"
    assert made(sim, suite, "Staging", but=(newer,))["Web API"] == []


def test_a_child_deployed_by_hand_in_between_deploys_nothing_and_shows_how(step, sim, suite):
    plan = approved_plan(step)
    by_hand = reach(sim, suite, "Web API", "2021.1.1.1", "Production")
    run = step(SUITE, "Production", ApprovedPlan=plan)
    assert run.exit_code != 0 and run.stderr == ""
    assert made(sim, suite, but=(by_hand,)) == {name: [] for name in CHILDREN}
    assert '"Approved plan"' in run.result_message and "Web API" in run.result_message
    assert "Differences from the approved plan:" in run.stdout
    assert "| Web API | destination runs | 2021.1.0.1 | 2021.1.1.1 |" in run.stdout
    assert "| Web API | planned outcome | Deploy | AlreadyDeployed: " in run.stdout
    assert "Database" not in run.result_message.splitlines()[0]
    assert run.outputs["TrainOutcome"] == "Failed"
    assert run.outputs["Child[Database].ChildOutcome"] == "NotStarted"


def test_a_child_added_or_removed_is_a_difference(step, sim, suite):
    plan = approved_plan(step, "Database\nWeb API")
    run = step("Database\nWeb UI", "Production", ApprovedPlan=plan)
    assert run.exit_code != 0
    assert made(sim, suite) == {name: [] for name in CHILDREN}
    assert "| Web API | in the plan | yes | no |" in run.stdout
    assert "| Web UI | in the plan | no | yes |" in run.stdout
    assert "| Web UI | wave |" not in run.stdout and "| Database |" not in run.stdout.split(
        "Differences from the approved plan:")[1]


def test_an_approved_release_the_lifecycle_now_refuses_deploys_nothing(step, sim, suite):
    """Web API 2021.1.1.2 is in Test only: Production cannot take it (any more)."""
    plan = json.loads(approved_plan(step))
    plan[1]["Chosen"] = "2021.1.1.2"
    run = step(SUITE, "Production", ApprovedPlan=json.dumps(plan))
    assert run.exit_code != 0
    assert made(sim, suite) == {name: [] for name in CHILDREN}
    assert "| Web API | release chosen | 2021.1.1.2 | none |" in run.stdout
    assert "| Web API | planned outcome | Deploy | Error: No release was found" in run.stdout
    assert '"Approved plan"' in run.result_message


def test_a_child_planned_as_a_skip_stays_a_skip(step, sim, suite):
    """To Staging, Web UI already runs 2021.1.1.1 (its 2021.1.1.2 failed in Test)."""
    plan = approved_plan(step, destination="Staging")
    assert {"Project": "Web UI", "Wave": 3, "Current": "2021.1.1.1", "Chosen": "2021.1.1.1",
            "Planned": "AlreadyDeployed"} in json.loads(plan)
    run = step(SUITE, "Staging", ApprovedPlan=plan)
    assert run.exit_code == 0, run.result_message
    assert run.outputs["Child[Web UI].ChildOutcome"] == "AlreadyDeployed"
    assert made(sim, suite, "Staging")["Web UI"] == []


def test_one_child_publishes_a_one_row_plan_and_keeps_its_outputs(step):
    run = step("Web API", "Production", **WHAT_IF)
    assert run.exit_code == 0, run.result_message
    assert json.loads(run.outputs["TrainPlanJson"]) == [
        {"Project": "Web API", "Wave": 1, "Current": "2021.1.0.1", "Chosen": "2021.1.1.1",
         "Planned": "WhatIf"}]
    assert run.outputs["ChildOutcome"] == "WhatIf" and "TrainOutcome" not in run.outputs


def test_one_child_deploys_its_approved_release(step, sim, suite):
    plan = approved_plan(step, "Web API")
    reach(sim, suite, "Web API", "2021.1.1.2", "Staging")
    run = step("Web API", "Production", ApprovedPlan=plan)
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.1"
    assert run.outputs["ChildOutcome"] == "Deployed"
    assert made(sim, suite)["Web API"] == ["2021.1.1.1"]


def test_one_child_that_cannot_be_planned_without_an_approved_plan_fails_as_before(step):
    run = step("Web APX", "Production", **WHAT_IF)
    assert run.exit_code != 0 and "Web APX" in run.result_message
    assert "TrainPlanJson" not in run.outputs and run.outputs["ChildOutcome"] == "Error"


@pytest.mark.parametrize("between, difference", [
    ("by hand", "| Web API | destination runs | 2021.1.0.1 | 2021.1.1.1 |"),
    ("another child", "| Web UI | in the plan | no | yes |"),
])
def test_one_child_whose_plan_changed_deploys_nothing(step, sim, suite, between, difference):
    plan = approved_plan(step, "Web API")
    project, ignore = "Web API", ()
    if between == "by hand":
        ignore = (reach(sim, suite, "Web API", "2021.1.1.1", "Production"),)
    else:
        project = "Web UI"
    run = step(project, "Production", ApprovedPlan=plan)
    assert run.exit_code != 0 and run.stderr == ""
    assert made(sim, suite, but=ignore) == {name: [] for name in CHILDREN}
    assert difference in run.stdout
    assert '"Approved plan"' in run.result_message
    assert run.outputs["ChildOutcome"] == "Error"
    assert run.outputs["ChildOutcomeReason"] == run.result_message


@pytest.mark.parametrize("value", [
    "yes", '{"Web API": "2021.1.1.1"}', "[]", '[{"Project": "Web API", "Wave": "2"}]',
    "#" + "{Octopus.Action[Plan suite].Output.TrainPlanJson}",
])
def test_a_value_that_is_no_plan_is_a_parameter_error(step, sim, value):
    run = step(SUITE, "Production", ApprovedPlan=value)
    assert run.exit_code != 0 and run.stderr == ""
    assert '"Approved plan" must be the TrainPlanJson output of a What-If run' in run.result_message
    assert "Project, Wave, Current, Chosen, Planned" in run.result_message
    assert not [r for r in sim.requests if r.method == "POST"]


def test_a_plan_that_differs_and_has_other_problems_reports_them_all(step, sim, suite):
    """Differences from the approved plan do not hide the train's other problems (here a pin
    naming no project): every one is in the failure, at once."""
    plan = approved_plan(step, "Database\nWeb API")
    run = step("Database\nWeb UI", "Production", ApprovedPlan=plan,
               **{"Train.PinnedVersions": "Nowhere Service::1.0"})
    assert run.exit_code != 0
    assert made(sim, suite) == {name: [] for name in CHILDREN}
    assert "Web UI: in the plan: approved no, now yes" in run.result_message
    assert "Nowhere Service" in run.result_message
