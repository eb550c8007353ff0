"""Release notes Markdown and the choice of deployment targets: tables of pure decisions."""

from datetime import datetime, timezone

import pytest

from child_deploy.rules.release_notes import artifact_name, build_release_notes, selected_package_versions
from child_deploy.base.errors import NotFoundError, OctopusApiError
from child_deploy.shell.settings import ParentContext
from child_deploy.rules.targets import Requested, choose_targets, requested_machines

CHANGES = [
    {"BuildInformation": [{"PackageId": "WebAPI", "Version": "1.2"}],
     "WorkItems": [{"Id": "WI-1", "LinkUrl": "https://t/1", "Description": "Login"}],
     "Commits": [{"Id": "abc", "LinkUrl": "https://c/abc", "Comment": "Fix login\n\nlong body"}]},
    {"BuildInformation": [{"PackageId": "WebAPI", "Version": "1.3"}],
     "WorkItems": [{"Id": "WI-1", "LinkUrl": "https://t/1", "Description": "Login"},
                   {"Id": "WI-2", "Description": "No link"}],
     "Commits": [{"Id": "abc", "LinkUrl": "https://c/abc", "Comment": "Fix login"}]},
]


def test_build_information_lists_each_work_item_and_commit_once_with_links():
    notes = build_release_notes({"BuildInformation": [{}]}, {"Changes": CHANGES})
    assert notes.splitlines() == [
        "**Release Information**", "", "- Package Versions", "  - WebAPI.1.2", "  - WebAPI.1.3", "",
        "- Work Items", "  - [WI-1](https://t/1) - Login", "  - WI-2 - No link", "",
        "- Commits", "  - [abc](https://c/abc) - Fix login"]


def test_without_build_information_the_release_notes_and_selected_packages():
    release = {"ReleaseNotes": " Fixes the login page. ", "SelectedPackages": [
        {"StepName": "Deploy", "ActionName": "Deploy", "Version": "1.3"},
        {"StepName": "Migrate", "ActionName": "Migrate", "Version": "7"},
        {"StepName": "Deploy", "ActionName": "Deploy", "Version": "1.3"}]}
    template = {"Packages": [{"StepName": "Deploy", "ActionName": "Deploy", "PackageId": "WebAPI"},
                             {"StepName": "Migrate", "ActionName": "Migrate", "PackageId": "Db"}]}
    assert build_release_notes(release, {}, template).splitlines() == [
        "**Release Information**", "", "Fixes the login page.", "", "Package Versions",
        "  - WebAPI.1.3", "  - Db.7"]
    assert selected_package_versions(release, None) == []


def test_artifact_name_is_v29s_and_safe_for_a_file_system():
    at = datetime(2026, 11, 23, 19, 5, tzinfo=timezone.utc)
    assert artifact_name("Web API", "1.2", "Prod", at) == "Web API 1.2 Prod.ReleaseNotes_2026_11_23_19_05.txt"
    assert artifact_name("A/B", "1:2", "P", at) == "A_B 1_2 P.ReleaseNotes_2026_11_23_19_05.txt"


PREVIEW = {"StepsToExecute": [
    {"Machines": [{"Id": "Machines-1", "Name": "web-01"}, {"Id": "Machines-2", "Name": "web-02"}]},
    {"Machines": [{"Id": "Machines-1", "Name": "web-01"}]}]}


@pytest.mark.parametrize("requested, ignore, ids, skip, says", [
    (None, False, (), False, "not limited"),
    (Requested(("Machines-2", "machines-9"), {}, "the parent"), False, ("Machines-2",), False, "web-02"),
    (Requested(("machines-1", "Machines-1"), {}, "the parent"), False, ("Machines-1",), False, "web-01"),
    (Requested(("Machines-9",), {"machines-9": "db-01"}, "the parent"), False, (), True, "db-01"),
    (Requested(("Machines-9",), {}, "the parent"), True, (), False, "deploys to all its targets"),
])
def test_choose_targets(requested, ignore, ids, skip, says):
    decision = choose_targets(requested, PREVIEW, ignore, "Web API")
    assert (decision.machine_ids, decision.skip) == (ids, skip)
    assert says in decision.reason


class Settings:
    def __init__(self, target_machines=(), **parent):
        self.target_machines = target_machines
        self.parent = ParentContext(**parent)


class Client:
    def find_by_name(self, collection, name, kind, hint=""):
        return {"Id": "Machines-7", "Name": name.lower()}

    def get(self, route):
        if route == "machines/Machines-404":
            raise OctopusApiError("404", status=404)
        return {"Id": route.split("/")[1], "Name": "by-id"}


@pytest.mark.parametrize("settings, ids, source", [
    (Settings(), None, None),
    (Settings(("Machines-3", "WEB-07")), ("Machines-3", "Machines-7"), "parameter"),
    (Settings(specific_machines=("Machines-1",)), ("Machines-1",), "parent"),
    (Settings(excluded_machines=("Machines-1",), machines=("Machines-2", "Machines-3")),
     ("Machines-2", "Machines-3"), "parent"),
    (Settings(("Machines-3",), specific_machines=("Machines-1",)), ("Machines-3",), "parameter"),
])
def test_requested_machines_parameter_wins_over_the_parent(settings, ids, source):
    requested = requested_machines(settings, Client())
    if ids is None:
        assert requested is None
        return
    assert requested.machine_ids == ids
    assert source in requested.source


def test_an_unknown_machine_id_is_an_error_naming_the_parameter():
    with pytest.raises(NotFoundError, match="Machines-404.*Specific Deployment Target"):
        requested_machines(Settings(("Machines-404",)), Client())
