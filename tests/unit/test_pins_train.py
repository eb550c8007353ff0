"""Pins for the release train's own parts, from the mutants its tests let through: the convoy's
pause and its answer to a signal, the planning threads' held-back log, the pages of recent
history, and the pin lines of *Pinned versions*. No server and no real waiting."""

import signal
import threading

import pytest

from child_deploy.acting import waiting
from child_deploy.acting.convoy import Convoy
from child_deploy.base.errors import StepCancelledError, StepError
from child_deploy.train import planning
from child_deploy.train.planning import HeldLog, plan_side_by_side
from child_deploy.train.train import history_pages
from child_deploy.train.waves import parse_pins
from fakes import FakeClock


class Recorder:
    """A host, or a client, that only records what it was asked."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *arguments: self.calls.append((name,) + arguments)


class Following:
    """A child's Follow as the convoy sees it: it is told when its wait begins."""

    def __init__(self, task_id):
        self.outcome = type("Started", (), {"task_id": task_id})()
        self.begun = []

    def begin(self, deadline):
        self.begun.append(deadline)


def convoy_of(clock, *seconds_left):
    client = Recorder()
    convoy = Convoy(client, clock, Recorder())
    for number, left in enumerate(seconds_left, start=1):
        convoy.add("child {0}".format(number), Following("ServerTasks-{0}".format(number)),
                   clock.monotonic() + left)
    return convoy, client


def test_each_child_is_told_its_wait_begins_with_its_own_deadline():
    clock = FakeClock()
    convoy, _client = convoy_of(clock, 30, 600)
    assert [w.follow.begun for w in convoy.watches] == [[clock.monotonic() + 30],
                                                        [clock.monotonic() + 600]]


@pytest.mark.parametrize("seconds_left, slept", [
    ((0.25, 600), 0.25),     # the soonest child's deadline comes before the next poll
    ((600, 0.25), 0.25),     # whichever child it is
    ((600, 900), 1.0),       # else the first poll interval
    ((-5, 600), 0.0),        # a deadline already passed: no sleep at all
])
def test_the_pause_never_sleeps_past_the_soonest_childs_deadline(seconds_left, slept):
    clock = FakeClock()
    convoy, _client = convoy_of(clock, *seconds_left)
    convoy.pause()
    assert clock.sleeps == [slept]


def test_the_convoy_polls_every_second_at_first_then_backs_off_to_five_seconds():
    clock = FakeClock()
    convoy, _client = convoy_of(clock, 3600)
    for _ in range(11):
        convoy.pause()
    assert clock.sleeps == [1.0] * 5 + [1.5, 2.25, 3.375, 5.0, 5.0, 5.0]


def test_a_pause_with_no_child_left_does_not_sleep():
    clock = FakeClock()
    Convoy(Recorder(), clock, Recorder()).pause()
    assert clock.sleeps == []


def test_a_signal_swallowed_between_two_polls_stops_the_next_cycle_before_it_polls(monkeypatch):
    guard = waiting.SignalGuard()
    monkeypatch.setattr(waiting, "_GUARD", [guard])
    convoy, client = convoy_of(FakeClock(), 600)
    with pytest.raises(StepCancelledError):
        guard.handle(signal.SIGTERM, None)     # raised while some `except StepError` ran
    with pytest.raises(StepCancelledError, match="signal"):
        convoy.cycle()
    assert client.calls == []


class Octopus:
    """The one `tasks?ids=` read of each cycle: answers (a list of tasks, or an error) in turn."""

    def __init__(self, *answers):
        self.answers, self.deadlines, self.asked = list(answers), [], []

    def with_deadline(self, deadline):
        self.deadlines.append(deadline)
        return self

    def get(self, path, params=None):
        self.asked.append((path, params["ids"]))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return {"Items": answer}


class Followed(Following):
    """A child's Follow: what it was handed, how it ended; a failing poll when told to."""

    def __init__(self, task_id, fail_poll=None):
        super().__init__(task_id)
        self.polled, self.fail_poll = [], fail_poll

    def on_poll(self, task):
        self.polled.append(task["State"])
        if self.fail_poll:
            raise self.fail_poll

    def conclude(self, waited):
        return ("concluded", waited.task.get("State"), waited.timed_out)

    def lost(self, error):
        raise StepError("lost: {0}".format(error))


def running(number, state="Executing", completed=False):
    return {"Id": "ServerTasks-{0}".format(number), "State": state, "IsCompleted": completed}


def convoy_with(clock, octopus, *follows_and_seconds):
    convoy = Convoy(octopus, clock, Recorder())
    for number, (follow, left) in enumerate(follows_and_seconds, start=1):
        convoy.add("child {0}".format(number), follow, clock.monotonic() + left)
    return convoy


def test_one_read_serves_every_child_a_finished_one_ends_and_the_others_are_handed_their_task():
    clock, first, second = FakeClock(), Followed("ServerTasks-1"), Followed("ServerTasks-2")
    octopus = Octopus([running(1, "Success", True), running(2)], [running(2, "Failed", True)])
    convoy = convoy_with(clock, octopus, (first, 600), (second, 900))
    [ended] = convoy.cycle()
    assert ended == ("child 1", ("concluded", "Success", False), None)
    assert (first.polled, second.polled, len(convoy)) == ([], ["Executing"], 1)
    assert [e.outcome for e in convoy.cycle()] == [("concluded", "Failed", False)]
    assert octopus.asked == [("tasks", "ServerTasks-1,ServerTasks-2"), ("tasks", "ServerTasks-2")]
    assert len(convoy) == 0


@pytest.mark.parametrize("left, timed_out", [(0.5, False), (0.0, True), (-1.0, True)])
def test_a_running_child_times_out_exactly_at_its_deadline_with_its_last_known_task(left, timed_out):
    clock, follow = FakeClock(), Followed("ServerTasks-1")
    octopus = Octopus([running(1, "Queued")], StepError("503 twice"))
    octopus.answers[1].retryable = True
    convoy = convoy_with(clock, octopus, (follow, 10))
    assert convoy.cycle() == []
    clock.sleep(10 - left)
    ended = convoy.cycle()
    assert [e.outcome for e in ended] == ([("concluded", "Queued", True)] if timed_out else [])


def test_a_poll_that_may_work_next_time_costs_that_poll_only_and_is_said_by_its_first_line():
    clock, follow = FakeClock(), Followed("ServerTasks-1")
    trouble = StepError("Octopus answered 503.\nDetails nobody needs")
    trouble.retryable = True
    convoy = convoy_with(clock, Octopus(trouble, [running(1)]), (follow, 600))
    assert convoy.cycle() == [] and follow.polled == []
    assert convoy.host.calls == [("verbose", "Could not read the children's state this time "
                                             "(Octopus answered 503.); still waiting.")]
    assert convoy.cycle() == [] and follow.polled == ["Executing"]


def test_a_poll_that_cannot_work_fails_the_wait():
    convoy = convoy_with(FakeClock(), Octopus(StepError("401 Unauthorized")),
                         (Followed("ServerTasks-1"), 600))
    with pytest.raises(StepError, match="401"):
        convoy.cycle()


def test_a_child_whose_following_fails_ends_with_that_error_and_the_others_go_on():
    clock = FakeClock()
    broken = Followed("ServerTasks-1", fail_poll=StepError("interruption unreadable"))
    other = Followed("ServerTasks-2")
    convoy = convoy_with(clock, Octopus([running(1), running(2)]), (broken, 600), (other, 600))
    [ended] = convoy.cycle()
    assert (ended.key, ended.outcome, str(ended.error)) == (
        "child 1", None, "lost: interruption unreadable")
    assert other.polled == ["Executing"] and len(convoy) == 1


def test_what_a_planning_thread_says_reaches_the_step_in_order_when_told():
    host = Recorder()
    held = HeldLog(host)
    held._emit("info", "Planning Web API")     # what info() and warning() call
    held.progress(40, "Web API: reading releases")
    held.set_output("ReleaseToPromote", "2021.1.1.1")
    held.artifact("/tmp/notes.md", "Web API.ReleaseNotes.md")
    assert host.calls == []
    held.tell()
    assert host.calls == [("_emit", "info", "Planning Web API"),
                          ("progress", 40, "Web API: reading releases"),
                          ("set_output", "ReleaseToPromote", "2021.1.1.1", False),
                          ("artifact", "/tmp/notes.md", "Web API.ReleaseNotes.md")]
    held.tell()
    assert len(host.calls) == 4                  # told once


class Child:
    def __init__(self, name):
        self.name, self.host = name, type("ChildHost", (), {"parent": Recorder()})()


@pytest.mark.parametrize("children, threads", [(20, 4), (3, 2), (1, 0)])
def test_planning_starts_only_a_few_threads_however_many_children(monkeypatch, children, threads):
    started, real = [], threading.Thread

    def counted(*arguments, **keywords):
        started.append(keywords.get("name"))
        return real(*arguments, **keywords)

    monkeypatch.setattr(planning.threading, "Thread", counted)
    planned = []
    plan_side_by_side([Child(str(n)) for n in range(children)], lambda c: planned.append(c.name))
    assert started == ["train-planning"] * threads
    assert sorted(planned, key=int) == [str(n) for n in range(children)]


@pytest.mark.parametrize("children, pages", [(1, 1), (50, 1), (51, 2), (100, 2), (101, 3)])
def test_the_recent_history_holds_two_deployments_per_child_in_pages_of_100(children, pages):
    assert history_pages(children) == pages


@pytest.mark.parametrize("line", ["Web API::", "::2021.1.1.1", "Web API 2021.1.1.1", " :: "])
def test_a_pin_line_without_a_project_or_a_version_is_refused_with_its_line_number(line):
    with pytest.raises(ValueError) as refused:
        parse_pins("Database::2021.1.0.1\n" + line)
    assert str(refused.value).startswith('"Pinned versions" line 2 must look like Project::Version')
    assert '(got "{0}")'.format(line.strip()) in str(refused.value)


def test_pin_lines_are_trimmed_and_blank_lines_skipped():
    assert parse_pins(" Web API :: 2021.1.1.1 \n\n Database::1.0") == (
        ("Web API", "2021.1.1.1"), ("Database", "1.0"))


def test_the_outcome_table_of_a_roll_back_has_its_column_before_the_reason():
    from child_deploy.train.train_report import ChildLine, outcome_table
    lines = [ChildLine("Web API", 2, "2021.1.0.1", "2021.1.1.1", "upgrade", "Deploy",
                       "Deployed 2021.1.1.1, then rolled back to 2021.1.0.1.", "RolledBack",
                       True, "RolledBack")]
    table = outcome_table(lines).splitlines()
    assert table[0] == "| Child | Wave | Before | Chosen | Outcome | Roll back | Reason |"
    assert table[1] == "|" + "---|" * 7
    assert table[2] == ("| Web API | 2 | 2021.1.0.1 | 2021.1.1.1 | Deployed | to 2021.1.0.1: "
                        "RolledBack | Deployed 2021.1.1.1, then rolled back to 2021.1.0.1. |")


def children_saying(step, *names):
    children = [Child(name) for name in names]
    for child in children:
        child.host.parent = step
    return children


def test_each_childs_planning_log_is_told_as_soon_as_it_and_those_before_it_are_planned():
    step, first_told = Recorder(), threading.Event()
    told = step.__getattr__("_emit")
    step.__dict__["_emit"] = lambda *a: (told(*a), a[1] == "1 planned" and first_told.set())

    def plan_one(child):
        if child.name == "2":                    # the last child waits to hear child 1 told
            assert first_told.wait(5), "child 1's lines were held until every child was planned"
        child.host.parent._emit("info", child.name + " planned")

    plan_side_by_side(children_saying(step, "0", "1", "2"), plan_one)
    assert step.calls == [("_emit", "info", n + " planned") for n in "012"]


def test_when_a_child_cannot_be_planned_the_others_lines_are_still_told_and_their_host_given_back():
    step, second_done = Recorder(), threading.Event()

    def plan_one(child):
        if child.name == "1":
            assert second_done.wait(5)
            raise StepError("1 cannot be planned")
        child.host.parent._emit("info", child.name + " planned")
        if child.name == "2":
            second_done.set()

    children = children_saying(step, "0", "1", "2")
    with pytest.raises(StepError, match="1 cannot be planned"):
        plan_side_by_side(children, plan_one)
    assert step.calls == [("_emit", "info", "0 planned"), ("_emit", "info", "2 planned")]
    assert all(child.host.parent is step for child in children)


def test_a_bad_pin_line_is_numbered_as_the_user_counts_lines_blank_ones_included():
    import pytest
    from child_deploy.train.waves import parse_pins
    with pytest.raises(ValueError, match=r'"Pinned versions" line 4 must look like'):
        parse_pins("\n\nDatabase::1\nWeb API::")


def test_the_shared_read_gives_up_at_the_soonest_childs_deadline_so_it_times_out_on_time():
    """A read retried through an outage must not run past the soonest child's deadline: that
    child times out at its own deadline, as it would deployed alone."""
    clock = FakeClock()
    octopus = Octopus([running(1), running(2)])
    convoy = convoy_with(clock, octopus, (Followed("ServerTasks-1"), 900),
                         (Followed("ServerTasks-2"), 600))
    start = clock.monotonic()
    assert convoy.cycle() == []
    assert octopus.deadlines == [start + 600]


class GroupClient:
    """A client answering one project group and its projects' list as given."""

    def __init__(self, projects):
        self.projects = projects

    def find_by_name(self, collection, name, label, hint=""):
        return {"Id": "ProjectGroups-1", "Name": name}

    def get_all(self, path):
        assert path == "projectgroups/ProjectGroups-1/projects"
        return self.projects


def test_a_groups_project_without_a_name_is_skipped_not_a_crash():
    from child_deploy.shell.settings import Wave
    from child_deploy.train.waves import expand_groups
    client = GroupClient([{"Name": "Web API"}, {"Id": "Projects-9"}, "junk", {"Name": "Web UI"}])
    waves, problems = expand_groups(client, Recorder(), [Wave((), "Platform")])
    assert waves == [["Web API", "Web UI"]] and problems == []


def train_of(names):
    """A planned-looking Train of one child per letter, each its own wave, on a RecordingHost."""
    from child_deploy.base.terminal import RecordingHost
    from child_deploy.train.train import Child, Train
    from fakes import make_settings
    settings = make_settings(**{"ChildProject.Project.Name": "\n".join(names)})
    host = RecordingHost()
    train = host.train = Train(settings, None, host, FakeClock())
    train.children = [Child(host, settings, name, wave) for wave, name in enumerate(names, 1)]
    host.children = tuple(c.host for c in train.children)
    return host, train


def test_a_step_failing_outside_the_trains_own_paths_still_tells_each_known_child_why():
    """`abandon`: a child whose release is known and whose outputs are not yet set says Error
    and the message; one that said its outcome keeps it; one not planned says nothing."""
    from child_deploy.base.outcome import chosen_not_deployed, publish
    host, train = train_of("ABC")
    known, said, unplanned = train.children
    known.host.known_outcome = chosen_not_deployed("1.0", "notes", "0.9")
    said.host.known_outcome = chosen_not_deployed("2.0", "notes", "1.9")
    publish(said.host, said.host.known_outcome.with_(outcome="Deployed", reason="done"))
    train.abandon("The step failed: boom.")
    assert known.host.outputs["ChildOutcome"] == "Error"
    assert known.host.outputs["ChildOutcomeReason"] == "The step failed: boom."
    assert known.host.outputs["ReleaseToPromote"] == "1.0"
    assert said.host.outputs["ChildOutcome"] == "Deployed"
    assert unplanned.host.outputs == {}
    assert host.outputs["TrainOutcome"] == "Failed"
    assert host.outputs["TrainOutcomeReason"] == "The step failed: boom."


def test_a_childs_poll_that_may_work_next_time_costs_that_poll_only_as_for_one_child():
    """Reading a child's log or interruptions fails in a way worth retrying (a 503): said at
    verbose level by the child, which is still followed, as a single child would be."""
    clock = FakeClock()
    flaky = StepError("Octopus answered 503 to GET /api/tasks/ServerTasks-1/details.\nmore")
    flaky.retryable = True
    follow = Followed("ServerTasks-1", fail_poll=flaky)
    follow.troubles = []
    follow.trouble = follow.troubles.append
    convoy = convoy_with(clock, Octopus([running(1)], [running(1, "Success", True)]), (follow, 600))
    assert convoy.cycle() == []
    assert follow.troubles == ["Octopus answered 503 to GET /api/tasks/ServerTasks-1/details."]
    follow.fail_poll = None
    assert [e.outcome for e in convoy.cycle()] == [("concluded", "Success", False)]


def test_a_stopped_train_says_each_known_child_was_cancelled_and_fails_with_exit_code_1():
    """`stopped_train` (no client: nothing could be created): a child with a deployment and
    one planned but not started both say Canceled; one whose outcome was published at planning
    (no deployment) keeps it; one not planned says nothing; the step fails with the message."""
    from child_deploy.base.outcome import chosen_not_deployed, not_deployed, publish
    from child_deploy.train.train import stopped_train
    host, train = train_of("ABCD")
    running, planned, skipped, unplanned = (c.host for c in train.children)
    running.known_outcome = chosen_not_deployed("1.0", "n", "0.9").with_(
        deployment_id="Deployments-1", task_id="ServerTasks-1")
    planned.known_outcome = chosen_not_deployed("2.0", "n", "1.9")
    skipped.known_outcome = publish(skipped, not_deployed("AlreadyDeployed", "runs it", "3.0"))
    message = "The step was cancelled (signal 15)."
    assert stopped_train(host, FakeClock(), None, message) == 1
    assert running.outputs["ChildOutcome"] == "Canceled"
    assert running.outputs["ChildDeploymentId"] == "Deployments-1"
    assert planned.outputs["ChildOutcome"] == "Canceled"
    assert planned.outputs["ChildOutcomeReason"] == message
    assert skipped.outputs["ChildOutcome"] == "AlreadyDeployed"
    assert unplanned.outputs == {}
    assert host.failure == message and host.outputs["TrainOutcomeReason"] == message


def test_each_child_is_reached_at_the_latest_after_the_rounds_before_it_and_its_rings_pauses():
    """Two at a time, a wait of 100 s and the margin of 60 s: the first two of a stage are sent
    within the margin, the third a round later; the next stage (the second ring, after a 10
    minute pause) after the two rounds before it. Children not to deploy are not reached, and a
    scheduled or no-wait run sends every create at once."""
    from dataclasses import replace
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace
    from child_deploy.acting.delivery import Delivery
    _host, train = train_of("ABCDE")
    train.settings = replace(train.settings, train_parallelism=2, timeout_seconds=100,
                             ring_pause_minutes=10)
    a, b, c, d, e = train.children
    for child in (a, b, c, e):                   # D has nothing to deploy
        child.decided = Delivery("target of " + child.name, None, None, None, None, None)
    stages = [SimpleNamespace(children=[a, b, c, d], ring=1), SimpleNamespace(children=[e], ring=2)]
    moment = datetime(2030, 1, 7, 10, 0, tzinfo=timezone.utc)

    def at(seconds):
        return moment + timedelta(seconds=seconds)
    assert list(train.reach(stages, moment)) == [
        ("A", "target of A", at(60)), ("B", "target of B", at(60)),
        ("C", "target of C", at(160 + 60)), ("E", "target of E", at(2 * 160 + 60 + 600))]
    train.settings = replace(train.settings, wait_for_finish=False)
    assert list(train.reach(stages, moment)) == []
    train.settings = replace(train.settings, wait_for_finish=True, queue_time=moment)
    assert list(train.reach(stages, moment)) == []
