"""One HTTP exchange that ends on time and within memory, whatever the server does.

The only code that calls requests. One total deadline covers connect, headers and body (a daemon
thread is joined: a per-read timeout restarts with every byte); the body is streamed and capped;
a cut-off body is lost, never a short answer.
"""

import threading
from collections import namedtuple
from urllib.parse import urlsplit

from ..base.errors import (AnswerTooLargeError, IncompleteAnswerError, OctopusApiError,
                     OctopusUnreachableError)

REQUEST_TIMEOUT_SECONDS = 60.0      # the whole of one request: connect, headers and body
CONNECT_TIMEOUT_SECONDS = 10.0
MAX_ANSWER_BYTES = 50 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
REDIRECT_STATUSES = (301, 302, 303, 307, 308)

# One answer, read whole: the status line, the headers and at most MAX_ANSWER_BYTES of body.
Answer = namedtuple("Answer", "status_code reason headers content")


class Request(namedtuple("Request", "method url shown data headers verify")):
    """What to send; `shown` is the path and query for messages (the URL, scrubbed)."""


def load_requests():
    """Import requests late, after dependencies.py has had the chance to install it."""
    import requests
    return requests


class UntrustedCertificateError(OctopusUnreachableError):
    """TLS verification failed. Not retried: the certificate will be the same next time."""

    retryable = False


def exchange(session, request, seconds, limit_seconds=None):
    """The whole Answer to `request` within `seconds`, or the StepError saying why not.

    `seconds` below `limit_seconds` (the client's own) means the step's time ran out.
    """
    requests = load_requests()
    watched = Watched(lambda watch: _fetch(session, request, seconds, watch))
    try:
        return watched.result(seconds)
    except OctopusApiError:
        raise
    except Overdue:
        raise overdue(request, seconds, limit_seconds)
    except requests.RequestException as error:
        raise unreachable(request, error, seconds, limit_seconds)


class Overdue(Exception):
    """The answer was not complete when the request's deadline came."""


class Watched:
    """`work(watch)` in a daemon thread, waited for a given time; a late response is closed."""

    def __init__(self, work):
        self._work = work
        self._outcome = None
        self._response = None
        self._thread = threading.Thread(target=self._run, name="octopus-request", daemon=True)

    def hold(self, response, **_hook_arguments):
        """Keep `response` to close it if the caller stops waiting (also a requests hook)."""
        self._response = response

    @property
    def response(self):
        return self._response

    def result(self, seconds):
        """What `work` returned or raised; Overdue when it is not done within `seconds`."""
        self._thread.start()
        try:
            self._thread.join(seconds)
        finally:
            if self._thread.is_alive():     # late, or the caller was interrupted by a signal
                self._abandon()
        if self._outcome is None:
            raise Overdue()
        done, value = self._outcome
        if done:
            return value
        raise value

    def _run(self):
        try:
            self._outcome = (True, self._work(self))
        except Exception as error:  # noqa: BLE001 - handed to the waiting thread as it is
            self._outcome = (False, error)

    def _abandon(self):
        try:
            if self._response is not None:
                self._response.close()
        except Exception:  # noqa: BLE001 - closing mid-read may complain; it is closed anyway
            pass


def _fetch(session, request, seconds, watch):
    """In the worker thread: the request, then its body, streamed and counted."""
    # A hook given with the request replaces the session's own response hooks: keep them.
    hooks = list(getattr(session, "hooks", {}).get("response", ())) + [watch.hold]
    try:
        response = session.request(
            request.method, request.url, data=request.data, headers=request.headers,
            allow_redirects=False, verify=request.verify, stream=True,
            timeout=(min(CONNECT_TIMEOUT_SECONDS, seconds), seconds + 1),
            hooks={"response": hooks})
    except ValueError:
        # Even when not following a redirect, requests parses its Location (for `next`) and
        # raises on a malformed one; the client refuses it properly from the answer itself.
        response = watch.response
        if response is None or response.status_code not in REDIRECT_STATUSES:
            raise
    with response:
        content = b""
        if response.status_code not in REDIRECT_STATUSES:
            try:
                content = _read_body(request, response)
            except (IncompleteAnswerError, AnswerTooLargeError):
                if response.status_code < 400:
                    raise
                content = b""       # the status says what went wrong; its text is lost
        return Answer(response.status_code, response.reason, response.headers, content)


def _read_body(request, response):
    """The whole body, or IncompleteAnswerError / AnswerTooLargeError (see the module doc)."""
    requests = load_requests()
    declared = _declared_length(response.headers)
    if declared is not None and declared > MAX_ANSWER_BYTES:
        raise too_large(request)
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                raise too_large(request)
    except requests.RequestException as error:
        how = ("the connection closed before the {0} bytes it announced had arrived".format(
            declared) if declared is not None else
            "the connection broke after {0} bytes".format(len(body)))
        raise cut_off(request.method, request.shown, response.status_code,
                      "{0} ({1})".format(how, type(error).__name__))
    received = _wire_bytes(response, len(body))
    if declared is not None and received < declared:
        raise cut_off(request.method, request.shown, response.status_code,
                      "it ended after {0} of the {1} bytes it announced".format(
                          received, declared))
    return body


# -- why an exchange gave no usable answer --
def overdue(request, seconds, limit_seconds=None):
    cut = (" (all that was left of the step's time)"
           if limit_seconds is not None and seconds < limit_seconds else "")
    return OctopusUnreachableError(
        "Gave up on {0} {1} after {2:g} s{3}: Octopus at {4} had not sent its whole answer by "
        "then. Check that this worker reaches Octopus at a normal speed, directly or through a "
        "working proxy.".format(request.method, request.shown, seconds, cut,
                                origin(request.url)),
        method=request.method, path=request.shown, sent=True, overdue=True)


def unreachable(request, error, seconds, limit_seconds=None):
    """The StepError for a request that got no answer (requests' `error`)."""
    requests = load_requests()
    method, shown, where = request.method, request.shown, origin(request.url)
    if isinstance(error, requests.exceptions.SSLError):
        return UntrustedCertificateError(
            "Could not reach Octopus at {0} for {1} {2}: its TLS certificate could not be "
            "verified. Add the certificate of the authority that issued it to \"Trusted CA "
            "certificate (PEM)\" (or to REQUESTS_CA_BUNDLE on the worker), or correct \"Octopus "
            "Base Url\" if it names the wrong host.".format(where, method, shown),
            method=method, path=shown, sent=False)
    connecting = isinstance(error, requests.exceptions.ConnectTimeout)
    if isinstance(error, requests.exceptions.Timeout) and not connecting:
        return overdue(request, seconds, limit_seconds)
    reason = ("it did not accept the connection in time" if connecting else
              "the connection failed ({0})".format(type(error).__name__))
    return OctopusUnreachableError(
        "Could not reach Octopus at {0} for {1} {2}: {3}. Check \"Octopus Base Url\" and that "
        "this worker can reach that address.".format(where, method, shown, reason),
        method=method, path=shown, sent=not connecting, overdue=connecting)


def cut_off(method, shown, status, how):
    return IncompleteAnswerError(
        "Octopus's answer ({0}) to {1} {2} was incomplete: {3}. The step treats it as "
        "lost.".format(status, method, shown, how), method=method, path=shown, sent=True)


def too_large(request):
    return AnswerTooLargeError(
        "Octopus's answer to {0} {1} is larger than {2} MB; the step does not read answers that "
        "big, to keep its memory bounded. Check \"Octopus Base Url\" and any proxy in front of "
        "Octopus.".format(request.method, request.shown, MAX_ANSWER_BYTES // 2 ** 20),
        method=request.method, path=request.shown)


# -- helpers --
def origin(url):
    """scheme://host:port of `url` (never its user, password, path or query)."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return "{0}://{1}:{2}".format(parts.scheme.lower(), (parts.hostname or "").lower(), port)


def _declared_length(headers):
    try:
        return int(headers.get("Content-Length"))
    except (TypeError, ValueError):
        return None


def _wire_bytes(response, counted):
    """Bytes read off the connection (before gzip is undone), to compare with Content-Length."""
    tell = getattr(response.raw, "tell", None)
    try:
        return max(counted if tell is None else int(tell()), 0)
    except (TypeError, ValueError):
        return counted
