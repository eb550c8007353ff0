"""What a release train tells people: the plan table, the manifest, the train's outcome; pure
functions over plain values, tested without a server."""

import json
import re
from collections import namedtuple

from ..rules.selection import release_movement

# One child as the reports see it. `before`: what the destination ran when planned; `planned`:
# Deploy, WhatIf, a single-child outcome or Error; `result`: the ChildOutcome at the end; with
# tenant rings, `ring` (else 0) and `tenant`.
class ChildLine(namedtuple("ChildLine", "name wave before chosen movement planned reason result "
                                        "rolled_back rollback ring tenant",
                           defaults=("", 0, ""))):
    @property
    def key(self):
        return self.name + "/" + self.tenant if self.tenant else self.name


def with_rings(lines, headings, rows):
    if not any(c.ring for c in lines):
        return headings, rows
    return (headings[:1] + ("Tenant", "Ring") + headings[1:],
            [row[:1] + (c.tenant or "(untenanted)", c.ring) + row[1:]
             for c, row in zip(lines, rows)])


PLAN_HEADINGS = ("Child", "Wave", "Destination now", "Chosen", "Movement", "Planned outcome",
                 "Reason")
OUTCOME_HEADINGS = ("Child", "Wave", "Before", "Chosen", "Outcome", "Reason")
# Child outcomes after which the destination runs the chosen release (or is starting it).
RUNS_CHOSEN = ("Deployed", "WhatIf", "AlreadyDeployed", "Started")
CHANGED = ("Deployed", "Started", "Scheduled", "RolledBack")
# Child outcomes that are no failure although nothing was deployed (as for a single child).
FINE_UNCHANGED = ("NoRelease", "Scheduled", "MachineMismatch", "TenantNotAssigned",
                  "SourceIsDestination", "RolledBack")


def movement(chosen, before, deploys):
    """upgrade / downgrade / redeploy / new for a planned deployment; unchanged otherwise."""
    return release_movement(chosen, before) if deploys else "unchanged"


def markdown_table(headings, rows):
    """A Markdown table; a '|' or a line break in a cell cannot break it."""
    def cell(value):
        return " ".join(str(value).split()).replace("|", "\\|") or " "
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def plan_table(lines):
    return markdown_table(*with_rings(lines, PLAN_HEADINGS, [
        (c.name, c.wave, c.before or "none", c.chosen or "-", c.movement, c.planned, c.reason)
        for c in lines]))


def outcome_table(lines):
    """Each child's movement forward and how it ended; a roll back's too."""
    back = any(c.rollback for c in lines)
    return markdown_table(*with_rings(lines, OUTCOME_HEADINGS[:5] + ("Roll back",) * back
                                      + OUTCOME_HEADINGS[5:], [
        (c.name, c.wave, c.before or "none", c.chosen or "-",
         "Deployed" if c.rollback else c.result or c.planned) + (rollback_cell(c),) * back
        + (c.reason,) for c in lines]))


def rollback_cell(c):
    if c.rollback == "NoPreviousRelease":
        return "impossible: it ran no release before"
    return "to {0}: {1}".format(c.before, c.rollback) if c.rollback else "-"


def manifest(lines):
    """{"<project>": "<version>"}: what the destination runs after the train (or would)."""
    runs = {}
    for c in lines:
        if c.rolled_back:
            version = c.before
        elif c.result in RUNS_CHOSEN and c.chosen:
            version = c.chosen
        else:
            version = c.before
        if version and version != "?":
            runs[c.key] = version
    return runs


def manifest_json(lines):
    return json.dumps(manifest(lines), ensure_ascii=False)


def train_outcome(lines, what_if, rollback_tried, destination="the destination"):
    """(TrainOutcome, TrainOutcomeReason) from every child's result."""
    failed = [c.key for c in lines if c.result not in RUNS_CHOSEN + FINE_UNCHANGED]
    changed = [c.key for c in lines if c.result in CHANGED]
    if what_if and not failed:
        return "WhatIf", "What If: the plan above is what the train would do."
    if not failed:
        if changed:
            return "Deployed", "Every child is where the plan put it; deployed: {0}.".format(
                ", ".join(changed))
        return "NothingToDeploy", "No child needed a deployment."
    why = "Not every child succeeded ({0}).".format(", ".join(failed))
    if rollback_tried:
        back = [c.key for c in lines if c.rolled_back]
        kept = ["{0} ({1} runs {2}; roll back {3})".format(c.key, destination, c.chosen,
                                                            rollback_cell(c))
                for c in lines if c.result in CHANGED and c.result != "RolledBack"]
        return "RollBackIncomplete" if kept else "RolledBack", "{0} Rolled back: {1}.{2}".format(
            why, ", ".join(back) or "none", " Not put back: {0}.".format(", ".join(kept))
            if kept else "")
    if changed:
        return "PartlyDeployed", why + " Deployed: {0}.".format(", ".join(changed))
    return "Failed", why


def plan_artifact_name(step_name):
    """`<step name>.TrainPlan.md`, so two train steps of one parent deployment keep both plans."""
    name = "{0}.TrainPlan.md".format(step_name.strip()) if step_name.strip() else "TrainPlan.md"
    return re.sub(r'[\\/:*?"<>|]', "_", name)
