"""The simulated server's state, and the builder scenarios use to fill it.

Every `add_*` returns the stored document (it has `.id` and `.name`). Ids are allocated per
document type as the real server does (`Projects-1`, `Releases-7`, ...). Lookups the routes need
are indexed (by project, release, environment, tenant) so histories of thousands of deployments
stay fast. All access from the HTTP server goes through `world.lock`.
"""

import re
import threading
from datetime import timedelta

from . import tasks as engine
from .clock import ManualClock
from .model import (Approval, Channel, Environment, Lifecycle, Machine, Project, ProjectGroup, Space,
                    StoredPhase, Team, Tenant, TaskScript, User)
from .versions import version_key
from .world_deploy import DeployMixin
from .world_preflight import PreflightMixin

DEFAULT_API_KEY = "API-SIMULATORKEY0000000000000000"


def slugify(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class World(DeployMixin, PreflightMixin):
    """Documents, indexes and the builder API."""

    def __init__(self, clock=None, api_key=DEFAULT_API_KEY):
        self.clock = clock or ManualClock()
        self.lock = threading.RLock()
        self._counters = {}
        self.docs = {}                       # lower-case id -> document
        self.by_type = {}                    # prefix -> [documents], creation order
        self.releases_by_channel = {}
        self.releases_by_project = {}
        self.deployments_by_release = {}
        self.deployments_by_project = {}
        self.deployments_by_key = {}         # (project, environment, tenant) -> [deployments]
        self.events_by_doc = {}              # lower-case related id -> [events]
        self.interruptions_by_doc = {}
        self.tasks_by_id = {}
        self.active_tasks = []
        self.task_scripts = {None: TaskScript()}
        self.release_order = "version"       # or "assembled"
        # The contract leaves `deployments?taskState=` semantics UNCONFIRMED: True makes the
        # server accept the filter and ignore it, to prove the client checks task states itself.
        self.ignore_task_state_filter = False
        self.worker_name = "s-worker-01"
        self.grants = {}                     # permission -> [grants] (None: revoked), API key's user
        self.freezes = []                    # deployment freezes, instance-level
        self.permission_read = "allowed"     # or "refused" (403) or "absent" (404, an older server)
        self.freezes_supported = True        # False: no /api/deploymentfreezes (before 2024.2)
        self.library_variables_version = 1
        self.default_space = self.add_space("Default", is_default=True)
        self.api_user = self.add_user("simulator", display_name="Simulator Administrator",
                                      api_key=api_key, email="simulator@example.com")

    # -- storage ---------------------------------------------------------------------------
    def new_id(self, prefix):
        number = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = number
        return "%s-%d" % (prefix, number)

    def store(self, prefix, document):
        self.docs[document.id.lower()] = document
        self.by_type.setdefault(prefix, []).append(document)
        return document

    def get(self, document_id):
        if not document_id:
            return None
        return self.docs.get(str(document_id).lower())

    def all(self, prefix, space_id=None):
        items = self.by_type.get(prefix, [])
        if space_id is None:
            return list(items)
        return [d for d in items if getattr(d, "space_id", None) == space_id]

    def tick(self):
        """Bring every running task up to the clock's now (tasks are computed lazily)."""
        with self.lock:
            engine.advance_tasks(self, self.clock.now())

    def now(self):
        return self.clock.now()

    # -- resolving builder arguments ----------------------------------------------------------
    def _space(self, space):
        if space is None:
            return self.default_space
        if isinstance(space, str):
            found = self.get(space) or self._named("Spaces", space, None)
            if found is None:
                raise KeyError("no space %r" % space)
            return found
        return space

    def _named(self, prefix, name, space_id):
        for document in self.by_type.get(prefix, []):
            if document.name.lower() == name.lower() and (space_id is None or document.space_id == space_id):
                return document
        return None

    def _resolve(self, prefix, value, space_id):
        if value is None:
            return None
        if not isinstance(value, str):
            return value
        found = self.get(value)
        if found is None or not found.id.startswith(prefix):
            found = self._named(prefix, value, space_id)
        if found is None:
            raise KeyError("no %s named %r" % (prefix, value))
        return found

    def env(self, value, space_id=None):
        return self._resolve("Environments", value, space_id)

    # -- builder: infrastructure -------------------------------------------------------------
    def add_space(self, name, is_default=False, description=""):
        space = self.store("Spaces", Space(self.new_id("Spaces"), name, slugify(name), is_default, description))
        self.add_project_group("Default Project Group", space)
        return space

    def add_project_group(self, name, space=None, projects=(), description=""):
        """A project group; `projects` (objects, ids or names) move into it from wherever they were."""
        space = self._space(space)
        group = self.store("ProjectGroups", ProjectGroup(self.new_id("ProjectGroups"), name, space.id, description))
        for project in projects:
            self._resolve("Projects", project, space.id).project_group_id = group.id
        return group

    def set_project_group(self, project, group):
        """Move a project into another group of its space."""
        project = self._resolve("Projects", project, None)
        project.project_group_id = self._resolve("ProjectGroups", group, project.space_id).id
        return project

    def projects_in_group(self, group):
        group = self._resolve("ProjectGroups", group, None)
        return [p for p in self.all("Projects", group.space_id) if p.project_group_id == group.id]

    def add_environment(self, name, space=None, use_guided_failure=False, description=""):
        space = self._space(space)
        order = len(self.all("Environments", space.id)) + 1
        env = Environment(self.new_id("Environments"), name, space.id, order, use_guided_failure,
                          description, slugify(name))
        return self.store("Environments", env)

    def environments_in(self, space_id):
        return sorted(self.all("Environments", space_id), key=lambda e: e.sort_order)

    def add_lifecycle(self, name, phases, space=None, description=""):
        space = self._space(space)
        lifecycle_id = self.new_id("Lifecycles")
        stored = []
        for index, phase in enumerate(phases):
            stored.append(StoredPhase(
                id="%s-phase-%d" % (lifecycle_id, index), name=phase.name,
                automatic_ids=[self.env(e, space.id).id for e in phase.automatic],
                optional_ids=[self.env(e, space.id).id for e in phase.optional],
                is_optional=phase.is_optional, minimum=phase.minimum_environments_before_promotion,
                is_priority=phase.is_priority))
        lifecycle = Lifecycle(lifecycle_id, name, space.id, stored, slugify(name), description)
        return self.store("Lifecycles", lifecycle)

    def add_machine(self, name, roles=(), environments=(), tenants=None, space=None, is_disabled=False,
                    health_status="Healthy"):
        space = self._space(space)
        machine = Machine(self.new_id("Machines"), name, space.id, list(roles),
                          [self.env(e, space.id).id for e in environments],
                          [self._resolve("Tenants", t, space.id).id for t in (tenants or [])],
                          is_disabled, health_status)
        return self.store("Machines", machine)

    # -- builder: projects ----------------------------------------------------------------------
    def add_project(self, name, lifecycle, space=None, tenanted="Untenanted",
                    guided_failure_mode="EnvironmentDefault", steps=None, prompted_variables=None,
                    description="", is_disabled=False, project_group=None):
        space = self._space(space)
        lifecycle = self._resolve("Lifecycles", lifecycle, space.id)
        group = self._resolve("ProjectGroups", project_group or "Default Project Group", space.id)
        project = Project(self.new_id("Projects"), name, slugify(name), space.id, lifecycle.id,
                          tenanted, guided_failure_mode, [], [], is_disabled, description, project_group_id=group.id)
        for number, step in enumerate(steps or [], start=1):
            step.number = step.number or str(number)
            step.action_id = step.action_id or _guid("action", project.id, step.name)
            project.steps.append(step)
        for variable in prompted_variables or []:
            variable.id = variable.id or _guid("variable", project.id, variable.name)
            variable.label = variable.label or variable.name
            project.prompted_variables.append(variable)
        self.store("Projects", project)
        self.add_channel(project, "Default", is_default=True)
        return project

    def add_channel(self, project, name, lifecycle=None, is_default=False, description=""):
        project = self._resolve("Projects", project, None)
        lifecycle = self._resolve("Lifecycles", lifecycle, project.space_id)
        if is_default:
            for other in self.channels_of(project):
                other.is_default = False
        channel = Channel(self.new_id("Channels"), name, project.id, project.space_id,
                          lifecycle.id if lifecycle else None, is_default, description)
        return self.store("Channels", channel)

    def channels_of(self, project):
        return [c for c in self.by_type.get("Channels", []) if c.project_id == project.id]

    def default_channel(self, project):
        channels = self.channels_of(project)
        return next((c for c in channels if c.is_default), channels[0] if channels else None)

    def add_tenant(self, name, projects=None, space=None, tags=()):
        space = self._space(space)
        connections = {}
        for project, envs in (projects or {}).items():
            project = self._resolve("Projects", project, space.id)
            connections[project.id] = [self.env(e, space.id).id for e in envs]
        tenant = Tenant(self.new_id("Tenants"), name, space.id, connections, list(tags))
        return self.store("Tenants", tenant)

    def add_tag_set(self, name, tags, space=None):
        """A tenant tag set; tenants carry its tags by canonical name (`add_tenant(tags=...)`)."""
        from .api_tenancy import add_tag_set
        return add_tag_set(self, name, tags, space)

    def tenants_of_project(self, project_id):
        return [t for t in self.by_type.get("Tenants", []) if project_id in t.project_environments]

    def set_task_script(self, project, script, tenant=None, release=None):
        """How deployments created through the API behave; `project=None` sets the default,
        `tenant` narrows it to that project's deployments for one tenant, a `release` (a
        Release) to that release's deployments."""
        key = self._resolve("Projects", project, None).id if project is not None else None
        if release is not None:
            key = release.id
        elif tenant is not None:
            key = (key, tenant.id)
        self.task_scripts[key] = script

    def script_for(self, project_id, tenant_id=None, release_id=None):
        return (release_id and self.task_scripts.get(release_id)
                or self.task_scripts.get((project_id, tenant_id))
                or self.task_scripts.get(project_id) or self.task_scripts[None])

    def modify_variables(self, project, library=False):
        """Change the project's (or library) variables: releases' snapshots become stale."""
        if library:
            self.library_variables_version += 1
        else:
            self._resolve("Projects", project, None).variables_version += 1

    def modify_process(self, project):
        self._resolve("Projects", project, None).process_version += 1

    # -- builder: people -----------------------------------------------------------------------
    def add_team(self, name, space=None, members=(), description=""):
        space_id = None if space is False else self._space(space).id
        team = Team(self.new_id("Teams"), name, space_id, [], description)
        self.store("Teams", team)
        for member in members:
            self.join_team(member, team)
        return team

    def join_team(self, user, team):
        user = self._resolve("Users", user, None) if isinstance(user, str) else user
        if user.id not in team.member_user_ids:
            team.member_user_ids.append(user.id)

    def add_user(self, username, display_name=None, teams=(), api_key=None,
                 can_take_responsibility=True, email=None, is_service=False, read_only=False,
                 space_ids=None):
        user = User(self.new_id("Users"), username, display_name or username,
                    email if email is not None else "%s@example.com" % slugify(username),
                    [api_key] if api_key else [], can_take_responsibility, is_service, read_only,
                    space_ids, self.clock.now())
        self.store("Users", user)
        for team in teams:
            self.join_team(user, self._resolve("Teams", team, None))
        return user

    def user_for_key(self, api_key):
        for user in self.by_type.get("Users", []):
            if api_key in user.api_keys:
                return user
        return None

    def teams_of(self, user):
        return [t for t in self.by_type.get("Teams", []) if user.id in t.member_user_ids]

    # -- queries for routes and assertions ------------------------------------------------------
    def task_of(self, deployment):
        return self.tasks_by_id[deployment.task_id]

    def deployments_for(self, project, environment=None, tenant=None, any_tenant=True):
        """Deployments of a project, newest first; `tenant=None` means any tenant unless any_tenant=False."""
        self.tick()
        project = self._resolve("Projects", project, None)
        env = self.env(environment, project.space_id) if environment is not None else None
        tenant = self._resolve("Tenants", tenant, project.space_id) if tenant is not None else None
        found = [d for d in self.deployments_by_project.get(project.id, [])
                 if (env is None or d.environment_id == env.id)
                 and (tenant is None and (any_tenant or d.tenant_id is None)
                      or tenant is not None and d.tenant_id == tenant.id)]
        return sorted(found, key=created_key, reverse=True)

    def releases_of(self, project=None, channel=None):
        """Releases newest first, in the server's order (`release_order`)."""
        if channel is not None:
            items = self.releases_by_channel.get(self._resolve("Channels", channel, None).id, [])
        else:
            items = self.releases_by_project.get(self._resolve("Projects", project, None).id, [])
        if self.release_order == "assembled":
            return sorted(items, key=lambda r: (r.assembled, _number(r.id)), reverse=True)
        return sorted(items, key=lambda r: (version_key(r.version), r.assembled), reverse=True)

    def task_ahead_of(self, task):
        """The previous unfinished task of the same project/environment/tenant, if any.

        A task scheduled for later (queued, not yet due) holds nothing up, as in Octopus.
        """
        if task.deployment is None:
            return None
        key = (task.project_id, task.environment_id, task.tenant_id)
        ahead = None
        for other in self.active_tasks:
            if other is task:
                return ahead
            if other.deployment is not None and not other.is_completed and \
                    (other.project_id, other.environment_id, other.tenant_id) == key and \
                    not _not_yet_due(other, self.clock.now()):
                ahead = other
        return ahead

    def interruptions_regarding(self, document_id):
        return list(self.interruptions_by_doc.get(str(document_id).lower(), []))

    def events_regarding(self, document_id):
        return list(self.events_by_doc.get(str(document_id).lower(), []))

    def steps_to_execute(self, project, deployment):
        """Each process step with its matching targets for this environment/tenant/machine filter."""
        out = []
        for step in project.steps or [_DEFAULT_STEP]:
            skipped = step.is_disabled or step.action_id in (deployment.skip_actions or [])
            machines = self.machines_for_step(step, deployment) if step.roles else []
            names = [m.name for m in machines] if step.roles else [self.worker_name]
            out.append({"step": step, "skipped": skipped, "machines": machines, "target_names": names})
        return out

    def machines_for_step(self, step, deployment, disabled=False):
        """The step's targets for the deployment (with `disabled`, the disabled ones instead)."""
        specific = set(deployment.specific_machine_ids or [])
        excluded = set(deployment.excluded_machine_ids or [])
        out = []
        for machine in self.by_type.get("Machines", []):
            if machine.is_disabled != disabled or deployment.environment_id not in machine.environment_ids:
                continue
            if not set(step.roles) & set(machine.roles):
                continue
            if deployment.tenant_id and deployment.tenant_id not in machine.tenant_ids:
                continue
            if (specific and machine.id not in specific) or machine.id in excluded:
                continue
            out.append(machine)
        return sorted(out, key=lambda m: m.name.lower())


def _locked(method):
    """Builder calls take the world lock, so a test may build while the server answers."""
    def call(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)
    call.__name__, call.__doc__ = method.__name__, method.__doc__
    return call


def _lock_builders(cls):
    for klass in cls.__mro__:
        for name, value in list(vars(klass).items()):
            if callable(value) and name.startswith(("add_", "set_", "modify_", "join_", "snapshot_")):
                setattr(cls, name, _locked(value))
    return cls


def _not_yet_due(task, now):
    return task.state == "Queued" and task.not_before is not None and task.not_before > now


def created_key(deployment):
    return (deployment.created, _number(deployment.id))


def _number(document_id):
    try:
        return int(document_id.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def _guid(*parts):
    import uuid
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "octopus-sim/" + "/".join(parts)))


class _DefaultStep:
    """Stands in for a project without steps: one script step on a worker."""
    name = "Run a Script"
    roles = []
    packages = []
    is_disabled = False
    action_id = "00000000-0000-0000-0000-000000000001"
    action_type = "Octopus.Script"
    number = "1"


_DEFAULT_STEP = _DefaultStep()
_lock_builders(World)
__all__ = ["World", "Approval", "DEFAULT_API_KEY", "timedelta"]
