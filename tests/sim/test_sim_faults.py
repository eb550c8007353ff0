"""Fault and load controls: latency, transient 5xx, dropped connections, maintenance, request log."""

import time

import pytest
import requests


def test_fail_next_then_recover(api, sim, suite):
    sim.faults.fail_next(2, status=503, retry_after=3)
    first = api.call("GET", "/api/Spaces-1/projects")
    assert first.status_code == 503 and first.headers["Retry-After"] == "3"
    assert "text/html" in first.headers["Content-Type"]
    assert api.call("GET", "/api/Spaces-1/projects").status_code == 503
    assert api.call("GET", "/api/Spaces-1/projects").status_code == 200
    assert [r.status for r in sim.requests] == [503, 503, 200]
    assert sim.request_counts()["GET /api/{space}/projects"] == 3


def test_fail_next_respects_methods_and_path(api, sim, suite):
    sim.faults.fail_next(1, status=502, methods=("GET",), path_contains="/tasks")
    assert api.call("GET", "/api/Spaces-1/projects").status_code == 200
    assert api.call("GET", "/api/tasks?take=1").status_code == 502
    assert api.call("GET", "/api/tasks?take=1").status_code == 200


def test_fail_rate_is_repeatable_with_a_seed(api, sim, suite):
    outcomes = []
    for _ in range(2):
        sim.faults.fail_rate(0.5, seed=7)
        outcomes.append([api.call("GET", "/api/Spaces-1/environments").status_code for _ in range(20)])
    sim.faults.fail_rate(0)
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) <= {200, 502, 503, 504} and 200 in outcomes[0] and len(set(outcomes[0])) > 1


def test_dropped_connection_after_the_post_was_applied(api, sim, suite):
    sim.faults.drop_connection(count=1, methods=("POST",), path_contains="/deployments", after_apply=True)
    body = {"ReleaseId": suite.releases[("Web API", "2021.1.1.2")].id, "EnvironmentId": suite.environments["Staging"].id}
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(sim.url + "/api/Spaces-1/deployments", json=body,
                      headers={"X-Octopus-ApiKey": sim.api_key}, timeout=5)
    made = sim.world.deployments_for(suite.projects["Web API"], environment="Staging")
    assert made[0].created == sim.clock.now()                 # the deployment exists although no answer came
    assert sim.requests[-1].dropped and sim.requests[-1].status == 201
    again = api.call("POST", "/api/Spaces-1/deployments", json=body)
    assert again.status_code == 201


def test_dropped_connection_before_apply(api, sim, suite):
    sim.faults.drop_connection(count=1, methods=("POST",), path_contains="/deployments", after_apply=False)
    count = len(sim.world.deployments_for(suite.projects["Web API"]))
    body = {"ReleaseId": suite.releases[("Web API", "2021.1.1.2")].id, "EnvironmentId": suite.environments["Staging"].id}
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(sim.url + "/api/Spaces-1/deployments", json=body,
                      headers={"X-Octopus-ApiKey": sim.api_key}, timeout=5)
    assert len(sim.world.deployments_for(suite.projects["Web API"])) == count


def test_maintenance_mode_ends_on_the_simulated_clock(api, sim, suite):
    sim.faults.maintenance(60, retry_after=30)
    response = api.call("GET", "/api/Spaces-1/projects")
    assert response.status_code == 503 and "maintenance mode" in response.json()["ErrorMessage"]
    assert response.headers["Retry-After"] == "30"
    sim.clock.advance(61)
    assert api.call("GET", "/api/Spaces-1/projects").status_code == 200


def test_latency_is_added(api, sim, suite):
    sim.faults.latency_ms = 30
    started = time.monotonic()
    api.get("/api/Spaces-1/projects")
    assert time.monotonic() - started >= 0.03
    sim.faults.latency_ms = 0


def test_request_log_records_route_templates_and_queries(api, sim, suite):
    release = suite.releases[("Web API", "2021.1.1.2")]
    api.get("/api/Spaces-1/releases/%s/deployments?skip=0&take=1000" % release.id)
    api.get("/api/releases/%s/deployments" % release.id)
    record = sim.requests[0]
    assert (record.method, record.path, record.status) == ("GET", "/api/Spaces-1/releases/%s/deployments" % release.id, 200)
    assert record.route == "GET /api/{space}/releases/{id}/deployments" and record.query == {"skip": "0", "take": "1000"}
    assert sim.request_counts()["GET /api/releases/{id}/deployments"] == 1
    sim.reset_requests()
    assert sim.requests == [] and not sim.request_counts()
