"""Table tests for the pure release decisions: source environments, matching, order, promotion."""

import pytest

from child_deploy.rules.selection import (LifecycleError, Phase, can_promote, choose_source_environments,
                                    order_candidates, phases_from_preview, release_movement,
                                    search_text, version_matches)

DEV, TEST, UAT, STAGE, PROD = "Env-dev", "Env-test", "Env-uat", "Env-stage", "Env-prod"
NAMES = {DEV: "Development", TEST: "Test", UAT: "UAT", STAGE: "Staging", PROD: "Production"}


def lifecycle(*phases):
    return [Phase(name, tuple(envs), optional) for name, envs, optional in phases]


STANDARD = lifecycle(("Dev", [DEV], False), ("Test", [TEST], False), ("Staging", [STAGE], False),
                     ("Prod", [PROD], False))
OPTIONAL_BEFORE = lifecycle(("Dev", [DEV], False), ("Test", [TEST], True), ("UAT", [UAT], True),
                            ("Prod", [PROD], False))
ALL_OPTIONAL = lifecycle(("Test", [TEST], True), ("UAT", [UAT], True), ("Prod", [PROD], False))


@pytest.mark.parametrize("phases, destination, source, mode, envs, first, required", [
    (STANDARD, STAGE, None, "Promote", (TEST,), False, True),          # the previous phase
    (STANDARD, TEST, None, "Promote", (DEV,), False, True),
    (STANDARD, DEV, None, "Promote", (DEV,), True, False),             # first phase: channel newest
    (STANDARD, STAGE, DEV, "Promote", (DEV,), False, True),            # an explicit source wins
    (STANDARD, DEV, TEST, "Promote", (DEV,), True, False),             # ...but not in the first phase
    (OPTIONAL_BEFORE, PROD, None, "Promote", (UAT, TEST, DEV), False, True),  # walk back to required
    (ALL_OPTIONAL, PROD, None, "Promote", (UAT, TEST), False, False),  # nothing required before
    (lifecycle(("Only", [PROD], False)), PROD, None, "Promote", (PROD,), True, False),
    (STANDARD, STAGE, None, "Redeploy", (STAGE,), False, True),        # Redeploy: the destination
    (STANDARD, STAGE, None, "AlwaysLatest", (STAGE,), False, True),
])
def test_source_environments(phases, destination, source, mode, envs, first, required):
    plan = choose_source_environments(phases, destination, source, mode, NAMES)
    assert (plan.environment_ids, plan.first_phase, plan.has_required_phase) == (envs, first, required)
    assert plan.reason


def test_destination_outside_the_lifecycle_is_an_error():
    with pytest.raises(LifecycleError):
        choose_source_environments(STANDARD, "Env-elsewhere", None, "Promote", NAMES)


def test_phases_merge_automatic_and_optional_targets_in_order():
    preview = {"Phases": [{"Name": "A", "AutomaticDeploymentTargets": ["E1"],
                           "OptionalDeploymentTargets": ["E2"], "IsOptionalPhase": True},
                          {"Name": "B", "AutomaticDeploymentTargets": [],
                           "OptionalDeploymentTargets": ["E3"]}]}
    assert phases_from_preview(preview) == [Phase("A", ("E1", "E2"), True), Phase("B", ("E3",), False)]


@pytest.mark.parametrize("pattern, version, matches", [
    ("", "1.0.0", True),
    ("2021.1.0.15", "2021.1.0.15", True),
    ("2021.1.0.15", "2021.1.0.150", False),
    ("2021.1.*", "2021.1.0.15", True),
    ("2021.1.*", "2021.10.0.1", False),
    ("2021.1*", "2021.10.0.1", True),           # the documented trap without the dot
    ("2021.1.1.*", "2021.1.0.15", False),
    ("*-hotfix", "1.2.3-HOTFIX", True),
    ("1.2.?", "1.2.3", True),                   # -like: ? is exactly one character
    ("1.2.?", "1.2.34", False),
    ("2021.[1-3].*", "2021.2.0.1", True),       # -like: a character range
    ("2021.[1-3].*", "2021.4.0.1", False),
    ("2021.1.[05]", "2021.1.5", True),          # -like: a character set
    ("2021.1.`*", "2021.1.*", True),            # -like: a backtick makes * literal
    ("2021.1.`*", "2021.1.5", False),
])
def test_version_matching(pattern, version, matches):
    assert version_matches(pattern, version) is matches


def test_search_text_is_the_longest_literal_stretch():
    assert search_text("2021.1.*") == "2021.1." and search_text("") == ""
    assert search_text("2021.*.5-hotfix") == "2021."      # v29 sent "2021..5-hotfix"
    assert search_text("2?.1.[0-9]") == ".1." and search_text("*") == ""
    assert search_text("2021.1.*-Beta") == "2021.1." and search_text("*-hotfix") == "-"


def test_candidates_ordered_by_start_time_one_per_release():
    deployments = [
        {"Id": "D3", "ReleaseId": "R15", "TaskId": "T3", "EnvironmentId": TEST, "Created": "3"},
        {"Id": "D2", "ReleaseId": "R14", "TaskId": "T2", "EnvironmentId": TEST, "Created": "2"},
        {"Id": "D1", "ReleaseId": "R15", "TaskId": "T1", "EnvironmentId": TEST, "Created": "1"},
    ]
    tasks = {"T3": {"State": "Success", "StartTime": "2026-01-01T10:00"},
             "T2": {"State": "Success", "StartTime": "2026-01-01T11:00"},
             "T1": {"State": "Success", "StartTime": "2026-01-01T09:00"}}
    releases = {"R15": {"Id": "R15", "Version": "1.15"}, "R14": {"Id": "R14", "Version": "1.14"}}
    candidates = order_candidates(deployments, tasks, releases)
    assert [c.version for c in candidates] == ["1.14", "1.15"]


def test_candidates_compare_instants_not_text_and_skip_unsuccessful_tasks():
    """10:30+02:00 is 08:30 UTC, before 09:00Z; a Failed or unknown task never counts."""
    deployments = [
        {"Id": "D1", "ReleaseId": "R1", "TaskId": "T1", "EnvironmentId": TEST},
        {"Id": "D2", "ReleaseId": "R2", "TaskId": "T2", "EnvironmentId": TEST},
        {"Id": "D3", "ReleaseId": "R3", "TaskId": "T3", "EnvironmentId": TEST},
        {"Id": "D4", "ReleaseId": "R4", "TaskId": "T4", "EnvironmentId": TEST, "Created": "junk"},
    ]
    tasks = {"T1": {"State": "Success", "StartTime": "2026-01-01T10:30:00+02:00"},
             "T2": {"State": "Success", "StartTime": "2026-01-01T09:00:00Z"},
             "T3": {"State": "Failed", "StartTime": "2026-01-01T12:00:00Z"}}
    releases = {r: {"Id": r, "Version": v} for r, v in
                (("R1", "1.1"), ("R2", "1.2"), ("R3", "1.3"), ("R4", "1.4"))}
    assert [c.version for c in order_candidates(deployments, tasks, releases)] == ["1.2", "1.1"]


@pytest.mark.parametrize("template, tenant, allowed", [
    ({"PromoteTo": [{"Id": STAGE}]}, None, True),
    ({"PromoteTo": [{"Id": TEST}]}, None, False),
    ({"PromoteTo": [], "TenantPromotions": [{"Id": "T1", "PromoteTo": [{"Id": STAGE}]}]}, "T1", True),
    ({"PromoteTo": [{"Id": STAGE}], "TenantPromotions": [{"Id": "T1", "PromoteTo": []}]}, "T1", False),
    ({"PromoteTo": [], "TenantPromotions": [{"Id": "T2", "PromoteTo": [{"Id": STAGE}]}]}, "T1", False),
    ({"PromoteTo": [{"Id": STAGE}], "TenantPromotions": []}, "T1", True),
])
def test_promotability(template, tenant, allowed):
    verdict = can_promote(template, STAGE, tenant)
    assert verdict.value is allowed and verdict.reason


@pytest.mark.parametrize("chosen, current, movement", [
    ("2021.1.0.15", "", "new"), ("2021.1.0.15", "2021.1.0.15", "redeploy"),
    ("2021.1.0.15", "2021.1.0.9", "upgrade"), ("2021.1.0.9", "2021.1.0.15", "downgrade"),
    ("1.2.0", "1.2.0-beta", "upgrade"), ("1.10.0", "1.9.9", "upgrade"),
])
def test_release_movement(chosen, current, movement):
    assert release_movement(chosen, current) == movement


@pytest.mark.parametrize("chosen, current", [
    ("1.0", "1.0.0"), ("1.0.0", "1.0"), ("1.0.a", "1.0.b"), ("1.0.b", "1.0.a"),
    ("2021.1.0", "2021.1"), ("1.0+build.7", "1.0+build.8"), ("01.2", "1.2"),
])
def test_versions_that_order_alike_are_a_redeploy_never_a_downgrade(chosen, current):
    """Different text, one place in the order: neither an upgrade nor a downgrade."""
    assert release_movement(chosen, current) == "redeploy"


@pytest.mark.parametrize("chosen, current, movement", [
    ("1.0.1", "1.0", "upgrade"), ("1.0", "1.0.1", "downgrade"),
    ("1.0.x", "1.0", "downgrade"), ("1.0", "1.0.0-beta", "upgrade"),
])
def test_a_missing_number_counts_as_zero(chosen, current, movement):
    assert release_movement(chosen, current) == movement
