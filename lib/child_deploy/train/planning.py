"""Planning a train's children side by side on a few daemon threads (the first alone: it makes
the shared reads), each child's log held back and told in wave order.
"""

import threading

PLANNING_READERS = 4


class HeldLog:
    """A child's host off the main thread: what it says and publishes waits for `tell`."""

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
