"""The sample suite (the Octopus blog's release-orchestration example).

Deterministic: the same ids, versions and history every time, with times relative to the clock's
now (the history starts 30 days before it, one deployment an hour). The README lists exactly what is created; end-to-end
tests rely on it, so change both together.
"""

from datetime import timedelta

from .model import BuildInformation, Commit, Phase, ProcessStep, PromptedVariable, WorkItem

ENVIRONMENTS = ["Development", "Test", "Staging", "Prod Approval", "Production"]
CHILDREN = {
    "Database": {"roles": [], "package": "Database", "step": "Deploy Database Changes"},
    "Scheduling Service": {"roles": ["scheduling-service"], "package": "SchedulingService",
                           "step": "Deploy Scheduling Service"},
    "Web API": {"roles": ["web-api"], "package": "WebAPI", "step": "Deploy Web API"},
    "Web UI": {"roles": ["web-ui"], "package": "WebUI", "step": "Deploy Web UI"},
}
TARGETS = [("s-app-service-01", "scheduling-service"), ("s-web-api-01", "web-api"), ("s-web-api-02", "web-api"),
           ("s-web-ui-01", "web-ui"), ("s-web-ui-02", "web-ui")]
TARGET_ENVIRONMENTS = ["Development", "Test", "Staging", "Production"]

# (project, version, [(environment, state)]) in the order they happened.
HISTORY = [
    ("Database", "2021.1.0.1", ["Development", "Test", "Staging", "Production"]),
    ("Scheduling Service", "2021.1.0.1", ["Development", "Test", "Staging", "Production"]),
    ("Scheduling Service", "2021.1.0.2", ["Development", "Test", "Staging", "Production"]),
    ("Web API", "2021.1.0.1", ["Development", "Test", "Staging", "Production"]),
    ("Web UI", "2021.1.0.1", ["Development", "Test", "Staging", "Production"]),
    ("Database", "2021.1.1.1", ["Development", "Test", "Staging"]),
    ("Scheduling Service", "2021.1.1.1", ["Development", "Test", "Staging"]),
    ("Web API", "2021.1.1.1", ["Development", "Test", "Staging"]),
    ("Web UI", "2021.1.1.1", ["Development", "Test", "Staging"]),
    ("Web API", "2021.1.1.2", ["Development", "Test"]),
    ("Web UI", "2021.1.1.2", ["Development", "Test:Failed"]),
]


class SampleSuite:
    """The created documents by name: `suite.projects["Web API"]`, `suite.environments["Staging"]`."""

    def __init__(self):
        self.environments, self.projects, self.machines, self.releases = {}, {}, {}, {}
        self.deployments = []
        self.lifecycle = self.parent = self.parent_release = self.group = None
        self.approvers = self.approver = None


def load_sample_suite(sim_or_world):
    """Fill the simulator's world (default space) with the sample suite; returns a SampleSuite."""
    world = getattr(sim_or_world, "world", sim_or_world)
    suite = SampleSuite()
    with world.lock:
        for name in ENVIRONMENTS:
            suite.environments[name] = world.add_environment(name)
        suite.lifecycle = world.add_lifecycle("Default Lifecycle", [
            Phase(name, optional=[name], is_optional=(name == "Prod Approval")) for name in ENVIRONMENTS])
        for machine, role in TARGETS:
            suite.machines[machine] = world.add_machine(machine, roles=[role], environments=TARGET_ENVIRONMENTS)
        for name, spec in CHILDREN.items():
            suite.projects[name] = _child(world, suite, name, spec)
        suite.group = world.add_project_group("Platform", projects=[suite.projects[n] for n in CHILDREN],
                                              description="The four sample children, promoted as one set.")
        _people(world, suite)
        _parent(world, suite)
        _history(world, suite)
    return suite


def _child(world, suite, name, spec):
    prompted = [PromptedVariable("WebUI.BannerText", "Banner text", required=False, default="")] \
        if name == "Web UI" else []
    return world.add_project(name, suite.lifecycle, steps=[
        ProcessStep(spec["step"], roles=spec["roles"], packages=[spec["package"]])],
        prompted_variables=prompted, description="Sample child project %s." % name)


def _people(world, suite):
    suite.approvers = world.add_team("Release Approvers", members=[world.api_user])
    suite.approver = world.add_user("bob.approver", display_name="Bob Approver", teams=[suite.approvers])


def _parent(world, suite):
    steps = [ProcessStep("Deploy %s" % name) for name in CHILDREN]
    suite.parent = world.add_project("Release Orchestration", suite.lifecycle, steps=steps,
                                     description="Parent project that deploys the sample children.")
    suite.projects["Release Orchestration"] = suite.parent


def _build_info(project, package, version):
    if project not in ("Web API", "Web UI") or not version.startswith("2021.1.1"):
        return []
    number = version.rsplit(".", 1)[1]
    slug = project.lower().replace(" ", "-")
    item = WorkItem("%s-%s" % (slug.upper().replace("-", ""), number), "Improve %s (%s)" % (project, version),
                    "https://github.com/example/%s/issues/%s" % (slug, number))
    change = Commit("%s%s" % ("a1b2c3d4e5f6"[:11], number), "Update %s to %s" % (project, version),
                    "https://github.com/example/%s/commit/a1b2c3d4e5f%s" % (slug, number))
    return [BuildInformation(package, version, [item], [change], build_number=version)]


def _history(world, suite):
    moment = world.clock.now() - timedelta(days=30)
    hour = timedelta(hours=1)
    for project_name, version, envs in HISTORY:
        release = _release(world, suite, project_name, version, moment)
        for entry in envs:
            moment += hour
            env, _, state = entry.partition(":")
            suite.deployments.append(world.add_deployment(release, suite.environments[env], state=state or "Success",
                                                          created=moment, duration_seconds=45))
        moment += hour
    _parent_history(world, suite, moment)


def _release(world, suite, project_name, version, moment):
    project = suite.projects[project_name]
    package = CHILDREN[project_name]["package"]
    release = world.add_release(project, version, notes="%s %s release notes." % (project_name, version),
                                build_information=_build_info(project_name, package, version), created=moment)
    suite.releases[(project_name, version)] = release
    return release


def _parent_history(world, suite, moment):
    """Parent 2021.1.0 went to Production; 2021.1.1 reached Prod Approval, approved by Bob."""
    from .model import Approval
    hour = timedelta(hours=1)
    old = _release_at(world, suite, "2021.1.0", moment)
    for env in ["Development", "Test", "Staging", "Production"]:
        moment += hour
        suite.deployments.append(world.add_deployment(old, suite.environments[env], created=moment,
                                                      duration_seconds=300))
    new = _release_at(world, suite, "2021.1.1", moment + hour)
    suite.parent_release = new
    for env in ["Development", "Test", "Staging", "Prod Approval"]:
        moment += hour * 2
        approvals = [Approval(suite.approver, "Proceed", at=moment + timedelta(minutes=2),
                              team_ids=[suite.approvers.id], notes="Approved for production.")] \
            if env == "Prod Approval" else None
        suite.deployments.append(world.add_deployment(new, suite.environments[env], created=moment,
                                                      duration_seconds=300, approvals=approvals))


def _release_at(world, suite, version, moment):
    release = world.add_release(suite.parent, version, notes="Release Orchestration %s." % version, created=moment)
    suite.releases[("Release Orchestration", version)] = release
    return release
