"""What the simulator refuses before it deploys: permission sets, freezes, the override, health."""

from datetime import timedelta

from octopus_sim import InterruptionPlan, TaskScript

MISSING = ("You do not have permission to perform this action. Please contact your Octopus "
           "administrator. Missing permission: ")


def release(suite, project="Web API", version="2021.1.1.1"):
    return suite.releases[(project, version)]


def create_body(suite, project="Web API", environment="Production", **extra):
    return dict({"ReleaseId": release(suite, project).id,
                 "EnvironmentId": suite.environments[environment].id}, **extra)


def test_the_permission_set_shows_every_permission_unrestricted_until_scoped(api, sim, suite):
    me = api.get("/api/users/me")
    unscoped = api.get("/api/Spaces-1/users/{0}/permissions?includeSystem=true".format(me["Id"]))
    assert unscoped["SpacePermissions"]["DeploymentCreate"] == [{
        "RestrictedToProjectIds": [], "RestrictedToProjectGroupIds": [],
        "RestrictedToEnvironmentIds": [], "RestrictedToTenantIds": [], "SpaceId": "Spaces-1"}]
    assert "DeploymentFreezeAdminister" in unscoped["SystemPermissions"]
    assert unscoped["IsPermissionsComplete"] is True
    sim.world.scope_api_user("DeploymentCreate", projects=["Web API"], environments=["Test"])
    sim.world.scope_api_user("DeploymentCreate", environments=["Development"])
    sim.world.revoke_api_user("DeploymentFreezeAdminister")
    scoped = api.get("/api/users/{0}/permissions".format(me["Id"]))
    grants = scoped["SpacePermissions"]["DeploymentCreate"]
    assert [g["RestrictedToEnvironmentIds"] for g in grants] == [
        [suite.environments["Test"].id], [suite.environments["Development"].id]]
    assert grants[0]["RestrictedToProjectIds"] == [suite.projects["Web API"].id]
    assert scoped["SystemPermissions"] == []          # includeSystem not asked
    system = api.get("/api/users/{0}/permissions?includeSystem=true".format(me["Id"]))
    assert "DeploymentFreezeAdminister" not in system["SystemPermissions"]


def test_the_permission_read_can_be_refused_or_absent(api, sim, suite):
    path = "/api/Spaces-1/users/{0}/permissions".format(sim.world.api_user.id)
    sim.world.permission_read = "refused"
    answer = api.call("GET", path)
    assert answer.status_code == 403 and answer.json()["ErrorMessage"] == MISSING + "UserView"
    sim.world.permission_read = "absent"
    assert api.call("GET", path).status_code == 404
    other = sim.world.add_user("someone")
    sim.world.permission_read = "allowed"
    assert api.call("GET", "/api/users/{0}/permissions".format(other.id)).status_code == 403


def test_a_create_outside_the_key_users_scope_is_refused_as_octopus_refuses_it(api, sim, suite):
    sim.world.scope_api_user("DeploymentCreate", environments=["Staging"])
    answer = api.call("POST", "/api/Spaces-1/deployments", json=create_body(suite))
    assert answer.status_code == 403
    assert answer.json()["ErrorMessage"] == MISSING + "DeploymentCreate"
    sim.world.scope_api_user("DeploymentCreate", project_groups=[suite.projects["Web API"]
                                                                 .project_group_id])
    api.post("/api/Spaces-1/deployments", json=create_body(suite), expect=201)


def test_an_interruption_needs_interruption_submit_for_its_project(api, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(
        run_seconds=10, interruptions=[InterruptionPlan(at_seconds=1)]))
    made = api.post("/api/Spaces-1/deployments", json=create_body(suite), expect=201)
    sim.clock.advance(2)
    [pending] = api.get("/api/Spaces-1/interruptions?regarding={0}".format(made["TaskId"]))["Items"]
    sim.world.revoke_api_user("InterruptionSubmit")
    sim.world.scope_api_user("InterruptionViewSubmitResponsible", environments=["Test"])
    path = "/api/Spaces-1/interruptions/{0}/responsible".format(pending["Id"])
    assert api.call("PUT", path).status_code == 403
    sim.world.scope_api_user("InterruptionViewSubmitResponsible", environments=["Production"])
    assert api.call("PUT", path).status_code == 200


def test_freezes_are_listed_instance_wide_with_count_and_paging(api, sim, suite):
    now = sim.clock.now()
    for number in range(3):
        sim.world.add_deployment_freeze("Freeze {0}".format(number), now, now + timedelta(hours=1),
                                        projects={"Web API": ["Production"]})
    page = api.get("/api/deploymentfreezes?skip=1&take=1")
    assert page["Count"] == 3 and [f["Name"] for f in page["DeploymentFreezes"]] == ["Freeze 1"]
    assert "Items" not in page
    first = page["DeploymentFreezes"][0]
    assert first["ProjectEnvironmentScope"] == {
        suite.projects["Web API"].id: [suite.environments["Production"].id]}
    assert first["TenantProjectEnvironmentScope"] == [] and first["RecurringSchedule"] is None
    assert api.get("/api/deploymentfreezes/" + first["Id"])["Name"] == "Freeze 1"
    assert api.call("GET", "/api/Spaces-1/deploymentfreezes").status_code == 404
    sim.world.freezes_supported = False
    assert api.call("GET", "/api/deploymentfreezes").status_code == 404


def test_a_frozen_environment_refuses_the_create_and_the_override_passes(api, sim, suite):
    now = sim.clock.now()
    frozen = sim.world.add_deployment_freeze("Year end", now - timedelta(hours=1),
                                             now + timedelta(hours=1),
                                             projects={"Web API": ["Production"]})
    answer = api.call("POST", "/api/Spaces-1/deployments", json=create_body(suite))
    assert answer.status_code == 400
    assert answer.json() == {"ErrorMessage": "There was a problem with your request.",
                             "Errors": ["The environment Production is frozen by freeze Year end."]}
    override = {"CreateDeploymentCommand": create_body(suite), "FreezeIds": [frozen["Id"]],
                "Reason": "Hotfix", "SpaceId": "Spaces-1"}
    assert api.call("POST", "/api/Spaces-1/deployments/override",
                    json=dict(override, Reason=" ")).status_code == 400
    sim.world.revoke_api_user("DeploymentFreezeAdminister")
    denied = api.call("POST", "/api/Spaces-1/deployments/override", json=override)
    assert denied.status_code == 403
    assert denied.json()["ErrorMessage"] == MISSING + "DeploymentFreezeAdminister"
    sim.world.grants.pop("DeploymentFreezeAdminister")
    made = api.post("/api/Spaces-1/deployments/override", json=override, expect=201)
    assert made["Deployment"]["EnvironmentId"] == suite.environments["Production"].id
    api.post("/api/Spaces-1/deployments", json=create_body(suite, "Web UI"), expect=201)


def test_a_scheduled_deployment_that_would_start_in_a_recurring_freeze_fails(api, sim, suite):
    now = sim.clock.now()
    sim.world.add_deployment_freeze("Nightly", now + timedelta(hours=2), now + timedelta(hours=3),
                                    projects={"Web API": ["Production"]},
                                    recurring={"Type": "Daily", "Unit": 1})
    later = (now + timedelta(days=3, hours=2, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    made = api.post("/api/Spaces-1/deployments", json=create_body(suite, QueueTime=later),
                    expect=201)
    sim.clock.advance(3 * 86400 + 9500)
    task = api.get("/api/Spaces-1/tasks/" + made["TaskId"])
    assert task["State"] == "Failed"
    assert task["ErrorMessage"] == "The environment Production is frozen by freeze Nightly."


def test_machine_health_shows_in_the_deployment_preview(api, sim, suite):
    sim.world.set_machine_health("s-web-api-01", "Unavailable")
    sim.world.set_machine_health("s-web-api-02", "Unhealthy", is_disabled=True)
    path = "/api/Spaces-1/releases/{0}/deployments/preview/{1}".format(
        release(suite).id, suite.environments["Production"].id)
    [step] = api.get(path)["StepsToExecute"]
    assert step["Machines"] == []
    assert step["UnavailableMachines"] == [{"Id": suite.machines["s-web-api-01"].id,
                                            "Name": "s-web-api-01"}]
    assert step["ExcludedMachines"] == [{"Id": suite.machines["s-web-api-02"].id,
                                         "Name": "s-web-api-02"}]
    sim.world.set_machine_health("s-web-api-02", "Unhealthy")
    [step] = api.get(path)["StepsToExecute"]
    assert step["Machines"][0]["HealthStatus"] == "Unhealthy" and step["ExcludedMachines"] == []
