"""Pins for the bounded shared read of recent deployments (choosing.RecentHistory), end to end.

The read is one page per child of the newest successful deployments to the sources and the
destination. What it does not settle must still be decided as before: the destination's current
release older than the window, a child whose lifecycle uses other environments, and the
"has been deployed" line naming each place once, for the chosen release only.
"""

from e2e_steps import ago, deploy_history
from octopus_sim import Phase
from octopus_sim.history import generate

WHAT_IF = {"WhatIf.Value": "Yes"}


def test_the_destinations_current_release_is_found_behind_a_window_of_newer_source_deployments(
        step, sim, suite):
    before = step("Web API", "Staging", **WHAT_IF).outputs["ChildCurrentRelease"]
    assert before
    generate(sim.world, suite.projects["Web API"], releases=150, deployments=300,
             environments=["Development", "Test"], spacing_seconds=10, duration_seconds=5,
             version_prefix="2021.1.5.")
    run = step("Web API", "Staging", **WHAT_IF)
    assert run.outputs["ReleaseToPromote"] == "2021.1.5.150"
    assert run.outputs["ChildCurrentRelease"] == before


def test_a_long_history_behind_the_window_costs_no_extra_request(step, sim, suite):
    """The destination's current deployment is in the window: it is not asked for again."""
    generate(sim.world, suite.projects["Web API"], releases=150, deployments=300,
             environments=["Test", "Staging"], start=ago(sim, 24 * 400), spacing_seconds=60,
             version_prefix="1.0.")
    sim.reset_requests()
    run = step("Web API", "Staging", **WHAT_IF)
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    routes = [r.route for r in sim.requests if r.method == "GET" and "deployments" in r.route
              and "template" not in r.route and "preview" not in r.route]
    assert len(routes) == 1, routes


def test_the_deployed_line_names_each_place_of_the_chosen_release_once(step, sim, suite):
    deploy_history(sim, suite, "Web API", "2021.1.1.2", ["Test"], hours_ago=1)   # a redeploy
    run = step("Web API", "Staging", **WHAT_IF)
    [line] = [l for l in run.text().splitlines() if "has been deployed" in l]
    assert line.endswith("Release 2021.1.1.2 of Web API has been deployed successfully to Test.")


def test_a_train_child_with_other_environments_is_searched_on_its_own(step, sim, suite):
    """Reports goes Development -> Staging: the first child's read (Test, Staging) cannot serve it."""
    world = sim.world
    lifecycle = world.add_lifecycle("Reports Lifecycle", [
        Phase("Development", optional=["Development"]), Phase("Staging", optional=["Staging"])])
    suite.projects["Reports"] = world.add_project("Reports", lifecycle)
    deploy_history(sim, suite, "Reports", "4.0.1", ["Development"], hours_ago=2)
    run = step("Web API\nReports", "Staging", **WHAT_IF)
    assert run.exit_code == 0, run.result_message
    assert run.outputs["Child[Reports].ReleaseToPromote"] == "4.0.1"
    assert run.outputs["Child[Web API].ReleaseToPromote"] == "2021.1.1.2"


def test_the_deployed_line_names_every_place_newest_first(step, sim, suite):
    deploy_history(sim, suite, "Web API", "2021.1.1.2", ["Staging"], hours_ago=1)
    run = step("Web API", "Staging", **WHAT_IF)
    assert run.outputs["ChildOutcome"] == "AlreadyDeployed"
    [line] = [l for l in run.text().splitlines() if "has been deployed" in l]
    assert line.endswith("Release 2021.1.1.2 of Web API has been deployed successfully to Staging, Test.")
