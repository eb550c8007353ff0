"""Pins for the release choice, end to end (choosing.py, selection.py, decisions.py).

Each test fails when one decision is changed (see docs/mutation.md). Patterns here are plain
`2021.1.0.*` prefixes, which mean the same as a glob and as PowerShell's `-like`.
"""


from e2e_steps import ago, created_deployments, deploy_history
from octopus_sim import Phase


def reporting_project(sim, suite):
    """Reporting: Development, then optional QA and UAT, then Production (required)."""
    world = sim.world
    for name in ("QA", "UAT"):
        suite.environments[name] = world.add_environment(name)
    lifecycle = world.add_lifecycle("Reporting Lifecycle", [
        Phase("Development", optional=["Development"], is_optional=True),
        Phase("QA", optional=["QA"], is_optional=True), Phase("UAT", optional=["UAT"], is_optional=True),
        Phase("Production", optional=["Production"])])
    suite.projects["Reporting"] = world.add_project("Reporting", lifecycle)
    return suite.projects["Reporting"]


def test_every_earlier_phase_optional_and_nothing_deployed_takes_the_channels_newest(step, sim, suite):
    project = reporting_project(sim, suite)
    for version, hours in (("3.0.1", 5), ("3.0.3", 3), ("3.0.2", 4)):
        sim.world.add_release(project, version, created=ago(sim, hours))
    run = step("Reporting", "Production")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "3.0.3"
    assert "every earlier phase is optional; trying the channel's releases" in run.text()
    assert "Every phase before the destination is optional (UAT, QA, Development)" in run.text()


def test_every_earlier_phase_optional_prefers_a_release_deployed_there(step, sim, suite):
    project = reporting_project(sim, suite)
    deploy_history(sim, suite, "Reporting", "3.0.1", ["QA"], hours_ago=4)
    sim.world.add_release(project, "3.0.3", created=ago(sim, 1))
    run = step("Reporting", "Production")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "3.0.1"
    assert "trying the channel's releases" not in run.text()


def test_a_required_phase_without_a_match_does_not_fall_back_to_the_channel(step, sim, suite):
    """2021.1.3.1 exists in the channel but never reached Test: Staging has nothing to promote."""
    sim.world.add_release(suite.projects["Web API"], "2021.1.3.1", created=ago(sim, 1))
    run = step("Web API", "Staging", **{"Release.Number": "2021.1.3.*", "Release.NotFoundError": "Skip"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "NoRelease"
    assert created_deployments(sim, suite, "Web API", "Staging") == []


def test_always_latest_applies_the_release_pattern_to_the_channel(step, sim, suite):
    run = step("Web API", "Staging", **{"DeploymentMode.Value": "AlwaysLatest",
                                        "Release.Number": "2021.1.0.*"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.0.1"          # not the newer 2021.1.1.2
    assert "newest release of channel Default matching 2021.1.0.*" in run.text()


def test_a_first_phase_destination_applies_the_release_pattern(step, sim, suite):
    sim.world.add_release(suite.projects["Web API"], "2021.1.3.1", created=ago(sim, 1))
    run = step("Web API", "Development", **{"Release.Number": "2021.1.1.*"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    assert run.outputs["ChildCurrentRelease"] == "2021.1.1.2"
    assert run.outputs["ChildOutcome"] == "AlreadyDeployed"        # Promote: Development has it


def test_a_refused_newest_candidate_deployed_twice_is_examined_once_then_an_older_one_wins(
        step, sim, suite):
    """Test ran 2021.1.1.2, then 2021.1.0.1 again, twice: the pattern refuses 2021.1.0.1 once."""
    deploy_history(sim, suite, "Web API", "2021.1.0.1", ["Test"], hours_ago=2)
    deploy_history(sim, suite, "Web API", "2021.1.0.1", ["Test"], hours_ago=1)
    run = step("Web API", "Staging", **{"Release.Number": "2021.1.1.*"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    assert run.text().count("Release 2021.1.0.1 was deployed to Test but does not match") == 1


def tenant_project(sim, suite):
    """Billing: phase Test holds Test and QA; Acme is connected to Test and Staging, not QA."""
    world = sim.world
    suite.environments["QA"] = world.add_environment("QA")
    lifecycle = world.add_lifecycle("Billing Lifecycle", [
        Phase("Development", optional=["Development"]), Phase("Test", optional=["Test", "QA"]),
        Phase("Staging", optional=["Staging"])])
    project = world.add_project("Billing", lifecycle, tenanted="TenantedOrUntenanted")
    suite.projects["Billing"] = project
    envs = suite.environments
    acme = world.add_tenant("Acme", projects={project: [envs["Test"], envs["Staging"]]})
    return acme


def test_a_tenant_connected_to_some_source_environments_uses_its_own_deployments(step, sim, suite):
    acme = tenant_project(sim, suite)
    deploy_history(sim, suite, "Billing", "5.0.1", ["Test"], hours_ago=5, tenant=acme)
    deploy_history(sim, suite, "Billing", "5.0.3", ["QA"], hours_ago=2)               # untenanted, newer
    run = step("Billing", "Staging", **{"Tenant.Name": "Acme"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "5.0.1"
    [deployment] = created_deployments(sim, suite, "Billing", "Staging")
    assert deployment.tenant_id == acme.id


def test_a_tenant_connected_to_no_source_environment_takes_anyones_deployments(step, sim, suite):
    acme = tenant_project(sim, suite)
    sim.world.get(acme.id).project_environments[suite.projects["Billing"].id] = [
        suite.environments["Staging"].id]
    deploy_history(sim, suite, "Billing", "5.0.3", ["QA"], hours_ago=2)
    run = step("Billing", "Staging", **{"Tenant.Name": "Acme"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "5.0.3"


def test_the_log_says_why_for_promote_and_for_redeploy(step, sim, suite):
    promote = step("Web API", "Staging", **{"WhatIf.Value": "Yes"})
    assert "2021.1.1.2 is the most recent successful deployment in Test that Staging can take." \
        in promote.text()
    redeploy = step("Web API", "Staging", **{"WhatIf.Value": "Yes", "DeploymentMode.Value": "Redeploy"})
    assert "2021.1.1.1 is the last release that succeeded in Staging (Redeploy)." in redeploy.text()
