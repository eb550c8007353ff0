"""Waiting for a train's running children at once: one `tasks?ids=` poll per cycle serves them
all, and each child's `Follow` does the rest.
"""

from collections import namedtuple

from ..base.errors import StepCancelledError, StepError
from ..octopus.lookups import tasks_by_id
from .waiting import Waited, next_poll_interval, raise_if_signalled

Watch = namedtuple("Watch", "key follow deadline")
Ended = namedtuple("Ended", "key outcome error")


class Convoy:
    """The running children of a train and the one poll that serves them."""

    def __init__(self, client, clock, host):
        self.client, self.clock, self.host = client, clock, host
        self.watches, self.last = [], {}
        self.began, self.interval = clock.monotonic(), None

    def add(self, key, follow, deadline):
        follow.begin(deadline)
        self.watches.append(Watch(key, follow, deadline))

    def __len__(self):
        return len(self.watches)

    def cycle(self):
        """Poll once, hand every running child its task; the children that ended (Ended list)."""
        raise_if_signalled()
        tasks = self._poll()
        ended = []
        for watch in list(self.watches):
            result = self._observe(watch, tasks.get(watch.follow.outcome.task_id))
            if result is not None:
                self.watches.remove(watch)
                ended.append(result)
        return ended

    def pause(self):
        """Sleep until the next cycle (or the soonest deadline)."""
        if not self.watches:
            return
        self.interval = next_poll_interval(self.interval, self.clock.monotonic() - self.began)
        soonest = min(w.deadline for w in self.watches) - self.clock.monotonic()
        self.clock.sleep(min(self.interval, max(0.0, soonest)))

    def _poll(self):
        """Every running task in one request; {} when this poll failed in a way worth retrying."""
        ids = [w.follow.outcome.task_id for w in self.watches]
        # The soonest deadline: an outage must not hide a child's timeout until it ends.
        reader = self.client.with_deadline(min(w.deadline for w in self.watches))
        try:
            return tasks_by_id(reader, ids)
        except StepError as error:
            if not getattr(error, "retryable", False):
                raise
            self.host.verbose("Could not read the children's state this time ({0}); still "
                              "waiting.".format(str(error).splitlines()[0]))
            return {}

    def _observe(self, watch, task):
        """One child's turn: None while it runs, Ended when it finished, failed or timed out."""
        follow = watch.follow
        self.last[watch.key] = task if isinstance(task, dict) else self.last.get(watch.key, {})
        try:
            if isinstance(task, dict) and task.get("IsCompleted"):
                return Ended(watch.key, follow.conclude(Waited(task, False)), None)
            if watch.deadline - self.clock.monotonic() <= 0:
                return Ended(watch.key, follow.conclude(Waited(self.last[watch.key], True)), None)
            if isinstance(task, dict):
                self._on_poll(follow, task)
            return None
        except StepCancelledError:
            raise
        except StepError as error:       # published by the child's Follow before it was raised
            return Ended(watch.key, None, error)

    @staticmethod
    def _on_poll(follow, task):
        """A failure here means the child is no longer followed, unless worth retrying (then
        this poll only, as for one child)."""
        try:
            follow.on_poll(task)
        except StepCancelledError:
            raise
        except StepError as error:
            if getattr(error, "retryable", False):
                follow.trouble(str(error).splitlines()[0])
            else:
                follow.lost(error)          # publishes Unknown and raises
