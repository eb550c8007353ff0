"""Pins for a delivery's parts: where a release was deployed, the variable snapshot (What If
included), the What If request, an attached child's age, its link, and the approval parties."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from child_deploy.acting import delivery
from child_deploy.acting.delivery import (age_seconds, deployed_places, deployment_url,
                                          explain_release, refresh_variable_snapshot,
                                          release_notes_for, what_if)
from child_deploy.base.outcome import Outcome
from child_deploy.base.terminal import RecordingHost
from fakes import FakeClock

RELEASE = {"Id": "Releases-9", "Version": "2.0"}


class Fake:
    """A client answering routes from a dict, recording what was asked and posted."""

    server_url, space_id = "https://octopus.example.com", "Spaces-1"

    def __init__(self, answers=None):
        self.answers, self.gets, self.posts = dict(answers or {}), [], []

    def get(self, route, params=None):
        self.gets.append((route, params))
        return self.answers[route]

    def post(self, route, body=None, idempotent=False):
        self.posts.append((route, idempotent))
        return {}


def target(**extra):
    values = dict(project={"Id": "Projects-3", "Name": "Web"},
                  destination={"Id": "Environments-3", "Name": "Production"},
                  names={"Environments-1": "Dev", "Environments-2": "Staging"},
                  channel={"Id": "Channels-1"}, space_id="Spaces-1")
    values.update(extra)
    return SimpleNamespace(**values)


def deployments(*environment_ids):
    return {"releases/Releases-9/deployments": {"Items": [
        {"EnvironmentId": e} for e in environment_ids]}}


def test_the_places_are_each_environment_once_newest_first_and_only_known_ones():
    client = Fake(deployments("Environments-2", "Environments-1", "Environments-2",
                              "Environments-404"))
    assert deployed_places(client, target(), RELEASE) == ["Staging", "Dev"]
    assert client.gets == [("releases/Releases-9/deployments", {"take": 100})]


def test_the_release_line_names_the_places_or_says_none_and_what_deploying_means():
    host = RecordingHost()
    explain_release(Fake(deployments()), host, target(), RELEASE, "")
    assert host.messages == [
        ("highlight", "Release 2.0 of Web has been deployed to no environment yet."),
        ("info", "Production runs no release now: deploying 2.0 is its first release.")]
    host = RecordingHost()
    explain_release(Fake(), host, target(), RELEASE, "1.0", places=["Dev", "Staging"])
    assert host.messages == [
        ("highlight", "Release 2.0 of Web has been deployed successfully to Dev, Staging."),
        ("info", "Production runs 1.0 now: deploying 2.0 is an upgrade.")]


@pytest.mark.parametrize("release, reads_template", [
    ({"ProjectDeploymentProcessSnapshotId": "DP-1"}, True),
    ({"ProjectDeploymentProcessSnapshotId": "DP-1", "BuildInformation": [{"PackageId": "a"}]}, False),
    ({}, False),
])
def test_the_process_template_is_read_only_without_build_information_and_with_a_snapshot(
        release, reads_template):
    client = Fake({"deploymentprocesses/DP-1/template": {"Packages": []}})
    release_notes_for(client, target(), dict(RELEASE, **release), {"Changes": []})
    assert bool(client.gets) is reads_template


def snapshot_settings(what_if=False, refresh=True):
    return SimpleNamespace(refresh_variable_snapshot=refresh, what_if=what_if)


@pytest.mark.parametrize("changed", [{"IsVariableSetModified": True},
                                     {"IsLibraryVariableSetModified": True}])
def test_either_changed_variable_set_refreshes_the_snapshot(changed):
    client, host = Fake({"releases/Releases-9/deployments/template": changed}), RecordingHost()
    refresh_variable_snapshot(client, host, snapshot_settings(), RELEASE)
    assert client.posts == [("releases/Releases-9/snapshot-variables", True)]
    assert "its variable snapshot was refreshed" in host.text("highlight")


@pytest.mark.parametrize("changed", [{"IsVariableSetModified": True},
                                     {"IsLibraryVariableSetModified": True}])
def test_what_if_says_the_snapshot_would_be_refreshed_when_either_set_changed(changed):
    client, host = Fake({"releases/Releases-9/deployments/template": changed}), RecordingHost()
    refresh_variable_snapshot(client, host, snapshot_settings(what_if=True), RELEASE)
    assert client.posts == []
    assert host.text() == ("The child's variables changed since release 2.0 was created; What If: "
                           "the snapshot would be refreshed.")


def test_unchanged_variables_or_no_refresh_asked_keep_the_snapshot():
    client, host = Fake({"releases/Releases-9/deployments/template": {}}), RecordingHost()
    refresh_variable_snapshot(client, host, snapshot_settings(), RELEASE)
    assert client.posts == [] and "the snapshot is kept" in host.text("info")
    client = Fake()
    refresh_variable_snapshot(client, RecordingHost(), snapshot_settings(refresh=False), RELEASE)
    assert client.gets == [] and client.posts == []


def test_what_if_shows_the_request_with_each_prompted_value_hidden():
    host = RecordingHost()
    base = Outcome("Deployed", "", release_version="2.0")
    what_if(host, base, {"ReleaseId": "Releases-9", "FormValues": {"Element-1": "s3cret"}}, target())
    assert "'FormValues': {'Element-1': '(set)'}" in host.text("verbose")
    assert "s3cret" not in host.text()
    assert host.outputs["ChildOutcome"] == "WhatIf"


@pytest.mark.parametrize("created, seconds", [
    (None, 0.0), ("", 0.0), (-30, 30.0), (+30, 0.0)])
def test_an_attached_deployment_is_as_old_as_its_created_time_and_never_younger_than_now(
        created, seconds):
    clock = FakeClock()
    when = created if not isinstance(created, int) else \
        (clock.now() + timedelta(seconds=created)).isoformat()
    assert age_seconds({"Created": when}, clock) == seconds


def test_the_deployment_link_uses_the_project_slug_or_else_its_id():
    client = Fake()
    with_slug = target(project={"Id": "Projects-3", "Slug": "web", "Name": "Web"})
    assert deployment_url(client, with_slug, "2.0", "Deployments-5") == (
        "https://octopus.example.com/app#/Spaces-1/projects/web/deployments/releases/2.0/"
        "deployments/Deployments-5")
    assert "/projects/Projects-3/deployments/" in deployment_url(client, target(), "2.0", "D-5")


def test_no_approval_parties_without_auto_approval_and_no_source_without_parties():
    settings = SimpleNamespace(auto_approve=False)
    assert delivery.approval_parties(Fake(), RecordingHost(), settings, target()) is None
    assert delivery.find_approval_source(Fake(), RecordingHost(), settings,
                                         target(approval=None)) is None


class TenantLookups:
    """The parent's client: its space and the tenants it can find by name."""

    def __init__(self, space_id, tenants):
        self.space_id, self.tenants, self.asked = space_id, tenants, []

    def find_by_name(self, collection, name, kind, hint=""):
        from child_deploy.base.errors import NotFoundError
        self.asked.append(name)
        if name.lower() not in self.tenants:
            raise NotFoundError('Tenant "{0}" was not found. {1}'.format(name, hint))
        return self.tenants[name.lower()]


def Target(space_id, tenant):
    """The child's target as approval_tenant reads it: its space and its tenant (or None)."""
    return SimpleNamespace(space_id=space_id, tenant=tenant)


@pytest.mark.parametrize("child_space, found, looked_up", [
    ("Spaces-1", {"Id": "Tenants-9", "Name": "Acme"}, []),          # the parent's space: as is
    ("Spaces-2", {"Id": "Tenants-1", "Name": "Acme"}, ["Acme"]),     # another: by name there
])
def test_the_approval_tenant_of_a_tenanted_child_is_the_parents_tenant_of_that_name(
        child_space, found, looked_up):
    from child_deploy.acting.delivery import approval_tenant
    from child_deploy.base.terminal import RecordingHost
    from fakes import make_settings
    client = TenantLookups("Spaces-1", {"acme": {"Id": "Tenants-1", "Name": "Acme"}})
    target = Target(child_space, {"Id": "Tenants-9", "Name": "Acme"})
    assert approval_tenant(client, RecordingHost(), make_settings(), target) == found
    assert client.asked == looked_up


def test_a_tenant_the_parents_space_lacks_means_approvals_unfiltered_said_at_verbose_level():
    from child_deploy.acting.delivery import approval_tenant
    from child_deploy.base.terminal import RecordingHost
    from fakes import make_settings
    host = RecordingHost()
    target = Target("Spaces-2", {"Id": "Tenants-9", "Name": "Acme"})
    assert approval_tenant(TenantLookups("Spaces-1", {}), host, make_settings(), target) is None
    assert "The parent's space has no tenant Acme; approvals are not filtered by tenant." in \
        host.text("verbose")


def test_an_approval_tenant_typed_for_an_untenanted_child_is_checked_then_ignored():
    from child_deploy.acting.delivery import approval_tenant
    from child_deploy.base.errors import NotFoundError
    from child_deploy.base.terminal import RecordingHost
    from fakes import make_settings
    settings = make_settings(**{"ChildProject.ManualIntervention.Tenant.Name": "Globex"})
    host, client = RecordingHost(), TenantLookups("Spaces-1", {"globex": {"Id": "Tenants-2"}})
    assert approval_tenant(client, host, settings, Target("Spaces-1", None)) is None
    assert client.asked == ["Globex"]
    assert '"Approval Tenant" (Globex) is ignored: this deployment is untenanted.' in host.text()
    typo = make_settings(**{"ChildProject.ManualIntervention.Tenant.Name": "Globx"})
    with pytest.raises(NotFoundError, match="Globx"):
        approval_tenant(client, host, typo, Target("Spaces-1", None))
