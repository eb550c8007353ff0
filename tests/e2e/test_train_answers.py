"""What a release train answers, end to end on the built body: a roll back that did not put
everything back, pins, a project named twice, every problem at once, one progress line per
change per child. The sample suite as in test_train.py."""

import json

import pytest

from test_train import CHILDREN, SUITE, each_child, fail_child, made, suite_previous, task
from octopus_sim import TaskScript

WHAT_IF = {"WhatIf.Value": "Yes"}


def rows(plan):
    """{child: [cells]} of a Markdown plan or outcome table."""
    cells = [[c.strip() for c in row.strip("|").split(" | ")] for row in plan.splitlines()[2:]]
    return {row[0]: row for row in cells}


def test_a_roll_back_that_fails_is_no_rolled_back_train_and_says_what_runs_now(step, sim, suite):
    fail_child(sim, suite, "Web UI")
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(
        outcome="Failed", error_message="Step 1 failed"),
        release=suite.releases[("Web API", "2021.1.0.1")])
    run = step(SUITE, "Production", **{"Train.OnFailure": "RollBack"})
    assert run.exit_code != 0
    assert run.outputs["TrainOutcome"] == "RollBackIncomplete"
    reason = run.outputs["TrainOutcomeReason"]
    assert "Web API (Production runs 2021.1.1.1; roll back to 2021.1.0.1: Failed)" in reason
    assert "Rolled back: Database, Scheduling Service." in reason
    children = each_child(run.outputs)
    web_api, database = children["Web API"], children["Database"]
    forward = min(made(sim, suite)["Web API"], key=lambda d: d.id)
    assert (web_api["ReleaseToPromote"], web_api["ChildOutcome"], web_api["ChildDeploymentId"]) \
        == ("2021.1.1.1", "Deployed", forward.id)
    assert web_api["ChildRollBackOutcome"] == "Failed"
    assert "2021.1.0.1" in web_api["ChildRollBackReason"]
    assert (database["ChildOutcome"], database["ChildRollBackOutcome"],
            database["ReleaseToPromote"]) == ("RolledBack", "RolledBack", "2021.1.1.1")
    assert json.loads(run.outputs["TrainManifest"]) == dict(
        {n: suite_previous(n) for n in CHILDREN}, **{"Web API": "2021.1.1.1"})
    table = run.text()[run.text().index("The train's outcome:"):]
    assert "| Web API | 2 | 2021.1.0.1 | 2021.1.1.1 | Deployed | to 2021.1.0.1: Failed |" in table
    assert "| Database | 1 | 2021.1.0.1 | 2021.1.1.1 | Deployed | to 2021.1.0.1: RolledBack |" \
        in table


def test_one_child_honours_its_pin_and_says_it_was_pinned(step, sim, suite):
    refused = step("Database", "Production", **{"Train.PinnedVersions": "Database::9.9.9"})
    assert refused.exit_code != 0 and made(sim, suite)["Database"] == []
    assert '"Pinned versions" pins Database::9.9.9' in refused.result_message
    assert "Production runs 2021.1.0.1" in refused.result_message
    assert "Child Project Release Number" not in refused.result_message
    pinned = step("Database", "Staging", **dict(WHAT_IF, **{
        "Train.PinnedVersions": "Database::2021.1.0.1"}))
    assert pinned.exit_code == 0, pinned.result_message
    assert pinned.outputs["ReleaseToPromote"] == "2021.1.0.1"
    assert '2021.1.0.1 is pinned ("Pinned versions": Database::2021.1.0.1).' in pinned.text()


def test_a_pin_naming_no_project_is_a_problem_and_one_outside_the_train_is_said(step, sim, suite):
    run = step("Database\nWeb API", "Production", **dict(WHAT_IF, **{
        "Train.PinnedVersions": "Web APl::2021.1.1.1\nWeb UI::2021.1.1.1"}))
    assert run.exit_code != 0
    assert ('"Pinned versions" pins Web APl::2021.1.1.1: Project "Web APl" was not found. '
            'Did you mean "Web API"?') in run.result_message
    assert run.text().count("Web UI::2021.1.1.1") == 1
    assert "not used" in [line for line in run.text().splitlines() if "Web UI::" in line][0]


def test_a_pin_the_lifecycle_refuses_names_the_pin_and_what_the_destination_runs(step, sim, suite):
    run = step(SUITE, "Production", **{"Train.PinnedVersions": "Web API::2021.1.1.2"})
    assert run.exit_code != 0
    assert '"Pinned versions" pins Web API::2021.1.1.2' in run.result_message
    assert "Child Project Release Number" not in run.result_message
    assert '"When no release qualifies" is Error' not in run.result_message
    assert rows(run.outputs["TrainPlan"])["Web API"][2] == "2021.1.0.1"
    assert json.loads(run.outputs["TrainManifest"]) == {n: suite_previous(n) for n in CHILDREN}


def test_a_pin_that_works_says_it_was_pinned(step, sim, suite):
    run = step(SUITE, "Staging", **dict(WHAT_IF, **{"Train.PinnedVersions":
                                                    "Database::2021.1.0.1"}))
    assert run.exit_code == 0, run.result_message
    database = rows(run.outputs["TrainPlan"])["Database"]
    assert database[3:5] == ["2021.1.0.1", "downgrade"]
    assert database[6].startswith('2021.1.0.1 is pinned ("Pinned versions": Database::2021.1.0.1)')


def test_a_project_named_twice_deploys_once_in_its_first_wave_and_is_said(step, sim, suite):
    run = step("Database\nWeb API, database\ngroup: Platform", "Production", **WHAT_IF)
    assert run.exit_code == 0, run.result_message
    waves = {name: row[1] for name, row in rows(run.outputs["TrainPlan"]).items()}
    assert waves == {"Database": "1", "Web API": "2", "Scheduling Service": "3", "Web UI": "3"}
    text = run.text()
    assert 'database is named again on the line "Web API, database"; it deploys once, in wave 1.' \
        in text
    assert 'Web API is named again on the line "group: Platform"; it deploys once, in wave 2.' \
        in text


def test_every_problem_is_reported_at_once_with_a_close_name(step, sim, suite):
    run = step("Database\ngroup: Platfrom\nWeb APX", "Production")
    assert run.exit_code != 0 and all(ds == [] for ds in made(sim, suite).values())
    assert 'Project group "Platfrom" was not found in space Default. Did you mean "Platform"?' \
        in run.result_message
    assert 'Project "Web APX" was not found. Did you mean "Web API"?' in run.result_message
    sim.world.add_tenant("Acme")
    alone = step("Web APX", "Production")
    assert 'Did you mean "Web API"?' in alone.result_message
    tenant = step("Web API", "Production", **{"Tenant.Name": "Acm"})
    assert 'Tenant "Acm" was not found in space Default. Did you mean "Acme"?' \
        in tenant.result_message


def test_one_child_reports_every_name_it_cannot_find_at_once(step, sim, suite):
    run = step("Web APX", "Production", parent_environment="Production", **{
        "Destination.EnvironmentName": "Productoin", "Tenant.Name": "Acm",
        "SourceEnvironment.Name": "Stagin"})
    assert run.exit_code != 0 and all(ds == [] for ds in made(sim, suite).values())
    message = run.result_message
    assert message.count("was not found") == 4, message
    for name, close in (("Project \"Web APX\"", "Web API"), ("\"Productoin\"", "Production"),
                        ("\"Stagin\"", "Staging"), ("Tenant \"Acm\"", "")):
        assert name in message, (name, message)
        assert close in message


def test_each_child_says_each_change_of_its_state_once_without_a_percentage(step, sim, suite):
    for name in ("Web API", "Scheduling Service"):
        sim.world.set_task_script(suite.projects[name], TaskScript(run_seconds=60))
    run = step("Web API, Scheduling Service", "Production")
    assert run.exit_code == 0, run.result_message
    assert [message for _percent, message in run.progress if "[Web API]" in message] == []
    lines = [line for line in run.text().splitlines()
             if line.startswith("[Web API] Web API 2021.1.1.1 in Production: ")]
    assert lines == ["[Web API] Web API 2021.1.1.1 in Production: Executing"]
    assert "%" not in "".join(lines)
    assert task(sim, made(sim, suite)["Web API"][0]).state == "Success"


@pytest.mark.parametrize("project, params, said", [
    (SUITE, {"Space.Name": "Nowhere"}, 'Space "Nowhere" was not found'),
    (SUITE, {"Train.Parallelism": "0"}, '"Train parallelism"'),
    ("Database", {"Tenant.Name": "Acme\nGlobex", "Space.Name": "Nowhere"}, '"Nowhere"'),
])
def test_a_train_that_ends_before_its_plan_still_sets_its_outputs(step, sim, suite, project,
                                                                  params, said):
    """A missing space or a refused parameter stops a train (or rings) before any child is
    planned: the train's outputs still say Failed and why, with an empty plan."""
    run = step(project, "Production", **params)
    assert run.exit_code != 0 and run.stderr == ""
    assert run.outputs["TrainOutcome"] == "Failed"
    assert said in run.outputs["TrainOutcomeReason"]
    assert (run.outputs["TrainPlan"], run.outputs["TrainPlanJson"],
            run.outputs["TrainManifest"]) == ("", "[]", "{}")
    assert "ChildOutcome" not in run.outputs
    assert all(ds == [] for ds in made(sim, suite).values())


def test_one_child_that_ends_before_its_plan_sets_no_train_outputs(step):
    run = step("Database", "Production", **{"Space.Name": "Nowhere"})
    assert run.outputs["ChildOutcome"] == "Error"
    assert not any(name.startswith("Train") for name in run.outputs)
