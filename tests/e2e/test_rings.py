"""Tenant rings end to end: the built body against octopus_sim, on a tenanted sample suite.

Database and Web API deploy per tenant (TenantedOrUntenanted); five tenants tagged from the tag
set "Release Ring"; each tenant has its own history: 2021.1.0.1 in Production, 2021.1.1.1 up to
Staging. Three rings: Acme by name, the tag Release Ring/Beta (Globex, Initech), then `*`
(Hooli, Umbrella). Order is read from the simulator's task times.
"""

import json
import re
import signal
import time

import pytest

from e2e_steps import deploy_history, each_child
from octopus_sim import InterruptionPlan, TaskScript

RINGS = "Acme\ntag: Release Ring/Beta\n*"
TRAIN = "Database\nWeb API"
TENANTS = {"Acme": "Canary", "Globex": "Beta", "Initech": "Beta", "Umbrella": "Stable",
           "Hooli": "Stable"}
RING_OF = {"Acme": 1, "Globex": 2, "Initech": 2, "Umbrella": 3, "Hooli": 3}
CHILDREN = ("Database", "Web API")


@pytest.fixture
def tenants(sim, suite):
    world, envs = sim.world, list(suite.environments.values())
    world.add_tag_set("Release Ring", ["Canary", "Beta", "Stable"])
    for name in CHILDREN:
        suite.projects[name].tenanted_mode = "TenantedOrUntenanted"
    made = {}
    for name, tag in TENANTS.items():
        made[name] = world.add_tenant(name, projects={suite.projects[p]: envs for p in CHILDREN},
                                      tags=["Release Ring/" + tag])
        for project in CHILDREN:
            deploy_history(sim, suite, project, "2021.1.0.1",
                           ["Development", "Test", "Staging", "Production"], 48, made[name])
            deploy_history(sim, suite, project, "2021.1.1.1",
                           ["Development", "Test", "Staging"], 24, made[name])
    return made


def new_deployments(sim, suite, before, environment="Production"):
    """{(child, tenant name or ""): [deployments]} created by the step (ids not in `before`)."""
    names = {t.id: t.name for t in sim.world.all("Tenants")}
    out = {}
    for d in sim.world.all("Deployments"):
        if d.id not in before and d.environment_id == suite.environments[environment].id:
            project = next(n for n, p in suite.projects.items() if p.id == d.project_id)
            if project != "Release Orchestration":
                out.setdefault((project, names.get(d.tenant_id, "")), []).append(d)
    return out


def existing(sim):
    return {d.id for d in sim.world.all("Deployments")}


def test_three_rings_of_a_two_wave_train_deploy_in_order_once_per_child_and_tenant(
        step, sim, suite, tenants):
    before = existing(sim)
    run = step(TRAIN, "Production", **{"Tenant.Name": RINGS})
    assert run.exit_code == 0, run.result_message
    made = new_deployments(sim, suite, before)
    assert sorted(made) == sorted((c, t) for c in CHILDREN for t in TENANTS)
    assert all(len(ds) == 1 for ds in made.values())
    task = {key: sim.world.task_of(ds[0]) for key, ds in made.items()}
    for (child, tenant), t in task.items():
        for (other_child, other), u in task.items():
            later = (RING_OF[other], CHILDREN.index(other_child)) > (
                RING_OF[tenant], CHILDREN.index(child))
            if later:
                assert u.start_time >= t.completed_time, (child, tenant, other_child, other)
    assert run.outputs["TrainOutcome"] == "Deployed"
    manifest = json.loads(run.outputs["TrainManifest"])
    assert manifest == {c + "/" + t: "2021.1.1.1" for c in CHILDREN for t in TENANTS}
    children = each_child(run.outputs)
    assert children["Web API/Globex"]["ChildDeploymentId"] == made[("Web API", "Globex")][0].id
    plan = run.outputs["TrainPlan"]
    assert plan.splitlines()[0].startswith("| Child | Tenant | Ring | Wave | Destination now |")
    assert "| Web API | Hooli | 3 | 2 | 2021.1.0.1 | 2021.1.1.1 | upgrade | Deploy |" in plan


def fail_for(sim, suite, tenants, project, tenant, run_seconds=5.0):
    sim.world.set_task_script(suite.projects[project], TaskScript(
        run_seconds=run_seconds, outcome="Failed", error_message="Step 1 failed"),
        tenant=tenants[tenant])


def test_a_failure_in_ring_two_under_stop_lets_the_ring_finish_and_starts_no_later_ring(
        step, sim, suite, tenants):
    fail_for(sim, suite, tenants, "Database", "Globex")
    before = existing(sim)
    run = step(TRAIN, "Production", **{"Tenant.Name": RINGS})
    assert run.exit_code != 0
    made = new_deployments(sim, suite, before)
    assert sorted(made) == [("Database", "Acme"), ("Database", "Globex"), ("Database", "Initech"),
                            ("Web API", "Acme")]
    assert sim.world.task_of(made[("Database", "Initech")][0]).state == "Success"
    children = each_child(run.outputs)
    assert children["Database/Globex"]["ChildOutcome"] == "Failed"
    assert children["Web API/Initech"]["ChildOutcome"] == "NotStarted"
    assert children["Database/Hooli"]["ChildOutcome"] == "NotStarted"
    assert run.outputs["TrainOutcome"] == "PartlyDeployed"
    assert "Database/Globex" in run.outputs["TrainOutcomeReason"]
    manifest = json.loads(run.outputs["TrainManifest"])
    assert manifest["Database/Globex"] == manifest["Web API/Hooli"] == "2021.1.0.1"
    assert manifest["Database/Initech"] == "2021.1.1.1"


def test_continue_goes_on_to_every_later_ring(step, sim, suite, tenants):
    fail_for(sim, suite, tenants, "Database", "Globex")
    before = existing(sim)
    run = step(TRAIN, "Production", **{"Tenant.Name": RINGS, "Train.OnFailure": "Continue"})
    assert run.exit_code != 0
    assert len(new_deployments(sim, suite, before)) == 10
    assert each_child(run.outputs)["Web API/Hooli"]["ChildOutcome"] == "Deployed"
    assert run.outputs["TrainOutcome"] == "PartlyDeployed"


def test_roll_back_puts_every_changed_child_and_tenant_back_last_first(step, sim, suite, tenants):
    fail_for(sim, suite, tenants, "Web API", "Initech")
    before = existing(sim)
    run = step(TRAIN, "Production", **{"Tenant.Name": RINGS, "Train.OnFailure": "RollBack"})
    assert run.exit_code != 0
    made = new_deployments(sim, suite, before)
    changed = [k for k in made if k != ("Web API", "Initech")]
    assert sorted(changed) == sorted([("Database", "Acme"), ("Web API", "Acme"),
                                      ("Database", "Globex"), ("Database", "Initech"),
                                      ("Web API", "Globex")])
    backs = []
    for key in changed:
        forward, back = sorted(made[key], key=lambda d: d.id)
        assert sim.world.get(back.release_id).version == "2021.1.0.1", key
        assert sim.world.task_of(back).state == "Success"
        backs.append((back.id, forward.id, key))
    firsts = [f for _b, f, _k in sorted(backs)]
    assert firsts == sorted(firsts, reverse=True)           # the last changed is put back first
    assert run.outputs["TrainOutcome"] == "RolledBack"
    assert set(json.loads(run.outputs["TrainManifest"]).values()) == {"2021.1.0.1"}


def test_a_rerun_deploys_only_what_is_missing(step, sim, suite, tenants):
    fail_for(sim, suite, tenants, "Database", "Globex")
    before = existing(sim)
    assert step(TRAIN, "Production", **{"Tenant.Name": RINGS}).exit_code != 0
    first = {k: len(v) for k, v in new_deployments(sim, suite, before).items()}
    sim.world.set_task_script(suite.projects["Database"], TaskScript(), tenant=tenants["Globex"])
    second = step(TRAIN, "Production", **{"Tenant.Name": RINGS})
    assert second.exit_code == 0, second.result_message
    made = {k: len(v) for k, v in new_deployments(sim, suite, before).items()}
    assert made == {k: 2 if k == ("Database", "Globex") else 1 for k in made} and len(made) == 10
    assert first[("Database", "Acme")] == 1
    children = each_child(second.outputs)
    assert children["Database/Acme"]["ChildOutcome"] == "AlreadyDeployed"
    assert children["Web API/Hooli"]["ChildOutcome"] == "Deployed"


def test_what_if_shows_every_child_and_tenant_and_deploys_nothing(step, sim, suite, tenants):
    before = existing(sim)
    run = step(TRAIN, "Production", **{"Tenant.Name": RINGS, "WhatIf.Value": "Yes",
                                       "Rings.PauseMinutes": "60"})
    assert run.exit_code == 0, run.result_message
    assert new_deployments(sim, suite, before) == {}
    assert run.outputs["TrainOutcome"] == "WhatIf"
    assert len(run.outputs["TrainPlan"].splitlines()) == 2 + 10
    assert {c["ChildOutcome"] for c in each_child(run.outputs).values()} == {"WhatIf"}
    assert "Ring pause" not in run.text()


def test_a_mixed_train_deploys_an_untenanted_child_once_with_the_first_ring(
        step, sim, suite, tenants):
    before = existing(sim)
    run = step(TRAIN + ", Web UI", "Production", **{"Tenant.Name": RINGS})
    assert run.exit_code == 0, run.result_message
    made = new_deployments(sim, suite, before)
    assert made[("Web UI", "")] and len(made[("Web UI", "")]) == 1
    assert len(made) == 11
    web_ui = sim.world.task_of(made[("Web UI", "")][0])
    assert web_ui.completed_time <= sim.world.task_of(made[("Database", "Globex")][0]).start_time
    assert each_child(run.outputs)["Web UI"]["ChildOutcome"] == "Deployed"
    assert "| Web UI | (untenanted) | 1 | 2 |" in run.outputs["TrainPlan"]


def test_the_ring_pause_soaks_after_a_ring_on_the_simulated_clock(step, sim, suite, tenants):
    before = existing(sim)
    run = step("Database", "Production", **{"Tenant.Name": "Acme\nGlobex",
                                           "Rings.PauseMinutes": "30"})
    assert run.exit_code == 0, run.result_message
    made = new_deployments(sim, suite, before)
    acme, globex = (sim.world.task_of(made[("Database", t)][0]) for t in ("Acme", "Globex"))
    gap = (globex.start_time - acme.completed_time).total_seconds()
    assert 30 * 60 <= gap < 30 * 60 + 60
    assert re.search(r"Ring pause: the next ring starts at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
                     run.text())


def test_no_soak_after_a_ring_in_which_a_child_failed(step, sim, suite, tenants):
    """*When a child fails* = Continue: the next ring still deploys, but without the pause that
    follows a ring that went well."""
    sim.world.set_task_script(suite.projects["Database"], TaskScript(
        run_seconds=5, outcome="Failed", error_message="Step 1 failed"), tenant=tenants["Acme"])
    before = existing(sim)
    run = step("Database", "Production", **{"Tenant.Name": "Acme\nGlobex",
                                           "Rings.PauseMinutes": "30", "Train.OnFailure": "Continue"})
    assert run.exit_code != 0
    made = new_deployments(sim, suite, before)
    acme, globex = (sim.world.task_of(made[("Database", t)][0]) for t in ("Acme", "Globex"))
    assert acme.state == "Failed" and globex.state == "Success"
    assert (globex.start_time - acme.completed_time).total_seconds() < 60
    assert "Ring pause" not in run.text()


def test_sigterm_mid_ring_cancels_what_this_run_created_once(step, sim, suite, tenants):
    for tenant in ("Globex", "Initech"):
        sim.world.set_task_script(suite.projects["Database"], TaskScript(run_seconds=600),
                                  tenant=tenants[tenant])
    before = existing(sim)
    # Globex's deployment is running; Initech's is about to be created (its look for a running one).
    hold = sim.faults.hold(methods=("GET",), path_contains="tenant={0}&states".format(
        tenants["Initech"].id), after_apply=True)
    running = step.start("Database", "Production", **{"Tenant.Name": "Globex, Initech\nAcme"})
    assert hold.wait_until_held(30), "the ring never started its second tenant"
    sent = time.monotonic()
    running.send_signal(signal.SIGTERM)
    hold.release()
    run = running.finish(timeout=60)
    assert time.monotonic() - sent < 15 and run.exit_code != 0 and run.stderr == ""
    made = new_deployments(sim, suite, before)
    assert sorted(made) == [("Database", "Globex")]
    cancels = [r.path.split("/")[-2] for r in sim.requests
               if r.method == "POST" and r.path.endswith("/cancel")]
    assert sorted(cancels) == sorted(ds[0].task_id for ds in made.values())
    children = each_child(run.outputs)
    assert children["Database/Globex"]["ChildOutcome"] == "Canceled"
    assert "Database/Acme" not in children or children["Database/Acme"]["ChildDeploymentId"] == ""
    assert run.outputs["TrainOutcome"] == "Failed"


@pytest.mark.parametrize("rings, expected", [
    ("Acme\nAcmee", 'names tenant "Acmee", which was not found'),
    ("tag: Release Ring/Gamma", 'tag set "Release Ring" has no tag "Gamma" (its tags: '),
    ("Acme\ntag: Rings/Beta", 'tag set "Rings" does not exist (tag sets: Release Ring)'),
    ("tag: Release Ring", 'write tags as "tag: Tag set/Tag"'),
    ("Acme\n*\nGlobex", 'no line may follow "*" (got "Globex")'),
    ("Acme\nLonely", 'tenant "Lonely" is not connected to Database in Production'),
])
def test_bad_rings_fail_clearly_before_anything_deploys(step, sim, suite, tenants, rings,
                                                        expected):
    sim.world.add_tenant("Lonely", projects={})
    before = existing(sim)
    run = step(TRAIN, "Production", **{"Tenant.Name": rings})
    assert run.exit_code != 0 and run.stderr == ""
    assert expected in run.result_message
    assert '"Tenant Name"' in run.result_message
    assert new_deployments(sim, suite, before) == {}


def test_every_missing_name_of_a_ring_run_is_reported_at_once(step, sim, suite, tenants):
    """Two mistyped projects, an unknown tenant and an unknown destination: four problems in
    one failure, nothing deployed (a missing project no longer hides the rest)."""
    before = existing(sim)
    run = step("Databse\nWeb APl", "Production", **{
        "Tenant.Name": "Acme\nNoSuchTenant", "Destination.EnvironmentName": "Prodution"})
    assert run.exit_code != 0 and run.stderr == ""
    for name in ('"Databse"', '"Web APl"', '"NoSuchTenant"', '"Prodution"'):
        assert name in run.result_message, name
    assert run.outputs["TrainOutcome"] == "Failed"
    assert new_deployments(sim, suite, before) == {}


def test_a_missing_project_group_in_a_ring_run_is_a_problem_of_the_plan(step, sim, suite, tenants):
    """As in a train of waves: the other children are planned and shown; with a bad ring too,
    both are named at once."""
    before = existing(sim)
    run = step("Database\ngroup: Nowhere", "Production", **{"Tenant.Name": "Acme\nGlobex"})
    assert run.exit_code != 0 and '"Nowhere"' in run.result_message
    assert "| Database | Acme |" in run.outputs["TrainPlan"]
    both = step("Database\ngroup: Nowhere", "Production", **{"Tenant.Name": "Acme\nNoSuchTenant"})
    assert '"Nowhere"' in both.result_message and '"NoSuchTenant"' in both.result_message
    assert new_deployments(sim, suite, before) == {}


def test_one_line_with_one_tenant_is_todays_single_child_step(step, sim, suite, tenants):
    run = step("Database", "Production", **{"Tenant.Name": "Acme"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed" and "TrainOutcome" not in run.outputs


def test_planning_shares_what_tenants_have_in_common(tmp_path):
    """Cost: at most 13 + 3·N + 2·N·T requests for N children and T tenants; each release's
    templates are read once whatever the number of tenants, each tenant costs its preview."""
    from child_deploy_bench_train import arrange_rings, rings_budget
    from e2e_steps import BODY
    from harness import run_body
    from octopus_sim import ManualClock, Simulator
    with Simulator(clock=ManualClock()) as sim:
        variables = dict(arrange_rings(sim, 4, 6), **{"ChildProject.WhatIf.Value": "Yes"})
        sim.reset_requests()
        run = run_body(BODY, variables, str(tmp_path / "plan"), clock_url=sim.url)
        counts = sim.request_counts()
    assert run.exit_code == 0, run.result_message
    assert run.outputs["TrainOutcome"] == "WhatIf"
    assert sum(counts.values()) <= rings_budget(4, 6)
    assert counts["POST /api/{space}/releases/{id}/deployments/previews"] == 4 * 6
    assert counts["GET /api/{space}/releases/{id}/deployments/template"] == 4
    assert counts["GET /api/{space}/tenants/all"] == 1
    assert counts.get("GET /api/{space}/tenants", 0) == 0      # no lookup by name per tenant


def test_each_tenants_manual_intervention_is_approved_with_the_parents_sign_off(step, sim, suite,
                                                                              tenants):
    """Auto-approval per (child, tenant): Bob's approval of the parent in Prod Approval answers
    the intervention of every tenant's deployment, each once."""
    sim.world.set_task_script(suite.projects["Database"], TaskScript(run_seconds=20, interruptions=[
        InterruptionPlan("ManualIntervention", at_seconds=2,
                         responsible_team_ids=[suite.approvers.id], title="Approve Database")]))
    before = existing(sim)
    run = step("Database", "Production", **{"Tenant.Name": "Acme\nGlobex",
                                            "ManualIntervention.EnvironmentToUse": "Prod Approval"})
    assert run.exit_code == 0, run.result_message
    made = new_deployments(sim, suite, before)
    assert sorted(made) == [("Database", "Acme"), ("Database", "Globex")]
    for (_child, tenant), [deployment] in made.items():
        [interruption] = sim.world.interruptions_regarding(deployment.task_id)
        assert interruption.values["Result"] == "Proceed", tenant
        assert "bob.approver" in interruption.values["Notes"]
    assert run.text().count('Approved "Approve Database" of the child deployment') == 2


def test_a_large_rings_history_is_read_in_batches_of_ids_octopus_accepts(tmp_path):
    """10 children x 30 tenants: 600 deployments of recent history, whose tasks in one address
    would make a request line over Kestrel's 8 KB (Octopus answers 414 and the plan fails). The
    ids go 100 at a time, and the run is planned."""
    from child_deploy_bench_train import arrange_rings
    from e2e_steps import BODY
    from harness import run_body
    from octopus_sim import ManualClock, Simulator
    with Simulator(clock=ManualClock()) as sim:
        variables = dict(arrange_rings(sim, 10, 30), **{"ChildProject.WhatIf.Value": "Yes"})
        sim.reset_requests()
        run = run_body(BODY, variables, str(tmp_path / "plan"), clock_url=sim.url)
        by_ids = [r for r in sim.requests if r.path.endswith(("/tasks", "/releases"))
                  and "ids" in r.query]
        refused = [r for r in sim.requests if r.status == 414]
    assert run.exit_code == 0, run.result_message
    assert run.outputs["TrainOutcome"] == "WhatIf" and refused == []
    batches = [len(str(r.query["ids"]).split(",")) for r in by_ids if r.path.endswith("/tasks")]
    assert sum(batches) >= 600 and max(batches) == 100
