"""Pins for the lane of one child: the marker of this run is looked for among the deployments of
its own project, environment and tenant."""

import pytest

from child_deploy.acting.deployment import RECENT_TAKE, Lane


class Deployments:
    def __init__(self, items):
        self.items, self.asked = items, []

    def get(self, route, params=None):
        self.asked.append((route, dict(params or {})))
        return {"Items": self.items}


@pytest.mark.parametrize("tenant, expected", [
    ("Tenants-4", {"projects": "Projects-1", "environments": "Environments-2", "tenants": "Tenants-4",
                   "take": RECENT_TAKE}),
    (None, {"projects": "Projects-1", "environments": "Environments-2", "take": RECENT_TAKE}),
])
def test_ours_is_looked_for_in_the_lane_of_its_tenant(tenant, expected):
    ours = {"Id": "Deployments-9", "Comments": "Deployed by ... run abc123."}
    client = Deployments([{"Id": "Deployments-8", "Comments": "another run"}, ours])
    lane = Lane(client, {"EnvironmentId": "Environments-2", "TenantId": tenant}, "Projects-1")
    assert lane.ours("abc123") is ours
    assert client.asked == [("deployments", expected)]
    assert lane.ours("zzz") is None


def test_a_scheduled_request_matches_a_deployment_queued_within_a_second_only():
    from child_deploy.acting.deployment import _same_schedule
    request = {"QueueTime": "2026-11-20T10:00:00.000+00:00"}

    def queued_at(when):
        return _same_schedule({"QueueTime": when}, request, {}, None)
    assert queued_at("2026-11-20T10:00:00.999+00:00")
    assert queued_at("2026-11-20T11:00:00.500+01:00")      # the same instant in another zone
    assert not queued_at("2026-11-20T10:00:01.000+00:00")
    assert not queued_at("2026-11-20T09:59:59.000+00:00")
    assert not queued_at(None)


def test_the_create_body_never_forces_a_redeploy_of_packages_and_is_not_scheduled_unless_asked():
    """v29's body: packages are not redeployed by force (only downloaded again, when asked), no
    target is excluded, and without *Scheduling* there is no queue time or expiry."""
    from child_deploy.acting.deployment import deployment_request
    from fakes import make_settings
    body = deployment_request({"Id": "Releases-7"}, {"Id": "Environments-2"}, "Tenants-1",
                              make_settings(), ["Machines-3"], {"Var-1": "x"}, True, ["Actions-4"])
    assert body["ForcePackageRedeployment"] is False and body["ForcePackageDownload"] is False
    assert body["ExcludedMachineIds"] == [] and body["SpecificMachineIds"] == ["Machines-3"]
    assert (body["QueueTime"], body["QueueTimeExpiry"]) == (None, None)
    assert (body["ReleaseId"], body["EnvironmentId"], body["TenantId"]) == (
        "Releases-7", "Environments-2", "Tenants-1")
    assert body["SkipActions"] == ["Actions-4"] and body["UseGuidedFailure"] is True
    assert body["FormValues"] == {"Var-1": "x"}


def test_a_step_the_child_marks_as_required_cannot_be_skipped_and_every_problem_is_said():
    from child_deploy.acting.deployment import skip_action_ids
    from child_deploy.base.errors import ConfigurationError
    preview = {"StepsToExecute": [
        {"ActionName": "Migrate", "ActionId": "Actions-1", "CanBeSkipped": False},
        {"ActionName": "Notify", "ActionId": "Actions-2", "CanBeSkipped": True}]}
    assert skip_action_ids(preview, [" notify "]) == ["Actions-2"]
    with pytest.raises(ConfigurationError) as refused:
        skip_action_ids(preview, ["Migrate", "Smoke test", "Notify"])
    assert refused.value.problems == [
        '"Steps to skip" names "Migrate", which the child project marks as required; it cannot '
        'be skipped.',
        '"Steps to skip" names "Smoke test", which is not a step of the child deployment (its '
        'steps: Migrate, Notify).']


def test_each_run_marks_its_deployments_with_a_token_of_16_hex_digits():
    """Long enough that two runs never share one, short enough to read in the Comments."""
    import re
    from child_deploy.acting.deployment import new_run_token
    tokens = {new_run_token() for _ in range(50)}
    assert len(tokens) == 50 and all(re.fullmatch(r"[0-9a-f]{16}", t) for t in tokens)


class CreateClient:
    """POST /deployments answers in turn (an exception is raised); cancels and tasks recorded."""

    def __init__(self, *answers, task=None):
        self.answers, self.posts, self.task = list(answers), [], task

    def post(self, route, body=None, **options):
        self.posts.append((route, options))
        if route.startswith("tasks/"):
            return {}
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get(self, route, params=None):
        if isinstance(self.task, Exception):
            raise self.task
        return self.task

    def with_deadline(self, deadline):
        return self


class FoundLate:
    """A lane whose deployment with this run's marker shows up at the `at`-th look."""

    def __init__(self, at=None, active=()):
        self.request = {"Comments": "run abc", "EnvironmentId": "Environments-2"}
        self.at, self.looks, self._active = at, 0, list(active)

    def ours(self, marker):
        self.looks += 1
        return {"Id": "Deployments-5", "TaskId": "ServerTasks-5"} if self.looks == self.at else None

    def active(self, now, ours=None):
        return self._active


class Ticks:
    def __init__(self):
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)

    def now(self):
        return None

    def monotonic(self):
        return 0.0


def test_a_skip_names_no_step_of_a_child_with_none():
    from child_deploy.acting.deployment import skip_action_ids
    from child_deploy.base.errors import ConfigurationError
    with pytest.raises(ConfigurationError, match=r"\(its steps: none\)"):
        skip_action_ids({}, ["Smoke test"])


@pytest.mark.parametrize("status", [400, 404, 499])
def test_a_create_octopus_refuses_is_reported_at_once_never_looked_for_or_sent_again(status):
    from child_deploy.acting.deployment import create
    from child_deploy.base.errors import OctopusApiError
    client, lane = CreateClient(OctopusApiError("refused", status=status)), FoundLate(at=1)
    with pytest.raises(OctopusApiError, match="refused"):
        create(client, Ticks(), lambda line: None, lane)
    assert len(client.posts) == 1 and lane.looks == 0


def test_an_answer_without_the_deployment_is_looked_for_over_the_lost_answer_waits():
    """Octopus answered 200 without an Id: nothing says it was not sent, so the run looks for
    its marker as after a lost answer (0, 1, 2 s ...) and uses what it finds; no second POST."""
    from child_deploy.acting.deployment import LOST_ANSWER_WAITS, create
    client, lane, clock, said = CreateClient({"Links": {}}), FoundLate(at=3), Ticks(), []
    made, reason = create(client, clock, said.append, lane)
    assert made["Id"] == "Deployments-5" and "Octopus had created deployment Deployments-5" in reason
    assert len(client.posts) == 1 and clock.slept == list(LOST_ANSWER_WAITS[:3])
    assert "lost or unclear (Octopus answered the create call without the deployment.)" in said[0]


def test_a_run_that_lost_the_race_cancels_its_own_and_follows_the_winner_as_not_its_own():
    from child_deploy.acting.deployment import settle
    ours = {"Id": "Deployments-8", "TaskId": "ServerTasks-8", "Created": "2026-11-20T09:00:01Z"}
    winner = {"Id": "Deployments-7", "TaskId": "ServerTasks-7", "Created": "2026-11-20T09:00:00Z"}
    client, known, said = CreateClient(), [], []
    created = settle(client, Ticks(), said.append, FoundLate(active=[winner]), ours, "",
                     lambda deployment, mine: known.append((deployment["Id"], mine)))
    assert (created.deployment, created.created_here) == (winner, False)
    assert known == [("Deployments-7", False)]
    assert client.posts == [("tasks/ServerTasks-8/cancel", {"idempotent": True})]
    assert said == ["Deployment Deployments-7 of the same request was created just before this "
                    "run's Deployments-8; cancelling Deployments-8 and following Deployments-7."]


class Known:
    def __init__(self, outcome):
        self.known_outcome = outcome


@pytest.mark.parametrize("outcome", [None, "no deployment"])
def test_with_no_child_deployment_there_is_nothing_to_cancel(outcome):
    from child_deploy.acting.deployment import cancel_child
    from child_deploy.base.outcome import chosen_not_deployed
    known = None if outcome is None else chosen_not_deployed("1.0", "", "0.9").with_(
        created_here=True)
    client = CreateClient()
    assert cancel_child(client, Ticks(), Known(known)) == "no child deployment had been created"
    assert client.posts == []


@pytest.mark.parametrize("state, said", [
    ("Cancelling", "cancelled"), ("Canceled", "cancelled"),
    ("Executing", "not cancelled, because cancelling failed (503 twice)")])
def test_a_cancel_call_that_failed_is_judged_by_the_tasks_own_state(state, said):
    from child_deploy.acting.deployment import cancel_failed
    from child_deploy.base.errors import StepError
    client = CreateClient(task={"State": state})
    assert cancel_failed(client, "ServerTasks-5", StepError("503 twice\nmore")) == said


@pytest.mark.parametrize("theirs, ours, same", [
    ("Tenants-1", None, False), (None, "Tenants-1", False), ("Tenants-1", "Tenants-2", False),
    ("Tenants-1", "Tenants-1", True), ("", None, True)])
def test_a_deployment_for_another_tenant_is_never_the_same_request(theirs, ours, same):
    from child_deploy.acting.deployment import _same_target
    deployment = {"EnvironmentId": "Environments-2", "TenantId": theirs}
    request = {"EnvironmentId": "Environments-2", "TenantId": ours}
    assert _same_target(deployment, request) is same


def test_the_looks_and_budgets_are_the_documented_schedule():
    """docs/design.md promises these figures: a lost create is looked for at once, then after 1,
    2, 4 and 8 s (15 s before it is sent again); after a signal, at once, after 1 and 2 s within
    4 s, then 8 s to cancel, so a stopped step ends within 15 s; a create made seconds ago is
    among the lane's newest 30."""
    from child_deploy.acting import deployment
    assert deployment.LOST_ANSWER_WAITS == (0.0, 1.0, 2.0, 4.0, 8.0)
    assert deployment.SIGNAL_WAITS == (0.0, 1.0, 2.0)
    assert (deployment.SIGNAL_BUDGET_SECONDS, deployment.CANCEL_BUDGET_SECONDS) == (4.0, 8.0)
    assert deployment.RECENT_TAKE == 30


def test_a_create_that_never_reached_octopus_is_looked_for_once_at_once_then_sent_again():
    from child_deploy.acting.deployment import create
    from child_deploy.base.errors import OctopusUnreachableError
    unsent = OctopusUnreachableError("refused", method="POST", path="/deployments", sent=False)
    client = CreateClient(unsent, {"Id": "Deployments-6", "TaskId": "ServerTasks-6"})
    lane, clock = FoundLate(at=None), Ticks()
    made, _reason = create(client, clock, lambda line: None, lane)
    assert made["Id"] == "Deployments-6" and clock.slept == [0.0] and lane.looks == 1
