"""Where the rewrite and v29 part ways (README: Differences from the PowerShell template), end to end on the built body.

Items 1-4 are behaviour made to match v29; the tests under "Differences" pin, one each, the
entries of the README's "Differences from the PowerShell template (v29)" list, so a user switching
can predict every one of them.
"""

from datetime import timedelta

import pytest

from e2e_steps import created_deployments
from octopus_sim import Approval, InterruptionPlan, TaskScript
from octopus_sim.model import BuildInformation, Commit, PromptedVariable

NO_RELEASE = "No release was found in Test matching 2021.9.* that can be deployed to Staging."


def billing_with_tenants(sim, suite):
    """'Billing' deploys only per tenant; Acme is connected to Test and Staging, Initech to nothing."""
    world, envs = sim.world, suite.environments
    project = world.add_project("Billing", suite.lifecycle, tenanted="Tenanted")
    suite.projects["Billing"] = project
    world.add_tenant("Acme", projects={project: [envs["Test"], envs["Staging"]]})
    world.add_tenant("Initech", projects={})
    return project


def add_release(sim, suite, project, version, environments, notes="", build_information=()):
    """A release of `project` that succeeded in `environments` an hour ago."""
    world = sim.world
    release = world.add_release(suite.projects[project], version, notes=notes,
                                build_information=list(build_information),
                                created=sim.clock.now() - timedelta(hours=2))
    for environment in environments:
        world.add_deployment(release, suite.environments[environment],
                             created=sim.clock.now() - timedelta(hours=1), duration_seconds=30)
    return release


# -- a cleared Tenant Name: untenanted ------------------------------------------------------------
@pytest.mark.parametrize("given, tenant", [({"Tenant.Name": ""}, None), ({}, "Acme")],
                         ids=["cleared: untenanted", "left alone: the parent's tenant"])
def test_a_cleared_tenant_name_deploys_untenanted_as_v29_did(step, sim, suite, given, tenant):
    """Octopus passes a parameter cleared in the step as blank (and one left alone as its
    default, the parent's tenant): blank means no tenant, whatever the parent deploys for."""
    world, envs = sim.world, suite.environments
    web_api = suite.projects["Web API"]
    world.get(web_api.id).tenanted_mode = "TenantedOrUntenanted"
    acme = world.add_tenant("Acme", projects={suite.parent: [envs["Staging"]],
                                              web_api: [envs["Test"], envs["Staging"]]})
    world.add_deployment(suite.releases[("Web API", "2021.1.1.2")], envs["Test"], tenant=acme,
                         created=sim.clock.now() - timedelta(hours=1))
    run = step("Web API", "Staging", parent_tenant=acme, **given)
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Staging")
    assert deployment.tenant_id == (tenant and acme.id)


# -- item 1: every name is looked up before any decision is published --------------------------
PATHS = {
    "no release qualifies": ("Web API", {"Release.Number": "2021.9.*"}),
    "tenant not connected": ("Billing", {"Tenant.Name": "Initech"}),
    "what if, no release": ("Web API", {"Release.Number": "2021.9.*", "WhatIf.Value": "Yes"}),
    "source is destination": ("Web API", {"SourceEnvironment.Name": "Staging"}),
}
TYPOS = {
    "target": ({"Target.MachineNames": "s-web-api-99"}, "Specific Deployment Target"),
    "target id": ({"Target.MachineNames": "Machines-999"}, "Specific Deployment Target"),
    "approval environment": ({"ManualIntervention.EnvironmentToUse": "Prod Aproval"},
                             "Approval Environment"),
    "approval tenant": ({"ManualIntervention.Tenant.Name": "Acmee"}, "Approval Tenant"),
    "channel": ({"Channel.Name": "Hotfx"}, "Child Project Channel"),
}


@pytest.mark.parametrize("path, typo", [
    ("no release qualifies", "target"), ("no release qualifies", "approval environment"),
    ("tenant not connected", "target"), ("tenant not connected", "approval tenant"),
    ("tenant not connected", "channel"), ("what if, no release", "target id"),
    ("what if, no release", "approval tenant"), ("source is destination", "target"),
    ("source is destination", "channel")])
def test_a_misspelt_name_fails_the_step_whatever_the_decision_would_be(step, sim, suite, path, typo):
    billing_with_tenants(sim, suite)
    project, params = PATHS[path]
    typo_params, label = TYPOS[typo]
    run = step(project, "Staging", **dict(params, **typo_params))
    assert run.exit_code != 0
    assert label in run.result_message
    assert run.outputs["ChildOutcome"] == "Error"        # no NoRelease / TenantNotAssigned / ...
    assert "nothing to deploy" not in run.text() and "No release was found" not in run.text()
    assert "Promote needs a source environment" not in run.text()
    assert created_deployments(sim, suite, project, "Staging") == []
    assert run.stderr == ""


def test_the_issue_example_target_typo_with_no_release_fails(step, sim, suite):
    run = step("Web API", "Staging", **{"Target.MachineNames": "s-web-api-99",
                                       "Release.Number": "2021.9.*", "Release.NotFoundError": "Skip"})
    assert run.exit_code != 0
    assert "s-web-api-99" in run.result_message


# -- item 2: prompted variable lines are trimmed, name and value ---------------------------------
def test_prompted_variable_name_and_value_are_trimmed(step, sim, suite):
    run = step("Web UI", "Staging", **{"DeploymentMode.Value": "Redeploy",
                                      "Prompted.Variables": "  WebUI.BannerText ::  Back at six \t\r\n"})
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web UI", "Staging")
    assert list(deployment.form_values.values()) == ["Back at six"]


# -- item 3: release-number patterns mean what PowerShell -like means ----------------------------
@pytest.mark.parametrize("pattern", ["2021.1.1.?", "2021.1.[0-1].[2-9]"])
def test_question_mark_and_character_ranges_are_wildcards(step, sim, suite, pattern):
    run = step("Web API", "Staging", **{"Release.Number": pattern})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"


def test_question_mark_is_exactly_one_character(step, sim, suite):
    add_release(sim, suite, "Web API", "2021.1.1.23", ["Development", "Test"])
    run = step("Web API", "Staging", **{"Release.Number": "2021.1.1.?"})
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"      # not the newer 2021.1.1.23


def test_patterns_ignore_case(step, sim, suite):
    add_release(sim, suite, "Web API", "2021.1.1.3-Hotfix", ["Development", "Test"])
    run = step("Web API", "Staging", **{"Release.Number": "*-HOTFIX"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.3-Hotfix"


def test_a_pattern_like_would_refuse_fails_naming_the_parameter(step, sim, suite):
    run = step("Web API", "Staging", **{"Release.Number": "2021.[1.*"})
    assert run.exit_code != 0
    assert "Child Project Release Number" in run.result_message and "]" in run.result_message
    assert created_deployments(sim, suite, "Web API", "Staging") == []


# -- item 4: "When no release qualifies" Warning highlights and stays green; Skip informs -------
@pytest.mark.parametrize("handling, level", [("Warning", "highlight"), ("Skip", "info")])
def test_no_release_is_never_a_warning_line(step, sim, suite, handling, level):
    run = step("Web API", "Staging", **{"Release.Number": "2021.9.*",
                                       "Release.NotFoundError": handling})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "NoRelease"
    assert NO_RELEASE in run.text(level)
    assert run.text("warning") == ""        # a warning line makes the task "success with warnings"
    other = {"highlight": "info", "info": "highlight"}[level]
    assert NO_RELEASE not in run.text(other)


# -- Differences, kept and documented (README "Differences from the PowerShell template") ------
def test_difference_redeploy_with_nothing_ever_deployed_is_no_release(step, sim, suite):
    """v29 would fall back to the channel's newest release; Redeploy means what the destination had."""
    run = step("Web API", "Prod Approval", **{"DeploymentMode.Value": "Redeploy"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "NoRelease"
    assert created_deployments(sim, suite, "Web API", "Prod Approval") == []


def test_difference_promote_from_a_source_that_never_had_a_deployment_is_no_release(step, sim, suite):
    run = step("Web API", "Production", **{"SourceEnvironment.Name": "Prod Approval"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "NoRelease"
    assert created_deployments(sim, suite, "Web API", "Production") == []


def test_difference_a_tenanted_child_without_a_tenant_fails_under_what_if(step, sim, suite):
    billing_with_tenants(sim, suite)
    run = step("Billing", "Staging", **{"WhatIf.Value": "Yes"})
    assert run.exit_code != 0
    assert "Tenant Name" in run.result_message


def require_banner_text(sim, suite):
    sim.world.get(suite.projects["Web UI"].id).prompted_variables[:] = [
        PromptedVariable("WebUI.BannerText", "Banner text", required=True)]


@pytest.mark.parametrize("given", ["", "WebUI.BannerText::   "])
def test_difference_a_blank_required_prompted_variable_fails_under_what_if(step, sim, suite, given):
    """v29 sent no values at all when the parameter was blank, and its What If succeeded."""
    require_banner_text(sim, suite)
    run = step("Web UI", "Staging", **{"DeploymentMode.Value": "Redeploy", "WhatIf.Value": "Yes",
                                      "Prompted.Variables": given})
    assert run.exit_code != 0
    assert "WebUI.BannerText" in run.result_message


def test_difference_a_missing_required_prompted_variable_with_the_child_current_is_already_deployed(
        step, sim, suite):
    """Web UI 2021.1.1.2 failed in Test, so Test's last success is what Staging runs already."""
    require_banner_text(sim, suite)
    run = step("Web UI", "Staging")
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "AlreadyDeployed"


def test_difference_an_unknown_machine_id_fails_even_when_mismatches_are_ignored(step, sim, suite):
    run = step("Web API", "Staging", **{"Target.MachineNames": "Machines-999",
                                       "Deployment.IgnoreSpecificMachineMismatch": "Yes"})
    assert run.exit_code != 0
    assert "Machines-999" in run.result_message
    assert created_deployments(sim, suite, "Web API", "Staging") == []


def test_difference_approval_tenant_reads_that_tenants_approvals(step, sim, suite):
    """The parent deploys for Acme; Approval Tenant = Globex: Globex's sign-off is carried over."""
    world, envs = sim.world, suite.environments
    web_api = suite.projects["Web API"]
    world.get(web_api.id).tenanted_mode = "TenantedOrUntenanted"
    acme = world.add_tenant("Acme", projects={suite.parent: [envs["Prod Approval"], envs["Production"]],
                                              web_api: [envs["Production"]]})
    globex_tenant = world.add_tenant("Globex", projects={suite.parent: [envs["Prod Approval"]]})
    globex = world.add_deployment(
        suite.parent_release, envs["Prod Approval"], tenant=globex_tenant,
        created=sim.clock.now() - timedelta(hours=1), approvals=[
            Approval(suite.approver, "Proceed", team_ids=[suite.approvers.id])])
    world.set_task_script(web_api, TaskScript(run_seconds=20, interruptions=[InterruptionPlan(
        "ManualIntervention", at_seconds=2, responsible_team_ids=[suite.approvers.id],
        title="Approve Web API")]))
    run = step("Web API", "Production", parent_tenant=acme, **{
        "ManualIntervention.EnvironmentToUse": "Prod Approval", "Tenant.Name": "Acme",
        "ManualIntervention.Tenant.Name": "Globex"})
    assert run.exit_code == 0, run.result_message
    [deployment] = created_deployments(sim, suite, "Web API", "Production")
    [interruption] = world.interruptions_regarding(deployment.task_id)
    assert interruption.values["Result"] == "Proceed"
    assert "for tenant Globex" in interruption.values["Notes"]
    assert "/tasks/" + globex.task_id in interruption.values["Notes"]


def test_difference_always_latest_with_a_middle_star_works(step, sim, suite):
    """v29 sent searchByVersion=2021..2, which no version includes; the literal stretch works."""
    sim.reset_requests()
    run = step("Web API", "Staging", **{"DeploymentMode.Value": "AlwaysLatest",
                                       "Release.Number": "2021.*.2"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ReleaseToPromote"] == "2021.1.1.2"
    searches = [{k.lower(): v for k, v in r.query.items()}.get("searchbyversion")
                for r in sim.requests if r.path.endswith("/releases") and "channels" in r.path]
    assert searches and set(searches) == {"2021."}


def test_difference_release_notes_one_line_per_commit_trimmed_no_leading_newline(step, sim, suite):
    commit = Commit("c0ffee1", "Fix the login page\n\nThe long story of the fix.",
                    "https://github.com/example/web-api/commit/c0ffee1")
    add_release(sim, suite, "Web API", "2021.1.1.3", ["Development", "Test"], build_information=[
        BuildInformation("WebAPI", "2021.1.1.3", [], [commit], build_number="2021.1.1.3")])
    add_release(sim, suite, "Database", "2021.1.1.5", ["Development", "Test"],
                notes="\n\n   Adds the orders index.  \n\n")
    web_api = step("Web API", "Staging", **{"WhatIf.Value": "Yes"})
    database = step("Database", "Staging", **{"WhatIf.Value": "Yes"})
    notes = web_api.outputs["ReleaseNotes"]
    assert not notes.startswith("\n") and notes.startswith("**Release Information**")
    assert "  - [c0ffee1](https://github.com/example/web-api/commit/c0ffee1) - Fix the login page" \
        in notes.split("\n")
    assert "The long story" not in notes
    lines = database.outputs["ReleaseNotes"].split("\n")
    assert lines[:3] == ["**Release Information**", "", "Adds the orders index."]
