"""Pins for the wait itself: the poll cadence, the deadline, who hears a poll, the signal shield."""

import pytest

from child_deploy.acting.waiting import (LogFollower, PersonNotice, SignalGuard, next_poll_interval,
                                         wait_for_task)
from child_deploy.base.errors import OctopusApiError, StepCancelledError, StepError
from child_deploy.base.terminal import RecordingHost
from fakes import FakeClock
from test_log_follower import printed       # the follower's lines, as the host got them

RUNNING = {"State": "Executing", "IsCompleted": False}
DONE = {"State": "Success", "IsCompleted": True}


def answers(*tasks, limit=60):
    """get_task answering `tasks` in turn, then the last one; a runaway loop fails the test."""
    seen = []

    def get_task():
        seen.append(1)
        assert len(seen) <= limit, "the wait did not stop"
        item = tasks[min(len(seen), len(tasks)) - 1]
        if isinstance(item, Exception):
            raise item
        return item
    return get_task


def test_the_interval_is_one_second_while_brisk_then_grows_by_half_up_to_five():
    assert next_poll_interval(None) == 1.0
    assert next_poll_interval(None, 30.0) == 1.0
    assert next_poll_interval(3.0, 4.9) == 1.0
    assert next_poll_interval(1.0, 5.0) == 1.5
    assert next_poll_interval(2.0, 30.0) == 3.0
    assert next_poll_interval(4.0, 30.0) == 5.0


def test_a_long_wait_sleeps_one_second_five_times_then_backs_off_to_five_and_stops_at_the_deadline():
    clock = FakeClock()
    waited = wait_for_task(answers(RUNNING), clock, clock.monotonic() + 30.0)
    assert waited.timed_out and waited.task == RUNNING
    assert clock.sleeps == [1.0] * 5 + [1.5, 2.25, 3.375, 5.0, 5.0, 5.0, 2.875]
    assert clock.elapsed == 30.0


def test_the_last_sleep_ends_at_the_deadline_and_a_poll_there_still_counts():
    clock = FakeClock()
    waited = wait_for_task(answers(RUNNING, RUNNING, RUNNING, DONE), clock, clock.monotonic() + 2.5)
    assert clock.sleeps == [1.0, 1.0, 0.5]
    assert waited == (DONE, False)


def test_a_deadline_already_passed_polls_once_and_does_not_sleep():
    clock = FakeClock()
    waited = wait_for_task(answers(RUNNING), clock, clock.monotonic())
    assert waited == (RUNNING, True) and clock.sleeps == []


def test_on_poll_hears_each_running_task_but_never_the_completed_one():
    clock, heard = FakeClock(), []
    waited = wait_for_task(answers(RUNNING, RUNNING, DONE), clock, clock.monotonic() + 60,
                           on_poll=heard.append)
    assert heard == [RUNNING, RUNNING] and waited == (DONE, False)


def test_a_poll_that_failed_is_heard_by_on_trouble_and_the_last_good_task_is_kept():
    clock, trouble = FakeClock(), []
    lost = OctopusApiError("Octopus is busy.\nMore detail.", status=503)
    waited = wait_for_task(answers(RUNNING, lost, "a proxy page"), clock, clock.monotonic() + 3,
                           on_trouble=trouble.append)
    assert waited == (RUNNING, True)
    assert trouble[0] == "Octopus is busy."
    assert trouble[1:] == ["Octopus answered with str instead of the task"] * (len(trouble) - 1)


def test_a_failed_poll_without_a_listener_is_only_retried():
    clock = FakeClock()
    lost = OctopusApiError("Octopus is busy.", status=503)
    assert wait_for_task(answers(lost, DONE), clock, clock.monotonic() + 60) == (DONE, False)


def test_a_refusal_that_is_not_retryable_ends_the_wait():
    clock = FakeClock()
    for error in (OctopusApiError("No.", status=401), StepError("Plain.")):
        with pytest.raises(StepError) as raised:
            wait_for_task(answers(RUNNING, error), clock, clock.monotonic() + 60)
        assert raised.value is error


def test_a_person_is_told_loudly_at_most_every_fifty_seconds_and_quietly_between():
    host, clock = RecordingHost(), FakeClock()
    notice = PersonNotice(host, clock, "Web 1.0 in Staging")
    for step in (0.0, 49.9, 0.1, 10.0):
        clock.sleep(step)
        notice(RUNNING)
    assert [level for level, _ in host.messages] == ["warning", "verbose", "warning", "verbose"]


def test_lines_of_two_targets_are_printed_in_the_order_they_happened():
    def node(name, *lines):
        return {"Id": name, "Name": name, "Children": [], "LogElements": [
            {"OccurredAt": "2026-11-20T09:00:{0:02d}.000+00:00".format(at), "Category": "Info",
             "MessageText": text} for at, text in lines]}

    class Log:
        def get(self, route, params=None):
            step = {"Id": "s", "Name": "Step 1", "LogElements": [],
                    "Children": [node("a", (1, "a1"), (3, "a3")), node("b", (2, "b2"), (4, "b4"))]}
            return {"ActivityLogs": [{"Id": "r", "Name": "Deploy", "LogElements": [],
                                      "Children": [step]}]}
    host = RecordingHost()
    LogFollower(Log(), host, "ServerTasks-1")()
    assert [m for _, m in host.messages if m.startswith("|  ")] == ["|  a1", "|  b2", "|  a3", "|  b4"]


def test_nodes_without_an_id_are_told_apart_by_their_path():
    class Log:
        def get(self, route, params=None):
            targets = [{"Name": name, "Children": [], "LogElements": [
                {"OccurredAt": "2026-11-20T09:00:01.000+00:00", "Category": "Info",
                 "MessageText": "on " + name}]} for name in ("web-01", "web-02")]
            return {"ActivityLogs": [{"Name": "Deploy", "LogElements": [], "Children": [
                {"Name": "Step 1", "LogElements": [], "Children": targets}]}]}
    host = RecordingHost()
    LogFollower(Log(), host, "ServerTasks-1")()
    assert host.messages == [("info", "+- Step 1 / web-01"), ("info", "|  on web-01"),
                             ("info", "+- Step 1 / web-02"), ("info", "|  on web-02")]


@pytest.fixture
def guard():
    return SignalGuard()


def test_a_signal_outside_a_shield_raises_at_once_and_a_second_one_is_ignored(guard):
    with pytest.raises(StepCancelledError):
        guard.handle(15, None)
    guard.handle(2, None)
    with pytest.raises(StepCancelledError, match="signal 15"):
        guard.raise_if_signalled()


def test_a_shield_holds_a_signal_until_the_outermost_block_ends(guard):
    with pytest.raises(StepCancelledError, match="signal 15"):
        with guard.shielded():
            with guard.shielded():
                guard.handle(15, None)
                guard.raise_if_signalled()      # held back while shielded
            guard.raise_if_signalled()          # the outer block still holds it
            held = True
    assert held
    with pytest.raises(StepCancelledError):
        guard.raise_if_signalled()              # the shield is gone: it raises again


def test_a_shield_without_a_signal_ends_quietly_and_leaves_signals_raising(guard):
    with guard.shielded():
        pass
    with guard.shielded():
        pass
    guard.raise_if_signalled()
    with pytest.raises(StepCancelledError):
        guard.handle(15, None)


class Window:
    """One target's log, `tail` applied as Octopus does; each line (time, category, text)."""

    def __init__(self):
        self.lines, self.tails = [], []

    def get(self, route, params=None):
        tail = (params or {}).get("tail")
        self.tails.append(tail)
        shown = self.lines if tail is None else self.lines[-tail:]
        elements = [{"OccurredAt": "2026-11-20T09:00:01.000+00:00", "Category": category,
                     "MessageText": text} for category, text in shown]
        return {"ActivityLogs": [{"Id": "t", "Name": "Deploy", "LogElements": elements,
                                  "Children": []}]}


def tail_of_five(monkeypatch):
    monkeypatch.setattr(LogFollower, "TAIL", 5)
    log, host = Window(), RecordingHost()
    return log, host, LogFollower(log, host, "ServerTasks-1")


def test_a_whole_log_exactly_a_tail_long_is_counted_not_placed(monkeypatch):
    log, host, follower = tail_of_five(monkeypatch)
    log.lines = [("Info", "tick")] * 3
    follower()
    log.lines += [("Info", "tick")] * 2        # a full window of alike lines: read the whole log
    follower()
    assert printed(host) == ["tick"] * 5 and log.tails == [5, 5, None]


def test_a_line_differing_only_by_its_category_is_a_new_line(monkeypatch):
    log, host, follower = tail_of_five(monkeypatch)
    log.lines = [("Info", "a"), ("Info", "b"), ("Info", "retrying")]
    follower()
    log.lines += [("Warning", "retrying")] + [("Info", t) for t in "cdef"]     # a window of new
    follower()
    assert printed(host) == ["a", "b", "retrying", "retrying", "c", "d", "e", "f"]


def test_once_a_held_signal_was_raised_later_shields_end_quietly(guard):
    with pytest.raises(StepCancelledError):
        with guard.shielded():
            guard.handle(15, None)
    with guard.shielded():          # the cancel that follows must not be cut short
        cancelled = True
    assert cancelled


def test_a_node_first_seen_with_a_full_window_has_its_whole_log_printed(monkeypatch):
    log, host, follower = tail_of_five(monkeypatch)
    log.lines = [("Info", "line {0}".format(n)) for n in range(8)]
    follower()
    assert printed(host) == ["line {0}".format(n) for n in range(8)] and log.tails == [5, None]


def test_the_trains_own_loops_hear_a_signal_too(monkeypatch):
    from child_deploy.acting import waiting
    guard = SignalGuard()
    monkeypatch.setattr(waiting, "_GUARD", [guard])
    waiting.raise_if_signalled()
    with pytest.raises(StepCancelledError):
        guard.handle(15, None)
    with pytest.raises(StepCancelledError):
        waiting.raise_if_signalled()
