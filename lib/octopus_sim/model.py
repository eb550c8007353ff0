"""The simulated server's documents, named as Octopus names them.

Builder inputs (`Phase`, `ProcessStep`, `PromptedVariable`, `TaskScript`, `InterruptionPlan`,
`Approval`, `BuildInformation`, `WorkItem`, `Commit`) are what scenarios write; the other classes
are the stored documents that `render.py` turns into the JSON the real server sends. Stored
documents compare and hash by identity, so they can key dicts (`projects={project: [...]}`).
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

# -- builder inputs -------------------------------------------------------------------------


@dataclass
class Phase:
    """A lifecycle phase; environments may be objects or names (resolved when added)."""
    name: str
    automatic: list = field(default_factory=list)
    optional: list = field(default_factory=list)
    is_optional: bool = False
    minimum_environments_before_promotion: int = 0
    is_priority: bool = False


@dataclass
class ProcessStep:
    """A deployment process step. No roles means it runs once on a worker (or the server)."""
    name: str
    roles: list = field(default_factory=list)
    packages: list = field(default_factory=list)
    is_disabled: bool = False
    action_type: str = "Octopus.Script"
    action_id: str = ""
    number: str = ""


@dataclass
class PromptedVariable:
    """A prompted project variable: a deployment preview form element, maybe required."""
    name: str
    label: str = ""
    required: bool = False
    default: str = ""
    id: str = ""


@dataclass
class WorkItem:
    id: str
    title: str = ""
    link_url: str = ""
    source: str = "GitHub"


@dataclass
class Commit:
    id: str
    comment: str = ""
    link_url: str = ""


@dataclass
class BuildInformation:
    """Build information for one package version of a release."""
    package_id: str
    version: str
    work_items: list = field(default_factory=list)
    commits: list = field(default_factory=list)
    branch: str = "main"
    build_number: str = ""
    build_url: str = ""
    vcs_type: str = "Git"
    vcs_root: str = ""
    build_environment: str = "GitHub Actions"


@dataclass
class InterruptionPlan:
    """Where a task stops for a person: `at_seconds` of running time into the task."""
    kind: str = "ManualIntervention"
    at_seconds: float = 1.0
    responsible_team_ids: list = field(default_factory=list)
    instructions: str = "Please approve this deployment."
    title: str = ""


@dataclass
class TaskScript:
    """How a deployment task created through the API behaves on the simulated clock."""
    queue_seconds: float = 0.0
    run_seconds: float = 5.0
    outcome: str = "Success"
    interruptions: list = field(default_factory=list)
    log_lines: list = field(default_factory=list)
    error_message: str = ""
    warnings: bool = False
    cancel_seconds: float = 1.0


@dataclass
class Approval:
    """A manual intervention already answered on a historical (parent) deployment."""
    user: object
    result: str = "Proceed"
    at: object = None
    notes: str = ""
    team_ids: list = field(default_factory=list)
    instructions: str = "Approve the release."

# -- stored documents -----------------------------------------------------------------------


@dataclass(eq=False)
class Space:
    id: str
    name: str
    slug: str
    is_default: bool = False
    description: str = ""


@dataclass(eq=False)
class ProjectGroup:
    """A folder of projects; every space has a "Default Project Group" new projects land in."""
    id: str
    name: str
    space_id: str
    description: str = ""


@dataclass(eq=False)
class Environment:
    id: str
    name: str
    space_id: str
    sort_order: int = 0
    use_guided_failure: bool = False
    description: str = ""
    slug: str = ""


@dataclass(eq=False)
class StoredPhase:
    id: str
    name: str
    automatic_ids: List[str]
    optional_ids: List[str]
    is_optional: bool
    minimum: int
    is_priority: bool = False

    @property
    def environment_ids(self):
        return self.automatic_ids + [e for e in self.optional_ids if e not in self.automatic_ids]


@dataclass(eq=False)
class Lifecycle:
    id: str
    name: str
    space_id: str
    phases: List[StoredPhase]
    slug: str = ""
    description: str = ""


@dataclass(eq=False)
class Project:
    id: str
    name: str
    slug: str
    space_id: str
    lifecycle_id: str
    tenanted_mode: str = "Untenanted"
    guided_failure_mode: str = "EnvironmentDefault"
    steps: list = field(default_factory=list)
    prompted_variables: list = field(default_factory=list)
    is_disabled: bool = False
    description: str = ""
    process_version: int = 1
    variables_version: int = 1
    project_group_id: str = "ProjectGroups-1"

    @property
    def deployment_process_id(self):
        return "deploymentprocess-" + self.id

    @property
    def variable_set_id(self):
        return "variableset-" + self.id


@dataclass(eq=False)
class Channel:
    id: str
    name: str
    project_id: str
    space_id: str
    lifecycle_id: Optional[str] = None
    is_default: bool = False
    description: str = ""


@dataclass(eq=False)
class Tenant:
    id: str
    name: str
    space_id: str
    project_environments: Dict[str, List[str]] = field(default_factory=dict)
    tenant_tags: list = field(default_factory=list)
    is_disabled: bool = False


@dataclass(eq=False)
class Machine:
    id: str
    name: str
    space_id: str
    roles: List[str] = field(default_factory=list)
    environment_ids: List[str] = field(default_factory=list)
    tenant_ids: List[str] = field(default_factory=list)
    is_disabled: bool = False
    health_status: str = "Healthy"

    @property
    def participation(self):
        return "TenantedOrUntenanted" if self.tenant_ids else "Untenanted"


@dataclass(eq=False)
class Release:
    id: str
    space_id: str
    project_id: str
    channel_id: str
    version: str
    assembled: object
    notes: Optional[str] = None
    selected_packages: list = field(default_factory=list)     # dicts ActionName/PackageReferenceName/Version
    build_information: list = field(default_factory=list)
    process_snapshot_id: str = ""
    variable_snapshot_id: str = ""
    variables_version: int = 1
    last_modified_on: object = None


@dataclass(eq=False)
class Deployment:
    id: str
    space_id: str
    release_id: str
    environment_id: str
    project_id: str
    channel_id: str
    task_id: str
    created: object
    tenant_id: Optional[str] = None
    name: str = ""
    form_values: dict = field(default_factory=dict)
    specific_machine_ids: list = field(default_factory=list)
    excluded_machine_ids: list = field(default_factory=list)
    skip_actions: list = field(default_factory=list)
    force_package_download: bool = False
    force_package_redeployment: bool = False
    use_guided_failure: bool = False
    queue_time: object = None
    queue_time_expiry: object = None
    comments: Optional[str] = None
    deployed_by: str = "System"
    deployed_by_id: Optional[str] = None
    process_snapshot_id: str = ""
    priority: str = "LifecycleDefault"
    machine_ids: list = field(default_factory=list)
    overridden_freeze_ids: set = field(default_factory=set)     # lower-case freeze ids


@dataclass(eq=False)
class Interruption:
    id: str
    space_id: str
    task_id: str
    kind: str
    title: str
    created: object
    instructions: str
    correlation_id: str
    related_document_ids: list
    responsible_team_ids: list = field(default_factory=list)
    responsible_user_id: Optional[str] = None
    is_pending: bool = True
    values: dict = field(default_factory=dict)


@dataclass(eq=False)
class Event:
    id: str
    space_id: Optional[str]
    category: str
    message: str
    occurred: object
    user_id: str = "users-system"
    username: str = "system"
    related_document_ids: list = field(default_factory=list)
    comments: Optional[str] = None
    number: int = 0


@dataclass(eq=False)
class Team:
    id: str
    name: str
    space_id: Optional[str]
    member_user_ids: list = field(default_factory=list)
    description: str = ""


@dataclass(eq=False)
class User:
    id: str
    username: str
    display_name: str
    email: str = ""
    api_keys: list = field(default_factory=list)
    can_take_responsibility: bool = True
    is_service: bool = False
    read_only: bool = False
    space_ids: Optional[list] = None          # None: every space
    created: object = None

    @property
    def name(self):
        return self.username
