"""Pins for auto-approval, a security boundary: whose approvals count and what gets answered.

Each test here fails when one decision of approvals.py is changed (see docs/mutation.md).
"""

from datetime import timedelta

from e2e_steps import created_deployments
from octopus_sim import Approval, InterruptionPlan, TaskScript, operations

PRODUCTION = {"ManualIntervention.EnvironmentToUse": "Prod Approval"}


def intervention_script(sim, suite, project="Web API", run_seconds=20):
    sim.world.set_task_script(suite.projects[project], TaskScript(run_seconds=run_seconds, interruptions=[
        InterruptionPlan(at_seconds=2, responsible_team_ids=[suite.approvers.id],
                         title="Approve " + project)]))


def the_interruption(sim, suite, project, environment):
    [deployment] = created_deployments(sim, suite, project, environment)
    [interruption] = sim.world.interruptions_regarding(deployment.task_id)
    return interruption


def approver(sim, suite, name):
    return sim.world.add_user(name, teams=[suite.approvers])


def approved_in_prod_approval(sim, suite, user, tenant=None, hours_ago=0.5):
    """A finished, successful deployment of the parent release to Prod Approval that `user` approved."""
    return sim.world.add_deployment(
        suite.parent_release, suite.environments["Prod Approval"], tenant=tenant,
        created=sim.clock.now() - timedelta(hours=hours_ago),
        approvals=[Approval(user, "Proceed", team_ids=[suite.approvers.id])])


def running_parent_approved_by(sim, suite, user, environment, tenant=None):
    """The parent's own running deployment, whose manual intervention `user` proceeded."""
    world = sim.world
    world.set_task_script(suite.parent, TaskScript(run_seconds=10 ** 7, interruptions=[
        InterruptionPlan(at_seconds=1, responsible_team_ids=[suite.approvers.id])]))
    parent = world.add_deployment(suite.parent_release, suite.environments[environment], tenant=tenant,
                                  state="Executing")
    sim.clock.advance(2)
    world.tick()
    [approval] = world.task_of(parent).interruptions
    with world.lock:
        operations.take_responsibility(world, approval, user)
        operations.submit(world, approval, user, {"Result": "Proceed", "Notes": "Go"})
    return parent


def own_task(parent):
    return {"Octopus.Deployment.Id": parent.id, "Octopus.Task.Id": parent.task_id}


def tenanted_web_api(sim, suite, name, environments):
    """A tenant of the parent in `environments` and of Web API in the last of them only (so Web
    API's untenanted history in the source environments stays the candidate)."""
    sim.world.get(suite.projects["Web API"].id).tenanted_mode = "TenantedOrUntenanted"
    envs = [suite.environments[e] for e in environments]
    return sim.world.add_tenant(name, projects={suite.parent: envs, suite.projects["Web API"]: envs[-1:]})


def test_only_the_child_deployments_own_intervention_is_answered(step, sim, suite):
    """Database waits at an intervention of the same team at the same time: it is not ours."""
    world = sim.world
    intervention_script(sim, suite, project="Database", run_seconds=10 ** 6)
    other = world.add_deployment(suite.releases[("Database", "2021.1.1.1")], suite.environments["Production"], state="Executing")
    sim.clock.advance(3)
    world.tick()
    [foreign] = world.interruptions_regarding(other.task_id)
    assert foreign.is_pending
    intervention_script(sim, suite)
    run = step("Web API", "Production", **PRODUCTION)
    assert run.exit_code == 0, run.result_message
    assert the_interruption(sim, suite, "Web API", "Production").values["Result"] == "Proceed"
    assert foreign.is_pending and foreign.responsible_user_id is None
    assert foreign.values.get("Result") is None


def test_a_tenanted_parent_uses_its_own_running_deployments_approvals(step, sim, suite):
    acme = tenanted_web_api(sim, suite, "Acme", ["Staging"])
    carol = approver(sim, suite, "carol")
    parent = running_parent_approved_by(sim, suite, carol, "Staging", tenant=acme)
    intervention_script(sim, suite)
    run = step("Web API", "Staging", parent_tenant=acme, system=own_task(parent), **{"Tenant.Name": "Acme"})
    assert run.exit_code == 0, run.result_message
    notes = the_interruption(sim, suite, "Web API", "Staging").values["Notes"]
    assert "carol" in notes and "/tasks/" + parent.task_id in notes


def test_a_tenanted_parent_with_an_untenanted_child_uses_its_own_approvals(step, sim, suite):
    acme = sim.world.add_tenant("Acme", projects={suite.parent: [suite.environments["Staging"]]})
    carol = approver(sim, suite, "carol")
    parent = running_parent_approved_by(sim, suite, carol, "Staging", tenant=acme)
    intervention_script(sim, suite)
    run = step("Web API", "Staging", parent_tenant=acme, system=own_task(parent))
    assert run.exit_code == 0, run.result_message
    assert "/tasks/" + parent.task_id in the_interruption(sim, suite, "Web API", "Staging").values["Notes"]


def test_another_approval_tenant_in_the_same_environment_is_not_the_parents_own(step, sim, suite):
    """Approval Tenant Globex: Globex's deployment to Staging counts, not the running Acme one."""
    acme = tenanted_web_api(sim, suite, "Acme", ["Staging"])
    globex = tenanted_web_api(sim, suite, "Globex", ["Staging"])
    carol, dave = approver(sim, suite, "carol"), approver(sim, suite, "dave")
    globex_approval = sim.world.add_deployment(
        suite.parent_release, suite.environments["Staging"], tenant=globex,
        created=sim.clock.now() - timedelta(hours=1),
        approvals=[Approval(dave, "Proceed", team_ids=[suite.approvers.id])])
    parent = running_parent_approved_by(sim, suite, carol, "Staging", tenant=acme)
    intervention_script(sim, suite)
    run = step("Web API", "Staging", parent_tenant=acme, system=own_task(parent),
               **{"Tenant.Name": "Acme", "ManualIntervention.Tenant.Name": "Globex"})
    assert run.exit_code == 0, run.result_message
    notes = the_interruption(sim, suite, "Web API", "Staging").values["Notes"]
    assert "dave" in notes and "/tasks/" + globex_approval.task_id in notes


def test_with_an_approval_tenant_only_its_newest_approval_deployment_counts(step, sim, suite):
    """Acme was approved twice (Carol, then Dave); Globex (Mallory) came last and is not Acme."""
    acme = tenanted_web_api(sim, suite, "Acme", ["Prod Approval", "Production"])
    globex = tenanted_web_api(sim, suite, "Globex", ["Prod Approval", "Production"])
    carol, dave, mallory = (approver(sim, suite, n) for n in ("carol", "dave", "mallory"))
    approved_in_prod_approval(sim, suite, carol, tenant=acme, hours_ago=0.75)
    newest_acme = approved_in_prod_approval(sim, suite, dave, tenant=acme, hours_ago=0.5)
    approved_in_prod_approval(sim, suite, mallory, tenant=globex, hours_ago=0.25)
    intervention_script(sim, suite)
    run = step("Web API", "Production", parent_tenant=acme, **dict(PRODUCTION, **{"Tenant.Name": "Acme"}))
    assert run.exit_code == 0, run.result_message
    assert "Approvers carried over from the parent: dave." in run.text()
    notes = the_interruption(sim, suite, "Web API", "Production").values["Notes"]
    assert "/tasks/" + newest_acme.task_id in notes and "for tenant Acme" in notes


def test_a_5xx_while_submitting_is_retried_not_taken_as_a_refusal(step, sim, suite):
    intervention_script(sim, suite)
    sim.faults.fail_next(count=1, status=503, methods=("POST",), path_contains="/submit")
    run = step("Web API", "Production", **PRODUCTION)
    assert run.exit_code == 0, run.result_message
    assert the_interruption(sim, suite, "Web API", "Production").values["Result"] == "Proceed"
    assert "was not approved by the step" not in run.text()
    assert sim.request_counts()["POST /api/{space}/interruptions/{id}/submit"] == 2


def test_an_unreachable_server_while_submitting_is_retried(step, sim, suite):
    intervention_script(sim, suite)
    sim.faults.drop_connection(count=1, methods=("POST",), path_contains="/submit", after_apply=False)
    run = step("Web API", "Production", **PRODUCTION)
    assert run.exit_code == 0, run.result_message
    assert the_interruption(sim, suite, "Web API", "Production").values["Result"] == "Proceed"
    assert "was not approved by the step" not in run.text()


def test_an_approver_whose_user_was_deleted_is_skipped_with_a_clear_line(step, sim, suite):
    """Bob approved and then left; Carol's approval in the same deployment still counts."""
    world = sim.world
    carol = approver(sim, suite, "carol")
    world.add_deployment(suite.parent_release, suite.environments["Prod Approval"],
                         created=sim.clock.now() - timedelta(minutes=30), approvals=[
                             Approval(suite.approver, "Proceed", team_ids=[suite.approvers.id]),
                             Approval(carol, "Proceed", team_ids=[suite.approvers.id])])
    with world.lock:                      # the simulator has no user deletion: forget Bob
        del world.docs[suite.approver.id.lower()]
        world.by_type["Users"].remove(suite.approver)
    intervention_script(sim, suite)
    run = step("Web API", "Production", **PRODUCTION)
    assert run.exit_code == 0, run.result_message
    assert ("Approver bob.approver is no longer a user of this Octopus; their approval is not "
            "carried over.") in run.text("info")
    assert "Approvers carried over from the parent: carol." in run.text()
    assert "on behalf of carol" in run.text("highlight")
