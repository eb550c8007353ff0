"""Auto-approving the child's manual interventions with the parent's approvals, end to end."""

from datetime import timedelta

from e2e_steps import child_in_another_space, created_deployments
from octopus_sim import Approval, InterruptionPlan, TaskScript, operations

PRODUCTION = {"ManualIntervention.EnvironmentToUse": "Prod Approval"}


def intervention_script(sim, suite, project="Web API", kind="ManualIntervention", teams=None,
                        run_seconds=20):
    teams = [suite.approvers.id] if teams is None else teams
    sim.world.set_task_script(suite.projects[project], TaskScript(run_seconds=run_seconds, interruptions=[
        InterruptionPlan(kind, at_seconds=2, responsible_team_ids=teams, title="Approve " + project)]))


def only_interruption(sim, suite, project, environment):
    [deployment] = created_deployments(sim, suite, project, environment)
    [interruption] = sim.world.interruptions_regarding(deployment.task_id)
    return deployment, interruption


def prod_approval_task(sim, suite):
    """The parent's approved deployment of 2021.1.1 to Prod Approval in the sample history."""
    [deployment] = sim.world.deployments_for(suite.parent, suite.environments["Prod Approval"])
    return deployment.task_id


def test_approve_today_deploy_tonight(step, sim, suite):
    """Bob approved 2021.1.1 in Prod Approval; tonight the parent deploys to Production."""
    intervention_script(sim, suite)
    run = step("Web API", "Production", **PRODUCTION)
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.1"
    deployment, interruption = only_interruption(sim, suite, "Web API", "Production")
    assert sim.world.task_of(deployment).state == "Success"
    assert interruption.values["Result"] == "Proceed"
    assert interruption.responsible_user_id == sim.world.api_user.id
    note = interruption.values["Notes"]
    for part in ("bob.approver", "Release Orchestration", "2021.1.1", "Prod Approval",
                 "/app#/Spaces-1/tasks/" + prod_approval_task(sim, suite)):
        assert part in note, part
    assert "Approvers carried over from the parent: bob.approver." in run.text()
    assert 'Approved "Approve Web API" of the child deployment on behalf of bob.approver.' in run.text()
    events = sim.world.events_regarding(interruption.id)
    assert any("submitted" in e.message.lower() for e in events)


def parent_approved_by_bob(sim, suite, environment):
    """A running parent deployment whose own manual intervention Bob proceeded, as in the UI."""
    world = sim.world
    world.set_task_script(suite.parent, TaskScript(run_seconds=10 ** 7, interruptions=[
        InterruptionPlan(at_seconds=1, responsible_team_ids=[suite.approvers.id])]))
    parent = world.add_deployment(suite.parent_release, suite.environments[environment], state="Executing")
    sim.clock.advance(2)
    world.tick()
    [approval] = world.task_of(parent).interruptions
    with world.lock:
        operations.take_responsibility(world, approval, suite.approver)
        operations.submit(world, approval, suite.approver, {"Result": "Proceed", "Notes": "Go"})
    return parent


def test_an_approval_given_earlier_in_the_running_parent_deployment(step, sim, suite):
    """The common case: the parent's own manual intervention, answered by Bob in the UI."""
    parent = parent_approved_by_bob(sim, suite, "Staging")
    intervention_script(sim, suite)
    run = step("Web API", "Staging", system={"Octopus.Deployment.Id": parent.id,
                                             "Octopus.Task.Id": parent.task_id})
    assert run.exit_code == 0, run.result_message
    assert "Approvers carried over from the parent: bob.approver." in run.text()
    _deployment, interruption = only_interruption(sim, suite, "Web API", "Staging")
    assert interruption.values["Result"] == "Proceed"
    assert "/app#/Spaces-1/tasks/" + parent.task_id in interruption.values["Notes"]


def test_a_tenant_is_named_in_the_note(step, sim, suite):
    world = sim.world
    envs = suite.environments
    acme = world.add_tenant("Acme", projects={suite.parent: [envs["Prod Approval"], envs["Production"]],
                                              suite.projects["Web API"]: [envs["Production"]]})
    world.get(suite.projects["Web API"].id).tenanted_mode = "TenantedOrUntenanted"
    world.add_deployment(suite.parent_release, envs["Prod Approval"], tenant=acme,
                         created=sim.clock.now() - timedelta(hours=3), approvals=[
                             Approval(suite.approver, "Proceed", team_ids=[suite.approvers.id])])
    intervention_script(sim, suite)
    run = step("Web API", "Production", parent_tenant=acme, **dict(PRODUCTION, **{"Tenant.Name": "Acme"}))
    assert run.exit_code == 0, run.result_message
    _deployment, interruption = only_interruption(sim, suite, "Web API", "Production")
    assert "for tenant Acme" in interruption.values["Notes"]


def test_a_guided_failure_is_never_answered(step, sim, suite):
    sim.world.get(suite.projects["Web API"].id).guided_failure_mode = "On"
    intervention_script(sim, suite, kind="GuidedFailure")
    run = step("Web API", "Production", **dict(PRODUCTION, **{"CancelDeployment.Seconds": "120"}))
    assert run.exit_code != 0
    assert run.outputs["ChildOutcome"] == "TimedOut"
    deployment, interruption = only_interruption(sim, suite, "Web API", "Production")
    assert deployment.use_guided_failure
    assert interruption.values.get("Guidance") is None and interruption.responsible_user_id is None
    assert run.text().count("is a guided-failure prompt; a person must decide it") == 1


def test_an_approver_outside_the_responsible_teams_approves_nothing(step, sim, suite):
    dbas = sim.world.add_team("Database Administrators")
    intervention_script(sim, suite, teams=[dbas.id])
    run = step("Web API", "Production", **dict(PRODUCTION, **{"CancelDeployment.Seconds": "120"}))
    assert run.outputs["ChildOutcome"] == "TimedOut"
    _deployment, interruption = only_interruption(sim, suite, "Web API", "Production")
    assert interruption.values["Result"] is None and interruption.responsible_user_id is None
    assert run.text("warning").count("belongs to a team responsible for") == 1


def test_an_aborted_parent_interruption_approves_nothing(step, sim, suite):
    """Mallory aborted the parent's intervention: her 'approval' must not open the child's."""
    world = sim.world
    dbas = world.add_team("Database Administrators", members=[world.api_user])
    mallory = world.add_user("mallory", teams=[dbas])
    aborted = world.add_deployment(suite.parent_release, suite.environments["Production"], state="Failed",
                                   created=sim.clock.now() - timedelta(hours=1), approvals=[
                                       Approval(mallory, "Abort", team_ids=[dbas.id])])
    intervention_script(sim, suite, teams=[dbas.id])
    run = step("Web API", "Production", system={"Octopus.Task.Id": aborted.task_id},
               **{"CancelDeployment.Seconds": "60"})
    assert run.outputs["ChildOutcome"] == "TimedOut"
    assert "Approvers carried over from the parent: none." in run.text()
    _deployment, interruption = only_interruption(sim, suite, "Web API", "Production")
    assert interruption.values["Result"] is None


def test_only_a_successful_parent_deployment_counts(step, sim, suite):
    """A newer, failed (aborted) deployment to Prod Approval is passed over for Bob's approved one."""
    world = sim.world
    mallory = world.add_user("mallory", teams=[suite.approvers])
    world.add_deployment(suite.parent_release, suite.environments["Prod Approval"], state="Failed",
                         created=sim.clock.now() - timedelta(hours=1), approvals=[
                             Approval(mallory, "Abort", team_ids=[suite.approvers.id])])
    intervention_script(sim, suite)
    run = step("Web API", "Production", **PRODUCTION)
    assert run.exit_code == 0, run.result_message
    _deployment, interruption = only_interruption(sim, suite, "Web API", "Production")
    assert "bob.approver" in interruption.values["Notes"]


def test_a_user_without_permission_gets_one_clear_message(step, sim, suite):
    sim.world.api_user.can_take_responsibility = False
    intervention_script(sim, suite)
    run = step("Web API", "Production", **dict(PRODUCTION, **{"CancelDeployment.Seconds": "120"}))
    assert run.outputs["ChildOutcome"] == "TimedOut"
    assert run.text("warning").count("may not take responsibility") == 1
    assert "InterruptionViewSubmitResponsible" in run.text("warning")
    _deployment, interruption = only_interruption(sim, suite, "Web API", "Production")
    assert interruption.values["Result"] is None
    assert sim.request_counts()["PUT /api/{space}/interruptions/{id}/responsible"] == 0


def test_no_approval_in_the_approval_environment_warns_when_it_comes_first(step, sim, suite):
    """The parent release 2021.1.0 never went to Prod Approval, which comes before Production."""
    old = suite.releases[("Release Orchestration", "2021.1.0")]
    intervention_script(sim, suite, run_seconds=5)
    run = step("Web API", "Production", system={"Octopus.Release.Id": old.id,
                                                "Octopus.Release.Number": old.version},
               **dict(PRODUCTION, **{"CancelDeployment.Seconds": "30"}))
    assert "No successful deployment of the parent release to Prod Approval was found" in run.text("warning")


def test_auto_approve_no_leaves_approvals_alone(step, sim, suite):
    intervention_script(sim, suite)
    run = step("Web API", "Production", **dict(PRODUCTION, **{
        "ManualInterventions.UseApprovalsFromParent": "No", "CancelDeployment.Seconds": "60"}))
    assert run.outputs["ChildOutcome"] == "TimedOut"
    counts = sim.request_counts()
    assert not [route for route in counts if "interruptions" in route or "events" in route]


def test_a_child_without_interventions_costs_no_approval_requests(step, sim, suite):
    run = step("Web API", "Staging")
    assert run.exit_code == 0, run.result_message
    assert not [route for route in sim.request_counts() if "events" in route or "teammembership" in route]


def test_an_intervention_naming_no_team_is_left_to_a_person(step, sim, suite):
    intervention_script(sim, suite, teams=[])
    run = step("Web API", "Production", **dict(PRODUCTION, **{"CancelDeployment.Seconds": "60"}))
    assert run.outputs["ChildOutcome"] == "TimedOut"
    assert run.text("warning").count("names no responsible team") == 1
    _deployment, interruption = only_interruption(sim, suite, "Web API", "Production")
    assert interruption.values["Result"] is None


def test_unreadable_parent_approvals_leave_the_child_to_a_person(step, sim, suite):
    intervention_script(sim, suite)
    sim.faults.fail_next(count=50, status=403, methods=("GET",), path_contains="/events")
    run = step("Web API", "Production", **dict(PRODUCTION, **{"CancelDeployment.Seconds": "60"}))
    assert run.outputs["ChildOutcome"] == "TimedOut"
    assert run.text("warning").count("The parent's approvals could not be read") == 1
    assert "is waiting for a person" in run.text("warning")


def test_a_misspelt_approval_environment_fails_before_anything_is_deployed(step, sim, suite):
    intervention_script(sim, suite)
    run = step("Web API", "Production", **{"ManualIntervention.EnvironmentToUse": "Prod Aproval"})
    assert run.exit_code != 0
    assert "Approval Environment" in run.result_message and "Prod Aproval" in run.result_message
    assert created_deployments(sim, suite, "Web API", "Production") == []


def test_a_child_in_another_space_reads_approvals_from_the_parents_space(step, sim, suite):
    world = sim.world
    space, environments, project = child_in_another_space(sim, "Gateway", ["Staging", "Production"], "1.0.0")
    team = world.add_team("Gateway Approvers", space=space, members=[world.api_user, suite.approver])
    world.set_task_script(project, TaskScript(run_seconds=10, interruptions=[
        InterruptionPlan(at_seconds=2, responsible_team_ids=[team.id], title="Approve Gateway")]))
    run = step("Gateway", "Production", **dict(PRODUCTION, **{"Space.Name": "Platform Team"}))
    assert run.exit_code == 0, run.result_message
    [deployment] = world.deployments_for(project, environments["Production"])
    [interruption] = world.interruptions_regarding(deployment.task_id)
    assert interruption.values["Result"] == "Proceed"
    events = [r for r in sim.requests if r.route.endswith("/events")]
    assert events and all(r.query.get("spaces") in (["Spaces-1"], "Spaces-1") for r in events)


def test_a_tenanted_child_of_an_untenanted_parent_uses_the_parents_own_approvals(step, sim, suite):
    """The parent deploys untenanted; its child deploys for Acme. Bob approved the parent's own
    running deployment, which is the one whose approvals count (as in v29)."""
    world, envs = sim.world, suite.environments
    world.get(suite.projects["Web API"].id).tenanted_mode = "TenantedOrUntenanted"
    world.add_tenant("Acme", projects={suite.projects["Web API"]: [envs["Staging"]]})
    parent = parent_approved_by_bob(sim, suite, "Staging")
    intervention_script(sim, suite)
    run = step("Web API", "Staging", system={"Octopus.Deployment.Id": parent.id,
                                             "Octopus.Task.Id": parent.task_id},
               **{"Tenant.Name": "Acme"})
    assert run.exit_code == 0, run.result_message
    _deployment, interruption = only_interruption(sim, suite, "Web API", "Staging")
    assert interruption.values["Result"] == "Proceed"
    assert "/tasks/" + parent.task_id in interruption.values["Notes"]


def test_an_untenanted_child_ignores_the_parents_tenant_without_a_lookup(step, sim, suite):
    """Approval Tenant defaults to the parent's tenant; for an untenanted child it is not used."""
    acme = sim.world.add_tenant("Acme", projects={suite.parent: [suite.environments["Staging"]]})
    run = step("Web API", "Staging", parent_tenant=acme, **{"ManualIntervention.Tenant.Name": "Acme"})
    assert run.exit_code == 0, run.result_message
    assert '"Approval Tenant"' not in run.text()
    assert sim.request_counts()["GET /api/{space}/tenants"] == 1      # the child's Tenant Name only


def test_a_tenanted_child_in_another_space_deploys_when_the_parents_space_lacks_the_tenant(step, sim, suite):
    world = sim.world
    space, environments, project = child_in_another_space(sim, "Gateway", ["Staging", "Production"], "1.0.0")
    world.get(project.id).tenanted_mode = "Tenanted"
    world.add_tenant("Acme", space=space, projects={project: [environments["Production"]]})
    run = step("Gateway", "Production", **{"Space.Name": "Platform Team", "Tenant.Name": "Acme"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed"
