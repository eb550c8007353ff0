"""Server tasks that run on the simulated clock: Queued -> Executing -> Success / Failed / Canceled.

Nothing here sleeps. `advance_tasks(world, now)` replays every unfinished task up to `now`,
in creation order, so a task queued behind another of the same project, environment and tenant
starts when that one finishes (as Octopus runs one deployment per target at a time). A task's
running time pauses while an interruption waits for a person.
"""

from bisect import bisect_right
from datetime import timedelta

from .activity import plan_activity

ACTIVE_STATES = ("Queued", "Executing", "Cancelling")
FINAL_STATES = ("Success", "Failed", "Canceled", "TimedOut")
RESUMING_ANSWERS = ("Proceed", "Retry", "Ignore", "Exclude")


class ServerTask:
    """A `ServerTasks-N` document plus the timeline the engine needs to move it."""

    def __init__(self, id, space_id, description, queue_time, deployment=None, script=None,
                 name="Deploy"):
        self.id = id
        self.space_id = space_id
        self.name = name
        self.description = description
        self.deployment = deployment
        self.script = script
        self.state = "Queued"
        self.queue_time = queue_time
        self.queue_time_expiry = None
        self.not_before = queue_time
        self.start_time = None
        self.completed_time = None
        self.last_updated = queue_time
        self.error_message = ""
        self.has_warnings = False
        self.interruptions = []          # Interruption documents raised by this task
        self.pending = None              # the interruption the task waits on
        self.next_plan = 0               # index of the next InterruptionPlan
        self.run_offset = 0.0            # running seconds accumulated before resumed_at
        self.resumed_at = None
        self.segments = []               # (run_offset, absolute time) each time running resumes
        self.cancel_done_at = None
        self.activity = None             # activity.ActivityPlan, built when the task starts
        self.extra_log = []              # (node key, category, time, text) written by events
        self.final_offset = None
        self.failed_keys = ()            # activity nodes shown as failed or canceled

    @property
    def is_completed(self):
        return self.state in FINAL_STATES

    @property
    def project_id(self):
        return self.deployment.project_id if self.deployment else None

    @property
    def environment_id(self):
        return self.deployment.environment_id if self.deployment else None

    @property
    def tenant_id(self):
        return self.deployment.tenant_id if self.deployment else None

    def pending_types(self):
        return [i.kind for i in self.interruptions if i.is_pending]

    def run_elapsed(self, now):
        """Seconds of running time by `now` (paused time excluded)."""
        if self.final_offset is not None:
            return self.final_offset
        if self.resumed_at is None:
            return self.run_offset
        return self.run_offset + max(0.0, (now - self.resumed_at).total_seconds())

    def time_at(self, offset):
        """The absolute time at which running time reached `offset`."""
        if not self.segments:
            return self.start_time
        starts = [s[0] for s in self.segments]
        index = max(0, bisect_right(starts, offset) - 1)
        seg_offset, seg_time = self.segments[index]
        return seg_time + timedelta(seconds=offset - seg_offset)


def advance_tasks(world, now):
    """Move every unfinished task forward to `now`; finished ones leave the active list."""
    for task in list(world.active_tasks):
        _advance(world, task, now)
    world.active_tasks = [t for t in world.active_tasks if not t.is_completed]


def _advance(world, task, now):
    for _ in range(1000):           # each pass makes one transition; far more than any task needs
        step = _STEPS.get(task.state)
        if step is None or not step(world, task, now):
            return


def _step_queued(world, task, now):
    start = task.not_before
    blocker = world.task_ahead_of(task)
    if blocker is not None:
        if blocker.completed_time is None:
            return _maybe_time_out(world, task, now, None)
        start = max(start, blocker.completed_time)
    start = max([start] + _lane_freed(world, task))
    if task.queue_time_expiry is not None and start > task.queue_time_expiry:
        return _maybe_time_out(world, task, now, start)
    if start > now:
        return False
    frozen = _frozen_at(world, task, start)
    if frozen:
        _finish(world, task, "Failed", start, frozen)
        return True
    _start(world, task, start)
    return True


def _frozen_at(world, task, moment):
    """A deployment that would start inside a freeze it did not override fails there."""
    if task.deployment is None:
        return ""
    passed = task.deployment.overridden_freeze_ids
    frozen = [f for f in world.freezes_holding(task.project_id, task.environment_id,
                                                task.tenant_id, moment)
              if f["Id"].lower() not in passed]
    return " ".join("The environment %s is frozen by freeze %s." % (
        world.get(task.environment_id).name, f["Name"]) for f in frozen)


def _lane_freed(world, task):
    """When tasks ahead in the same lane (project, environment, tenant) that finished in this
    pass ended: the next one starts only then, never overlapping them (Octopus runs one
    deployment of a project per environment and tenant at a time)."""
    if task.deployment is None:
        return []
    key, ended = (task.project_id, task.environment_id, task.tenant_id), []
    for other in world.active_tasks:
        if other is task:
            break
        if other.deployment is not None and other.completed_time is not None and \
                other.start_time is not None and \
                (other.project_id, other.environment_id, other.tenant_id) == key:
            ended.append(other.completed_time)
    return ended


def _maybe_time_out(world, task, now, start):
    expiry = task.queue_time_expiry
    if expiry is None or now < expiry:
        return False
    _finish(world, task, "TimedOut", expiry, "The task timed out before it could start.")
    return True


def _start(world, task, moment):
    task.state = "Executing"
    task.start_time = moment
    task.resumed_at = moment
    task.segments.append((0.0, moment))
    task.last_updated = moment
    task.activity = plan_activity(world, task)
    world.task_started(task)


def _step_executing(world, task, now):
    if task.pending is not None or task.resumed_at is None:
        return False
    script = task.script
    plans = script.interruptions
    plan = plans[task.next_plan] if task.next_plan < len(plans) else None
    target = min(plan.at_seconds, script.run_seconds) if plan else script.run_seconds
    target = max(target, task.run_offset)
    if task.run_elapsed(now) < target:
        return False
    moment = task.resumed_at + timedelta(seconds=target - task.run_offset)
    if plan is not None and plan.at_seconds <= script.run_seconds:
        task.next_plan += 1
        _pause_or_fail(world, task, plan, target, moment)
        return True
    task.final_offset = target
    outcome = script.outcome if script.outcome in FINAL_STATES else "Success"
    task.has_warnings = task.has_warnings or script.warnings or outcome == "Failed"
    _finish(world, task, outcome, moment, script.error_message or _default_error(outcome))
    return True


def _default_error(outcome):
    return "" if outcome == "Success" else "The deployment failed: a step returned a non-zero exit code."


def _pause_or_fail(world, task, plan, offset, moment):
    """Reach an interruption point: raise it, or fail outright when guided failure is off."""
    if plan.kind == "GuidedFailure" and not task.deployment.use_guided_failure:
        task.final_offset = offset
        task.has_warnings = True
        _finish(world, task, "Failed", moment, "A step failed and guided failure is not enabled.")
        return
    task.run_offset = offset
    task.resumed_at = None
    task.last_updated = moment
    task.pending = world.raise_interruption(task, plan, offset, moment)


def _step_cancelling(world, task, now):
    if task.cancel_done_at is None or now < task.cancel_done_at:
        return False
    _finish(world, task, "Canceled", task.cancel_done_at, "The task was canceled.")
    return True


_STEPS = {"Queued": _step_queued, "Executing": _step_executing, "Cancelling": _step_cancelling}


def _finish(world, task, state, moment, error=""):
    if task.final_offset is None:
        task.final_offset = task.run_elapsed(moment) if task.start_time else 0.0
    task.state = state
    task.completed_time = moment
    task.last_updated = moment
    task.resumed_at = None
    task.error_message = "" if state == "Success" else error
    for interruption in task.interruptions:
        interruption.is_pending = False
    task.pending = None
    world.task_finished(task)


def resume(world, task, interruption, answer, moment):
    """Apply a submitted answer: carry on, or fail the task (Abort / Fail)."""
    task.pending = None
    if task.is_completed or task.state == "Cancelling":
        return
    if answer in RESUMING_ANSWERS:
        task.resumed_at = moment
        task.segments.append((task.run_offset, moment))
        task.last_updated = moment
        return
    task.final_offset = task.run_offset
    if interruption.kind == "ManualIntervention":
        message = "The deployment was aborted at a manual intervention step."
    else:
        message = "The deployment failed: failure guidance chose to fail."
    _finish(world, task, "Failed", moment, message)


def cancel(world, task, moment):
    """Cancel: a queued task stops at once; a running one goes through Cancelling."""
    if task.is_completed or task.state == "Cancelling":
        return
    if task.state == "Queued":
        _finish(world, task, "Canceled", moment, "The task was canceled.")
        return
    task.final_offset = task.run_elapsed(moment)
    task.run_offset = task.final_offset
    task.resumed_at = None
    task.state = "Cancelling"
    task.last_updated = moment
    task.cancel_done_at = moment + timedelta(seconds=task.script.cancel_seconds if task.script else 0)
    for interruption in task.interruptions:
        interruption.is_pending = False
    task.pending = None


def finish_static(task, state, start, completed, error=""):
    """A historical task: already finished, no timeline to replay."""
    task.state = state
    task.start_time = start
    task.completed_time = completed
    task.last_updated = completed
    task.error_message = "" if state == "Success" else (error or _default_error("Failed"))
    task.has_warnings = state == "Failed"
    task.segments = [(0.0, start)] if start else []
    task.final_offset = (completed - start).total_seconds() if start and completed else 0.0
