"""The HTTP face of the simulator: a threaded loopback server, auth, faults and the request log.

`Simulator.handle` does the work for one request and knows nothing about sockets, so the same
path serves HTTP clients and in-process callers. `/__sim/...` control routes (the clock, for a
client in another process) need no key, see no faults and are not logged.
"""

import json
import socket
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import api_deploy, api_preflight, api_setup, api_tasks
from .clock import ManualClock, iso
from .errors import ApiError
from .faults import Faults
from .paging import Query
from .routes import Context, Router
from .world import DEFAULT_API_KEY, World

DROP = object()
MISSING_KEY = ("You must be logged in to perform this action. Provide an API key in the "
               "X-Octopus-ApiKey header.")
WRONG_KEY = "The API key you provided was not valid. Please double-check your API key and try again."
PROXY_TEXT = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


@dataclass
class RequestRecord:
    """One API request as the simulator saw it."""
    method: str
    path: str
    query: dict
    status: int
    route: str
    time: str
    dropped: bool = False
    fault: str = ""
    body: object = field(default=None, repr=False)


# Kestrel's default MaxRequestLineSize: a longer request line is answered 414 before routing.
MAX_REQUEST_LINE = 8192


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)


def build_router():
    router = Router()
    api_setup.register(router)
    api_deploy.register(router)
    api_tasks.register(router)
    api_preflight.register(router)
    return router


class Simulator:
    """A simulated Octopus Server on 127.0.0.1 with a world you build and a clock you control."""

    def __init__(self, api_key=DEFAULT_API_KEY, clock=None, host="127.0.0.1", port=0):
        self.clock = clock or ManualClock()
        self.api_key = api_key
        self.world = World(self.clock, api_key)
        self.faults = Faults(self.clock)
        self.requests = []
        self.router = build_router()
        self.host, self.port = host, port
        self._log_lock = threading.Lock()
        self._server = None
        self._thread = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="octopus-sim",
                                        kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.faults.release_holds()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    # -- the request log ------------------------------------------------------------------------------
    def request_counts(self):
        """How many requests each route template received, e.g. {"GET /api/{space}/tasks/{id}": 3}."""
        with self._log_lock:
            return Counter(r.route for r in self.requests)

    def reset_requests(self):
        with self._log_lock:
            del self.requests[:]

    def _record(self, method, split, query, status, route, dropped=False, fault="", body=None):
        record = RequestRecord(method, split.path, query.as_dict(), status, route or "", iso(self.clock.now()),
                               dropped, fault, body)
        with self._log_lock:
            self.requests.append(record)

    # -- one request -----------------------------------------------------------------------------------
    def handle(self, method, target, headers, body_bytes):
        """Answer one request: a Response, or DROP to close the connection without one."""
        split = urlsplit(target)
        if split.path.lower().startswith("/__sim/"):
            return self._control(method, split, Query(split.query))
        method = (headers.get("X-HTTP-Method-Override") or method).upper() if method == "POST" else method
        query = Query(split.query)
        route = self._route_label(method, split.path)
        if len("{0} {1} HTTP/1.1".format(method, target)) > MAX_REQUEST_LINE:
            self._record(method, split, query, 414, route, fault="request line too long")
            return Response(414, b"", "text/plain")
        latency = self.faults.latency_seconds()
        if latency:
            time.sleep(latency)
        early = self._fault_before(method, split, query, route)
        if early is not None:
            return early
        hold = self.faults.hold_for(method, target)
        if hold is not None and not hold.after_apply and not hold.keep():
            self._record(method, split, query, 0, route, dropped=True, fault="hold")
            return DROP
        drop = self.faults.drop(method, split.path)
        if drop == "before":
            self._record(method, split, query, 0, route, dropped=True, fault="drop")
            return DROP
        response, route, body = self._serve(method, split, query, headers, body_bytes, route)
        if (hold is not None and hold.after_apply and not hold.keep()) or drop == "after":
            self._record(method, split, query, response.status, route, dropped=True,
                         fault="hold" if hold is not None else "drop", body=body)
            return DROP
        response, fault = self._fault_after(method, split.path, response)
        self._record(method, split, query, response.status, route, fault=fault, body=body)
        return response

    def _fault_before(self, method, split, query, route):
        """An outage or a transient failure answers before the request reaches the world."""
        outage = self.faults.outage_mode()
        if outage is not None:
            self._record(method, split, query, 0 if outage == "drop" else 503, route,
                         dropped=outage == "drop", fault="outage")
            return DROP if outage == "drop" else _proxy_error(503, None)
        fault = self.faults.transient(method, split.path)
        if fault is not None:
            self._record(method, split, query, fault[0], route, fault="transient")
            return _proxy_error(*fault)
        return None

    def _fault_after(self, method, path, response):
        """A failure status after the change was applied, or an odd shape for a good answer."""
        status = self.faults.after_apply_status(method, path)
        if status is not None and response.status < 400:
            return _json(status, {"ErrorMessage": "An unexpected error occurred after the change "
                                                  "was saved.", "Errors": []}), "after-apply"
        if response.status < 300 and response.content_type.startswith("application/json"):
            odd, shape = self.faults.odd_answer(method, path)
            if odd:
                return _json(response.status, shape), "odd-shape"
        return response, ""

    def _route_label(self, method, path):
        try:
            return self.router.resolve(self.world, method, path)[4]
        except ApiError:
            return "%s %s" % (method, path)

    def _serve(self, method, split, query, headers, body_bytes, route):
        body = None
        try:
            maintenance = self.faults.maintenance_for(method)
            if maintenance is not None:
                retry_after, message = maintenance
                extra = {"Retry-After": str(retry_after)} if retry_after != "" else {}
                raise ApiError(503, message, headers=extra)
            user = self._authenticate(split.path, headers, query)
            body = _parse_body(body_bytes)
            with self.world.lock:
                self.world.tick()
                handler, params, space, prefixed, route = self.router.resolve(self.world, method, split.path)
                _authorise(user, method, space, handler)
                ctx = Context(self.world, method, split.path, query, body, user, space, prefixed, params)
                result = handler(ctx)
            return _respond(result), route, body
        except ApiError as error:
            return _json(error.status, error.body(), error.headers), route, body
        except Exception as error:        # a simulator bug must still look like an Octopus 500
            payload = {"ErrorMessage": "An unexpected error occurred: %s" % error,
                       "FullException": traceback.format_exc()}
            return _json(500, payload), route, body

    def _authenticate(self, path, headers, query):
        key = headers.get("X-Octopus-ApiKey") or query.get("apikey")
        auth = headers.get("Authorization") or ""
        if not key and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        if not key:
            if path.rstrip("/").lower() == "/api":
                return self.world.api_user          # the root document is readable anonymously
            raise ApiError(401, MISSING_KEY)
        user = self.world.user_for_key(key)
        if user is None:
            raise ApiError(401, WRONG_KEY)
        return user

    def _control(self, method, split, query):
        """`/__sim/clock` and `/__sim/clock/advance?seconds=`: the clock, for another process."""
        if not getattr(self.clock, "manual", False):
            return _json(404, {"ErrorMessage": "The simulator clock is not a ManualClock."})
        path = split.path.rstrip("/").lower()
        if path == "/__sim/clock" and method == "GET":
            return _json(200, self._clock_json())
        if path == "/__sim/clock/advance" and method == "POST":
            try:
                self.clock.advance(float(query.get("seconds", "0")))
            except ValueError as error:
                return _json(400, {"ErrorMessage": str(error)})
            self.world.tick()
            return _json(200, self._clock_json())
        return _json(404, {"ErrorMessage": "The resource '%s' was not found." % split.path})

    def _clock_json(self):
        now = self.clock.now()
        return {"Now": iso(now), "Epoch": now.timestamp()}


def _authorise(user, method, space, handler):
    if user.space_ids is not None and space.id not in user.space_ids and handler.__module__.endswith(
            ("api_deploy", "api_preflight", "api_setup", "api_tasks")) and handler.__name__ not in ("current_user", "root"):
        raise ApiError(403, "You do not have permission to perform this action. Please contact your "
                       "Octopus administrator. Missing permission: SpaceView")
    if user.read_only and method != "GET":
        raise ApiError(403, "You do not have permission to perform this action. Please contact your "
                       "Octopus administrator. Missing permission: DeploymentCreate")


def _parse_body(raw):
    if not raw or not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "The request body could not be read as JSON.", [str(error)])


def _respond(result):
    status, payload = result if isinstance(result, tuple) else (200, result)
    if isinstance(payload, str):
        return Response(status, payload.encode("utf-8"), "text/plain; charset=utf-8")
    return _json(status, payload)


def _json(status, payload, headers=None):
    return Response(status, json.dumps(payload, indent=None).encode("utf-8"), headers=dict(headers or {}))


def _proxy_error(status, retry_after):
    text = PROXY_TEXT.get(status, "Error")
    html = "<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>" % (
        status, text, status, text)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Response(status, html.encode("utf-8"), "text/html; charset=utf-8", headers)


def _handler_for(sim):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "octopus-sim"

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            response = sim.handle(self.command, self.path, self.headers, body)
            if response is DROP:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            # Headers and body in one write: two small writes on a kept-alive socket meet the
            # client's delayed ACK and cost ~40 ms a request.
            self._headers_buffer.append(b"\r\n" + response.body)
            self.flush_headers()

        def setup(self):
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args):
            """Quiet: tests and the demo read the request log instead."""

        def handle_one_request(self):
            try:
                super().handle_one_request()
            except (ConnectionError, OSError):
                self.close_connection = True

    return Handler
