"""Waiting for the child deployment: polling that adapts, a deadline that counts queue time.

Polling runs every second for the first few seconds, so a short child is noticed within a
second, then backs off to five seconds, so a long one costs about what v29's fixed five did.
The deadline starts when the deployment was created (an attached one: when Octopus created
it), not when it started running, so a child stuck in the queue still times out. Time comes from an injected clock; tests never sleep.
"""

import signal
from collections import namedtuple
from contextlib import contextmanager

from .clock import instant
from .errors import StepCancelledError

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


def wait_for_task(get_task, clock, deadline, on_poll=None):
    """Poll until the task completes or `deadline` (a monotonic instant) passes.

    `on_poll(task, elapsed)` runs after every poll of an unfinished task: progress, log lines and
    interruptions hang off it. Returns Waited(last task, timed_out).
    """
    interval, began = None, clock.monotonic()
    while True:
        task = get_task()
        if task.get("IsCompleted"):
            return Waited(task, False)
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            return Waited(task, True)
        if on_poll is not None:
            on_poll(task)
        interval = next_poll_interval(interval, clock.monotonic() - began)
        clock.sleep(min(interval, remaining))


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

    Each poll asks for the last TAIL lines of every activity node (`tail`), so a poll costs the
    same whether the log holds fifty lines or fifty thousand. A node's window is matched to the
    lines already printed from it by where the two overlap; when a node wrote more than a window
    holds since the last poll, or the overlap is not certain, the whole log is read once more
    and its lines are counted instead, so no line is lost or repeated. New lines are sorted by
    `OccurredAt` (the root's closing line comes after the targets' last lines) and the step and
    target (or "Deployment" for the task's own lines) are named once per run of lines from it.
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
        """The elements not printed yet: by count in a whole log, by overlap in a full window.

        Fewer than TAIL elements are the node's whole log; more mean a server that ignores `tail`.
        """
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


@contextmanager
def cancellation_signals():
    """Turn SIGTERM and SIGINT into StepCancelledError while waiting (main thread only)."""
    def stop(signum, _frame):
        raise StepCancelledError("The step was cancelled (signal {0}) while waiting.".format(signum))

    previous = {}
    for name in ("SIGTERM", "SIGINT"):
        number = getattr(signal, name, None)
        try:
            previous[number] = signal.signal(number, stop)
        except (ValueError, TypeError, OSError):
            pass   # not the main thread, or a platform without it: nothing to restore
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
