"""Planning a train's children side by side, told in wave order.

Planning only reads, and each read waits on the network: a hundred children one after the
other at 20 ms a request take seconds. The first child is planned alone (it makes the reads
every child shares); the others are planned by a few daemon threads, each child's log lines
and outputs held back and then told, child after child, in the order of the waves, so the log
reads the same whatever the threads' timing. Daemon threads: a step told to stop does not wait
for reads nobody needs any more.
"""

import threading

PLANNING_READERS = 4


class HeldLog:
    """The step's host as a child planned off the main thread sees it: what the child says
    and publishes waits here until its turn comes (`tell`)."""

    def __init__(self, host):
        self.host, self._calls = host, []

    def variable(self, name):
        return self.host.variable(name)

    def _emit(self, level, message):
        self._calls.append(("_emit", (level, message)))

    def progress(self, percent, message):
        self._calls.append(("progress", (percent, message)))

    def set_output(self, name, value, sensitive=False):
        self._calls.append(("set_output", (name, value, sensitive)))

    def artifact(self, path, name):
        self._calls.append(("artifact", (path, name)))

    def tell(self):
        calls, self._calls = self._calls, []
        for name, arguments in calls:
            getattr(self.host, name)(*arguments)


def plan_side_by_side(children, plan_one, readers=PLANNING_READERS):
    """Plan every child (`plan_one(child)`), the first here and the rest a few at a time."""
    if not children:
        return
    plan_one(children[0])
    rest = list(children[1:])
    holds = [HeldLog(child.host.parent) for child in rest]
    for child, hold in zip(rest, holds):
        child.host.parent = hold
    done, failures = [threading.Event() for _ in rest], [None] * len(rest)
    start_readers(rest, plan_one, done, failures, readers)
    try:
        for index, child in enumerate(rest):
            done[index].wait()
            tell_in_turn(child, holds[index])
            if failures[index] is not None:
                raise failures[index]
    finally:
        for child, hold in zip(rest, holds):
            tell_in_turn(child, hold)


def tell_in_turn(child, hold):
    """The child speaks to the step's host again, after what it held back is told."""
    if child.host.parent is hold:
        child.host.parent = hold.host
        hold.tell()


def start_readers(children, plan_one, done, failures, readers):
    """A few daemon threads, each taking the next child not yet taken until none is left."""
    lock, queue = threading.Lock(), iter(range(len(children)))

    def read():
        while True:
            with lock:
                index = next(queue, None)
            if index is None:
                return
            try:
                plan_one(children[index])
            except BaseException as error:   # noqa: BLE001 - raised again on the main thread
                failures[index] = error
            finally:
                done[index].set()

    for _ in range(min(readers, len(children))):
        threading.Thread(target=read, name="train-planning", daemon=True).start()
