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
