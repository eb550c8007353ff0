"""A release train from a terminal: waves from an environment variable or a repeated flag,
the train's parameters as flags, and `--json` holding the plan and the outcomes."""

import io
import json
import os

import pytest

from child_deploy.shell.cli import build_parser, cli_main, collect_variables
from octopus_sim import DEFAULT_API_KEY, ManualClock, Simulator, load_sample_suite

WAVES = "Database\nWeb API, Scheduling Service\nWeb UI"
NAME = "ChildProject.Project.Name"


def variables(argv, environ=None):
    return collect_variables(build_parser().parse_args(argv), environ or {})


def test_project_name_repeated_is_one_wave_per_flag():
    found = variables(["--project-name", "Database", "--project-name", "Web API, Scheduling Service",
                       "--project-name", "Web UI"])
    assert found[NAME] == WAVES


def test_the_environment_variable_carries_the_lines_as_they_are_and_a_flag_wins():
    assert variables([], {"CHILDPROJECT_PROJECT_NAME": WAVES})[NAME] == WAVES
    found = variables(["--project-name", "Web UI"], {"CHILDPROJECT_PROJECT_NAME": WAVES})
    assert found[NAME] == "Web UI"


def test_other_multi_line_parameters_repeat_too_but_a_certificate_is_one_value():
    found = variables(["--prompted-variables", "A::1", "--prompted-variables", "B::x::y",
                       "--trusted-certificate", "first", "--trusted-certificate", "second"])
    assert found["ChildProject.Prompted.Variables"] == "A::1\nB::x::y"
    assert found["ChildProject.Tls.TrustedCertificate"] == "second"


def test_the_train_parameters_have_flags_and_environment_variables():
    found = variables(["--train-parallelism", "2", "--train-failure-policy", "RollBack",
                       "--pinned-versions", "Web API::2021.1.1.1", "--pinned-versions", "Web UI::2021.1.1.1"],
                      {"CHILDPROJECT_TRAIN_ONFAILURE": "Continue"})
    assert found["ChildProject.Train.Parallelism"] == "2"
    assert found["ChildProject.Train.OnFailure"] == "RollBack"
    assert found["ChildProject.Train.PinnedVersions"] == "Web API::2021.1.1.1\nWeb UI::2021.1.1.1"
    assert variables([], {"CHILDPROJECT_TRAIN_ONFAILURE": "Continue"})["ChildProject.Train.OnFailure"] \
        == "Continue"


@pytest.fixture
def sample_sim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # a file written here without being asked is a failure
    with Simulator(api_key=DEFAULT_API_KEY, clock=ManualClock()) as sim:
        load_sample_suite(sim)
        yield sim


def run_cli(sim, argv, environ):
    stream, log = io.StringIO(), io.StringIO()
    environ = dict(environ, CHILDPROJECT_API_KEY=DEFAULT_API_KEY)
    code = cli_main(["--server-url", sim.url, "--space-name", "Default", "--destination-environment",
                     "Production"] + argv, environ=environ, stream=stream, log_stream=log)
    return code, stream.getvalue(), log.getvalue()


def test_json_holds_the_plan_the_manifest_and_every_childs_outputs(sample_sim, tmp_path):
    code, text, log = run_cli(sample_sim, ["--what-if", "--json"], {"CHILDPROJECT_PROJECT_NAME": WAVES})
    outputs = json.loads(text)
    assert code == 0, log
    assert outputs["TrainOutcome"] == "WhatIf"
    assert json.loads(outputs["TrainManifest"]) == {
        "Database": "2021.1.1.1", "Web API": "2021.1.1.1", "Scheduling Service": "2021.1.1.1",
        "Web UI": "2021.1.1.1"}
    for child in ("Database", "Web API", "Scheduling Service", "Web UI"):
        assert child in outputs["TrainPlan"]
        assert outputs["Child[%s].ReleaseToPromote" % child] == "2021.1.1.1"
        assert outputs["Child[%s].ChildOutcome" % child] == "WhatIf"
    assert all(isinstance(value, str) for value in outputs.values())
    assert not [r for r in sample_sim.requests if r.method == "POST"]
    assert DEFAULT_API_KEY not in text + log
    assert os.listdir(str(tmp_path)) == []         # no --artifacts-dir: no file anywhere
    assert "TrainPlan.md is not saved as a file (from a terminal, --artifacts-dir keeps" in log


def test_artifacts_go_only_where_asked_and_the_plan_is_named_after_the_step(sample_sim, tmp_path):
    folder = tmp_path / "artifacts"
    folder.mkdir()
    argv = ["--what-if", "--json", "--artifacts-dir", str(folder), "--step-name", "Plan: suite"]
    code, _text, log = run_cli(sample_sim, argv, {"CHILDPROJECT_PROJECT_NAME": WAVES})
    assert code == 0, log
    assert sorted(os.listdir(str(tmp_path))) == ["artifacts"]
    assert os.listdir(str(folder)) == ["Plan_ suite.TrainPlan.md"]
    assert "| Web UI | 3 |" in (folder / "Plan_ suite.TrainPlan.md").read_text(encoding="utf-8")


def test_the_release_notes_artifact_from_a_terminal_is_written_only_where_asked(sample_sim, tmp_path):
    argv = ["--project-name", "Web API", "--what-if", "--save-release-notes", "Yes"]
    code, _text, log = run_cli(sample_sim, argv, {})
    assert code == 0, log
    assert os.listdir(str(tmp_path)) == []
    folder = tmp_path / "kept"
    folder.mkdir()
    code, _text, log = run_cli(sample_sim, argv + ["--artifacts-dir", str(folder)], {})
    assert code == 0, log
    [name] = os.listdir(str(folder))
    assert name.startswith("Web API 2021.1.1.") and ".ReleaseNotes_" in name


def test_an_artifacts_dir_that_does_not_exist_is_a_command_line_error(sample_sim, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        run_cli(sample_sim, ["--project-name", "Web API", "--artifacts-dir", str(tmp_path / "no")], {})
    assert stopped.value.code == 2
    assert "is not an existing folder" in capsys.readouterr().err


def test_approved_plan_is_a_flag_fed_from_a_what_if_runs_json(sample_sim):
    plan = json.loads(run_cli(sample_sim, ["--what-if", "--json"],
                              {"CHILDPROJECT_PROJECT_NAME": WAVES})[1])["TrainPlanJson"]
    code, text, log = run_cli(sample_sim, ["--approved-plan", plan, "--json",
                                           "--wait-for-finish", "No"],   # the clock stands still
                              {"CHILDPROJECT_PROJECT_NAME": WAVES})
    assert code == 0, log
    assert "Every child is as the approved plan showed it." in log
    assert json.loads(text)["TrainOutcome"] == "Deployed"
    code, text, _log = run_cli(sample_sim, ["--approved-plan", plan, "--project-name", "Web API"],
                               {})
    assert code == 1 and "| Web API | wave | 2 | 1 |" in text


def test_repeated_flags_and_a_group_line_plan_the_same_train(sample_sim):
    flags = ["--project-name", "Database", "--project-name", "Web API, Scheduling Service",
             "--project-name", "Web UI", "--what-if", "--json"]
    by_flags = json.loads(run_cli(sample_sim, flags, {})[1])
    by_group = json.loads(run_cli(sample_sim, ["--project-name", "group: Platform", "--what-if", "--json"], {})[1])
    assert json.loads(by_flags["TrainManifest"]) == json.loads(by_group["TrainManifest"])
    assert by_group["TrainOutcome"] == "WhatIf"


def test_benchmark_train_plans_then_deploys_every_child_and_judges_the_budget():
    """The benchmark's machinery; whether the engine meets the budget is
    tests/e2e/test_train_cost.py's concern."""
    from child_deploy_bench_train import measure_train, planning_budget, requests, train_table
    single = measure_train(1, latency_ms=0)
    plan, deploy = measure_train(12, latency_ms=0)
    assert [r.outcome for r in single] == ["WhatIf", "Deployed"]
    assert (plan.outcome, deploy.outcome) == ("WhatIf", "Deployed")
    assert plan.counts.get("POST /api/{space}/deployments", 0) == 0
    assert deploy.counts["POST /api/{space}/deployments"] == 12
    assert (planning_budget(1), planning_budget(12), planning_budget(100)) == (13, 46, 313)
    table = train_table(single + [plan, deploy], 0)
    for result in (single[0], plan):
        verdict = "met" if requests(result) <= planning_budget(result.children) else "MISSED"
        assert "| {0} | What If (plan) | WhatIf | {1} | {2} ({3}) |".format(
            result.children, requests(result), planning_budget(result.children), verdict) in table
    assert "| 12 | deploy | Deployed | {0} |  |".format(requests(deploy)) in table


def test_tenant_name_repeated_is_one_ring_per_flag_and_the_ring_pause_has_a_flag():
    found = variables(["--tenant-name", "Acme", "--tenant-name", "tag: Release Ring/Beta",
                       "--tenant-name", "*", "--ring-pause-minutes", "15"])
    assert found["ChildProject.Tenant.Name"] == "Acme\ntag: Release Ring/Beta\n*"
    assert found["ChildProject.Rings.PauseMinutes"] == "15"
