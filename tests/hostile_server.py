"""A loopback HTTP server that misbehaves on purpose, to test the step's defences against it.

    with HostileServer() as server:                      # 127.0.0.1, a free port
        server.on("/api/spaces", trickle(page_of([])))  # this path (and below it) trickles
        server.on("", silent())                          # every other path: accept, never answer
        run the step against server.url ...
        server.requests                                  # [(method, path with query)], in order

A behaviour is a function `behaviour(connection, request)` that writes what it likes to the
socket and returns (the server then closes the connection); `request` has `method`, `path`,
`query` (a dict of the last value of each name) and `headers`. The factories below cover what a
broken server or proxy does: trickle, silent, headers_then_close, short_body, huge_body,
redirect, looping_pages, skip_ignored, endless_pages, and json_answer for any odd shape (an
array where an object belongs, a number). Paths match case-insensitively, whole segments
(`/api/spaces` is not `/api/spaces-1`), the longest prefix winning; nothing matching gets a
JSON 404.

Raw sockets rather than http.server: a behaviour must be free to break HTTP (announce more
bytes than it sends, stop mid-header). Every connection closes after one answer. Behaviours
that wait (trickle, silent) stop when the server stops, so a test never leaves threads behind.

With `clock=True` the server also answers `/__sim/clock` and `/__sim/clock/advance` as
octopus_sim does, so the harness's virtual clock (tests/virtual_clock.py, `clock_url=`) runs
the step's retry backoff on simulated time against it.
"""

import json
import socket
import threading
from urllib.parse import parse_qsl, urlsplit

CHUNK = 64 * 1024


class Request:
    """One request as the server read it."""

    def __init__(self, method, path, headers, body):
        self.method, self.path, self.headers, self.body = method, path, headers, body
        self.query = dict(parse_qsl(urlsplit(path).query))


class HostileServer:
    """The server: `on(prefix, behaviour)`, `url`, `requests`; a context manager."""

    def __init__(self, clock=False):
        self._routes = {}
        self._clock = {"epoch": 1700000000.0} if clock else None
        self._stop = threading.Event()
        self._connections = []
        self._lock = threading.Lock()
        self.requests = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:{0}".format(self._listener.getsockname()[1])

    def on(self, prefix, behaviour):
        """Answer requests for the path `prefix` and below it ("" for all) with `behaviour`."""
        self._routes[prefix.lower()] = behaviour
        return self

    @property
    def stopping(self):
        return self._stop.is_set()

    def wait(self, seconds):
        """Sleep up to `seconds` (for behaviours); True when the server is stopping."""
        return self._stop.wait(seconds)

    def __enter__(self):
        self._listener.listen(16)
        threading.Thread(target=self._accept, name="hostile-accept", daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                _close(connection)

    def _accept(self):
        while not self._stop.is_set():
            try:
                connection, _address = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        try:
            request = _read_request(connection)
            if request is not None:
                self._dispatch(connection, request)
        except OSError:
            pass                # the client gave up first: that is what most tests want
        finally:
            _close(connection)

    def _dispatch(self, connection, request):
        path = request.path.split("?")[0].lower()
        if self._clock is not None and path.startswith("/__sim/clock"):
            self._clock["epoch"] += float(request.query.get("seconds", 0))
            return json_answer({"Epoch": self._clock["epoch"]})(connection, request)
        self.requests.append((request.method, request.path))
        matches = [prefix for prefix in self._routes
                   if not prefix or path == prefix or path.startswith(prefix.rstrip("/") + "/")]
        if not matches:
            return json_answer({"ErrorMessage": "Not found"}, status=404)(connection, request)
        behaviour = self._routes[max(matches, key=len)]
        behaviour.server = self
        return behaviour(connection, request)


# -- behaviours --------------------------------------------------------------------------------
def json_answer(payload, status=200, headers=None):
    """A well-formed answer with `payload` as its JSON, whatever its shape."""
    def behaviour(connection, request):
        connection.sendall(response_bytes(status, json.dumps(payload).encode("utf-8"), headers))
    return _named(behaviour, "json_answer")


def trickle(body=b'{"Items": []}', bytes_per_second=1.0, status=200):
    """The whole answer, status line included, one byte at a time: every read gets a byte."""
    def behaviour(connection, request):
        for byte in response_bytes(status, body):
            connection.sendall(bytes((byte,)))
            if behaviour.server.wait(1.0 / bytes_per_second):
                return
    return _named(behaviour, "trickle")


def silent():
    """Accept the connection and read the request, then never answer."""
    def behaviour(connection, request):
        behaviour.server.wait(3600)
    return _named(behaviour, "silent")


def headers_then_close(status=200, content_length=None):
    """The headers, then the connection closes: cut off before the body.

    Without `content_length` the headers announce no length, so the body is whatever came
    before the close (nothing): a client that trusts it reads an empty 200.
    """
    def behaviour(connection, request):
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if content_length is not None:
            headers["Content-Length"] = str(content_length)
        connection.sendall(_head(status, headers))
    return _named(behaviour, "headers_then_close")


def short_body(body=b'{"Items": [{"Id": "Deployments-1"', declared=4096, status=200):
    """A Content-Length larger than the body that follows; then the connection closes."""
    def behaviour(connection, request):
        connection.sendall(_head(status, {"Content-Type": "application/json; charset=utf-8",
                                          "Content-Length": str(declared)}) + body)
    return _named(behaviour, "short_body")


def huge_body(total_bytes=300 * 2 ** 20, declare_length=False):
    """A JSON array of `total_bytes`, streamed from a generator (never built in memory).

    Without `declare_length` there is no Content-Length (the body ends when the connection
    closes), so only counting while reading can stop it.
    """
    def behaviour(connection, request):
        headers = {"Content-Type": "application/json"}
        if declare_length:
            headers["Content-Length"] = str(total_bytes)
        connection.sendall(_head(200, headers))
        for chunk in _array_chunks(total_bytes):
            if behaviour.server.stopping:
                return
            connection.sendall(chunk)
    return _named(behaviour, "huge_body")


def redirect(location, status=302):
    """A redirect to `location`, sent as raw bytes (so it may be malformed or non-ASCII)."""
    def behaviour(connection, request):
        connection.sendall(b"HTTP/1.1 %d Found\r\nLocation: " % status
                           + location.encode("utf-8")
                           + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    return _named(behaviour, "redirect")


def looping_pages(pages=2, per_page=1):
    """Distinct pages whose last `Links["Page.Next"]` points back to the first page."""
    def behaviour(connection, request):
        path = request.path.split("?")[0]
        number = int(request.query.get("skip", 0)) // per_page % pages
        items = [{"Id": "Items-{0}".format(number * per_page + i), "Name": "Item {0}".format(i)}
                 for i in range(per_page)]
        following = (number + 1) % pages
        links = {"Self": "{0}?skip={1}&take={2}".format(path, number * per_page, per_page),
                 "Page.Next": "{0}?skip={1}&take={2}".format(path, following * per_page, per_page)}
        json_answer(page_of(items, total=10 ** 6, links=links))(connection, request)
    return _named(behaviour, "looping_pages")


def skip_ignored(items=None, total=10 ** 6, links=False):
    """The same page whatever `skip` says, claiming `total` items; with `links`, a Page.Next
    that moves on (skip + take) although the items do not."""
    items = items or [{"Id": "Items-1", "Name": "Item 1"}, {"Id": "Items-2", "Name": "Item 2"}]

    def behaviour(connection, request):
        page_links = None
        if links:
            skip = int(request.query.get("skip", 0)) + len(items)
            page_links = {"Page.Next": request.path.split("?")[0] + "?skip={0}".format(skip)}
        json_answer(page_of(items, total=total, links=page_links))(connection, request)
    return _named(behaviour, "skip_ignored")


def endless_pages(per_page=50):
    """New items on every page and always a Page.Next: a collection without end."""
    def behaviour(connection, request):
        skip = int(request.query.get("skip", 0))
        items = [{"Id": "Items-{0}".format(skip + i)} for i in range(per_page)]
        links = {"Page.Next": request.path.split("?")[0] + "?skip={0}".format(skip + per_page)}
        json_answer(page_of(items, total=10 ** 9, links=links))(connection, request)
    return _named(behaviour, "endless_pages")


# -- helpers -----------------------------------------------------------------------------------
def page_of(items, total=None, links=None):
    """An Octopus page envelope around `items` (no Links key when `links` is None)."""
    page = {"ItemType": "Item", "TotalResults": len(items) if total is None else total,
            "ItemsPerPage": len(items), "Items": items}
    if links is not None:
        page["Links"] = links
    return page


def response_bytes(status, body, headers=None):
    head = {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body))}
    head.update(headers or {})
    return _head(status, head) + body


def _head(status, headers):
    lines = ["HTTP/1.1 {0} Hostile".format(status)]
    lines += ["{0}: {1}".format(name, value) for name, value in headers.items()]
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _array_chunks(total_bytes):
    filler = b"0," * (CHUNK // 2)
    yield b"["
    sent = 1
    while sent + len(filler) < total_bytes - 2:
        yield filler
        sent += len(filler)
    yield b"0" + b" " * max(0, total_bytes - sent - 2) + b"]"


def _read_request(connection):
    connection.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(CHUNK)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path = lines[0].split(" ")[:2]
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    length = int(headers.get("Content-Length", 0) or 0)
    while len(body) < length:
        chunk = connection.recv(CHUNK)
        if not chunk:
            break
        body += chunk
    connection.settimeout(None)
    return Request(method, path, headers, body)


def _named(behaviour, name):
    behaviour.__name__ = behaviour.__qualname__ = name
    behaviour.server = None
    return behaviour


def _close(connection):
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        connection.close()
    except OSError:
        pass

