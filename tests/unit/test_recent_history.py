"""RecentHistory (pure parts, with a fake client): what 'complete' means, and a failed read."""

from child_deploy.octopus.choosing import RecentHistory
from child_deploy.base.errors import OctopusUnreachableError


class Client:
    """Serves `pages` (lists of deployments) to `pages()`, or raises `error` instead."""

    def __init__(self, pages=(), error=None):
        self._pages, self._error, self.calls = list(pages), error, []

    def pages(self, route, params):
        """A generator, as the client's: a failure comes while the pages are read."""
        self.calls.append((route, params))
        if self._error is not None:
            raise self._error
        for page in self._pages:
            yield page

    def get(self, route, params=None, **kwargs):
        return {"Items": []}       # the tasks and releases behind the deployments


def deployments(count, environment="Environments-2"):
    return [{"Id": "Deployments-{0}".format(n), "ProjectId": "Projects-1",
             "EnvironmentId": environment, "TaskId": "", "ReleaseId": ""} for n in range(count)]


def test_a_history_that_ends_before_the_pages_allowed_is_complete():
    history = RecentHistory(Client([deployments(3)]), ["Projects-1"], pages=2)
    assert history.covers(["Environments-2"]) and history.complete
    assert len(history.of("Projects-1", ["Environments-2"])) == 3


def test_a_full_last_page_leaves_the_history_incomplete():
    history = RecentHistory(Client([deployments(100), deployments(100)]), ["Projects-1"], pages=1)
    assert history.covers(["Environments-2"]) and not history.complete


def test_a_failed_read_is_no_history_and_not_complete():
    client = Client(error=OctopusUnreachableError("down", method="GET", path="/api/x"))
    history = RecentHistory(client, ["Projects-1"])
    assert history.covers(["Environments-2"])
    assert not history.complete and history.deployments == []


def test_environments_outside_the_first_read_are_not_covered():
    history = RecentHistory(Client([deployments(1)]), ["Projects-1"])
    assert history.covers(["Environments-2", "Environments-3"])
    assert not history.covers(["Environments-4"])
    assert not RecentHistory(Client(), []).covers(["Environments-2"])
