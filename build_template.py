"""Bundle lib/child_deploy into step_template.json, the file Octopus users import.

    python build_template.py           write step_template.json
    python build_template.py --check   exit 1 when step_template.json is not what the sources build

The script body is the package's modules, in dependency order, concatenated as readable source:
package-relative imports are dropped, standard-library imports are hoisted to the top, and the
entry's last line starts the step. The build refuses a body that Octopus would corrupt (`#`
followed by `{`, which Octostache substitutes) or that an older worker cannot parse (Python 3.8).
Same sources, same bytes: nothing depends on the clock or on the order of a directory listing.
"""

import argparse
import ast
import json
import os
import sys
import uuid

ROOT = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.join(ROOT, "lib", "child_deploy")
TEMPLATE_PATH = os.path.join(ROOT, "step_template.json")
SYNTAX_FLOOR = (3, 8)

# Dependency order: each module uses only names defined by modules before it.
MODULES = (
    "errors", "host", "parameters", "scheduling", "wildcards", "settings", "clock", "retrying",
    "octopus_client", "dependencies", "selection", "decisions", "lookups", "choosing",
    "release_notes", "targets", "outcome", "waiting", "approvals", "deployment", "delivery",
    "flow", "runner", "cli", "entry",
)
ENTRY_CALL = "main(globals())\n"
CALAMARI_NAMES = frozenset((
    "octopusvariables", "encode", "decode", "decrypt", "unpad", "AES", "get_octopusvariable",
    "set_octopusvariable", "createartifact", "updateprogress", "failstep", "printverbose",
    "printhighlight", "printwait", "printwarning"))
THIRD_PARTY = ("requests", "dateutil", "urllib3", "certifi")

TEMPLATE_META = {
    "Id": "8d2c7b33-01de-4d8b-88d7-4ac991bf5136",   # ours, fixed forever (never v29's)
    "Name": "Octopus - Deploy Child Project (Python)",
    "Version": 1,
    "ExportedAt": "2026-11-23T00:00:00.000Z",      # bump together with Version
    "OctopusVersion": "2024.3.0",
    "LastModifiedBy": "child-deploy-maintainers",
}
PARAMETER_ID_NAMESPACE = uuid.UUID("2b39b150-65ae-4ad7-88b8-a362227e34c6")

DESCRIPTION = """\
Deploys one child project from a release orchestration (parent) project: it finds the child \
release to deploy (by default the one that last succeeded in the lifecycle phase before the \
destination, optionally filtered by a version pattern), skips it when the destination already \
runs it, deploys it, waits for it, approves its manual interventions with the approvals given \
to the parent, and publishes output variables such as `ReleaseToPromote`, `ReleaseNotes` and \
`ChildReleaseToDeploy` for later steps and manual-intervention instructions.

Add one step per child project. Parameter names, options and outputs match the PowerShell \
*Deploy Child Octopus Deploy Project* template (version 29), so existing steps can switch.

**Worker requirements**
- Python 3.8 or later as `python3` (Linux) or `python` (Windows), with `pycryptodome` as every \
Octopus Python step needs.
- `requests` and `python-dateutil`; when missing, the step installs them with pip into a \
temporary folder (this needs pip and access to PyPI). The `octopusdeploy/worker-tools` \
execution container has everything.
- An API key of a user allowed to view and deploy the child project (see *Octopus API Key*).
"""


def module_path(name):
    return os.path.join(PACKAGE_DIR, name + ".py")


def read_source(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def split_module(name, source):
    """Return (hoisted stdlib import lines, module text without its top-level imports)."""
    tree = ast.parse(source, filename=name)
    lines = source.splitlines(keepends=True)
    drop, hoisted = set(), []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            drop.update(range(node.lineno - 1, node.end_lineno))
            if not (isinstance(node, ast.ImportFrom) and node.level):
                check_stdlib(name, node)
                hoisted.append(ast.get_source_segment(source, node))
        else:
            check_top_level(name, node)
    kept = "".join(line for index, line in enumerate(lines) if index not in drop)
    return hoisted, kept.strip("\n") + "\n"


def check_stdlib(name, node):
    root = (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name).split(".")[0]
    if root in THIRD_PARTY:
        raise SystemExit("{0}.py imports {1} at module level; import it inside the function that "
                         "needs it, after dependencies.py has run.".format(name, root))


def check_top_level(name, node):
    allowed = (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
    is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    if not (isinstance(node, allowed) or is_docstring):
        raise SystemExit("{0}.py line {1}: only imports, constants, functions and classes may sit "
                         "at module level in a bundled module.".format(name, node.lineno))


def defined_names(source):
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def check_names(sources):
    """Refuse a bundle where two modules define one name, or a module shadows Calamari's."""
    owner = {}
    for name, source in sources:
        for defined in defined_names(source):
            if defined in CALAMARI_NAMES:
                raise SystemExit("{0}.py defines {1}, a name Calamari gives the script.".format(
                    name, defined))
            if defined in owner:
                raise SystemExit("{0} is defined in both {1}.py and {2}.py; the bundle shares one "
                                 "namespace.".format(defined, owner[defined], name))
            owner[defined] = name


def build_body():
    """The script body: header, hoisted imports, every module under a banner, the entry call."""
    sources = [(name, read_source(module_path(name))) for name in MODULES]
    check_names(sources)
    imports, parts = set(), []
    for name, source in sources:
        hoisted, text = split_module(name, source)
        imports.update(hoisted)
        parts.append("# " + "-" * 24 + " child_deploy/{0}.py ".format(name) + "-" * 24 + "\n\n"
                     + text)
    body = header() + "\n".join(sorted(imports)) + "\n\n\n" + "\n\n".join(parts)
    body += "\n\n# " + "-" * 24 + " start " + "-" * 24 + "\n\n" + ENTRY_CALL
    verify_body(body)
    return body


def header():
    return (
        "# Deploy Child Octopus Deploy Project (Python), template version {0}.\n"
        "# GENERATED by build_template.py from lib/child_deploy/*.py; do not edit it here.\n"
        "# Change the sources, then run `python build_template.py`. Modules, in order:\n"
        "# {1}.\n\n").format(TEMPLATE_META["Version"], ", ".join(MODULES))


def verify_body(body):
    """Refuse a body Octopus would alter or an older worker could not run."""
    if "#" + "{" in body:
        line = next(n for n, text in enumerate(body.splitlines(), 1) if "#" + "{" in text)
        raise SystemExit("The script body contains '#' followed by '{' (line %d); Octopus would "
                         "substitute it. Build such text from parts." % line)
    try:
        ast.parse(body, feature_version=SYNTAX_FLOOR)
    except SyntaxError as error:
        raise SystemExit("The script body is not valid Python %d.%d: %s" % (
            SYNTAX_FLOOR + (error,)))
    compile(body, "ScriptBody", "exec")


def template_parameters():
    """The template's Parameters, from the same table that settings.py parses."""
    sys.path.insert(0, os.path.join(ROOT, "lib"))
    from child_deploy.parameters import PARAMETERS
    rows = []
    for row in PARAMETERS:
        default = row.default
        if row.system_default:
            default = "#" + "{" + row.system_default + "}"
        display = {"Octopus.ControlType": row.control}
        if row.control == "Select":
            display["Octopus.SelectOptions"] = "\n".join(v + "|" + label for v, label in row.options)
        rows.append({
            "Id": str(uuid.uuid5(PARAMETER_ID_NAMESPACE, row.name)), "Name": row.name,
            "Label": row.label, "HelpText": row.help,
            "DefaultValue": default,
            "DisplaySettings": display})
    return rows


def build_template():
    meta = TEMPLATE_META
    return {
        "Id": meta["Id"], "Name": meta["Name"], "Description": DESCRIPTION,
        "ActionType": "Octopus.Script", "Version": meta["Version"],
        "CommunityActionTemplateId": None, "Packages": [],
        "Properties": {
            "Octopus.Action.Script.ScriptSource": "Inline",
            "Octopus.Action.Script.Syntax": "Python",
            "Octopus.Action.Script.ScriptBody": build_body(),
        },
        "Parameters": template_parameters(),
        "StepPackageId": "Octopus.Script",
        "$Meta": {"ExportedAt": meta["ExportedAt"], "OctopusVersion": meta["OctopusVersion"],
                  "Type": "ActionTemplate"},
        "LastModifiedBy": meta["LastModifiedBy"], "Category": "octopus",
    }


def render():
    return json.dumps(build_template(), indent=2, ensure_ascii=False) + "\n"


README_PATH = os.path.join(ROOT, "README.md")
TABLE_START = "<!-- parameter table: generated by build_template.py from parameters.py -->"
TABLE_END = "<!-- end of parameter table -->"


def parameter_table():
    """The README's parameter table, from the same rows as the template."""
    rows = ["| Parameter (`Name`) | Label | Default | Accepts |", "|---|---|---|---|"]
    for parameter in template_parameters():
        display = parameter["DisplaySettings"]
        options = display.get("Octopus.SelectOptions")
        accepts = ", ".join("`%s`" % line.split("|")[0] for line in options.split("\n")) \
            if options else display["Octopus.ControlType"]
        default = parameter["DefaultValue"]
        rows.append("| `{0}` | {1} | {2} | {3} |".format(
            parameter["Name"], parameter["Label"], "`%s`" % default if default else "",
            accepts))
    return "\n".join(rows)


def readme_with_table(readme):
    """README text with the generated table between its markers (unchanged if none)."""
    start, end = readme.find(TABLE_START), readme.find(TABLE_END)
    if start < 0 or end < 0:
        return readme
    return readme[:start + len(TABLE_START)] + "\n" + parameter_table() + "\n" + readme[end:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail when step_template.json differs from a fresh build")
    args = parser.parse_args(argv)
    text = render().encode("utf-8")
    readme = read_source(README_PATH)
    if args.check:
        current = open(TEMPLATE_PATH, "rb").read() if os.path.exists(TEMPLATE_PATH) else b""
        if current != text or readme != readme_with_table(readme):
            print("step_template.json or the README's parameter table is stale; run "
                  "`python build_template.py` and commit the result.")
            return 1
        print("step_template.json and the README's parameter table are up to date.")
        return 0
    with open(TEMPLATE_PATH, "wb") as handle:
        handle.write(text)
    with open(README_PATH, "w", encoding="utf-8") as handle:
        handle.write(readme_with_table(readme))
    print("Wrote step_template.json (version {0}, {1} bytes).".format(
        TEMPLATE_META["Version"], len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
