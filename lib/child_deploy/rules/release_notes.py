"""The `ReleaseNotes` output: Markdown an approver reads in a manual intervention.

From build information when the release has it, else its own notes and packages (as v29).
"""

import re

HEADING = "**Release Information**"


def build_release_notes(release, preview, process_template=None):
    """Markdown notes for `release` (pure; the caller fetches the preview and process template)."""
    if release.get("BuildInformation"):
        return "\n".join([HEADING, ""] + _build_information_lines(preview.get("Changes") or ()))
    lines = [HEADING, "", (release.get("ReleaseNotes") or "").strip(), "", "Package Versions"]
    lines += ["  - " + p for p in selected_package_versions(release, process_template)]
    return "\n".join(lines)


def _build_information_lines(changes):
    packages = _unique("{0}.{1}".format(b.get("PackageId"), b.get("Version"))
                       for change in changes for b in change.get("BuildInformation") or ())
    work_items = _unique_by_id(w for change in changes for w in change.get("WorkItems") or ())
    commits = _unique_by_id(c for change in changes for c in change.get("Commits") or ())
    lines = ["- Package Versions"] + ["  - " + p for p in packages]
    lines += ["", "- Work Items"]
    lines += ["  - {0} - {1}".format(_link(w), w.get("Description") or "") for w in work_items]
    lines += ["", "- Commits"]
    lines += ["  - {0} - {1}".format(_link(c), _first_line(c.get("Comment"))) for c in commits]
    return lines


def selected_package_versions(release, process_template):
    """`PackageId.Version` for each package the release selected, in the release's order.

    Matched by `PackageReferenceName` too: one action can reference several packages.
    """
    packages = (process_template or {}).get("Packages") or ()
    found = []
    for selected in release.get("SelectedPackages") or ():
        for package in packages:
            if _same_reference(package, selected):
                found.append("{0}.{1}".format(package.get("PackageId"), selected.get("Version")))
                break
    return _unique(found)


def _same_reference(package, selected):
    step = selected.get("StepName")
    return (package.get("StepName") == step
            and (package.get("ActionName") or step) == (selected.get("ActionName") or step)
            and (package.get("PackageReferenceName") or "")
            == (selected.get("PackageReferenceName") or ""))


def artifact_name(project_name, version, environment_name, now):
    """The v29 artifact name: `<project> <version> <environment>.ReleaseNotes_<yyyy_MM_dd_HH_mm>.txt`."""
    name = "{0} {1} {2}.ReleaseNotes_{3}.txt".format(
        project_name, version, environment_name, now.strftime("%Y_%m_%d_%H_%M"))
    return re.sub(r'[\\/:*?"<>|]', "_", name)


def _link(item):
    url = item.get("LinkUrl")
    return "[{0}]({1})".format(item.get("Id"), url) if url else str(item.get("Id"))


def _first_line(text):
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _unique(values):
    seen, result = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            result.append(value)
    return result


def _unique_by_id(items):
    seen, result = set(), []
    for item in items:
        if item.get("Id") not in seen:
            seen.add(item.get("Id"))
            result.append(item)
    return result
