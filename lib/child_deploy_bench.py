"""Benchmark: does one promotion cost the same whatever the child's history?

    python lib/child_deploy_bench.py [--sizes 10,1000,10000] [--children 1,10,100]
        [--train-releases 3] [--latency-ms 20]

The release train's table (`--children`) is measured by `child_deploy_bench_train`; an empty
list (`--sizes ""` or `--children ""`) skips that table.

For each history size a simulated Octopus Server (`octopus_sim`, sample suite) starts in its own
process with N generated releases and N generated deployments of *Web API*, all older than the
sample history, so every list the step reads newest-first has the chosen release in front and
the whole generated history behind it. Every API request then waits the injected latency. This
process runs the standard promotion of Web API from Test to Staging once (Promote, wait for
finish, defaults otherwise) with the same code as in Octopus, and prints Markdown tables.

Why two processes: peak memory (tracemalloc) and wall time are then the step's own, not the
simulator's; the step's clock advances the simulator's clock through its control route, so
waiting for the five-second child costs no wall time.

"Child finished -> step finished" has two honest parts. The polling lag is simulated time, from
the child task's `CompletedTime` to the poll that saw it finished (on a real server that is real
time, set by the polling interval). The tail is wall time, from that poll's answer to the step's
return (the work after the child finished, latency included).
"""

import argparse
import io
import multiprocessing
import re
import sys
import time
import tracemalloc
from collections import namedtuple
from datetime import timedelta
from urllib.parse import urlsplit

from child_deploy.base.terminal import TerminalHost
from child_deploy.shell.runner import run
from child_deploy_bench_common import SETUP_TIMEOUT_SECONDS, RemoteSimulatorTime, counts_table
from child_deploy_bench_train import (RING_SIZES, measure_train, plan_route_table, rings_table,
                                     train_table)
from child_deploy_demo import DESTINATION, Story, loopback_session, step_variables
from octopus_sim import ManualClock, Simulator, TaskScript, load_sample_suite
from octopus_sim.clock import parse_date
from octopus_sim.history import generate

CHILD = "Web API"
HISTORY_ENVIRONMENTS = ("Development", "Test", "Staging", "Production")
TASK_PATH = re.compile(r"/tasks/(ServerTasks-\d+)$", re.IGNORECASE)
Result = namedtuple("Result", "size exit_code outcome counts wall_seconds cpu_seconds "
                              "simulated_seconds lag_seconds tail_seconds peak_bytes")


def serve(connection, size, latency_ms):
    """The simulator's process: build the world, hand over the step's variables, answer, report."""
    with Simulator(clock=ManualClock()) as sim:
        variables = arrange_world(sim, size)
        sim.reset_requests()
        sim.faults.latency_ms = latency_ms
        connection.send(variables)
        connection.recv()                  # the step has finished
        connection.send(dict(sim.request_counts()))


def arrange_world(sim, size):
    """Sample suite, N releases and deployments of the child behind it, a live parent deployment."""
    suite = load_sample_suite(sim)
    world, spacing = sim.world, 600.0
    # generate() spaces releases one environment-walk apart: start early enough that every
    # generated release and deployment is older than the sample suite's history (30 days).
    slots = size * len(HISTORY_ENVIRONMENTS) + 2
    start = world.clock.now() - timedelta(days=31, seconds=spacing * slots)
    generate(world, suite.projects[CHILD], releases=size, deployments=size, start=start,
             environments=list(HISTORY_ENVIRONMENTS), spacing_seconds=spacing)
    with world.lock:
        world.set_task_script(suite.parent, TaskScript(run_seconds=10 ** 7))
        parent = world.add_deployment(suite.parent_release, suite.environments[DESTINATION],
                                      state="Executing")
    return step_variables(sim, suite, Story(parent, suite.parent_release), CHILD)


class CompletionWatch:
    """A response hook noting, per task, the first answer that showed it finished."""

    def __init__(self, clock):
        self._clock = clock
        self.seen = {}     # task id -> (wall instant, simulated epoch, task's CompletedTime epoch)

    def __call__(self, response, *args, **kwargs):
        match = TASK_PATH.search(urlsplit(response.url).path)
        if match and response.status_code == 200 and match.group(1) not in self.seen:
            task = response.json()
            if task.get("IsCompleted"):
                completed = parse_date(task.get("CompletedTime")).timestamp()
                self.seen[match.group(1)] = (time.perf_counter(), self._clock.monotonic(),
                                             completed)
        return response


def measure(size, latency_ms=20):
    """Run the standard promotion once against a history of `size`; return its Result."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve, args=(theirs, size, latency_ms), daemon=True)
    process.start()
    try:
        if not ours.poll(SETUP_TIMEOUT_SECONDS):
            raise RuntimeError("the simulator did not start within {0} s".format(
                SETUP_TIMEOUT_SECONDS))
        result = run_step(ours.recv(), size)
        ours.send("done")
        return result._replace(counts=ours.recv())
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()


def run_step(variables, size):
    """One step run with the wall clock, the simulated clock and tracemalloc around it."""
    clock = RemoteSimulatorTime(variables["ChildProject.Web.ServerUrl"])
    watch = CompletionWatch(clock)
    session = loopback_session()
    session.hooks["response"].append(watch)
    log = io.StringIO()
    host = TerminalHost(variables, stream=log)
    simulated_start = clock.monotonic()
    tracemalloc.start()
    cpu, started = time.process_time(), time.perf_counter()
    exit_code = run(host, clock=clock, session=session)
    ended, cpu = time.perf_counter(), time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if exit_code:
        sys.stderr.write(log.getvalue() + (host.failure or "") + "\n")
    seen = watch.seen.get(host.outputs.get("ChildServerTaskId"))
    lag, tail = (seen[1] - seen[2], ended - seen[0]) if seen else (None, None)
    return Result(size, exit_code, host.outputs.get("ChildOutcome", ""), {}, ended - started, cpu,
                  clock.monotonic() - simulated_start, lag, tail, peak)


def summary_table(results, latency_ms):
    """One row per history size: the figures docs/benchmark.md explains."""
    lines = ["| history (releases + deployments) | outcome | requests | wall time (step CPU) "
             "| simulated time | child finished -> step finished: polling lag (simulated) + tail "
             "(wall) | peak memory (tracemalloc) |", "|---:|---|---:|---:|---:|---|---:|"]
    for r in results:
        finish = "n/a" if r.lag_seconds is None else "{0:.2f} s + {1:.0f} ms".format(
            r.lag_seconds, r.tail_seconds * 1000)
        lines.append("| {0:,} + {0:,} | {1} | {2} | {3:.2f} s ({4:.2f} s) | {5:.1f} s | {6} "
                     "| {7:.2f} MiB |".format(
                         r.size, r.outcome, sum(r.counts.values()), r.wall_seconds, r.cpu_seconds,
                         r.simulated_seconds, finish, r.peak_bytes / 1048576.0))
    lines.append("")
    lines.append("Latency injected: {0} ms per API request.".format(latency_ms))
    return "\n".join(lines)


def route_table(results):
    """Requests per route (the simulator's route templates), one column per history size."""
    return counts_table("route", ["{0:,}".format(r.size) for r in results],
                        [r.counts for r in results])


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python lib/child_deploy_bench.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1000,10000",
                        help="comma-separated history sizes (default 10,1000,10000)")
    parser.add_argument("--children", default="1,10,100",
                        help="comma-separated release-train sizes (default 1,10,100)")
    parser.add_argument("--train-releases", type=int, default=3,
                        help="releases of history per train child (default 3)")
    parser.add_argument("--rings", default=",".join("{0}x{1}".format(*n) for n in RING_SIZES),
                        help="comma-separated children x tenants for the rings table "
                             "(default 1x1,10x10,10x50)")
    parser.add_argument("--latency-ms", type=int, default=20,
                        help="latency injected into every API request (default 20)")
    return parser.parse_args(argv)


def sizes_of(text):
    return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]


def main(argv=None):
    """Measure every size and print the tables; exit 1 if any run failed."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results = [measure(size, args.latency_ms) for size in sizes_of(args.sizes)]
    if results:
        print("Standard promotion of {0} from Test to Staging, python {1}.{2}\n".format(
            CHILD, *sys.version_info[:2]))
        print(summary_table(results, args.latency_ms) + "\n")
        print(route_table(results))
    trains = [r for n in sizes_of(args.children)
              for r in measure_train(n, args.latency_ms, args.train_releases)]
    if trains:
        print("\nRelease train to Production, generated projects with {0} releases each, "
              "python {1}.{2}\n".format(args.train_releases, *sys.version_info[:2]))
        print(train_table(trains, args.latency_ms) + "\n")
        print(plan_route_table(trains))
    rings = [r for size in args.rings.split(",") if size.strip()
             for r in measure_train(*[int(n) for n in size.split("x")][:1], latency_ms=args.latency_ms,
                                    tenants=int(size.split("x")[1]))]
    if rings:
        print("\nTenant rings to Production, generated projects and tenants, python {0}.{1}\n"
              .format(*sys.version_info[:2]))
        print(rings_table(rings, args.latency_ms))
    return 0 if all(r.exit_code == 0 for r in results + trains + rings) else 1


if __name__ == "__main__":
    sys.exit(main())
