"""Table tests for tenants, guided failure, redeploy, prompted variables, targets, interruptions."""


import pytest

from child_deploy.rules.approvals import Approver, approvals_from, decide_interruption, is_manual_intervention
from child_deploy.rules.decisions import (decide_guided_failure, decide_redeploy, decide_tenant,
                                    match_prompted_variables, tenant_in_sources)
from child_deploy.base.errors import ConfigurationError
from child_deploy.shell.settings import PromptedValue
from child_deploy.rules.targets import Requested, choose_targets
from child_deploy.acting.waiting import next_poll_interval

PROJECT = {"Id": "Projects-1", "Name": "Web API", "TenantedDeploymentMode": "TenantedOrUntenanted"}
STAGING = {"Id": "Environments-3", "Name": "Staging", "UseGuidedFailure": True}
TENANT = {"Id": "Tenants-1", "Name": "Acme",
          "ProjectEnvironments": {"Projects-1": ["Environments-2", "Environments-3"]}}


@pytest.mark.parametrize("project, tenant, tenant_id, skip", [
    (PROJECT, None, None, False),
    (dict(PROJECT, TenantedDeploymentMode="Untenanted"), TENANT, None, False),   # tenant ignored
    (PROJECT, TENANT, "Tenants-1", False),
    (PROJECT, dict(TENANT, ProjectEnvironments={}), None, True),                 # not connected
    (PROJECT, dict(TENANT, ProjectEnvironments={"Projects-1": ["Environments-2"]}), None, True),
])
def test_tenant_decision(project, tenant, tenant_id, skip):
    decision = decide_tenant(project, tenant, STAGING)
    assert (decision.tenant and decision.tenant["Id"], decision.skip) == (tenant_id, skip)
    assert decision.reason


def test_tenanted_only_child_without_tenant_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="Tenant Name"):
        decide_tenant(dict(PROJECT, TenantedDeploymentMode="Tenanted"), None, STAGING)


@pytest.mark.parametrize("sources, expected", [
    (("Environments-2",), True), (("Environments-9",), False)])
def test_tenant_in_sources(sources, expected):
    assert tenant_in_sources(TENANT, "Projects-1", sources) is expected
    assert tenant_in_sources(None, "Projects-1", sources) is False


@pytest.mark.parametrize("mode, environment_flag, expected", [
    ("On", False, True), ("Off", True, False), ("EnvironmentDefault", True, True),
    ("EnvironmentDefault", False, False), (None, True, True),
])
def test_guided_failure(mode, environment_flag, expected):
    use, reason = decide_guided_failure(dict(PROJECT, DefaultGuidedFailureMode=mode),
                                        dict(STAGING, UseGuidedFailure=environment_flag))
    assert use is expected and reason


@pytest.mark.parametrize("mode, chosen, current, skip", [
    ("Promote", "R1", "R1", True), ("Promote", "R2", "R1", False), ("Promote", "R1", None, False),
    ("Redeploy", "R1", "R1", False), ("AlwaysLatest", "R1", "R1", False),
])
def test_redeploy_decision(mode, chosen, current, skip):
    decision = decide_redeploy(mode, chosen, current, "1.0", "Staging")
    assert decision.skip is skip
    if skip:
        assert "already the last successful release in Staging" in decision.reason


FORM = {"Elements": [
    {"Name": "guid-1", "Control": {"Name": "DbUser", "Required": True}},
    {"Name": "guid-2", "Control": {"Name": "Note", "Required": False}},
]}


def test_prompted_values_keyed_by_element_name_case_insensitive():
    values, unused = match_prompted_variables(FORM, (PromptedValue("dbuser", "sa::x"),
                                                     PromptedValue("Other", "1")))
    assert values == {"guid-1": "sa::x"} and unused == ["Other"]


def test_missing_required_prompted_value_is_an_error_naming_it():
    with pytest.raises(ConfigurationError, match='"DbUser"'):
        match_prompted_variables(FORM, (PromptedValue("Note", "x"),))


PREVIEW = {"StepsToExecute": [
    {"ActionName": "Deploy API", "Machines": [{"Id": "Machines-2", "Name": "s-web-api-01"},
                                              {"Id": "Machines-3", "Name": "s-web-api-02"}]},
    {"ActionName": "Notify", "Machines": []}]}


@pytest.mark.parametrize("requested, ignore, ids, skip", [
    (None, False, (), False),
    (Requested(("Machines-2", "Machines-9"), {}, "x"), False, ("Machines-2",), False),
    (Requested(("machines-3",), {}, "x"), False, ("Machines-3",), False),
    (Requested(("Machines-9",), {}, "x"), False, (), True),
    (Requested(("Machines-9",), {}, "x"), True, (), False),
])
def test_target_choice(requested, ignore, ids, skip):
    decision = choose_targets(requested, PREVIEW, ignore, "Web API")
    assert (decision.machine_ids, decision.skip) == (ids, skip) and decision.reason


MANUAL = {"Id": "Interruptions-1", "Title": "Approve", "Type": "ManualIntervention", "IsPending": True,
          "CanTakeResponsibility": True, "HasResponsibility": False,
          "ResponsibleTeamIds": ["Teams-ops"],
          "Form": {"Elements": [{"Name": "Instructions"}, {"Name": "Notes"}, {"Name": "Result"}],
                   "Values": {}}}
GUIDED = dict(MANUAL, Id="Interruptions-2", Type="GuidedFailure", ResponsibleTeamIds=[],
              Form={"Elements": [{"Name": "Notes"}, {"Name": "Guidance"}]})
ALICE = Approver("Users-1", "alice", ("Teams-ops",))
BOB = Approver("Users-2", "bob", ("Teams-dev",))


@pytest.mark.parametrize("interruption, approvers, action, who", [
    (MANUAL, [BOB, ALICE], "approve", "alice"),
    (MANUAL, [BOB], "tell", None),
    (GUIDED, [ALICE], "skip", None),
    (dict(GUIDED, Type=None), [ALICE], "skip", None),           # old servers: told apart by the form
    (dict(MANUAL, IsPending=False), [ALICE], "skip", None),
    (dict(MANUAL, CanTakeResponsibility=False), [ALICE], "tell", "alice"),
    (dict(MANUAL, ResponsibleTeamIds=[]), [BOB, ALICE], "tell", None),   # no team: a person decides
])
def test_interruption_verdicts(interruption, approvers, action, who):
    verdict = decide_interruption(interruption, approvers)
    assert verdict.action == action
    assert (verdict.approver.username if verdict.approver else None) == who
    assert verdict.reason


def test_guided_failure_is_never_a_manual_intervention():
    assert is_manual_intervention(MANUAL) and not is_manual_intervention(GUIDED)


def test_only_proceeded_interventions_count_as_approvals():
    interruptions = [
        dict(MANUAL, Id="I-1", IsPending=False, ResponsibleUserId="Users-1",
             Form=dict(MANUAL["Form"], Values={"Result": "Proceed"})),
        dict(MANUAL, Id="I-2", IsPending=False, ResponsibleUserId="Users-2",
             Form=dict(MANUAL["Form"], Values={"Result": "Abort"})),
    ]
    events = [
        {"UserId": "Users-1", "Username": "alice", "Message": "Submitted interruption Approve",
         "RelatedDocumentIds": ["I-1", "ServerTasks-9"]},
        {"UserId": "Users-2", "Username": "bob", "Message": "Submitted interruption Approve",
         "RelatedDocumentIds": ["I-2", "ServerTasks-9"]},
    ]
    assert approvals_from(events, interruptions) == [("Users-1", "alice")]


def test_raising_or_taking_responsibility_is_not_an_approval():
    """Only a submission names an approver; without one, the responsible user answered."""
    interruptions = [dict(MANUAL, Id="I-1", IsPending=False, ResponsibleUserId="Users-2",
                          Form=dict(MANUAL["Form"], Values={"Result": "Proceed"}))]
    events = [
        {"UserId": "users-system", "Username": "system", "Category": "ManualInterventionInterruptionRaised",
         "Message": "Interruption Approve raised on Deploy", "RelatedDocumentIds": ["I-1"]},
        {"UserId": "Users-3", "Username": "carol", "Category": "InterruptionResponsibilityTaken",
         "Message": "Carol took responsibility for interruption Approve", "RelatedDocumentIds": ["I-1"]},
    ]
    assert approvals_from(events, interruptions) == [("Users-2", None)]
    submitted = dict(events[1], UserId="Users-2", Username="bob", Category="InterruptionSubmitted",
                     Message="Bob submitted interruption Approve")
    assert approvals_from(events + [submitted], interruptions) == [("Users-2", "bob")]


def test_poll_interval_is_brisk_for_five_seconds_then_backs_off_to_five():
    intervals, previous, waited = [], None, 0.0
    for _ in range(12):
        previous = next_poll_interval(previous, waited)
        intervals.append(previous)
        waited += previous
    assert intervals[:5] == [1.0] * 5
    assert intervals[5:8] == [1.5, 2.25, 3.375]
    assert intervals[-1] == 5.0


def test_an_optional_prompted_variable_may_be_given_blank():
    """Blank is a value for an optional variable (sent as such); only a required one needs text."""
    values, unused = match_prompted_variables(FORM, (PromptedValue("DbUser", "sa"),
                                                     PromptedValue("Note", "")))
    assert values == {"guid-1": "sa", "guid-2": ""} and unused == []
