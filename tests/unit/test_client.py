"""The HTTP choke point, against requests-mock: headers, paging, errors, redirects, retries."""

import pytest
import requests
import requests_mock

from child_deploy.errors import NotFoundError, OctopusApiError, OctopusUnreachableError
from child_deploy.octopus_client import OctopusClient
from child_deploy.retrying import RetryPolicy, backoff_seconds, should_retry
from fakes import API_KEY, FakeClock

BASE = "https://octopus.example.com"


@pytest.fixture
def mocked():
    with requests_mock.Mocker() as mock:
        yield mock


def make_client(log=None, clock=None, **kwargs):
    return OctopusClient(BASE, API_KEY, session=requests.Session(), log=log,
                         clock=clock or FakeClock(), rand=lambda: 1.0, **kwargs)


def page(items, next_link=None, total=None):
    links = {"Self": "/x"}
    if next_link:
        links["Page.Next"] = next_link
    return {"ItemType": "X", "Items": items, "TotalResults": total or len(items),
            "ItemsPerPage": 30, "Links": links}


def test_key_sent_as_header_and_space_routes(mocked):
    mocked.get(BASE + "/api/Spaces-2/projects/Projects-1", json={"Id": "Projects-1"})
    client = make_client().in_space("Spaces-2")
    assert client.get("projects/Projects-1") == {"Id": "Projects-1"}
    request = mocked.request_history[0]
    assert request.headers["X-Octopus-ApiKey"] == API_KEY
    assert "apikey" not in request.url.lower()


def test_system_routes_skip_the_space(mocked):
    mocked.get(BASE + "/api/events", json=page([]))
    make_client().in_space("Spaces-1").get("events", system=True)
    assert mocked.request_history[0].path == "/api/events"


def test_get_all_follows_page_next_to_the_end(mocked):
    mocked.get(BASE + "/api/Spaces-1/machines?take=200", json=page([{"Id": 1}], "/api/Spaces-1/machines?skip=1&take=1"))
    mocked.get(BASE + "/api/Spaces-1/machines?skip=1&take=1", json=page([{"Id": 2}], "/api/Spaces-1/machines?skip=2&take=1"))
    mocked.get(BASE + "/api/Spaces-1/machines?skip=2&take=1", json=page([{"Id": 3}]))
    items = make_client().in_space("Spaces-1").get_all("machines")
    assert [i["Id"] for i in items] == [1, 2, 3]


def test_get_all_without_links_pages_by_skip(mocked):
    first = {"Items": [{"Id": 1}, {"Id": 2}], "TotalResults": 3}
    mocked.get(BASE + "/api/things?take=200", json=first)
    mocked.get(BASE + "/api/things?take=200&skip=2", json={"Items": [{"Id": 3}], "TotalResults": 3})
    assert len(make_client().get_all("things")) == 3


def test_get_all_accepts_bare_arrays(mocked):
    mocked.get(BASE + "/api/teammembership", json=[{"TeamId": "Teams-1"}])
    assert make_client().get_all("teammembership") == [{"TeamId": "Teams-1"}]


def test_find_by_name_is_exact_and_reads_every_page(mocked):
    names = ["Web API {0}".format(i) for i in range(150)] + ["Web API"]
    mocked.get(BASE + "/api/Spaces-1/projects?partialName=web+api&take=200",
               json=page([{"Name": n} for n in names[:100]], "/api/Spaces-1/projects?skip=100"))
    mocked.get(BASE + "/api/Spaces-1/projects?skip=100", json=page([{"Name": n} for n in names[100:]]))
    assert make_client().in_space("Spaces-1").find_by_name("projects", "web api", "Project") == \
        {"Name": "Web API"}


def test_find_by_name_not_found_suggests_a_close_name(mocked):
    mocked.get(BASE + "/api/Spaces-1/projects", json=page([{"Name": "Web API"}]))
    with pytest.raises(NotFoundError) as raised:
        make_client().in_space("Spaces-1").find_by_name("projects", "Web Api2", "Project",
                                                         hint='Check "Child Project Name".')
    assert 'Did you mean "Web API"?' in str(raised.value) and "Child Project Name" in str(raised.value)


def test_errors_carry_octopus_message_errors_and_a_hint(mocked):
    mocked.post(BASE + "/api/deployments", status_code=400,
                json={"ErrorMessage": "There was a problem with your request.",
                      "Errors": ["Production is not in the lifecycle"]})
    with pytest.raises(OctopusApiError) as raised:
        make_client().post("deployments", body={})
    error = raised.value
    assert error.status == 400 and error.errors == ["Production is not in the lifecycle"]
    assert "400" in str(error) and "POST /api/deployments" in str(error)
    assert "Production is not in the lifecycle" in str(error)


@pytest.mark.parametrize("status, hint", [(401, "Octopus API Key"), (403, "Deployment Creator"),
                                          (404, "names and ids")])
def test_auth_and_not_found_hints(mocked, status, hint):
    mocked.get(BASE + "/api/projects", status_code=status, json={"ErrorMessage": "nope"})
    with pytest.raises(OctopusApiError, match=hint):
        make_client().get("projects")


def test_key_echoed_by_the_server_is_scrubbed(mocked):
    mocked.get(BASE + "/api/projects", status_code=401,
               json={"ErrorMessage": "Key {0} is invalid".format(API_KEY)})
    with pytest.raises(OctopusApiError) as raised:
        make_client().get("projects")
    assert API_KEY not in str(raised.value)


def test_cross_host_redirect_is_refused_and_the_key_not_sent(mocked):
    mocked.get(BASE + "/api/projects", status_code=302, headers={"Location": "https://evil.example/api/projects"})
    evil = mocked.get("https://evil.example/api/projects", json={})
    with pytest.raises(OctopusApiError, match="another address"):
        make_client().get("projects")
    assert evil.call_count == 0


def test_scheme_change_counts_as_another_origin(mocked):
    mocked.get(BASE + "/api/projects", status_code=301, headers={"Location": "http://octopus.example.com/api/projects"})
    with pytest.raises(OctopusApiError):
        make_client().get("projects")


def test_same_origin_redirect_is_followed_with_the_key(mocked):
    mocked.get(BASE + "/api/projects", status_code=307, headers={"Location": "/octopus/api/projects"})
    mocked.get(BASE + "/octopus/api/projects", json={"ok": True})
    assert make_client().get("projects") == {"ok": True}
    assert mocked.request_history[1].headers["X-Octopus-ApiKey"] == API_KEY


def test_get_retries_transient_failures_with_backoff(mocked):
    clock = FakeClock()
    mocked.get(BASE + "/api/projects", [{"status_code": 503, "json": {"ErrorMessage": "busy"}},
                                        {"exc": requests.exceptions.ConnectionError},
                                        {"status_code": 200, "json": {"ok": 1}}])
    lines = []
    assert make_client(log=lines.append, clock=clock).get("projects") == {"ok": 1}
    assert clock.sleeps == [0.5, 1.0]
    assert sum("Retrying" in line for line in lines) == 2


def test_retry_after_is_honoured(mocked):
    clock = FakeClock()
    mocked.get(BASE + "/api/projects", [{"status_code": 429, "headers": {"Retry-After": "7"}},
                                        {"json": {}}])
    make_client(clock=clock).get("projects")
    assert clock.sleeps == [7.0]


def test_post_is_never_retried_blind(mocked):
    mocked.post(BASE + "/api/deployments", status_code=503, json={"ErrorMessage": "busy"})
    with pytest.raises(OctopusApiError):
        make_client().post("deployments", body={})
    assert mocked.call_count == 1


def test_client_errors_are_not_retried(mocked):
    mocked.get(BASE + "/api/projects", status_code=400, json={"ErrorMessage": "bad"})
    with pytest.raises(OctopusApiError):
        make_client().get("projects")
    assert mocked.call_count == 1


def test_retries_stop_at_the_time_budget(mocked):
    clock = FakeClock()
    mocked.get(BASE + "/api/projects", status_code=502, json={})
    with pytest.raises(OctopusApiError):
        make_client(clock=clock, deadline=clock.monotonic() + 2).get("projects")
    assert sum(clock.sleeps) <= 2


def test_connection_failure_names_the_server(mocked):
    mocked.get(BASE + "/api/projects", exc=requests.exceptions.ConnectionError)
    with pytest.raises(OctopusUnreachableError, match="Could not reach Octopus"):
        make_client(retry=RetryPolicy(attempts=1)).get("projects")


def test_non_json_answer_is_explained(mocked):
    mocked.get(BASE + "/api/projects", text="<html>login</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(OctopusApiError, match="not JSON"):
        make_client().get("projects")


def test_one_verbose_line_per_call_without_the_key(mocked):
    mocked.get(BASE + "/api/projects", json={})
    lines = []
    make_client(log=lines.append).get("projects", params={"partialName": "Web"})
    assert len(lines) == 1 and "GET /api/projects?partialName=Web 200" in lines[0]
    assert API_KEY not in lines[0]


def test_backoff_is_capped_and_jittered():
    policy = RetryPolicy(base_seconds=1, cap_seconds=5)
    assert backoff_seconds(policy, 10, rand=lambda: 1.0) == 5
    assert backoff_seconds(policy, 1, rand=lambda: 0.0) == 0.5
    assert should_retry(policy, OctopusApiError("x", status=503), 1, False, None, 1)[0] is False
