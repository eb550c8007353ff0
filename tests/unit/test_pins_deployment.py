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
