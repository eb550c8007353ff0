"""The hostile-world controls (outages, 500 after a commit, odd shapes, held requests) and the
one-deployment-per-lane queue they are tested against."""

import threading

import pytest
import requests

from octopus_sim import TaskScript


def _body(suite, **extra):
    body = {"ReleaseId": suite.releases[("Web API", "2021.1.1.2")].id,
            "EnvironmentId": suite.environments["Staging"].id}
    body.update(extra)
    return body


def _made(sim, suite):
    return sim.world.deployments_for(suite.projects["Web API"], environment="Staging")


def test_a_second_deployment_of_the_lane_starts_only_when_the_first_ends(api, sim, suite):
    """Both created together; a single long clock step must not let them overlap."""
    sim.world.set_task_script(None, TaskScript(run_seconds=60))
    first = api.post("/api/Spaces-1/deployments", _body(suite), expect=201)
    second = api.post("/api/Spaces-1/deployments", _body(suite), expect=201)
    sim.clock.advance(500)
    one, two = (api.get("/api/Spaces-1/tasks/" + d["TaskId"]) for d in (first, second))
    assert one["State"] == two["State"] == "Success"
    assert two["StartTime"] == one["CompletedTime"]


def test_a_cancelled_queued_duplicate_frees_the_lane_at_once(api, sim, suite):
    sim.world.set_task_script(None, TaskScript(run_seconds=60))
    first = api.post("/api/Spaces-1/deployments", _body(suite), expect=201)
    second = api.post("/api/Spaces-1/deployments", _body(suite), expect=201)
    assert api.post("/api/Spaces-1/tasks/%s/cancel" % second["TaskId"])["State"] == "Canceled"
    sim.clock.advance(10)
    assert api.get("/api/Spaces-1/tasks/" + first["TaskId"])["State"] == "Executing"


def test_comments_are_stored_and_rendered(api, sim, suite):
    made = api.post("/api/Spaces-1/deployments", _body(suite, Comments="run token abc"), expect=201)
    assert made["Comments"] == "run token abc"
    listed = api.get("/api/Spaces-1/deployments?projects=%s" % suite.projects["Web API"].id)
    assert listed["Items"][0]["Comments"] == "run token abc"


def test_a_500_after_applying_keeps_the_deployment(api, sim, suite):
    sim.faults.fail_after_apply(count=1)
    before = len(_made(sim, suite))
    answer = api.call("POST", "/api/Spaces-1/deployments", json=_body(suite))
    assert answer.status_code == 500 and "ErrorMessage" in answer.json()
    assert len(_made(sim, suite)) == before + 1
    assert sim.requests[-1].fault == "after-apply"
    assert api.call("POST", "/api/Spaces-1/deployments", json=_body(suite)).status_code == 201


@pytest.mark.parametrize("mode", ["drop", "503"])
def test_an_outage_hits_every_route_for_its_simulated_length(api, sim, suite, mode):
    sim.faults.outage(120, mode=mode)
    for path in ("/api", "/api/Spaces-1/projects", "/api/tasks"):
        if mode == "drop":
            with pytest.raises(requests.exceptions.ConnectionError):
                api.call("GET", path)
        else:
            answer = api.call("GET", path)
            assert answer.status_code == 503 and "text/html" in answer.headers["Content-Type"]
    sim.clock.advance(121)
    assert api.call("GET", "/api/Spaces-1/projects").status_code == 200


def test_odd_shape_replaces_the_next_answers_of_a_route(api, sim, suite):
    made = api.post("/api/Spaces-1/deployments", _body(suite), expect=201)
    sim.faults.odd_shape(count=2, path_contains="/tasks/", shape=[1, 2])
    path = "/api/Spaces-1/tasks/" + made["TaskId"]
    assert [api.get(path) for _ in range(2)] == [[1, 2], [1, 2]]
    assert api.get(path)["Id"] == made["TaskId"]
    assert api.get("/api/Spaces-1/projects")["Items"]


@pytest.mark.parametrize("after_apply", [True, False])
def test_a_held_request_waits_for_the_test(api, sim, suite, after_apply):
    hold = sim.faults.hold(after_apply=after_apply)
    before = len(_made(sim, suite))
    answers = []
    sender = threading.Thread(target=lambda: answers.append(
        api.call("POST", "/api/Spaces-1/deployments", json=_body(suite)).status_code))
    sender.start()
    assert hold.wait_until_held(5)
    assert len(_made(sim, suite)) == before + (1 if after_apply else 0)
    assert answers == []
    hold.release()
    sender.join(5)
    assert answers == [201] and len(_made(sim, suite)) == before + 1


def test_a_hold_never_released_is_dropped_when_the_simulator_stops(api, sim, suite):
    hold = sim.faults.hold(after_apply=False)
    errors = []

    def send():
        try:
            api.call("POST", "/api/Spaces-1/deployments", json=_body(suite))
        except requests.exceptions.ConnectionError as error:
            errors.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    assert hold.wait_until_held(5)
    sim.faults.release_holds()
    sender.join(5)
    assert len(errors) == 1 and sim.requests[-1].fault == "hold"
