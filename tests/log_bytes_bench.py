"""Enhanced logging: bytes downloaded per poll of the child's activity log, as the log grows.

    python tests/log_bytes_bench.py [--lines 10000] [--run-seconds 600] [--tail N]

A child (Web API, sample suite on octopus_sim) writes `--lines` log lines spread over its
`--run-seconds` of running time; the step (runner.run, in this process, on the simulator's
clock) follows it with enhanced logging, through a requests Session that counts the bytes of
every answer. Printed: the number of `tasks/{id}/details` polls and the bytes per poll over the
first and the last tenth of the run, and whether every line was printed exactly once. `--tail`
overrides LogFollower.TAIL; a tail larger than the log reproduces the download of the whole log
on every poll (what the step did before).
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(os.path.dirname(HERE), "lib"), HERE]

import requests  # noqa: E402

from child_deploy.acting import waiting  # noqa: E402
from child_deploy.base.terminal import RecordingHost  # noqa: E402
from child_deploy.shell.runner import run  # noqa: E402
from child_deploy_demo import Story, step_variables  # noqa: E402
from octopus_sim import ManualClock, Simulator, StepClock, TaskScript, load_sample_suite  # noqa: E402


class CountingSession(requests.Session):
    """A loopback session that records (url, bytes of the answer body) for every request."""

    def __init__(self):
        super().__init__()
        self.trust_env = False
        self.answers = []

    def request(self, method, url, *args, **kwargs):
        response = super().request(method, url, *args, **kwargs)
        self.answers.append((url, len(response.content)))
        return response


def measure(lines=10000, run_seconds=600, tail=None):
    """Run one followed child; return (bytes of each details answer, whole-log reads among them,
    every line printed exactly once, exit code)."""
    texts = ["Line {0:05d}: copied file {0} of {1} to the web root".format(n, lines)
             for n in range(1, lines + 1)]
    previous = waiting.LogFollower.TAIL
    waiting.LogFollower.TAIL = tail or previous
    try:
        with Simulator(clock=ManualClock()) as sim:
            suite = load_sample_suite(sim)
            sim.world.set_task_script(suite.projects["Web API"],
                                      TaskScript(run_seconds=run_seconds, log_lines=texts))
            sim.world.set_task_script(suite.parent, TaskScript(run_seconds=10 ** 7))
            parent = sim.world.add_deployment(suite.parent_release, suite.environments["Staging"],
                                              state="Executing")
            host = RecordingHost(step_variables(sim, suite, Story(parent, suite.parent_release),
                                                "Web API", **{"ChildProject.EnableEnhancedLogging.Value": "Yes"}))
            session = CountingSession()
            code = run(host, clock=StepClock(sim.clock), session=session)
    finally:
        waiting.LogFollower.TAIL = previous
    printed = [text for level, text in host.messages if text.startswith("|  Line ")]
    once = sorted(printed) == sorted("|  " + t for t in texts) and len(set(printed)) == len(texts)
    details = [(url, size) for url, size in session.answers if "/details" in url]
    whole = sum(1 for url, _size in details if "tail=" not in url)
    return [size for _url, size in details], whole, once, code


def summary(polls):
    tenth = max(1, len(polls) // 10)
    first, last = polls[:tenth], polls[-tenth - 1:-1] or polls[-tenth:]   # the final poll reads the end

    def mean(sizes):
        return sum(sizes) / float(len(sizes))
    return {"polls": len(polls), "first tenth (mean bytes/poll)": round(mean(first)),
            "last tenth (mean bytes/poll)": round(mean(last)), "largest poll": max(polls),
            "total bytes": sum(polls)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--run-seconds", type=float, default=600)
    parser.add_argument("--tail", type=int, default=None)
    args = parser.parse_args(argv)
    polls, whole, once, code = measure(args.lines, args.run_seconds, args.tail)
    print("lines: {0}, run: {1:.0f} s, tail: {2}, exit code: {3}, every line printed once: {4}".format(
        args.lines, args.run_seconds, args.tail or waiting.LogFollower.TAIL, code, once))
    print("  whole-log reads (more new lines than a tail held): {0}".format(whole))
    for name, value in summary(polls).items():
        print("  {0}: {1:,}".format(name, value))
    return 0 if once and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
