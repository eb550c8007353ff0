"""Tenant rings end to end: the built body against octopus_sim, on a tenanted sample suite.

Database and Web API deploy per tenant (TenantedOrUntenanted); five tenants tagged from the tag
set "Release Ring"; each tenant has its own history: 2021.1.0.1 in Production, 2021.1.1.1 up to
Staging. Three rings: Acme by name, the tag Release Ring/Beta (Globex, Initech), then `*`
(Hooli, Umbrella). Order is read from the simulator's task times.
"""

import json
import re
import signal

import pytest

from e2e_steps import deploy_history
from octopus_sim import TaskScript

RINGS = "Acme\ntag: Release Ring/Beta\n*"
TRAIN = "Database\nWeb API"
TENANTS = {"Acme": "Canary", "Globex": "Beta", "Initech": "Beta", "Umbrella": "Stable",
           "Hooli": "Stable"}
RING_OF = {"Acme": 1, "Globex": 2, "Initech": 2, "Umbrella": 3, "Hooli": 3}
CHILDREN = ("Database", "Web API")


@pytest.fixture
def tenants(sim, suite):
    world, envs = sim.world, list(suite.environments.values())
    world.add_tag_set("Release Ring", ["Canary", "Beta", "Stable"])
    for name in CHILDREN:
        suite.projects[name].tenanted_mode = "TenantedOrUntenanted"
    made = {}
    for name, tag in TENANTS.items():
        made[name] = world.add_tenant(name, projects={suite.projects[p]: envs for p in CHILDREN},
                                      tags=["Release Ring/" + tag])
        for project in CHILDREN:
            deploy_history(sim, suite, project, "2021.1.0.1",
                           ["Development", "Test", "Staging", "Production"], 48, made[name])
            deploy_history(sim, suite, project, "2021.1.1.1",
                           ["Development", "Test", "Staging"], 24, made[name])
    return made


def new_deployments(sim, suite, before, environment="Production"):
    """{(child, tenant name or ""): [deployments]} created by the step (ids not in `before`)."""
    names = {t.id: t.name for t in sim.world.all("Tenants")}
    out = {}
    for d in sim.world.all("Deployments"):
        if d.id not in before and d.environment_id == suite.environments[environment].id:
            project = next(n for n, p in suite.projects.items() if p.id == d.project_id)
            if project != "Release Orchestration":
                out.setdefault((project, names.get(d.tenant_id, "")), []).append(d)
    return out


def existing(sim):
    return {d.id for d in sim.world.all("Deployments")}


def each_child(outputs):
    children = {}
    for name, value in outputs.items():
        match = re.match(r"^Child\[(.+)\]\.(\w+)$", name)
        if match:
            children.setdefault(match.group(1), {})[match.group(2)] = value
    return children


def test_three_rings_of_a_two_wave_train_deploy_in_order_once_per_child_and_tenant(
        step, sim, suite, tenants):
    before = existing(sim)
    run = step(TRAIN, "Production", **{"Tenant.Name": RINGS})
    assert run.exit_code == 0, run.result_message
    open("/tmp/rings/log.txt", "w").write(run.text())
    made = new_deployments(sim, suite, before)
    assert sorted(made) == sorted((c, t) for c in CHILDREN for t in TENANTS)
    assert all(len(ds) == 1 for ds in made.values())
    task = {key: sim.world.task_of(ds[0]) for key, ds in made.items()}
    for (child, tenant), t in task.items():
        for (other_child, other), u in task.items():
            later = (RING_OF[other], CHILDREN.index(other_child)) > (
                RING_OF[tenant], CHILDREN.index(child))
            if later:
                assert u.start_time >= t.completed_time, (child, tenant, other_child, other)
    assert run.outputs["TrainOutcome"] == "Deployed"
    manifest = json.loads(run.outputs["TrainManifest"])
    assert manifest == {c + "/" + t: "2021.1.1.1" for c in CHILDREN for t in TENANTS}
    children = each_child(run.outputs)
    assert children["Web API/Globex"]["ChildDeploymentId"] == made[("Web API", "Globex")][0].id
    plan = run.outputs["TrainPlan"]
    assert plan.splitlines()[0].startswith("| Child | Tenant | Ring | Wave | Destination now |")
    assert "| Web API | Hooli | 3 | 2 | 2021.1.0.1 | 2021.1.1.1 | upgrade | Deploy |" in plan
