"""Routing, paging, auth and error behaviour of the simulated server."""

import requests

from octopus_sim import Phase, ProcessStep


def test_three_route_forms_reach_the_same_resource(api, suite):
    project_id = suite.projects["Web API"].id
    forms = ["/api/Spaces-1/projects/%s", "/api/projects/%s", "/api/spaces/Spaces-1/projects/%s"]
    bodies = [api.get(form % project_id) for form in forms]
    assert bodies[0] == bodies[1] == bodies[2]
    assert api.sim.request_counts()["GET /api/{space}/projects/{id}"] == 2
    assert api.sim.request_counts()["GET /api/projects/{id}"] == 1


def test_paths_and_query_names_are_case_insensitive(api, suite):
    project_id = suite.projects["Web API"].id
    lower = api.get("/api/spaces-1/Projects/%s/Progression" % project_id.lower())
    assert lower["Releases"]
    page = api.get("/api/Spaces-1/PROJECTS?PartialName=web&TAKE=1")
    assert page["ItemsPerPage"] == 1 and page["TotalResults"] == 2


def test_paging_envelope_and_page_next(api, sim, suite):
    for number in range(35):
        sim.world.add_environment("Extra %02d" % number)
    first = api.get("/api/Spaces-1/environments")
    assert first["ItemsPerPage"] == 30 and first["TotalResults"] == 40
    assert first["NumberOfPages"] == 2 and first["LastPageNumber"] == 1
    assert "Page.Next" in first["Links"]
    second = api.get(first["Links"]["Page.Next"])
    assert len(second["Items"]) == 10 and "Page.Next" not in second["Links"]
    names = [e["Name"] for e in first["Items"] + second["Items"]]
    assert names[:5] == ["Development", "Test", "Staging", "Prod Approval", "Production"]
    assert len(set(names)) == 40
    everything = api.get(first["Links"]["Page.All"])
    assert len(everything["Items"]) == 40


def test_empty_collection(api, suite):
    page = api.get("/api/Spaces-1/projects?partialName=nothing-like-this")
    assert page["TotalResults"] == 0 and page["Items"] == []
    assert page["NumberOfPages"] == 0 and page["LastPageNumber"] == 0
    assert "Page.Next" not in page["Links"]


def test_bare_arrays(api, suite):
    assert isinstance(api.get("/api/Spaces-1/projects/all"), list)
    assert isinstance(api.get("/api/Spaces-1/environments/all"), list)
    assert isinstance(api.get("/api/spaces/all"), list)
    memberships = api.get("/api/teammembership?userId=%s&spaces=Spaces-1&includeSystem=true" % suite.approver.id)
    assert [m["TeamId"] for m in memberships] == [suite.approvers.id]


def test_comma_separated_and_repeated_list_parameters(api, suite):
    ids = [suite.environments["Test"].id, suite.environments["Staging"].id]
    comma = api.get("/api/Spaces-1/environments?ids=" + ",".join(ids))
    repeated = api.get("/api/Spaces-1/environments?ids=%s&ids=%s" % tuple(ids))
    assert [e["Id"] for e in comma["Items"]] == ids == [e["Id"] for e in repeated["Items"]]


def test_auth_missing_and_wrong_key(sim, suite):
    missing = requests.get(sim.url + "/api/Spaces-1/projects", timeout=5)
    assert missing.status_code == 401 and "ErrorMessage" in missing.json()
    wrong = requests.get(sim.url + "/api/Spaces-1/projects", headers={"X-Octopus-ApiKey": "API-WRONG"}, timeout=5)
    assert wrong.status_code == 401 and "API key" in wrong.json()["ErrorMessage"]
    query_key = requests.get(sim.url + "/api/Spaces-1/projects?apikey=" + sim.api_key, timeout=5)
    assert query_key.status_code == 200
    assert "apikey" not in query_key.json()["Links"]["Self"].lower()
    bearer = requests.get(sim.url + "/api/users/me", headers={"Authorization": "Bearer " + sim.api_key}, timeout=5)
    assert bearer.status_code == 200


def test_forbidden_for_read_only_user_and_other_space(sim, suite):
    sim.world.add_user("viewer", api_key="API-VIEWER", read_only=True, space_ids=["Spaces-1"])
    headers = {"X-Octopus-ApiKey": "API-VIEWER"}
    body = {"ReleaseId": suite.releases[("Web API", "2021.1.1.2")].id, "EnvironmentId": suite.environments["Staging"].id}
    refused = requests.post(sim.url + "/api/Spaces-1/deployments", json=body, headers=headers, timeout=5)
    assert refused.status_code == 403 and "permission" in refused.json()["ErrorMessage"]
    other = sim.world.add_space("Other")
    hidden = requests.get(sim.url + "/api/%s/projects" % other.id, headers=headers, timeout=5)
    assert hidden.status_code == 403


def test_not_found_forms(api, suite):
    for path in ["/api/Spaces-1/projects/Projects-999", "/api/Spaces-9/projects", "/api/Spaces-1/no-such-route",
                 "/api/Spaces-1/projects/Projects-1/releases/9.9.9"]:
        response = api.call("GET", path)
        assert response.status_code == 404, path
        message = response.json()["ErrorMessage"]
        assert message.startswith("The resource '") and message.endswith("' was not found."), message


def test_validation_error_body(api, suite):
    response = api.call("POST", "/api/Spaces-1/deployments", json={"Comments": "no ids"})
    assert response.status_code == 400
    body = response.json()
    assert body["ErrorMessage"] and body["Errors"] == [
        "Please specify the release to deploy.", "Please provide a target environment to deploy to."]
    empty = api.call("POST", "/api/Spaces-1/deployments")
    assert empty.status_code == 400 and empty.json()["ErrorMessage"] == "No request body was supplied."


def test_create_returns_201_and_method_not_allowed(api, suite):
    body = {"ReleaseId": suite.releases[("Web API", "2021.1.1.2")].id, "EnvironmentId": suite.environments["Staging"].id}
    assert api.call("POST", "/api/Spaces-1/deployments", json=body).status_code == 201
    assert api.call("DELETE", "/api/Spaces-1/projects").status_code == 405


def test_releases_are_newest_version_first_and_searchable(api, sim, suite):
    project = suite.projects["Web API"]
    sim.world.add_release(project, "2021.1.0.10")           # created last, but an older version
    channel = sim.world.default_channel(project)
    versions = [r["Version"] for r in api.get("/api/Spaces-1/channels/%s/releases" % channel.id)["Items"]]
    assert versions == ["2021.1.1.2", "2021.1.1.1", "2021.1.0.10", "2021.1.0.1"]
    found = api.get("/api/Spaces-1/projects/%s/releases?searchByVersion=2021.1.1" % project.id)
    assert [r["Version"] for r in found["Items"]] == ["2021.1.1.2", "2021.1.1.1"]
    single = api.get("/api/Spaces-1/projects/%s/releases/2021.1.1.1" % project.id)
    assert single["Version"] == "2021.1.1.1"
    by_ids = api.get("/api/Spaces-1/releases?ids=%s" % single["Id"])
    assert [r["Id"] for r in by_ids["Items"]] == [single["Id"]]


def test_deployment_filters(api, suite):
    web_api = suite.projects["Web API"].id
    test_env = suite.environments["Test"].id
    page = api.get("/api/Spaces-1/deployments?projects=%s&environments=%s&taskState=Success" % (web_api, test_env))
    assert [d["ReleaseId"] for d in page["Items"]] == [suite.releases[("Web API", v)].id
                                                      for v in ("2021.1.1.2", "2021.1.1.1", "2021.1.0.1")]
    failed = api.get("/api/Spaces-1/deployments?projects=%s&taskState=Failed" % suite.projects["Web UI"].id)
    assert len(failed["Items"]) == 1
    per_release = api.get("/api/Spaces-1/releases/%s/deployments" % suite.releases[("Web API", "2021.1.1.1")].id)
    assert [d["EnvironmentId"] for d in per_release["Items"]] == [suite.environments[e].id
                                                                 for e in ("Staging", "Test", "Development")]


def test_task_list_filters_like_v29(api, suite):
    query = ("/api/tasks?skip=0&take=100&spaces=Spaces-1&includeSystem=false&project=%s&name=Deploy&states=Success"
             "&environment=%s" % (suite.projects["Web UI"].id, suite.environments["Test"].id))
    page = api.get(query)
    assert len(page["Items"]) == 2 and page["TotalCounts"]["Success"] == 2
    assert all(t["Arguments"]["DeploymentId"].startswith("Deployments-") for t in page["Items"])


def test_preview_lists_machines_by_role_and_prompted_variables(api, suite):
    release = suite.releases[("Web UI", "2021.1.1.2")]
    preview = api.get("/api/Spaces-1/releases/%s/deployments/preview/%s?includeDisabledSteps=true"
                      % (release.id, suite.environments["Staging"].id))
    assert [m["Name"] for m in preview["StepsToExecute"][0]["Machines"]] == ["s-web-ui-01", "s-web-ui-02"]
    element = preview["Form"]["Elements"][0]
    assert element["Control"]["Name"] == "WebUI.BannerText" and element["Control"]["Required"] is False
    database = suite.releases[("Database", "2021.1.1.1")]
    worker = api.get("/api/Spaces-1/releases/%s/deployments/preview/%s" % (database.id, suite.environments["Staging"].id))
    assert worker["StepsToExecute"][0]["Machines"] == [] and worker["StepsToExecute"][0]["Roles"] == []
    assert [c["Version"] for c in preview["Changes"]] == ["2021.1.1.2"]
    assert preview["Changes"][0]["WorkItems"][0]["LinkUrl"].startswith("https://")


def test_process_template_and_lifecycle_preview(api, sim, suite):
    release = api.get("/api/Spaces-1/releases/%s" % suite.releases[("Database", "2021.1.1.1")].id)
    template = api.get("/api/Spaces-1/deploymentprocesses/%s/template?channel=%s&releaseId=%s" % (
        release["ProjectDeploymentProcessSnapshotId"], release["ChannelId"], release["Id"]))
    assert template["Packages"][0]["StepName"] == "Deploy Database Changes"
    assert template["Packages"][0]["PackageId"] == "Database"
    lifecycle = sim.world.add_lifecycle("Open", [Phase("First", automatic=["Development"]), Phase("Rest")])
    preview = api.get("/api/Spaces-1/lifecycles/%s/preview" % lifecycle.id)
    assert preview["Phases"][1]["OptionalDeploymentTargets"] == [suite.environments[e].id for e in
                                                                 ("Test", "Staging", "Prod Approval", "Production")]
    sim.world.add_project("Disabled step", lifecycle, steps=[ProcessStep("Off", is_disabled=True)])


def test_unprefixed_mixed_scope_routes(api, sim, suite):
    other = sim.world.add_space("Second")
    env = sim.world.add_environment("Only", space=other)
    lifecycle = sim.world.add_lifecycle("L", [Phase("Only", optional=[env])], space=other)
    project = sim.world.add_project("Elsewhere", lifecycle, space=other)
    sim.world.add_deployment(sim.world.add_release(project, "1.0.0"), env)
    everywhere = api.get("/api/tasks?spaces=all&take=1000")["TotalResults"]
    default_only = api.get("/api/tasks?spaces=Spaces-1&take=1000")["TotalResults"]
    scoped = api.get("/api/%s/tasks" % other.id)["TotalResults"]
    assert everywhere == default_only + 1 and scoped == 1


def test_task_state_filters_take_one_known_state_in_any_case(api, sim, suite):
    web_api = suite.projects["Web API"].id
    route = "/api/Spaces-1/deployments?projects=%s&taskState=" % web_api
    assert api.get(route + "success")["TotalResults"] == api.get(route + "Success")["TotalResults"] > 0
    for bad in ("Bogus", "Queued,Success"):
        response = api.call("GET", route + bad)
        assert response.status_code == 400 and "taskState" in response.json()["ErrorMessage"]
    assert api.call("GET", "/api/tasks?states=Bogus").status_code == 400
    assert api.get("/api/tasks?states=success")["TotalResults"] == api.get("/api/tasks?states=Success")["TotalResults"]
    web_ui = "/api/Spaces-1/deployments?projects=%s&taskState=Success&take=100" % suite.projects["Web UI"].id

    def states():
        return {sim.world.task_of(sim.world.get(d["Id"])).state for d in api.get(web_ui)["Items"]}

    assert states() == {"Success"}
    sim.world.ignore_task_state_filter = True
    assert states() == {"Success", "Failed"}


def test_interruptions_are_space_scoped(api, sim, suite):
    """Unlike tasks and events, an unprefixed interruptions path means the default space."""
    world = sim.world
    space = world.add_space("Other")
    environment = world.add_environment("Test", space=space)
    project = world.add_project("Elsewhere", world.add_lifecycle("L", [Phase("Test", optional=["Test"])],
                                                                  space=space), space=space)
    from octopus_sim import InterruptionPlan, TaskScript
    world.set_task_script(project, TaskScript(interruptions=[InterruptionPlan(at_seconds=1)]))
    deployment = world.add_deployment(world.add_release(project, "1.0.0"), environment, state="Executing")
    sim.clock.advance(2)
    world.tick()
    [interruption] = world.interruptions_regarding(deployment.task_id)
    assert api.call("GET", "/api/interruptions/%s" % interruption.id).status_code == 404
    assert api.get("/api/interruptions?regarding=%s" % deployment.task_id)["TotalResults"] == 0
    assert api.get("/api/%s/interruptions?regarding=%s" % (space.id, deployment.task_id))["TotalResults"] == 1
    assert api.get("/api/%s/interruptions/%s" % (space.id, interruption.id))["Id"] == interruption.id
