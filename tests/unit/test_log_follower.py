"""LogFollower: a tail window per node, matched to what was printed; the whole log only when needed."""

import pytest

from child_deploy.base.terminal import RecordingHost
from child_deploy.acting.waiting import LogFollower


class GrowingLog:
    """A fake client: one target node whose lines grow between polls; `tail` as Octopus applies it."""

    def __init__(self):
        self.lines, self.requests = [], []

    def write(self, *texts, at="2026-11-20T09:00:00.000+00:00"):
        for text in texts:
            self.lines.append({"OccurredAt": at, "Category": "Info", "MessageText": text})

    def get(self, route, params=None):
        self.requests.append(dict(params or {}))
        tail = (params or {}).get("tail")
        shown = self.lines if tail is None else self.lines[-tail:] if tail > 0 else []
        target = {"Id": "n/step/target", "Name": "s-web-01", "LogElements": list(shown), "Children": []}
        step = {"Id": "n/step", "Name": "Step 1: Deploy", "LogElements": [], "Children": [target]}
        return {"ActivityLogs": [{"Id": "n", "Name": "Deploy", "LogElements": [], "Children": [step]}]}


@pytest.fixture
def follow(monkeypatch):
    monkeypatch.setattr(LogFollower, "TAIL", 5)
    log, host = GrowingLog(), RecordingHost()
    return log, host, LogFollower(log, host, "ServerTasks-1")


def printed(host):
    return [m[3:] for level, m in host.messages if m.startswith("|  ")]


def stamp(n):
    return "2026-11-20T09:00:{0:02d}.000+00:00".format(n)


def test_each_poll_asks_for_a_tail_and_prints_only_new_lines(follow):
    log, host, follower = follow
    written = []
    for poll in range(12):
        texts = ["line {0}.{1}".format(poll, n) for n in range(poll % 4)]   # 0-3 new lines a poll
        for n, text in enumerate(texts):
            log.write(text, at=stamp(poll * 4 + n))
        written += texts
        follower()
    assert printed(host) == written
    assert all(r.get("tail") == 5 for r in log.requests) and len(log.requests) == 12


def test_more_new_lines_than_a_tail_reads_the_whole_log_once(follow):
    log, host, follower = follow
    log.write(*["a{0}".format(n) for n in range(3)], at=stamp(1))
    follower()
    log.write(*["b{0}".format(n) for n in range(12)], at=stamp(2))    # 12 > TAIL
    follower()
    assert printed(host) == ["a0", "a1", "a2"] + ["b{0}".format(n) for n in range(12)]
    assert [r.get("tail") for r in log.requests] == [5, 5, None]
    log.write("c0", at=stamp(3))
    follower()
    assert printed(host)[-1] == "c0" and log.requests[-1].get("tail") == 5


def test_a_server_that_ignores_tail_costs_one_request_a_poll(follow):
    log, host, follower = follow
    log.get = lambda route, params=None, get=log.get: get(route, {"verbose": "false"})
    for poll in range(4):
        log.write(*["p{0}.{1}".format(poll, n) for n in range(4)], at=stamp(poll))
        follower()
    assert printed(host) == ["p{0}.{1}".format(p, n) for p in range(4) for n in range(4)]
    assert len(log.requests) == 4


def test_identical_lines_whose_window_cannot_be_placed_are_counted_from_the_whole_log(follow):
    """Same text, same millisecond: the overlap is ambiguous, so the count decides."""
    log, host, follower = follow
    log.write(*["tick"] * 6)
    follower()
    log.write(*["tick"] * 2)
    follower()
    follower()
    assert printed(host) == ["tick"] * 8
    assert sum(1 for r in log.requests if "tail" not in r) >= 2
