"""Fault and load controls: latency, transient 5xx, dropped connections, maintenance mode,
outages, 500s after a commit, odd JSON shapes, and requests held until a test lets them go.

Thread-safe; the server asks these controls about every API request (never about `/__sim`).
Transient faults look like a proxy in front of Octopus (an HTML body, no Octopus error JSON);
maintenance mode answers with an Octopus-style JSON error (wording UNCONFIRMED).
"""

import random
import threading
from datetime import timedelta

MAINTENANCE_MESSAGE = ("The Octopus Server is currently in maintenance mode and cannot process this "
                       "request. Please try again later.")


class _Rule:
    def __init__(self, count, methods, path_contains, **extra):
        self.count = count
        self.methods = tuple(m.upper() for m in methods) if methods else None
        self.path_contains = path_contains.lower() if path_contains else None
        self.__dict__.update(extra)

    def applies(self, method, path):
        if self.methods is not None and method not in self.methods:
            return False
        return self.path_contains is None or self.path_contains in path.lower()


class Faults:
    """What goes wrong, and when. Counts are consumed as matching requests arrive."""

    def __init__(self, clock):
        self._clock = clock
        self._lock = threading.Lock()
        self.latency_ms = 0
        self._latency_random = random.Random(0)
        self.clear()

    def clear(self):
        """Remove every fault (latency included); held requests are dropped unapplied."""
        if hasattr(self, "_holds"):
            self.release_holds()
        with self._lock:
            self.latency_ms = 0
            self._next = []
            self._rate = None
            self._drops = []
            self._maintenance = None
            self._outage = None
            self._after = []
            self._odd = []
            self._holds = []

    def fail_next(self, count=1, status=503, methods=("GET",), path_contains=None, retry_after=None):
        """The next `count` matching requests fail with `status` (methods=None: any method)."""
        with self._lock:
            self._next.append(_Rule(count, methods, path_contains, status=status, retry_after=retry_after))

    def fail_rate(self, rate, seed=None, statuses=(502, 503, 504), methods=("GET",), path_contains=None,
                  retry_after=None):
        """Fail a fraction of matching requests at random (seeded: repeatable); rate 0 turns it off."""
        with self._lock:
            self._rate = None if not rate else _Rule(
                None, methods, path_contains, rate=float(rate), random=random.Random(seed),
                statuses=tuple(statuses), retry_after=retry_after)

    def drop_connection(self, count=1, methods=("POST",), path_contains="/deployments", after_apply=True):
        """Close the socket without answering; with after_apply the change is made first."""
        with self._lock:
            self._drops.append(_Rule(count, methods, path_contains, after_apply=after_apply))

    def maintenance(self, seconds, retry_after=None, methods=None, message=None):
        """Answer 503 for `seconds` of simulated time (methods=None: every method).

        The status and wording of the real server's maintenance answer are UNCONFIRMED; pass
        `message` to see how a client copes with other wording.
        """
        with self._lock:
            until = self._clock.now() + timedelta(seconds=seconds)
            self._maintenance = _Rule(None, methods, None, until=until, retry_after=retry_after,
                                      message=message or MAINTENANCE_MESSAGE)

    def end_maintenance(self):
        with self._lock:
            self._maintenance = None

    def fail_after_apply(self, count=1, status=500, methods=("POST",), path_contains="/deployments"):
        """Apply the next `count` matching requests, then answer `status` anyway (the change stays).

        The answer is an Octopus-style error body, as a server that failed after committing
        (a timeout writing the response, an exception in an event handler) sends.
        """
        with self._lock:
            self._after.append(_Rule(count, methods, path_contains, status=status))

    def outage(self, seconds, mode="drop"):
        """Every API request fails for `seconds` of simulated time: "drop" closes the socket
        without an answer, "503" answers a proxy's HTML page (no Octopus JSON)."""
        with self._lock:
            self._outage = _Rule(None, None, None, until=self._clock.now() + timedelta(seconds=seconds),
                                 mode=mode)

    def odd_shape(self, count=1, methods=("GET",), path_contains=None, shape=()):
        """The next `count` matching successful answers carry `shape` (default: a JSON array)."""
        with self._lock:
            self._odd.append(_Rule(count, methods, path_contains, shape=list(shape)
                                   if isinstance(shape, tuple) else shape))

    def hold(self, methods=("POST",), path_contains="/deployments", after_apply=True):
        """Hold the next matching request until the test calls `release()` on the returned Hold.

        `path_contains` is matched against the path and the query (`"states=Queued"` works).

        With after_apply the change is made first and only the answer waits; else nothing is
        applied until the release. Holds still waiting when the simulator stops are dropped.
        """
        hold = Hold(_Rule(1, methods, path_contains, after_apply=after_apply))
        with self._lock:
            self._holds.append(hold)
        return hold

    def release_holds(self):
        with self._lock:
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release(answer=False)

    # -- asked by the server ----------------------------------------------------------------------
    def latency_seconds(self):
        """`latency_ms` as seconds; a (low, high) pair draws each request's latency from it."""
        value = self.latency_ms or 0
        if isinstance(value, (tuple, list)):
            with self._lock:
                value = self._latency_random.uniform(float(value[0]), float(value[1]))
        return max(0.0, float(value)) / 1000.0

    def transient(self, method, path):
        """(status, retry_after) for a transient failure of this request, or None."""
        with self._lock:
            for rule in self._next:
                if rule.count > 0 and rule.applies(method, path):
                    rule.count -= 1
                    return rule.status, rule.retry_after
            self._next = [r for r in self._next if r.count > 0]
            rate = self._rate
            if rate is not None and rate.applies(method, path) and rate.random.random() < rate.rate:
                return rate.random.choice(rate.statuses), rate.retry_after
        return None

    def maintenance_for(self, method):
        """(Retry-After value or "", message) while maintenance applies to `method`, else None."""
        with self._lock:
            rule = self._maintenance
            if rule is None:
                return None
            if self._clock.now() >= rule.until:
                self._maintenance = None
                return None
            if not rule.applies(method, ""):
                return None
            return (rule.retry_after if rule.retry_after is not None else "", rule.message)

    def drop(self, method, path):
        """None, "before" (drop without applying) or "after" (apply, then drop)."""
        with self._lock:
            for rule in self._drops:
                if rule.count > 0 and rule.applies(method, path):
                    rule.count -= 1
                    return "after" if rule.after_apply else "before"
        return None

    def outage_mode(self):
        """"drop" or "503" while an outage lasts, else None."""
        with self._lock:
            rule = self._outage
            if rule is None or self._clock.now() >= rule.until:
                self._outage = None
                return None
            return rule.mode

    def after_apply_status(self, method, path):
        return self._take(self._after, method, path, "status")

    def odd_answer(self, method, path):
        """(True, shape) when this answer is to be replaced by an odd JSON shape."""
        with self._lock:
            for rule in self._odd:
                if rule.count > 0 and rule.applies(method, path):
                    rule.count -= 1
                    return True, rule.shape
        return False, None

    def hold_for(self, method, path):
        """The Hold that catches this request (path and query), if any; each catches one."""
        with self._lock:
            for hold in self._holds:
                if hold.rule.count > 0 and hold.rule.applies(method, path):
                    hold.rule.count -= 1
                    return hold
        return None

    def _take(self, rules, method, path, attribute):
        with self._lock:
            for rule in rules:
                if rule.count > 0 and rule.applies(method, path):
                    rule.count -= 1
                    return getattr(rule, attribute)
        return None


class Hold:
    """One request held by the server until the test releases it (see Faults.hold)."""

    def __init__(self, rule):
        self.rule = rule
        self.after_apply = rule.after_apply
        self.answer = True
        self._held = threading.Event()
        self._go = threading.Event()

    def wait_until_held(self, timeout=10.0):
        """True once a request is being held."""
        return self._held.wait(timeout)

    def release(self, answer=True):
        """Let the request go: answered normally, or (answer=False) dropped unanswered."""
        self.answer = answer
        self._go.set()

    def keep(self):
        """Called by the server's handler thread: wait until released; return `answer`."""
        self._held.set()
        self._go.wait()
        return self.answer
