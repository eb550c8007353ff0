"""Pure pieces of create-once and of the signal guard."""

import pytest

from child_deploy.acting.deployment import creation_order, run_marker
from child_deploy.base.errors import OctopusApiError, OctopusUnreachableError, StepCancelledError
from child_deploy.shell.settings import ParentContext
from child_deploy.acting.waiting import SignalGuard, wait_for_task


def test_the_earliest_deployment_is_by_created_then_by_number():
    same_time = "2026-11-20T09:00:00.000+00:00"
    later = {"Id": "Deployments-9", "Created": "2026-11-20T09:00:01.000+00:00"}
    ten = {"Id": "Deployments-10", "Created": same_time}
    nine = {"Id": "Deployments-9", "Created": same_time}
    assert sorted([later, ten, nine], key=creation_order) == [nine, ten, later]
    assert sorted([{"Id": "Deployments-1"}, nine], key=creation_order)[0] == nine   # no Created: last


def test_the_run_marker_names_the_parent_or_says_it_came_from_a_terminal():
    parent = ParentContext(project_name="Release Orchestration", release_number="2021.1.1",
                           task_id="ServerTasks-7")
    assert run_marker(parent, "abc") == ("Deployed by Release Orchestration 2021.1.1 (task "
                                         "ServerTasks-7) with the Deploy Child Octopus Deploy "
                                         "Project step; run abc.")
    assert run_marker(ParentContext(), "abc").startswith("Deployed by a terminal run")


def test_a_signal_raises_at_once_outside_a_shield_and_later_ones_are_ignored():
    guard = SignalGuard()
    with pytest.raises(StepCancelledError, match="signal 15"):
        guard.handle(15, None)
    guard.handle(2, None)                 # the second: ignored, the first is being handled


def test_a_signal_inside_a_shield_waits_for_the_shield_to_end():
    guard, done = SignalGuard(), []
    with pytest.raises(StepCancelledError):
        with guard.shielded():
            guard.handle(15, None)
            done.append("the cancel call")
    assert done == ["the cancel call"]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_retryable_failures_and_odd_answers_cost_one_poll_each():
    answers = [OctopusUnreachableError("down"), ["odd"], {"State": "Executing"},
               {"State": "Success", "IsCompleted": True}]
    troubles = []

    def get_task():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    waited = wait_for_task(get_task, FakeClock(), 100.0, on_trouble=troubles.append)
    assert waited.task["State"] == "Success" and not waited.timed_out
    assert len(troubles) == 2


def test_a_refusal_while_waiting_is_not_retried():
    def get_task():
        raise OctopusApiError("forbidden", status=403)

    with pytest.raises(OctopusApiError):
        wait_for_task(get_task, FakeClock(), 100.0)


def test_a_signal_held_by_a_shield_wins_over_an_error_in_it():
    guard = SignalGuard()
    with pytest.raises(StepCancelledError):
        with guard.shielded():
            guard.handle(15, None)
            raise OctopusApiError("the cancel call failed", status=503)


def test_a_signal_whose_error_was_swallowed_still_ends_the_wait(monkeypatch):
    from child_deploy.acting import waiting
    guard = SignalGuard()
    monkeypatch.setattr(waiting, "_GUARD", [guard])

    def get_task():
        try:
            guard.handle(15, None)
        except StepCancelledError:
            pass                      # an `except StepError` on the way (approvals, log lines)
        return {"State": "Executing"}

    with pytest.raises(StepCancelledError):
        wait_for_task(get_task, FakeClock(), 100.0)
