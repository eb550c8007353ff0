"""Pins for release_notes.py and targets.py: each test fails when one decision is changed.

(See docs/mutation.md.)
"""

import pytest

from child_deploy.base.errors import OctopusApiError
from child_deploy.rules.release_notes import build_release_notes, selected_package_versions
from child_deploy.shell.settings import ParentContext
from child_deploy.rules.targets import Requested, choose_targets, find_machine, preview_machines, requested_machines

TWO_ACTIONS = {"Packages": [
    {"StepName": "Deploy", "ActionName": "Api", "PackageId": "WebAPI", "PackageReferenceName": ""},
    {"StepName": "Deploy", "ActionName": "Worker", "PackageId": "Worker", "PackageReferenceName": ""},
    {"StepName": "Migrate", "ActionName": "", "PackageId": "Db", "PackageReferenceName": ""}]}


def test_a_step_with_several_package_actions_lists_each_actions_package():
    release = {"SelectedPackages": [
        {"StepName": "Deploy", "ActionName": "Worker", "Version": "2.0"},
        {"StepName": "Deploy", "ActionName": "Api", "Version": "1.0"},
        {"StepName": "Migrate", "ActionName": None, "Version": "7"}]}
    assert selected_package_versions(release, TWO_ACTIONS) == ["Worker.2.0", "WebAPI.1.0", "Db.7"]


def test_a_selected_package_of_another_step_or_action_is_not_listed():
    release = {"SelectedPackages": [{"StepName": "Other", "ActionName": "Api", "Version": "1.0"},
                                    {"StepName": "Deploy", "ActionName": "Gone", "Version": "3"}]}
    assert selected_package_versions(release, TWO_ACTIONS) == []


def test_an_action_with_two_package_references_lists_each_package():
    template = {"Packages": [
        {"StepName": "Deploy", "ActionName": "Deploy", "PackageId": "WebAPI", "PackageReferenceName": ""},
        {"StepName": "Deploy", "ActionName": "Deploy", "PackageId": "Config", "PackageReferenceName": "config"}]}
    release = {"SelectedPackages": [
        {"StepName": "Deploy", "ActionName": "Deploy", "PackageReferenceName": "", "Version": "1.0"},
        {"StepName": "Deploy", "ActionName": "Deploy", "PackageReferenceName": "config", "Version": "9"}]}
    assert selected_package_versions(release, template) == ["WebAPI.1.0", "Config.9"]


def test_notes_without_build_information_or_release_notes_still_list_packages():
    release = {"ReleaseNotes": None, "SelectedPackages": [
        {"StepName": "Deploy", "ActionName": "Api", "Version": "1.0"}]}
    assert build_release_notes(release, {"Changes": [{"WorkItems": [{"Id": "X"}]}]}, TWO_ACTIONS) == (
        "**Release Information**\n\n\n\nPackage Versions\n  - WebAPI.1.0")


def test_build_information_with_an_empty_comment_and_no_description():
    release = {"BuildInformation": [{"PackageId": "WebAPI"}]}
    preview = {"Changes": [{"BuildInformation": [{"PackageId": "WebAPI", "Version": "1.0"}],
                            "WorkItems": [{"Id": "WI-1"}],
                            "Commits": [{"Id": "c1", "Comment": "   "}, {"Id": "c2"}]}]}
    assert build_release_notes(release, preview).splitlines()[2:] == [
        "- Package Versions", "  - WebAPI.1.0", "", "- Work Items", "  - WI-1 - ", "",
        "- Commits", "  - c1 - ", "  - c2 - "]


def test_preview_machines_are_keyed_by_lower_case_id_and_fall_back_to_the_id():
    preview = {"StepsToExecute": [{"Machines": [{"Id": "Machines-1"}, {"Id": "MACHINES-2", "Name": "b"}]},
                                  {"Machines": None}, {}]}
    assert preview_machines(preview) == {"machines-1": "Machines-1", "machines-2": "b"}
    assert preview_machines(None) == {}


PREVIEW = {"StepsToExecute": [{"Machines": [{"Id": "Machines-1", "Name": "web-01"},
                                            {"Id": "Machines-2", "Name": "web-02"}]}]}


def test_targets_keep_the_requested_order_and_name_them_all():
    decision = choose_targets(Requested(("Machines-2", "Machines-1"), {}, "the parent"), PREVIEW, False,
                              "Web API")
    assert decision == (("Machines-2", "Machines-1"), False,
                        "Web API deploys to web-02, web-01 of the targets asked for by the parent.")


def test_a_lower_case_id_from_the_system_variable_is_sent_as_octopus_spells_it():
    decision = choose_targets(Requested(("machines-2",), {}, "the parent"), PREVIEW, False, "Web API")
    assert decision.machine_ids == ("Machines-2",)


def test_a_mismatch_names_each_target_asked_for():
    requested = Requested(("Machines-8", "Machines-9"), {"machines-8": "db-01"}, "the parent")
    skipped = choose_targets(requested, PREVIEW, False, "Web API")
    assert skipped.skip and "does not deploy to db-01 or Machines-9 (the parent)" in skipped.reason
    ignored = choose_targets(requested, PREVIEW, True, "Web API")
    assert not ignored.skip and "deploys to none of db-01, Machines-9 (the parent)" in ignored.reason


class Settings:
    def __init__(self, target_machines=(), **parent):
        self.target_machines = target_machines
        self.parent = ParentContext(**parent)


class Client:
    def __init__(self, status=404):
        self.status, self.asked = status, []

    def find_by_name(self, collection, name, kind, hint=""):
        self.asked.append(("name", name))
        return {"Id": "Machines-7", "Name": "web-07"}

    def get(self, route):
        self.asked.append(("get", route))
        raise OctopusApiError("failed", status=self.status)


def test_a_machine_id_in_any_case_is_read_by_id_and_a_name_by_name():
    client = Client()
    assert find_machine(client, "WEB-07")["Id"] == "Machines-7"
    with pytest.raises(Exception, match="MACHINES-5 was not found"):
        find_machine(client, "MACHINES-5")
    assert client.asked == [("name", "WEB-07"), ("get", "machines/MACHINES-5")]


def test_a_machine_lookup_failing_otherwise_is_not_reported_as_not_found():
    with pytest.raises(OctopusApiError) as raised:
        find_machine(Client(status=500), "Machines-5")
    assert raised.value.status == 500


def test_requested_names_are_kept_for_the_log():
    requested = requested_machines(Settings(("web-07",)), Client())
    assert requested == (("Machines-7",), {"machines-7": "web-07"},
                         'the "Specific Deployment Target" parameter')
