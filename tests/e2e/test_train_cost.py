"""What planning a release train costs in requests, on generated worlds of 1, 10 and 100 children.

The issue's ceiling is 10 + 3·N requests for N children (and 10 for one child alone). The shared
lookups (projects, channels, environments, lifecycle previews) are read once per train whatever
N is; each child's own history search, release checks, preview and notes still cost about eight
requests each, so the ceiling itself is not met yet: that test is an expected failure, strict,
so it turns red the day the bound is reached and the mark must go.
"""

import pytest

from child_deploy_bench_train import arrange_train
from e2e_steps import BODY
from harness import run_body
from octopus_sim import ManualClock, Simulator

SHARED_ROUTES = ("GET /api/{space}/projects", "GET /api/{space}/channels",
                 "GET /api/{space}/environments", "GET /api/{space}/lifecycles/{id}/preview")


def plan_requests(tmp_path, children):
    """The request counts, per route, of a What-If train of `children` generated projects."""
    with Simulator(clock=ManualClock()) as sim:
        variables = arrange_train(sim, children)
        variables["ChildProject.WhatIf.Value"] = "Yes"
        sim.reset_requests()
        run = run_body(BODY, variables, str(tmp_path / "n{0}".format(children)),
                       clock_url=sim.url)
        assert run.exit_code == 0, run.result_message
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


def test_request_count_grows_by_a_fixed_amount_per_child(counts):
    per_child = (sum(counts[100].values()) - sum(counts[10].values())) / 90.0
    assert per_child <= 8


@pytest.mark.xfail(strict=True, reason="each child's search still costs ~8 requests (bound: 3)")
@pytest.mark.parametrize("children", [1, 10, 100])
def test_planning_keeps_within_ten_plus_three_per_child(counts, children):
    assert sum(counts[children].values()) <= (10 if children == 1 else 10 + 3 * children)
