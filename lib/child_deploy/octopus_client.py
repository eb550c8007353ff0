"""The Octopus REST API, through one choke point.

`OctopusClient._send` is the only code that performs HTTP. It owns the base URL and the space
prefix, the `X-Octopus-ApiKey` header, timeouts, TLS verification, redirects (followed only on
the same origin, so the key never reaches another host), JSON decoding, error translation with
Octopus' own `ErrorMessage` and `Errors`, retries of idempotent calls, and one verbose line per
call. `get_all` pages through every page; `find_by_name` matches a whole name, case-insensitively.
"""

import difflib
import json
import random
from urllib.parse import urlencode, urljoin, urlsplit

from .clock import SystemClock
from .errors import NotFoundError, OctopusApiError, OctopusUnreachableError, mask_secret
from .retrying import (RetryPolicy, backoff_seconds, is_maintenance, parse_retry_after,
                       should_retry)

PAGE_SIZE = 200
MAX_REDIRECTS = 5
TIMEOUT = (10.0, 60.0)          # connect, read (seconds)
PERMISSIONS = ("Project Viewer, Environment Viewer and Deployment Creator on the child project "
               "and its environments (and, for auto-approval, the right to take responsibility "
               "for and submit interruptions)")
STATUS_HINTS = {
    401: ("Check \"Octopus API Key\": the key is missing, mistyped, expired or revoked. Its user "
          "needs " + PERMISSIONS + "."),
    403: ("The user of \"Octopus API Key\" lacks a permission this needs. Give it a team with "
          + PERMISSIONS + "."),
    404: "Check the names and ids the step was given, and \"Octopus Base Url\".",
}


def load_requests():
    """Import requests late, after dependencies.py has had the chance to install it."""
    import requests
    return requests


class UntrustedCertificateError(OctopusUnreachableError):
    """TLS verification failed. Not retried: the certificate will be the same next time."""

    retryable = False


class OctopusClient:
    """A session with one Octopus Server, optionally bound to a space."""

    def __init__(self, server_url, api_key, session=None, log=None, clock=None,
                 retry=RetryPolicy(), verify=True, deadline=None, rand=random.random):
        self.server_url = server_url.rstrip("/")
        self.space_id = ""
        self._api_key = api_key
        self._session = session or load_requests().Session()
        self._log = log or (lambda message: None)
        self._clock = clock or SystemClock()
        self._retry = retry
        self._verify = verify
        self._deadline = deadline          # monotonic instant after which no retry is started
        self._rand = rand
        self.request_count = 0

    def in_space(self, space_id):
        """The same client (and session) with space-scoped routes under `space_id`."""
        other = object.__new__(OctopusClient)
        other.__dict__.update(self.__dict__)
        other.space_id = space_id
        return other

    # -- the verbs ---------------------------------------------------------------------------
    def get(self, route, params=None, system=False):
        return self.request("GET", route, params=params, system=system)

    def post(self, route, body=None, params=None, system=False, idempotent=False):
        return self.request("POST", route, params=params, body=body, system=system,
                            idempotent=idempotent)

    def put(self, route, body=None, system=False):
        return self.request("PUT", route, body=body, system=system, idempotent=True)

    def get_all(self, route, params=None, system=False, limit=None):
        """Every item of a collection, following `Links["Page.Next"]` (or skip/take) to the end."""
        query = dict(params or {})
        query.setdefault("take", PAGE_SIZE)
        page = self.get(route, params=query, system=system)
        if isinstance(page, list):
            return page
        items = list(page.get("Items", []))
        while (limit is None or len(items) < limit) and self._has_next(page, len(items)):
            page = self._next_page(route, query, page, len(items), system)
            if not page.get("Items"):
                break
            items.extend(page["Items"])
        return items if limit is None else items[:limit]

    def find_by_name(self, route, name, kind, system=False, hint=""):
        """The one item whose Name equals `name` (ignoring case and outer spaces).

        `partialName` narrows the search on the server, but every page is read: v29 looked at the
        first 100 only and missed names beyond them.
        """
        wanted = name.strip().lower()
        items = self.get_all(route, params={"partialName": name.strip()}, system=system)
        for item in items:
            if str(item.get("Name", "")).strip().lower() == wanted:
                return item
        raise NotFoundError(self._not_found_message(kind, name, items, system, route, hint))

    # -- the choke point ---------------------------------------------------------------------
    def request(self, method, route, params=None, body=None, system=False, idempotent=None):
        """Send one API call (retrying when that is safe) and return its decoded JSON."""
        if idempotent is None:
            idempotent = method == "GET"
        url = self.url_for(route, params, system)
        failures = {True: 0, False: 0}      # maintenance answers and other failures, apart
        while True:
            try:
                return self._send(method, url, body)
            except OctopusApiError as error:
                maintenance = is_maintenance(error)
                failures[maintenance] += 1
                if maintenance:
                    # Octopus is up and asks us to wait: the hiccups before were part of it.
                    failures[False] = 0
                self._wait_before_retry(error, failures[maintenance], idempotent, method, url)

    def url_for(self, route, params=None, system=False):
        """The absolute URL of `route`, space-scoped unless `system` or no space is bound yet."""
        if route.startswith("/api/"):
            path = route
        elif system or not self.space_id:
            path = "/api/" + route.lstrip("/")
        else:
            path = "/api/" + self.space_id + "/" + route.lstrip("/")
        query = urlencode([(k, v) for k, v in (params or {}).items() if v is not None])
        return self.server_url + path + ("?" + query if query else "")

    def _wait_before_retry(self, error, attempt, idempotent, method, url):
        delay = backoff_seconds(self._retry, attempt, error.retry_after, self._rand)
        remaining = None if self._deadline is None else self._deadline - self._clock.monotonic()
        retry, _why = should_retry(self._retry, error, attempt, idempotent, remaining, delay)
        if not retry:
            raise error
        self._log("Retrying {0} {1} in {2:.1f} s after: {3}".format(
            method, self._display(url), delay, self._scrub(str(error)).splitlines()[0]))
        self._clock.sleep(delay)

    def _send(self, method, url, body):
        """One HTTP exchange, following same-origin redirects by hand."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._exchange(method, url, body)
            if response.status_code not in (301, 302, 303, 307, 308):
                return self._decode(method, url, response)
            url = self._redirect_target(method, url, response)
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                method, body = "GET", None
        raise OctopusApiError("Octopus redirected {0} {1} more than {2} times.".format(
            method, self._display(url), MAX_REDIRECTS), method=method, path=self._display(url))

    def _exchange(self, method, url, body):
        requests = load_requests()
        started = self._clock.monotonic()
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"X-Octopus-ApiKey": self._api_key, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        self.request_count += 1
        try:
            response = self._session.request(method, url, data=data, headers=headers,
                                             timeout=TIMEOUT, allow_redirects=False,
                                             verify=self._verify)
        except requests.RequestException as error:
            self._log("{0} {1} -> no answer ({2})".format(method, self._display(url),
                                                         type(error).__name__))
            raise self._unreachable(method, url, error)
        elapsed_ms = (self._clock.monotonic() - started) * 1000
        self._log("{0} {1} {2} ({3:.0f} ms)".format(method, self._display(url),
                                                     response.status_code, elapsed_ms))
        return response

    def _redirect_target(self, method, url, response):
        target = urljoin(url, response.headers.get("Location", ""))
        if _origin(target) != _origin(url):
            raise OctopusApiError(
                "Octopus answered {0} {1} with a redirect to {2}, another address; the step does "
                "not follow it, so the API key is not sent there. Set \"Octopus Base Url\" to the "
                "address the server redirects to, if you trust it.".format(
                    method, self._display(url), self._scrub(_origin(target))),
                status=response.status_code, method=method, path=self._display(url))
        return target

    def _decode(self, method, url, response):
        if response.status_code >= 400:
            raise self._api_error(method, url, response)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise OctopusApiError(
                "Octopus answered {0} {1} with something that is not JSON ({2}). Check that "
                "\"Octopus Base Url\" is the server's address.".format(
                    method, self._display(url),
                    self._scrub(response.headers.get("Content-Type", "no type"))),
                status=response.status_code, method=method, path=self._display(url))

    def _api_error(self, method, url, response):
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        payload = payload if isinstance(payload, dict) else {}
        error_message = self._scrub(str(payload.get("ErrorMessage") or response.reason or ""))
        errors = [self._scrub(str(e)) for e in payload.get("Errors") or []]
        text = "Octopus answered {0} to {1} {2}: {3}".format(
            response.status_code, method, self._display(url), error_message or "(no message)")
        if errors:
            text += " " + " ".join("- " + e for e in errors)
        hint = STATUS_HINTS.get(response.status_code)
        if hint:
            text += " " + hint
        return OctopusApiError(text, status=response.status_code, method=method,
                               path=self._display(url), error_message=error_message,
                               errors=errors,
                               retry_after=parse_retry_after(response.headers.get("Retry-After")))

    def _unreachable(self, method, url, error):
        requests = load_requests()
        sent = not isinstance(error, (requests.exceptions.ConnectTimeout,))
        if isinstance(error, requests.exceptions.SSLError):
            return UntrustedCertificateError(
                "Could not reach Octopus at {0} for {1} {2}: its TLS certificate could not be "
                "verified. Add the certificate of the authority that issued it to \"Trusted CA "
                "certificate (PEM)\" (or to REQUESTS_CA_BUNDLE on the worker), or correct \"Octopus "
                "Base Url\" if it names the wrong host.".format(
                    _origin(url), method, self._display(url)),
                method=method, path=self._display(url), sent=False)
        if isinstance(error, requests.exceptions.Timeout):
            reason = "it did not answer in time"
        else:
            reason = "the connection failed ({0})".format(type(error).__name__)
        return OctopusUnreachableError(
            "Could not reach Octopus at {0} for {1} {2}: {3}. Check \"Octopus Base Url\" and that "
            "this worker can reach that address.".format(
                _origin(url), method, self._display(url), reason),
            method=method, path=self._display(url), sent=sent)

    # -- helpers -------------------------------------------------------------------------------
    def _has_next(self, page, seen):
        links = page.get("Links") or {}
        if links.get("Page.Next"):
            return True
        total = page.get("TotalResults")
        return "Links" not in page and total is not None and seen < total

    def _next_page(self, route, query, page, seen, system):
        link = (page.get("Links") or {}).get("Page.Next")
        if link:
            start = link.find("/api/")
            return self.get(link[start:] if start >= 0 else link, system=system)
        return self.get(route, params=dict(query, skip=seen), system=system)

    def _not_found_message(self, kind, name, items, system, route, hint):
        names = [str(item.get("Name", "")) for item in items]
        close = difflib.get_close_matches(name.strip(), names, n=1, cutoff=0.6)
        where = "" if system or not self.space_id else " in space {0}".format(self.space_id)
        text = "{0} \"{1}\" was not found{2}.".format(kind, name.strip(), where)
        if close:
            text += " Did you mean \"{0}\"?".format(close[0])
        return text + (" " + hint if hint else "")

    def _display(self, url):
        """The path and query of `url`, for logs and messages (never the key: it is a header)."""
        parts = urlsplit(url)
        return self._scrub(parts.path + ("?" + parts.query if parts.query else ""))

    def _scrub(self, text):
        return mask_secret(text, self._api_key)

    def with_deadline(self, deadline):
        """The same client with an earlier overall deadline (a monotonic instant): for a step
        that was told to stop and must be gone within seconds, whatever Octopus answers."""
        other = self.in_space(self.space_id)
        other._deadline = deadline if self._deadline is None else min(self._deadline, deadline)
        return other


def _origin(url):
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return "{0}://{1}:{2}".format(parts.scheme.lower(), (parts.hostname or "").lower(), port)
