"""The plan is a promise: what Octopus would refuse is found before anything is deployed.

The built body against octopus_sim: the API key's permissions (scoped by project, environment
and tenant), deployment freezes (one-off and recurring, overridden with a reason) and the health
of the targets each child's preview names, for a three-wave train and for a single child.
"""

from datetime import timedelta

from e2e_steps import created_deployments

SUITE = "Database\nWeb API, Scheduling Service\nWeb UI"
CHILDREN = ("Database", "Web API", "Scheduling Service", "Web UI")
EARLIER = ("Development", "Test", "Staging", "Prod Approval")


def nothing_made(sim, suite, environment="Production"):
    return all(created_deployments(sim, suite, name, environment) == [] for name in CHILDREN)


def plan_row(run, child):
    return next(line for line in run.outputs["TrainPlan"].splitlines()
                if line.startswith("| {0} |".format(child)))


def freeze(sim, name="Year end", hours=(-1, 24), **scope):
    now = sim.clock.now()
    scope.setdefault("projects", {"Web API": ["Production"]})
    return sim.world.add_deployment_freeze(name, now + timedelta(hours=hours[0]),
                                           now + timedelta(hours=hours[1]), **scope)


def override_calls(sim):
    return [r for r in sim.requests if r.route.endswith("/deployments/override")]


# -- permissions -------------------------------------------------------------------------------
def test_a_key_scoped_away_from_production_for_one_child_is_forbidden_and_nothing_deploys(
        step, sim, suite):
    sim.world.scope_api_user("DeploymentCreate", projects=CHILDREN[:3])
    sim.world.scope_api_user("DeploymentCreate", projects=["Web UI"], environments=EARLIER)
    run = step(SUITE, "Production")
    assert run.exit_code != 0 and run.stderr == ""
    assert "| Forbidden |" in plan_row(run, "Web UI") and "2021.1.1.1" in plan_row(run, "Web UI")
    assert "| Deploy |" in plan_row(run, "Web API")
    assert "Missing permission: DeploymentCreate" in run.result_message
    assert "Web UI to Production" in run.result_message
    assert run.outputs["Child[Web UI].ChildOutcome"] == "Forbidden"
    assert run.outputs["TrainOutcome"] == "Failed"
    assert nothing_made(sim, suite)


def test_a_grant_for_the_project_group_or_a_tenant_elsewhere_counts_as_it_should(step, sim, suite):
    """Granted through the project group: allowed; granted for tenants only: an untenanted
    deployment is refused, as Octopus refuses it."""
    sim.world.scope_api_user("DeploymentCreate",
                             project_groups=[suite.projects["Web API"].project_group_id])
    run = step("Web API", "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code == 0, run.result_message
    tenant = sim.world.add_tenant("Customer A")
    sim.world.scope_api_user("DeploymentCreate", tenants=[tenant])
    sim.world.grants["DeploymentCreate"] = sim.world.grants["DeploymentCreate"][1:]
    run = step("Web API", "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code != 0 and run.outputs["ChildOutcome"] == "Forbidden"


def test_a_single_child_refused_by_its_permissions_fails_before_the_create(step, sim, suite):
    sim.world.scope_api_user("DeploymentCreate", environments=EARLIER)
    run = step("Web API", "Production")
    assert run.exit_code != 0
    assert run.outputs["ChildOutcome"] == "Forbidden"
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.1"
    assert "Missing permission: DeploymentCreate" in run.result_message
    assert not [r for r in sim.requests if r.method == "POST"]


def test_a_server_refusing_the_permission_read_is_said_in_the_plan_and_the_train_runs(
        step, sim, suite):
    sim.world.permission_read = "absent"
    run = step("Web API", "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code == 0 and "permissions were not checked: Octopus answered 404" in run.stdout
    sim.world.permission_read = "refused"
    run = step(SUITE, "Production")
    assert run.exit_code == 0, run.result_message
    assert "The API key's permissions were not checked: Octopus answered 403." in \
        run.outputs["TrainPlan"]
    assert run.outputs["TrainOutcome"] == "Deployed"


def test_without_the_right_to_answer_interventions_auto_approval_is_a_warning(step, sim, suite):
    sim.world.revoke_api_user("InterruptionSubmit")
    sim.world.revoke_api_user("InterruptionViewSubmitResponsible")
    run = step("Web API", "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code == 0
    assert "No InterruptionSubmit for Web API to Production" in run.text("warning")
    run = step("Web API", "Production", **{"WhatIf.Value": "Yes",
                                          "ManualInterventions.UseApprovalsFromParent": "No"})
    assert "InterruptionSubmit" not in run.stdout


# -- freezes -----------------------------------------------------------------------------------
def test_a_freeze_on_production_makes_its_child_frozen_and_nothing_deploys(step, sim, suite):
    freeze(sim)
    run = step(SUITE, "Production")
    assert run.exit_code != 0
    row = plan_row(run, "Web API")
    assert "| Frozen |" in row and '"Year end" until' in row
    assert (sim.clock.now() + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M") in row
    assert "| Deploy |" in plan_row(run, "Database")
    assert nothing_made(sim, suite)


def test_an_override_reason_deploys_through_the_freeze_and_carries_the_reason(step, sim, suite):
    frozen = freeze(sim)
    run = step(SUITE, "Production", **{"DeploymentFreeze.OverrideReason": "Hotfix INC-42"})
    assert run.exit_code == 0, run.result_message
    assert 'Overrides freeze "Year end"' in plan_row(run, "Web API")
    [call] = override_calls(sim)
    assert call.status == 201
    assert call.body["Reason"] == "Hotfix INC-42" and call.body["FreezeIds"] == [frozen["Id"]]
    assert call.body["CreateDeploymentCommand"]["EnvironmentId"] == suite.environments["Production"].id
    assert all(len(created_deployments(sim, suite, name, "Production")) == 1 for name in CHILDREN)


def test_overriding_needs_the_freeze_administrator_permission(step, sim, suite):
    freeze(sim)
    sim.world.revoke_api_user("DeploymentFreezeAdminister")
    run = step("Web API", "Production", **{"DeploymentFreeze.OverrideReason": "Hotfix"})
    assert run.exit_code != 0 and run.outputs["ChildOutcome"] == "Forbidden"
    assert "DeploymentFreezeAdminister" in run.result_message
    assert created_deployments(sim, suite, "Web API", "Production") == []


def test_a_recurring_freeze_holding_the_scheduled_time_but_not_now(step, sim, suite):
    """Every Saturday 00:00-23:00 UTC; the clock is a Friday morning; Scheduling is Saturday."""
    now = sim.clock.now()
    saturday = (now + timedelta(days=(5 - now.weekday()) % 7 - 7)).replace(hour=0, minute=0)
    sim.world.add_deployment_freeze(
        "Weekend", saturday, saturday + timedelta(hours=23), projects={"Web API": ["Production"]},
        recurring={"Type": "Weekly", "DaysOfWeek": ["Saturday"]})
    later = (saturday + timedelta(days=7, hours=10)).strftime("%Y-%m-%d %H:%M +00:00")
    run = step(SUITE, "Production", **{"Deployment.FutureTime": later, "WhatIf.Value": "Yes"})
    assert run.exit_code != 0
    assert '"Weekend" until' in plan_row(run, "Web API") and "at its scheduled time" in \
        plan_row(run, "Web API")
    run = step(SUITE, "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code == 0, run.result_message


def test_a_single_child_frozen_fails_before_the_create_and_its_override_deploys(step, sim, suite):
    freeze(sim, tenants=None)
    run = step("Web API", "Production")
    assert run.exit_code != 0 and run.outputs["ChildOutcome"] == "Frozen"
    assert "Deployment freeze \"Year end\"" in run.result_message
    assert created_deployments(sim, suite, "Web API", "Production") == []
    run = step("Web API", "Production", **{"DeploymentFreeze.OverrideReason": "Hotfix"})
    assert run.exit_code == 0 and run.outputs["ChildOutcome"] == "Deployed"
    assert override_calls(sim)[0].body["Reason"] == "Hotfix"


def test_a_freeze_on_another_tenant_or_environment_does_not_hold_the_child(step, sim, suite):
    tenant = sim.world.add_tenant("Customer A", projects={"Web API": ["Production"]})
    freeze(sim, projects={"Web API": ["Staging"]},
           tenants=[(tenant, "Web API", "Production")])
    run = step("Web API", "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code == 0, run.result_message


def test_a_server_without_freezes_has_none(step, sim, suite):
    freeze(sim)
    sim.world.freezes_supported = False
    run = step("Web API", "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code == 0 and "freezes were not checked" not in run.stdout


# -- targets -----------------------------------------------------------------------------------
def test_an_unhealthy_or_disabled_target_is_a_warning_and_none_available_a_problem(
        step, sim, suite):
    sim.world.set_machine_health("s-web-api-01", "Unhealthy")
    run = step(SUITE, "Production", **{"WhatIf.Value": "Yes"})
    assert run.exit_code == 0
    assert "Targets: s-web-api-01 is unhealthy." in plan_row(run, "Web API")
    sim.world.set_machine_health("s-web-api-01", "Unavailable")
    sim.world.set_machine_health("s-web-api-02", "Healthy", is_disabled=True)
    run = step(SUITE, "Production")
    assert run.exit_code != 0
    row = plan_row(run, "Web API")
    assert "| NoTarget |" in row and "s-web-api-01 is unavailable, s-web-api-02 is disabled" in row
    assert nothing_made(sim, suite)


# -- the log -----------------------------------------------------------------------------------
def test_a_retry_while_planning_side_by_side_stays_in_its_childs_block(step, sim, suite):
    web_ui = suite.releases[("Web UI", "2021.1.1.1")]
    sim.faults.fail_next(1, status=503, path_contains="/releases/{0}/deployments/preview".format(
        web_ui.id))
    run = step(SUITE, "Production", **{"WhatIf.Value": "Yes", "EnableEnhancedLogging.Value": "Yes"})
    assert run.exit_code == 0, run.result_message
    lines = [text for _level, text in run.lines]
    [at] = [i for i, line in enumerate(lines) if "Retrying GET" in line]
    assert all(line.startswith("[Web UI] ") for line in lines[at - 1:at + 2])


def test_an_override_whose_answer_is_lost_after_octopus_created_it_is_not_sent_again(step, sim, suite):
    """Never twice through the freeze override too: a 500 after Octopus committed the override's
    deployment is followed by its run marker, not answered with a second override."""
    freeze(sim, tenants=None)
    sim.faults.fail_after_apply(count=1, status=500)
    run = step("Web API", "Production", **{"DeploymentFreeze.OverrideReason": "Hotfix"})
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Production")
    assert run.outputs["ChildDeploymentId"] == deployment.id
    assert [c.status for c in override_calls(sim)] == [500]


def test_a_freeze_name_that_looks_like_a_service_message_speaks_for_nobody(step, sim, suite):
    """Text from Octopus reaches the log only neutralised: a freeze's name included."""
    freeze(sim, name="##octopus[setVariable name='UmVsZWFzZVRvUHJvbW90ZQ==' value='RXZpbA==']",
           tenants=None)
    run = step("Web API", "Production")
    assert run.exit_code != 0 and run.outputs["ChildOutcome"] == "Frozen"
    assert "##octopus[setVariable name='UmVsZWFzZVRvUHJvbW90ZQ==' value='RXZpbA=='" not in run.stdout
    assert run.outputs["ReleaseToPromote"] != "Evil"


def test_a_freeze_beginning_before_the_train_may_reach_a_child_is_in_the_plan(step, sim, suite):
    """Web UI deploys in the third wave, at the latest two waits (and their margins) from now:
    a freeze beginning in an hour may hold it by then, so the plan says so (Octopus would refuse
    it then); one beginning in ten hours cannot, and is not said. Database's create is sent at
    once, so a freeze of it in half an hour is not said either. None stops the train."""
    freeze(sim, "Evening change window", hours=(1, 5), projects={"Web UI": ["Production"]})
    freeze(sim, "Tomorrow", hours=(10, 20), projects={"Web UI": ["Production"]})
    freeze(sim, "Database patching", hours=(0.5, 5), projects={"Database": ["Production"]})
    run = step(SUITE, "Production", **{"WhatIf.Value": "Yes", "CancelDeployment.Seconds": "1800"})
    assert run.exit_code == 0, run.result_message
    plan = run.outputs["TrainPlan"]
    assert 'Deployment freeze "Evening change window" begins ' in plan
    assert "before the train may reach Web UI (at the latest " in plan
    assert "Octopus would then refuse it." in plan and '"Tomorrow"' not in plan
    assert "Database patching" not in plan
    quick = step(SUITE, "Production", **{"WhatIf.Value": "Yes", "CancelDeployment.Seconds": "600"})
    assert "Evening change window" not in quick.outputs["TrainPlan"]   # 2 x 11 min + 1 < 1 h
    deployed = step(SUITE, "Production")
    assert deployed.exit_code == 0, deployed.result_message
    assert "Evening change window" in deployed.outputs["TrainPlan"]


def test_a_scheduled_train_sends_every_create_at_once_so_no_freeze_ahead_is_said(step, sim):
    """Scheduled, every child is created now and queued for the time: a freeze that begins half
    an hour after it cannot stop a later wave's create."""
    later = (sim.clock.now() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M +00:00")
    freeze(sim, "Evening change window", hours=(2.5, 5), projects={"Web UI": ["Production"]})
    run = step(SUITE, "Production", **{"WhatIf.Value": "Yes", "Deployment.FutureTime": later})
    assert run.exit_code == 0, run.result_message
    assert "Evening change window" not in run.outputs["TrainPlan"]
