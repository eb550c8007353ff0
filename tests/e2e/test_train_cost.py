"""What planning a release train costs in requests, on generated worlds of 1, 10 and 100 children.

The ceiling is 7 + 3·N + 3·⌈N/50⌉ requests for N children (13 for one child alone), and the count
must grow neither with history nor with the size of the instance. A train reads what its
children share once (every project and channel in one `/all` request each, environments,
lifecycle previews, and the preflight's three: the key's user, its permissions, the deployment
freezes) and one bounded RecentHistory: the newest successful deployments of every child to its
sources and destination, two per child, with their tasks and releases (a page of 100, and 100
ids a request: one each per 50 children). Each child then costs three requests of its own (its
release's deployment template, its preview, its process template for the notes). 1 / 10 / 100
children: 13 / 40 / 313 requests, whether each child has 3
releases of history or 100, and beside 2,000 other projects, 10,000 tenants and 2,000 machines.
A child the bounded read does not settle is searched as on its own: same decision, a few more
requests.
"""

from datetime import timedelta
from unittest import mock

import pytest

import child_deploy_bench_train
from child_deploy_bench_train import arrange_train, planning_budget
from e2e_steps import BODY
from harness import run_body
from octopus_sim import ManualClock, Phase, Simulator
from octopus_sim.history import generate, generate_suite

SHARED_ROUTES = ("GET /api/{space}/projects/all", "GET /api/{space}/channels/all",
                 "GET /api/{space}/environments", "GET /api/{space}/lifecycles/{id}/preview",
                 "GET /api/users/me", "GET /api/{space}/users/{id}/permissions",
                 "GET /api/deploymentfreezes")


def what_if(sim, variables, tmp_path, label, **extra):
    variables = dict(variables, **{"ChildProject.WhatIf.Value": "Yes"}, **extra)
    sim.reset_requests()
    run = run_body(BODY, variables, str(tmp_path / label), clock_url=sim.url)
    assert run.exit_code == 0, run.result_message
    return run


def crowd(world):
    """A large instance around the train: 2,000 other projects (each with its channel), 10,000
    tenants and 2,000 machines, none of them the train's."""
    lifecycle = world.add_lifecycle("Elsewhere", [Phase("Production", optional=["Production"])])
    for number in range(2000):
        world.add_project("Other {0:04d}".format(number), lifecycle)
        world.add_machine("s-other-{0:04d}".format(number), roles=["web"],
                          environments=["Production"])
    for number in range(10000):
        world.add_tenant("Tenant {0:05d}".format(number))


def plan_requests(tmp_path, children, releases=3, crowded=False):
    """The request counts, per route, of a What-If train of `children` generated projects
    with `releases` releases of history each (every one walked through the lifecycle)."""
    def suite(world, projects, releases=3):
        return generate_suite(world, projects=projects, releases=wanted)
    wanted = releases
    with Simulator(clock=ManualClock()) as sim, \
            mock.patch.object(child_deploy_bench_train, "generate_suite", suite):
        variables = arrange_train(sim, children)
        if crowded:
            crowd(sim.world)
        what_if(sim, variables, tmp_path, "n{0}r{1}".format(children, releases))
        return sim.request_counts()


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    path = tmp_path_factory.mktemp("cost")
    return {n: plan_requests(path, n) for n in (1, 10, 100)}


@pytest.mark.parametrize("children", [10, 100])
def test_what_children_share_is_read_once_per_train(counts, children):
    for route in SHARED_ROUTES:
        assert counts[children][route] == 1, route
    assert counts[children]["GET /api/{space}/projects/{id}/channels"] == 0


def test_each_child_beyond_the_shared_reads_costs_its_own_three_requests(counts):
    per_child = (sum(counts[100].values()) - sum(counts[10].values())) / 90.0
    assert per_child < 3.5
    for route in ("GET /api/{space}/releases/{id}/deployments/template",
                  "GET /api/{space}/releases/{id}/deployments/preview/{env}",
                  "GET /api/{space}/deploymentprocesses/{id}/template"):
        assert counts[100][route] == 100, route
    assert counts[100]["GET /api/{space}/releases/{id}/deployments"] == 0


@pytest.mark.parametrize("children", [1, 10, 100])
def test_planning_keeps_within_the_ceiling(counts, children):
    assert sum(counts[children].values()) <= planning_budget(children)


@pytest.mark.parametrize("children", [1, 10])
def test_planning_costs_the_same_beside_a_large_instance(counts, tmp_path, children):
    """2,000 other projects, 10,000 tenants and 2,000 machines: the same requests."""
    assert plan_requests(tmp_path, children, crowded=True) == counts[children]


def test_the_recent_history_is_read_once_in_two_deployments_per_child(counts):
    assert counts[1]["GET /api/{space}/deployments"] == 1
    assert counts[10]["GET /api/{space}/deployments"] == 1
    assert counts[100]["GET /api/{space}/deployments"] == 2
    assert counts[100]["GET /api/{space}/tasks"] == 2       # 200 tasks, 100 ids a request
    assert counts[100]["GET /api/{space}/releases"] == 2    # and the 200 releases behind them


@pytest.mark.parametrize("children", [1, 10])
def test_planning_costs_the_same_with_a_hundred_releases_of_history(counts, tmp_path, children):
    """3 or 100 releases (and 11 or 399 deployments) behind each child: the same requests."""
    assert plan_requests(tmp_path, children, releases=100) == counts[children]


def test_a_hundred_children_with_long_histories_cost_what_short_ones_do(counts, tmp_path):
    """39,900 deployments behind the train instead of 1,100: the same requests."""
    assert plan_requests(tmp_path, 100, releases=100) == counts[100]


def test_children_planned_side_by_side_are_told_in_wave_order(tmp_path):
    """Planned by a few threads, each child's lines are still one block, in the waves' order."""
    with Simulator(clock=ManualClock()) as sim:
        variables = arrange_train(sim, 10)
        run = what_if(sim, variables, tmp_path, "order")
    planning = run.text().split("The plan:")[0]
    told = []
    for line in planning.splitlines():
        name = line[line.find("[Service "):][1:12] if "[Service " in line else ""
        if name and (not told or told[-1] != name):
            told.append(name)
    assert told == ["Service {0:03d}".format(n) for n in range(1, 11)]


def test_a_child_the_bounded_read_does_not_settle_is_decided_as_alone(tmp_path):
    """Service 002's 150 newer releases, each walked to Staging, fill the train's one page of
    recent history: the other children fall back to their own search and decide what they
    decide alone, at a bounded cost (a few requests each, whatever their history)."""
    with Simulator(clock=ManualClock()) as sim:
        variables = arrange_train(sim, 10)
        busy = [p for p in sim.world.all("Projects") if p.name == "Service 002"][0]
        walk = [e.id for name in ("Development", "Test", "Staging")
                for e in sim.world.all("Environments") if e.name == name]
        generate(sim.world, busy, releases=150, deployments=450, environments=walk,
                 start=sim.world.clock.now() - timedelta(seconds=1000), spacing_seconds=1.0,
                 duration_seconds=0.5, version_prefix="2.0.")
        train = what_if(sim, variables, tmp_path, "train")
        fallbacks = sim.request_counts()["GET /api/{space}/deployments"]
        assert fallbacks > 1 and len(sim.requests) <= 13 + 3 * 10 + 6 * 9, sim.request_counts()
        for name in ("Service 001", "Service 002", "Service 010"):
            alone = what_if(sim, variables, tmp_path, name, **{"ChildProject.Project.Name": name})
            for output in ("ReleaseToPromote", "ChildOutcome", "ReleaseNotes"):
                assert train.outputs["Child[{0}].{1}".format(name, output)] == \
                    alone.outputs[output], (name, output)
