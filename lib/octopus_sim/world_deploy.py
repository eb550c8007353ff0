"""Releases, deployments, their server tasks, interruptions and audit events.

This half of the world holds what changes while deployments run: it builds historical
deployments (already finished, cheaply, for large histories), starts live ones on the clock, and
answers the task engine's callbacks (started, interruption raised, finished) with the events and
log lines the real server writes.
"""

import hashlib
from datetime import timedelta

from . import tasks as engine
from .activity import active_node, plan_activity
from .model import Deployment, Event, Interruption, Release

MI_VALUES = ("Instructions", "Notes", "Result")
GF_VALUES = ("Instructions", "Notes", "Guidance")


def _code(*parts):
    digest = hashlib.md5("/".join(parts).encode("utf-8")).hexdigest().upper()
    return "".join(c for c in digest if c.isalpha())[:5].ljust(5, "X")


class DeployMixin:
    """Builder and engine callbacks for releases, deployments and tasks (mixed into World)."""

    # -- releases ------------------------------------------------------------------------------
    def add_release(self, project, version, channel=None, notes="", packages=None,
                    build_information=None, created=None):
        """A release; `packages` maps step (action) names to versions (default: the release version)."""
        project = self._resolve("Projects", project, None)
        channel = self._resolve("Channels", channel, project.space_id) or self.default_channel(project)
        release_id = self.new_id("Releases")
        release = Release(release_id, project.space_id, project.id, channel.id, version,
                          created or self.clock.now(), notes or None,
                          self._selected_packages(project, version, packages),
                          list(build_information or []))
        release.process_snapshot_id = "deploymentprocess-%s-s-%d-%s" % (
            project.id, project.process_version, _code(release_id, "process"))
        self._snapshot(release, project)
        self.store("Releases", release)
        self.releases_by_channel.setdefault(channel.id, []).append(release)
        self.releases_by_project.setdefault(project.id, []).append(release)
        release.name = version
        return release

    def _selected_packages(self, project, version, packages):
        chosen = dict(packages or {})
        out = []
        for step in project.steps:
            for package in step.packages:
                out.append({"StepName": step.name, "ActionName": step.name, "PackageReferenceName": "",
                            "Version": chosen.get(step.name, chosen.get(package, version)),
                            "PackageId": package})
        return out

    def _snapshot(self, release, project):
        release.variables_version = (project.variables_version, self.library_variables_version)
        release.process_version = project.process_version
        release.variable_snapshot_id = "variableset-%s-s-%d-%s" % (
            project.id, project.variables_version, _code(release.id, str(project.variables_version)))
        release.last_modified_on = self.clock.now()

    def snapshot_variables(self, release):
        """`POST releases/{id}/snapshot-variables`: take the project's current variables."""
        self._snapshot(release, self.get(release.project_id))
        return release

    def variables_modified(self, release):
        """(project variables changed, library variables changed) since the release's snapshot."""
        project = self.get(release.project_id)
        project_version, library_version = release.variables_version
        return project.variables_version != project_version, self.library_variables_version != library_version

    # -- deployments ------------------------------------------------------------------------------
    def add_deployment(self, release, environment, tenant=None, state="Success", created=None,
                       completed=None, approvals=None, duration_seconds=60.0, error_message="",
                       script=None, deployed_by=None, events=True):
        """A deployment from history: finished in `state`, or live if Queued/Executing.

        `events=False` skips the audit events (the history generator uses it to stay fast).
        """
        deployment = self.new_deployment(release, environment, tenant, created or self.clock.now(),
                                         deployed_by=deployed_by)
        task = self.tasks_by_id[deployment.task_id]
        if state in engine.ACTIVE_STATES:
            task.script = script or self.script_for(deployment.project_id, deployment.tenant_id,
                                                    deployment.release_id)
            self.active_tasks.append(task)
            return deployment
        completed = completed or deployment.created + timedelta(seconds=duration_seconds)
        engine.finish_static(task, state, deployment.created, completed, error_message)
        if events:
            self._history_events(deployment, task, deployed_by)
        for approval in approvals or []:
            self._add_approval(task, approval)
        return deployment

    def _history_events(self, deployment, task, user):
        refs = self._deployment_refs(deployment)
        self.write_event("DeploymentQueued", "%s queued for %s" % (deployment.name, task.description), refs,
                         deployment.created, user, deployment.space_id)
        self.task_started(task)
        category = "DeploymentSucceeded" if task.state == "Success" else "DeploymentFailed"
        self.write_event(category, "%s %s for %s" % (deployment.name, _verb(task.state), task.description),
                         refs, task.completed_time, None, task.space_id)

    def new_deployment(self, release, environment, tenant=None, created=None, deployed_by=None, **fields):
        """Store a deployment and its queued task, and index both."""
        release = self._resolve("Releases", release, None)
        env = self.env(environment, release.space_id)
        tenant = self._resolve("Tenants", tenant, release.space_id)
        created = created or self.clock.now()
        project = self.get(release.project_id)
        deployment = Deployment(self.new_id("Deployments"), release.space_id, release.id, env.id,
                                project.id, release.channel_id, "", created,
                                tenant.id if tenant else None, "Deploy to %s" % env.name,
                                process_snapshot_id=release.process_snapshot_id, **fields)
        if deployed_by is not None:
            deployment.deployed_by, deployment.deployed_by_id = deployed_by.username, deployed_by.id
        description = "Deploy %s release %s to %s" % (project.name, release.version, env.name)
        if tenant:
            description += " for %s" % tenant.name
        task = engine.ServerTask(self.new_id("ServerTasks"), release.space_id, description, created,
                                 deployment)
        deployment.task_id = task.id
        self.store("Deployments", deployment)
        self.tasks_by_id[task.id] = task
        self.docs[task.id.lower()] = task
        self.by_type.setdefault("ServerTasks", []).append(task)
        self.deployments_by_release.setdefault(release.id, []).append(deployment)
        self.deployments_by_project.setdefault(project.id, []).append(deployment)
        return deployment

    def start_live_task(self, deployment, script, user=None):
        """A deployment created through the API: queue its task on the clock and log the event."""
        task = self.tasks_by_id[deployment.task_id]
        task.script = script
        task.queue_time = deployment.queue_time or deployment.created
        task.queue_time_expiry = deployment.queue_time_expiry
        task.not_before = max(task.queue_time, deployment.created) + timedelta(seconds=script.queue_seconds)
        steps = self.steps_to_execute(self.get(deployment.project_id), deployment)
        deployment.machine_ids = sorted({m.id for s in steps if not s["skipped"] for m in s["machines"]})
        self.active_tasks.append(task)
        self.write_event("DeploymentQueued", "%s queued for %s" % (deployment.name, task.description),
                         self._deployment_refs(deployment), deployment.created, user, deployment.space_id)
        return task

    def _deployment_refs(self, deployment):
        refs = [deployment.id, deployment.project_id, deployment.release_id, deployment.environment_id,
                deployment.task_id, deployment.channel_id]
        return refs + ([deployment.tenant_id] if deployment.tenant_id else [])

    # -- engine callbacks ---------------------------------------------------------------------
    def task_started(self, task):
        deployment = task.deployment
        project, release = self.get(deployment.project_id), self.get(deployment.release_id)
        env = self.get(deployment.environment_id)
        message = "%s started for %s release %s to %s" % (deployment.name, project.name, release.version,
                                                          env.name)
        self.write_event("DeploymentStarted", message, self._deployment_refs(deployment),
                         task.start_time, None, task.space_id)

    def task_finished(self, task):
        deployment = task.deployment
        if deployment is None:
            return
        if task.activity is not None and task.state != "Success":
            node = active_node(task.activity, task.final_offset or 0.0)
            step_key = ":".join(node.key.split(":")[:2])
            task.failed_keys = (node.key, step_key)
            if task.error_message:
                task.extra_log.append((node.key, "Error", task.completed_time, task.error_message))
        text = {"Success": "The deployment completed successfully.",
                "Canceled": "The deployment was canceled.",
                "TimedOut": "The deployment timed out before it started."}.get(task.state, "The deployment failed.")
        task.extra_log.append(("root", "Info" if task.state == "Success" else "Error", task.completed_time, text))
        category = {"Success": "DeploymentSucceeded"}.get(task.state, "DeploymentFailed")
        self.write_event(category, "%s %s for %s" % (deployment.name, _verb(task.state), task.description),
                         self._deployment_refs(deployment), task.completed_time, None, task.space_id)

    def raise_interruption(self, task, plan, offset, moment):
        node = active_node(task.activity, offset)
        teams = [getattr(t, "id", t) for t in plan.responsible_team_ids]
        if plan.kind == "ManualIntervention":
            title = plan.title or "Approve deployment"
            instructions = plan.instructions
            values = MI_VALUES
        else:
            title = plan.title or "%s requires failure guidance" % task.description
            instructions = "'%s' failed on %s. Choose what the deployment does next." % (
                node.name, self.get(task.environment_id).name)
            values = GF_VALUES
        interruption = self._store_interruption(task, plan.kind, title, instructions, node.id, teams,
                                                moment, values)
        category = "%sInterruptionRaised" % plan.kind
        waiting = "Waiting for manual intervention" if plan.kind == "ManualIntervention" else \
            "Waiting for failure guidance"
        task.extra_log.append((node.key, "Wait", moment, "%s: %s" % (waiting, title)))
        self.write_event(category, "Interruption %s raised on %s" % (title, task.description),
                         [interruption.id] + interruption.related_document_ids, moment, None, task.space_id)
        return interruption

    def _store_interruption(self, task, kind, title, instructions, correlation, teams, moment, values):
        deployment = task.deployment
        if kind == "ManualIntervention":
            related = [deployment.id, task.id, deployment.project_id, deployment.environment_id]
        else:
            related = [task.id, deployment.id, deployment.project_id, deployment.environment_id]
        if deployment.tenant_id:
            related.append(deployment.tenant_id)
        interruption = Interruption(self.new_id("Interruptions"), task.space_id, task.id, kind, title,
                                    moment, instructions, correlation, related, list(teams),
                                    values={k: None for k in values})
        self.store("Interruptions", interruption)
        task.interruptions.append(interruption)
        for document_id in [interruption.id] + related:
            self.interruptions_by_doc.setdefault(document_id.lower(), []).append(interruption)
        return interruption

    def _add_approval(self, task, approval):
        """An answered manual intervention on a finished task, with the events it left behind."""
        if task.activity is None:
            task.activity = plan_activity(self, task, run_seconds=task.final_offset or 1.0)
        at = approval.at or task.start_time + (task.completed_time - task.start_time) / 2
        node = active_node(task.activity, (at - task.start_time).total_seconds())
        teams = [getattr(t, "id", t) for t in approval.team_ids]
        interruption = self._store_interruption(task, "ManualIntervention", "Approve deployment",
                                                approval.instructions, node.id, teams, at, MI_VALUES)
        self.record_submission(interruption, approval.user, {"Result": approval.result,
                                                             "Notes": approval.notes or None}, at)

    def record_submission(self, interruption, user, values, moment):
        """Close an interruption with the answer and write the audit trail a client searches."""
        interruption.responsible_user_id = user.id
        interruption.is_pending = False
        for key in interruption.values:
            if key in values:
                interruption.values[key] = values[key]
        task = self.tasks_by_id[interruption.task_id]
        answer = values.get("Result") or values.get("Guidance")
        refs = [interruption.id] + interruption.related_document_ids
        self.write_event("InterruptionSubmitted", "Submitted interruption %s on %s with %s" % (
            interruption.title, task.description, answer), refs, moment, user, interruption.space_id,
            comments=values.get("Notes"))
        node_key = self._node_key(task, interruption.correlation_id)
        task.extra_log.append((node_key, "Info", moment, "%s submitted %s" % (user.display_name, answer)))

    def _node_key(self, task, node_id):
        stack = [task.activity] if task.activity else []
        while stack:
            node = stack.pop()
            if node.id == node_id:
                return node.key
            stack.extend(node.children)
        return "root"

    def write_event(self, category, message, related, occurred, user, space_id, comments=None):
        event = Event(self.new_id("Events"), space_id, category, message, occurred,
                      user.id if user else "users-system", user.username if user else "system",
                      [r for r in related if r], comments)
        event.number = int(event.id.split("-")[1])
        self.store("Events", event)
        for document_id in event.related_document_ids:
            self.events_by_doc.setdefault(document_id.lower(), []).append(event)
        return event


def _verb(state):
    return {"Success": "succeeded", "Canceled": "was canceled", "TimedOut": "timed out"}.get(state, "failed")
