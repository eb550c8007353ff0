"""What a release train asks of the simulator: project groups, batched lookups, big worlds."""

from octopus_sim import history


def test_sample_children_are_in_the_platform_group_and_the_parent_is_not(api, suite):
    groups = api.get("/api/Spaces-1/projectgroups")
    assert groups["ItemType"] == "ProjectGroup"
    assert [g["Name"] for g in groups["Items"]] == ["Default Project Group", "Platform"]
    platform = next(g for g in groups["Items"] if g["Name"] == "Platform")
    assert platform["Id"] == suite.group.id == "ProjectGroups-2"
    assert platform["Links"]["Projects"].startswith("/api/Spaces-1/projectgroups/ProjectGroups-2/projects")
    members = api.get("/api/Spaces-1/projectgroups/%s/projects" % platform["Id"])
    assert members["ItemType"] == "Project"
    assert [p["Name"] for p in members["Items"]] == ["Database", "Scheduling Service", "Web API", "Web UI"]
    assert {p["ProjectGroupId"] for p in members["Items"]} == {"ProjectGroups-2"}
    parent = api.get("/api/Spaces-1/projects/%s" % suite.parent.id)
    assert parent["ProjectGroupId"] == "ProjectGroups-1"


def test_project_group_routes_all_single_paged_any_case_and_404(api, sim, suite):
    every = api.get("/api/projectgroups/all")
    assert isinstance(every, list) and [g["Name"] for g in every] == ["Default Project Group", "Platform"]
    single = api.get("/api/spaces-1/PROJECTGROUPS/projectgroups-2")
    assert single["Name"] == "Platform" and single["SpaceId"] == "Spaces-1"
    assert api.get("/api/Spaces-1/projectgroups?partialName=plat")["TotalResults"] == 1
    page = api.get("/api/Spaces-1/projectgroups/ProjectGroups-2/projects?take=3")
    assert page["TotalResults"] == 4 and len(page["Items"]) == 3 and "Page.Next" in page["Links"]
    assert [p["Name"] for p in api.get(page["Links"]["Page.Next"])["Items"]] == ["Web UI"]
    missing = api.call("GET", "/api/Spaces-1/projectgroups/ProjectGroups-99/projects")
    assert missing.status_code == 404 and "ProjectGroups-99" in missing.json()["ErrorMessage"]
    assert "ProjectGroups" in api.get("/api/Spaces-1")["Links"]


def test_groups_belong_to_their_space_and_projects_can_move(api, sim, suite):
    other = sim.world.add_space("Other")
    assert [g["Name"] for g in api.get("/api/%s/projectgroups/all" % other.id)] == ["Default Project Group"]
    assert api.call("GET", "/api/%s/projectgroups/ProjectGroups-2" % other.id).status_code == 404
    sim.world.set_project_group(suite.projects["Web UI"], "Default Project Group")
    names = [p["Name"] for p in api.get("/api/Spaces-1/projectgroups/ProjectGroups-2/projects")["Items"]]
    assert names == ["Database", "Scheduling Service", "Web API"]
    dashboard = api.get("/api/Spaces-1/dashboard")
    assert [g["Name"] for g in dashboard["ProjectGroups"]] == ["Default Project Group", "Platform"]
    web_ui = next(p for p in dashboard["Projects"] if p["Name"] == "Web UI")
    assert web_ui["ProjectGroupId"] == "ProjectGroups-1"


def test_tasks_by_ids_returns_exactly_those_paged_in_any_case(api, suite):
    wanted = [suite.deployments[i].task_id for i in (0, 5, 9)]
    page = api.get("/api/tasks?ids=%s&take=2" % ",".join(i.lower() for i in wanted))
    assert page["TotalResults"] == 3 and len(page["Items"]) == 2 and "Page.Next" in page["Links"]
    rest = api.get(page["Links"]["Page.Next"])
    assert sorted(t["Id"] for t in page["Items"] + rest["Items"]) == sorted(wanted)
    repeated = api.get("/api/Spaces-1/tasks?IDS=%s&ids=%s" % (wanted[0], wanted[1]))
    assert sorted(t["Id"] for t in repeated["Items"]) == sorted(wanted[:2])


def test_batched_listings_a_planner_can_use(api, suite):
    ids = [suite.projects[n].id for n in ("Database", "Web API", "Web UI")]
    projects = api.get("/api/Spaces-1/projects?ids=%s" % ",".join(ids))
    assert sorted(p["Id"] for p in projects["Items"]) == sorted(ids)
    assert len(api.get("/api/Spaces-1/projects/all")) == 5
    channels = api.get("/api/Spaces-1/channels/all")
    assert {c["ProjectId"] for c in channels} >= set(ids)
    production = suite.environments["Production"].id
    done = api.get("/api/Spaces-1/deployments?projects=%s&environments=%s&taskState=Success&take=100"
                   % (",".join(ids), production))
    assert sorted({d["ProjectId"] for d in done["Items"]}) == sorted(ids)
    assert {d["EnvironmentId"] for d in done["Items"]} == {production}


def test_generated_suite_is_a_group_one_release_behind_in_the_last_environment(api, sim):
    made = history.generate_suite(sim.world, projects=10, releases=3)
    assert len(made.projects) == 10 and made.projects[0].name == "Service 001"
    members = api.get("/api/Spaces-1/projectgroups/%s/projects?take=100" % made.group.id)
    assert members["TotalResults"] == 10
    production = made.environments[-1]
    dashboard = api.get("/api/Spaces-1/dashboard")
    current = {(i["ProjectId"], i["EnvironmentId"]): i["ReleaseVersion"] for i in dashboard["Items"]}
    for project in made.projects:
        assert current[(project.id, production.id)] == "1.0.2"
        assert current[(project.id, made.environments[-2].id)] == "1.0.3"
    newest = sim.world.releases_of(made.projects[4])[0]
    template = api.get("/api/Spaces-1/releases/%s/deployments/template" % newest.id)
    assert production.id in [e["Id"] for e in template["PromoteTo"]]


def test_a_hundred_project_world_builds_quickly(sim):
    made = history.generate_suite(sim.world, projects=100, releases=5, group="Big")
    assert len(made.projects) == 100
    assert len(sim.world.projects_in_group(made.group)) == 100
    assert sum(len(sim.world.deployments_for(p)) for p in made.projects[:3]) == 3 * 19


def test_a_request_line_over_8_kb_is_answered_414_before_routing(api, suite):
    """Kestrel's default MaxRequestLineSize: a batch of ids too long for one address."""
    ids = ",".join("ServerTasks-{0}".format(n) for n in range(1000, 1600))
    answer = api.call("GET", "/api/tasks?ids=" + ids)
    assert answer.status_code == 414 and answer.content == b""
    assert api.call("GET", "/api/tasks?ids=" + ids[:7000]).status_code == 200
