"""Finding the child release to deploy: the search, page by page, with a reason for each skip.

The request count does not grow with history: deployments are read a page of 100 at a time and
only as far as needed, and the tasks and releases behind a page are fetched in one batch each.
Only a candidate that passes the pattern costs a request of its own (its deployment template),
and the first one that the destination can take ends the search.
"""

from collections import namedtuple

from .errors import AnswerTooLargeError, StepError
from .lookups import (HISTORY_PAGE, channel_releases, deployment_template, releases_by_id,
                      successful_deployments, tasks_by_id)
from .selection import (ALWAYS_LATEST, REDEPLOY, can_promote, order_candidates, search_text,
                        version_matches)

Choice = namedtuple("Choice", "release reason")
DESTINATION_PAGE = 20
MAX_SHARED_PAGES = 30     # a train's shared history beyond 3,000 deployments is not read whole


class History:
    """Tasks and releases behind the deployments seen so far, fetched in batches of ids."""

    def __init__(self, client):
        self._client = client
        self.tasks, self.releases = {}, {}

    def load(self, deployments):
        tasks = [d.get("TaskId") for d in deployments if d.get("TaskId") not in self.tasks]
        releases = [d.get("ReleaseId") for d in deployments if d.get("ReleaseId") not in self.releases]
        self.tasks.update(tasks_by_id(self._client, tasks))
        self.releases.update(releases_by_id(self._client, releases))

    def candidates(self, deployments):
        return order_candidates(deployments, self.tasks, self.releases)


class SharedHistory:
    """Every deployment of a train's children, read once in pages of 100 (any environment, any
    state), with the tasks and releases behind them, a hundred ids a request.

    Only a history read to its end (within MAX_SHARED_PAGES) answers a child's search: then a
    child's deployments to its source environments, to its destination and of its chosen release
    are all in it. A longer one is not loaded further, and each child searches as on its own.
    """

    def __init__(self, client, project_ids):
        self.deployments, self.complete = [], False
        self.history = History(client)
        if not project_ids:
            return
        try:
            for number, page in enumerate(client.pages("deployments", {
                    "projects": ",".join(sorted(project_ids)), "take": HISTORY_PAGE})):
                if number >= MAX_SHARED_PAGES:
                    return
                self.deployments.extend(d for d in page if isinstance(d, dict))
        except StepError as error:
            if not getattr(error, "retryable", False) and not isinstance(error, AnswerTooLargeError):
                raise
            return
        for start in range(0, len(self.deployments), HISTORY_PAGE):
            self.history.load(self.deployments[start:start + HISTORY_PAGE])
        self.complete = True

    def of(self, project_id, environment_ids, channel_id=None, tenant_id=None):
        """The project's deployments to those environments (channel, tenant), newest first."""
        return [d for d in self.deployments if d.get("ProjectId") == project_id
                and d.get("EnvironmentId") in environment_ids
                and (not channel_id or d.get("ChannelId") == channel_id)
                and (not tenant_id or d.get("TenantId") == tenant_id)]

    def of_release(self, release_id):
        return [d for d in self.deployments if d.get("ReleaseId") == release_id]


class ReleaseSearch:
    """One search for one child deployment: the context, the history read so far, the log.

    With a complete SharedHistory (a train's) the search reads it instead of the server.
    """

    def __init__(self, client, log, target, shared=None):
        self.client, self.log, self.target = client, log, target
        self.shared = shared if shared is not None and shared.complete else None
        self.history = self.shared.history if self.shared else History(client)

    def destination_current(self, first_source_page=()):
        """The release that last succeeded in the destination (for the tenant), or None."""
        t = self.target
        if self.shared:
            pages = iter([self.shared.of(t.project["Id"], [t.destination["Id"]],
                                         tenant_id=t.tenant_id)])
        else:
            pages = successful_deployments(self.client, t.project["Id"], [t.destination["Id"]],
                                           tenant_id=t.tenant_id, page_size=DESTINATION_PAGE)
        page = next(pages, [])
        self.history.load(list(page) + list(first_source_page))
        candidates = self.history.candidates(page)
        return self.history.releases.get(candidates[0].release_id) if candidates else None

    def from_deployments(self, mode, pattern, tenant_filter):
        """The newest release deployed to the source environments that the destination can take."""
        t = self.target
        if self.shared:
            pages = iter([self.shared.of(t.project["Id"], t.plan.environment_ids,
                                         t.channel["Id"], tenant_filter)])
        else:
            pages = successful_deployments(self.client, t.project["Id"], t.plan.environment_ids,
                                           channel_id=t.channel["Id"], tenant_id=tenant_filter)
        first = next(pages, [])
        current = self.destination_current(first)
        for page in _chain([first], pages):
            self.history.load(page)
            for candidate in self.history.candidates(page):
                release = self.history.releases[candidate.release_id]
                if mode == REDEPLOY or self._acceptable(release, pattern, "was deployed to " +
                                                        t.names.get(candidate.environment_id, "")):
                    return current, Choice(release, self._why(mode, candidate))
        return current, Choice(None, "")

    def from_channel(self, mode, pattern):
        """The newest release of the channel that matches and that the destination can take."""
        t = self.target
        for page in channel_releases(self.client, t.channel["Id"], search_text(pattern)):
            for release in page:
                if self._acceptable(release, pattern, "is in channel " + t.channel["Name"]):
                    reason = ("{0} is the newest release of channel {1}{2} that {3} can take "
                              "({4}).").format(release["Version"], t.channel["Name"],
                                               _matching(pattern), t.destination["Name"], mode)
                    return Choice(release, reason)
        return Choice(None, "")

    def _acceptable(self, release, pattern, where):
        if not version_matches(pattern, release.get("Version")):
            self.log("Release {0} {1} but does not match {2}; next.".format(
                release.get("Version"), where, pattern))
            return False
        verdict = can_promote(deployment_template(self.client, release["Id"]),
                              self.target.destination["Id"], self.target.tenant_id)
        self.log("Release {0} {1}; {2}: {3}{4}.".format(
            release.get("Version"), where, self.target.destination["Name"], verdict.reason,
            "" if verdict.value else "; next"))
        return verdict.value

    def _why(self, mode, candidate):
        where = self.target.names.get(candidate.environment_id, candidate.environment_id)
        if mode == REDEPLOY:
            return "{0} is the last release that succeeded in {1} (Redeploy).".format(
                candidate.version, where)
        return "{0} is the most recent successful deployment in {1} that {2} can take.".format(
            candidate.version, where, self.target.destination["Name"])


def choose_release(search, mode, pattern, tenant_filter):
    """Run the search the mode asks for; return (current release in destination, Choice)."""
    plan = search.target.plan
    if mode == ALWAYS_LATEST or plan.first_phase:
        current = search.destination_current()
        return current, search.from_channel(mode, pattern)
    current, choice = search.from_deployments(mode, pattern, tenant_filter)
    if choice.release is None and not plan.has_required_phase:
        search.log("No deployed release qualifies and every earlier phase is optional; trying the "
                   "channel's releases.")
        choice = search.from_channel(mode, pattern)
    return current, choice


def _chain(first, rest):
    for page in first:
        yield page
    for page in rest:
        yield page


def _matching(pattern):
    return " matching " + pattern if pattern else ""
