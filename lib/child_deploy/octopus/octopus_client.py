"""The Octopus REST API, through one choke point: `OctopusClient.request`.

It owns the base URL, the space, the API key, TLS, redirects (same origin only, so the key
reaches no other host), safe retries within the step's deadline and a verbose line per call.
"""

import difflib
import json
import random
from urllib.parse import urlencode, urlsplit

from .answers import COLLECTION, api_error, decoded, usable_location
from ..base.clock import SystemClock
from ..base.errors import (AnswerTooLargeError, NotFoundError, OctopusApiError, OctopusUnreachableError,
                     mask_secret)
from .paging import PAGE_SIZE, PageWalk, next_page
from .retrying import (RetryPolicy, attempt_limit, backoff_seconds, failure_kind, most_pausing,
                       should_retry)
from .transport import (REDIRECT_STATUSES, REQUEST_TIMEOUT_SECONDS, Request, exchange,
                        load_requests, origin)

MAX_REDIRECTS = 5
SHOWN_URL = 300     # a longer path is cut in messages: a batch of ids says no more


class OctopusClient:
    """A session with one Octopus Server, optionally bound to a space."""

    def __init__(self, server_url, api_key, session=None, log=None, clock=None,
                 retry=RetryPolicy(), verify=True, deadline=None, rand=random.random,
                 request_timeout=REQUEST_TIMEOUT_SECONDS, notice=None):
        self.server_url = server_url.rstrip("/")
        self.space_id = self.space_name = ""
        self._api_key = api_key
        self._session = session or load_requests().Session()
        self._log = log or (lambda message: None)
        self._notice = notice or (lambda message: None)   # info: a request's first failure
        self._clock = clock or SystemClock()
        self._retry = retry
        self._verify = verify
        self._deadline = [deadline]        # the step's end (monotonic), shared by copies
        self._rand = rand
        self._request_timeout = float(request_timeout)
        self.request_count = 0

    def in_space(self, space_id, space_name=""):
        """The same client (and session) with space-scoped routes under `space_id`."""
        other = object.__new__(OctopusClient)
        other.__dict__.update(self.__dict__)
        if space_id != self.space_id or space_name:
            other.space_id, other.space_name = space_id, space_name or space_id
        return other

    # -- the verbs --
    def get(self, route, params=None, system=False, expect=dict):
        return self.request("GET", route, params=params, system=system, expect=expect)

    def post(self, route, body=None, params=None, system=False, idempotent=False, expect=dict):
        return self.request("POST", route, params=params, body=body, system=system,
                            idempotent=idempotent, expect=expect)

    def put(self, route, body=None, system=False):
        return self.request("PUT", route, body=body, system=system, idempotent=True)

    def get_all(self, route, params=None, system=False, limit=None):
        """Every item of a collection (or its first `limit`), read page after page."""
        items = []
        for batch in self.pages(route, params, system):
            items.extend(batch)
            if limit is not None and len(items) >= limit:
                return items[:limit]
        return items

    def pages(self, route, params=None, system=False):
        """The items of a collection one page at a time, each page fetched when asked for."""
        query = dict(params or {})
        query.setdefault("take", PAGE_SIZE)
        page = self.get(route, params=query, system=system, expect=COLLECTION)
        if isinstance(page, list):          # some routes answer a bare array: the whole list
            yield page
            return
        walk, shown = PageWalk(), self._display(self.url_for(route, query, system))
        while True:
            fresh, repeated = walk.take(page["Items"])
            self._check_caps(walk, shown)
            where, loop = (None, "it sent a page already read") if repeated else \
                next_page(page, walk)
            if loop:
                self._log("GET {0}: Octopus's paging went round in a loop ({1}); reading "
                          "stops there.".format(shown, loop))
            if fresh:
                yield fresh
            if where is None or not page["Items"]:
                return
            page = self._next_page(route, query, where, system)

    def find_by_name(self, route, name, kind, system=False, hint=""):
        """The one item named `name` (case and outer spaces ignored), looked for on every page."""
        wanted = name.strip().lower()
        items = self.get_all(route, params={"partialName": name.strip()}, system=system)
        for item in items:
            if str(item.get("Name", "")).strip().lower() == wanted:
                return item
        if not items:       # a typo is seldom part of a name: suggest from all
            items = self.get_all(route, system=system)
        raise NotFoundError(self._not_found_message(kind, name, items, system, route, hint))

    # -- the choke point --
    def request(self, method, route, params=None, body=None, system=False, idempotent=None,
                expect=dict):
        """Send one API call (retrying when safe); its JSON, of the `expect` shape: dict, list
        (of objects) or COLLECTION (a page or such a list), else refused here, naming the route."""
        if idempotent is None:
            idempotent = method == "GET"
        url = self.url_for(route, params, system)
        failures = {}       # failures so far, by kind (retrying.failure_kind)
        while True:
            try:
                return self._send(method, url, body, expect)
            except OctopusApiError as error:
                kind = failure_kind(error)
                if kind == "maintenance":
                    # Octopus is up and asks us to wait: the hiccups before were part of it.
                    failures = {"maintenance": failures.get("maintenance", 0)}
                failures[kind] = failures.get(kind, 0) + 1
                self._wait_before_retry(error, failures[kind], idempotent, method, url,
                                        first=sum(failures.values()) == 1)

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

    def _wait_before_retry(self, error, attempt, idempotent, method, url, first=False):
        delay = backoff_seconds(self._retry, attempt, error.retry_after, self._rand)
        left = self._seconds_left()
        retry, _why = should_retry(self._retry, error, attempt, idempotent, left, delay)
        if not retry:
            raise error
        reason = self._scrub(str(error)).splitlines()[0].rstrip(".") + "."
        if first:       # no silent minute
            kind = failure_kind(error)
            pausing = most_pausing(self._retry, kind, error.retry_after)
            self._notice("{0} The step tries again in {1:.1f} s and gives up after at most {2} "
                         "more tries, pausing {3:.0f} s in all at most.".format(
                             reason, delay, attempt_limit(self._retry, kind) - 1,
                             pausing if left is None else min(pausing, left)))
        self._log("Retrying {0} {1} in {2:.1f} s after: {3}".format(
            method, self._display(url), delay, reason[:-1]))
        self._clock.sleep(delay)

    def _send(self, method, url, body, expect):
        """One HTTP exchange, following same-origin redirects by hand."""
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._exchange(method, url, body)
            if answer.status_code not in REDIRECT_STATUSES:
                return self._decode(method, url, answer, expect)
            url = self._redirect_target(method, url, answer)
            if answer.status_code == 303 or (answer.status_code in (301, 302)
                                             and method == "POST"):
                method, body = "GET", None
        raise OctopusApiError("Octopus redirected {0} {1} more than {2} times.".format(
            method, self._display(url), MAX_REDIRECTS), method=method, path=self._display(url))

    def _exchange(self, method, url, body):
        """Send one request and read its whole answer, within the request's total deadline."""
        seconds = self._seconds_for_request(method, url)
        started = self._clock.monotonic()
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"X-Octopus-ApiKey": self._api_key, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = Request(method, url, self._display(url), data, headers, self._verify)
        self.request_count += 1
        try:
            answer = exchange(self._session, request, seconds, self._request_timeout)
        except OctopusApiError as error:
            self._log("{0} {1} -> no usable answer ({2})".format(
                method, request.shown, type(error).__name__))
            raise
        self._log("{0} {1} {2} ({3:.0f} ms)".format(method, request.shown, answer.status_code,
                                                     (self._clock.monotonic() - started) * 1000))
        return answer

    def _redirect_target(self, method, url, answer):
        target = usable_location(url, answer.headers.get("Location", ""))
        if target is None:
            raise OctopusApiError(
                "Octopus answered {0} {1} with a redirect ({2}) to an address that is missing or "
                "malformed; the step does not follow it. Check \"Octopus Base Url\" and any proxy "
                "in front of Octopus.".format(method, self._display(url), answer.status_code),
                status=answer.status_code, method=method, path=self._display(url))
        if origin(target) != origin(url):
            raise OctopusApiError(
                "Octopus answered {0} {1} with a redirect to {2}, another address; the step does "
                "not follow it, so the API key is not sent there. Set \"Octopus Base Url\" to the "
                "address the server redirects to, if you trust it.".format(
                    method, self._display(url), self._scrub(origin(target))),
                status=answer.status_code, method=method, path=self._display(url))
        return target

    def _decode(self, method, url, answer, expect):
        """The JSON of a successful answer, of the `expect` shape; error statuses raise."""
        if answer.status_code >= 400:
            raise api_error(answer, method, self._display(url), self._scrub)
        return decoded(answer, expect, method, self._display(url), self._scrub)

    # -- helpers --
    def _seconds_left(self):
        """Seconds until the step's deadline (None when it has none)."""
        end = self._deadline[0]
        return None if end is None else end - self._clock.monotonic()

    def _seconds_for_request(self, method, url):
        """The request's whole deadline: its own, cut to what is left of the step's time."""
        left = self._seconds_left()
        seconds = self._request_timeout if left is None else min(self._request_timeout, left)
        if seconds <= 0:
            raise OctopusUnreachableError(
                "The step's time is spent, so {0} {1} was not sent.".format(
                    method, self._display(url)),
                method=method, path=self._display(url), sent=False)
        return seconds

    def _check_caps(self, walk, shown):
        problem = walk.over_cap()
        if problem:
            raise AnswerTooLargeError(
                "Octopus kept paging GET {0}: {1}. The step stops there rather than read without "
                "end or decide from part of the list.".format(shown, problem),
                method="GET", path=shown)

    def _next_page(self, route, query, where, system):
        how, value = where
        if how == "link":
            start = value.find("/api/")      # the path only: never another host's address
            return self.get(value[start:] if start >= 0 else value, system=system,
                            expect=COLLECTION)
        return self.get(route, params=dict(query, skip=value), system=system, expect=COLLECTION)

    def _not_found_message(self, kind, name, items, system, route, hint):
        names = [str(item.get("Name", "")) for item in items]
        close = difflib.get_close_matches(name.strip(), names, n=1, cutoff=0.6)
        where = "" if system or not self.space_id else " in space {0}".format(self.space_name)
        text = "{0} \"{1}\" was not found{2}.".format(kind, name.strip(), where)
        if close:
            text += " Did you mean \"{0}\"?".format(close[0])
        return text + (" " + hint if hint else "")

    def _display(self, url):
        """The path and query of `url`, for logs and messages (never the key: it is a header)."""
        parts = urlsplit(url)
        shown = self._scrub(parts.path + ("?" + parts.query if parts.query else ""))
        return shown if len(shown) <= SHOWN_URL else shown[:SHOWN_URL] + "..."

    def _scrub(self, text):
        return mask_secret(text, self._api_key)

    def with_log(self, log):
        """The same client logging (requests, retries) to `log`."""
        other = self.in_space(self.space_id)
        other._log = log
        return other

    def with_deadline(self, deadline):
        """The same client with an earlier deadline (a monotonic instant): a step told to stop."""
        other, end = self.in_space(self.space_id), self._deadline[0]
        other._deadline = [deadline if end is None else min(end, deadline)]
        return other

    def move_deadline(self, deadline):
        """The step's end, for this client and the copies sharing it (a train, once planned)."""
        self._deadline[0] = deadline
