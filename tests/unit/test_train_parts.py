"""The release train's pure parts: waves and pins from the parameters, the plan table, the
manifest, the train's outcome (docs/design.md, the release train)."""

import json

import pytest

from child_deploy.base.errors import ConfigurationError
from child_deploy.shell.settings import Wave, parse_settings
from child_deploy.train.train_report import (ChildLine, manifest, markdown_table, movement,
                                             outcome_table, plan_table, train_outcome)

BASE = {"ChildProject.Web.ServerUrl": "https://octopus.example.com",
        "ChildProject.Api.Key": "API-ABCDEFGH", "ChildProject.Space.Name": "Default",
        "ChildProject.Destination.EnvironmentName": "Production"}


def settings(**values):
    variables = dict(BASE, **{"ChildProject." + k: v for k, v in values.items()})
    return parse_settings(lambda name: variables.get(name, ""))


def test_one_name_is_not_a_train_and_keeps_its_name():
    one = settings(**{"Project.Name": "  Web API "})
    assert not one.is_train and one.project_name == "Web API"
    assert one.train_parallelism == 4 and one.train_failure_policy == "Stop"
    assert one.pinned_versions == ()


def test_lines_are_waves_commas_run_side_by_side_and_group_lines_name_a_group():
    train = settings(**{"Project.Name": "Database\n\nWeb API , Scheduling Service\ngroup: Platform"})
    assert train.is_train
    assert train.waves == (Wave(("Database",), ""), Wave(("Web API", "Scheduling Service"), ""),
                           Wave((), "Platform"))
    assert settings(**{"Project.Name": "Web API, Web UI"}).is_train


def test_every_train_problem_is_reported_at_once_by_label():
    with pytest.raises(ConfigurationError) as raised:
        settings(**{"Project.Name": "Web API\nweb api\ngroup:", "Train.Parallelism": "0",
                    "Train.OnFailure": "Undo", "Train.PinnedVersions": "Web API 1.0"})
    text = str(raised.value)
    for label in ("Child Project Name", "Train parallelism", "When a child fails",
                  "Pinned versions"):
        assert '"{0}"'.format(label) in text, label
    assert len(raised.value.problems) == 4


def test_a_name_given_twice_is_no_problem_of_the_parameter():
    """One rule for a project named twice, by name or by a group: it deploys once, in its first
    wave (the train says so); so the parameter itself has nothing to refuse."""
    assert settings(**{"Project.Name": "Web API\nweb api"}).waves == (
        Wave(("Web API",), ""), Wave(("web api",), ""))


def test_pins_come_as_lines_or_as_an_earlier_manifest():
    lines = settings(**{"Project.Name": "A\nB", "Train.PinnedVersions": "A::1.0\n b :: 2.0 "})
    assert lines.pinned_versions == (("A", "1.0"), ("b", "2.0"))
    assert lines.pinned_version("B") == "2.0" and lines.pinned_version("C") == ""
    manifest_pins = settings(**{"Project.Name": "A\nB",
                                "Train.PinnedVersions": json.dumps({"A": "1.0", "B": "2.0"})})
    assert manifest_pins.pinned_versions == (("A", "1.0"), ("B", "2.0"))
    with pytest.raises(ConfigurationError):
        settings(**{"Project.Name": "A\nB", "Train.PinnedVersions": '{"A": 1}'})


def line(name, before, chosen, result, planned="Deploy", rolled_back=False, wave=1):
    return ChildLine(name, wave, before, chosen, movement(chosen, before, planned == "Deploy"),
                     planned, "why", result, rolled_back)


def test_movement_and_a_table_no_cell_can_break():
    assert movement("2.0", "1.0", True) == "upgrade"
    assert movement("1.0", "2.0", True) == "downgrade"
    assert movement("1.0", "", True) == "new"
    assert movement("1.0", "1.0", False) == "unchanged"
    table = markdown_table(("A", "B"), [("x|y", "two\nlines")])
    assert table.splitlines()[2] == "| x\\|y | two lines |"
    assert plan_table([line("Web API", "", "1.0", "")]).splitlines()[2].startswith(
        "| Web API | 1 | none | 1.0 | new | Deploy |")


def test_the_manifest_is_what_the_destination_runs_after_the_train():
    lines = [line("A", "1.0", "2.0", "Deployed"), line("B", "1.0", "2.0", "Failed"),
             line("C", "", "2.0", "NotStarted"), line("D", "1.0", "2.0", "RolledBack",
                                                      rolled_back=True)]
    assert manifest(lines) == {"A": "2.0", "B": "1.0", "D": "1.0"}


@pytest.mark.parametrize("results,what_if,rollback,expected", [
    (("Deployed", "AlreadyDeployed"), False, False, "Deployed"),
    (("AlreadyDeployed", "NoRelease"), False, False, "NothingToDeploy"),
    (("WhatIf", "WhatIf"), True, False, "WhatIf"),
    (("Deployed", "Failed"), False, False, "PartlyDeployed"),
    (("Failed", "NotStarted"), False, False, "Failed"),
    (("RolledBack", "Failed"), False, True, "RolledBack"),
    (("Deployed", "Failed"), False, True, "RollBackIncomplete"),
])
def test_the_train_outcome(results, what_if, rollback, expected):
    lines = [line("C{0}".format(n), "1.0", "2.0", r) for n, r in enumerate(results)]
    assert train_outcome(lines, what_if, rollback)[0] == expected


def test_a_roll_back_that_did_not_put_every_changed_child_back_is_incomplete():
    lines = [line("A", "", "2.0", "Deployed")._replace(rollback="NoPreviousRelease"),
             line("B", "1.0", "2.0", "RolledBack", rolled_back=True)._replace(
                 rollback="RolledBack"),
             line("C", "1", "2", "Failed"),
             line("D", "1.0", "2.0", "Deployed")._replace(rollback="TimedOut")]
    outcome, reason = train_outcome(lines, False, True, "Production")
    assert outcome == "RollBackIncomplete"
    assert "Rolled back: B." in reason
    assert ("Not put back: A (Production runs 2.0; roll back impossible: it ran no release "
            "before), D (Production runs 2.0; roll back to 1.0: TimedOut).") in reason
    assert manifest(lines) == {"A": "2.0", "B": "1.0", "C": "1", "D": "2.0"}
    table = outcome_table(lines).splitlines()
    assert table[0].endswith("| Roll back | Reason |")
    assert table[2] == "| A | 1 | none | 2.0 | Deployed | impossible: it ran no release before " \
        "| why |"
    assert table[3] == "| B | 1 | 1.0 | 2.0 | Deployed | to 1.0: RolledBack | why |"


def test_a_bad_pin_line_is_named_by_its_number_and_quoted_at_most_80_characters():
    from child_deploy.train.waves import parse_pins
    long_line = "Web API " + "x" * 200
    with pytest.raises(ValueError) as raised:
        parse_pins("Database::2021.1.0.1\n" + long_line)
    text = str(raised.value)
    assert "line 2 must look like Project::Version" in text
    assert '(got "' + long_line[:80] + '")' in text


def test_the_outcome_table_shows_blanks_as_words_and_the_plan_until_a_result_exists():
    from child_deploy.train.train_report import outcome_table
    rows = outcome_table([
        ChildLine("Web UI", 2, "", "", "unchanged", "NoRelease", "nothing qualifies", "", False),
        ChildLine("Web API", 1, "2021.1.0.1", "2021.1.1.2", "upgrade", "Deploy", "newer", "Deployed",
                  False)]).splitlines()
    assert rows[2] == "| Web UI | 2 | none | - | NoRelease | nothing qualifies |"
    assert rows[3] == "| Web API | 1 | 2021.1.0.1 | 2021.1.1.2 | Deployed | newer |"


def test_the_manifest_json_keeps_names_as_written():
    from child_deploy.train.train_report import manifest_json
    line = ChildLine("Zürich Web", 1, "1.0", "1.1", "upgrade", "Deploy", "", "Deployed", False)
    assert manifest_json([line]) == '{"Zürich Web": "1.1"}'
