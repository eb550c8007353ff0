"""A person's first ten minutes: the terminal CLI, the demo and the benchmark.

The CLI runs in-process against a simulator on loopback; the demo runs as a newcomer starts it,
`python deploy_child_project.py --demo`, in a subprocess; the benchmark runs small histories
without injected latency so it stays quick.
"""

import io
import json
import os
import re
import subprocess
import sys
import time

import pytest

from child_deploy.shell.cli import (SYSTEM_FLAGS, build_parser, cli_main, collect_variables,
                              environment_name, flag_name)
from child_deploy.shell.parameters import PARAMETERS
from octopus_sim import DEFAULT_API_KEY, ManualClock, Simulator, load_sample_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD_OUTCOMES = (("Database", "Deployed"), ("Scheduling Service", "AlreadyDeployed"),
                  ("Web API", "Deployed"), ("Web UI", "AlreadyDeployed"))


def help_text(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli_main(["--help"])
    assert stopped.value.code == 0
    return capsys.readouterr().out


def test_help_lists_every_parameter_flag(capsys):
    text = help_text(capsys)
    missing = [flag_name(row) for row in PARAMETERS if flag_name(row) not in text]
    assert missing == []


def test_help_lists_the_parent_system_variable_flags(capsys):
    text = help_text(capsys)
    assert [flag for _, flag in SYSTEM_FLAGS if "--" + flag not in text] == []


def test_help_documents_the_exit_codes(capsys):
    text = " ".join(help_text(capsys).split())
    for code in ("0 success", "1 the step failed", "2 bad command line"):
        assert code in text


def test_help_names_each_parameters_environment_variable(capsys):
    text = re.sub(r"\n\s*", "", help_text(capsys))     # argparse may split a long name
    assert [row.name for row in PARAMETERS if environment_name(row.name) not in text] == []


def test_unknown_flag_exits_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli_main(["--no-such-flag"])
    assert stopped.value.code == 2
    assert "--no-such-flag" in capsys.readouterr().err


def test_environment_variable_is_read_and_a_flag_wins():
    args = build_parser().parse_args(["--project-name", "Web UI"])
    variables = collect_variables(args, {"CHILDPROJECT_API_KEY": "API-FROMENVIRONMENT",
                                         "CHILDPROJECT_PROJECT_NAME": "Web API"})
    assert variables["ChildProject.Api.Key"] == "API-FROMENVIRONMENT"
    assert variables["ChildProject.Project.Name"] == "Web UI"


@pytest.fixture
def sample_sim():
    with Simulator(api_key=DEFAULT_API_KEY, clock=ManualClock()) as sim:
        load_sample_suite(sim)
        yield sim


def what_if(sim, *extra):
    """Run the CLI in-process with What If; the key comes from the environment, as in CI."""
    stream, log = io.StringIO(), io.StringIO()
    code = cli_main(["--server-url", sim.url, "--space-name", "Default", "--project-name",
                     "Web API", "--destination-environment", "Staging", "--what-if"] + list(extra),
                    environ={"CHILDPROJECT_API_KEY": DEFAULT_API_KEY}, stream=stream, log_stream=log)
    return code, stream.getvalue(), log.getvalue()


def test_json_prints_only_the_outputs_on_stdout(sample_sim):
    code, text, log = what_if(sample_sim, "--json")
    outputs = json.loads(text)
    assert code == 0
    assert "Staging runs 2021.1.1.1 now" in log
    assert DEFAULT_API_KEY not in log
    assert outputs["ChildOutcome"] == "WhatIf"
    assert outputs["ReleaseToPromote"] == "2021.1.1.2"
    assert outputs["ChildCurrentRelease"] == "2021.1.1.1"
    assert all(isinstance(value, str) for value in outputs.values())
    assert DEFAULT_API_KEY not in text


def test_without_json_the_outputs_are_listed_at_the_end(sample_sim):
    code, text, log = what_if(sample_sim)
    assert code == 0 and log == ""
    assert "\nOutputs:\n" in text
    assert "  ReleaseToPromote = 2021.1.1.2" in text


def test_what_if_creates_no_deployment(sample_sim):
    what_if(sample_sim, "--json")
    assert not [r for r in sample_sim.requests if r.method == "POST"]


@pytest.fixture(scope="module")
def demo():
    """One run of the demo as a newcomer types it; (exit code, stdout, stderr, seconds)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "deploy_child_project.py", "--demo"], cwd=ROOT,
                          capture_output=True, text=True, timeout=20)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def test_demo_succeeds_quickly_and_quietly(demo):
    code, _out, err, seconds = demo
    assert (code, err) == (0, "")
    assert seconds < 20


def test_demo_ends_with_a_summary_row_per_child(demo):
    out = demo[1]
    table = out[out.index("\nSummary\n"):]
    assert re.search(r"^Child +Release +Outcome +Reason$", table, re.MULTILINE)
    for child, outcome in CHILD_OUTCOMES:
        assert re.search(r"^{0} +\S+ +{1} +\S".format(re.escape(child), outcome), table,
                         re.MULTILINE), child


def test_demo_promotes_database_first_and_auto_approves_it(demo):
    out = demo[1]
    positions = [out.index("Step {0}: Deploy {1}".format(n, child))
                 for n, (child, _) in enumerate(CHILD_OUTCOMES, 1)]
    assert positions == sorted(positions)
    database = out[positions[0]:positions[1]]
    assert 'Approved "Approve database schema changes"' in database
    assert "bob.approver" in database


def test_demo_train_scene_shows_the_plan_then_deploys_it(demo):
    out = demo[1]
    scene = out[out.index("\nThe same suite as one release train\n"):]
    what_if = scene[scene.index("Deploy suite (What If)"):scene.index("Deploy suite: one step")]
    real = scene[scene.index("Deploy suite: one step"):]
    for child in ("Database", "Web API", "Scheduling Service", "Web UI"):
        assert re.search(r"\| {0} \| \d \| [\d.]+ \| [\d.]+ \| upgrade \|".format(re.escape(child)),
                         what_if), child
    assert "TrainOutcome = WhatIf: " in what_if and "Child deployment:" not in what_if
    assert "TrainOutcome = Deployed: " in real
    plan = json.loads(what_if[what_if.index("TrainPlanJson = ") + 16:].splitlines()[0])
    assert [(row["Project"], row["Chosen"]) for row in plan] == [
        ("Database", "2021.1.2.1"), ("Web API", "2021.1.1.2"), ("Scheduling Service", "2021.1.1.1"),
        ("Web UI", "2021.1.1.1")]
    assert "Approved plan = the What If's TrainPlanJson" in real
    assert real.index("Every child is as the approved plan showed it.") < real.index("Wave 1 of 3")
    manifest = json.loads(real[real.index("TrainManifest = ") + 16:].splitlines()[0])
    assert manifest == {"Database": "2021.1.2.1", "Scheduling Service": "2021.1.1.1",
                        "Web API": "2021.1.1.2", "Web UI": "2021.1.1.1"}
    waves = [real.index(w) for w in ("Wave 1 of 3: Database", "Wave 2 of 3: Web API, Scheduling Service",
                                     "Wave 3 of 3: Web UI")]
    assert waves == sorted(waves)
    assert 'Approved "Approve database schema changes"' in real[waves[0]:waves[1]]


def test_demo_rings_scene_deploys_ring_after_ring_with_a_soak_between(demo):
    scene = demo[1][demo[1].index("\nWeb UI to its customers, in rings\n"):]
    for tenant, ring in (("Acme", 1), ("Globex", 2), ("Initech", 2), ("Hooli", 3)):
        assert "| Web UI | {0} | {1} | 1 | 2021.1.0.1 | 2021.1.1.1 | upgrade | Deploy |".format(
            tenant, ring) in scene
    starts = [scene.index("Ring {0} of 3, wave 1.".format(n)) for n in (1, 2, 3)]
    assert starts == sorted(starts) and scene.count("Ring pause: the next ring starts at") == 2
    assert scene.index("[Web UI/Acme] Web UI 2021.1.1.1 in Production deployed") < starts[1]
    assert scene.index("[Web UI/Hooli] Child deployment:") > starts[2]
    assert json.loads(scene[scene.index("TrainManifest = ") + 16:].splitlines()[0]) == {
        "Web UI/" + tenant: "2021.1.1.1" for tenant in ("Acme", "Globex", "Initech", "Hooli")}


def test_demo_saves_the_train_plan_outside_the_checkout(demo):
    paths = re.findall(r"Artifact Deploy suite\.TrainPlan\.md saved at (.+)$", demo[1], re.MULTILINE)
    assert len(paths) == 2
    assert not [p for p in paths if os.path.abspath(p).startswith(ROOT + os.sep)]


def test_demo_never_prints_the_api_key(demo):
    assert DEFAULT_API_KEY not in demo[1] + demo[2]


def test_benchmark_request_count_does_not_grow_with_history():
    from child_deploy_bench import measure, route_table, summary_table
    small, large = measure(10, latency_ms=0), measure(1000, latency_ms=0)
    assert (small.outcome, large.outcome) == ("Deployed", "Deployed")
    assert large.counts == small.counts
    assert small.lag_seconds is not None and small.lag_seconds >= 0
    assert "| **total** | {0} | {0} |".format(sum(small.counts.values())) in route_table(
        [small, large])
    assert "| 1,000 + 1,000 | Deployed |" in summary_table([small, large], 0)


def readme_command(name):
    """The command the README shows under `<!-- ci: NAME -->` (the line .ci/run runs)."""
    lines = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read().splitlines()
    start = lines.index("<!-- ci: {0} -->".format(name))
    return next(line[4:] for line in lines[start:] if line.startswith("    ") and line.strip())


def test_readme_commands_need_only_python3_and_install_into_a_venv():
    """The newcomer's machine: no `python` alias and no pip into an externally managed interpreter."""
    demo, tests = readme_command("demo command"), readme_command("test command")
    assert demo == "python3 deploy_child_project.py --demo"      # what the demo fixture runs
    assert tests.startswith("python3 -m venv .venv && .venv/bin/python -m pip install")
    assert tests.endswith("&& .venv/bin/python -m pytest")
    for command in (demo, tests):
        assert not re.search(r"(^|&& )python ", command) and "--user" not in command
        assert "--break-system-packages" not in command


def test_ci_runs_the_readme_commands_from_the_readme_itself():
    script = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    assert 'readme_command "demo command"' in script and 'readme_command "test command"' in script
    assert "git clone" in script and "build_template.py --check" in script
