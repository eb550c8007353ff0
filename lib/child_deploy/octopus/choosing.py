"""Finding the child release to deploy: the search, page by page, with a reason for each skip.

Its request count does not grow with history.
"""

import threading
from collections import namedtuple

from ..base.errors import AnswerTooLargeError, StepError
from .lookups import (HISTORY_PAGE, channel_releases, deployment_template, releases_by_id,
                      successful_deployments, tasks_by_id)
from ..rules.selection import (ALWAYS_LATEST, REDEPLOY, can_promote, order_candidates, search_text,
                        version_matches)

# `places`: where the search saw the chosen release deployed (None: it did not look).
Choice = namedtuple("Choice", "release reason places", defaults=(None,))
DESTINATION_PAGE = 20


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


class RecentHistory:
    """The newest successful deployments of some projects to some environments, read once.

    One bounded read (`pages` pages) serves every child of a run; it usually settles the choice.
    """

    def __init__(self, client, project_ids, pages=1):
        self.client, self.project_ids, self.pages = client, sorted(set(project_ids)), pages
        self.environment_ids, self.deployments, self.complete = None, [], False
        self.history, self._lock = History(client), threading.Lock()

    def covers(self, environment_ids):
        """Read (the first time) for these environments; whether the read serves them."""
        with self._lock:        # children may be planned side by side (planning.py)
            if self.environment_ids is None:
                self.environment_ids = frozenset(environment_ids)
                self._read()
        return bool(self.project_ids) and set(environment_ids) <= self.environment_ids

    def _read(self):
        if not self.project_ids:
            return
        pages = self.client.pages("deployments", {
            "projects": ",".join(self.project_ids), "taskState": "Success", "take": HISTORY_PAGE,
            "environments": ",".join(sorted(self.environment_ids))})
        try:
            self.complete = self._take(pages)
        except StepError as error:
            if not getattr(error, "retryable", False) and not isinstance(error, AnswerTooLargeError):
                raise
            self.deployments, self.complete = [], False
        self.history.load(self.deployments)

    def _take(self, pages):
        """Read at most `pages` pages (no request beyond them); whether the history ended."""
        for number, page in enumerate(pages, start=1):
            self.deployments.extend(d for d in page if isinstance(d, dict))
            if number >= self.pages:
                return len(page) < HISTORY_PAGE
        return True

    def of(self, project_id, environment_ids, channel_id=None, tenant_id=None):
        """The project's deployments read to those environments (channel, tenant), newest first."""
        return [d for d in self.deployments if d.get("ProjectId") == project_id
                and d.get("EnvironmentId") in environment_ids
                and (not channel_id or d.get("ChannelId") == channel_id)
                and (not tenant_id or d.get("TenantId") == tenant_id)]


class ReleaseSearch:
    """One search for one child: RecentHistory first, then the server page by page as needed."""

    def __init__(self, client, log, target, shared=None):
        self.client, self.log, self.target = client, log, target
        envs = list(target.plan.environment_ids) + [target.destination["Id"]]
        self.shared = shared if shared is not None and shared.covers(envs) else None
        self.history = self.shared.history if self.shared else History(client)
        self.read, self._verdicts = [], {}

    def places(self, release):
        """The environments where the search saw the release deployed, newest first."""
        names = [self.target.names.get(d.get("EnvironmentId")) for d in self.read
                 if d.get("ReleaseId") == release["Id"]]
        return tuple(n for i, n in enumerate(names) if n and n not in names[:i])

    def destination_current(self, first_source_page=()):
        """The release that last succeeded in the destination (for the tenant), or None."""
        t = self.target
        page = self._shared_of([t.destination["Id"]], None, t.tenant_id)
        if not page and not (self.shared and self.shared.complete):
            page = next(successful_deployments(self.client, t.project["Id"], [t.destination["Id"]],
                                               tenant_id=t.tenant_id, page_size=DESTINATION_PAGE), [])
        self._seen(list(page) + list(first_source_page))
        candidates = self.history.candidates(page)
        return self.history.releases.get(candidates[0].release_id) if candidates else None

    def from_deployments(self, mode, pattern, tenant_filter):
        """The newest release deployed to the source environments that the destination can take."""
        t = self.target
        mine = self._shared_of(t.plan.environment_ids, t.channel["Id"], tenant_filter)
        current = self.destination_current(mine)
        choice = self._first_acceptable([mine], mode, pattern)
        if choice.release is not None or (self.shared and self.shared.complete):
            return current, choice
        pages = successful_deployments(self.client, t.project["Id"], t.plan.environment_ids,
                                       channel_id=t.channel["Id"], tenant_id=tenant_filter)
        return current, self._first_acceptable(pages, mode, pattern)

    def _shared_of(self, environment_ids, channel_id, tenant_id):
        if not self.shared:
            return []
        return self.shared.of(self.target.project["Id"], environment_ids, channel_id, tenant_id)

    def _seen(self, deployments):
        self.history.load(deployments)
        known = {id(d) for d in self.read}
        self.read.extend(d for d in deployments if id(d) not in known)

    def _first_acceptable(self, pages, mode, pattern):
        t = self.target
        for page in pages:
            self._seen(page)
            for candidate in self.history.candidates(page):
                release = self.history.releases[candidate.release_id]
                if mode == REDEPLOY or self._acceptable(release, pattern, "was deployed to " +
                                                        t.names.get(candidate.environment_id, "")):
                    return Choice(release, self._why(mode, candidate), self.places(release))
        return Choice(None, "")

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
        """Whether the destination can take the release; each release is judged (and said) once."""
        if release["Id"] not in self._verdicts:
            self._verdicts[release["Id"]] = self._judge(release, pattern, where)
        return self._verdicts[release["Id"]]

    def _judge(self, release, pattern, where):
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


def _matching(pattern):
    return " matching " + pattern if pattern else ""
