"""AutoApprover against requests-mock: refusals explained once, lost answers looked at again."""

import pytest
import requests
import requests_mock

from child_deploy.acting.approving import AutoApprover
from child_deploy.rules.approvals import Approver
from child_deploy.base.terminal import RecordingHost
from child_deploy.octopus.octopus_client import OctopusClient
from child_deploy.octopus.retrying import RetryPolicy
from fakes import API_KEY, FakeClock

BASE = "https://octopus.example.com"
ROUTE = BASE + "/api/Spaces-1/interruptions/Interruptions-1"
PENDING = {"Id": "Interruptions-1", "Title": "Approve Web API", "Type": "ManualIntervention",
           "IsPending": True, "CanTakeResponsibility": True, "HasResponsibility": False,
           "ResponsibleTeamIds": ["Teams-1"],
           "Form": {"Elements": [{"Name": "Notes"}, {"Name": "Result"}], "Values": {}}}
TASK = {"Id": "ServerTasks-9", "HasPendingInterruptions": True}


@pytest.fixture
def mocked():
    with requests_mock.Mocker() as mock:
        mock.get(BASE + "/api/Spaces-1/interruptions", json={"Items": [PENDING], "Links": {}})
        yield mock


def approver():
    host = RecordingHost()
    client = OctopusClient(BASE, API_KEY, session=requests.Session(), clock=FakeClock(),
                           retry=RetryPolicy(attempts=1)).in_space("Spaces-1")
    bob = Approver("Users-2", "bob", ("Teams-1",))
    return host, AutoApprover(client, host, [bob], "{approver} approved the parent.")


def test_a_403_is_explained_once_and_the_step_keeps_waiting(mocked):
    mocked.put(ROUTE + "/responsible", status_code=403, json={
        "ErrorMessage": "You do not have permission to perform this action.", "Errors": []})
    host, auto = approver()
    auto(TASK)
    auto(TASK)
    assert host.text("warning").count("Octopus did not let the API key's user answer") == 1
    assert "InterruptionViewSubmitResponsible" in host.text("warning")
    assert mocked.call_count == 3          # two reads of the pending list, one refused PUT


def test_already_answered_by_someone_else_is_told_not_failed(mocked):
    mocked.put(ROUTE + "/responsible", json={"Id": "Users-1"})
    mocked.post(ROUTE + "/submit", status_code=400, json={
        "ErrorMessage": "The interruption has already been submitted.", "Errors": []})
    host, auto = approver()
    auto(TASK)
    assert "already been submitted" in host.text("info")
    assert host.failure is None


def test_a_lost_submit_is_looked_at_again_at_the_next_poll(mocked):
    mocked.put(ROUTE + "/responsible", json={"Id": "Users-1"})
    mocked.post(ROUTE + "/submit", [{"exc": requests.exceptions.ConnectionError("reset")},
                                    {"json": dict(PENDING, IsPending=False)}])
    host, auto = approver()
    auto(TASK)
    auto(TASK)
    submits = [r for r in mocked.request_history if r.method == "POST"]
    assert len(submits) == 2
    assert submits[-1].json() == {"Instructions": None, "Notes": "bob approved the parent.",
                                  "Result": "Proceed"}
    assert "on behalf of bob" in host.text("highlight")


def test_pending_interruptions_that_cannot_be_read_are_tried_again_not_fatal():
    with requests_mock.Mocker() as mocked:
        mocked.get(BASE + "/api/Spaces-1/interruptions", [
            {"status_code": 403, "json": {"ErrorMessage": "You do not have permission.", "Errors": []}},
            {"status_code": 403, "json": {"ErrorMessage": "You do not have permission.", "Errors": []}},
            {"json": {"Items": [], "Links": {}}}])
        host, auto = approver()
        auto(TASK)
        auto(TASK)
        auto(TASK)
    assert host.text("warning").count("could not be read") == 1
    assert host.failure is None
