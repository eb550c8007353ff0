"""Benchmark, the release train: what planning (and deploying) N children costs (docs/design.md, the release train).

    python lib/child_deploy_bench.py --children 1,10,100 [--latency-ms 20]

For each N a simulated Octopus Server starts in its own process with a generated world
(`octopus_sim.history.generate_suite`): N projects in the project group *Platform*, each with
releases 1.0.1 to 1.0.3 walked through Development, Test, Staging and Production, the newest one
not yet in Production. A parent project is deploying to Production. The step then promotes the
N children to Production, ten names per wave (one name alone for N = 1: today's single-child
step), first with What If (the plan only), then for real (every child deployed).

The costs: planning at most 7 + 3·N + 3·⌈N/50⌉ requests (the shared reads once, three per child,
and per 50 children a page of recent history and one read each of its tasks and releases, 100
ids a request), at most 3 s of wall time for 100 children at 20 ms per request, and a single
child's What-If decision at most 13 requests (the same formula for N = 1).
"""

import io
from datetime import timedelta
import multiprocessing
import sys
import time
import tracemalloc
from collections import namedtuple

from child_deploy.base.terminal import TerminalHost
from child_deploy.shell.runner import run
from child_deploy_bench_common import SETUP_TIMEOUT_SECONDS, RemoteSimulatorTime, counts_table
from child_deploy_demo import loopback_session
from octopus_sim import ManualClock, Simulator, TaskScript
from octopus_sim.history import generate_suite

DESTINATION = "Production"
WAVE_WIDTH = 10
TrainResult = namedtuple("TrainResult", "children phase exit_code outcome counts wall_seconds "
                                        "simulated_seconds peak_bytes tenants", defaults=(0,))
RING_SIZES = ((1, 1), (10, 10), (10, 50))


def planning_budget(children):
    """The ceiling on planning requests: shared lookups once, three per child, and per 50
    children a page of history and a read of its tasks and of its releases (13 for one)."""
    return 7 + 3 * children + 3 * -(-children // 50)


def waves_text(names):
    """*Child Project Name* for the benchmark: one name alone, else ten names per line."""
    return "\n".join(", ".join(names[i:i + WAVE_WIDTH]) for i in range(0, len(names), WAVE_WIDTH))


def arrange_train(sim, children, releases=3):
    """The generated world and a live parent deployment; returns the step's variables."""
    world = sim.world
    made = generate_suite(world, projects=children, releases=releases)
    with world.lock:
        parent = world.add_project("Platform Release", made.lifecycle)
        release = world.add_release(parent, "1.0.0")
        world.set_task_script(parent, TaskScript(run_seconds=10 ** 7))
        world.set_task_script(None, TaskScript(run_seconds=5))
        live = world.add_deployment(release, made.environments[-1], state="Executing")
    return {
        "Octopus.Web.ServerUri": sim.url, "Octopus.Space.Id": live.space_id,
        "Octopus.Space.Name": "Default", "Octopus.Project.Id": parent.id,
        "Octopus.Project.Name": parent.name, "Octopus.Release.Id": release.id,
        "Octopus.Release.Number": release.version, "Octopus.Release.Channel.Id": release.channel_id,
        "Octopus.Environment.Id": live.environment_id, "Octopus.Environment.Name": DESTINATION,
        "Octopus.Deployment.Id": live.id, "Octopus.Task.Id": live.task_id,
        "ChildProject.Web.ServerUrl": sim.url, "ChildProject.Api.Key": sim.api_key,
        "ChildProject.Space.Name": "Default",
        "ChildProject.Project.Name": waves_text([p.name for p in made.projects]),
        "ChildProject.Destination.EnvironmentName": DESTINATION,
    }


def rings_budget(children, tenants):
    """The ceiling on planning N children for T tenants: what they share once, three requests
    per child, two per (child, tenant)."""
    return 13 + 3 * children + 2 * children * tenants


def rings_text(tenants):
    """*Tenant Name* for the benchmark: one tenant alone (today's step), else three rings: the
    first tenant by name, the tag Ring/Beta (the next four), then `*`."""
    return "Tenant 001" if tenants == 1 else "Tenant 001\ntag: Ring/Beta\n*"


def arrange_rings(sim, children, tenants):
    """`arrange_train` with tenanted children and `tenants` tenants connected to each in every
    environment. Each tenant's own history, newer than the untenanted one: 1.0.2 everywhere,
    then 1.0.3 up to Staging (promoting moves every (child, tenant) up by one release)."""
    variables = arrange_train(sim, children)
    world = sim.world
    with world.lock:
        world.add_tag_set("Ring", ["Canary", "Beta", "Stable"])
        projects = [p for p in world.all("Projects") if p.name.startswith("Service ")]
        envs = [world.env(name) for name in ("Development", "Test", "Staging", "Production")]
        made = [world.add_tenant("Tenant %03d" % (n + 1), projects={p: envs for p in projects},
                                 tags=["Ring/" + ("Canary" if n == 0 else "Beta" if n < 5 else "Stable")])
                for n in range(tenants)]
        moment = world.clock.now() - timedelta(minutes=20)
        for project in projects:
            project.tenanted_mode = "TenantedOrUntenanted"
        for version, places in (("1.0.2", envs), ("1.0.3", envs[:3])):
            for env in places:
                for project in projects:
                    release = next(r for r in world.releases_of(project) if r.version == version)
                    for tenant in made:
                        moment += timedelta(seconds=0.3)
                        world.add_deployment(release, env, tenant=tenant, created=moment,
                                             duration_seconds=0.2, events=False)
    variables["ChildProject.Tenant.Name"] = rings_text(tenants)
    return variables


def serve(connection, children, latency_ms, releases, tenants=0):
    """The simulator's process: one world, answering a What-If run and then a real run."""
    with Simulator(clock=ManualClock()) as sim:
        variables = arrange_rings(sim, children, tenants) if tenants else \
            arrange_train(sim, children, releases)
        sim.faults.latency_ms = latency_ms
        for _phase in ("plan", "deploy"):
            sim.reset_requests()
            connection.send(variables)
            connection.recv()              # the step has finished
            connection.send(dict(sim.request_counts()))


def run_phase(variables, children, phase):
    """One step run (What If for "plan"), with wall clock, simulated clock and tracemalloc."""
    variables = dict(variables, **{"ChildProject.WhatIf.Value": "Yes" if phase == "plan" else "No"})
    clock = RemoteSimulatorTime(variables["ChildProject.Web.ServerUrl"])
    host = TerminalHost(variables, stream=io.StringIO())
    simulated_start = clock.monotonic()
    tracemalloc.start()
    started = time.perf_counter()
    exit_code = run(host, clock=clock, session=loopback_session())     # writes no artifact
    wall = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if exit_code:
        sys.stderr.write(host.stream.getvalue() + (host.failure or "") + "\n")
    outcome = host.outputs.get("TrainOutcome") or host.outputs.get("ChildOutcome", "")
    return TrainResult(children, phase, exit_code, outcome, {}, wall,
                       clock.monotonic() - simulated_start, peak)


def measure_train(children, latency_ms=20, releases=3, tenants=0):
    """Plan, then deploy, a train of `children` generated projects (each with `releases`
    releases of history; with `tenants`, for that many tenants in three rings); two
    TrainResults."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve, args=(theirs, children, latency_ms, releases,
                                                  tenants), daemon=True)
    process.start()
    results = []
    try:
        for phase in ("plan", "deploy"):
            if not ours.poll(SETUP_TIMEOUT_SECONDS):
                raise RuntimeError("the simulator did not answer within {0} s".format(
                    SETUP_TIMEOUT_SECONDS))
            result = run_phase(ours.recv(), children, phase)
            ours.send("done")
            results.append(result._replace(counts=ours.recv(), tenants=tenants))
        return results
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()


def requests(result):
    return sum(result.counts.values())


def plan_route_table(results):
    """Planning requests per route, one column per train size: where each request goes."""
    plans = [r for r in results if r.phase == "plan"]
    return counts_table("route (What If)", ["N = {0}".format(r.children) for r in plans],
                        [r.counts for r in plans])


def train_table(results, latency_ms):
    """One row per train size and phase, with the planning budget beside the plan's count."""
    lines = ["| children | run | outcome | requests | budget (7 + 3·N + 3·⌈N/50⌉) | wall time "
             "| simulated time | peak memory (tracemalloc) |",
             "|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in results:
        budget = "{0} ({1})".format(planning_budget(r.children), "met" if
                                    requests(r) <= planning_budget(r.children) else "MISSED") \
            if r.phase == "plan" else ""
        lines.append("| {0} | {1} | {2} | {3} | {4} | {5:.2f} s | {6:.1f} s | {7:.2f} MiB |".format(
            r.children, "What If (plan)" if r.phase == "plan" else "deploy", r.outcome, requests(r),
            budget, r.wall_seconds, r.simulated_seconds, r.peak_bytes / 1048576.0))
    lines.append("")
    lines.append("Latency injected: {0} ms per API request; {1} names per wave.".format(
        latency_ms, WAVE_WIDTH))
    return "\n".join(lines)


def rings_table(results, latency_ms):
    """One row per (children, tenants) and phase, with the planning budget beside the plan."""
    lines = ["| children × tenants | run | outcome | requests | budget (13 + 3·N + 2·N·T) "
             "| wall time | simulated time | peak memory (tracemalloc) |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in results:
        budget = rings_budget(r.children, r.tenants)
        lines.append("| {0} × {1} | {2} | {3} | {4} | {5} | {6:.2f} s | {7:.1f} s | {8:.2f} MiB |"
                     .format(r.children, r.tenants, "What If (plan)" if r.phase == "plan" else
                             "deploy", r.outcome, requests(r), "{0} ({1})".format(budget, "met" if
                             requests(r) <= budget else "MISSED") if r.phase == "plan" else "",
                             r.wall_seconds, r.simulated_seconds, r.peak_bytes / 1048576.0))
    lines.append("")
    lines.append("Latency injected: {0} ms per API request; rings: {1}.".format(
        latency_ms, rings_text(3).replace("\n", " / ")))
    return "\n".join(lines)
