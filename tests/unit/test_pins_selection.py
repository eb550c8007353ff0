"""Pins for the pure release decisions (selection.py, decisions.py): the edges a changed
operator or constant would move. Each test fails on one such change (see docs/mutation.md).
"""

import pytest

from child_deploy.rules.decisions import (decide_guided_failure, decide_redeploy, decide_tenant,
                                    match_prompted_variables, tenant_in_sources)
from child_deploy.base.errors import ConfigurationError
from child_deploy.rules.selection import (Phase, can_promote, choose_source_environments,
                                    order_candidates, phase_index, phases_from_preview,
                                    release_movement, version_key)
from child_deploy.shell.settings import PromptedValue

DEV, TEST, QA, UAT, PROD = "Env-dev", "Env-test", "Env-qa", "Env-uat", "Env-prod"
NAMES = {DEV: "Development", TEST: "Test", QA: "QA", UAT: "UAT", PROD: "Production"}


def test_a_preview_phase_without_name_or_flags_reads_as_required_and_unnamed():
    assert phases_from_preview({"Phases": [{"OptionalDeploymentTargets": ["E1"]}]}) == [
        Phase("", ("E1",), False)]
    assert phases_from_preview({}) == []


def test_phase_index_of_an_environment_outside_every_phase_is_none():
    phases = [Phase("A", (DEV,), False), Phase("B", (TEST, QA), False)]
    assert (phase_index(phases, QA), phase_index(phases, DEV), phase_index(phases, PROD)) == (1, 0, None)


def test_walking_back_lists_each_environment_once_and_says_it_walked():
    phases = [Phase("Dev", (DEV,), False), Phase("Test", (TEST, QA), True),
              Phase("Again", (QA, UAT), True), Phase("Prod", (PROD,), False)]
    plan = choose_source_environments(phases, PROD, names=NAMES)
    assert plan.environment_ids == (QA, UAT, TEST, DEV) and plan.has_required_phase
    assert plan.reason == ("Releases come from phase Again <- Test <- Dev (QA, UAT, Test, "
                           "Development), walking back through optional phases.")


def test_one_required_phase_before_says_no_walk():
    plan = choose_source_environments([Phase("Test", (TEST,), False), Phase("Prod", (PROD,), False)],
                                      PROD, names=NAMES)
    assert plan.reason == "Releases come from phase Test (Test)."


def test_every_earlier_phase_optional_names_them_and_the_fallback():
    phases = [Phase("Test", (TEST,), True), Phase("UAT", (UAT,), True), Phase("Prod", (PROD,), False)]
    plan = choose_source_environments(phases, PROD, names=NAMES)
    assert (plan.environment_ids, plan.first_phase, plan.has_required_phase) == ((UAT, TEST), False, False)
    assert "(UAT, Test)" in plan.reason and "else the channel's newest release" in plan.reason


def test_redeploy_reason_names_the_destination():
    plan = choose_source_environments([Phase("Prod", (PROD,), False)], PROD, mode="Redeploy", names=NAMES)
    assert plan.reason == "Redeploy mode: the release comes from Production itself."


def task(state="Success", start=None, completed=None):
    return {"State": state, "StartTime": start, "CompletedTime": completed}


def test_candidates_fall_back_to_completed_then_created_time():
    deployments = [{"ReleaseId": "R1", "TaskId": "T1", "Created": "2026-01-01T08:00:00Z"},
                   {"ReleaseId": "R2", "TaskId": "T2", "Created": "2026-01-01T06:00:00Z"},
                   {"ReleaseId": "R3", "TaskId": "T3", "Created": "2026-01-01T07:00:00Z"}]
    tasks = {"T1": task(), "T2": task(completed="2026-01-01T09:00:00Z"),
             "T3": task(start="2026-01-01T10:00:00Z", completed="2026-01-01T05:00:00Z")}
    releases = {r: {"Id": r, "Version": r} for r in ("R1", "R2", "R3")}
    candidates = order_candidates(deployments, tasks, releases)
    assert [(c.version, c.started) for c in candidates] == [
        ("R3", "2026-01-01T10:00:00Z"), ("R2", "2026-01-01T09:00:00Z"), ("R1", "2026-01-01T08:00:00Z")]


def test_a_deployment_of_an_unknown_release_is_no_candidate():
    deployments = [{"ReleaseId": "R9", "TaskId": "T1", "EnvironmentId": TEST, "TenantId": "Tenants-1"},
                   {"ReleaseId": "R1", "TaskId": "T2", "EnvironmentId": TEST, "TenantId": "Tenants-1"}]
    tasks = {"T1": task(start="2026-01-01T10:00:00Z"), "T2": task(start="2026-01-01T09:00:00Z")}
    [candidate] = order_candidates(deployments, tasks, {"R1": {"Id": "R1", "Version": "1.0"}})
    assert candidate == ("R1", "1.0", TEST, "Tenants-1", "2026-01-01T09:00:00Z")


def test_a_canceled_task_is_not_a_success():
    deployments = [{"ReleaseId": "R1", "TaskId": "T1"}]
    assert order_candidates(deployments, {"T1": task("Canceled", "2026-01-01T10:00:00Z")},
                            {"R1": {"Id": "R1"}}) == []


def test_a_tenant_promotion_row_says_why_and_without_tenant_the_lifecycle_rules():
    template = {"PromoteTo": [{"Id": PROD}], "TenantPromotions": [{"Id": "Tenants-1", "PromoteTo": []}]}
    assert can_promote(template, PROD) == (True, "its lifecycle allows it now")
    assert can_promote(template, PROD, "Tenants-1") == (False, "the tenant's promotions do not allow it")
    assert can_promote({"PromoteTo": []}, PROD) == (False, "its lifecycle does not allow it now")
    assert can_promote({}, PROD, "Tenants-1") == (False, "its lifecycle does not allow it now")


@pytest.mark.parametrize("chosen, current, movement", [
    ("2.0", None, "new"), ("1.0.0-beta", "1.0.0", "downgrade"), ("1.0.0-rc", "1.0.0-beta", "upgrade"),
    ("1.0+build", "1.0", "redeploy"), ("1.0.x", "1.0.0", "downgrade"), ("1.0.1", "1.0.x", "upgrade"),
])
def test_movement_edges(chosen, current, movement):
    assert release_movement(chosen, current) == movement


def test_version_key_reads_numbers_and_places_tags_before_the_release():
    assert version_key("1.2.10-beta") == ((1, 2, 10), (False, "beta"))
    assert version_key("1.2") == ((1, 2), (True, ""))
    assert version_key(None) == ((-1,), (True, ""))


PROJECT = {"Id": "Projects-1", "Name": "Billing", "TenantedDeploymentMode": "Tenanted"}
ACME = {"Id": "Tenants-1", "Name": "Acme", "ProjectEnvironments": {"Projects-1": [TEST, PROD]}}


@pytest.mark.parametrize("sources, expected", [
    ((TEST,), True), ((QA, TEST), True), ((TEST, QA), True), ((QA, UAT), False), ((), False)])
def test_a_tenant_connected_to_some_sources_uses_its_own_deployments(sources, expected):
    assert tenant_in_sources(ACME, "Projects-1", sources) is expected


def test_no_tenant_or_a_tenant_of_another_project_never_filters():
    assert tenant_in_sources(None, "Projects-1", (TEST,)) is False
    assert tenant_in_sources(ACME, "Projects-2", (TEST,)) is False
    assert tenant_in_sources(dict(ACME, ProjectEnvironments=None), "Projects-1", (TEST,)) is False


def test_a_tenanted_only_project_with_its_tenant_deploys_for_it():
    decision = decide_tenant(PROJECT, ACME, {"Id": PROD, "Name": "Production"})
    assert decision == (ACME, False, 'Deploying for tenant "Acme".')
    untenanted = decide_tenant({"Id": "Projects-1", "Name": "Billing"}, ACME, {"Id": PROD, "Name": "P"})
    assert untenanted.tenant is None and not untenanted.skip and "is ignored" in untenanted.reason
    assert decide_tenant({"Id": "Projects-1", "Name": "Billing"}, None, {"Id": PROD}) == (
        None, False, "Untenanted deployment.")


@pytest.mark.parametrize("mode, environment_flag, expected", [
    ("On", False, True), ("Off", True, False), (None, True, True), ("EnvironmentDefault", None, False)])
def test_guided_failure_reasons(mode, environment_flag, expected):
    use, reason = decide_guided_failure({"DefaultGuidedFailureMode": mode},
                                        {"Name": "Production", "UseGuidedFailure": environment_flag})
    assert use is expected
    if mode in (None, "EnvironmentDefault"):
        assert reason == "Guided failure is {0}: the child project follows Production, which {1} it.".format(
            "on" if expected else "off", "uses" if expected else "does not use")


@pytest.mark.parametrize("mode, skip", [("Promote", True), ("Redeploy", False), ("AlwaysLatest", False)])
def test_only_promote_skips_the_release_the_destination_runs(mode, skip):
    assert decide_redeploy(mode, "Releases-1", "Releases-1", "1.0", "Production").skip is skip
    assert decide_redeploy(mode, "Releases-2", "Releases-1", "1.0", "Production") == (False, "")


def element(name, label, required=False, is_value_required=False):
    return {"Name": name, "Control": {"Name": label, "Required": required},
            "IsValueRequired": is_value_required}


def test_prompted_values_fill_by_label_and_unused_names_are_returned():
    form = {"Elements": [element("E1", "Url", required=True), element("E2", "Note"),
                         element("E3", "Token", is_value_required=True)]}
    given = (PromptedValue("url", "https://x"), PromptedValue("TOKEN", "t"), PromptedValue("Extra", "1"))
    assert match_prompted_variables(form, given) == ({"E1": "https://x", "E3": "t"}, ["Extra"])


def test_every_missing_required_prompted_value_is_named_and_the_first_is_the_example():
    form = {"Elements": [element("E1", "Url", required=True), element("E3", "Token", is_value_required=True)]}
    with pytest.raises(ConfigurationError) as raised:
        match_prompted_variables(form, ())
    assert raised.value.problems == [
        '"Child Project Prompted Variables" has no value for "Url", "Token", which the child '
        'requires. Add a line such as Url::value.']
    assert match_prompted_variables(None, ()) == ({}, [])
