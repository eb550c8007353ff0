"""Named Octopus things, fetched with as few requests as the answer allows; nothing here decides.

Lists that grow with history are read only as far as the caller iterates; related resources come
in batches (`ids=`), never one request per item.
"""

import difflib
import threading

from ..base.clock import SystemClock
from ..base.errors import NotFoundError

HISTORY_PAGE = 100
# Octopus on Kestrel refuses a request line over 8 KB; 100 ids keep it near 3 KB.
IDS_PER_REQUEST = 100


def resolve_space(client, space_name, parent):
    """The child space's id: the parent's own when the names agree (no request), else a lookup."""
    if parent.space_id and space_name.strip().lower() == parent.space_name.strip().lower():
        return parent.space_id, parent.space_name or space_name
    space = client.find_by_name("spaces", space_name, "Space", system=True,
                                hint='Check "Child Project Space".')
    return space["Id"], space["Name"]


def find_project(client, name, label="Child Project Name"):
    return client.find_by_name("projects", name, "Project",
                               hint='Check "{0}".'.format(label))


def find_tenant(client, name, label="Tenant Name"):
    return client.find_by_name("tenants", name, "Tenant", hint='Check "{0}".'.format(label))


def all_environments(client):
    """Every environment of the space: one short list that serves every name and id lookup."""
    return client.get_all("environments")


def pick_by_name(items, name, kind, label):
    """The item called `name` (case and outer spaces ignored) from a list already in hand."""
    wanted = name.strip().lower()
    for item in items:
        if str(item.get("Name", "")).strip().lower() == wanted:
            return item
    names = [str(item.get("Name", "")) for item in items]
    close = difflib.get_close_matches(name.strip(), names, n=1, cutoff=0.6)
    suggestion = ' Did you mean "{0}"?'.format(close[0]) if close else ""
    raise NotFoundError('{0} "{1}" was not found.{2} Check "{3}".'.format(
        kind, name.strip(), suggestion, label))


def resolve_channel(client, project, channel_name, channels=None):
    """The named channel of the project, or its default channel when no name is given.

    `channels`: the project's channels when already in hand (a train's Catalog).
    """
    if channels is None:
        channels = client.get_all("projects/{0}/channels".format(project["Id"]))
    if channel_name:
        return pick_by_name(channels, channel_name, "Channel", "Child Project Channel")
    for channel in channels:
        if channel.get("IsDefault"):
            return channel
    if len(channels) == 1:
        return channels[0]
    raise NotFoundError('Project "{0}" has no default channel; set "Child Project Channel".'.format(
        project["Name"]))


def lifecycle_preview(client, channel, project):
    """The channel's lifecycle, or the project's when the channel has none of its own."""
    lifecycle_id = channel.get("LifecycleId") or project.get("LifecycleId")
    return client.get("lifecycles/{0}/preview".format(lifecycle_id))


def successful_deployments(client, project_id, environment_ids, channel_id=None, tenant_id=None,
                           page_size=HISTORY_PAGE):
    """Pages of successful deployments, newest first, fetched only as far as they are read."""
    params = {"projects": project_id, "environments": ",".join(environment_ids),
              "taskState": "Success", "take": page_size}
    if channel_id:
        params["channels"] = channel_id
    if tenant_id:
        params["tenants"] = tenant_id
    return _pages(client, "deployments", params)


def channel_releases(client, channel_id, pattern_prefix="", page_size=HISTORY_PAGE):
    """Pages of the channel's releases, newest first, narrowed by the server when possible."""
    params = {"take": page_size}
    if pattern_prefix:
        params["searchByVersion"] = pattern_prefix
    return _pages(client, "channels/{0}/releases".format(channel_id), params)


def _pages(client, route, params):
    return client.pages(route, params)


def tasks_by_id(client, task_ids):
    """Server tasks for a batch of ids."""
    return _by_id(client, "tasks", task_ids)


def releases_by_id(client, release_ids):
    """Releases for a batch of ids."""
    return _by_id(client, "releases", release_ids)


def _by_id(client, route, ids):
    """{id: item} in one request per IDS_PER_REQUEST ids: a longer address is refused (414)."""
    ids, found = sorted(set(i for i in ids if i)), {}
    for start in range(0, len(ids), IDS_PER_REQUEST):
        batch = ids[start:start + IDS_PER_REQUEST]
        page = client.get(route, params={"ids": ",".join(batch), "take": len(batch)})
        found.update((item["Id"], item) for item in page.get("Items") or [])
    return found


def deployment_template(client, release_id):
    return client.get("releases/{0}/deployments/template".format(release_id))


def deployment_preview(client, release_id, environment_id, tenant_id=None):
    """What a deployment would do: steps and their machines, prompted variables, changes."""
    if not tenant_id:
        return client.get("releases/{0}/deployments/preview/{1}".format(release_id, environment_id),
                          params={"includeDisabledSteps": "true"})
    previews = client.post("releases/{0}/deployments/previews".format(release_id),
                           body={"DeploymentPreviews": [{"TenantId": tenant_id,
                                                         "EnvironmentId": environment_id}]},
                           idempotent=True, expect=list)
    return previews[0] if isinstance(previews, list) and previews else previews


class Catalog:
    """What the children of one run share, each read once.

    A train (`batch`) reads every project and channel in one list each; a single child keeps its
    narrow lookups.
    """

    def __init__(self, client, batch=False, now=None):
        self.client, self.batch, self.now = client, batch, now or SystemClock().now()
        self._read, self._lock = {}, threading.Lock()
        self.history = None         # a train's RecentHistory (choosing.py), read once
        self.notes = []             # what the preflight's reads could not check

    def project_ids(self, names):
        """The ids of the named projects that exist (a missing one fails its own plan later)."""
        wanted = {n.strip().lower() for n in names}
        return [p["Id"] for p in self.projects() if str(p.get("Name", "")).strip().lower() in wanted]

    def _once(self, key, read):
        """Read once, even when children are planned side by side (planning.py)."""
        with self._lock:
            if key not in self._read:
                self._read[key] = read()
            return self._read[key]

    def projects(self):
        return self._once("projects", lambda: self.client.get_all("projects/all"))

    def tenants(self):
        return self._once("tenants", lambda: self.client.get_all("tenants/all"))

    def tenant(self, name):
        """A tenant by name: from every tenant once a ring run read them all, else one lookup
        per name and run, however many children ask."""
        if "tenants" in self._read:
            return pick_by_name(self._read["tenants"], name, "Tenant", "Tenant Name")
        return self._once(("tenant", name.strip().lower()), lambda: find_tenant(self.client, name))

    def project(self, name):
        if not self.batch:
            return find_project(self.client, name)
        return pick_by_name(self.projects(), name, "Project", "Child Project Name")

    def environments(self):
        return self._once("environments", lambda: all_environments(self.client))

    def channels(self, project):
        """The project's channels (None for a single child: resolve_channel reads them)."""
        if not self.batch:
            return None
        every = self._once("channels", lambda: self.client.get_all("channels/all"))
        return [c for c in every if c.get("ProjectId") == project["Id"]]

    def lifecycle_preview(self, channel, project):
        lifecycle_id = channel.get("LifecycleId") or project.get("LifecycleId")
        return self._once(("lifecycle", lifecycle_id),
                          lambda: lifecycle_preview(self.client, channel, project))

    def shared(self, key, read):
        """A preflight read (acting/preflight.py), once per run: `read(client, notes)`."""
        return self._once(key, lambda: read(self.client, self.notes))


class SharedReads:
    """Planning tenants: what they share is read once."""

    def __init__(self, client, store=None):
        self._client = client
        self._read, self._lock = store or ({}, threading.Lock())

    def with_log(self, log):
        """The same shared reads, logged in one child's block."""
        return SharedReads(self._client.with_log(log), (self._read, self._lock))

    def __getattr__(self, name):
        return getattr(self._client, name)

    def find_by_name(self, *args, **options):
        return self._once(self._client.find_by_name, args, options)

    def get(self, route, *args, **options):
        if not route.endswith("/template"):
            return self._client.get(route, *args, **options)
        return self._once(self._client.get, (route,) + args, options)

    def _once(self, read, args, options):
        key = (read.__name__, repr(args), repr(sorted(options.items())))
        with self._lock:
            if key not in self._read:
                self._read[key] = read(*args, **options)
            return self._read[key]
