"""Large deployment histories, built quickly, for benchmarks and paging tests.

`generate(world, project, releases=1000, deployments=10000)` makes releases `1.0.1 ... 1.0.N` and
walks them through the environments in order (release 1 to every environment, then release 2,
...), wrapping round with redeployments when more deployments than release/environment pairs are
asked for. Deployments are historical (finished) tasks: no activity log is built until someone
asks for a task's details, and no events are written, so 10,000 take well under a second.
"""

from datetime import timedelta


class History:
    """What `generate` made."""

    def __init__(self, releases, deployments):
        self.releases = releases
        self.deployments = deployments


def generate(world, project, releases=100, deployments=1000, environments=None, channel=None, start=None,
             spacing_seconds=600.0, duration_seconds=60.0, failure_every=0, tenant=None,
             version_prefix="1.0."):
    """Add `releases` releases and `deployments` finished deployments to `project`.

    `environments` defaults to the environments of the project's lifecycle, in phase order.
    Every `failure_every`-th deployment fails (0: none fail). Times run forward from `start`
    (default: far enough back that the last deployment finishes before the clock's now).
    """
    with world.lock:
        project = world._resolve("Projects", project, None)
        envs = _environments(world, project, environments)
        step = timedelta(seconds=spacing_seconds)
        slots = max(deployments, releases * len(envs)) + 2
        origin = start or (world.clock.now() - step * slots)
        made = []
        for number in range(releases):
            assembled = origin + step * (number * len(envs)) + timedelta(seconds=1)
            made.append(world.add_release(project, "%s%d" % (version_prefix, number + 1), channel=channel,
                                          created=assembled))
        pairs = [(r, e) for r in made for e in envs]
        out = []
        for index in range(deployments if pairs else 0):
            release, env = pairs[index % len(pairs)]
            failed = failure_every and (index + 1) % failure_every == 0
            out.append(world.add_deployment(release, env, tenant=tenant, created=origin + step * (index + 1),
                                            state="Failed" if failed else "Success",
                                            duration_seconds=duration_seconds, events=False))
        return History(made, out)


def _environments(world, project, environments):
    if environments:
        return [world.env(e, project.space_id) for e in environments]
    from .lifecycle import effective_phases
    lifecycle = world.get(project.lifecycle_id)
    ids = []
    for phase in effective_phases(world, lifecycle):
        ids.extend(e for e in phase.environment_ids if e not in ids)
    return [world.get(e) for e in ids]


class Suite:
    """What `generate_suite` made: projects in creation order, their group, lifecycle, environments."""

    def __init__(self, projects, group, lifecycle, environments):
        self.projects = projects
        self.group = group
        self.lifecycle = lifecycle
        self.environments = environments


SUITE_ENVIRONMENTS = ("Development", "Test", "Staging", "Production")


def generate_suite(world, projects=10, releases=3, environments=SUITE_ENVIRONMENTS, group="Platform",
                   name_format="Service %03d", space=None):
    """A train-sized world: `projects` projects in one group, each with its own history.

    Every project has releases `1.0.1..releases`, each deployed through `environments` in order,
    except that the newest one has not reached the last environment yet: promoting the group to
    the last environment moves every project up by one release. Environments that already exist
    (by name) are reused; the lifecycle has one optional phase per environment.
    """
    from .model import Phase
    with world.lock:
        space = world._space(space)
        envs = [world._named("Environments", n, space.id) or world.add_environment(n, space) for n in environments]
        lifecycle = world.add_lifecycle("%s Lifecycle" % group, [Phase(e.name, optional=[e]) for e in envs], space)
        made = [world.add_project(name_format % (number + 1), lifecycle, space=space,
                                  description="Generated project %d." % (number + 1))
                for number in range(projects)]
        folder = world.add_project_group(group, space, projects=made)
        for project in made:
            generate(world, project, releases=releases, deployments=releases * len(envs) - 1, environments=envs)
        return Suite(made, folder, lifecycle, envs)
