"""Bundle lib/child_deploy into step_template.json, the file Octopus users import.

    python3 build_template.py                      write step_template.json (and the README table)
    python3 build_template.py --check              exit 1 when either is not what the sources build
    python3 build_template.py --author GITHUB_USER record the publisher as LastModifiedBy

The script body is what runs inside Octopus, nothing else: the package's modules in dependency
order, as readable source, minus the definitions nothing there uses (the terminal and test hosts;
the CLI and the demo are never bundled). Package-relative imports are dropped and the standard-
library ones are merged into one block at the top; the entry's last line starts the step. The
build refuses a body that Octopus would corrupt (`#` followed by `{`, which Octostache substitutes)
or that an older worker cannot parse (Python 3.8).

Same sources, same bytes. `Version`, `$Meta.ExportedAt`, `$Meta.OctopusVersion` and
`LastModifiedBy` come from the template's own history (the committed step_template.json): kept
while the content is unchanged; when it changes, `Version` goes up by one (once per commit) and
`ExportedAt` becomes the moment of that build (`SOURCE_DATE_EPOCH` when set).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid

from bundling import (CALAMARI_NAMES, build_body, defined_names, first_line,  # noqa: F401
                      module_path, read_source)

ROOT = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_PATH = os.path.join(ROOT, "step_template.json")

# Dependency order: each module uses only names defined by modules before it.
MODULES = (
    "base/errors", "base/clock", "base/host", "base/outcome",
    "rules/wildcards", "rules/scheduling", "rules/selection", "rules/decisions", "rules/targets",
    "rules/release_notes", "rules/approvals", "rules/refusals", "rules/rings",
    "octopus/retrying", "octopus/transport", "octopus/answers", "octopus/paging",
    "octopus/octopus_client", "octopus/lookups", "octopus/choosing",
    "acting/waiting", "acting/preflight", "acting/deployment", "acting/approving",
    "acting/following", "acting/delivery", "acting/convoy",
    "train/waves", "train/train_report", "train/approved", "train/planning", "train/rings",
    "train/train",
    "shell/parameters", "shell/values", "shell/settings", "shell/dependencies", "shell/flow",
    "shell/runner", "shell/entry",
)
# In the package for deploy_child_project.py and the builder, never in the body.
TERMINAL_ONLY = ("base/terminal", "shell/cli", "shell/parameter_help")

TEMPLATE_META = {
    "Id": "8d2c7b33-01de-4d8b-88d7-4ac991bf5136",   # ours, fixed forever (never v29's)
    "Name": "Octopus - Deploy Child Project (Python)",
}
# Used only when step_template.json has no history yet (a first build); afterwards the committed
# file carries them, and --author / --octopus-version change them.
FIRST_RECORD = {"Version": 1, "OctopusVersion": "2024.3.10989",
                "LastModifiedBy": "child-deploy-maintainers"}
RECORD_FIELDS = ("Version", "$Meta", "LastModifiedBy")
PARAMETER_ID_NAMESPACE = uuid.UUID("2b39b150-65ae-4ad7-88b8-a362227e34c6")

DESCRIPTION = """\
Deploys child projects from a release orchestration (parent) project. For each child it finds \
the release to deploy (by default the one that last succeeded in the lifecycle phase before the \
destination, optionally filtered by a version pattern), skips it when the destination already \
runs it (Promote, the default), deploys it, waits for it, approves its manual interventions with the approvals given \
to the parent, and publishes output variables such as `ReleaseToPromote`, `ReleaseNotes` and \
`ChildReleaseToDeploy` for later steps and manual-intervention instructions.

One name in *Child Project Name* deploys that one child, as the PowerShell *Deploy Child Octopus \
Deploy Project* template (version 29) did: its parameter names, options and outputs are kept, \
so existing steps can switch. Several lines make a **release train** in one step: each line is \
a wave run after the one above, the names on a line deploy side by side, every child is planned \
before any is deployed, and `TrainPlan`, `TrainManifest` and each child's outputs are published.

**Worker requirements**
- Python 3.8 or later as `python3` (Linux) or `python` (Windows), with `pycryptodome` as every \
Octopus Python step needs.
- `requests` and `python-dateutil`; when missing, the step installs them with pip into a \
temporary folder (this needs pip and access to PyPI). The `octopusdeploy/worker-tools` \
execution container has everything.
- An API key of a user allowed to view and deploy the child project (see *Octopus API Key*).
"""


def template_parameters():
    """The template's Parameters, from the same table that settings.py parses."""
    sys.path.insert(0, os.path.join(ROOT, "lib"))
    from child_deploy.shell.parameter_help import HELP
    from child_deploy.shell.parameters import PARAMETERS
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
            "Label": row.label, "HelpText": HELP[row.name],
            "DefaultValue": default,
            "DisplaySettings": display})
    return rows


BODY_KEY = "Octopus.Action.Script.ScriptBody"


def build_content():
    """Everything an Octopus user receives, with Version 0 until the record is applied."""
    return {
        "Id": TEMPLATE_META["Id"], "Name": TEMPLATE_META["Name"], "Description": DESCRIPTION,
        "ActionType": "Octopus.Script", "Version": 0,
        "CommunityActionTemplateId": None, "Packages": [],
        "Properties": {
            "Octopus.Action.Script.ScriptSource": "Inline",
            "Octopus.Action.Script.Syntax": "Python",
            BODY_KEY: build_body(MODULES, 0),
        },
        "Parameters": template_parameters(),
        "StepPackageId": "Octopus.Script",
        "$Meta": {}, "LastModifiedBy": "", "Category": "octopus",
    }


def content_key(template):
    """The template without what records its history (and the body line naming the version)."""
    core = {key: value for key, value in template.items() if key not in RECORD_FIELDS}
    body = template["Properties"][BODY_KEY]
    core["Properties"] = dict(template["Properties"], **{BODY_KEY: body.split("\n", 1)[-1]})
    return json.dumps(core, sort_keys=True, ensure_ascii=False)


def decide_record(key, committed, head, now, author=None, octopus_version=None):
    """Version, $Meta and LastModifiedBy for content `key` (pure).

    `committed` is step_template.json as it is on disk and `head` as the last commit has it (None
    when missing). Unchanged content keeps its record, so the same sources give the same bytes on
    any clone. Changed content gets the next Version after the last commit's (one bump per
    commit, however often it is rebuilt) and `now` as ExportedAt: when the content changed.
    """
    known = [t for t in (committed, head) if t]
    same = next((t for t in known if content_key(t) == key), None)
    latest = known[0] if known else {"$Meta": FIRST_RECORD,
                                     "LastModifiedBy": FIRST_RECORD["LastModifiedBy"]}
    if same is not None:
        record = {field: same[field] for field in RECORD_FIELDS}
    else:
        base = head or committed
        record = {"Version": base["Version"] + 1 if base else FIRST_RECORD["Version"],
                  "$Meta": {"ExportedAt": now, "OctopusVersion": latest["$Meta"]["OctopusVersion"],
                            "Type": "ActionTemplate"},
                  "LastModifiedBy": latest["LastModifiedBy"]}
    meta = dict(record["$Meta"], **({"OctopusVersion": octopus_version} if octopus_version else {}))
    return dict(record, **{"$Meta": meta, "LastModifiedBy": author or record["LastModifiedBy"]})


def with_record(content, record):
    """The content with its record, the body's first line naming the Version."""
    template = dict(content, **record)
    body = content["Properties"][BODY_KEY].split("\n", 1)[1]
    template["Properties"] = dict(content["Properties"], **{
        BODY_KEY: first_line(record["Version"]) + body})
    return template


def export_time():
    """Now, or SOURCE_DATE_EPOCH (the reproducible-builds convention), as Octopus writes it."""
    seconds = float(os.environ.get("SOURCE_DATE_EPOCH") or time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%03dZ" % (
        int(seconds * 1000) % 1000)


def committed_template(revision=None):
    """step_template.json on disk, or (with `revision`) in git; None when there is none."""
    try:
        if revision is None:
            with open(TEMPLATE_PATH, encoding="utf-8") as handle:
                return json.load(handle)
        shown = subprocess.run(["git", "show", revision + ":step_template.json"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        return json.loads(shown.stdout.decode("utf-8"))
    except (OSError, ValueError, subprocess.CalledProcessError):
        return None


def build_template(author=None, octopus_version=None):
    content = build_content()
    record = decide_record(content_key(content), committed_template(), committed_template("HEAD"),
                           export_time(), author, octopus_version)
    return with_record(content, record)


def render(author=None, octopus_version=None):
    return json.dumps(build_template(author, octopus_version), indent=2, ensure_ascii=False) + "\n"



README_PATH = os.path.join(ROOT, "README.md")
TABLE_START = "<!-- parameter table: generated by build_template.py from parameters.py -->"
TABLE_END = "<!-- end of parameter table -->"
BODY_START = "<!-- body summary: generated by build_template.py -->"
BODY_END = "<!-- end of body summary -->"


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


def body_summary(body):
    """The README's account of the script body: its size and what it holds."""
    left_out = re.search(r"^# Left out, [^:]*: (.*?)\.\n(?!#  )", body, re.MULTILINE | re.DOTALL)
    dropped = " ".join(line.lstrip("# ") for line in left_out.group(1).splitlines()) \
        if left_out else "nothing"
    return textwrap.fill(("The script body is {0:,} characters ({1:,} lines; v29's PowerShell body is 87,374 "
            "characters). It holds, in this order: a generated header, one block of standard-"
            "library imports, then the modules {2} of `lib/child_deploy`, each under a banner "
            "naming its file, and the line `main(globals())`. Not in it: `shell/cli.py`, "
            "`shell/parameter_help.py`, `base/terminal.py`, the demo, the simulator, and the "
            "definitions nothing inside Octopus uses ({3}).").format(
                len(body), body.count("\n"), ", ".join("`%s`" % m for m in MODULES), dropped),
        width=98, break_on_hyphens=False)


def replace_between(text, start_marker, end_marker, content):
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < 0:
        return text
    return text[:start + len(start_marker)] + "\n" + content + "\n" + text[end:]


def readme_with_table(readme, body=None):
    """README text with the generated table and body summary between their markers."""
    body = body if body is not None else build_template()["Properties"][BODY_KEY]
    readme = replace_between(readme, TABLE_START, TABLE_END, parameter_table())
    return replace_between(readme, BODY_START, BODY_END, body_summary(body))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail when step_template.json differs from a fresh build")
    parser.add_argument("--author", help="the publisher's GitHub username, for LastModifiedBy "
                                         "(Library CONTRIBUTING asks for it)")
    parser.add_argument("--octopus-version", help="the Octopus Server version the template was "
                                                  "last imported into and checked on")
    args = parser.parse_args(argv)
    template = build_template(args.author, args.octopus_version)
    text = (json.dumps(template, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    readme = read_source(README_PATH)
    fresh_readme = readme_with_table(readme, template["Properties"][BODY_KEY])
    if args.check:
        current = open(TEMPLATE_PATH, "rb").read() if os.path.exists(TEMPLATE_PATH) else b""
        if current != text or readme != fresh_readme:
            print("step_template.json or the README's parameter table is stale; run "
                  "`python3 build_template.py` and commit the result.")
            return 1
        print("step_template.json and the README's parameter table are up to date.")
        return 0
    with open(TEMPLATE_PATH, "wb") as handle:
        handle.write(text)
    with open(README_PATH, "w", encoding="utf-8") as handle:
        handle.write(fresh_readme)
    print("Wrote step_template.json (version {0}, {1} bytes; script body {2} characters).".format(
        template["Version"], len(text), len(template["Properties"][BODY_KEY])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
