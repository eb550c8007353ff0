"""The HTTP choke point, against requests-mock: headers, paging, errors, redirects, retries,
and what a hostile server does (deadlines, size, cut-off and odd answers, endless pages).

Deadlines here are real but tiny (0.1 s): the watchdog is real time by nature.
"""

import io
import signal
import threading
import time

import pytest
import requests
import requests_mock

from child_deploy.octopus import paging
from child_deploy.octopus import transport
from child_deploy.base.errors import (AnswerTooLargeError, IncompleteAnswerError, NotFoundError,
                                 OctopusApiError, OctopusUnreachableError, UnexpectedAnswerError)
from child_deploy.octopus.octopus_client import OctopusClient
from child_deploy.octopus.retrying import RetryPolicy, backoff_seconds, failure_kind, should_retry
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


def test_the_first_failed_try_says_at_once_when_the_step_tries_again_and_gives_up(mocked):
    """Not a silent minute: the first failure of a retried request is said at info level,
    with the pause before the next try and the bound on all of them; later ones stay verbose."""
    clock, notices, lines = FakeClock(), [], []
    mocked.get(BASE + "/api/projects", exc=requests.exceptions.ConnectionError)
    client = make_client(log=lines.append, clock=clock, notice=notices.append)
    with pytest.raises(OctopusUnreachableError):
        client.get("projects")
    assert len(notices) == 1 and notices[0].startswith("Could not reach Octopus")
    assert "tries again in 0.5 s and gives up after at most 9 more tries, pausing 76 s in all " \
           "at most" in notices[0]
    assert len(clock.sleeps) == 9 and sum(clock.sleeps) == pytest.approx(75.5)
    assert sum("Retrying" in line for line in lines) == 9


def test_the_first_failure_bound_is_cut_to_what_is_left_of_the_steps_time(mocked):
    clock, notices = FakeClock(), []
    mocked.get(BASE + "/api/projects", [{"status_code": 502, "json": {}}, {"json": {"ok": 1}}])
    make_client(clock=clock, notice=notices.append,
                deadline=clock.monotonic() + 30).get("projects")
    assert notices and notices[0].endswith("pausing 30 s in all at most.")


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


# -- a hostile server: deadlines, size, incomplete and odd answers, paging loops, redirects --------
class Hanging(io.RawIOBase):
    """A body that never comes (until `event` is set): the headers arrived, then silence.

    (A requests-mock callback cannot hang instead: requests-mock answers one call at a time.)
    """

    def __init__(self, event):
        super().__init__()
        self.event = event

    def readable(self):
        return True

    def readinto(self, buffer):
        self.event.wait(5)
        return 0


def hanging(event):
    """A requests-mock body callback: a fresh Hanging body for every call."""
    return lambda request, context: Hanging(event)


@pytest.fixture
def release():
    event = threading.Event()
    yield event
    event.set()


def test_a_silent_server_meets_the_total_deadline_and_a_get_is_tried_twice(mocked, release):
    mocked.get(BASE + "/api/projects", body=hanging(release))
    lines, started = [], time.monotonic()
    with pytest.raises(OctopusUnreachableError) as raised:
        make_client(log=lines.append, request_timeout=0.1).get("projects")
    assert time.monotonic() - started < 1.0
    assert mocked.call_count == 2 and raised.value.overdue and raised.value.sent
    assert str(raised.value).startswith("Gave up on GET /api/projects after 0.1 s")
    assert API_KEY not in str(raised.value) + "".join(lines)
    assert len([line for line in lines if "no usable answer" in line]) == 2


def test_a_create_past_its_deadline_is_sent_answer_lost_and_not_repeated(mocked, release):
    mocked.post(BASE + "/api/deployments", body=hanging(release))
    with pytest.raises(OctopusUnreachableError) as raised:
        make_client(request_timeout=0.1).post("deployments", body={})
    assert mocked.call_count == 1 and raised.value.sent


def test_a_request_never_outlives_the_steps_deadline(mocked, release):
    clock = FakeClock()
    mocked.get(BASE + "/api/projects", body=hanging(release))
    client = make_client(clock=clock, deadline=clock.monotonic() + 0.1)
    started = time.monotonic()
    with pytest.raises(OctopusUnreachableError, match="all that was left of the step's time"):
        client.get("projects")
    assert time.monotonic() - started < 1.0


def test_no_request_is_sent_once_the_steps_time_is_spent(mocked):
    clock = FakeClock()
    mocked.get(BASE + "/api/projects", json={})
    client = make_client(clock=clock, deadline=clock.monotonic() + 5)
    clock.sleep(6)
    with pytest.raises(OctopusUnreachableError, match="time is spent") as raised:
        client.get("projects")
    assert mocked.call_count == 0 and raised.value.sent is False


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX timers")
def test_a_signal_interrupts_a_request_at_once(mocked, release):
    """SIGTERM must cancel the step at any moment: waiting for an answer does not delay it."""
    class Cancelled(Exception):
        pass

    def handler(signum, frame):
        raise Cancelled()

    mocked.get(BASE + "/api/projects", body=hanging(release))
    previous = signal.signal(signal.SIGALRM, handler)
    started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(Cancelled):
            make_client(request_timeout=30).get("projects")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 1.0


def test_an_answer_announced_above_the_cap_is_refused_unread(mocked):
    mocked.get(BASE + "/api/tasks", content=b"[]", headers={"Content-Length": str(300 * 2 ** 20)})
    with pytest.raises(AnswerTooLargeError, match="GET /api/tasks is larger than 50 MB"):
        make_client().get("tasks")
    assert mocked.call_count == 1          # not retried: it would be as large next time


def test_an_answer_growing_past_the_cap_is_refused_while_read(mocked, monkeypatch):
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 1000)
    monkeypatch.setattr(transport, "CHUNK_BYTES", 100)
    mocked.get(BASE + "/api/tasks", body=io.BytesIO(b"[" + b"0," * 5000 + b"0]"))
    with pytest.raises(AnswerTooLargeError):
        make_client().get("tasks")


@pytest.mark.parametrize("answer, how", [
    ({"content": b""}, "its body was empty"),
    ({"content": b'{"Items": [', "headers": {"Content-Type": "application/json"}},
     "does not parse"),
    ({"content": b'{"Items": []}', "headers": {"Content-Length": "100"}}, "bytes"),
    ({"body": None}, "the connection broke"),
], ids=["empty", "json-cut", "short-of-content-length", "connection-broke"])
def test_an_empty_or_cut_off_body_is_a_lost_answer_and_a_get_asks_again(mocked, answer, how):
    if "body" in answer:
        answer = {"body": BreaksAfter(b'{"Items": [{"Id": "Deployments-1"}')}
    mocked.get(BASE + "/api/releases/Releases-1/deployments",
               [dict(answer, status_code=200), {"json": page([{"Id": "Deployments-1"}])}])
    lines = []
    assert make_client(log=lines.append).get("releases/Releases-1/deployments")["Items"]
    assert mocked.call_count == 2 and "Retrying" in lines[1] and how in lines[1]


def test_a_lost_answer_is_never_read_as_an_empty_list(mocked):
    mocked.get(BASE + "/api/releases/Releases-1/deployments", content=b"")
    with pytest.raises(IncompleteAnswerError) as raised:
        make_client(retry=RetryPolicy(attempts=2)).get("releases/Releases-1/deployments")
    assert "GET /api/releases/Releases-1/deployments" in str(raised.value)


def test_a_cut_off_answer_to_a_create_is_sent_answer_lost(mocked):
    mocked.post(BASE + "/api/deployments", status_code=201, content=b'{"Id": "Deploym',
                headers={"Content-Type": "application/json"})
    with pytest.raises(IncompleteAnswerError) as raised:
        make_client().post("deployments", body={})
    assert mocked.call_count == 1 and raised.value.sent and raised.value.retryable


def test_only_a_204_may_be_empty(mocked):
    mocked.post(BASE + "/api/tasks/ServerTasks-1/cancel", status_code=204)
    assert make_client().post("tasks/ServerTasks-1/cancel", idempotent=True) == {}


def test_a_cut_off_error_page_still_reports_its_status(mocked):
    mocked.get(BASE + "/api/projects", status_code=400, body=BreaksAfter(b'{"ErrorMess'),
               reason="Bad Request")
    with pytest.raises(OctopusApiError, match="answered 400") as raised:
        make_client().get("projects")
    assert raised.value.status == 400


@pytest.mark.parametrize("payload, expect, problem", [
    ([{"Id": "Projects-1"}], dict, "an array where a JSON object was expected"),
    (42, dict, "a number where"),
    ({"Id": "x"}, list, "an object where a JSON array of objects was expected"),
    (["Teams-1"], list, "an array with items that are not objects"),
])
def test_a_wrong_shape_names_the_route_and_a_get_asks_again(mocked, payload, expect, problem):
    mocked.get(BASE + "/api/projects/Projects-1", [{"json": payload}, {"json": payload}])
    with pytest.raises(UnexpectedAnswerError) as raised:
        make_client(retry=RetryPolicy(attempts=2)).get("projects/Projects-1", expect=expect)
    assert problem in str(raised.value) and "GET /api/projects/Projects-1" in str(raised.value)
    assert mocked.call_count == 2


def test_a_wrong_shape_once_is_a_hiccup(mocked):
    mocked.get(BASE + "/api/projects/Projects-1", [{"json": []}, {"json": {"Id": "Projects-1"}}])
    assert make_client().get("projects/Projects-1") == {"Id": "Projects-1"}


def test_a_wrong_shape_answering_a_create_is_sent_answer_lost(mocked):
    mocked.post(BASE + "/api/deployments", status_code=201, json=["Deployments-1"])
    with pytest.raises(UnexpectedAnswerError) as raised:
        make_client().post("deployments", body={})
    assert mocked.call_count == 1 and raised.value.sent and raised.value.retryable


@pytest.mark.parametrize("payload, problem", [
    ({"Items": None, "TotalResults": 3}, "a page whose Items is null"),
    ({"Items": {"Id": 1}}, "a page whose Items is an object"),
    ({"Items": [{"Id": 1}, 7]}, "with items that are not objects"),
    ({"TotalResults": 3}, "an object where a page"),
    ("Octopus", "a string where"),
])
def test_get_all_checks_every_page_and_item(mocked, payload, problem):
    mocked.get(BASE + "/api/environments", json=payload)
    with pytest.raises(UnexpectedAnswerError, match=problem):
        make_client(retry=RetryPolicy(attempts=1)).get_all("environments")


def test_paging_stops_when_page_next_points_back_to_the_first_page(mocked):
    first = BASE + "/api/machines?take=200"
    mocked.get(first, json=page([{"Id": 1}], "/api/machines?skip=1&take=1"))
    mocked.get(BASE + "/api/machines?skip=1&take=1", json=page([{"Id": 2}], "/api/machines?skip=0&take=1"))
    mocked.get(BASE + "/api/machines?skip=0&take=1", json=page([{"Id": 1}], "/api/machines?skip=1&take=1"))
    lines = []
    assert [i["Id"] for i in make_client(log=lines.append).get_all("machines")] == [1, 2]
    assert mocked.call_count == 3 and "went round in a loop (it sent a page already" in lines[-1]


def test_paging_stops_when_skip_is_ignored_under_a_huge_total(mocked):
    same = {"Items": [{"Id": 1}, {"Id": 2}], "TotalResults": 10 ** 9}
    mocked.get(BASE + "/api/things", json=same)
    assert [i["Id"] for i in make_client().get_all("things")] == [1, 2]
    assert mocked.call_count == 2


def test_paging_without_end_is_an_error_naming_the_route(mocked, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 20)

    def endless(request, context):
        skip = int(request.qs.get("skip", ["0"])[0])
        return page([{"Id": skip}], "/api/events?skip={0}".format(skip + 1), total=10 ** 9)

    mocked.get(BASE + "/api/events", json=endless)
    with pytest.raises(AnswerTooLargeError, match="GET /api/events.*more than 20 pages"):
        make_client().get_all("events")
    assert mocked.call_count == 21


def test_a_real_history_of_ten_thousand_items_is_read_whole(mocked):
    def history(request, context):
        skip = int(request.qs.get("skip", ["0"])[0])
        more = "/api/deployments?skip={0}&take=200".format(skip + 200) if skip + 200 < 10000 else None
        return page([{"Id": "Deployments-{0}".format(skip + i)} for i in range(200)], more, 10000)

    mocked.get(BASE + "/api/deployments", json=history)
    assert len(make_client().get_all("deployments")) == 10000


def test_pages_are_fetched_only_as_far_as_they_are_read(mocked):
    mocked.get(BASE + "/api/releases?take=2", json=page([{"Id": 1}, {"Id": 2}], "/api/releases?skip=2&take=2"))
    first = next(iter(make_client().pages("releases", {"take": 2})))
    assert [i["Id"] for i in first] == [1, 2] and mocked.call_count == 1


@pytest.mark.parametrize("location", [
    "http://[::1", "https://octopus.example.com:99999/api/projects", "",
    "https://octopus.example.com/api/pr\u00c3\u00b8jects", "/api/a b", "javascript:alert(1)",
], ids=["bad-ipv6", "bad-port", "empty", "non-ascii", "space", "not-http"])
def test_a_malformed_redirect_is_refused_naming_the_route(mocked, location):
    mocked.get(BASE + "/api/projects", status_code=302, headers={"Location": location})
    with pytest.raises(OctopusApiError) as raised:
        make_client().get("projects")
    assert type(raised.value) is OctopusApiError
    assert "GET /api/projects with a redirect (302)" in str(raised.value)
    assert "malformed" in str(raised.value) and mocked.call_count == 1


def test_a_timed_out_request_gets_fewer_tries_than_other_failures():
    policy = RetryPolicy()
    overdue = OctopusUnreachableError("late", overdue=True)
    assert failure_kind(overdue) == "overdue"
    assert should_retry(policy, overdue, 1, True, None, 1)[0] is True
    assert should_retry(policy, overdue, 2, True, None, 1) == (False, "gave up after 2 tries")
    assert should_retry(policy, OctopusUnreachableError("reset"), 2, True, None, 1)[0] is True


def test_a_timeout_after_a_maintenance_window_still_gets_its_tries(mocked, release):
    clock = FakeClock()
    mocked.get(BASE + "/api/projects", [
        {"status_code": 503, "json": {"ErrorMessage": "Octopus is in maintenance mode"}},
        {"body": hanging(release)}, {"json": {"ok": 1}}])
    assert make_client(clock=clock, request_timeout=0.1).get("projects") == {"ok": 1}


class BreaksAfter(io.BytesIO):
    """A body that sends its bytes, then the connection breaks (ConnectionResetError)."""

    def read(self, *args):
        data = super().read(*args)
        if not data:
            raise ConnectionResetError(104, "Connection reset by peer")
        return data


def test_the_step_ends_within_wait_for_deployment_plus_the_stated_margin(mocked):
    """make_client gives the client the step's deadline: no request starts after it."""
    from child_deploy.base.terminal import RecordingHost
    from child_deploy.shell.runner import STEP_MARGIN_SECONDS, make_client as step_client
    from fakes import make_settings
    assert STEP_MARGIN_SECONDS <= 60
    clock = FakeClock()
    settings = make_settings(**{"ChildProject.CancelDeployment.Seconds": "30"})
    client = step_client(settings, RecordingHost(), clock, requests.Session())
    mocked.get(BASE + "/api/projects", json={})
    clock.sleep(30 + STEP_MARGIN_SECONDS - 1)
    client.get("projects")
    clock.sleep(1)
    with pytest.raises(OctopusUnreachableError, match="time is spent"):
        client.get("projects")
    assert mocked.call_count == 1


@pytest.mark.parametrize("value, seconds", [("1", 1.0), ("0.5", 0.5), ("0", None), ("-3", None),
                                            ("soon", None), ("inf", None), ("nan", None)])
def test_request_timeout_flag(value, seconds, capsys):
    from child_deploy.shell.cli import build_parser
    if seconds is None:
        with pytest.raises(SystemExit) as raised:
            build_parser().parse_args(["--request-timeout", value])
        assert raised.value.code == 2 and "above 0" in capsys.readouterr().err
    else:
        assert build_parser().parse_args(["--request-timeout", value]).request_timeout == seconds
    assert build_parser().parse_args([]).request_timeout is None


def test_the_sessions_own_response_hooks_still_run(mocked):
    mocked.get(BASE + "/api/projects", json={"Id": "Projects-1"})
    session, seen = requests.Session(), []
    session.hooks["response"].append(lambda response, **kwargs: seen.append(response.status_code))
    OctopusClient(BASE, API_KEY, session=session).get("projects")
    assert seen == [200]


def test_a_train_applys_time_is_a_wait_per_parallel_round_and_per_roll_back_and_no_more(mocked):
    """The step's time, set once the plan is known: 5 children in a stage at 2 at a time are 3
    rounds, 1 child 1 round; each round a *Wait for Deployment* and the margin; RollBack adds a
    round per child; three rings' pauses; one margin more. The client and its copies then end
    there, not a second later (planning had one wait, the margin and ten minutes)."""
    from child_deploy.acting.deployment import STEP_MARGIN_SECONDS as margin
    from child_deploy.base.terminal import RecordingHost
    from child_deploy.shell.runner import TRAIN_PLANNING_SECONDS, make_client as step_client
    from child_deploy.train.train import apply_seconds
    from fakes import make_settings
    rings = {"ChildProject.Project.Name": "Database\nWeb API", "ChildProject.Tenant.Name":
             "Acme\ntag: Ring/Beta\n*", "ChildProject.CancelDeployment.Seconds": "30",
             "ChildProject.Rings.PauseMinutes": "10", "ChildProject.Train.Parallelism": "2"}
    settings = make_settings(**rings)
    assert apply_seconds(settings, [5, 1, 0]) == 4 * (30 + margin) + margin + 3 * 600
    back = make_settings(**dict(rings, **{"ChildProject.Train.OnFailure": "RollBack"}))
    assert apply_seconds(back, [5, 1, 0]) == 10 * (30 + margin) + margin + 3 * 600
    clock = FakeClock()
    client = step_client(settings, RecordingHost(), clock, requests.Session())
    copy = client.with_log(lambda line: None)
    mocked.get(BASE + "/api/projects", json={})
    clock.sleep(30 + margin + TRAIN_PLANNING_SECONDS - 1)
    copy.get("projects")
    client.move_deadline(clock.monotonic() + apply_seconds(settings, [5, 1, 0]))
    clock.sleep(apply_seconds(settings, [5, 1, 0]) - 1)
    copy.get("projects")
    clock.sleep(1)
    for each in (client, copy):
        with pytest.raises(OctopusUnreachableError, match="time is spent"):
            each.get("projects")


def test_ids_go_a_hundred_to_a_request_and_a_long_address_is_cut_in_messages(mocked):
    """Octopus on Kestrel refuses a request line over 8 KB (414): 250 task ids are three reads,
    and an error on a long address quotes its first 300 characters, not all of them."""
    from child_deploy.octopus.lookups import tasks_by_id
    ids = ["ServerTasks-{0}".format(n) for n in range(1000, 1250)]

    def answer(request, context):
        asked = request.qs["ids"][0].split(",")
        return {"Items": [{"Id": i.replace("servertasks", "ServerTasks")} for i in asked]}
    mocked.get(BASE + "/api/tasks", json=answer)
    found = tasks_by_id(make_client(), ids + ids[:5] + [None, ""])
    assert sorted(found) == sorted(ids)
    asked = [len(r.qs["ids"][0].split(",")) for r in mocked.request_history]
    assert asked == [100, 100, 50]
    assert [r.qs["take"] for r in mocked.request_history] == [["100"], ["100"], ["50"]]
    mocked.get(BASE + "/api/tasks", status_code=400, json={"ErrorMessage": "Too many"})
    with pytest.raises(OctopusApiError) as refused:
        make_client().get("tasks", params={"ids": ",".join(ids)})
    shown = str(refused.value).split(": Too many")[0]
    assert shown.startswith("Octopus answered 400 to GET /api/tasks?ids=ServerTasks-1000")
    assert shown.endswith("...") and len(shown) < 400
