"""The terminal for people: one stream for the log, exit 2 for every command-line mistake with
the flag named, help without Markdown, no abbreviations, no silent minute, and a reader that
goes away (`| head`) is not a failure."""

import io
import os
import subprocess
import sys
import time

import pytest

from child_deploy.shell.cli import build_parser, cli_main, collect_variables
from child_deploy.shell.settings import parse_settings
from child_deploy.base.errors import ConfigurationError
from fakes import FakeClock
from test_cli_demo import help_text
from octopus_sim import DEFAULT_API_KEY, ManualClock, Simulator, StepClock, load_sample_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
KEY_ENV = {"CHILDPROJECT_API_KEY": DEFAULT_API_KEY}
TENANT = "ChildProject.Tenant.Name"


@pytest.fixture
def sample_sim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Simulator(api_key=DEFAULT_API_KEY, clock=ManualClock()) as sim:
        load_sample_suite(sim)
        yield sim


def run_cli(sim_url, *flags, environ=KEY_ENV, clock=None, json_mode=False):
    stream, log = io.StringIO(), io.StringIO()
    argv = ["--server-url", sim_url, "--space-name", "Default", "--destination-environment",
            "Staging"] + list(flags) + (["--json"] if json_mode else [])
    more = {"clock": clock} if clock else {}
    code = cli_main(argv, environ=environ, stream=stream, log_stream=log, **more)
    return code, stream.getvalue(), log.getvalue()


# -- where the log goes --------------------------------------------------------------------------
def test_the_error_line_goes_to_the_log_with_the_rest_of_it(sample_sim, capsys):
    code, text, log = run_cli(sample_sim.url, "--project-name", "No Such Project")
    assert code == 1 and log == ""
    assert "ERROR: " in text and "No Such Project" in text[text.index("ERROR: "):]
    assert capsys.readouterr().err == ""        # `> log.txt` keeps every line


def test_with_json_the_error_line_goes_to_stderr_with_the_log(sample_sim, capsys):
    code, text, log = run_cli(sample_sim.url, "--project-name", "No Such Project", json_mode=True)
    assert code == 1 and "ERROR: " in log and "ERROR" not in text
    assert capsys.readouterr().err == ""


# -- every command-line mistake exits 2 and names the flag ---------------------------------------
@pytest.mark.parametrize("flags, environ, named", [
    (["--project-name", "Web API", "--deployment-mode", "Latest"], KEY_ENV,
     ['"Deployment Mode" (--deployment-mode, CHILDPROJECT_DEPLOYMENTMODE_VALUE)', '"Latest"',
      "Promote, Redeploy, AlwaysLatest"]),
    (["--project-name", "Web API"], {},
     ['"Octopus API Key" (--api-key, CHILDPROJECT_API_KEY) is required']),
    (["--what-if", "Maybe", "--train-failure-policy", "Retry"], KEY_ENV,
     ['"Child Project Name" (--project-name, CHILDPROJECT_PROJECT_NAME) is required',
      '"What If" (--what-if, CHILDPROJECT_WHATIF_VALUE)',
      '"When a child fails" (--train-failure-policy, CHILDPROJECT_TRAIN_ONFAILURE)']),
], ids=["invalid choice", "missing required value", "all problems at once"])
def test_a_refused_value_exits_2_naming_label_flag_and_variable(sample_sim, capsys, flags,
                                                                environ, named):
    code, text, log = run_cli(sample_sim.url, *flags, environ=environ)
    err = capsys.readouterr().err
    assert code == 2 and (text, log) == ("", "")
    assert err.startswith("deploy_child_project.py: error: ")
    for part in named:
        assert part in err
    assert not sample_sim.requests          # nothing ran


def test_inside_octopus_the_message_keeps_the_label_alone():
    values = {"ChildProject.DeploymentMode.Value": "Latest"}
    with pytest.raises(ConfigurationError) as raised:
        parse_settings(lambda name: values.get(name, ""))
    assert '"Deployment Mode" must be one of' in str(raised.value)
    assert "--" not in str(raised.value) and "CHILDPROJECT_" not in str(raised.value)


def test_a_failure_naming_a_parameter_names_its_flag_too(sample_sim):
    code, text, _ = run_cli("http://127.0.0.1:1", "--project-name", "Web API",
                            clock=FakeClock())
    error = text[text.index("ERROR: "):]
    assert code == 1 and '"Octopus Base Url" (--server-url, CHILDPROJECT_WEB_SERVERURL)' in error


def test_a_parameter_left_out_takes_its_default_from_the_parents_flag_as_in_octopus():
    """Octopus fills a parameter left alone with its default, `#{Octopus.Deployment.Tenant.Name}`
    evaluated; the terminal does the same with --parent-tenant-name. Given blank, it is blank."""
    def tenant(*argv):
        return collect_variables(build_parser().parse_args(list(argv)), {})[TENANT]
    assert tenant("--parent-tenant-name", "Acme") == "Acme"
    assert tenant("--parent-tenant-name", "Acme", "--tenant-name", "") == ""


# -- help and flags for people -------------------------------------------------------------------
def test_help_has_no_raw_markdown(capsys):
    text = help_text(capsys)
    assert "**" not in text and "`" not in text
    assert "Required. The address of the Octopus Server" in " ".join(text.split())


def test_help_lists_the_choices_and_default_of_each_choice_parameter(capsys):
    text = " ".join(help_text(capsys).split())
    assert "--deployment-mode {Promote,Redeploy,AlwaysLatest}" in text
    assert "One of: Promote, Redeploy, AlwaysLatest. Default: Promote." in text
    assert "--not-found-handling {Error,Warning,Skip}" in text
    assert "One of: Stop, Continue, RollBack. Default: Stop." in text


@pytest.mark.parametrize("argv, suggestion", [
    (["--dest", "Staging"], "--destination-environment"), (["--what"], "--what-if"),
    (["--projct-name=Web API"], "--project-name")])
def test_an_abbreviation_or_typo_is_refused_in_one_line_with_the_closest_flag(capsys, argv,
                                                                              suggestion):
    with pytest.raises(SystemExit) as stopped:
        cli_main(argv, environ={})
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.count("\n") == 1 and "usage" not in err
    assert "unknown flag " + argv[0].split("=")[0] in err and suggestion in err


def test_the_parser_accepts_no_abbreviation():
    assert build_parser().allow_abbrev is False


# -- no silent minute ----------------------------------------------------------------------------
def test_an_unreachable_server_is_said_at_once_not_after_a_silent_minute():
    clock = FakeClock()
    code, text, _ = run_cli("http://127.0.0.1:1", "--project-name", "Web API", clock=clock)
    first = text.splitlines()[1]        # after the line naming what is deployed
    assert code == 1 and len(clock.sleeps) == 9     # no real sleeping: the clock is injected
    assert first.startswith("Could not reach Octopus at http://127.0.0.1:1")
    assert "tries again in" in first and "gives up after at most 9 more tries" in first


# -- a closed output pipe ------------------------------------------------------------------------
PIPED = """
import runpy, sys
sys.path.insert(0, {tests!r})
import virtual_clock
virtual_clock.install({url!r})
sys.argv = [{script!r}] + {argv!r}
runpy.run_path({script!r}, run_name="__main__")
"""


def test_a_closed_output_pipe_leaves_the_step_following_its_child(sample_sim, tmp_path):
    """`... | head -9`: the reader leaves once the child is created; the step goes on watching
    it to the end, quietly, with no traceback and its own exit code."""
    argv = ["--server-url", sample_sim.url, "--space-name", "Default", "--project-name", "Web API",
            "--destination-environment", "Staging", "--deployment-mode", "Redeploy"]
    code = PIPED.format(tests=TESTS, url=sample_sim.url, script=os.path.join(ROOT,
                        "deploy_child_project.py"), argv=argv)
    env = dict(os.environ, CHILDPROJECT_API_KEY=DEFAULT_API_KEY, NO_PROXY="127.0.0.1")
    hold = sample_sim.faults.hold(path_contains="Spaces-1/deployments")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    try:
        assert process.stdout.readline().startswith(b"Deploying child project Web API")
        assert hold.wait_until_held(30)
        process.stdout.close()              # the reader goes away (head has its lines)
        hold.release()
        err = process.stderr.read().decode("utf-8", "replace")
        assert process.wait(timeout=60) == 0, err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert err == ""
    deployment = sample_sim.world.deployments_for(sample_sim.world.get("Projects-3"),
                                                  sample_sim.world.get("Environments-3"))[0]
    assert sample_sim.world.task_of(deployment).state == "Success"


# -- a signal while the packages install ---------------------------------------------------------
SLOW_PIP = """
import os, sys, time
open(os.environ["PIP_STARTED"], "w").close()
time.sleep(60)
"""


def test_sigterm_while_pip_installs_leaves_no_package_folder(tmp_path):
    """From a terminal without requests, SIGTERM during the installation ends the process
    through the signal guard, and the temporary folder goes with it."""
    fake = tmp_path / "fake" / "pip"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(SLOW_PIP)
    temp, started = tmp_path / "tmp", tmp_path / "pip-started"
    temp.mkdir()
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "fake"), TMPDIR=str(temp),
               PIP_STARTED=str(started))
    process = subprocess.Popen(      # -S: no site-packages, so requests is missing
        [sys.executable, "-S", os.path.join(ROOT, "deploy_child_project.py"), "--what-if"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)        # pip's start, in another process
        assert started.exists(), process.communicate(timeout=10)
        assert [n for n in os.listdir(str(temp)) if n.startswith("child-deploy-packages-")]
        process.terminate()
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1 and err == b""
    assert b"ERROR: The step was cancelled" in out
    assert [n for n in os.listdir(str(temp)) if n.startswith("child-deploy-packages-")] == []
