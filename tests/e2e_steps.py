"""What end-to-end tests share: the simulator's key, the step runner, the deployments a run made.

The built step body runs as the parent project "Release Orchestration" deploying its release
2021.1.1 to the destination environment; its clock is the simulator's, so waiting advances
simulated time instead of sleeping. (A plain module, not conftest.py, so tests can import it.)
"""

import os
import re

from harness import built_body, run_body, start_body
from datetime import timedelta

from child_deploy.shell.parameters import PARAMETERS
from octopus_sim import Phase, TaskScript

SIM_KEY = "API-SIMULATORKEY0000000000000000"
BODY = built_body()


class StepRunner:
    """Runs the built body with parameters and the parent's system variables; keeps every run."""

    def __init__(self, sim, suite, tmp_path):
        self.sim, self.suite, self.tmp_path = sim, suite, tmp_path
        self.runs = []
        self.parent_deployments = {}

    def parent_variables(self, environment, tenant=None):
        """System variables of a running parent deployment of 2021.1.1 to `environment`."""
        world, suite = self.sim.world, self.suite
        key = (environment, tenant and tenant.id)
        if key not in self.parent_deployments:
            world.set_task_script(suite.parent, TaskScript(run_seconds=10 ** 7))
            self.parent_deployments[key] = world.add_deployment(
                suite.parent_release, suite.environments[environment], tenant=tenant, state="Executing")
        deployment = self.parent_deployments[key]
        variables = {
            "Octopus.Web.ServerUri": self.sim.url, "Octopus.Space.Id": "Spaces-1",
            "Octopus.Space.Name": "Default", "Octopus.Project.Id": suite.parent.id,
            "Octopus.Project.Name": suite.parent.name, "Octopus.Release.Id": suite.parent_release.id,
            "Octopus.Release.Number": suite.parent_release.version,
            "Octopus.Release.Channel.Id": suite.parent_release.channel_id,
            "Octopus.Environment.Id": suite.environments[environment].id,
            "Octopus.Environment.Name": environment, "Octopus.Deployment.Id": deployment.id,
            "Octopus.Task.Id": deployment.task_id,
        }
        if tenant is not None:
            variables.update({"Octopus.Deployment.Tenant.Id": tenant.id,
                              "Octopus.Deployment.Tenant.Name": tenant.name})
        return variables

    def variables(self, project, destination, parent_environment=None, parent_tenant=None, **params):
        variables = self.parent_variables(parent_environment or destination, parent_tenant)
        variables.update({
            "ChildProject.Web.ServerUrl": self.sim.url, "ChildProject.Api.Key": SIM_KEY,
            "ChildProject.Space.Name": "Default", "ChildProject.Project.Name": project,
            "ChildProject.Destination.EnvironmentName": destination,
        })
        variables.update({"ChildProject." + name: value for name, value in params.items()})
        return variables

    def __call__(self, project, destination, system=None, parent_environment=None,
                 parent_tenant=None, extra_env=None, **params):
        """Run the step once; `params` are parameter names without the `ChildProject.` prefix."""
        variables = self.variables(project, destination, parent_environment, parent_tenant, **params)
        variables.update(system or {})
        return self.run_variables(variables, extra_env=extra_env)

    def run_variables(self, variables, extra_env=None):
        variables = dict(variables)
        for row in PARAMETERS:  # a parameter left alone arrives as its default, evaluated
            if row.system_default in variables and row.name not in variables:
                variables[row.name] = variables[row.system_default]
        work_dir = str(self.tmp_path / "run{0}".format(len(self.runs) + 1))
        run = run_body(BODY, variables, work_dir, clock_url=self.sim.url, extra_env=extra_env)
        self.runs.append(run)
        return run

    def start(self, project, destination, **params):
        """Start the step without waiting (a harness.RunningStep); `finish()` keeps its run."""
        variables = self.variables(project, destination, **params)
        self.started = getattr(self, "started", 0) + 1
        work_dir = str(self.tmp_path / "started{0}".format(self.started))
        running = start_body(BODY, variables, work_dir, clock_url=self.sim.url)
        finish = running.finish

        def finish_and_keep(timeout=120):
            run = finish(timeout)
            self.runs.append(run)
            return run

        running.finish = finish_and_keep
        return running


def created_deployments(sim, suite, project, environment):
    """Deployments of `project` to `environment` created after the sample history (by the step)."""
    history = {d.id for d in suite.deployments}
    return [d for d in sim.world.deployments_for(suite.projects[project], suite.environments[environment])
            if d.id not in history]



def key_leaks(run, key=SIM_KEY):
    """Where `key` shows up in a run, in any case: printed, published, saved or reported."""
    places = {"stdout": run.stdout, "stderr": run.stderr, "result message": run.result_message or "",
              "outputs": "\n".join(run.outputs.values()),
              "progress": "\n".join(message for _percent, message in run.progress),
              "artifact names": "\n".join(name for _path, name in run.artifacts)}
    for path, name in run.artifacts:
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                places["artifact " + name] = handle.read()
    return sorted(place for place, text in places.items() if key.lower() in text.lower())


def child_in_another_space(sim, project_name, environment_names, version):
    """A space "Platform Team" with its own environments (one phase each), a child project and a
    release of it that succeeded in the first environment; returns (space, environments, project)."""
    world = sim.world
    space = world.add_space("Platform Team")
    environments = {name: world.add_environment(name, space=space) for name in environment_names}
    lifecycle = world.add_lifecycle("Platform", [Phase(n, optional=[n]) for n in environments], space=space)
    project = world.add_project(project_name, lifecycle, space=space)
    release = world.add_release(project, version, created=sim.clock.now() - timedelta(hours=5))
    world.add_deployment(release, environments[environment_names[0]],
                         created=sim.clock.now() - timedelta(hours=4))
    return space, environments, project


def ago(sim, hours):
    return sim.clock.now() - timedelta(hours=hours)


def deploy_history(sim, suite, project, version, environments, hours_ago, tenant=None):
    """Add a release (if new) and successful deployments to `environments`, one hour apart."""
    world = sim.world
    release = suite.releases.get((project, version))
    if release is None:
        release = world.add_release(suite.projects[project], version, created=ago(sim, hours_ago + 1))
        suite.releases[(project, version)] = release
    for offset, environment in enumerate(environments):
        world.add_deployment(release, suite.environments[environment], tenant=tenant,
                             created=ago(sim, hours_ago - offset * 0.1), duration_seconds=30)
    return release


def each_child(outputs):
    """What an Octostache `each c in ...Output.Child` loop sees: {child: {output: value}}."""
    children = {}
    for name, value in outputs.items():
        match = re.match(r"^Child\[(.+)\]\.(\w+)$", name)
        if match:
            children.setdefault(match.group(1), {})[match.group(2)] = value
    return children
