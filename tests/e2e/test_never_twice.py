"""Never deploy twice (docs/design.md, the failure model, 1): runs started together, long histories, a create call
whose answer is a 500 or empty, and the run marker that lets a run find its own deployment."""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from child_deploy.base.terminal import RecordingHost
from child_deploy.shell.runner import run
from e2e_steps import SIM_KEY, StepRunner, created_deployments
from octopus_sim import ManualClock, Simulator, StepClock, TaskScript, load_sample_suite

TRIALS = 50


def _race(tmp_path, index):
    """Two runs of the same promotion started at the same moment on a fresh simulator whose
    answers each take 0-200 ms; returns [(exit code, host)] and the child deployments' states."""
    with Simulator(api_key=SIM_KEY, clock=ManualClock()) as sim:
        suite = load_sample_suite(sim)
        sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=20))
        sim.faults.latency_ms = (0, 200)
        variables = StepRunner(sim, suite, tmp_path / str(index)).variables("Web API", "Staging")
        start, results = threading.Barrier(2), [None, None]

        def one(slot):
            host = RecordingHost(variables)
            start.wait()
            results[slot] = (run(host, clock=StepClock(sim.clock), session=requests.Session()), host)

        runs = [threading.Thread(target=one, args=(slot,)) for slot in (0, 1)]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join(60)
        made = created_deployments(sim, suite, "Web API", "Staging")
        return results, {d.id: sim.world.task_of(d).state for d in made}


def test_two_runs_started_together_leave_one_deployment_in_50_of_50_trials(tmp_path):
    shown = warnings.showwarning         # run() swaps it per run; threads may restore out of order
    try:
        with ThreadPoolExecutor(max_workers=25) as pool:
            trials = list(pool.map(lambda i: _race(tmp_path, i), range(TRIALS)))
    finally:
        warnings.showwarning = shown
    raced = sum("this run's duplicate" in host.text() for results, _ in trials for _, host in results)
    assert raced >= TRIALS // 5, raced      # many trials really create twice, then settle
    for results, states in trials:
        live = [d for d, state in states.items() if state != "Canceled"]
        assert len(live) == 1, states
        (code_a, host_a), (code_b, host_b) = results
        assert (code_a, code_b) == (0, 0), (host_a.failure, host_b.failure)
        assert host_a.outputs["ChildDeploymentId"] == host_b.outputs["ChildDeploymentId"] == live[0]
        assert host_a.outputs["ChildOutcome"] == host_b.outputs["ChildOutcome"] == "Deployed"


def test_two_built_steps_started_together_deploy_once(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=20))
    sim.faults.latency_ms = (0, 150)
    for _trial in range(2):
        first, second = (step.start("Web API", "Staging", **{"DeploymentMode.Value": "Redeploy"})
                         for _ in range(2))
        one, two = first.finish(), second.finish()
        assert (one.exit_code, two.exit_code) == (0, 0), (one.result_message, two.result_message)
        assert one.stderr == two.stderr == ""
        assert one.outputs["ChildDeploymentId"] == two.outputs["ChildDeploymentId"] != ""
    made = created_deployments(sim, suite, "Web API", "Staging")
    assert len([d for d in made if sim.world.task_of(d).state != "Canceled"]) == 2   # one a trial


def test_a_rerun_finds_the_running_deployment_behind_150_newer_ones(step, sim, suite):
    """The release's deployment list is newest first; the running one is 151st."""
    world = sim.world
    world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=3600))
    first = step("Web API", "Staging", **{"WaitForFinish.Value": "No"})
    release = suite.releases[("Web API", "2021.1.1.2")]
    for n in range(150):
        world.add_deployment(release, suite.environments["Development" if n % 2 else "Test"],
                             created=sim.clock.now() + timedelta(seconds=n + 1))
    sim.clock.advance(200)
    second = step("Web API", "Staging", **{"WaitForFinish.Value": "No"})
    assert second.exit_code == 0, second.result_message
    assert second.outputs["ChildDeploymentId"] == first.outputs["ChildDeploymentId"]
    assert len(created_deployments(sim, suite, "Web API", "Staging")) == 1
    assert "already queued or running" in second.text()


def test_finding_the_active_deployment_costs_the_same_whatever_the_history(step, sim, suite):
    """A guard on cost (flat on main too): requests of a create-and-go run, before and after 1,000
    more deployments of the same release."""
    release = suite.releases[("Web API", "2021.1.1.2")]
    counts = []
    for size in (0, 1000):
        for n in range(size):
            sim.world.add_deployment(release, suite.environments["Development"],
                                     created=sim.clock.now() - timedelta(minutes=n + 1))
        sim.reset_requests()
        run_ = step("Web API", "Staging", **{"WaitForFinish.Value": "No",
                                             "DeploymentMode.Value": "Redeploy"})
        assert run_.outputs["ChildOutcome"] == "Started", run_.result_message
        counts.append(len(sim.requests))
        sim.clock.advance(3600)
    assert counts[0] == counts[1], counts


def test_a_500_after_the_server_committed_the_create_is_followed_not_lost(step, sim, suite):
    sim.faults.fail_after_apply(count=1, status=500)
    run_ = step("Web API", "Staging")
    assert run_.exit_code == 0, run_.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run_.outputs["ChildDeploymentId"] == deployment.id
    assert run_.outputs["ChildOutcome"] == "Deployed"
    assert "Octopus had created deployment {0}".format(deployment.id) in run_.text()


def test_the_run_marker_names_the_parent_and_is_unique_per_run(step, sim, suite):
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(run_seconds=5))
    step("Web API", "Staging")
    step("Web API", "Staging", **{"DeploymentMode.Value": "Redeploy"})
    first, second = created_deployments(sim, suite, "Web API", "Staging")
    parent = step.parent_deployments[("Staging", None)]
    for deployment in (first, second):
        assert deployment.comments.startswith("Deployed by Release Orchestration 2021.1.1 (task "
                                              "{0}) with the Deploy Child".format(parent.task_id))
    assert first.comments != second.comments


def test_a_create_answered_with_an_empty_object_is_found_by_its_marker(step, sim, suite):
    sim.faults.odd_shape(count=1, methods=("POST",), path_contains="/deployments", shape={})
    run_ = step("Web API", "Staging")
    assert run_.exit_code == 0, run_.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert run_.outputs["ChildDeploymentId"] == deployment.id


def test_a_create_refused_with_a_4xx_is_not_looked_for_nor_repeated(step, sim, suite):
    sim.faults.fail_next(count=1, status=409, methods=("POST",), path_contains="/deployments")
    run_ = step("Web API", "Staging")
    assert run_.exit_code != 0
    assert created_deployments(sim, suite, "Web API", "Staging") == []
    assert len([r for r in sim.requests if r.method == "POST"]) == 1
    assert "checking whether Octopus created" not in run_.text()


def test_a_create_lost_twice_without_a_trace_is_sent_twice_then_reported(step, sim, suite):
    """Lost before Octopus applied it, twice: one more call after looking, never a third."""
    sim.faults.drop_connection(count=3, methods=("POST",), path_contains="/deployments",
                               after_apply=False)
    run_ = step("Web API", "Staging")
    assert run_.exit_code != 0
    assert created_deployments(sim, suite, "Web API", "Staging") == []
    posts = [r for r in sim.requests if r.method == "POST" and r.path.endswith("/deployments")]
    assert len(posts) == 2, posts


def test_a_lone_new_deployment_is_settled_with_one_look(step, sim, suite):
    """After creating, the look for an earlier twin reads the lane's active tasks only: with ours
    the only one, no deployments are listed."""
    sim.reset_requests()
    run_ = step("Web API", "Staging", **{"WaitForFinish.Value": "No"})
    assert run_.outputs["ChildOutcome"] == "Started", run_.result_message
    listed = [r for r in sim.requests if r.method == "GET" and r.path.endswith("/deployments")
              and any(k.lower() == "ids" for k in r.query)]
    assert listed == []
