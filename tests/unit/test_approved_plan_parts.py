"""The approved plan's pure parts: its JSON both ways, the pins it sets, and the comparison of a
new plan with it (each difference a row: child, what differs, approved, now)."""

import json
from dataclasses import replace

import pytest

from child_deploy.base.errors import ConfigurationError
from child_deploy.shell.settings import parse_settings
from child_deploy.train.approved import parse_plan, plan_differences, plan_json
from child_deploy.train.waves import pinned
from child_deploy.train.train_report import ChildLine

BASE = {"ChildProject.Web.ServerUrl": "https://octopus.example.com",
        "ChildProject.Api.Key": "API-ABCDEFGH", "ChildProject.Space.Name": "Default",
        "ChildProject.Destination.EnvironmentName": "Production"}


def row(name, before="1.0", chosen="2.0", planned="Deploy", wave=1, reason="why"):
    return ChildLine(name, wave, before, chosen, "upgrade", planned, reason, "", False)


APPROVED = (row("Database", planned="WhatIf"), row("Web API", wave=2),
            row("Web UI", "2.0", "2.0", "AlreadyDeployed", 3))


def settings(**values):
    variables = dict(BASE, **{"ChildProject." + k: v for k, v in values.items()})
    return parse_settings(lambda name: variables.get(name, ""))


def test_the_json_is_one_object_per_child_and_reads_back_as_the_same_rows():
    text = plan_json(APPROVED)
    assert json.loads(text)[1] == {"Project": "Web API", "Wave": 2, "Current": "1.0",
                                   "Chosen": "2.0", "Planned": "Deploy"}
    back = parse_plan(text, "Approved plan", "")
    assert back == tuple(r._replace(movement="", reason="") for r in APPROVED)


def test_the_same_plan_has_no_difference_and_what_if_is_deploy():
    now = [r._replace(planned="Deploy" if r.planned == "WhatIf" else r.planned, reason="other")
           for r in APPROVED]
    assert plan_differences(APPROVED, now) == ([], "Every child is as the approved plan showed it.")


@pytest.mark.parametrize("change, expected", [
    ({"before": "1.5"}, [("Web API", "destination runs", "1.0", "1.5")]),
    ({"chosen": "2.1"}, [("Web API", "release chosen", "2.0", "2.1")]),
    ({"wave": 3}, [("Web API", "wave", "2", "3")]),
    ({"before": "2.0", "planned": "AlreadyDeployed", "reason": "It is there."},
     [("Web API", "destination runs", "1.0", "2.0"),
      ("Web API", "planned outcome", "Deploy", "AlreadyDeployed: It is there.")]),
    ({"before": "?", "chosen": "", "planned": "Error", "reason": "No release was found."},
     [("Web API", "release chosen", "2.0", "none"),
      ("Web API", "planned outcome", "Deploy", "Error: No release was found.")]),
])
def test_each_change_to_a_child_is_a_difference(change, expected):
    now = [APPROVED[0], APPROVED[1]._replace(**change), APPROVED[2]]
    found, reason = plan_differences(APPROVED, now)
    assert found == expected
    assert reason == ('Nothing was deployed: the plan differs from the "Approved plan" for Web API; '
                      'approve a new What-If plan.')


def test_a_child_added_or_removed_is_a_difference_and_names_ignore_case():
    now = [row("database", planned="Deploy"), row("Web API", wave=2), row("Web UI 2", wave=3)]
    found, reason = plan_differences(APPROVED, now)
    assert found == [("Web UI", "in the plan", "yes", "no"), ("Web UI 2", "in the plan", "no", "yes")]
    assert 'the "Approved plan" for Web UI, Web UI 2;' in reason


def test_a_newer_release_is_no_difference_when_the_approved_one_is_chosen():
    """The comparison sees releases chosen, not which exist: the pin keeps the approved one."""
    assert plan_differences(APPROVED[1:2], [APPROVED[1]._replace(reason="newer exists")])[0] == []


def test_the_approved_plan_pins_each_child_and_wins_over_a_pin():
    given = settings(**{"Project.Name": "Database\nWeb API\nWeb UI",
                        "Train.PinnedVersions": "Web API::1.9\nWeb UI::1.8",
                        "ApprovedPlan": plan_json(APPROVED[:2]) })
    web_api = pinned(replace(given, project_name="web api"))
    web_ui = pinned(replace(given, project_name="Web UI"))
    assert (web_api.release_pattern, web_api.not_found_handling) == ("2.0", "Error")
    assert (web_api.pin, web_api.pinned_by) == ("web api::2.0", '"Approved plan"')
    assert (web_ui.release_pattern, web_ui.not_found_handling) == ("1.8", "Error")
    assert web_ui.pinned_by == '"Pinned versions"'


def test_a_child_the_plan_chose_nothing_for_is_decided_as_usual():
    given = settings(**{"Project.Name": "Web UI", "Release.Number": "2.*",
                        "ApprovedPlan": plan_json([row("Web UI", "", "", "NoRelease")])})
    alone = pinned(given)       # the plan chose no release: decided as usual, then compared
    assert (alone.release_pattern, alone.not_found_handling) == ("2.*", "Warning")
    assert settings(**{"Project.Name": "Web UI"}).approved_plan is None


@pytest.mark.parametrize("value", [
    "{", "[]", "null", '"plan"', '{"Web API": "2.0"}', '[["Web API", 1, "", "", "Deploy"]]',
    '[{"Project": "Web API", "Wave": "1", "Current": "", "Chosen": "", "Planned": "Deploy"}]',
    '[{"Project": " ", "Wave": 1, "Current": "", "Chosen": "", "Planned": "Deploy"}]',
    '[{"Project": "A", "Wave": true, "Current": "", "Chosen": "", "Planned": "Deploy"}]',
    '[{"Project": "A", "Wave": 1, "Current": null, "Chosen": "", "Planned": "Deploy"}]',
    '[{"Project": "A", "Wave": 1, "Current": "", "Chosen": ""}]',
])
def test_a_value_that_is_no_plan_is_reported_with_the_others_by_label(value):
    with pytest.raises(ConfigurationError) as raised:
        settings(**{"Project.Name": "A", "ApprovedPlan": value, "Train.Parallelism": "0"})
    text = str(raised.value)
    assert '"Approved plan" must be the TrainPlanJson output of a What-If run of this step' in text
    assert "keys Project, Wave, Current, Chosen, Planned" in text
    assert '"Train parallelism"' in text


def test_a_binding_octopus_could_not_resolve_is_no_plan():
    unresolved = "#" + "{Octopus.Action[Plan suite].Output.TrainPlanJson}"
    with pytest.raises(ConfigurationError) as raised:
        settings(**{"Project.Name": "A", "ApprovedPlan": unresolved})
    assert "a variable Octopus could not resolve" in str(raised.value)


def test_each_kind_of_decision_is_one_row_of_the_plan():
    from child_deploy.acting.delivery import Delivery
    from child_deploy.base.outcome import nothing_to_deploy, not_deployed
    from child_deploy.train.approved import plan_line
    delivery = Delivery(None, {"Version": "2.0"}, {"Version": "1.0"}, None, None, None, "newest")
    assert plan_line("A", 1, delivery, "", True) == ChildLine(
        "A", 1, "1.0", "2.0", "upgrade", "WhatIf", "newest", "", False)
    assert plan_line("A", 1, delivery._replace(current=None), "", False)[2:6] == (
        "", "2.0", "new", "Deploy")
    assert plan_line("A", 2, not_deployed("AlreadyDeployed", "there", "2.0", "2.0"), "", False) \
        == ChildLine("A", 2, "2.0", "2.0", "unchanged", "AlreadyDeployed", "there", "", False)
    assert plan_line("A", 1, nothing_to_deploy("NoRelease", "none", "1.0"), "", False)[2:6] == (
        "1.0", "", "unchanged", "NoRelease")
    assert plan_line("A", 1, None, "Not found.", False) == ChildLine(
        "A", 1, "?", "", "-", "Error", "Not found.", "", False)
    assert plan_line("A", 1, None, "", False) == ChildLine(
        "A", 1, "", "", "-", "NotPlanned", "The step stopped before this child was planned.", "",
        False)


def test_the_json_keeps_names_as_written():
    assert '"Zürich Web"' in plan_json([row("Zürich Web")])


def test_the_first_line_says_an_approved_plan_governs_the_release():
    from child_deploy.shell.flow import summary
    given = settings(**{"Project.Name": "Database\nWeb API", "ApprovedPlan": plan_json(APPROVED[:2])})
    assert "release as approved," in summary(given)
    assert "release (newest that qualifies)," in summary(settings(**{"Project.Name": "Web API"}))


def test_a_rings_plan_keeps_each_tenants_row_apart():
    """Rings plan one row per (child, tenant): the JSON names the tenant, and a difference for
    one tenant is not hidden by another's row of the same child."""
    acme, globex = (row("Web API")._replace(tenant=t, ring=n) for n, t in ((1, "Acme"), (2, "Globex")))
    text = plan_json([acme, globex])
    assert [r.get("Tenant") for r in json.loads(text)] == ["Acme", "Globex"]
    approved = parse_plan(text, "Approved plan", "")
    assert [c.key for c in approved] == ["Web API/Acme", "Web API/Globex"]
    assert plan_differences(approved, [acme, globex])[0] == []
    moved = globex._replace(before="1.5")
    assert plan_differences(approved, [acme, moved])[0] == [
        ("Web API/Globex", "destination runs", "1.0", "1.5")]


def test_a_rings_pin_for_one_tenant_comes_before_the_projects_pin():
    given = settings(**{"Project.Name": "Web API",
                        "Train.PinnedVersions": "Web API::1.0\nWeb API/Acme::0.9"})
    acme, globex = pinned(given, "Web API/Acme"), pinned(given, "Web API/Globex")
    assert (acme.release_pattern, acme.pin) == ("0.9", "Web API/Acme::0.9")
    assert (globex.release_pattern, globex.pin) == ("1.0", "Web API::1.0")
