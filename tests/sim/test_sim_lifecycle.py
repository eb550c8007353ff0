"""Promotion follows lifecycles: deployments/template PromoteTo, tenant promotions, refusals."""

from octopus_sim import Phase


def _promote_to(api, release):
    template = api.get("/api/Spaces-1/releases/%s/deployments/template" % release.id)
    return [t["Name"] for t in template["PromoteTo"]], template


def test_promote_to_follows_phases_and_skips_optional_phase(api, suite):
    assert _promote_to(api, suite.releases[("Web API", "2021.1.1.2")])[0] == ["Development", "Test", "Staging"]
    assert _promote_to(api, suite.releases[("Web API", "2021.1.1.1")])[0] == [
        "Development", "Test", "Staging", "Prod Approval", "Production"]
    # A failed deployment does not complete its phase.
    assert _promote_to(api, suite.releases[("Web UI", "2021.1.1.2")])[0] == ["Development", "Test"]


def test_deploying_ahead_of_the_lifecycle_is_refused(api, suite):
    body = {"ReleaseId": suite.releases[("Web API", "2021.1.1.2")].id,
            "EnvironmentId": suite.environments["Production"].id}
    response = api.call("POST", "/api/Spaces-1/deployments", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["ErrorMessage"] and "Production" in error["Errors"][0] and "lifecycle" in error["Errors"][0]


def test_environment_outside_the_lifecycle_is_refused(api, sim, suite):
    lifecycle = sim.world.add_lifecycle("Short", [Phase("Dev", optional=["Development"])])
    project = sim.world.add_project("Short lived", lifecycle)
    release = sim.world.add_release(project, "1.0.0")
    response = api.call("POST", "/api/Spaces-1/deployments", json={
        "ReleaseId": release.id, "EnvironmentId": suite.environments["Test"].id})
    assert response.status_code == 400 and "not part of the lifecycle" in response.json()["Errors"][0]


def test_minimum_environments_before_promotion(api, sim, suite):
    world = sim.world
    lifecycle = world.add_lifecycle("Min one", [
        Phase("Early", optional=["Development", "Test"], minimum_environments_before_promotion=1),
        Phase("Late", optional=["Staging"])])
    project = world.add_project("Minimum", lifecycle)
    release = world.add_release(project, "1.0.0")
    assert _promote_to(api, release)[0] == ["Development", "Test"]
    world.add_deployment(release, "Test")
    assert _promote_to(api, release)[0] == ["Development", "Test", "Staging"]


def test_channel_lifecycle_overrides_project_lifecycle(api, sim, suite):
    hotfix = sim.world.add_lifecycle("Hotfix", [Phase("Staging", optional=["Staging"]),
                                                Phase("Production", optional=["Production"])])
    channel = sim.world.add_channel(suite.projects["Web API"], "Hotfix", lifecycle=hotfix)
    release = sim.world.add_release(suite.projects["Web API"], "2021.1.1.3-hotfix", channel=channel)
    assert _promote_to(api, release)[0] == ["Staging"]
    channels = api.get("/api/Spaces-1/projects/%s/channels?skip=0&take=1000" % suite.projects["Web API"].id)
    assert [(c["Name"], c["IsDefault"], c["LifecycleId"]) for c in channels["Items"]] == [
        ("Default", True, None), ("Hotfix", False, hotfix.id)]


def test_tenant_promotions(api, sim, suite):
    world = sim.world
    project = world.add_project("Tenanted", suite.lifecycle, tenanted="Tenanted")
    tenant_a = world.add_tenant("Tenant A", projects={project: ["Development", "Test", "Production"]})
    tenant_b = world.add_tenant("Tenant B", projects={project: ["Development"]})
    release = world.add_release(project, "1.0.0")
    world.add_deployment(release, "Development", tenant=tenant_a)
    names, template = _promote_to(api, release)
    promotions = {t["Name"]: [p["Id"] for p in t["PromoteTo"]] for t in template["TenantPromotions"]}
    envs = suite.environments
    assert promotions == {"Tenant A": [envs["Development"].id, envs["Test"].id],
                          "Tenant B": [envs["Development"].id]}
    assert names == ["Development", "Test"]
    refused = api.call("POST", "/api/Spaces-1/deployments", json={
        "ReleaseId": release.id, "EnvironmentId": envs["Test"].id, "TenantId": tenant_b.id})
    assert refused.status_code == 400
    untenanted = api.call("POST", "/api/Spaces-1/deployments", json={
        "ReleaseId": release.id, "EnvironmentId": envs["Development"].id})
    assert untenanted.status_code == 400
    accepted = api.call("POST", "/api/Spaces-1/deployments", json={
        "ReleaseId": release.id, "EnvironmentId": envs["Test"].id, "TenantId": tenant_a.id})
    assert accepted.status_code == 201 and accepted.json()["TenantId"] == tenant_a.id


def test_variable_snapshot_flags_and_refresh(api, sim, suite):
    release = suite.releases[("Web API", "2021.1.1.1")]
    assert _promote_to(api, release)[1]["IsVariableSetModified"] is False
    sim.world.modify_variables(suite.projects["Web API"])
    sim.world.modify_variables(None, library=True)
    template = _promote_to(api, release)[1]
    assert template["IsVariableSetModified"] is True and template["IsLibraryVariableSetModified"] is True
    before = api.get("/api/Spaces-1/releases/%s" % release.id)["ProjectVariableSetSnapshotId"]
    sim.clock.advance(5)
    refreshed = api.post("/api/Spaces-1/releases/%s/snapshot-variables" % release.id)
    assert refreshed["ProjectVariableSetSnapshotId"] != before and refreshed["LastModifiedOn"]
    template = _promote_to(api, release)[1]
    assert template["IsVariableSetModified"] is False and template["IsLibraryVariableSetModified"] is False


def test_release_progression(api, suite):
    progression = api.get("/api/Spaces-1/releases/%s/progression" % suite.releases[("Web API", "2021.1.1.2")].id)
    assert [p["Progress"] for p in progression["Phases"]] == ["Complete", "Complete", "Current", "Pending", "Pending"]
    assert progression["Phases"][3]["IsOptionalPhase"] is True
    assert progression["NextDeployments"] == [suite.environments["Staging"].id]
