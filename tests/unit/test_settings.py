"""The one parse of every parameter: defaults, conversions, and messages that name the label."""

import json
import os
from datetime import datetime, timezone

import pytest

from child_deploy.base.errors import ConfigurationError
from child_deploy.shell.parameters import PARAMETERS, V29_PARAMETER_COUNT, parameter
from child_deploy.shell.settings import parse_settings
from fakes import API_KEY, base_variables, make_settings

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "v29_parameters.json")


def problems_for(**overrides):
    with pytest.raises(ConfigurationError) as raised:
        make_settings(now=NOW, **overrides)
    return raised.value.problems


def test_defaults_match_v29_behaviour():
    settings = make_settings()
    assert settings.deployment_mode == "Promote"
    assert settings.not_found_handling == "Warning"
    assert settings.wait_for_finish is True and settings.what_if is False
    assert settings.auto_approve is True and settings.cancel_on_timeout is True
    assert settings.timeout_seconds == 1800 and settings.schedule_expiry_minutes == 60
    assert settings.target_machines == () and settings.schedule == ""
    assert settings.prompted_variables == ()


def test_v29_names_options_and_defaults_are_kept():
    v29 = json.load(open(FIXTURE))["Parameters"]
    ours = [parameter(p["Name"]) for p in v29]      # by name: the rows are ordered for the UI
    assert len(v29) == V29_PARAMETER_COUNT
    for row, old in zip(ours, v29):
        default = "#" + "{" + row.system_default + "}" if row.system_default else row.default
        assert default == old["DefaultValue"], row.name
        assert sorted(v for v, _ in row.options) == sorted(old["Options"]), row.name
        # Deliberate changes: several lines make a release train, or tenant rings (README,
        # "Different on purpose").
        expected = "MultiLineText" if row.name in (
            "ChildProject.Project.Name", "ChildProject.Tenant.Name") else old["ControlType"]
        assert row.control == expected, row.name


def test_new_parameters_keep_the_prefix_and_unique_names():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names))
    assert all(name.startswith("ChildProject.") for name in names)
    assert len({p.label for p in PARAMETERS}) == len(PARAMETERS)


def test_related_parameters_sit_side_by_side_in_the_octopus_ui():
    labels = [p.label for p in PARAMETERS]
    assert labels.index("Cancel child on timeout") == labels.index("Wait for Deployment") + 1
    assert labels.index("Scheduling expiry (minutes)") == labels.index("Scheduling") + 1
    train = [labels.index(label) for label in ("Train parallelism", "When a child fails",
                                               "Pinned versions")]
    assert train == list(range(train[0], train[0] + 3))


def test_nothing_set_lists_every_missing_required_parameter():
    with pytest.raises(ConfigurationError) as raised:
        parse_settings(lambda name: "")
    text = str(raised.value)
    for label in ("Octopus Base Url", "Octopus API Key", "Child Project Space",
                  "Child Project Name", "Destination Environment Name"):
        assert '"{0}" is required'.format(label) in text
    assert len(raised.value.problems) == 5


def test_unresolved_octopus_references_mean_not_set():
    settings = make_settings(**{"ChildProject.Tenant.Name": "#" + "{Octopus.Deployment.Tenant.Name}",
                                "Octopus.Deployment.Tenant.Name": "#" + "{Octopus.Deployment.Tenant.Name}"})
    assert settings.tenant_name == ""


def test_blank_parameter_falls_back_to_the_system_variable_its_default_names():
    variables = base_variables(**{"ChildProject.Space.Name": "", "Octopus.Space.Name": "Ops"})
    settings = parse_settings(lambda name: variables.get(name, ""))
    assert settings.space_name == "Ops"


def test_a_blank_tenant_name_is_untenanted_even_when_the_parent_has_a_tenant():
    """Octopus passes a cleared parameter as blank: v29 then deployed untenanted."""
    settings = make_settings(**{"ChildProject.Tenant.Name": "  ",
                                "Octopus.Deployment.Tenant.Name": "Acme"})
    assert settings.tenant_name == "" and settings.parent.tenant_name == "Acme"


def test_the_parents_server_address_keeps_no_credentials():
    settings = make_settings(**{"Octopus.Web.ServerUri": "https://robot:s3cret@octopus.example.com/"})
    assert settings.parent.server_uri == "https://octopus.example.com/"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize("raw, expected", [
    ("Yes", True), ("yes", True), (" YES ", True), ("True", True), ("No", False), ("false", False),
])
def test_yes_no_accepts_any_case_and_true_false(raw, expected):
    assert make_settings(**{"ChildProject.WhatIf.Value": raw}).what_if is expected


@pytest.mark.parametrize("name, raw, label, accepted", [
    ("ChildProject.WhatIf.Value", "maybe", "What If", "Yes or No"),
    ("ChildProject.DeploymentMode.Value", "Promotion", "Deployment Mode",
     "Promote, Redeploy, AlwaysLatest"),
    ("ChildProject.Release.NotFoundError", "Fail", "When no release qualifies", "Error, Warning, Skip"),
    ("ChildProject.CancelDeployment.Seconds", "-5", "Wait for Deployment", "whole number of seconds"),
    ("ChildProject.CancelDeployment.Seconds", "30m", "Wait for Deployment", "whole number"),
    ("ChildProject.CancelDeployment.Seconds", "99999999999", "Wait for Deployment", "604800"),
    ("ChildProject.Deployment.FutureTimeExpiry.Minutes", "0", "Scheduling expiry (minutes)", "from 1"),
    ("ChildProject.Target.MachineNames", "Machines-abc", "Specific Deployment Target", "Machines-12"),
    ("ChildProject.Prompted.Variables", "NoSeparator", "Child Project Prompted Variables", "Name::Value"),
    ("ChildProject.Web.ServerUrl", "octopus.example.com", "Octopus Base Url", "https://"),
    ("ChildProject.Web.ServerUrl", "http://octopus:abc", "Octopus Base Url", "https://"),
    ("ChildProject.Web.ServerUrl", "http://octopus:99999", "Octopus Base Url", "https://"),
    ("ChildProject.Web.ServerUrl", "http://[::1", "Octopus Base Url", "https://"),
    ("ChildProject.Release.Number", "2021.1 *", "Child Project Release Number", "without spaces"),
    ("ChildProject.Deployment.FutureTime", "not a date", "Scheduling", "19:00"),
    ("ChildProject.Deployment.FutureTime", "2020-01-01 10:00", "Scheduling", "in the past"),
    ("ChildProject.Tls.TrustedCertificate", "abc", "Trusted CA certificate (PEM)", "BEGIN CERTIFICATE"),
])
def test_bad_values_name_the_label_the_value_and_what_is_accepted(name, raw, label, accepted):
    problems = problems_for(**{name: raw})
    assert len(problems) == 1
    assert '"{0}"'.format(label) in problems[0]
    assert accepted in problems[0]


def test_all_problems_are_reported_together():
    problems = problems_for(**{"ChildProject.WhatIf.Value": "maybe",
                               "ChildProject.CancelDeployment.Seconds": "soon",
                               "ChildProject.Project.Name": "  "})
    assert len(problems) == 3


def test_prompted_values_split_on_the_first_separator_only():
    settings = make_settings(**{"ChildProject.Prompted.Variables":
                                "Url::https://x::y\n\nNote:: keep  \r\n"})
    assert [(p.name, p.value) for p in settings.prompted_variables] == [
        ("Url", "https://x::y"), ("Note", "keep")]


def test_prompted_variable_given_twice_is_refused():
    assert "twice" in problems_for(**{"ChildProject.Prompted.Variables": "A::1\na::2"})[0]


@pytest.mark.parametrize("raw, expected", [
    ("N/A", ()), ("", ()), ("n/a", ()), ("s-web-01, Machines-12 ,", ("s-web-01", "Machines-12")),
    ("a\nb", ("a", "b")), ("machines-7", ("machines-7",)),
])
def test_machine_lists(raw, expected):
    assert make_settings(**{"ChildProject.Target.MachineNames": raw}).target_machines == expected


def test_api_key_never_in_repr_or_errors():
    settings = make_settings()
    assert API_KEY not in repr(settings)
    problems = problems_for(**{"ChildProject.Api.Key": "API-WITH SPACE"})
    assert "API-WITH" not in problems[0] and "Octopus API Key" in problems[0]


def test_parent_machine_lists_are_split_into_ids():
    settings = make_settings(**{"Octopus.Deployment.SpecificMachines": "Machines-1, Machines-2",
                                "Octopus.Deployment.Machines": "Machines-1,Machines-2"})
    assert settings.parent.specific_machines == ("Machines-1", "Machines-2")
    assert settings.parent.machines == ("Machines-1", "Machines-2")


def test_server_url_trailing_slash_is_dropped():
    assert make_settings(**{"ChildProject.Web.ServerUrl": "https://o.example.com/"}).server_url \
        == "https://o.example.com"


# -- secrets: credentials in the Base Url, odd characters in the key ----------------------------
@pytest.mark.parametrize("url,server_url,credentials", [
    ("https://octopus.example.com", "https://octopus.example.com", None),
    ("https://deployer:p%40ss%3Aw@octopus.example.com:8443/base/", "https://octopus.example.com:8443/base",
     ("deployer", "p@ss:w")),
    ("http://token@octopus.example.com", "http://octopus.example.com", ("token", "")),
])
def test_credentials_are_taken_out_of_the_base_url(url, server_url, credentials):
    settings = make_settings(**{"ChildProject.Web.ServerUrl": url})
    assert settings.server_url == server_url and settings.server_credentials == credentials
    assert "p@ss" not in repr(settings) and "p%40ss" not in repr(settings)


@pytest.mark.parametrize("url, shown, secret", [
    ("https://me:hunter22@host:99x", "https://me:********@host:99x", "hunter22"),
    ("https://me:p@ss@host:99x", "https://me:********@host:99x", "p@ss"),
    ("https://tok3n-abc@host:99x", "https://********@host:99x", "tok3n-abc"),
])
def test_a_malformed_base_url_is_quoted_without_its_password(url, shown, secret):
    [problem] = problems_for(**{"ChildProject.Web.ServerUrl": url})
    assert '"Octopus Base Url"' in problem and shown in problem
    assert secret not in problem


@pytest.mark.parametrize("key,kind", [
    ("\ufeff" + API_KEY, "an invisible character"), (API_KEY[:6] + "\u200b" + API_KEY[6:], "an invisible character"),
    (API_KEY[:6] + " " + API_KEY[6:], "a space or line break"), (API_KEY[:6] + "\u00e9" + API_KEY[7:],
                                                                 "a character that is not plain ASCII"),
    (API_KEY[:6] + "\t" + API_KEY[6:], "a space or line break"),
])
def test_a_key_with_an_odd_character_is_refused_without_echoing_it(key, kind):
    [problem] = problems_for(**{"ChildProject.Api.Key": key})
    assert problem.startswith('"Octopus API Key" holds ' + kind) and "Paste the key again" in problem
    assert API_KEY[4:] not in problem and API_KEY[7:] not in problem


def test_a_key_with_outer_spaces_is_accepted_as_the_key_alone():
    assert make_settings(**{"ChildProject.Api.Key": "  " + API_KEY + "\n"}).api_key == API_KEY
