"""step_template.json: built deterministically, up to date, and passing every Library rule."""

import ast
import json
import os
import re
import subprocess
import sys

import build_template
from child_deploy.shell.parameters import PARAMETERS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAW = open(os.path.join(ROOT, "step_template.json"), "rb").read()
TEMPLATE = json.loads(RAW.decode("utf-8"))
BODY = TEMPLATE["Properties"]["Octopus.Action.Script.ScriptBody"]
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_committed_file_is_what_the_sources_build():
    assert build_template.render().encode("utf-8") == RAW


def test_build_is_byte_identical_twice():
    assert build_template.render() == build_template.render()


def test_check_mode_passes_on_the_committed_file():
    done = subprocess.run([sys.executable, "build_template.py", "--check"], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stdout


def test_library_rule_strict_json_utf8_without_bom_two_space_indent_trailing_newline():
    assert not RAW.startswith(b"\xef\xbb\xbf")
    assert RAW.endswith(b"}\n")
    assert RAW.decode("utf-8") == json.dumps(TEMPLATE, indent=2, ensure_ascii=False) + "\n"


def test_library_rule_identity_fields():
    assert GUID.match(TEMPLATE["Id"]) and TEMPLATE["Id"] not in (
        "00000000-0000-0000-0000-000000000000", "abcdef00-ab00-cd00-ef00-000000abcdef",
        "0dac2fe6-91d5-4c05-bdfb-1b97adf1e12e")                  # never the v29 Id
    assert 0 < len(TEMPLATE["Name"]) <= 200 and " - " in TEMPLATE["Name"]
    assert isinstance(TEMPLATE["Version"], int) and TEMPLATE["Version"] >= 1
    assert TEMPLATE["LastModifiedBy"] and TEMPLATE["$Meta"]["ExportedAt"]
    assert TEMPLATE["$Meta"]["Type"] == "ActionTemplate" and TEMPLATE["$Meta"]["OctopusVersion"]


def test_library_rule_script_properties():
    assert TEMPLATE["ActionType"] == TEMPLATE["StepPackageId"] == "Octopus.Script"
    assert TEMPLATE["CommunityActionTemplateId"] is None and TEMPLATE["Packages"] == []
    assert TEMPLATE["Category"] == "octopus"
    props = TEMPLATE["Properties"]
    assert props["Octopus.Action.Script.ScriptSource"] == "Inline"
    assert props["Octopus.Action.Script.Syntax"] == "Python"
    assert "Python 3.8" in TEMPLATE["Description"] and "requests" in TEMPLATE["Description"]


def test_the_description_tells_of_the_release_train_too():
    text = " ".join(TEMPLATE["Description"].split())
    assert "Add one step per child project" not in text and "Deploys one child" not in text
    assert "release train" in text and "Several lines" in text and "TrainPlan" in text


def test_the_help_of_when_no_release_qualifies_says_what_warning_does():
    """Warning logs a highlight and the step stays green (a warning line would not)."""
    [row] = [p for p in TEMPLATE["Parameters"] if p["Name"] == "ChildProject.Release.NotFoundError"]
    assert "with a warning" not in row["HelpText"]
    assert "highlight" in row["HelpText"] and "stays green" in row["HelpText"]


def test_library_rule_parameters():
    parameters = TEMPLATE["Parameters"]
    assert [p["Name"] for p in parameters] == [row.name for row in PARAMETERS]
    ids = [p["Id"] for p in parameters]
    assert len(set(ids)) == len(ids) and all(GUID.match(i) for i in ids)
    for p in parameters:
        assert set(p) == {"Id", "Name", "Label", "HelpText", "DefaultValue", "DisplaySettings"}
        assert not p["Name"].startswith("$")
        assert p["DefaultValue"] is None or isinstance(p["DefaultValue"], str)
        display = p["DisplaySettings"]
        if display["Octopus.ControlType"] == "Select":
            assert all("|" in line for line in display["Octopus.SelectOptions"].split("\n"))


def test_body_is_readable_safe_and_python_38():
    assert BODY.startswith("# Deploy Child Octopus Deploy Project")
    assert "GENERATED" in BODY.splitlines()[1]
    assert "#" + "{" not in BODY
    ast.parse(BODY, feature_version=(3, 8))
    assert not re.search(r"[A-Za-z0-9+/]{200,}", BODY)            # no base64 blobs


def test_body_defines_no_calamari_names():
    defined = build_template.defined_names(BODY)
    assert not defined & build_template.CALAMARI_NAMES


def test_every_package_module_is_bundled_except_the_terminal_ones():
    package = os.path.join(ROOT, "lib", "child_deploy")
    modules = {os.path.relpath(os.path.join(folder, name), package)[:-3].replace(os.sep, "/")
               for folder, _dirs, names in os.walk(package) for name in names
               if name.endswith(".py") and name != "__init__.py"}
    assert modules == set(build_template.MODULES) | set(build_template.TERMINAL_ONLY)
    assert not set(build_template.MODULES) & set(build_template.TERMINAL_ONLY)


def test_the_body_holds_only_what_runs_inside_octopus():
    """No CLI, no demo, no terminal or test host in the body; still the modules in order."""
    for absent in ("argparse", "cli_main", "build_parser", "child_deploy_demo", "run_demo",
                   "class TerminalHost", "class RecordingHost", "--demo"):
        assert absent not in BODY, absent
    banners = re.findall(r"^# -+ (\w+/\w+)\.py -+$", BODY, re.MULTILINE)
    assert banners == list(build_template.MODULES)
    assert BODY.rstrip().endswith("main(globals())")
    assert "Left out, as nothing inside Octopus uses them: scheduling.queue_expiry" in BODY


def test_the_body_imports_each_module_once():
    top = [node for node in ast.parse(BODY).body if isinstance(node, (ast.Import, ast.ImportFrom))]
    imported = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module for n in top if isinstance(n, ast.ImportFrom)]
    assert len(imported) == len(set(imported)), imported
    first_code = min(n.lineno for n in ast.parse(BODY).body if not isinstance(n, (ast.Import, ast.ImportFrom)))
    assert max(n.lineno for n in top) < first_code     # one block at the top, none between modules


def test_the_contents_at_the_top_give_the_line_each_file_starts_on():
    lines = BODY.splitlines()
    contents = re.findall(r"^#\s+(\d+): (\w+/\w+\.py|start)$", BODY, re.MULTILINE)
    assert [name for _line, name in contents][:-1] == [
        "{0}.py".format(module) for module in build_template.MODULES]
    for line, name in contents:
        assert lines[int(line) - 1] == "# -------- {0} --------".format(name)
    assert "The step's story is deploy_child in shell/flow.py." in BODY[:1000]


def test_the_body_run_outside_octopus_says_where_the_terminal_version_is(tmp_path):
    script = tmp_path / "Script.py"
    script.write_text(BODY, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), "--demo"], cwd=str(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 1 and done.stdout == b""
    assert b"Traceback" not in done.stderr
    assert b"runs inside an Octopus script step" in done.stderr
    assert b"python3 deploy_child_project.py --help" in done.stderr


def test_pure_modules_import_no_third_party_code_at_module_level():
    for name in build_template.MODULES:
        tree = ast.parse(open(build_template.module_path(name)).read())
        for node in tree.body:
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & {"requests", "dateutil"}


def test_readme_parameter_table_is_generated_from_the_settings_table():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert build_template.parameter_table() in readme
    assert readme == build_template.readme_with_table(readme)
    for row in PARAMETERS:
        assert "`{0}`".format(row.name) in readme


# -- $Meta from the build -----------------------------------------------------------------------
def recorded(version, exported, content="old", author="alice", octopus="2024.3.10989"):
    template = build_template.with_record(dict(TEMPLATE, Description=content), {
        "Version": version, "LastModifiedBy": author,
        "$Meta": {"ExportedAt": exported, "OctopusVersion": octopus, "Type": "ActionTemplate"}})
    return json.loads(json.dumps(template))


def key(content):
    return build_template.content_key(recorded(99, "x", content))


def test_unchanged_content_keeps_its_version_and_export_time():
    committed = recorded(7, "2026-11-30T10:11:12.131Z")
    record = build_template.decide_record(key("old"), committed, committed, "NOW")
    assert (record["Version"], record["$Meta"]["ExportedAt"]) == (7, "2026-11-30T10:11:12.131Z")


def test_changed_content_bumps_once_per_commit_and_takes_the_build_time():
    head = recorded(7, "2026-11-30T10:11:12.131Z")
    first = build_template.decide_record(key("new"), head, head, "2026-12-01T08:00:00.000Z")
    assert first["Version"] == 8 and first["$Meta"]["ExportedAt"] == "2026-12-01T08:00:00.000Z"
    rebuilt = recorded(8, "2026-12-01T08:00:00.000Z", content="new")
    again = build_template.decide_record(key("newer"), rebuilt, head, "2026-12-01T08:30:00.000Z")
    assert again["Version"] == 8 and again["$Meta"]["ExportedAt"] == "2026-12-01T08:30:00.000Z"
    same = build_template.decide_record(key("new"), rebuilt, head, "LATER")
    assert same["$Meta"]["ExportedAt"] == "2026-12-01T08:00:00.000Z"       # deterministic


def test_author_and_octopus_version_come_from_the_command_line():
    committed = recorded(7, "2026-11-30T10:11:12.131Z")
    record = build_template.decide_record(key("old"), committed, committed, "NOW",
                                          author="octo-bob", octopus_version="2025.1.5000")
    assert record["LastModifiedBy"] == "octo-bob"
    assert record["$Meta"]["OctopusVersion"] == "2025.1.5000" and record["Version"] == 7


def test_source_date_epoch_sets_the_export_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764578713.5")
    assert build_template.export_time() == "2025-12-01T08:45:13.500Z"


def test_committed_meta_looks_exported_not_hand_made():
    meta = TEMPLATE["$Meta"]
    assert re.match(r"^20\d\d\.\d+\.\d{3,}$", meta["OctopusVersion"])
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", meta["ExportedAt"])
    assert not meta["ExportedAt"].endswith("T00:00:00.000Z")
    assert "template version {0}.".format(TEMPLATE["Version"]) in BODY.splitlines()[0]


def test_a_module_may_not_shadow_a_name_another_module_imports():
    """The bundle is one namespace: a `quote` of ours would replace urllib's in every module."""
    import pytest
    from bundling import check_names
    sources = [("shell/runner", "from urllib.parse import quote\n"),
               ("shell/values", "def quote(raw):\n    return raw\n")]
    with pytest.raises(SystemExit, match="shell/values.py defines quote, a name shell/runner.py imports"):
        check_names(sources)
    check_names([sources[0], ("shell/values", "def quoted(raw):\n    return raw\n")])


BODY_BUDGET = 250_000      # characters; v29's body is 87,374, the Library's largest


def test_the_body_stays_within_its_budget():
    """A reviewer reads the whole body in the Octopus UI: what it does not need stays out of it
    (help texts, the terminal, tests' hosts), and nothing is minified to fit."""
    assert len(BODY) <= BODY_BUDGET, len(BODY)


def test_modules_and_functions_stay_short():
    """Modules under 300 lines, functions under 40, so each reads on a screen or two."""
    package = os.path.join(ROOT, "lib", "child_deploy")
    long = []
    for folder, _dirs, names in os.walk(package):
        for name in (n for n in names if n.endswith(".py")):
            path = os.path.join(folder, name)
            source = open(path, encoding="utf-8").read()
            if source.count("\n") > 300:
                long.append("{0}: {1} lines".format(path, source.count("\n")))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno >= 40:
                    long.append("{0}: {1} is {2} lines".format(
                        path, node.name, node.end_lineno - node.lineno + 1))
    assert long == []
