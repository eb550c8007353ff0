"""What was approved is what deploys: *Approved plan* (a What-If run's TrainPlanJson) pins each
child, and the new plan must match it or nothing deploys."""

import json
from ..acting.delivery import Delivery
from ..base.errors import StepCancelledError, StepError, TrainError
from .train_report import ChildLine, manifest_json, markdown_table, movement
from .waves import pinned

PLAN_KEYS = ("Project", "Wave", "Current", "Chosen", "Planned")


def plan_json(lines):
    """The plan as JSON; a ring's row names its tenant too."""
    return json.dumps([dict(zip(PLAN_KEYS, (c.name, c.wave, c.before, c.chosen, c.planned)),
                            **({"Tenant": c.tenant} if c.tenant else {})) for c in lines],
                      ensure_ascii=False)


def publish_train(host, table, lines, outcome, reason):
    """The train's outputs (every path sets them; the children set their own)."""
    for name, value in (("TrainPlan", table), ("TrainManifest", manifest_json(lines)),
                        ("TrainPlanJson", plan_json(lines)), ("TrainOutcome", outcome),
                        ("TrainOutcomeReason", reason)):
        host.set_output(name, value)
    host.outputs_published = True


def parse_plan(text, label, shown):
    """The ChildLines of a TrainPlanJson; None when `text` is blank."""
    if not text.strip():
        return None
    try:
        rows = [[row[key] for key in PLAN_KEYS] + [row.get("Tenant", "")]
                for row in json.loads(text)]
        ok = rows and all(r[0].strip() and type(r[1]) is int and all(
            isinstance(v, str) for v in r[2:]) for r in rows)
    except (ValueError, TypeError, KeyError, AttributeError):
        ok = False
    if not ok:
        raise ValueError('"{0}" must be the TrainPlanJson output of a What-If run of this step: a '
                         'JSON list of objects with keys {1} (got {2}).'.format(
                             label, ", ".join(PLAN_KEYS), shown))
    return tuple(ChildLine(n, w, b, c, "", p, "", "", False, tenant=t) for n, w, b, c, p, t in rows)


def plan_line(name, wave, decided, problem, what_if, known=None, refused="Error", now="?"):
    """The child's row of the plan from what was decided: a Delivery, an Outcome or None. A
    refused child (Forbidden, Frozen) shows what it would have deployed."""
    if problem and known and refused != "Error":
        return ChildLine(name, wave, known.current_release, known.release_version.replace(
            "N/A", ""), "-", refused, problem, "", False)
    if problem:
        return ChildLine(name, wave, now, "", "-", "Error", problem, "", False)
    if isinstance(decided, Delivery):
        before = decided.current["Version"] if decided.current else ""
        chosen = decided.release["Version"]
        return ChildLine(name, wave, before, chosen, movement(chosen, before, True),
                         "WhatIf" if what_if else "Deploy", decided.reason, "", False)
    if decided is None:         # the step stopped before this child was planned
        return ChildLine(name, wave, "", "", "-", "NotPlanned",
                         "The step stopped before this child was planned.", "", False)
    chosen = "" if decided.release_version in ("", "N/A") else decided.release_version
    return ChildLine(name, wave, decided.current_release, chosen, "unchanged", decided.outcome,
                     decided.reason, "", False)


def plan_differences(approved, planned):
    """Every way `planned` differs from `approved` as (child, differs in, approved, now); a reason."""
    was, now = ({c.key.lower(): c for c in rows} for rows in (approved, planned))
    found = [(c.key, "in the plan", "yes", "no") for c in approved if c.key.lower() not in now]
    for c in planned:
        a = was.get(c.key.lower())
        pairs = (("in the plan", "no", "yes", ""),) if a is None else (
            ("wave", a.wave, c.wave, ""), ("destination runs", a.before, c.before, ""),
            ("release chosen", a.chosen, c.chosen, ""),
            ("planned outcome", a.planned.replace("WhatIf", "Deploy"),
             c.planned.replace("WhatIf", "Deploy"), c.reason))
        found += [(c.key, what, str(then) or "none", (str(today) or "none") +
                   (": " + why if why else "")) for what, then, today, why in pairs
                  if then != today and today != "?"]
    if not found:
        return found, "Every child is as the approved plan showed it."
    return found, ('Nothing was deployed: the plan differs from the "Approved plan" for {0}; '
                   'approve a new What-If plan.'.format(", ".join(dict.fromkeys(
                       d[0] for d in found))))


def show_table(host, title, table):
    host.highlight(title + ":")
    for row in table.splitlines():
        host.info(row)


def approved_differences(settings, host, lines):
    """(reason, problems) when the plan is not the approved one, after showing how."""
    if settings.approved_plan is None:
        return None
    found, reason = plan_differences(settings.approved_plan, lines)
    if not found:
        return host.highlight(reason)
    show_table(host, "Differences from the approved plan",
               markdown_table(("Child", "Differs in", "Approved", "Now"), found))
    return reason, ["{0}: {1}: approved {2}, now {3}".format(*d) for d in found]


def plan_alone(settings, client, host, plan_child, catalog):
    """One child, planned as a train of one (pinned, checked, its plan published)."""
    decided, problem = None, None
    try:
        decided = plan_child(pinned(settings), client, host, catalog)
    except StepError as error:
        if settings.approved_plan is None or isinstance(error, StepCancelledError):
            raise
        problem = error
    lines = [plan_line(settings.project_name, 1, decided, str(problem or ""), settings.what_if)]
    host.set_output("TrainPlanJson", plan_json(lines))
    differs = approved_differences(settings, host, lines)
    if differs or problem:
        host.outputs_published = False      # the failure's outputs replace a planned skip's
        raise TrainError(*differs) if differs else problem
    return decided
