"""One parse of every parameter into a frozen Settings value; every problem is collected into one
ConfigurationError, and nothing talks to Octopus before this succeeds.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Tuple

from ..base.errors import ConfigurationError
from ..rules.scheduling import parse_schedule
from ..rules.rings import Ring, parse_rings
from ..train.waves import Wave, parse_waves
from .parameters import PARAMETERS
from .values import PromptedValue, convert, quoted, split_credentials


@dataclass(frozen=True)
class ParentContext:
    """What Octopus tells the step about the parent deployment (system variables)."""

    server_uri: str = ""
    space_id: str = ""
    space_name: str = ""
    project_id: str = ""
    project_name: str = ""
    release_id: str = ""
    release_number: str = ""
    channel_id: str = ""
    environment_id: str = ""
    environment_name: str = ""
    deployment_id: str = ""
    tenant_id: str = ""
    tenant_name: str = ""
    task_id: str = ""
    specific_machines: Tuple[str, ...] = ()
    excluded_machines: Tuple[str, ...] = ()
    machines: Tuple[str, ...] = ()
    step_name: str = ""                 # this step's name (Octopus.Action.Name)


@dataclass(frozen=True)
class Settings:
    """Every parameter, typed; the API key is left out of repr so it cannot reach a log."""

    server_url: str
    api_key: str = field(repr=False)
    space_name: str
    project_name: str
    release_pattern: str            # blank, an exact version, or a pattern with '*'
    not_found_handling: str         # Error | Warning | Skip
    destination_environment: str
    source_environment: str         # blank: the lifecycle phase before the destination
    channel_name: str               # blank: the project's default channel
    tenant_name: str                # blank: untenanted
    prompted_variables: Tuple[PromptedValue, ...]
    deployment_mode: str            # Promote | Redeploy | AlwaysLatest
    refresh_variable_snapshot: bool
    target_machines: Tuple[str, ...]    # names or Machines- ids; empty: not used
    ignore_machine_mismatch: bool
    save_release_notes: bool
    what_if: bool
    wait_for_finish: bool
    enhanced_logging: bool
    timeout_seconds: int            # counted from the child deployment's creation
    schedule: str                   # raw text; blank: deploy now (parsed by scheduling.py)
    auto_approve: bool
    approval_environment: str
    approval_tenant: str
    cancel_on_timeout: bool
    schedule_expiry_minutes: int
    skip_steps: Tuple[str, ...]
    force_package_download: bool
    trusted_certificate: str = field(repr=False)
    parent: ParentContext = ParentContext()
    queue_time: object = None       # UTC datetime parsed from `schedule`; None: deploy now
    queue_reason: str = ""
    # (user, password) from a Base Url, kept apart so no URL built from server_url holds them.
    server_credentials: object = field(default=None, repr=False)
    # The release train; the defaults are a one-child step.
    train_parallelism: int = 4
    train_failure_policy: str = "Stop"      # Stop | Continue | RollBack
    pinned_versions: Tuple[Tuple[str, str], ...] = ()     # (project, version), as given
    waves: Tuple["Wave", ...] = ()          # from *Child Project Name*, top to bottom
    freeze_override_reason: str = ""        # blank: a deployment freeze stops the child
    rings: Tuple["Ring", ...] = ()          # from *Tenant Name*
    ring_pause_minutes: int = 0
    approved_plan: object = None            # ChildLines; None: decide as today
    pin: str = ""                           # "Project::Version" when this child is pinned...
    pinned_by: str = ""                     # ...by this parameter ('"Pinned versions"')

    @property
    def is_rings(self):
        return bool(self.rings)

    @property
    def is_train(self):
        return describes_train(self.waves)

    def pinned_version(self, project_name):
        """The version pinned for `project_name` (case ignored), or "" when none is."""
        wanted = project_name.strip().lower()
        return next((v for p, v in self.pinned_versions if p.strip().lower() == wanted), "")


def is_unresolved(value):
    """An Octostache reference Octopus could not resolve arrives as its own text."""
    text = value.strip()
    return text.startswith("#" + "{") and text.endswith("}")


def read_value(read, row):
    """The parameter's text, falling back to its default and to the system variable it names.
    A cleared *Tenant Name* stays blank (untenanted), as in v29."""
    value = read(row.name)
    if is_unresolved(value) and row.kind != "plan":     # a plan bound to nothing is no plan
        value = ""
    if not value.strip() and row.system_default and row.field != "tenant_name":
        value = read(row.system_default)
        value = "" if is_unresolved(value) else value
    if not value.strip():
        value = row.default
    return value


def parse_settings(read, now=None, local_zone=None):
    """Settings from `read(name)`, or one ConfigurationError listing all problems (no `now`: the
    schedule is not read)."""
    problems = []
    values = {}
    for row in PARAMETERS:
        raw = read_value(read, row)
        found = len(problems)
        values[row.field] = convert(row, raw, problems)
        if len(problems) > found and is_unresolved(read(row.name)):
            problems[-1] += (" It was set to {0}, a variable Octopus could not resolve; check its "
                             "name and scope.".format(quoted(read(row.name).strip())))
    queue_time, queue_reason = None, ""
    if values.get("schedule") and now is not None:
        try:
            queue_time, queue_reason = parse_schedule(values["schedule"], now, local_zone)
            _check_expiry_fits(queue_time, values.get("schedule_expiry_minutes"))
        except ValueError as problem:
            problems.append(str(problem))
    waves = parse_waves(values.get("project_name") or "", problems)
    rings = parse_rings(values.get("tenant_name") or "", problems)
    if problems:
        raise ConfigurationError(problems)
    values["server_url"], credentials = split_credentials(values["server_url"])
    values["project_name"] = _single_name(waves, values["project_name"])
    return Settings(parent=parse_parent(read), queue_time=queue_time, queue_reason=queue_reason,
                    server_credentials=credentials, waves=waves, rings=rings, **values)


def describes_train(waves, rings=()):
    """More than one child, a project group or tenant rings: a train. One name is today's step."""
    return bool(rings) or len(waves) > 1 or any(w.group or len(w.names) > 1 for w in waves)


def train_described(variable):
    """Whether the unparsed parameters describe a train."""
    return describes_train(parse_waves(variable("ChildProject.Project.Name"), []),
                           parse_rings(variable("ChildProject.Tenant.Name"), []))


def _single_name(waves, text):
    """One name alone is today's step: its project name, trimmed as before."""
    if len(waves) == 1 and not waves[0].group and len(waves[0].names) == 1:
        return waves[0].names[0]
    return text.strip()


def _check_expiry_fits(queue_time, expiry_minutes):
    """A queue expiry past year 9999 cannot be sent to Octopus."""
    try:
        queue_time + timedelta(minutes=expiry_minutes or 0)
    except OverflowError:
        raise ValueError('"Scheduling" is too far in the future (got {0}).'.format(
            quoted(queue_time.strftime("%Y-%m-%d %H:%M"))))


def parse_parent(read):
    """The parent deployment's system variables, with machine lists split into ids."""
    def text(name):
        value = read(name)
        return "" if is_unresolved(value) else value.strip()

    def ids(name):
        return tuple(item.strip() for item in text(name).split(",") if item.strip())

    return ParentContext(
        server_uri=_without_credentials(text("Octopus.Web.ServerUri")),
        space_id=text("Octopus.Space.Id"),
        space_name=text("Octopus.Space.Name"), project_id=text("Octopus.Project.Id"),
        project_name=text("Octopus.Project.Name"), release_id=text("Octopus.Release.Id"),
        release_number=text("Octopus.Release.Number"),
        channel_id=text("Octopus.Release.Channel.Id"),
        environment_id=text("Octopus.Environment.Id"),
        environment_name=text("Octopus.Environment.Name"),
        deployment_id=text("Octopus.Deployment.Id"), tenant_id=text("Octopus.Deployment.Tenant.Id"),
        tenant_name=text("Octopus.Deployment.Tenant.Name"), task_id=text("Octopus.Task.Id"),
        specific_machines=ids("Octopus.Deployment.SpecificMachines"),
        excluded_machines=ids("Octopus.Deployment.ExcludedMachines"),
        machines=ids("Octopus.Deployment.Machines"), step_name=text("Octopus.Action.Name"))


def _without_credentials(url):
    try:
        return split_credentials(url)[0]    # a `user:password@` is never kept
    except ValueError:
        return ""
