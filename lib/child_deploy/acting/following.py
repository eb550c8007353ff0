"""Following one running child deployment: progress, its log, its manual interventions, its end.

A single child waits with `Follow.until_done`; a train's Convoy hands each child its task.
"""

from ..rules.approvals import approval_note
from .approving import AutoApprover, load_approvers
from .deployment import cancel_child
from ..base.errors import DeploymentFailedError, DeploymentTimeoutError, StepCancelledError, StepError
from ..base.outcome import publish
from .waiting import LogFollower, PersonNotice, wait_for_task


def task_url(client, space_id, task_id):
    return "{0}/app#/{1}/tasks/{2}".format(client.server_url, space_id, task_id)


class Follow:
    """Waiting for one child deployment."""

    def __init__(self, client, host, clock, settings, target, outcome, approval=None):
        self.client, self.host, self.clock = client, host, clock
        self.settings, self.target, self.outcome = settings, target, outcome
        self.approval = approval
        self.describe = "{0} {1} in {2}".format(target.project["Name"], outcome.release_version,
                                                 target.destination["Name"])
        self.started = clock.monotonic()
        self.logs = LogFollower(client, host, outcome.task_id) if settings.enhanced_logging else None
        self.interruptions = None

    def until_done(self, deadline):
        self.begin(deadline)
        try:
            waited = wait_for_task(self.task, self.clock, deadline, self.on_poll, self.trouble)
        except StepCancelledError:
            raise                   # the runner publishes, and cancels the child if it is ours
        except StepError as error:
            self.lost(error)
        return self.conclude(waited)

    def begin(self, deadline):
        self.host.info("Waiting for {0} (up to {1} s).".format(self.describe,
                                                               self.settings.timeout_seconds))
        self.reader = self.client.with_deadline(deadline)   # reads retry until the wait ends

    def conclude(self, waited):
        """The end of the wait (a Waited): the last log lines, then the outcome."""
        self.last_log_lines()
        if waited.timed_out:
            return self.timed_out(waited.task)
        return self.finished(waited.task)

    def task(self):
        return self.reader.get("tasks/{0}".format(self.outcome.task_id))

    def trouble(self, text):
        """A poll that failed: said at verbose level."""
        self.host.verbose("Could not read the child deployment's state this time ({0}); still "
                          "waiting.".format(text))

    def on_poll(self, task):
        elapsed = self.clock.monotonic() - self.started
        percent = min(99, int(100 * elapsed / max(1, self.settings.timeout_seconds)))
        self.host.progress(percent, "{0}: {1} ({2:.0f} s)".format(
            self.describe, task.get("State"), elapsed))
        if self.logs:
            self.logs()
        if task.get("HasPendingInterruptions"):
            self.interruption_handler()(task)

    def interruption_handler(self):
        """Built on first need; parent approvals that cannot be read leave the child to a person."""
        if self.interruptions is None and self.approval is not None:
            try:
                self.interruptions = make_auto_approver(self.client, self.host, self.settings,
                                                        self.approval)
            except StepError as error:
                self.host.warning("The parent's approvals could not be read ({0}); the child's "
                                  "manual interventions are left to a person.".format(error))
                self.interruptions = PersonNotice(self.host, self.clock, self.describe,
                                                  "the parent's approvals could not be read")
        if self.interruptions is None:
            self.interruptions = PersonNotice(self.host, self.clock, self.describe)
        return self.interruptions

    def last_log_lines(self):
        """The child's final log lines; missing them is a warning, not a failed step."""
        if not self.logs:
            return
        try:
            self.logs()
        except StepError as error:
            self.host.warning("The child's last log lines could not be read: {0}".format(error))

    def stop_child(self, wanted):
        """Cancel the child when asked (if this step created it); say what became of it."""
        if not wanted:
            return None
        return cancel_child(self.client, self.clock, self.host)

    def finished(self, task):
        state = task.get("State")
        url = task_url(self.client, self.target.space_id, self.outcome.task_id)
        if state == "Success":
            reason = "{0} deployed successfully.".format(self.describe)
            self.host.highlight(reason)
            return publish(self.host, self.outcome.with_(reason=reason))
        reason = "The child deployment of {0} ended {1}{2}. See {3}".format(
            self.describe, state, ": " + task["ErrorMessage"] if task.get("ErrorMessage") else "",
            url)
        publish(self.host, self.outcome.with_(outcome=state or "Failed", reason=reason))
        raise DeploymentFailedError(reason, state)

    def timed_out(self, task):
        fate = (self.stop_child(self.settings.cancel_on_timeout)
                or "left running (\"Cancel child on timeout\" is No)")
        reason = ("The child deployment of {0} was still {1} after {2} s, so it was {3}. Increase "
                  "\"Wait for Deployment\" or follow it at {4}").format(
            self.describe, task.get("State") or "in a state Octopus did not tell (it was not "
            "answering)", self.settings.timeout_seconds, fate,
            task_url(self.client, self.target.space_id, self.outcome.task_id))
        publish(self.host, self.outcome.with_(outcome="TimedOut", reason=reason))
        raise DeploymentTimeoutError(reason)

    def lost(self, error):
        """Following the child failed: the outputs still say which child it was."""
        reason = "{0} The step stopped following the child deployment of {1}; it may still be " \
                 "running: {2}".format(error, self.describe, task_url(
                     self.client, self.target.space_id, self.outcome.task_id))
        publish(self.host, self.outcome.with_(outcome="Unknown", reason=reason))
        raise StepError(reason) from error


def make_auto_approver(client, host, settings, source):
    """An AutoApprover loaded with the parent's approvers (or one with none, said once)."""
    approvers = load_approvers(source.client, host.info, client.space_id,
                               source.task_id) if source.task_id else []
    host.info("Approvers carried over from the parent: {0}.".format(
        ", ".join(a.username for a in approvers) or "none"))
    note = approval_note(settings, source.environment["Name"] if source.environment else "",
                         source.tenant["Name"] if source.tenant else "",
                         task_url(client, source.client.space_id, source.task_id or ""))
    return AutoApprover(client, host, approvers, note)
