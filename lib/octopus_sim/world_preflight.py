"""What Octopus refuses before it deploys: permissions, deployment freezes, target health.

Permissions. Every user holds every permission, unrestricted, in the spaces they can see (the
simulator's administrator), until a scenario narrows the API key's user:
`world.scope_api_user(permission, projects=..., project_groups=..., environments=...,
tenants=...)` adds one grant (one team's scope; names or ids) and, from the first call on, the
user holds that permission only within the grants given. `world.revoke_api_user(permission)`
takes it away altogether. `GET /api/users/{id}/permissions` shows the same grants that the
create call and the interruption routes enforce (403, `Missing permission: <Name>`).

Freezes. `world.add_deployment_freeze(name, start, end, projects={project: [environments]},
tenants=[(tenant, project, environment)], recurring={...RecurringSchedule fields...})`. While a
freeze holds a project's environment (and tenant), creating a deployment there is refused (400,
`The environment <Env> is frozen by freeze <Name>.`) unless it goes through
`POST /api/{space}/deployments/override` naming the freeze, and a scheduled deployment that
would start inside it fails. Recurrence is worked out here by walking the days from the
freeze's start, deliberately unlike the step's closed-form rule, so the two check each other.

Targets. `world.set_machine_health(machine, status, is_disabled=False)`: the deployment preview
lists a disabled target under `ExcludedMachines` and an `Unavailable` one under
`UnavailableMachines`; others stay in `Machines` with their `HealthStatus`.
"""

from datetime import datetime, timedelta, timezone

from .clock import iso, parse_date

SPACE_PERMISSIONS = (
    "ProjectView", "ProcessView", "EnvironmentView", "ReleaseView", "DeploymentView",
    "DeploymentCreate", "TaskView", "TaskCancel", "InterruptionView", "InterruptionSubmit",
    "InterruptionViewSubmitResponsible", "MachineView", "TenantView", "EventView", "ReleaseEdit")
SYSTEM_PERMISSIONS = ("SpaceView", "UserView", "TeamView", "EventView",
                      "DeploymentFreezeAdminister")
MISSING = ("You do not have permission to perform this action. Please contact your Octopus "
           "administrator. Missing permission: %s")
WEEK = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


class PreflightMixin:
    """The World's builder calls and queries for permissions, freezes and target health."""

    def scope_api_user(self, permission, projects=(), project_groups=(), environments=(),
                       tenants=()):
        with self.lock:
            space = self.default_space.id
            self.grants.setdefault(permission, []).append({
                "RestrictedToProjectIds": [self._resolve("Projects", p, space).id for p in projects],
                "RestrictedToProjectGroupIds": [self._resolve("ProjectGroups", g, space).id
                                                for g in project_groups],
                "RestrictedToEnvironmentIds": [self.env(e, space).id for e in environments],
                "RestrictedToTenantIds": [self._resolve("Tenants", t, space).id for t in tenants],
            })

    def revoke_api_user(self, permission):
        with self.lock:
            self.grants[permission] = None

    def holds(self, user, permission, project=None, environment_id=None, tenant_id=None):
        """Whether `user` may act; only the API key's user is ever narrowed."""
        grants = self.grants.get(permission, []) if user is self.api_user else []
        if grants is None:
            return False
        return not grants or any(_grant_allows(self, g, project, environment_id, tenant_id)
                                 for g in grants)

    def permission_set(self, user, space_ids, include_system):
        """The user's permission set as `GET users/{id}/permissions` shows it."""
        grants = self.grants if user is self.api_user else {}
        spaces = {}
        for name in SPACE_PERMISSIONS:
            given = grants.get(name, [])
            if given is not None:
                spaces[name] = [dict(g, SpaceId=s) for s in space_ids for g in (given or [{
                    "RestrictedToProjectIds": [], "RestrictedToProjectGroupIds": [],
                    "RestrictedToEnvironmentIds": [], "RestrictedToTenantIds": []}])]
        system = [n for n in SYSTEM_PERMISSIONS if grants.get(n, []) is not None]
        return {"Id": user.id, "SpacePermissions": spaces,
                "SystemPermissions": system if include_system else [],
                "Teams": [], "IsPermissionsComplete": True, "IsTeamsComplete": True,
                "Links": {"Self": "/api/users/%s/permissions" % user.id}}

    def add_deployment_freeze(self, name, start, end, projects=None, tenants=None, recurring=None):
        space = self.default_space.id
        scope = {self._resolve("Projects", p, space).id: [self.env(e, space).id for e in envs]
                 for p, envs in (projects or {}).items()}
        tenanted = [{"TenantId": self._resolve("Tenants", t, space).id,
                     "ProjectId": self._resolve("Projects", p, space).id,
                     "EnvironmentId": self.env(e, space).id} for t, p, e in tenants or ()]
        if recurring is not None:
            recurring = dict({"Unit": 1, "EndType": "Never", "UserUtcOffsetInMinutes": 0},
                             **recurring)
            if isinstance(recurring.get("EndOnDate"), datetime):
                recurring["EndOnDate"] = iso(recurring["EndOnDate"])
        freeze = {"Id": self.new_id("DeploymentFreezes"), "Name": name, "Description": "",
                  "Start": iso(start), "End": iso(end), "ProjectEnvironmentScope": scope,
                  "TenantProjectEnvironmentScope": tenanted, "RecurringSchedule": recurring,
                  "OwnerId": None, "_start": start, "_end": end}
        self.freezes.append(freeze)
        return freeze

    def freezes_holding(self, project_id, environment_id, tenant_id, moment):
        """The freezes that stop a deployment of the project there at `moment`."""
        return [f for f in self.freezes if _in_scope(f, project_id, environment_id, tenant_id)
                and any(opened <= moment < closed for opened, closed in _windows(f, moment))]

    def set_machine_health(self, machine, status, is_disabled=False):
        machine = self._resolve("Machines", machine, None)
        machine.health_status, machine.is_disabled = status, is_disabled
        return machine


def _grant_allows(world, grant, project, environment_id, tenant_id):
    projects, groups = grant["RestrictedToProjectIds"], grant["RestrictedToProjectGroupIds"]
    tenants, environments = grant["RestrictedToTenantIds"], grant["RestrictedToEnvironmentIds"]
    if (projects or groups) and (project is None or (
            project.id not in projects and project.project_group_id not in groups)):
        return False
    if environments and environment_id not in environments:
        return False
    return not tenants or tenant_id in tenants


def _in_scope(freeze, project_id, environment_id, tenant_id):
    if environment_id in freeze["ProjectEnvironmentScope"].get(project_id, ()):
        return True
    return any(s == {"TenantId": tenant_id, "ProjectId": project_id,
                     "EnvironmentId": environment_id}
               for s in freeze["TenantProjectEnvironmentScope"])


def _windows(freeze, until):
    """Every window of the freeze that opens no later than `until`, walking day by day."""
    start, length = freeze["_start"].astimezone(timezone.utc), freeze["_end"] - freeze["_start"]
    rule = freeze["RecurringSchedule"]
    if not rule:
        return [(start, start + length)]
    shift = timedelta(minutes=rule.get("UserUtcOffsetInMinutes", 0))
    local, windows, day = start + shift, [], (start + shift).date()
    while True:
        if rule.get("EndType") == "AfterOccurrences" and len(windows) >= rule["EndAfterOccurrences"]:
            return windows
        if rule.get("EndType") == "OnDate" and day > (parse_date(rule["EndOnDate"]) + shift).date():
            return windows
        opened = datetime.combine(day, local.time(), timezone.utc) - shift
        if opened > until:
            return windows
        if _opens(rule, local.date(), day):
            windows.append((opened, opened + length))
        day += timedelta(days=1)


def _opens(rule, first, day):
    every, kind = rule.get("Unit", 1), rule["Type"]
    if kind == "Daily":
        return (day - first).days % every == 0
    if kind == "Weekly":
        sunday = [d - timedelta(days=(d.weekday() + 1) % 7) for d in (first, day)]
        return (WEEK[(day.weekday() + 1) % 7] in rule["DaysOfWeek"]
                and ((sunday[1] - sunday[0]).days // 7) % every == 0)
    if kind == "Annually":
        return (day.month, day.day) == (first.month, first.day) and \
            (day.year - first.year) % every == 0
    if ((day.year - first.year) * 12 + day.month - first.month) % every:
        return False
    if rule.get("MonthlyScheduleType") == "DateOfMonth":
        return day.day == int(rule["DateOfMonth"])
    if WEEK[(day.weekday() + 1) % 7] != rule["DayOfWeek"]:
        return False
    if rule["DayNumberOfMonth"] == "L":
        return (day + timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 + 1 == int(rule["DayNumberOfMonth"])


def render_freeze(freeze):
    return {k: v for k, v in freeze.items() if not k.startswith("_")}

