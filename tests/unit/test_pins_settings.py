"""Pins for settings.py: the documented limits at their edges, and what counts as "not set".

Each test fails when one decision of the parse is changed (see docs/mutation.md).
"""

import dataclasses
from datetime import datetime, timezone

import pytest

from child_deploy.base.errors import ConfigurationError
from child_deploy.shell.settings import Settings, is_unresolved, parse_settings, read_value
from child_deploy.shell.parameters import PARAMETERS
from fakes import base_variables, make_settings

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
SECONDS = "ChildProject.CancelDeployment.Seconds"
MINUTES = "ChildProject.Deployment.FutureTimeExpiry.Minutes"
PROMPTED = "ChildProject.Prompted.Variables"
REF = "#" + "{"


def problems_for(**overrides):
    with pytest.raises(ConfigurationError) as raised:
        make_settings(now=NOW, **overrides)
    return raised.value.problems


@pytest.mark.parametrize("raw, expected", [
    ("1", 1), ("604800", 604800), ("+60", 60), (" 90 ", 90)])
def test_the_wait_accepts_one_second_to_seven_days(raw, expected):
    assert make_settings(**{SECONDS: raw}).timeout_seconds == expected


@pytest.mark.parametrize("raw", ["0", "604801", "1.5", "-1"])
def test_the_wait_refuses_values_past_its_edges(raw):
    [problem] = problems_for(**{SECONDS: raw})
    assert problem == ('"Wait for Deployment" must be a whole number of seconds from 1 to 604800 '
                       '(got "{0}").'.format(raw))


@pytest.mark.parametrize("raw, expected", [("1", 1), ("10080", 10080)])
def test_the_schedule_expiry_accepts_one_minute_to_seven_days(raw, expected):
    assert make_settings(**{MINUTES: raw}).schedule_expiry_minutes == expected


@pytest.mark.parametrize("raw", ["0", "10081"])
def test_the_schedule_expiry_refuses_values_past_its_edges(raw):
    [problem] = problems_for(**{MINUTES: raw})
    assert "from 1 to 10080" in problem and "minutes" in problem


@pytest.mark.parametrize("text, unresolved", [
    (REF + "Octopus.Environment.Name}", True), ("  " + REF + "Missing} ", True),
    ('{"retries": 3}', False), ("value}", False), (REF + "not closed", False), ("", False),
    ("#Octopus}", False)])
def test_only_a_whole_reference_is_unresolved(text, unresolved):
    assert is_unresolved(text) is unresolved


def test_a_json_prompted_value_ending_with_a_brace_is_kept():
    settings = make_settings(**{PROMPTED: 'Config::{"retries": 3}\nName::#x}'})
    assert [(p.name, p.value) for p in settings.prompted_variables] == [
        ("Config", '{"retries": 3}'), ("Name", "#x}")]


def test_a_value_ending_with_a_brace_is_not_replaced_by_the_default():
    row = next(r for r in PARAMETERS if r.name == "ChildProject.Release.Number")
    assert read_value(lambda name: "2021.1.*}", row) == "2021.1.*}"


def test_a_required_value_left_unresolved_says_which_variable_octopus_could_not_resolve():
    variables = base_variables(**{"ChildProject.Project.Name": REF + "ChildName}"})
    with pytest.raises(ConfigurationError) as raised:
        parse_settings(lambda name: variables.get(name, ""), now=NOW)
    [problem] = raised.value.problems
    assert problem.startswith('"Child Project Name" is required but is empty.')
    assert "It was set to \"" + REF + "ChildName}\", a variable Octopus could not resolve" in problem


def test_a_long_bad_value_is_quoted_shortened_to_80_characters():
    raw = "x" * 100
    [problem] = problems_for(**{"ChildProject.WhatIf.Value": raw})
    assert '"' + "x" * 77 + '..."' in problem and "x" * 78 not in problem
    [problem] = problems_for(**{"ChildProject.WhatIf.Value": "y" * 80})
    assert '"' + "y" * 80 + '"' in problem


@pytest.mark.parametrize("url, ok", [
    ("https://octopus.example.com:1", True), ("https://octopus.example.com:65535", True),
    ("https://octopus.example.com:0", False), ("https://octopus.example.com:+80", False),
    ("https://user@octopus.example.com:8443/path", True), ("https://[::1]:8080", True),
    ("https://:8080", False)])
def test_server_url_ports_and_hosts(url, ok):
    variables = {"ChildProject.Web.ServerUrl": url}
    if ok:
        # A user (a token) in the URL is a credential: kept apart, never part of server_url.
        assert make_settings(**variables).server_url == url.replace("user@", "")
    else:
        assert "Octopus Base Url" in problems_for(**variables)[0]


@pytest.mark.parametrize("raw, expected", [("N/A", ""), ("n/a", ""), ("  ", ""),
                                           ("2030-01-01 10:00", "2030-01-01 10:00")])
def test_scheduling_not_set_words(raw, expected):
    assert make_settings(**{"ChildProject.Deployment.FutureTime": raw}).schedule == expected


def test_skip_steps_are_split_on_lines_and_commas():
    settings = make_settings(**{"ChildProject.Deployment.SkipSteps": "Smoke test, Notify\r\n\nBackup"})
    assert settings.skip_steps == ("Smoke test", "Notify", "Backup")


def test_a_prompted_line_without_a_name_is_refused_with_its_line_number():
    [problem] = problems_for(**{PROMPTED: "A::1\n\n::2"})
    assert "line 3" in problem and "Name::Value" in problem


def test_the_api_key_may_not_contain_spaces_and_a_blank_key_is_required():
    assert "holds a space" in problems_for(**{"ChildProject.Api.Key": "API-A\tB"})[0]
    assert "is required" in problems_for(**{"ChildProject.Api.Key": "   "})[0]


def test_a_machine_id_that_is_not_one_is_refused_but_a_name_is_kept():
    assert "looks like a target id" in problems_for(**{
        "ChildProject.Target.MachineNames": "s-web-01, Machines-12x"})[0]
    assert make_settings(**{"ChildProject.Target.MachineNames": "machine-12x"}).target_machines == (
        "machine-12x",)


def test_a_schedule_whose_expiry_passes_year_9999_is_refused():
    [problem] = problems_for(**{"ChildProject.Deployment.FutureTime": "9999-12-31 23:30 UTC",
                                MINUTES: "60"})
    assert "too far in the future" in problem


def test_a_schedule_is_read_only_with_a_clock():
    settings = make_settings(**{"ChildProject.Deployment.FutureTime": "2030-01-01 10:00 UTC"})
    assert settings.queue_time is None
    timed = make_settings(now=NOW, **{"ChildProject.Deployment.FutureTime": "2030-01-01 10:00 UTC"})
    assert timed.queue_time == datetime(2030, 1, 1, 10, 0, tzinfo=timezone.utc)
    assert timed.queue_reason.startswith("Scheduled for 2030-01-01 10:00:00 UTC")


def test_settings_and_the_parent_context_are_frozen():
    settings = make_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.what_if = True
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.parent.task_id = "ServerTasks-1"


def test_the_trusted_certificate_stays_out_of_repr():
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    settings = Settings(**dict(vars(make_settings()), trusted_certificate=pem))
    assert "BEGIN CERTIFICATE" not in repr(settings) and settings.trusted_certificate == pem


def test_the_unresolved_hint_goes_to_that_parameters_own_problem():
    variables = base_variables(**{"ChildProject.Api.Key": "",
                                  "ChildProject.Project.Name": REF + "ChildName}"})
    with pytest.raises(ConfigurationError) as raised:
        parse_settings(lambda name: variables.get(name, ""), now=NOW)
    key_problem, name_problem = raised.value.problems
    assert "could not resolve" not in key_problem and "could not resolve" in name_problem


def test_a_value_of_81_characters_is_shortened_in_the_message():
    [problem] = problems_for(**{"ChildProject.WhatIf.Value": "z" * 81})
    assert '"' + "z" * 77 + '..."' in problem


def test_a_readable_ca_certificate_is_accepted_as_given():
    import certifi
    with open(certifi.where(), encoding="ascii") as handle:
        bundle = handle.read()
    end = "-----END CERTIFICATE-----"
    start = bundle.index("-----BEGIN CERTIFICATE-----")
    pem = bundle[start:bundle.index(end, start) + len(end)]
    settings = make_settings(**{"ChildProject.Tls.TrustedCertificate": "\n" + pem + "\n"})
    assert settings.trusted_certificate == pem


@pytest.mark.parametrize("names, train", [
    ("Web API", False),                              # one name: the single-child step
    ("Web API, Web UI", True),                       # two side by side
    ("Web API\nWeb UI", True),                       # two waves
    ("group: Platform", True),                       # a group is a train, even of one
])
def test_only_one_plain_name_is_a_single_child(names, train):
    assert make_settings(**{"ChildProject.Project.Name": names}).is_train is train


def test_every_printable_ascii_character_may_be_in_a_key():
    key = "API-AZaz09!~"
    assert make_settings(**{"ChildProject.Api.Key": key}).api_key == key


@pytest.mark.parametrize("typed", ["Web API", "  Web API  ", "\nWeb API\n\n", "Web API,", "Web API ,"])
def test_one_name_however_typed_is_that_project(typed):
    settings = make_settings(**{"ChildProject.Project.Name": typed})
    assert settings.project_name == "Web API" and not settings.is_train
