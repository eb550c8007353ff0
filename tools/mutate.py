"""Mutation testing for contributors: do the tests tell right from wrong?

    nice -n 19 python tools/mutate.py --module approvals -j 2
    python tools/mutate.py --module settings --max-mutants 40 --seed 3
    python tools/mutate.py --module waiting --tests tests/e2e/test_deploy_and_wait.py
    python tools/mutate.py --list --module targets

Each *logic mutant* changes one thing in one module of lib/child_deploy: a comparison
(`==`/`!=`, `<`/`<=`, `in`/`not in`, `is`/`is not`), a boolean operator (`and`/`or`, a dropped
`not`, `True`/`False`), an arithmetic operator, a number (0 <-> 1, n -> n + 1) or a string that
is compared with something. Messages, docstrings and other strings are left alone: a changed
word is not a changed decision. For each mutant the tool rebuilds step_template.json, so the
end-to-end tests run the mutated body as Octopus would, and runs the tests that exercise the
module (TEST_MAP, unit first, stopping at the first failure). A mutant is *killed* when a test
fails (or the build refuses it, or it hangs past the timeout) and *survives* when every test
passes. The score is killed / all; the survivors are listed with their line.

All of this happens in temporary copies of the tree (one per job), so the real tree is never
left mutated, even when the run is interrupted. The tool lowers its own priority (nice 19) since
a full run costs minutes of CPU per module. It is for contributors; CI does not run it.
Standard library only.
"""

import argparse
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mutants import list_mutants, mutant_keys, mutated_source, survivors_of  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join("lib", "child_deploy")
LAYERS = ("base", "rules", "octopus", "acting", "train", "shell")   # the package's subpackages


def module_file(module, root=ROOT):
    """lib/child_deploy/<layer>/<module>.py, relative to the tree (module basenames are unique)."""
    for layer in LAYERS:
        relative = os.path.join(PACKAGE, layer, module + ".py")
        if os.path.exists(os.path.join(root, relative)):
            return relative
    raise SystemExit("No module {0}.py in any layer of lib/child_deploy.".format(module))

COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", "*.egg-info",
                                     ".pytest_cache", "build", "dist")

# module -> the test files that exercise it: the unit tests first (cheap, fail fast), then the
# end-to-end files where its behaviour is visible. Unit test files that import the module
# (`from child_deploy.<module> import`) are added automatically, so a new unit test file needs
# no entry here; a module without an entry gets every unit and end-to-end test.
TEST_MAP = {
    "selection": ["tests/unit/test_selection.py", "tests/unit/test_pins_selection.py",
                  "tests/e2e/test_pins_release_choice.py", "tests/e2e/test_release_choice.py"],
    "choosing": ["tests/unit/test_selection.py", "tests/e2e/test_pins_release_choice.py",
                 "tests/unit/test_recent_history.py", "tests/e2e/test_pins_recent_history.py",
                 "tests/e2e/test_release_choice.py", "tests/e2e/test_train_cost.py"],
    "decisions": ["tests/unit/test_decisions.py", "tests/e2e/test_pins_release_choice.py",
                  "tests/e2e/test_release_choice.py", "tests/e2e/test_bad_input.py"],
    "targets": ["tests/unit/test_release_notes_and_targets.py", "tests/e2e/test_deploy_and_wait.py",
                "tests/e2e/test_bad_input.py"],
    "release_notes": ["tests/unit/test_release_notes_and_targets.py",
                      "tests/e2e/test_pins_release_choice.py", "tests/e2e/test_deploy_and_wait.py",
                      "tests/e2e/test_release_choice.py"],
    "approvals": ["tests/unit/test_decisions.py", "tests/unit/test_pins_approvals.py",
                  "tests/e2e/test_pins_approval.py", "tests/e2e/test_auto_approval.py"],
    "approving": ["tests/unit/test_auto_approver.py", "tests/unit/test_pins_approvals.py",
                  "tests/e2e/test_pins_approval.py", "tests/e2e/test_auto_approval.py"],
    "settings": ["tests/unit/test_settings.py", "tests/unit/test_pins_settings.py",
                 "tests/e2e/test_pins_parameter_limits.py", "tests/e2e/test_bad_input.py"],
    "values": ["tests/unit/test_settings.py", "tests/unit/test_pins_settings.py",
               "tests/unit/test_credentials.py", "tests/e2e/test_pins_parameter_limits.py",
               "tests/e2e/test_bad_input.py"],
    "scheduling": ["tests/unit/test_scheduling.py", "tests/unit/test_settings.py",
                   "tests/e2e/test_bad_input.py", "tests/e2e/test_deploy_and_wait.py"],
    # The failure model and the release train.
    "wildcards": ["tests/unit/test_wildcards.py", "tests/unit/test_selection.py",
                  "tests/e2e/test_v29_parity.py"],
    "paging": ["tests/unit/test_paging.py", "tests/unit/test_client.py",
               "tests/e2e/test_hostile_network.py"],
    "answers": ["tests/unit/test_answers.py", "tests/unit/test_client.py",
                "tests/e2e/test_hostile_network.py"],
    # The modules that act: create, wait, follow, talk to Octopus; and the release train.
    "deployment": ["tests/unit/test_never_twice_logic.py", "tests/unit/test_pins_deployment.py",
                   "tests/e2e/test_never_twice.py", "tests/e2e/test_deploy_and_wait.py",
                   "tests/e2e/test_signals.py"],
    "waiting": ["tests/unit/test_pins_waiting.py", "tests/unit/test_never_twice_logic.py",
                "tests/unit/test_log_follower.py", "tests/e2e/test_log_tail.py",
                "tests/e2e/test_deploy_and_wait.py", "tests/e2e/test_signals.py",
                "tests/e2e/test_outages.py"],
    "following": ["tests/unit/test_pins_following.py", "tests/unit/test_log_follower.py",
                  "tests/e2e/test_pins_acting.py", "tests/e2e/test_log_tail.py",
                  "tests/e2e/test_deploy_and_wait.py", "tests/e2e/test_auto_approval.py",
                  "tests/e2e/test_outages.py"],
    "transport": ["tests/unit/test_pins_transport.py", "tests/unit/test_client.py",
                  "tests/e2e/test_hostile_network.py", "tests/e2e/test_resilience.py"],
    "delivery": ["tests/unit/test_pins_delivery.py", "tests/unit/test_approved_plan_parts.py",
                 "tests/e2e/test_pins_acting.py", "tests/e2e/test_pins_approval.py",
                 "tests/e2e/test_deploy_and_wait.py",
                 "tests/e2e/test_auto_approval.py", "tests/e2e/test_outages.py",
                 "tests/e2e/test_never_twice.py"],
    "preflight": ["tests/unit/test_pins_preflight.py", "tests/unit/test_refusals.py",
                  "tests/e2e/test_preflight.py"],
    "convoy": ["tests/unit/test_pins_train.py", "tests/e2e/test_pins_train_run.py",
               "tests/e2e/test_train.py", "tests/test_train_parallelism.py",
               "tests/e2e/test_signals.py"],
    "planning": ["tests/unit/test_pins_train.py", "tests/e2e/test_pins_train_run.py",
                 "tests/e2e/test_train_cost.py", "tests/e2e/test_preflight.py",
                 "tests/e2e/test_train.py"],
    "train": ["tests/unit/test_train_parts.py", "tests/unit/test_pins_train.py",
              "tests/e2e/test_pins_train_run.py", "tests/e2e/test_train.py",
              "tests/e2e/test_train_answers.py", "tests/e2e/test_rings.py",
              "tests/e2e/test_approved_plan.py", "tests/e2e/test_train_cost.py",
              "tests/e2e/test_preflight.py"],
    "waves": ["tests/unit/test_train_parts.py", "tests/unit/test_approved_plan_parts.py",
              "tests/unit/test_pins_train.py", "tests/e2e/test_pins_train_run.py",
              "tests/e2e/test_train_answers.py", "tests/e2e/test_train.py"],
    "train_report": ["tests/unit/test_train_parts.py", "tests/unit/test_ring_rules.py",
                     "tests/unit/test_pins_train.py", "tests/e2e/test_train.py",
                     "tests/e2e/test_train_answers.py", "tests/e2e/test_rings.py"],
    "rings": ["tests/unit/test_ring_rules.py", "tests/e2e/test_rings.py",
              "tests/test_train_cli.py"],
    "approved": ["tests/unit/test_approved_plan_parts.py", "tests/e2e/test_approved_plan.py"],
}
DEFAULT_MODULES = ("selection", "choosing", "decisions", "targets", "release_notes", "approvals",
                   "settings", "scheduling")
FALLBACK_TESTS = ["tests/unit", "tests/e2e"]

_RUNNING, _LOCK, _STOP = set(), threading.Lock(), threading.Event()   # child test runs

Result = namedtuple("Result", "mutant status seconds detail")   # status: killed | survived | ...


def tests_for(module, root=ROOT):
    """TEST_MAP's files that exist, plus unit test files importing the module; unit tests first.

    A module without a map entry gets the unit files that import it and every end-to-end test
    (or every test, when no unit file imports it): slow, but nothing that sees it is left out.
    """
    found = _unit_files_importing(module, root)
    if module not in TEST_MAP:
        return found + ["tests/e2e"] if found else list(FALLBACK_TESTS)
    chosen = [p for p in TEST_MAP[module] if os.path.exists(os.path.join(root, p))]
    unit = [p for p in chosen if p.startswith("tests/unit/")]
    return list(dict.fromkeys(unit + found)) + [p for p in chosen if p not in unit]


def _unit_files_importing(module, root):
    unit_dir = os.path.join(root, "tests", "unit")
    needle = re.compile(r"child_deploy\.\w+\.{0} import".format(module))
    found = []
    for name in sorted(os.listdir(unit_dir)):
        if name.startswith("test_") and name.endswith(".py"):
            with open(os.path.join(unit_dir, name), encoding="utf-8") as handle:
                if needle.search(handle.read()):
                    found.append("tests/unit/" + name)
    return found


class Workspace:
    """One temporary copy of the tree in which one mutant at a time is built and tested."""

    def __init__(self, parent):
        self.root = os.path.join(parent, "tree")
        shutil.copytree(ROOT, self.root, ignore=COPY_IGNORE)

    def run(self, module, source, tests, timeout):
        """('killed' | 'survived' | 'timeout' | 'build', detail) for one version of the module."""
        path = os.path.join(self.root, module_file(module, self.root))
        with open(path, encoding="utf-8") as handle:
            original = handle.read()
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(source)
            build = _run([sys.executable, "build_template.py"], self.root, 120)
            if build[0] != 0:
                return "build", _last_line(build[1])
            code, output = _run([sys.executable, "-m", "pytest", "-x", "-q", "-n", "0", "-p",
                                 "no:cacheprovider", "-p", "no:randomly"] + tests,
                                self.root, timeout)
            if code is None:
                return "timeout", "no result after {0:.0f} s".format(timeout)
            return ("survived", "") if code == 0 else ("killed", _failed_test(output))
        finally:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(original)


def _run(command, cwd, timeout):
    """(exit code or None on timeout, output); a hung run is killed with its process group."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    with _LOCK:
        _RUNNING.add(process)
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        _kill(process)
        process.communicate()
        return None, ""
    except BaseException:                   # interrupted while waiting: take the run down too
        _kill(process)
        raise
    finally:
        with _LOCK:
            _RUNNING.discard(process)


def _kill(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_children():
    """Ctrl-C or SIGTERM: start no more mutants and end the test runs of those in flight."""
    _STOP.set()
    with _LOCK:
        for process in list(_RUNNING):
            _kill(process)


def _failed_test(output):
    for line in output.splitlines():
        if line.startswith("FAILED ") or line.startswith("ERROR "):
            return line.split(" ", 1)[1].split(" - ")[0]
    return _last_line(output)


def _last_line(output):
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


def score_module(module, args, workspaces, copy_root):
    """Run the chosen mutants of one module; return (results, baseline seconds, source mutated).

    The source and the tests are the ones copied when the run started, not the tree's of now.
    """
    with open(os.path.join(copy_root, module_file(module, copy_root)), encoding="utf-8") as handle:
        source = handle.read()
    tests = args.tests or tests_for(module, copy_root)
    mutants = _sample(list_mutants(source), args.max_mutants, args.seed)
    if args.survivors_of:
        mutants = survivors_of(args.survivors_of, module, mutants, source)
    print("{0}: {1} mutants, tests: {2}".format(module, len(mutants), " ".join(tests)), flush=True)
    space = workspaces.get()
    try:
        started = time.monotonic()
        status, detail = space.run(module, source, tests, timeout=600)
        baseline = time.monotonic() - started
    finally:
        workspaces.put(space)
    if status != "survived":
        raise SystemExit("{0}: the tests fail on the unmutated tree ({1}); fix that first.".format(
            module, detail))
    timeout = args.timeout or max(30.0, baseline * 3)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(_one, module, source, m, tests, timeout, workspaces) for m in mutants]
        results = []
        try:
            for job in jobs:
                results.append(job.result())
                _progress(results[-1], len(results), len(mutants))
        except KeyboardInterrupt:
            stop_children()
            raise
    return results, baseline, source


def _one(module, source, mutant, tests, timeout, workspaces):
    if _STOP.is_set():
        return Result(mutant, "stopped", 0.0, "")
    text = mutated_source(source, mutant.index)
    space = workspaces.get()
    try:
        started = time.monotonic()
        status, detail = space.run(module, text, tests, timeout)
        return Result(mutant, status, time.monotonic() - started, detail)
    finally:
        workspaces.put(space)


def _sample(mutants, limit, seed):
    if not limit or limit >= len(mutants):
        return mutants
    return sorted(random.Random(seed).sample(mutants, limit), key=lambda m: m.index)


def _progress(result, done, total):
    m = result.mutant
    print("  [{0}/{1}] {2:8} line {3:4} {4}: {5} -> {6} ({7:.1f} s){8}".format(
        done, total, result.status, m.line, m.kind, m.before, m.after, result.seconds,
        "  " + result.detail if result.status == "killed" else ""), flush=True)


def summary(module, results, source_lines):
    """The score line and the survivors, as Markdown a contributor can paste into docs."""
    killed = sum(1 for r in results if r.status != "survived")
    total = len(results)
    lines = ["{0}: {1}/{2} killed ({3:.0f} %)".format(
        module, killed, total, 100.0 * killed / total if total else 100.0)]
    for r in results:
        if r.status == "survived":
            m = r.mutant
            lines.append("  survived: {0}.py:{1} #{2} {3} {4} -> {5}    | {6}".format(
                module, m.line, m.index, m.kind, m.before, m.after,
                source_lines[m.line - 1].strip() if m.line else ""))
    return lines


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="a module of lib/child_deploy "
                        "(repeatable; default: the decision modules)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="mutants tested at once")
    parser.add_argument("--max-mutants", type=int, default=0,
                        help="test a random sample of this many mutants per module")
    parser.add_argument("--seed", type=int, default=14, help="seed of the sample")
    parser.add_argument("--tests", nargs="+", help="test files to run instead of TEST_MAP's")
    parser.add_argument("--timeout", type=float, default=0,
                        help="seconds before a mutant's test run counts as hung (default: 3x "
                             "the unmutated run, at least 30)")
    parser.add_argument("--survivors-of", metavar="JSON",
                        help="test only the mutants that survived in this earlier --json run")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--json", help="also write every result to this file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    modules = [m[:-3] if m.endswith(".py") else m for m in (args.module or DEFAULT_MODULES)]
    for module in modules:
        module_file(module)
    if args.list:
        for module in modules:
            source = open(os.path.join(ROOT, module_file(module)), encoding="utf-8").read()
            for m in list_mutants(source):
                print("{0}.py:{1} #{2} {3}: {4} -> {5}".format(
                    module, m.line, m.index, m.kind, m.before, m.after))
        return 0
    os.nice(max(0, 19 - os.nice(0)))
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run_modules(modules, args)
    except KeyboardInterrupt:
        stop_children()
        print("\nInterrupted: the temporary copies are removed; the tree was never changed.")
        return 130


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_modules(modules, args):
    report, saved = [], {}
    with tempfile.TemporaryDirectory(prefix="mutate-") as scratch:
        workspaces = queue.Queue()
        for number in range(max(1, args.jobs)):
            workspaces.put(Workspace(os.path.join(scratch, str(number))))
        copy_root = os.path.join(scratch, "0", "tree")
        for module in modules:
            results, baseline, source = score_module(module, args, workspaces, copy_root)
            report.extend(summary(module, results, source.splitlines()))
            keys = mutant_keys(source)
            saved[module] = {"baseline_seconds": round(baseline, 1), "results": [
                dict(r.mutant._asdict(), status=r.status, detail=r.detail,
                     key=keys[r.mutant.index]) for r in results]}
            if args.json:                # after each module, so a long run keeps what it has
                with open(args.json, "w", encoding="utf-8") as handle:
                    json.dump(saved, handle, indent=1)
    print("\n".join(["", "Mutation scores (logic mutants killed)"] + report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
