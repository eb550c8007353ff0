"""Pins for one HTTP exchange: redirects left unread, the size cap's edge, a cut-off error answer,
the connect and read timeouts, and what each kind of lost answer says about itself."""

import gzip
import io
import re
import threading

import pytest
import requests
import requests_mock

from child_deploy.base.errors import (AnswerTooLargeError, IncompleteAnswerError,
                                      OctopusUnreachableError)
from child_deploy.octopus import transport
from child_deploy.octopus.transport import Request, exchange, origin, overdue, unreachable
from test_client import BreaksAfter     # a body that sends its bytes, then the connection breaks

URL = "https://octopus.example.com/api/projects"


def request(method="GET"):
    return Request(method, URL, "/api/projects", None, {}, True)


@pytest.fixture
def mocked():
    with requests_mock.Mocker() as mock:
        yield mock


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_returned_as_it_is_and_its_body_left_unread(mocked, status):
    mocked.get(URL, status_code=status, content=b"moved", headers={"Location": "/elsewhere"})
    elsewhere = mocked.get("https://octopus.example.com/elsewhere", content=b"{}")
    answer = exchange(requests.Session(), request(), 5)
    assert (answer.status_code, answer.content) == (status, b"")
    assert answer.headers["Location"] == "/elsewhere" and elsewhere.call_count == 0


@pytest.mark.parametrize("status", [200, 300, 304, 309])
def test_any_other_status_has_its_body_read(mocked, status):
    mocked.get(URL, status_code=status, content=b"body")
    assert exchange(requests.Session(), request(), 5).content == b"body"


def test_a_cut_off_error_answer_keeps_its_status_from_400(mocked):
    mocked.get(URL, status_code=400, body=BreaksAfter(b'{"ErrorMess'))
    answer = exchange(requests.Session(), request(), 5)
    assert (answer.status_code, answer.content) == (400, b"")


def test_a_cut_off_answer_below_400_is_lost(mocked):
    mocked.get(URL, status_code=399, body=BreaksAfter(b'{"Id": "Proj'))
    with pytest.raises(IncompleteAnswerError) as raised:
        exchange(requests.Session(), request(), 5)
    assert re.fullmatch(r"Octopus's answer \(399\) to GET /api/projects was incomplete: the "
                        r"connection broke after \d+ bytes \(ChunkedEncodingError\)\. The step "
                        r"treats it as lost\.", str(raised.value))
    assert raised.value.sent and raised.value.retryable


def test_a_body_shorter_than_announced_names_both_sizes(mocked):
    mocked.get(URL, body=BreaksAfter(b'{"Id": 1}'), headers={"Content-Length": "40"})
    with pytest.raises(IncompleteAnswerError, match="the connection closed before the 40 bytes it "
                                                    "announced had arrived"):
        exchange(requests.Session(), request(), 5)


@pytest.mark.parametrize("declared, error", [(1, IncompleteAnswerError), (3, IncompleteAnswerError)])
def test_an_answer_that_ends_before_its_content_length_is_lost(mocked, declared, error):
    mocked.get(URL, content=b"{}"[:declared - 1], headers={"Content-Length": str(declared)})
    with pytest.raises(error, match="it ended after {0} of the {1} bytes".format(declared - 1,
                                                                                 declared)):
        exchange(requests.Session(), request(), 5)


def test_an_answer_exactly_as_long_as_announced_is_whole(mocked):
    mocked.get(URL, content=b"{}", headers={"Content-Length": "2"})
    assert exchange(requests.Session(), request(), 5).content == b"{}"


def test_the_cap_is_fifty_mebibytes_announced(mocked):
    mocked.get(URL, content=b"{}", headers={"Content-Length": str(50 * 2 ** 20 + 1)})
    with pytest.raises(AnswerTooLargeError, match="GET /api/projects is larger than 50 MB"):
        exchange(requests.Session(), request(), 5)
    mocked.get(URL, content=b"{}", headers={"Content-Length": str(50 * 2 ** 20)})
    with pytest.raises(IncompleteAnswerError):      # allowed in size, then found short
        exchange(requests.Session(), request(), 5)


def test_a_body_may_reach_the_cap_but_not_pass_it(mocked, monkeypatch):
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 10)
    mocked.get(URL, body=io.BytesIO(b"0123456789"))
    assert exchange(requests.Session(), request(), 5).content == b"0123456789"
    mocked.get(URL, body=io.BytesIO(b"0123456789A"))
    with pytest.raises(AnswerTooLargeError):
        exchange(requests.Session(), request(), 5)


class Recording:
    """A session that records what requests was asked to do, then answers 204."""

    hooks = {"response": []}

    def request(self, method, url, **kwargs):
        self.kwargs = kwargs
        raise requests.exceptions.ConnectionError("recorded")


@pytest.mark.parametrize("seconds, timeout", [(60, (10.0, 61)), (4, (4, 5))])
def test_a_connect_gets_ten_seconds_at_most_and_a_read_one_more_than_the_request(seconds, timeout):
    session = Recording()
    with pytest.raises(OctopusUnreachableError):
        exchange(session, request(), seconds)
    assert session.kwargs["timeout"] == timeout
    assert session.kwargs["allow_redirects"] is False and session.kwargs["stream"] is True


def test_a_request_that_hangs_is_given_up_in_a_thread_that_cannot_keep_the_step_alive():
    release = threading.Event()

    class Hanging:
        hooks = {}

        def request(self, method, url, **kwargs):
            release.wait(5)
            raise requests.exceptions.ConnectionError("released")
    try:
        with pytest.raises(OctopusUnreachableError) as raised:
            exchange(Hanging(), request(), 0.05, limit_seconds=60)
        assert raised.value.overdue and raised.value.sent
        assert "(all that was left of the step's time)" in str(raised.value)
        hung = [t for t in threading.enumerate() if t.name == "octopus-request"]
        assert hung and all(t.daemon for t in hung)
    finally:
        release.set()


def test_overdue_says_the_steps_time_ran_out_only_below_the_clients_own_limit():
    assert "left of the step's time" in str(overdue(request(), 5, 60))
    assert "left of the step's time" not in str(overdue(request(), 60, 60))
    assert "left of the step's time" not in str(overdue(request(), 5))
    lost = overdue(request(), 60)
    assert lost.sent and lost.overdue and str(lost).startswith("Gave up on GET /api/projects "
                                                               "after 60 s: Octopus at "
                                                               "https://octopus.example.com:443")


def test_each_kind_of_unreachable_says_whether_the_request_may_have_arrived():
    exceptions = requests.exceptions
    refused = unreachable(request(), exceptions.ConnectTimeout("x"), 60)
    assert (refused.sent, refused.overdue) == (False, True)
    assert "it did not accept the connection in time" in str(refused)
    slow = unreachable(request(), exceptions.ReadTimeout("x"), 60)
    assert (slow.sent, slow.overdue) == (True, True) and str(slow).startswith("Gave up on")
    broken = unreachable(request(), exceptions.ConnectionError("x"), 60)
    assert (broken.sent, broken.overdue) == (True, False)
    assert "the connection failed (ConnectionError)" in str(broken)
    untrusted = unreachable(request(), exceptions.SSLError("x"), 60)
    assert (untrusted.sent, untrusted.retryable) == (False, False)


@pytest.mark.parametrize("url, expected", [
    ("https://Octo.Example.COM/api?x=1", "https://octo.example.com:443"),
    ("HTTP://octo.example.com/", "http://octo.example.com:80"),
    ("https://user:pw@octo.example.com:8443/api", "https://octo.example.com:8443"),
    ("ftp://octo.example.com/", "ftp://octo.example.com:None"),
])
def test_an_origin_names_scheme_host_and_port_only(url, expected):
    assert origin(url) == expected


def test_a_late_answer_is_closed_when_the_caller_stops_waiting():
    release, closed = threading.Event(), []

    class Late:
        def close(self):
            closed.append(True)

    def work(watch):
        watch.hold(Late())
        release.wait(5)
    try:
        with pytest.raises(transport.Overdue):
            transport.Watched(work).result(0.05)
        assert closed == [True]
    finally:
        release.set()


def test_a_url_refused_before_any_answer_is_unreachable_not_a_crash():
    class Invalid:
        hooks = {}

        def request(self, method, url, **kwargs):
            raise requests.exceptions.InvalidURL("Invalid URL")
    with pytest.raises(OctopusUnreachableError, match="the connection failed \\(InvalidURL\\)"):
        exchange(Invalid(), request(), 5)


def test_a_gzip_answer_is_whole_when_its_compressed_bytes_match_content_length(mocked):
    packed = gzip.compress(b"{}")
    assert len(packed) > 2
    mocked.get(URL, body=io.BytesIO(packed),
               headers={"Content-Encoding": "gzip", "Content-Length": str(len(packed))})
    assert exchange(requests.Session(), request(), 5).content == b"{}"
