"""The host adapter over fake Calamari globals, in today's and in the pre-2023 shape."""

from child_deploy.base.host import OctopusHost
from child_deploy.base.terminal import RecordingHost, TerminalHost


def calamari(variables, raises=False):
    calls = []

    def get(name):
        return variables[name] if raises else variables.get(name, "")

    namespace = {
        "get_octopusvariable": get,
        "set_octopusvariable": lambda n, v, s=False: calls.append(("set", n, v, s)),
        "updateprogress": lambda p, m=None: calls.append(("progress", p, m.encode() and m)),
        "printverbose": lambda m: calls.append(("verbose", m)),
        "printwarning": lambda m: calls.append(("warning", m)),
        "printhighlight": lambda m: calls.append(("highlight", m)),
        "createartifact": lambda p, n=None: calls.append(("artifact", p, n)),
        "failstep": lambda m=None: calls.append(("fail", m)),
    }
    return namespace, calls


def test_missing_variable_is_empty_even_when_old_calamari_raises():
    namespace, _ = calamari({"A": "1"}, raises=True)
    host = OctopusHost(namespace)
    assert host.variable("A") == "1" and host.variable("Missing") == ""


def test_outputs_are_always_strings_and_progress_always_has_a_message():
    namespace, calls = calamari({})
    host = OctopusHost(namespace)
    host.set_output("ChildReleaseToDeploy", True)
    host.set_output("Count", 5)
    host.progress(150, "")
    assert ("set", "ChildReleaseToDeploy", "True", False) in calls
    assert ("set", "Count", "5", False) in calls
    assert calls[-1][0] == "progress" and calls[-1][1] == 100 and calls[-1][2]


def test_secrets_are_scrubbed_and_service_messages_neutralised():
    namespace, calls = calamari({})
    host = OctopusHost(namespace)
    host.add_secret("API-SECRET123")
    host.warning("key API-SECRET123 and ##octopus[setVariable name='x' value='y']")
    text = calls[-1][1]
    assert "API-SECRET123" not in text and "##octopus[" not in text
    host.info("lower-cased by a child script: api-secret123")
    assert "secret123" not in calls[-1][1].lower()


def test_fail_logs_an_error_line_and_calls_failstep(capsys):
    namespace, calls = calamari({})
    OctopusHost(namespace).fail("It broke")
    assert calls[-1] == ("fail", "It broke")
    assert "##octopus[stdout-error]\nIt broke" in capsys.readouterr().out


def test_detect_needs_calamari_functions():
    assert OctopusHost.detect({}) is None
    assert OctopusHost.detect(calamari({})[0]) is not None


def test_recording_and_terminal_hosts(capsys):
    recording = RecordingHost({"A": "x"})
    recording.info("hello")
    recording.fail("nope")
    assert recording.variable("A") == "x" and recording.failure == "nope"
    terminal = TerminalHost({"A": "y"}, show_verbose=False)
    terminal.verbose("hidden")
    terminal.warning("careful")
    terminal.set_output("X", False)
    assert terminal.outputs == {"X": "False"}
    assert "WARNING: careful" in capsys.readouterr().out


def test_library_warnings_go_to_the_verbose_log_not_stderr(capsys):
    import warnings
    from child_deploy.shell.runner import warnings_to_verbose
    host = RecordingHost({})
    with warnings_to_verbose(host):
        warnings.warn_explicit("old OpenSSL", RuntimeWarning, "urllib3/__init__.py", 1)
    assert capsys.readouterr().err == ""
    assert host.messages == [("verbose", "RuntimeWarning: old OpenSSL")]


def test_terminal_progress_is_shown_when_the_state_changes_or_every_five_percent(capsys):
    host = TerminalHost({})
    for percent, message in [(0, "Web API: Queued (0 s)"), (1, "Web API: Queued (9 s)"),
                             (2, "Web API: Executing (20 s)"), (3, "Web API: Executing (40 s)"),
                             (5, "Web API: Executing (90 s)")]:
        host.progress(percent, message)
    shown = [line for line in capsys.readouterr().out.splitlines() if "%]" in line]
    assert shown == ["[  0%] Web API: Queued (0 s)", "[  2%] Web API: Executing (20 s)",
                     "[  5%] Web API: Executing (90 s)"]


def test_an_unexpected_error_still_sets_the_outputs(monkeypatch):
    """A bug is a bug, but the later steps reading the outputs still learn the step failed."""
    from child_deploy.shell import runner
    from fakes import base_variables

    def broken(*args):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(runner, "deploy_child", broken)
    host = RecordingHost(base_variables())
    assert runner.run(host, install=lambda packages: None) == 1
    assert host.failure == runner.BUG_MESSAGE
    assert host.outputs["ChildOutcome"] == "Error" and host.outputs["ReleaseToPromote"] == "N/A"
    assert "ZeroDivisionError" in host.text("verbose")


def test_children_side_by_side_say_each_change_once_each_without_a_percentage():
    import io
    from child_deploy.base.host import ChildHost
    stream = io.StringIO()
    terminal = TerminalHost({}, stream=stream)
    web_api, database = ChildHost(terminal, "Web API"), ChildHost(terminal, "Database")
    for seconds in range(0, 50, 5):
        for child in (web_api, database):
            state = "Queued" if seconds < 10 else "Executing"
            child.progress(seconds * 2, "{0} 1.0 in Production: {1} ({2} s)".format(
                child.name, state, seconds))
    assert stream.getvalue().splitlines() == [
        "[Web API] Web API 1.0 in Production: Queued",
        "[Database] Database 1.0 in Production: Queued",
        "[Web API] Web API 1.0 in Production: Executing",
        "[Database] Database 1.0 in Production: Executing"]
