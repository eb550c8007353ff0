"""Pins for preflight's reads and its create call: freezes read a page of 100 at a time up to
1000, which refusals of a read are a note and which fail the step, the override around a create."""

import pytest

from child_deploy.acting.preflight import (post_deployment, read_freezes, read_permissions,
                                           unless_refused)
from child_deploy.base.errors import OctopusApiError


class Freezes:
    """deploymentfreezes: `total` freezes (and a Count that may lie), paged as asked."""

    space_id = "Spaces-1"

    def __init__(self, total, count=None, refuse=None):
        self.total, self.count, self.refuse, self.asked = total, count, refuse, []

    def get(self, route, params=None, system=False):
        self.asked.append((route, dict(params or {}), system))
        if self.refuse:
            raise OctopusApiError("No.", status=self.refuse)
        skip, take = params["skip"], params["take"]
        items = [{"Id": "DeploymentFreezes-{0}".format(n)}
                 for n in range(skip, min(skip + take, self.total))]
        return {"DeploymentFreezes": items + ["not a freeze"],
                "Count": self.total if self.count is None else self.count}


def test_freezes_are_read_a_hundred_at_a_time_until_the_count_is_reached():
    client, notes = Freezes(250), []
    freezes = read_freezes(client, notes)
    assert [f["Id"] for f in freezes] == ["DeploymentFreezes-{0}".format(n) for n in range(250)]
    assert [a[1] for a in client.asked] == [{"skip": 0, "take": 100}, {"skip": 100, "take": 100},
                                           {"skip": 200, "take": 100}]
    assert all(a[0] == "deploymentfreezes" and a[2] for a in client.asked) and notes == []


def test_a_count_that_overstates_stops_at_the_first_empty_page_or_at_a_thousand():
    client = Freezes(150, count=400)
    assert len(read_freezes(client, [])) == 150 and len(client.asked) == 3
    client = Freezes(5000)
    assert len(read_freezes(client, [])) == 1000 and len(client.asked) == 10


def test_a_page_without_a_count_ends_the_read():
    class NoCount(Freezes):
        def get(self, route, params=None, system=False):
            return dict(super().get(route, params, system), Count=None)
    client = NoCount(250)
    assert len(read_freezes(client, [])) == 100 and len(client.asked) == 1


@pytest.mark.parametrize("status, note", [
    (403, ["Deployment freezes were not checked: Octopus answered 403."]),
    (400, ["Deployment freezes were not checked: Octopus answered 400."]),
    (499, ["Deployment freezes were not checked: Octopus answered 499."]),
    (404, []),                                   # a server without freezes has none
])
def test_a_refused_freeze_read_is_a_note_and_no_freezes(status, note):
    notes = []
    assert read_freezes(Freezes(3, refuse=status), notes) == [] and notes == note


@pytest.mark.parametrize("status", [500, 503, 399, None])
def test_a_failure_that_is_not_a_refusal_fails_the_read(status):
    def read():
        raise OctopusApiError("Broken.", status=status)
    with pytest.raises(OctopusApiError):
        unless_refused([], "Deployment freezes", read)


def test_a_permission_read_answered_404_is_noted_since_only_freezes_may_be_missing():
    notes = []

    def read():
        raise OctopusApiError("Not here.", status=404)
    assert unless_refused(notes, "The API key's permissions", read) is None
    assert notes == ["The API key's permissions were not checked: Octopus answered 404."]


def test_the_permissions_are_those_of_the_key_user_system_wide_included():
    class Users:
        def __init__(self):
            self.asked = []

        def get(self, route, params=None, system=False):
            self.asked.append((route, params, system))
            return {"Id": "Users-3"} if route == "users/me" else {"SpaceIds": ["Spaces-1"]}
    client = Users()
    assert read_permissions(client, []) == {"SpaceIds": ["Spaces-1"]}
    assert client.asked == [("users/me", None, True),
                            ("users/Users-3/permissions", {"includeSystem": "true"}, False)]


class Creating:
    space_id = "Spaces-1"

    def __init__(self, answer):
        self.answer, self.posts = answer, []

    def post(self, route, body=None):
        self.posts.append((route, body))
        return self.answer


def test_a_create_without_an_override_is_a_plain_post():
    client = Creating({"Id": "Deployments-1"})
    assert post_deployment(client, {"ReleaseId": "Releases-1", "FreezeOverride": None}) == \
        {"Id": "Deployments-1"}
    assert client.posts == [("deployments", {"ReleaseId": "Releases-1"})]


def test_a_create_with_an_override_goes_through_the_override_route():
    override = {"FreezeIds": ["DeploymentFreezes-1"], "Reason": "Hotfix"}
    client = Creating({"Deployment": {"Id": "Deployments-2"}})
    made = post_deployment(client, {"ReleaseId": "Releases-1", "FreezeOverride": override})
    assert made == {"Id": "Deployments-2"}
    assert client.posts == [("deployments/override", dict(
        override, CreateDeploymentCommand={"ReleaseId": "Releases-1"}, SpaceId="Spaces-1"))]
    assert post_deployment(Creating(None), {"FreezeOverride": override}) is None


def test_a_refusal_names_the_child_its_destination_and_its_tenant():
    from datetime import datetime, timezone
    from types import SimpleNamespace
    from child_deploy.acting.preflight import check_delivery
    from child_deploy.base.errors import RefusedError
    from child_deploy.base.outcome import Outcome
    from child_deploy.base.terminal import RecordingHost

    def refused(tenant):
        target = SimpleNamespace(space_id="Spaces-1", project={"Id": "Projects-1", "Name": "Web"},
                                 destination={"Id": "Environments-3", "Name": "Production"},
                                 tenant=tenant, tenant_id=tenant and tenant["Id"])
        delivery = SimpleNamespace(target=target, preview={}, request={"SpecificMachineIds": []})
        catalog = SimpleNamespace(batch=False, notes=[], now=datetime(2026, 11, 20, tzinfo=timezone.utc),
                                  shared=lambda key, read: {"SpacePermissions": {}} if key ==
                                  "permissions" else [])
        host = RecordingHost()
        host.known_outcome = Outcome("Deployed", "")
        with pytest.raises(RefusedError) as raised:
            check_delivery(host, SimpleNamespace(auto_approve=False, queue_time=None), delivery,
                           catalog)
        assert host.outputs["ChildOutcome"] == "Forbidden"
        return str(raised.value)
    assert refused({"Id": "Tenants-1", "Name": "Acme"}).startswith(
        "Octopus would refuse Web to Production for Acme (Missing permission: DeploymentCreate)")
    assert refused(None).startswith("Octopus would refuse Web to Production (Missing permission")


@pytest.mark.parametrize("complete, kept", [(True, True), (None, True), (False, False)])
def test_a_permission_set_octopus_says_is_incomplete_is_not_used_to_refuse(complete, kept):
    """A grant missing from part of the set would be a false Forbidden: such a set is noted as
    not checked, as an unreadable one is."""
    shown = {"SpacePermissions": {}, "SystemPermissions": []}
    if complete is not None:
        shown["IsPermissionsComplete"] = complete

    class Users:
        def get(self, route, params=None, system=False):
            return {"Id": "Users-3"} if route == "users/me" else shown
    notes = []
    assert read_permissions(Users(), notes) == (shown if kept else None)
    assert notes == ([] if kept else [
        "The API key's permissions were not checked: Octopus showed part of them."])


class FreezeCatalog:
    def __init__(self, *freezes):
        self.freezes = list(freezes)

    def shared(self, key, read):
        assert key == "freezes"
        return self.freezes


def test_a_freeze_ahead_is_said_with_when_it_begins_and_one_already_holding_is_not():
    """Only a freeze that begins after the plan and before the child's latest send is said;
    one holding at the plan's moment (from then on too) was refused or overridden already."""
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace
    from child_deploy.acting.preflight import freezes_ahead
    now = datetime(2030, 1, 7, 10, 0, tzinfo=timezone.utc)

    def frozen(name, start_minutes, end_minutes):
        return {"Name": name, "Start": (now + timedelta(minutes=start_minutes)).isoformat(),
                "End": (now + timedelta(minutes=end_minutes)).isoformat(),
                "ProjectEnvironmentScope": {"Projects-4": ["Environments-5"]}}
    target = SimpleNamespace(project={"Id": "Projects-4"}, destination={"Id": "Environments-5"},
                             tenant_id=None)
    catalog = FreezeCatalog(frozen("Holding", -30, 90), frozen("From now", 0, 60),
                            frozen("Soon", 20, 80), frozen("Later", 200, 260))
    notes = freezes_ahead(catalog, now, [("Web UI", target, now + timedelta(minutes=45))])
    assert notes == ['Deployment freeze "Soon" begins 2030-01-07 10:20 UTC, before the train may '
                     'reach Web UI (at the latest 2030-01-07 10:45 UTC); Octopus would then '
                     'refuse it.']
