"""Pins for following one child: its progress line, its last log lines, its interventions, its end."""

from types import SimpleNamespace

import pytest

from child_deploy.acting.following import Follow, make_auto_approver
from child_deploy.base.errors import (DeploymentFailedError, DeploymentTimeoutError,
                                      OctopusApiError)
from child_deploy.base.outcome import Outcome
from child_deploy.base.terminal import RecordingHost
from fakes import FakeClock, make_settings

TARGET = SimpleNamespace(project={"Name": "Web"}, destination={"Name": "Staging"},
                         space_id="Spaces-1")
OUTCOME = Outcome("Deployed", "", release_version="1.0", task_id="ServerTasks-7")


def line(text):
    return {"OccurredAt": "2026-11-20T09:00:01.000+00:00", "Category": "Info", "MessageText": text}


class Child:
    """A fake client: the child's task answers in turn; its log has one line per answer so far."""

    server_url, space_id = "https://octopus.example.com", "Spaces-1"

    def __init__(self, *tasks, log_fails_after=None):
        self.tasks, self.polls, self.log_reads = list(tasks), 0, 0
        self.log_fails_after = log_fails_after

    def with_deadline(self, deadline):
        return self

    def get(self, route, params=None):
        if route.endswith("/details"):
            self.log_reads += 1
            if self.log_fails_after is not None and self.log_reads > self.log_fails_after:
                raise OctopusApiError("Octopus refused the log (HTTP 500).", status=500)
            lines = [line("line {0}".format(n)) for n in range(1, self.polls + 1)]
            return {"ActivityLogs": [{"Id": "r", "Name": "Deploy", "LogElements": lines,
                                      "Children": []}]}
        self.polls += 1
        return self.tasks[min(self.polls, len(self.tasks)) - 1]


def settings(**overrides):
    values = dict(enhanced_logging=True, timeout_seconds=4, cancel_on_timeout=False)
    values.update(overrides)
    return SimpleNamespace(**values)


def running(**extra):
    return dict({"State": "Executing", "IsCompleted": False}, **extra)


DONE = {"State": "Success", "IsCompleted": True}


def follow(child, config=None, approval=None):
    host, clock = RecordingHost(), FakeClock()
    return host, clock, Follow(child, host, clock, config or settings(), TARGET, OUTCOME, approval)


def test_each_poll_reports_progress_against_the_wait_and_stops_short_of_a_hundred():
    host, clock, following = follow(Child(running()), settings(timeout_seconds=3))
    with pytest.raises(DeploymentTimeoutError):
        following.until_done(clock.monotonic() + 5)
    assert host.progress_reports == [
        (0, "Web 1.0 in Staging: Executing (0 s)"), (33, "Web 1.0 in Staging: Executing (1 s)"),
        (66, "Web 1.0 in Staging: Executing (2 s)"), (99, "Web 1.0 in Staging: Executing (3 s)"),
        (99, "Web 1.0 in Staging: Executing (4 s)"), (99, "Web 1.0 in Staging: Executing (5 s)")]


def test_the_last_log_lines_are_read_once_the_child_has_ended():
    host, clock, following = follow(Child(running(), DONE))
    following.until_done(clock.monotonic() + 60)
    assert [m for _, m in host.messages if m.startswith("|  ")] == ["|  line 1", "|  line 2"]
    assert host.outputs["ChildOutcome"] == "Deployed"


def test_last_log_lines_that_cannot_be_read_are_a_warning_not_a_failure():
    host, clock, following = follow(Child(running(), DONE, log_fails_after=1))
    following.until_done(clock.monotonic() + 60)
    assert host.text("warning") == ("The child's last log lines could not be read: Octopus "
                                    "refused the log (HTTP 500).")
    assert host.outputs["ChildOutcome"] == "Deployed"


def test_without_enhanced_logging_no_log_is_read():
    child = Child(running(), DONE)
    host, clock, following = follow(child, settings(enhanced_logging=False))
    following.until_done(clock.monotonic() + 60)
    assert child.log_reads == 0 and "|  " not in host.text()


def test_a_child_that_ended_otherwise_publishes_its_own_state():
    child = Child(running(), {"State": "Canceled", "IsCompleted": True})
    host, clock, following = follow(child, settings(enhanced_logging=False))
    with pytest.raises(DeploymentFailedError):
        following.until_done(clock.monotonic() + 60)
    assert host.outputs["ChildOutcome"] == "Canceled"
    assert "ended Canceled. See https://octopus.example.com/app#/Spaces-1/tasks/ServerTasks-7" \
        in host.outputs["ChildOutcomeReason"]


def test_a_timeout_names_the_state_it_was_in_and_that_the_child_was_left_running():
    host, clock, following = follow(Child(running()), settings(enhanced_logging=False))
    with pytest.raises(DeploymentTimeoutError) as raised:
        following.until_done(clock.monotonic() + 2)
    assert str(raised.value).startswith(
        "The child deployment of Web 1.0 in Staging was still Executing after 4 s, so it was left "
        "running (\"Cancel child on timeout\" is No).")
    assert host.outputs["ChildOutcome"] == "TimedOut"


def test_parent_approvals_that_cannot_be_read_are_warned_about_once_and_left_to_a_person():
    class Refusing:
        space_id = "Spaces-1"

        def get_all(self, route, params=None, system=False):
            raise OctopusApiError("Octopus refused to list events (HTTP 403).", status=403)
    approval = SimpleNamespace(client=Refusing(), task_id="ServerTasks-1", environment=None,
                               tenant=None)
    waiting = running(HasPendingInterruptions=True)
    host, clock, following = follow(Child(waiting, waiting, waiting, DONE),
                                    settings(enhanced_logging=False), approval)
    following.until_done(clock.monotonic() + 60)
    warnings = host.text("warning").splitlines()
    assert len(warnings) == 2
    assert warnings[0].startswith("The parent's approvals could not be read (Octopus refused")
    assert warnings[1].endswith("the parent's approvals could not be read. It will time out "
                                "unless someone responds.")


def test_an_auto_approver_without_a_parent_task_names_no_task_in_its_note():
    host = RecordingHost()
    source = SimpleNamespace(client=SimpleNamespace(space_id="Spaces-1"), task_id=None,
                             environment={"Name": "Production"}, tenant=None)
    approver = make_auto_approver(Child(), host, make_settings(), source)
    assert host.text("info") == "Approvers carried over from the parent: none."
    assert approver.note.endswith("(https://octopus.example.com/app#/Spaces-1/tasks/) and belongs "
                                  "to a team responsible for this manual intervention.")
