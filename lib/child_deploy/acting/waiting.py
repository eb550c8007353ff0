"""Waiting for the child deployment: polling that backs off, a deadline that counts queue time,
and the run's one SignalGuard (the first SIGTERM or SIGINT becomes StepCancelledError).
"""

import signal
from collections import namedtuple
from contextlib import contextmanager

from ..base.clock import instant
from ..base.errors import StepCancelledError, StepError

FIRST_POLL_SECONDS = 1.0
BRISK_SECONDS = 5.0          # poll every second for this long before backing off
MAX_POLL_SECONDS = 5.0
POLL_GROWTH = 1.5
LOUD_EVERY_SECONDS = 50.0
ROOT_HEADING = "Deployment"      # the task's own lines (start and end), outside any step
Waited = namedtuple("Waited", "task timed_out")


def next_poll_interval(previous, waited=0.0):
    """1 s while fewer than BRISK_SECONDS have passed, then 1.5 s, 2.25 s ... up to 5 s."""
    if previous is None or waited < BRISK_SECONDS:
        return FIRST_POLL_SECONDS
    return min(MAX_POLL_SECONDS, previous * POLL_GROWTH)


def wait_for_task(get_task, clock, deadline, on_poll=None, on_trouble=None):
    """Poll until the task completes or `deadline` (monotonic) passes: Waited(last task, timed_out).
    A retryable failure costs that poll only (`on_trouble(text)` hears)."""
    interval, began, last = None, clock.monotonic(), {}
    trouble = on_trouble or (lambda text: None)
    while True:
        _GUARD[0].raise_if_signalled()
        task = _poll(get_task, on_poll, trouble)
        if task is not None and task.get("IsCompleted"):
            return Waited(task, False)
        last = task if task is not None else last
        if deadline - clock.monotonic() <= 0:
            return Waited(last, True)
        interval = next_poll_interval(interval, clock.monotonic() - began)
        clock.sleep(min(interval, max(0.0, deadline - clock.monotonic())))


def _poll(get_task, on_poll, trouble):
    """One poll: the task (None when this poll failed in a way worth retrying)."""
    try:
        task = get_task()
        if not isinstance(task, dict):
            trouble("Octopus answered with {0} instead of the task".format(type(task).__name__))
            return None
        if on_poll is not None and not task.get("IsCompleted"):
            on_poll(task)
        return task
    except StepError as error:
        if not getattr(error, "retryable", False):
            raise
        trouble(str(error).splitlines()[0])
        return None


class PersonNotice:
    """Says a child waits for a person: loudly every ~50 s, quietly in between."""

    def __init__(self, host, clock, describe, why="auto-approval is off"):
        self.host, self.clock, self.describe, self.why = host, clock, describe, why
        self._last_loud = None

    def __call__(self, task):
        now = self.clock.monotonic()
        message = ("{0} is waiting for a person to answer its manual intervention or guided "
                   "failure; {1}. It will time out unless someone responds."
                   .format(self.describe, self.why))
        if self._last_loud is None or now - self._last_loud >= LOUD_EVERY_SECONDS:
            self._last_loud = now
            self.host.warning(message)
        else:
            self.host.verbose(message)


class LogFollower:
    """Copies only the child's new log lines, in the order they happened, under step and target.

    Each poll reads the last TAIL lines of every node; an uncertain overlap reads the whole log.
    """

    TAIL = 100

    def __init__(self, client, host, task_id):
        self.client, self.host, self.task_id = client, host, task_id
        self._printed = {}          # node key -> (lines printed, the last TAIL of them)
        self._heading = None

    def __call__(self, task=None):
        found = self._new_lines(self._details(self.TAIL), whole=False)
        if found is None:
            found = self._new_lines(self._details(None), whole=True)
        new, self._printed = found
        new.sort(key=lambda line: (line[0], line[1]))
        for _when, _order, heading, text in new:
            self._heading_for(heading)
            self.host.info("|  " + text)

    def _details(self, tail):
        params = {"verbose": "false"}
        if tail is not None:
            params["tail"] = tail
        return self.client.get("tasks/{0}/details".format(self.task_id), params=params)

    def _new_lines(self, details, whole):
        """(new lines, the printed state after them), or None when a window cannot be placed."""
        new, printed = [], dict(self._printed)
        nodes = []
        for root in details.get("ActivityLogs") or ():
            self._walk(root, [], nodes)
        for key, heading, elements in nodes:
            count, recent = printed.get(key, (0, ()))
            fresh = self._unprinted(elements, count, recent, whole)
            if fresh is None:
                return None
            for element in fresh:
                new.append((instant(element[0]), len(new), heading, element[2]))
            recent = (recent + tuple(fresh))[-self.TAIL:]
            printed[key] = (count + len(fresh), recent)
        return new, printed

    def _unprinted(self, elements, count, recent, whole):
        """The elements not printed yet: by count in a whole log, by overlap in a full window."""
        if whole or len(elements) != self.TAIL:
            return elements[count:]
        overlaps = [k for k in range(1, min(len(recent), len(elements)) + 1)
                    if elements[:k] == list(recent[-k:])]
        return elements[overlaps[0]:] if len(overlaps) == 1 else None

    def _walk(self, node, path, nodes):
        key = node.get("Id") or "/".join(path + [node.get("Name", "")])
        heading = " / ".join(path[1:] + [node.get("Name", "")]) if path else ROOT_HEADING
        elements = [(e.get("OccurredAt") or "", e.get("Category") or "",
                     str(e.get("MessageText", ""))) for e in node.get("LogElements") or ()]
        nodes.append((key, heading, elements))
        for child in node.get("Children") or ():
            self._walk(child, path + [node.get("Name", "")], nodes)

    def _heading_for(self, heading):
        """Name the step and target once per run of lines from it."""
        if heading != self._heading:
            self.host.info("+- " + heading)
        self._heading = heading


class SignalGuard:
    """The run's one answer to SIGTERM and SIGINT: the first raises StepCancelledError (held back
    inside `shielded()`); later ones are ignored, so a second cannot abort the cancel."""

    def __init__(self):
        self.signum = None
        self._depth = 0
        self._pending = False

    def handle(self, signum, _frame):
        if self.signum is not None:
            return
        self.signum = signum
        if self._depth:
            self._pending = True
            return
        raise self.error()

    def error(self):
        return StepCancelledError("The step was cancelled (signal {0}).".format(self.signum))

    def raise_if_signalled(self):
        """Raise again for a signal whose error some `except StepError` swallowed."""
        if self.signum is not None and not self._depth:
            raise self.error()

    @contextmanager
    def shielded(self):
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth and self._pending:
                self._pending = False
                raise self.error()      # the signal wins over whatever the block raised


_GUARD = [SignalGuard()]


def raise_if_signalled():
    """For loops that wait without `wait_for_task` (the train's)."""
    _GUARD[0].raise_if_signalled()


def shielded():
    """Hold a signal back until the block ends (cancel calls, and what must follow them)."""
    return _GUARD[0].shielded()


@contextmanager
def cancellation_signals():
    """Turn SIGTERM and SIGINT into StepCancelledError for the whole run (main thread only)."""
    guard, previous = SignalGuard(), {}
    for name in ("SIGTERM", "SIGINT"):
        number = getattr(signal, name, None)
        try:
            previous[number] = signal.signal(number, guard.handle)
        except (ValueError, TypeError, OSError):
            pass   # not the main thread, or a platform without it: nothing to restore
    if previous:
        _GUARD[0] = guard
    try:
        yield guard
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if previous:
            _GUARD[0] = SignalGuard()
