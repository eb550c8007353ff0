"""Pins for approvals.py: each test fails when one of its decisions is changed.

Pure functions as tables; the AutoApprover, load_approvers and approval_task_id against
requests-mock. (Found by tools/mutate.py; see docs/mutation.md.)
"""

import pytest
import requests
import requests_mock

from child_deploy.acting.approving import AutoApprover, approval_task_id, load_approvers
from child_deploy.rules.approvals import (Approver, approval_note, approvals_from, belongs_to_task,
                                          decide_interruption, is_manual_intervention,
                                          is_submission)
from child_deploy.base.terminal import RecordingHost
from child_deploy.octopus.octopus_client import OctopusClient
from child_deploy.octopus.retrying import RetryPolicy
from fakes import API_KEY, FakeClock, make_settings

BASE = "https://octopus.example.com"
API = BASE + "/api/Spaces-1/"
FORM = {"Elements": [{"Name": "Notes"}, {"Name": "Result"}], "Values": {}}
PENDING = {"Id": "Interruptions-1", "Title": "Approve Web API", "Type": "ManualIntervention",
           "TaskId": "ServerTasks-9", "IsPending": True, "CanTakeResponsibility": True,
           "HasResponsibility": False, "ResponsibleTeamIds": ["Teams-1"], "Form": FORM}
TASK = {"Id": "ServerTasks-9", "HasPendingInterruptions": True}
BOB = Approver("Users-2", "bob", ("Teams-1",))
ALICE = Approver("Users-1", "alice", ("Teams-1",))


def client():
    return OctopusClient(BASE, API_KEY, session=requests.Session(), clock=FakeClock(),
                         retry=RetryPolicy(attempts=1)).in_space("Spaces-1")


@pytest.mark.parametrize("interruption, expected", [
    ({"Form": FORM}, True),                                              # no Type: the form tells
    ({"Type": "ManualIntervention", "Form": {"Elements": []}}, True),    # no form: the Type tells
    ({"Type": "Other", "Form": {"Elements": [{"Name": "Notes"}]}}, False),
    ({"Type": "ManualIntervention", "Form": {"Elements": [{"Name": "Guidance"}]}}, False),
    ({"Type": "GuidedFailure", "Form": FORM}, False),
    ({}, False),
])
def test_what_counts_as_a_manual_intervention(interruption, expected):
    assert is_manual_intervention(interruption) is expected


@pytest.mark.parametrize("interruption, action, who", [
    (dict(PENDING, CanTakeResponsibility=False, HasResponsibility=True), "approve", "alice"),
    ({k: v for k, v in PENDING.items() if k != "CanTakeResponsibility"}, "approve", "alice"),
    (dict(PENDING, ResponsibleTeamIds=["Teams-9", "Teams-1"]), "approve", "alice"),
    (dict(PENDING, ResponsibleTeamIds=["Teams-9"]), "tell", None),
    (dict(PENDING, IsPending=False), "skip", None),
    ({k: v for k, v in PENDING.items() if k != "IsPending"}, "skip", None),
])
def test_verdicts_at_the_edges(interruption, action, who):
    verdict = decide_interruption(interruption, [ALICE, BOB])
    assert (verdict.action, verdict.approver and verdict.approver.username) == (action, who)


def test_the_first_approver_in_a_responsible_team_answers():
    outsider = Approver("Users-0", "olga", ("Teams-5",))
    verdict = decide_interruption(PENDING, [outsider, BOB, ALICE])
    assert verdict.approver == BOB and "bob approved the parent" in verdict.reason


def proceeded(interruption_id, user=None, result="Proceed", pending=False, kind="ManualIntervention"):
    return {"Id": interruption_id, "Type": kind, "IsPending": pending, "ResponsibleUserId": user,
            "Form": {"Elements": FORM["Elements"], "Values": {"Result": result}}}


def submitted(user, name, *documents):
    return {"UserId": user, "Username": name, "Category": "InterruptionSubmitted",
            "Message": "Submitted interruption", "RelatedDocumentIds": list(documents)}


def test_approvers_are_the_submitters_of_proceeded_interventions_sorted_by_id():
    interruptions = [proceeded("I-1", "Users-7"), proceeded("I-2", "Users-3"),
                     proceeded("I-3", "Users-4", result="Abort"), proceeded("I-4", "Users-5", pending=True),
                     proceeded("I-5", "Users-6", kind="GuidedFailure")]
    events = [submitted("Users-9", "zoe", "I-1"), submitted("Users-4", "dan", "I-3"),
              submitted("Users-9", "zoe again", "I-2"), {"UserId": "Users-8", "Message": "x",
                                                          "RelatedDocumentIds": ["I-2"]}]
    # I-1 and I-2 were submitted by zoe (the events win over ResponsibleUserId); I-3 aborted,
    # I-4 still pending, I-5 a guided failure: none of those approves anything.
    assert approvals_from(events, interruptions) == [("Users-9", "zoe")]


def test_approvers_are_sorted_by_user_id_whatever_the_order_found():
    interruptions = [proceeded("I-1", "Users-7"), proceeded("I-2", "Users-3")]
    assert approvals_from([], interruptions) == [("Users-3", None), ("Users-7", None)]


def test_a_proceeded_intervention_without_its_event_counts_its_responsible_user():
    interruptions = [proceeded("I-1", "Users-7"), proceeded("I-2", None), proceeded("I-3", "Users-2")]
    events = [submitted("Users-1", "amy", "I-3")]
    assert approvals_from(events, interruptions) == [("Users-1", "amy"), ("Users-7", None)]


@pytest.mark.parametrize("event, expected", [
    ({"Category": "InterruptionSubmitted"}, True),
    ({"Message": "Submitted interruption Approve"}, True),
    ({"Message": "SUBMITTED INTERRUPTION Approve"}, True),
    ({"Message": "Bob submitted interruption Approve"}, False),
    ({"Category": "InterruptionResponsibilityTaken", "Message": "took responsibility"}, False),
    ({}, False),
])
def test_which_events_are_submissions(event, expected):
    assert is_submission(event) is expected


@pytest.mark.parametrize("interruption, expected", [
    (PENDING, True), (dict(PENDING, TaskId="servertasks-9"), True),
    (dict(PENDING, TaskId="ServerTasks-10"), False), (dict(PENDING, TaskId=None), True)])
def test_an_interruption_belongs_to_the_child_task_by_its_task_id(interruption, expected):
    assert belongs_to_task(interruption, "ServerTasks-9") is expected


def auto_approver(*approvers):
    host = RecordingHost()
    return host, AutoApprover(client(), host, list(approvers) or [BOB], "{approver} said yes.")


def pending_list(mock, *items):
    mock.get(API + "interruptions", json={"Items": list(items), "Links": {}})


def test_another_tasks_interruption_in_the_list_is_never_answered():
    foreign = dict(PENDING, Id="Interruptions-2", TaskId="ServerTasks-3")
    with requests_mock.Mocker() as mock:
        pending_list(mock, foreign)
        host, auto = auto_approver()
        auto(TASK)
        auto(TASK)
    assert [r.method for r in mock.request_history] == ["GET", "GET"]
    assert "ServerTasks-3" in host.text("verbose")
    assert "left alone" in host.text("verbose")


def test_a_task_without_pending_interruptions_costs_no_request():
    with requests_mock.Mocker() as mock:
        host, auto = auto_approver()
        auto(dict(TASK, HasPendingInterruptions=False))
    assert mock.call_count == 0


def test_the_list_asked_for_is_the_child_tasks_pending_interruptions():
    with requests_mock.Mocker() as mock:
        pending_list(mock)
        auto_approver()[1](TASK)
    query = mock.request_history[0].qs
    assert query["regarding"] == ["servertasks-9"] and query["pendingonly"] == ["true"]


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_on_submit_is_looked_at_again_not_taken_as_a_refusal(status):
    with requests_mock.Mocker() as mock:
        pending_list(mock, PENDING)
        mock.put(API + "interruptions/Interruptions-1/responsible", json={"Id": "Users-1"})
        mock.post(API + "interruptions/Interruptions-1/submit", [
            {"status_code": status, "json": {"ErrorMessage": "Server busy", "Errors": []}},
            {"json": {}}])
        host, auto = auto_approver()
        auto(TASK)
        assert "did not get through" in host.text("verbose") and host.text("highlight") == ""
        auto(TASK)
    assert [r.method for r in mock.request_history].count("POST") == 2
    assert "was not approved" not in host.text() and "on behalf of bob" in host.text("highlight")


def test_a_499_on_submit_is_a_refusal_said_once():
    with requests_mock.Mocker() as mock:
        pending_list(mock, PENDING)
        mock.put(API + "interruptions/Interruptions-1/responsible", json={"Id": "Users-1"})
        mock.post(API + "interruptions/Interruptions-1/submit", status_code=499,
                  json={"ErrorMessage": "Odd refusal", "Errors": []})
        host, auto = auto_approver()
        auto(TASK)
        auto(TASK)
    assert [r.method for r in mock.request_history].count("POST") == 1
    assert host.text("info").count("was not approved by the step: Odd refusal") == 1
    assert host.text("warning") == ""


def test_responsibility_already_held_is_not_taken_again_and_the_note_names_the_approver():
    with requests_mock.Mocker() as mock:
        pending_list(mock, dict(PENDING, HasResponsibility=True))
        mock.post(API + "interruptions/Interruptions-1/submit", json={})
        host, auto = auto_approver(ALICE)
        auto(TASK)
    assert [r.method for r in mock.request_history] == ["GET", "POST"]
    assert mock.request_history[-1].json()["Notes"] == "alice said yes."


def test_a_tell_verdict_warns_once_and_a_skip_is_said_once_at_info():
    guided = dict(PENDING, Id="Interruptions-2", Type="GuidedFailure")
    with requests_mock.Mocker() as mock:
        pending_list(mock, dict(PENDING, ResponsibleTeamIds=[]), guided)
        host, auto = auto_approver()
        auto(TASK)
        auto(TASK)
    assert host.text("warning").count("names no responsible team") == 1
    assert host.text("info").count("guided-failure prompt") == 1


def approvers_from_mock(mock, events, interruptions):
    mock.get(BASE + "/api/events", json={"Items": events, "Links": {}})
    pending_list(mock, *interruptions)
    lines = []
    return load_approvers(client(), lines.append, "Spaces-2", "ServerTasks-5"), lines


def test_a_deleted_approver_is_skipped_with_a_line_naming_them():
    with requests_mock.Mocker() as mock:
        mock.get(BASE + "/api/users/Users-7", status_code=404,
                 json={"ErrorMessage": "The resource 'Users-7' was not found.", "Errors": []})
        mock.get(BASE + "/api/teammembership", [
            {"status_code": 404, "json": {"ErrorMessage": "Not found", "Errors": []}},
            {"json": [{"TeamId": "Teams-1"}, {"TeamId": "Teams-4"}]}])
        approvers, lines = approvers_from_mock(
            mock, [submitted("Users-3", "carl", "I-2"), submitted("Users-4", "dora", "I-3")],
            [proceeded("I-1", "Users-7"), proceeded("I-2"), proceeded("I-3")])
    assert approvers == [Approver("Users-4", "dora", ("Teams-1", "Teams-4"))]
    assert lines == [
        "Approver carl is no longer a user of this Octopus; their approval is not carried over.",
        "Approver Users-7 is no longer a user of this Octopus; their approval is not carried over."]
    membership = [r for r in mock.request_history if "teammembership" in r.url][-1]
    assert membership.qs["spaces"] == ["spaces-2"] and membership.qs["includesystem"] == ["true"]


def test_an_approver_lookup_that_fails_otherwise_is_not_swallowed():
    with requests_mock.Mocker() as mock:
        mock.get(BASE + "/api/teammembership", status_code=400,
                 json={"ErrorMessage": "Bad request", "Errors": []})
        with pytest.raises(Exception, match="Bad request"):
            approvers_from_mock(mock, [submitted("Users-3", "carl", "I-1")], [proceeded("I-1")])


PARENT = {"Octopus.Environment.Id": "Environments-5", "Octopus.Task.Id": "ServerTasks-100",
          "Octopus.Release.Id": "Releases-9", "Octopus.Deployment.Tenant.Id": "Tenants-1"}
APPROVAL_ENV = {"Id": "Environments-4", "Name": "Prod Approval"}


def task(task_id, start, ok=True, done=True):
    return {"Id": task_id, "StartTime": start, "IsCompleted": done, "FinishedSuccessfully": ok}


def serve_tasks(mock, tasks):
    """GET tasks?ids=...: only the tasks asked for, as the server answers."""
    def answer(request, context):
        wanted = request.qs["ids"][0].split(",")
        return {"Items": [t for t in tasks if t["Id"].lower() in wanted], "Links": {}}
    mock.get(API + "tasks", json=answer)


@pytest.mark.parametrize("environment, tenant_id, parent_tenant, expected", [
    ({"Id": "Environments-5"}, None, "Tenants-1", "ServerTasks-100"),      # tenanted child's parent
    ({"Id": "Environments-5"}, "Tenants-1", "Tenants-1", "ServerTasks-100"),
    ({"Id": "Environments-5"}, "Tenants-1", "", "ServerTasks-100"),        # untenanted parent
])
def test_the_running_parent_deployments_own_approvals(environment, tenant_id, parent_tenant, expected):
    settings = make_settings(**dict(PARENT, **{"Octopus.Deployment.Tenant.Id": parent_tenant}))
    with requests_mock.Mocker() as mock:
        assert approval_task_id(client(), RecordingHost(), settings, environment, tenant_id) == expected
    assert mock.call_count == 0


def test_the_newest_successful_deployment_for_the_approval_tenant_wins():
    """Another tenant's, a failed and an unfinished one are passed over; untenanted ones count."""
    deployments = [
        {"EnvironmentId": "Environments-4", "TenantId": "Tenants-1", "TaskId": "ServerTasks-1"},
        {"EnvironmentId": "Environments-4", "TenantId": "Tenants-1", "TaskId": "ServerTasks-2"},
        {"EnvironmentId": "Environments-4", "TenantId": "Tenants-2", "TaskId": "ServerTasks-3"},
        {"EnvironmentId": "Environments-4", "TenantId": "Tenants-1", "TaskId": "ServerTasks-4"},
        {"EnvironmentId": "Environments-4", "TenantId": "Tenants-1", "TaskId": "ServerTasks-5"},
        {"EnvironmentId": "Environments-4", "TenantId": None, "TaskId": "ServerTasks-6"},
        {"EnvironmentId": "Environments-3", "TenantId": "Tenants-1", "TaskId": "ServerTasks-7"},
    ]
    tasks = [task("ServerTasks-1", "2026-11-20T08:00:00+00:00"),
             task("ServerTasks-2", "2026-11-20T10:00:00+01:00"),     # 09:00 UTC: the newest good
             task("ServerTasks-3", "2026-11-20T11:00:00+00:00"),
             task("ServerTasks-4", "2026-11-20T12:00:00+00:00", ok=False),
             task("ServerTasks-5", "2026-11-20T13:00:00+00:00", ok=False, done=False),
             task("ServerTasks-6", "2026-11-20T07:00:00+00:00"),
             task("ServerTasks-7", "2026-11-20T14:00:00+00:00")]
    settings = make_settings(**PARENT)
    with requests_mock.Mocker() as mock:
        serve_tasks(mock, tasks)
        mock.get(API + "releases/Releases-9/deployments", json={"Items": deployments, "Links": {}})
        chosen = approval_task_id(client(), RecordingHost(), settings, APPROVAL_ENV, "Tenants-1")
    assert chosen == "ServerTasks-2"


def test_without_an_approval_tenant_every_tenants_deployment_counts():
    deployments = [{"EnvironmentId": "Environments-4", "TenantId": "Tenants-2", "TaskId": "ServerTasks-3"}]
    settings = make_settings(**dict(PARENT, **{"Octopus.Deployment.Tenant.Id": ""}))
    with requests_mock.Mocker() as mock:
        serve_tasks(mock, [task("ServerTasks-3", "2026-11-20T11:00:00Z")])
        mock.get(API + "releases/Releases-9/deployments", json={"Items": deployments, "Links": {}})
        chosen = approval_task_id(client(), RecordingHost(), settings, APPROVAL_ENV, None)
    assert chosen == "ServerTasks-3"


def test_the_note_names_project_release_environment_tenant_and_task():
    settings = make_settings(**{"Octopus.Project.Name": "Release Orchestration",
                                "Octopus.Release.Number": "2021.1.1"})
    note = approval_note(settings, "Prod Approval", "Acme", "https://o/app#/tasks/ServerTasks-5")
    assert ("{approver} approved parent project Release Orchestration release 2021.1.1 in Prod "
            "Approval for tenant Acme (https://o/app#/tasks/ServerTasks-5)") in note
    assert "for tenant" not in approval_note(settings, "Prod Approval", "", "u")


def test_a_401_on_taking_responsibility_is_explained_as_a_permission_problem():
    with requests_mock.Mocker() as mock:
        pending_list(mock, PENDING)
        mock.put(API + "interruptions/Interruptions-1/responsible", status_code=401,
                 json={"ErrorMessage": "Login required", "Errors": []})
        host, auto = auto_approver()
        auto(TASK)
    assert "Octopus did not let the API key's user answer" in host.text("warning")
    assert "was not approved" not in host.text("info")


def test_a_refusal_without_an_error_message_quotes_the_errors_first_line():
    with requests_mock.Mocker() as mock:
        pending_list(mock, PENDING)
        mock.put(API + "interruptions/Interruptions-1/responsible", json={"Id": "Users-1"})
        mock.post(API + "interruptions/Interruptions-1/submit", status_code=409, text="")
        host, auto = auto_approver()
        auto(TASK)
    [line] = [t for t in host.text("info").splitlines() if "was not approved by the step" in t]
    assert line.startswith('"Approve Web API" was not approved by the step: ') and "409" in line


PHASES = {"Phases": [{"Name": "Test", "OptionalDeploymentTargets": ["Environments-2"]},
                     {"Name": "Approval", "OptionalDeploymentTargets": ["Environments-4"]},
                     {"Name": "Production", "OptionalDeploymentTargets": ["Environments-5"]}]}


def missing_approval(mock, approval_env, channel, project_lifecycle="Lifecycles-1", tenant_id=None,
                     **parent):
    """Run approval_task_id where no deployment to the approval environment exists."""
    mock.get(API + "releases/Releases-9/deployments", json={"Items": [], "Links": {}})
    mock.get(API + "channels/Channels-1", json=channel)
    mock.get(API + "projects/Projects-1", json={"LifecycleId": "Lifecycles-1"})
    mock.get(API + "projects/Projects-7", json={"LifecycleId": project_lifecycle})
    mock.get(API + "lifecycles/Lifecycles-1/preview", json=PHASES)
    mock.get(API + "lifecycles/Lifecycles-2/preview", json={"Phases": list(reversed(PHASES["Phases"]))})
    variables = dict(PARENT, **{"Octopus.Release.Channel.Id": "Channels-1",
                                "Octopus.Project.Id": "Projects-1"})
    variables.update(parent)
    host = RecordingHost()
    assert approval_task_id(client(), host, make_settings(**variables), approval_env, tenant_id) is None
    return host


def test_a_missing_approval_from_an_earlier_phase_warns():
    with requests_mock.Mocker() as mock:
        host = missing_approval(mock, APPROVAL_ENV, {"LifecycleId": "Lifecycles-1"})
    assert "No successful deployment of the parent release to Prod Approval" in host.text("warning")


def test_a_channel_without_a_lifecycle_uses_its_projects():
    """The channel's own project (Projects-7 here) says which lifecycle, not the parent's id."""
    with requests_mock.Mocker() as mock:
        host = missing_approval(mock, APPROVAL_ENV, {"ProjectId": "Projects-7"},
                                project_lifecycle="Lifecycles-2")
    assert host.text("warning") == "" and "Prod Approval" in host.text("info")   # reversed: later


@pytest.mark.parametrize("approval_env, tenant_id, parent", [
    ({"Id": "Environments-9", "Name": "Elsewhere"}, None, {}),                   # in no phase
    ({"Id": "Environments-5", "Name": "Production"}, "Tenants-3", {}),          # the same phase
    (APPROVAL_ENV, None, {"Octopus.Environment.Id": "Environments-2"}),         # comes later
])
def test_a_missing_approval_that_need_not_exist_yet_is_only_information(approval_env, tenant_id, parent):
    with requests_mock.Mocker() as mock:
        host = missing_approval(mock, approval_env, {"LifecycleId": "Lifecycles-1"}, tenant_id=tenant_id,
                                **parent)
    assert host.text("warning") == "" and "No successful deployment" in host.text("info")


def test_without_the_parents_channel_a_missing_approval_is_only_information():
    with requests_mock.Mocker() as mock:
        host = missing_approval(mock, APPROVAL_ENV, {}, **{"Octopus.Release.Channel.Id": ""})
    assert host.text("warning") == "" and "No successful deployment" in host.text("info")
    assert not [r for r in mock.request_history if "channels" in r.url]


def test_a_channel_naming_no_project_uses_the_parents():
    with requests_mock.Mocker() as mock:
        host = missing_approval(mock, APPROVAL_ENV, {}, project_lifecycle="Lifecycles-2")
    assert "Prod Approval" in host.text("warning")          # Lifecycles-1: approval comes first


def test_a_single_failed_read_of_the_pending_list_is_said_at_once():
    with requests_mock.Mocker() as mock:
        mock.get(API + "interruptions", [
            {"status_code": 403, "json": {"ErrorMessage": "You do not have permission.", "Errors": []}},
            {"json": {"Items": [], "Links": {}}}])
        host, auto = auto_approver()
        auto(TASK)
        assert host.text("warning").count("could not be read") == 1
        auto(TASK)
    assert host.text("warning").count("could not be read") == 1


def test_a_5xx_on_taking_responsibility_is_looked_at_again():
    with requests_mock.Mocker() as mock:
        pending_list(mock, PENDING)
        mock.put(API + "interruptions/Interruptions-1/responsible", [
            {"status_code": 502, "json": {"ErrorMessage": "Bad gateway", "Errors": []}},
            {"json": {"Id": "Users-1"}}])
        mock.post(API + "interruptions/Interruptions-1/submit", json={})
        host, auto = auto_approver()
        auto(TASK)
        auto(TASK)
    assert [r.method for r in mock.request_history] == ["GET", "PUT", "GET", "PUT", "POST"]
    assert "was not approved" not in host.text() and "on behalf of bob" in host.text("highlight")
