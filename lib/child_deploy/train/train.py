"""The release train (DESIGN §10): many children in one step, planned first, then applied.

Like Terraform's plan and apply: every child is decided by the single child's own code (look
up, choose, decide, no change) before any is deployed, and the plan is a value that is printed,
published and saved. Only a plan without problems is applied: wave after wave, a few children
of a wave side by side, all of them waited for with one poll per cycle. A child that fails
stops the train, or not, or rolls back what the train changed, as *When a child fails* says.
"""

from dataclasses import replace

from ..octopus.choosing import RecentHistory
from ..acting.convoy import Convoy
from ..acting.delivery import Delivery, apply_delivery, begin_delivery, decide_delivery
from ..acting.deployment import CANCEL_BUDGET_SECONDS, cancel_child
from ..base.errors import StepCancelledError, StepError, TrainError
from ..base.host import ChildHost
from ..octopus.lookups import HISTORY_PAGE, Catalog
from ..base.outcome import Outcome, nothing_to_deploy, publish
from .planning import plan_side_by_side
from ..rules.selection import REDEPLOY
from .approved import approved_differences, pinned_settings, plan_json, plan_line, show_table
from .train_report import (manifest_json, outcome_table, plan_artifact_name, plan_table,
                           train_outcome)



class Child:
    """One child of the train: its own host and settings, its plan, what became of it."""

    def __init__(self, parent_host, settings, name, wave):
        self.name, self.wave, self.host = name, wave, ChildHost(parent_host, name)
        self.settings = pinned_settings(settings, name)
        self.decided, self.problem, self.rolled_back = None, "", False

    @property
    def delivery(self):
        return self.decided if isinstance(self.decided, Delivery) else None

    def line(self, what_if):
        """The child as the plan and outcome tables show it."""
        line = plan_line(self.name, self.wave, self.decided, self.problem, what_if)
        result = self.host.outputs.get("ChildOutcome", "")
        if result and self.delivery:
            line = line._replace(reason=self.host.outputs.get("ChildOutcomeReason") or line.reason)
        return line._replace(result=result, rolled_back=self.rolled_back)


def run_train(settings, client, host, clock, plan_child):
    """Plan every child, stop if any cannot be planned, else apply the plan; the train Outcome."""
    train = host.train = Train(settings, client, host, clock)
    waves = expand_groups(client, settings.waves)
    train.children = [Child(host, settings, name, number)
                      for number, names in enumerate(waves, start=1) for name in names]
    host.children = tuple(c.host for c in train.children)
    train.plan(plan_child)
    return train.apply(waves)


def expand_groups(client, waves):
    """Each wave's project names; a `group:` line becomes its group's projects (named once)."""
    expanded, seen = [], set()
    for wave in waves:
        names = wave.names
        if wave.group:
            group = client.find_by_name("projectgroups", wave.group, "Project group",
                                        hint='Check the "group:" line of "Child Project Name".')
            projects = client.get_all("projectgroups/{0}/projects".format(group["Id"]))
            names = [p["Name"] for p in projects if isinstance(p, dict) and p.get("Name")]
        names = [n for n in names if n.lower() not in seen]
        seen.update(n.lower() for n in names)
        if names:
            expanded.append(names)
    return expanded


def history_pages(children):
    """Pages of recent history a train reads once: two deployments per child (its destination's
    current one, its newest in a source), in pages of 100; never more for a longer history."""
    return max(1, -(-2 * children // HISTORY_PAGE))


class Train:
    """The run of one train: plan, apply wave by wave, roll back, report."""

    def __init__(self, settings, client, host, clock):
        self.settings, self.client, self.host, self.clock = settings, client, host, clock
        self.children, self.started, self.stopping = [], [], False
        self.rollback_tried, self.table = False, ""

    def lines(self):
        return [c.line(self.settings.what_if) for c in self.children]

    def plan(self, plan_child):
        """Decide every child with the single child's code; any problem: nothing is deployed."""
        catalog = Catalog(self.client, batch=True)
        catalog.history = RecentHistory(self.client, catalog.project_ids(
            [c.name for c in self.children]), pages=history_pages(len(self.children)))
        self.host.info("Planning the release train: {0} children in {1} waves to {2}.".format(
            len(self.children), len({c.wave for c in self.children}),
            self.settings.destination_environment))
        plan_side_by_side(self.children, lambda child: self.plan_one(child, plan_child, catalog))
        table = self.table = plan_table(self.lines())
        show_table(self.host, "The plan", table)
        self.save_plan(table)
        problems = ["{0}: {1}".format(c.name, c.problem) for c in self.children if c.problem]
        reason, why = "Nothing was deployed: {0} of the train could not be planned.".format(
            ", ".join(c.name for c in self.children if c.problem)), "the train could not be planned"
        differs = approved_differences(self.settings, self.host, self.lines())
        if differs:
            (reason, problems), why = differs, "the plan is not the approved plan"
        if problems:
            for child in self.children:
                self.not_started(child, why)
            self.publish(table, "Failed", reason)
            raise TrainError(reason, problems)

    def plan_one(self, child, plan_child, catalog):
        """One child's plan; a problem is kept (and published for it) to report with the rest."""
        try:
            child.decided = plan_child(child.settings, self.client, child.host, catalog)
        except StepCancelledError:
            raise
        except StepError as error:
            child.problem = str(error)
            publish(child.host, (child.host.known_outcome or nothing_to_deploy("Error", ""))
                    .with_(outcome="Error", reason=child.problem))

    def save_plan(self, table):
        self.host.save_artifact(plan_artifact_name(self.settings.parent.step_name), table)

    def publish(self, table, outcome, reason):
        """The train's outputs (every path sets them; the children set their own)."""
        self.host.set_output("TrainPlan", table)
        self.host.set_output("TrainManifest", manifest_json(self.lines()))
        self.host.set_output("TrainPlanJson", plan_json(self.lines()))
        self.host.set_output("TrainOutcome", outcome)
        self.host.set_output("TrainOutcomeReason", reason)
        self.host.outputs_published = True

    def abandon(self, message):
        """The step failed outside the train's own paths (a lost server, a bug): every output
        still says what is known, each child's ids and URL included."""
        for child in self.children:
            known = child.host.known_outcome
            if known is not None and not child.host.outputs_published:
                publish(child.host, known.with_(outcome="Error", reason=message))
        self.publish(self.table, "Failed", message)

    def apply(self, waves):
        """Waves top to bottom; then the roll back if asked; then the outcome table."""
        for number, names in enumerate(waves, start=1):
            wave = [c for c in self.children if c.wave == number]
            if self.stopping:
                for child in wave:
                    self.not_started(child, "the train stopped after a child failed")
                continue
            self.host.highlight("Wave {0} of {1}: {2}.".format(number, len(waves),
                                                               ", ".join(names)))
            self.apply_wave(wave)
        if self.stopping and self.settings.train_failure_policy == "RollBack":
            self.roll_back()
        return self.finish()

    def apply_wave(self, wave):
        """At most *Train parallelism* children of the wave deploying at once, one poll a cycle."""
        pending = [c for c in wave if c.delivery]
        convoy = Convoy(self.client, self.clock, self.host)
        while pending or len(convoy):
            while pending and len(convoy) < self.settings.train_parallelism and not self.stopping:
                self.start(pending.pop(0), convoy)
            if self.stopping:
                for child in pending:
                    self.not_started(child, "the train stopped after a child failed")
                pending = []
            if len(convoy):
                for ended in convoy.cycle():
                    self.ended(ended.key, ended.error)
                convoy.pause()

    def start(self, child, convoy):
        self.started.append(child)
        try:
            begun = begin_delivery(self.client, child.host, self.clock, child.settings,
                                   child.delivery)
        except StepCancelledError:
            raise
        except StepError as error:
            return self.ended(child, error)
        if not isinstance(begun, Outcome):
            convoy.add(child, *begun)

    def ended(self, child, error):
        if error is None:
            return
        child.host.warning(str(error))
        if not child.host.outputs_published:
            publish(child.host, (child.host.known_outcome or nothing_to_deploy("Error", ""))
                    .with_(outcome="Error", reason=str(error)))
        if self.settings.train_failure_policy != "Continue":
            self.stopping = True

    def not_started(self, child, why):
        if child.delivery:
            publish(child.host, child.delivery.base.with_(
                outcome="NotStarted", child_release_to_deploy=False,
                reason="Not deployed: {0}.".format(why)))

    def roll_back(self):
        """Each child this run changed, last first, back on the release it ran before."""
        self.rollback_tried = True
        self.host.highlight("Rolling back what this train changed.")
        for child in reversed(self.started):
            if child.host.outputs.get("ChildOutcome") == "Deployed":
                self.roll_back_child(child)

    def roll_back_child(self, child):
        previous, chosen = child.delivery.current, child.delivery.release
        if previous is None:
            return child.host.warning("{0} cannot be rolled back: {1} ran no release of it "
                                      "before.".format(child.name,
                                                       child.delivery.target.destination["Name"]))
        settings = replace(child.settings, deployment_mode=REDEPLOY)
        try:
            decided = decide_delivery(self.client, child.host, settings, child.delivery.target,
                                      previous, chosen)
            outcome = apply_delivery(self.client, child.host, self.clock, settings, decided) \
                if isinstance(decided, Delivery) else decided
        except StepCancelledError:
            raise
        except StepError as error:
            return child.host.warning("{0} could not be rolled back: {1}".format(child.name, error))
        child.rolled_back = outcome.outcome == "Deployed"
        if child.rolled_back:
            publish(child.host, outcome.with_(outcome="RolledBack", reason="Rolled back to {0} "
                                              "after the train failed.".format(previous["Version"])))

    def finish(self):
        lines = self.lines()
        outcome, reason = train_outcome(lines, self.settings.what_if, self.rollback_tried)
        show_table(self.host, "The train's outcome", outcome_table(lines))
        self.publish(self.table, outcome, reason)
        self.host.highlight(reason)
        if outcome in ("Deployed", "WhatIf", "NothingToDeploy"):
            return Outcome(outcome, reason)
        raise TrainError(reason)


def stopped_train(host, clock, client, message):
    """Told to stop: cancel every child this run created (each once, within the budget)."""
    deadline = clock.monotonic() + CANCEL_BUDGET_SECONDS
    fates = []
    for child in host.children:
        known = child.known_outcome
        if known is None:
            continue
        if known.deployment_id and client is not None:
            fates.append("{0} {1} was {2}".format(child.name, known.deployment_id,
                                                  cancel_child(client, clock, child, deadline)))
            known = child.known_outcome
        if not child.outputs_published or known.deployment_id:
            publish(child, known.with_(outcome="Canceled", reason=message))
    if fates:
        message += " " + "; ".join(fates) + "."
    host.train.publish(host.train.table, "Failed", message)
    host.fail(message)
    return 1
