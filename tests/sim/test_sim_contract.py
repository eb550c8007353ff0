"""The simulator's answers have the shape of payloads captured from real Octopus servers.

For each real payload (copied into contract_payloads.json) the simulator's equivalent resource
must carry every field the real one has, with a compatible JSON type (null is compatible with
anything, as the real server nulls optional fields). Envelopes and error bodies match exactly.
"""

import json
import os

import pytest

from octopus_sim import InterruptionPlan, TaskScript

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "contract_payloads.json"), encoding="utf-8") as handle:
    REAL = json.load(handle)

# Values whose keys are data (ids, names), not field names: compare only that both are objects.
DATA_KEYED = {"Endpoint", "Icon", "ProjectEnvironments", "FormValues", "Values", "Arguments", "Deployments",
              "ChannelEnvironments", "LifecycleEnvironments", "TotalCounts"}


def _kind(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def shape_problems(real, ours, path="$"):
    """Every place where `ours` lacks a field of `real` or has an incompatible type."""
    problems = []
    if _kind(real) is None or _kind(ours) is None:
        return problems
    if _kind(real) != _kind(ours):
        return ["%s: real %s, simulator %s" % (path, _kind(real), _kind(ours))]
    if isinstance(real, dict):
        if path.rsplit(".", 1)[-1] in DATA_KEYED:
            return problems
        for key, value in real.items():
            if key not in ours:
                problems.append("%s.%s: missing" % (path, key))
            else:
                problems.extend(shape_problems(value, ours[key], "%s.%s" % (path, key)))
    elif isinstance(real, list) and real and ours:
        problems.extend(shape_problems(real[0], ours[0], path + "[0]"))
    return problems


def assert_shape(real, ours):
    problems = shape_problems(real, ours)
    assert not problems, "\n".join(problems)


ENVELOPE = {"ItemType", "TotalResults", "ItemsPerPage", "NumberOfPages", "LastPageNumber", "Items", "Links"}


def test_root_document(api, suite):
    root = api.get("/api")
    assert_shape(REAL["A1_root"], root)
    assert set(REAL["A1_root"]["Links"]) <= set(root["Links"])


def test_space_and_project(api, suite):
    assert_shape(REAL["A5_space"], api.get("/api/spaces/Spaces-1"))
    project = api.get("/api/Spaces-1/projects/Projects-1")
    assert_shape(REAL["A5_project"], project)
    assert set(REAL["A5_project"]["Links"]) == set(project["Links"])


def test_release_deployment_machine(api, suite):
    release = suite.releases[("Web API", "2021.1.1.2")]
    ours = api.get("/api/Spaces-1/releases/" + release.id)
    assert_shape(REAL["A6_release"], ours)
    assert set(REAL["A6_release"]["Links"]) == set(ours["Links"])
    deployment = api.get("/api/Spaces-1/deployments/" + suite.deployments[0].id)
    assert_shape(REAL["A6_deployment"], deployment)
    assert set(REAL["A6_deployment"]["Links"]) == set(deployment["Links"])
    assert_shape(REAL["A6_machine"], api.get("/api/Spaces-1/machines/Machines-1"))


def test_build_information_fields(api, suite):
    release = api.get("/api/Spaces-1/releases/" + suite.releases[("Web API", "2021.1.1.2")].id)
    info = release["BuildInformation"][0]
    for name in ("PackageId", "Version", "BuildEnvironment", "BuildNumber", "BuildUrl", "Branch", "VcsType",
                 "VcsRoot", "VcsCommitNumber", "VcsCommitUrl", "IssueTrackerName", "WorkItems", "Commits"):
        assert name in info
    assert set(info["WorkItems"][0]) == {"Id", "LinkUrl", "Source", "Description"}
    assert set(info["Commits"][0]) == {"Id", "LinkUrl", "Comment"}


def test_single_page_deployments_links(api, suite):
    page = api.get("/api/Spaces-1/deployments?projects=%s" % suite.projects["Database"].id)
    assert set(page) == ENVELOPE
    assert set(page["Links"]) == set(REAL["A6_deployments_links"])          # no Page.Next
    assert page["Links"]["Page.All"].endswith("take=2147483647")


def test_tasks_page(api, suite):
    page = api.get("/api/tasks?take=30&spaces=Spaces-1")
    assert_shape(REAL["A3_tasks_page"]["Items"][0], page["Items"][0])
    assert set(page) == ENVELOPE | {"TotalCounts"}
    assert page["Items"][0]["Links"].keys() >= REAL["A3_tasks_page"]["Items"][0]["Links"].keys()


def test_events_page_envelope_and_item(api, suite):
    page = api.get("/api/events?take=2&spaces=all")
    real = REAL["A4_events_page"]
    assert set(page) == set(real)
    assert set(page["Links"]) == set(real["Links"])                         # Page.Next present
    assert set(page["Items"][0]) == set(real["Items"][0])
    assert_shape(real["Items"][0], page["Items"][0])
    assert page["LastPageNumber"] == page["NumberOfPages"] - 1


def _interrupted(api, sim, suite, kind):
    project = suite.projects["Web API"]
    team = suite.approvers.id
    sim.world.set_task_script(project, TaskScript(run_seconds=10, interruptions=[
        InterruptionPlan(kind=kind, at_seconds=2, responsible_team_ids=[team] if kind == "ManualIntervention" else [])]))
    release = suite.releases[("Web API", "2021.1.1.2")]
    created = api.post("/api/Spaces-1/deployments", {"ReleaseId": release.id, "EnvironmentId": suite.environments[
        "Staging"].id, "UseGuidedFailure": True}, expect=201)
    sim.clock.advance(3)
    page = api.get("/api/Spaces-1/interruptions?regarding=" + created["TaskId"])
    return page


@pytest.mark.parametrize("kind,real_name", [("ManualIntervention", "A7_manual_intervention"),
                                            ("GuidedFailure", "A7_guided_failure")])
def test_interruption_shapes(api, sim, suite, kind, real_name):
    page = _interrupted(api, sim, suite, kind)
    real = REAL[real_name]
    ours = page["Items"][0]
    assert set(ours) == set(real)
    assert_shape(real, ours)
    assert ours["Type"] == kind and ours["IsPending"] is True
    assert ours["Form"]["Values"] == real["Form"]["Values"]
    ours_elements = [(e["Name"], e["Control"]["Type"], e["IsValueRequired"]) for e in ours["Form"]["Elements"]]
    real_elements = [(e["Name"], e["Control"]["Type"], e["IsValueRequired"]) for e in real["Form"]["Elements"]]
    assert ours_elements == real_elements
    assert ours["Form"]["Elements"][2]["Control"]["Buttons"] == real["Form"]["Elements"][2]["Control"]["Buttons"]
    assert set(page) == set(REAL["A8_interruptions_page"])
    assert set(page["Links"]) == set(REAL["A8_interruptions_page"]["Links"])
    if kind == "GuidedFailure":
        assert ours["Title"].endswith(" requires failure guidance")


def test_user_resource(api, suite):
    me = api.get("/api/users/me")
    assert_shape(REAL["A8_user"], me)
    assert me["IsRequestor"] is True


def test_dashboard_and_items(api, sim, suite):
    sim.world.add_tenant("Aus-East", projects={suite.projects["Web API"]: ["Development"]})
    dashboard = api.get("/api/Spaces-1/dashboard")
    assert_shape(REAL["A9_dashboard"], dashboard)
    assert set(dashboard) == set(REAL["A9_dashboard"]) | {"PreviousItems"}
    progression = api.get("/api/Spaces-1/projects/%s/progression" % suite.projects["Web API"].id)
    items = [i for row in progression["Releases"] for group in row["Deployments"].values() for i in group]
    assert_shape(REAL["A10_dashboard_items"][0], items[0])


def test_teams(api, suite):
    teams = api.get("/api/teams?spaces=Spaces-1&includeSystem=true")
    assert_shape(REAL["A11_teams"][0], teams["Items"][0])


def test_not_found_body_is_the_real_one(api, suite):
    response = api.call("GET", "/api/Spaces-1/deploymentprocesses/deploymentprocess-Projects-423")
    assert response.status_code == 404
    assert response.json() == {"ErrorMessage": "The resource 'deploymentprocess-Projects-423' was not found."}
    assert set(response.json()) <= set(REAL["A12_not_found"]) | {"Errors"}


@pytest.mark.parametrize("name", ["A13_create_minimal", "A13_create_copilot", "A13_create_v29"])
def test_real_create_deployment_bodies_are_accepted(api, suite, name):
    body = dict(REAL[name])
    body["ReleaseId"] = suite.releases[("Web API", "2021.1.1.2")].id
    body["EnvironmentId"] = suite.environments["Staging"].id
    if "ProjectId" in body:
        body["ProjectId"] = suite.projects["Web API"].id
    body["FormValues"] = {}
    created = api.post("/api/Spaces-1/deployments", body, expect=201)
    assert created["Id"].startswith("Deployments-") and created["TaskId"].startswith("ServerTasks-")
    assert created["Name"] == "Deploy to Staging"


def test_real_preview_request_body(api, sim, suite):
    project = suite.projects["Web API"]
    tenant_project = sim.world.add_project("Tenanted", suite.lifecycle, tenanted="Tenanted")
    tenant = sim.world.add_tenant("Tenant A", projects={tenant_project: ["Development"]})
    release = sim.world.add_release(tenant_project, "1.0.0")
    body = {"DeploymentPreviews": [{"TenantId": tenant.id, "EnvironmentId": suite.environments["Development"].id}]}
    previews = api.post("/api/Spaces-1/releases/%s/deployments/previews" % release.id, body)
    assert isinstance(previews, list) and len(previews) == 1
    assert {"StepsToExecute", "Form", "UseGuidedFailureModeByDefault", "Changes"} <= set(previews[0])
    assert project.id != tenant_project.id
