"""A deployment through its life on the manual clock: queue, run, interruptions, finish, cancel."""

from datetime import timedelta

import requests

from octopus_sim import InterruptionPlan, TaskScript


def _deploy(api, suite, project="Web API", version="2021.1.1.2", env="Staging", **extra):
    body = {"ReleaseId": suite.releases[(project, version)].id, "EnvironmentId": suite.environments[env].id}
    body.update(extra)
    return api.post("/api/Spaces-1/deployments", body, expect=201)


def _task(api, task_id):
    return api.get("/api/Spaces-1/tasks/" + task_id)


def _nodes(details):
    """Every activity-log node, depth first."""
    found = []

    def walk(node):
        found.append(node)
        for child in node["Children"]:
            walk(child)
    for root in details["ActivityLogs"]:
        walk(root)
    return found


def _log_lines(details):
    return [e["MessageText"] for node in _nodes(details) for e in node["LogElements"]]


def test_manual_intervention_blocks_until_submitted(api, sim, suite):
    clock, world = sim.clock, sim.world
    world.set_task_script(suite.projects["Web API"], TaskScript(
        queue_seconds=1, run_seconds=10, log_lines=["Migrating", "Warming up"],
        interruptions=[InterruptionPlan("ManualIntervention", at_seconds=2, responsible_team_ids=[suite.approvers])]))
    created = _deploy(api, suite)
    task_id = created["TaskId"]
    task = _task(api, task_id)
    assert (task["State"], task["StartTime"], task["HasBeenPickedUpByProcessor"]) == ("Queued", None, False)

    clock.advance(1.5)
    task = _task(api, task_id)
    assert task["State"] == "Executing" and task["StartTime"] and not task["HasPendingInterruptions"]
    early = _log_lines(api.get("/api/Spaces-1/tasks/%s/details" % task_id))

    clock.advance(3600)                                      # an hour passes: still waiting for a person
    task = _task(api, task_id)
    assert task["State"] == "Executing" and task["HasPendingInterruptions"] is True
    assert task["PendingInterruptionTypes"] == ["ManualIntervention"] and task["IsCompleted"] is False
    details = api.get("/api/Spaces-1/tasks/%s/details" % task_id)
    waiting = _log_lines(details)
    assert set(early) < set(waiting)                       # old lines stay, new ones appear
    assert details["ActivityLogs"][0]["Children"][0]["Name"] == "Step 1: Deploy Web API"
    assert [c["Name"] for c in details["ActivityLogs"][0]["Children"][0]["Children"]] == ["s-web-api-01", "s-web-api-02"]

    interruption = api.get("/api/Spaces-1/interruptions?regarding=" + task_id)["Items"][0]
    assert interruption["IsPending"] and interruption["CanTakeResponsibility"] and not interruption["HasResponsibility"]
    assert interruption["ResponsibleTeamIds"] == [suite.approvers.id]
    assert interruption["CorrelationId"] in _node_ids(details)
    submit = "/api/Spaces-1/interruptions/%s/submit" % interruption["Id"]
    answer = {"Instructions": None, "Notes": "Looks good", "Result": "Proceed"}
    not_yet = api.call("POST", submit, json=answer)
    assert not_yet.status_code == 400 and "take responsibility" in not_yet.json()["ErrorMessage"]

    me = api.put("/api/Spaces-1/interruptions/%s/responsible" % interruption["Id"])
    assert me["Id"] == sim.world.api_user.id
    assert api.get("/api/Spaces-1/interruptions/" + interruption["Id"])["HasResponsibility"] is True
    done = api.post(submit, answer)
    assert done["IsPending"] is False and done["Form"]["Values"]["Result"] == "Proceed"
    again = api.call("POST", submit, json=answer)
    assert again.status_code == 400 and again.json()["ErrorMessage"] == "The interruption has already been submitted."

    clock.advance(7.9)
    assert _task(api, task_id)["State"] == "Executing"
    clock.advance(0.2)
    task = _task(api, task_id)
    assert (task["State"], task["IsCompleted"], task["FinishedSuccessfully"]) == ("Success", True, True)
    assert task["Duration"] == "1 hour" and task["ErrorMessage"] == ""
    final_details = api.get("/api/Spaces-1/tasks/%s/details" % task_id)
    final = _log_lines(final_details)
    assert "Migrating" in final and "Warming up" in final
    root = final_details["ActivityLogs"][0]
    assert root["Status"] == "Success" and root["LogElements"][-1]["MessageText"] == "The deployment completed successfully."

    events = api.get("/api/events?regardingAny=%s&spaces=Spaces-1&includeSystem=true" % task_id)["Items"]
    submitted = [e for e in events if e["Message"].startswith("Submitted interruption")]
    assert [(e["UserId"], e["Username"]) for e in submitted] == [(sim.world.api_user.id, "simulator")]
    assert "text/plain" in api.call("GET", "/api/tasks/%s/raw" % task_id).headers["Content-Type"]


def _node_ids(details):
    return [node["Id"] for node in _nodes(details)]


def test_submit_rules_for_other_users(api, sim, suite):
    world = sim.world
    world.set_task_script(None, TaskScript(run_seconds=5, interruptions=[
        InterruptionPlan(at_seconds=1, responsible_team_ids=[suite.approvers.id])]))
    outsider = world.add_user("outsider", api_key="API-OUTSIDER")
    blocked = world.add_user("blocked", api_key="API-BLOCKED", teams=[suite.approvers], can_take_responsibility=False)
    world.add_user("carol", api_key="API-CAROL", teams=[suite.approvers])
    task_id = _deploy(api, suite, project="Database", version="2021.1.1.1")["TaskId"]
    sim.clock.advance(2)
    interruption_id = api.get("/api/interruptions?regarding=" + task_id)["Items"][0]["Id"]
    base = sim.url + "/api/Spaces-1/interruptions/" + interruption_id

    def as_user(key, method, suffix, body=None):
        return requests.request(method, base + suffix, json=body, headers={"X-Octopus-ApiKey": key}, timeout=5)

    outsider_view = requests.get(base, headers={"X-Octopus-ApiKey": "API-OUTSIDER"}, timeout=5).json()
    assert outsider_view["CanTakeResponsibility"] is False and outsider.id
    assert as_user("API-OUTSIDER", "PUT", "/responsible").status_code == 403
    assert as_user("API-BLOCKED", "PUT", "/responsible").status_code == 403 and blocked.id
    assert as_user("API-CAROL", "PUT", "/responsible").status_code == 200
    stolen = api.call("POST", "/api/Spaces-1/interruptions/%s/submit" % interruption_id, json={"Result": "Proceed"})
    assert stolen.status_code == 400 and stolen.json()["ErrorMessage"].startswith("Someone else has taken responsibility")
    bad = as_user("API-CAROL", "POST", "/submit", {"Result": "Maybe"})
    assert bad.status_code == 400 and bad.json()["ErrorMessage"] == "There were errors with the form."
    aborted = as_user("API-CAROL", "POST", "/submit", {"Notes": "No", "Result": "Abort"})
    assert aborted.status_code == 200
    task = _task(api, task_id)
    assert task["State"] == "Failed" and task["ErrorMessage"] and task["HasPendingInterruptions"] is False


def test_guided_failure(api, sim, suite):
    world = sim.world
    world.set_task_script(None, TaskScript(run_seconds=4, interruptions=[InterruptionPlan("GuidedFailure", 2)]))
    off = _deploy(api, suite, project="Database", version="2021.1.1.1")
    sim.clock.advance(2.5)
    assert _task(api, off["TaskId"])["State"] == "Failed"                  # guided failure not enabled

    on = _deploy(api, suite, project="Database", version="2021.1.1.1", UseGuidedFailure=True)
    sim.clock.advance(2.5)
    task = _task(api, on["TaskId"])
    assert task["PendingInterruptionTypes"] == ["GuidedFailure"]
    interruption = api.get("/api/interruptions?regarding=" + on["Id"])["Items"][0]
    assert interruption["ResponsibleTeamIds"] == [] and interruption["CanTakeResponsibility"] is True
    api.put("/api/interruptions/%s/responsible" % interruption["Id"])
    wrong = api.call("POST", "/api/interruptions/%s/submit" % interruption["Id"], json={"Result": "Proceed"})
    assert wrong.status_code == 400
    api.post("/api/interruptions/%s/submit" % interruption["Id"], {"Notes": "try again", "Guidance": "Retry"})
    sim.clock.advance(2)
    assert _task(api, on["TaskId"])["State"] == "Success"


def test_cancel_running_and_queued_tasks(api, sim, suite):
    sim.world.set_task_script(None, TaskScript(run_seconds=30, cancel_seconds=1))
    running = _deploy(api, suite)
    queued_behind = _deploy(api, suite)                 # same project/environment: waits its turn
    sim.clock.advance(5)
    assert _task(api, running["TaskId"])["State"] == "Executing"
    assert _task(api, queued_behind["TaskId"])["State"] == "Queued"
    cancelling = api.post("/api/Spaces-1/tasks/%s/cancel" % running["TaskId"])
    assert cancelling["State"] == "Cancelling" and cancelling["IsCompleted"] is False
    sim.clock.advance(1)
    assert _task(api, running["TaskId"])["State"] == "Canceled"
    assert _task(api, queued_behind["TaskId"])["State"] == "Executing"
    third = _deploy(api, suite)
    assert api.post("/api/tasks/%s/cancel" % third["TaskId"])["State"] == "Canceled"


def test_scheduled_deployment_and_expiry(api, sim, suite):
    sim.world.set_task_script(None, TaskScript(run_seconds=5))
    now = sim.clock.now()
    later = now + timedelta(minutes=10)
    ms_date = "\\/Date(%d)\\/" % int(later.timestamp() * 1000)
    scheduled = api.post("/api/Spaces-1/deployments", {
        "ReleaseId": suite.releases[("Web API", "2021.1.1.2")].id, "EnvironmentId": suite.environments["Staging"].id,
        "QueueTime": ms_date.replace("\\/", "/"), "QueueTimeExpiry": (later + timedelta(hours=1)).isoformat()},
        expect=201)
    assert scheduled["QueueTime"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    sim.clock.advance(599)
    assert _task(api, scheduled["TaskId"])["State"] == "Queued"
    sim.clock.advance(2)
    assert _task(api, scheduled["TaskId"])["State"] == "Executing"
    bad = api.call("POST", "/api/Spaces-1/deployments", json={
        "ReleaseId": suite.releases[("Web API", "2021.1.1.2")].id, "EnvironmentId": suite.environments["Staging"].id,
        "QueueTime": "not a date"})
    assert bad.status_code == 400 and bad.json()["ErrorMessage"] == "Deployment Schedule is invalid."


def test_queue_expiry_times_out(api, sim, suite):
    sim.world.set_task_script(None, TaskScript(run_seconds=60))
    first = _deploy(api, suite)
    expiry = (sim.clock.now() + timedelta(seconds=30)).isoformat()
    second = _deploy(api, suite, QueueTimeExpiry=expiry)
    sim.clock.advance(31)
    task = _task(api, second["TaskId"])
    assert task["State"] == "TimedOut" and task["Completed"] == "Timed out" and task["StartTime"] is None
    assert _task(api, first["TaskId"])["State"] == "Executing"


def test_required_prompted_variable(api, sim, suite):
    from octopus_sim import PromptedVariable
    project = sim.world.add_project("Prompted", suite.lifecycle,
                                    prompted_variables=[PromptedVariable("Ticket", "Change ticket", required=True)])
    release = sim.world.add_release(project, "1.0.0")
    env = suite.environments["Development"].id
    missing = api.call("POST", "/api/Spaces-1/deployments", json={"ReleaseId": release.id, "EnvironmentId": env})
    assert missing.status_code == 400 and "Change ticket" in missing.json()["Errors"][0]
    preview = api.get("/api/Spaces-1/releases/%s/deployments/preview/%s" % (release.id, env))
    element = preview["Form"]["Elements"][0]
    created = api.post("/api/Spaces-1/deployments", {"ReleaseId": release.id, "EnvironmentId": env,
                                                     "FormValues": {element["Name"]: "CHG-1::a::b"}}, expect=201)
    assert created["FormValues"] == {element["Name"]: "CHG-1::a::b"}


def test_parent_approvals_are_found_through_events(api, suite):
    approval_deployment = [d for d in suite.deployments if d.release_id == suite.parent_release.id][-1]
    events = api.get("/api/events?regardingAny=%s&spaces=Spaces-1&includeSystem=true"
                     % approval_deployment.task_id)["Items"]
    approvals = [e for e in events if e["Message"].startswith("Submitted interruption")]
    assert [(e["UserId"], e["Username"]) for e in approvals] == [(suite.approver.id, "bob.approver")]
    teams = api.get("/api/teammembership?userId=%s&spaces=Spaces-1&includeSystem=true" % suite.approver.id)
    assert [t["TeamId"] for t in teams] == [suite.approvers.id]
    interruptions = api.get("/api/interruptions?regarding=" + approval_deployment.task_id)["Items"]
    assert interruptions[0]["Form"]["Values"]["Result"] == "Proceed" and not interruptions[0]["IsPending"]


def test_clock_control_endpoints(sim, suite):
    before = requests.get(sim.url + "/__sim/clock", timeout=5).json()
    after = requests.post(sim.url + "/__sim/clock/advance?seconds=1.5", timeout=5).json()
    assert after["Epoch"] - before["Epoch"] == 1.5 and after["Now"].endswith("+00:00")
    assert sim.requests == []                      # control calls are not logged and need no key


def test_world_query_helpers(sim, suite):
    deployments = sim.world.deployments_for(suite.projects["Web API"], environment="Test")
    assert [sim.world.get(d.release_id).version for d in deployments] == ["2021.1.1.2", "2021.1.1.1", "2021.1.0.1"]
