"""Choosing the child release, end to end: the built body against the simulated sample suite."""


import pytest

from e2e_steps import ago, child_in_another_space, created_deployments, deploy_history
from octopus_sim import Phase
from octopus_sim.history import generate

NOT_DEPLOYED_NOTES = "Release already deployed to destination environment."


def test_standard_promotion_deploys_the_newest_release_that_succeeded_in_test(step, sim, suite):
    run = step("Web API", "Staging")
    assert run.exit_code == 0, run.result_message
    assert run.stderr == ""
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    assert run.outputs["ChildReleaseToDeploy"] == "True"
    assert run.outputs["ChildCurrentRelease"] == "2021.1.1.1"
    assert run.outputs["ChildOutcome"] == "Deployed"
    assert "[WEBAPI-2](https://github.com/example/web-api/issues/2)" in run.outputs["ReleaseNotes"]
    assert "Releases come from phase Test" in run.text()
    assert "Staging runs 2021.1.1.1 now: deploying 2021.1.1.2 is an upgrade." in run.text()
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert sim.world.get(deployment.release_id).version == "2021.1.1.2"
    assert run.outputs["ChildDeploymentId"] == deployment.id
    assert sim.world.task_of(deployment).state == "Success"


def test_scenario1_the_last_successful_deployment_wins_not_the_highest_version(step, sim, suite):
    deploy_history(sim, suite, "Database", "2021.1.0.14", ["Development", "Test"], hours_ago=10)
    deploy_history(sim, suite, "Database", "2021.1.0.15", ["Development", "Test"], hours_ago=8)
    deploy_history(sim, suite, "Database", "2021.1.0.14", ["Test"], hours_ago=6)
    run = step("Database", "Staging")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.0.14"
    assert "Staging runs 2021.1.1.1 now: deploying 2021.1.0.14 is a downgrade." in run.text()


def test_scenario1_a_newer_failed_deployment_does_not_count(step, sim, suite):
    """After .14 was redeployed, .16 failed in Test: the last *successful* one is still .14."""
    sim.world.ignore_task_state_filter = True      # the client must check task states itself
    deploy_history(sim, suite, "Database", "2021.1.0.14", ["Development", "Test"], hours_ago=10)
    release = sim.world.add_release(suite.projects["Database"], "2021.1.0.16", created=ago(sim, 5))
    sim.world.add_deployment(release, suite.environments["Test"], state="Failed", created=ago(sim, 4))
    run = step("Database", "Staging")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.0.14"


@pytest.mark.parametrize("server_filters", [True, False])
def test_a_failed_deployment_is_never_the_candidate(step, sim, suite, server_filters):
    """Web UI 2021.1.1.2 failed in Test: 2021.1.1.1 is the last success there, already in Staging.

    Also with a server that ignores `taskState` (its semantics are unconfirmed): the step checks
    each task's state itself.
    """
    sim.world.ignore_task_state_filter = not server_filters
    run = step("Web UI", "Staging")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.1"
    assert run.outputs["ChildOutcome"] == "AlreadyDeployed"
    assert created_deployments(sim, suite, "Web UI", "Staging") == []


def add_patch_releases(sim, suite):
    """Only Database and Web API get 2021.1.2.x releases in Test."""
    deploy_history(sim, suite, "Database", "2021.1.2.1", ["Development", "Test"], hours_ago=5)
    deploy_history(sim, suite, "Web API", "2021.1.2.3", ["Development", "Test"], hours_ago=4)


@pytest.mark.parametrize("project,version", [("Database", "2021.1.2.1"), ("Web API", "2021.1.2.3")])
def test_scenario2_pattern_picks_the_matching_release(step, sim, suite, project, version):
    add_patch_releases(sim, suite)
    run = step(project, "Staging", **{"Release.Number": "2021.1.2.*"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == version
    assert len(created_deployments(sim, suite, project, "Staging")) == 1


@pytest.mark.parametrize("handling,fails,level", [("Warning", False, "highlight"), ("Skip", False, "info"),
                                                  ("Error", True, None)])
@pytest.mark.parametrize("project", ["Scheduling Service", "Web UI"])
def test_scenario2_no_matching_release_is_handled_as_configured(step, sim, suite, project, handling,
                                                                fails, level):
    add_patch_releases(sim, suite)
    run = step(project, "Staging", **{"Release.Number": "2021.1.2.*", "Release.NotFoundError": handling})
    message = "No release was found in Test matching 2021.1.2.* that can be deployed to Staging."
    assert (run.exit_code != 0) == fails
    assert run.stderr == ""
    assert run.outputs["ReleaseToPromote"] == "N/A"
    assert run.outputs["ReleaseNotes"] == "No release found"
    assert run.outputs["ChildReleaseToDeploy"] == "False"
    assert run.outputs["ChildOutcome"] == "NoRelease"
    if level:
        assert message in run.text(level)
    else:
        assert message in run.result_message
    assert created_deployments(sim, suite, project, "Staging") == []


def test_pattern_2021_1_star_never_matches_2021_10(step, sim, suite):
    deploy_history(sim, suite, "Web API", "2021.10.0.1", ["Development", "Test"], hours_ago=3)
    run = step("Web API", "Staging", **{"Release.Number": "2021.1.*"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    assert "2021.10.0.1" in run.text("verbose")     # examined and refused, and the log says so


def test_scenario3_promote_skips_a_release_already_in_the_destination(step, sim, suite):
    run = step("Database", "Staging")
    assert run.exit_code == 0, run.result_message
    assert run.outputs == dict(run.outputs, ReleaseToPromote="2021.1.1.1", ReleaseNotes=NOT_DEPLOYED_NOTES,
                               ChildReleaseToDeploy="False", ChildOutcome="AlreadyDeployed",
                               ChildCurrentRelease="2021.1.1.1", ChildDeploymentId="")
    assert created_deployments(sim, suite, "Database", "Staging") == []


def test_scenario3_redeploy_deploys_what_the_destination_has(step, sim, suite):
    run = step("Database", "Staging", **{"DeploymentMode.Value": "Redeploy"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.1"
    assert run.outputs["ChildOutcome"] == "Deployed"
    assert "is a redeploy" in run.text()
    [deployment] = created_deployments(sim, suite, "Database", "Staging")
    assert sim.world.get(deployment.release_id).version == "2021.1.1.1"


def test_scenario3_always_latest_takes_the_newest_release_staging_can_take(step, sim, suite):
    """2021.1.2.1 only reached Development, so Staging cannot take it yet; 2021.1.1.1 is redeployed."""
    deploy_history(sim, suite, "Database", "2021.1.2.1", ["Development"], hours_ago=2)
    run = step("Database", "Staging", **{"DeploymentMode.Value": "AlwaysLatest"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.1"
    assert run.outputs["ChildOutcome"] == "Deployed"
    assert "2021.1.2.1" in run.text("verbose")
    assert len(created_deployments(sim, suite, "Database", "Staging")) == 1


@pytest.mark.parametrize("mode,version", [("AlwaysLatest", "2021.1.1.2"), ("Redeploy", "2021.1.1.1")])
def test_scenario3_always_latest_and_redeploy_differ(step, sim, suite, mode, version):
    """Web API: the newest release Staging can take is 2021.1.1.2; Staging itself has 2021.1.1.1."""
    run = step("Web API", "Staging", **{"DeploymentMode.Value": mode})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == version


def test_scenario4_first_phase_takes_the_newest_release_of_the_channel(step, sim, suite):
    sim.world.add_release(suite.projects["Web API"], "2021.1.3.1")
    run = step("Web API", "Development")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.3.1"
    assert "first lifecycle phase" in run.text()


@pytest.mark.parametrize("order,version", [("version", "2021.1.3.1"), ("assembled", "2021.1.2.9")])
def test_scenario4_first_phase_follows_the_servers_release_order(step, sim, suite, order, version):
    """The channel's newest release is the server's first: by version, or by creation when the
    server lists them so (a lower hotfix created last). The step does not re-sort."""
    sim.world.release_order = order
    sim.world.add_release(suite.projects["Web API"], "2021.1.3.1", created=ago(sim, 2))
    sim.world.add_release(suite.projects["Web API"], "2021.1.2.9", created=ago(sim, 1))
    run = step("Web API", "Development")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == version


def add_project(sim, name, phases, steps=None):
    world = sim.world
    lifecycle = world.add_lifecycle(name + " Lifecycle", phases)
    return world.add_project(name, lifecycle)


def test_scenario4_walks_back_through_two_optional_phases(step, sim, suite):
    world = sim.world
    for name in ("QA", "UAT"):
        suite.environments[name] = world.add_environment(name)
    project = add_project(sim, "Reporting", [
        Phase("Development", optional=["Development"]), Phase("QA", optional=["QA"], is_optional=True),
        Phase("UAT", optional=["UAT"], is_optional=True), Phase("Production", optional=["Production"])])
    suite.projects["Reporting"] = project
    deploy_history(sim, suite, "Reporting", "3.0.1", ["Development"], hours_ago=7)
    deploy_history(sim, suite, "Reporting", "3.0.2", ["Development"], hours_ago=6)
    deploy_history(sim, suite, "Reporting", "3.0.1", ["QA"], hours_ago=4)     # newest of all phases
    run = step("Reporting", "Production")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "3.0.1"
    assert "walking back through optional phases" in run.text()
    assert len(created_deployments(sim, suite, "Reporting", "Production")) == 1


def test_scenario4_lifecycle_with_one_phase(step, sim, suite):
    project = add_project(sim, "Single", [Phase("Everywhere", optional=["Test", "Staging"])])
    suite.projects["Single"] = project
    for version in ("1.0.0", "1.1.0"):
        sim.world.add_release(project, version)
    run = step("Single", "Staging")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "1.1.0"


def test_scenario4_a_channel_without_its_own_lifecycle_uses_the_projects(step, sim, suite):
    world = sim.world
    hotfix = world.add_channel(suite.projects["Web API"], "Hotfix")
    release = world.add_release(suite.projects["Web API"], "2021.1.1.3-hotfix", channel=hotfix,
                                created=ago(sim, 3))
    for environment in ("Development", "Test"):
        world.add_deployment(release, suite.environments[environment], created=ago(sim, 2))
    deploy_history(sim, suite, "Web API", "2021.1.1.4", ["Development", "Test"], hours_ago=1)
    run = step("Web API", "Staging", **{"Channel.Name": "hotfix"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.3-hotfix"     # not the newer 2021.1.1.4
    default = step("Web API", "Production", parent_environment="Staging")
    assert default.exit_code == 0, default.result_message
    assert default.outputs["ReleaseToPromote"] == "2021.1.1.1"      # the default channel ignores Hotfix


def tenanted_child(sim, suite):
    """'Billing' deploys per tenant; Acme is connected to Test and Staging, Globex to Test only."""
    world = sim.world
    project = world.add_project("Billing", suite.lifecycle, tenanted="Tenanted")
    suite.projects["Billing"] = project
    envs = suite.environments
    tenants = {"Acme": world.add_tenant("Acme", projects={project: [envs["Test"], envs["Staging"]]}),
               "Globex": world.add_tenant("Globex", projects={project: [envs["Test"]]}),
               "Initech": world.add_tenant("Initech", projects={})}
    for machine in ("s-web-api-01",):
        world.get(suite.machines[machine].id)
    deploy_history(sim, suite, "Billing", "5.0.1", ["Development", "Test"], 6, tenant=tenants["Acme"])
    deploy_history(sim, suite, "Billing", "5.0.2", ["Development", "Test"], 4, tenant=tenants["Globex"])
    return tenants


def test_scenario5_tenant_not_connected_to_the_child_skips(step, sim, suite):
    tenanted_child(sim, suite)
    run = step("Billing", "Staging", **{"Tenant.Name": "Initech"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "TenantNotAssigned"
    assert run.outputs["ReleaseToPromote"] == "N/A" and run.outputs["ChildReleaseToDeploy"] == "False"
    assert created_deployments(sim, suite, "Billing", "Staging") == []


def test_scenario5_tenant_not_connected_to_the_destination_skips(step, sim, suite):
    tenanted_child(sim, suite)
    run = step("Billing", "Staging", **{"Tenant.Name": "Globex"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "TenantNotAssigned"
    assert "Staging" in run.outputs["ChildOutcomeReason"]
    assert created_deployments(sim, suite, "Billing", "Staging") == []


def test_scenario5_connected_tenant_uses_its_own_deployments(step, sim, suite):
    tenants = tenanted_child(sim, suite)
    run = step("Billing", "Staging", **{"Tenant.Name": "acme"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "5.0.1"       # Globex's newer 5.0.2 is not Acme's
    [deployment] = created_deployments(sim, suite, "Billing", "Staging")
    assert deployment.tenant_id == tenants["Acme"].id


def test_an_untenanted_child_ignores_the_tenant(step, sim, suite):
    tenanted_child(sim, suite)
    run = step("Web API", "Staging", **{"Tenant.Name": "Acme"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed"
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert deployment.tenant_id is None


def test_scenario6_release_behind_300_newer_deployments_is_found(step, sim, suite):
    """2021.1.1.2 went to Test before 320 successful deployments of 9.0.x (v29 read only 100)."""
    generate(sim.world, suite.projects["Web API"], releases=320, deployments=320,
             environments=["Test"], version_prefix="9.0.")
    run = step("Web API", "Staging", **{"Release.Number": "2021.1.*"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"


def test_what_if_changes_nothing_and_reports_the_decision(step, sim, suite):
    sim.world.modify_variables(suite.projects["Web API"])
    run = step("Web API", "Staging", **{"WhatIf.Value": "Yes", "RefreshVariableSnapShots.Option": "Yes"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    assert run.outputs["ChildReleaseToDeploy"] == "True"
    assert run.outputs["ChildOutcome"] == "WhatIf"
    assert "Work Items" in run.outputs["ReleaseNotes"]
    assert "snapshot would be refreshed" in run.text()
    assert created_deployments(sim, suite, "Web API", "Staging") == []
    assert not [r for r in sim.requests if r.method != "GET"]


def test_release_notes_artifact_is_saved_with_the_v29_name(step, sim, suite):
    run = step("Web API", "Staging", **{"ReleaseNotes.SaveAsArtifact": "Yes"})
    assert run.exit_code == 0, run.result_message
    [(path, name)] = run.artifacts
    assert name == "Web API 2021.1.1.2 Staging.ReleaseNotes_2026_11_20_09_00.txt"
    with open(path, encoding="utf-8") as handle:
        assert handle.read().rstrip("\n") == run.outputs["ReleaseNotes"]


def decision_requests(sim):
    """Requests made up to and including the last promotability check."""
    paths = [r.route for r in sim.requests]
    last = max(i for i, route in enumerate(paths) if route.endswith("deployments/template"))
    return paths[:last + 1]


@pytest.mark.parametrize("size", [10, 1000, 10000])
def test_request_count_to_a_decision_does_not_grow_with_history(step, sim, suite, size):
    """8 requests whatever the history behind the decision: 10 to 10,000 older deployments in Test;
    13 in all (the preview, the notes' process template and the preflight's three follow)."""
    generate(sim.world, suite.projects["Web API"], releases=max(1, size // 10), deployments=size,
             environments=["Development", "Test"], start=ago(sim, 24 * 400), spacing_seconds=60,
             version_prefix="1.0.")
    sim.reset_requests()
    run = step("Web API", "Staging", **{"WhatIf.Value": "Yes"})
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    assert len(decision_requests(sim)) == 8, decision_requests(sim)
    assert len(sim.requests) <= 13


def test_candidates_refused_by_the_pattern_cost_requests_per_page_not_per_candidate(step, sim, suite):
    """1,000 newer deployments of 9.0.x examined and refused: three requests per page of 100."""
    generate(sim.world, suite.projects["Web API"], releases=500, deployments=1000,
             environments=["Development", "Test"], version_prefix="9.0.")
    sim.reset_requests()
    run = step("Web API", "Staging", **{"WhatIf.Value": "Yes", "Release.Number": "2021.1.*"})
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    routes = decision_requests(sim)
    assert routes.count("GET /api/{space}/releases/{id}/deployments/template") == 1
    assert len(routes) <= 8 + 3 * 11, routes


def test_promote_with_the_destination_as_source_stops_after_reading_the_names(step, sim, suite):
    """The names are still checked (a typo fails What If too), but nothing is written."""
    sim.reset_requests()
    run = step("Web API", "Staging", **{"SourceEnvironment.Name": "staging"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "SourceIsDestination"
    assert run.outputs["ReleaseToPromote"] == "N/A"
    assert "choose Redeploy" in run.text()
    assert {r.method for r in sim.requests} == {"GET"}
    assert not any("/deployments" in r.path or "/releases" in r.path for r in sim.requests)


def test_an_explicit_source_environment_wins_over_the_lifecycle(step, sim, suite):
    """Production looks in Test: 2021.1.1.2 is newest there but has not reached Staging yet."""
    run = step("Web API", "Production", **{"SourceEnvironment.Name": "Test"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.1"
    assert "Release 2021.1.1.2 was deployed to Test; Production: its lifecycle does not allow it now; next." \
        in run.text("verbose")
    assert "Source environment Test was given." in run.text()


def test_a_child_in_another_space_is_found_by_the_space_name(step, sim, suite):
    world = sim.world
    space, environments, project = child_in_another_space(sim, "Web API", ["Test", "Staging"], "7.0.0")
    run = step("Web API", "Staging", **{"Space.Name": "platform team"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "7.0.0"
    assert "/app#/{0}/".format(space.id) in run.outputs["ChildDeploymentUrl"]
    assert len(world.deployments_for(project, environments["Staging"])) == 1
    assert created_deployments(sim, suite, "Web API", "Staging") == []
