"""The release train: many children in one step, every one planned by the single child's code
before any is deployed, then applied wave by wave.
"""

from dataclasses import replace
from datetime import timedelta

from ..octopus.choosing import RecentHistory
from ..acting.convoy import Convoy
from ..acting.preflight import freezes_ahead
from ..acting.delivery import Delivery, apply_delivery, begin_delivery, decide_delivery
from ..acting.deployment import CANCEL_BUDGET_SECONDS, STEP_MARGIN_SECONDS, cancel_child
from ..base.errors import StepCancelledError, StepError, TrainError
from ..base.host import ChildHost
from ..octopus.lookups import HISTORY_PAGE, Catalog, SharedReads
from ..base.outcome import Outcome, nothing_to_deploy, publish
from .planning import plan_side_by_side
from .rings import ring_pause, ring_stages, wave_stages
from ..rules.selection import REDEPLOY
from .approved import approved_differences, plan_line, publish_train, show_table
from .waves import Wave, check_pins, expand_groups, pinned
from .train_report import outcome_table, plan_artifact_name, plan_table, train_outcome



class Child:
    """One child of the train: its own host and settings, its plan, what became of it."""

    def __init__(self, parent_host, settings, name, wave, tenant="", ring=0):
        key = name + "/" + tenant if tenant else name
        self.name, self.wave, self.host = name, wave, ChildHost(parent_host, key)
        self.tenant, self.ring = tenant, ring
        self.settings = replace(settings, project_name=name, waves=(Wave((name,), ""),))
        if ring:
            self.settings = replace(self.settings, tenant_name=tenant, rings=())
        self.settings = pinned(self.settings, key)
        self.decided, self.problem, self.refused = None, "", "Error"
        self.rolled_back, self.rollback, self.now = False, "", ""

    @property
    def delivery(self):
        return self.decided if isinstance(self.decided, Delivery) else None

    def line(self, what_if):
        """The child as the plan and outcome tables show it."""
        result = self.host.outputs.get("ChildOutcome", "")
        line = plan_line(self.name, self.wave, self.decided, self.problem, what_if,
                         self.host.known_outcome, self.refused, self.now)
        if result and self.delivery:
            line = line._replace(reason=self.host.outputs.get("ChildOutcomeReason") or line.reason)
        return line._replace(result=result, rolled_back=self.rolled_back, rollback=self.rollback)


def run_train(settings, client, host, clock, plan_child):
    """Plan every child, stop if any cannot be planned, else apply the plan; the train Outcome."""
    train = host.train = Train(settings, client, host, clock)
    waves, train.problems = expand_groups(client, host, settings.waves)
    stages = (ring_stages if settings.is_rings else wave_stages)(
        train, waves, lambda *where: Child(host, settings, *where))
    train.children = [c for stage in stages for c in stage.children]
    host.children = tuple(c.host for c in train.children)
    names = [c.name for c in train.children] + [c.host.name for c in train.children]
    train.problems += check_pins(settings, host, names, train.catalog.projects())
    train.plan(plan_child, stages)
    return train.apply(stages)


def history_pages(children):
    """Pages of recent history a train reads once: two deployments per child."""
    return -(-2 * children // HISTORY_PAGE)


def apply_seconds(settings, deploying):
    """The most an apply may take (`deploying`: children to deploy per stage): a wait and the
    margin per *Train parallelism* of them, and per child to roll back."""
    rounds = sum(-(-n // settings.train_parallelism) for n in deploying)
    rounds += sum(deploying) if settings.train_failure_policy == "RollBack" else 0
    return (settings.timeout_seconds + STEP_MARGIN_SECONDS) * rounds + STEP_MARGIN_SECONDS + \
        settings.ring_pause_minutes * 60 * len(settings.rings)


class Train:
    """The run of one train: plan, apply wave by wave, roll back, report."""

    def __init__(self, settings, client, host, clock):
        self.settings, self.client, self.host, self.clock = settings, client, host, clock
        self.children, self.started, self.stopping = [], [], False
        self.rollback_tried, self.table, self.failures = False, "", 0
        self.catalog, self.problems = Catalog(client, batch=True, now=clock.now()), []

    def lines(self):
        return [c.line(self.settings.what_if)._replace(ring=c.ring, tenant=c.tenant)
                for c in self.children]

    def plan(self, plan_child, stages):
        """Decide every child with the single child's code; any problem: nothing is deployed."""
        catalog = self.catalog
        catalog.history = RecentHistory(self.client, catalog.project_ids(
            [c.name for c in self.children]), pages=history_pages(len(self.children)))
        self.host.info("Planning the release train: {0} children in {1} waves to {2}.".format(
            len(self.children), len({c.wave for c in self.children}),
            self.settings.destination_environment))
        reader = SharedReads(self.client) if self.settings.is_rings else self.client
        plan_side_by_side(self.children, lambda c: self.plan_one(c, plan_child, catalog, reader))
        moment = self.clock.now()
        catalog.notes += freezes_ahead(catalog, moment, self.reach(stages, moment))
        table = self.table = plan_table(self.lines()) + "".join("\n\n" + n for n in catalog.notes)
        show_table(self.host, "The plan", table)
        self.save_plan(table)
        problems = self.problems + ["{0}: {1}".format(c.host.name, c.problem)
                                    for c in self.children if c.problem]
        reason, why = "Nothing was deployed: {0} problem(s) stopped the plan.".format(
            len(problems)), "the train could not be planned"
        differs = approved_differences(self.settings, self.host, self.lines())
        if differs:
            (reason, found), why = differs, "the plan is not the approved plan"
            problems = found + problems
        if problems:
            for child in self.children:
                self.not_started(child, why)
            self.publish(table, "Failed", reason)
            raise TrainError(reason, problems)

    def reach(self, stages, moment):
        """(name, target, latest its create is sent) per child to deploy; none when every create
        is sent at once (*Wait for finish* No, or scheduled)."""
        s, rounds = self.settings, 0
        if s.queue_time is not None or not s.wait_for_finish:
            return
        for stage in stages:
            deploying = [c for c in stage.children if c.delivery]
            for i, c in enumerate(deploying):
                yield c.host.name, c.delivery.target, moment + timedelta(seconds=(
                    s.timeout_seconds + STEP_MARGIN_SECONDS) * (rounds + i // s.train_parallelism)
                    + STEP_MARGIN_SECONDS + s.ring_pause_minutes * 60 * max(0, stage.ring - 1))
            rounds += -(-len(deploying) // s.train_parallelism)

    def plan_one(self, child, plan_child, catalog, reader):
        """One child's plan; a problem is kept (and published for it) to report with the rest."""
        try:
            child.decided = plan_child(child.settings, reader.with_log(child.host.verbose),
                                       child.host, catalog)   # its requests logged in its block
        except StepCancelledError:
            raise
        except StepError as error:
            now = child.now = child.host.outputs.get("ChildCurrentRelease", "?")   # "?": unread
            child.problem, child.refused = str(error), getattr(error, "outcome", "Error")
            publish(child.host, (child.host.known_outcome or nothing_to_deploy(
                "Error", "", now.strip("?"))).with_(outcome=child.refused, reason=child.problem))

    def save_plan(self, table):
        self.host.save_artifact(plan_artifact_name(self.settings.parent.step_name), table)

    def publish(self, table, outcome, reason):
        publish_train(self.host, table, self.lines(), outcome, reason)

    def abandon(self, message):
        """The step failed outside the train's own paths: every output still says what is known."""
        for child in self.children:
            known = child.host.known_outcome
            if known is not None and not child.host.outputs_published:
                publish(child.host, known.with_(outcome="Error", reason=message))
        self.publish(self.table, "Failed", message)

    def apply(self, stages):
        """Stages (waves, or rings' waves) in order; then the roll back if asked; the outcome."""
        self.client.move_deadline(self.clock.monotonic() + apply_seconds(self.settings, [
            sum(1 for c in stage.children if c.delivery) for stage in stages]))
        mark = (0, 0, 0)
        for stage in stages:
            if self.stopping:
                for child in stage.children:
                    self.not_started(child, "the train stopped after a child failed")
                continue
            mark = ring_pause(self, stage, mark)
            self.host.highlight(stage.title)
            self.apply_wave(stage.children)
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
        self.failures += 1
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
        """Redeploy what the child ran before; its outputs keep the movement forward too."""
        forward, previous, got = dict(child.host.outputs), child.delivery.current, {}
        if previous:
            settings, child.host.outputs = replace(child.settings, deployment_mode=REDEPLOY), got
            try:
                decided = decide_delivery(self.client, child.host, settings, child.delivery.target,
                                          previous, child.delivery.release)
                if isinstance(decided, Delivery):
                    apply_delivery(self.client, child.host, self.clock, settings, decided)
            except StepCancelledError:
                raise
            except StepError as error:
                child.host.warning(str(error))
                got.setdefault("ChildOutcomeReason", str(error))
        ended = got.get("ChildOutcome", "Error") if previous else "NoPreviousRelease"
        child.rolled_back = ended == "Deployed"
        child.rollback = "RolledBack" if child.rolled_back else ended
        forward.update(ChildRollBackOutcome=child.rollback, ChildRollBackReason=got.get(
            "ChildOutcomeReason", "Nothing to go back to: it ran no release before."))
        if child.rolled_back:
            forward.update(ChildOutcome="RolledBack", ChildOutcomeReason="Deployed {0}, then rolled "
                           "back to {1}.".format(forward["ReleaseToPromote"], previous["Version"]))
        for name, value in forward.items():
            child.host.set_output(name, value)

    def finish(self):
        lines = self.lines()
        outcome, reason = train_outcome(lines, self.settings.what_if, self.rollback_tried,
                                        self.settings.destination_environment)
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
