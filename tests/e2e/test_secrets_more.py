"""Secrets beyond the API key (docs/design.md, the failure model, 6), end to end on the built body against octopus_sim.

A password in the Base Url (`http://user:pass@host`) is sent only as the session's credentials:
it is nowhere in what the step printed, published, saved or reported, nor in any request body the
simulator received (the approval note included). The release-notes artifact is masked like
everything else. A key pasted with an invisible or non-ASCII character is refused by name.
"""

import pytest

from e2e_steps import SIM_KEY, created_deployments, key_leaks
from octopus_sim import InterruptionPlan, TaskScript

PASSWORD = "s3cr3t-P@ss:word"
IN_URL = "s3cr3t-P%40ss%3Aword"       # as it is written inside a URL


def url_with_password(sim, password=IN_URL):
    return sim.url.replace("://", "://deployer:{0}@".format(password))


def leaks(run, sim, secret):
    """Where `secret` shows up: what key_leaks checks, plus every request body the sim received."""
    places = key_leaks(run, secret)
    bodies = [str(r.body) for r in sim.requests if r.body is not None]
    if any(secret.lower() in body.lower() for body in bodies):
        places.append("request bodies")
    return places


def test_a_base_url_password_is_never_shown_nor_sent_in_a_body(step, sim, suite):
    """A full run: enhanced logging, release-notes artifact, an auto-approved intervention."""
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(
        run_seconds=20, log_lines=["Connecting to " + url_with_password(sim)],
        interruptions=[InterruptionPlan("ManualIntervention", at_seconds=2,
                                        responsible_team_ids=[suite.approvers.id],
                                        title="Approve Web API")]))
    run = step("Web API", "Production", **{
        "Web.ServerUrl": url_with_password(sim), "ManualIntervention.EnvironmentToUse": "Prod Approval",
        "EnableEnhancedLogging.Value": "Yes", "ReleaseNotes.SaveAsArtifact": "Yes"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed" and run.artifacts
    assert run.outputs["ChildDeploymentUrl"].startswith(sim.url + "/app#/")
    [deployment] = created_deployments(sim, suite, "Web API", "Production")
    [interruption] = sim.world.interruptions_regarding(deployment.task_id)
    assert interruption.values["Result"] == "Proceed"
    assert sim.url + "/app#/" in interruption.values["Notes"]
    assert "deployer:********@" in run.text()           # the child's own line, masked
    for secret in (PASSWORD, IN_URL):
        assert leaks(run, sim, secret) == [], secret


def test_a_password_in_a_malformed_base_url_is_not_echoed(step, sim, suite):
    run = step("Web API", "Staging", **{"Web.ServerUrl": url_with_password(sim) + ":99999x"})
    assert run.exit_code != 0 and run.stderr == ""
    assert '"Octopus Base Url"' in run.result_message and "deployer:********@" in run.result_message
    assert leaks(run, sim, IN_URL) == [] and sim.requests == []


def test_the_release_notes_artifact_is_masked(step, sim, suite):
    """Notes quoting the key and the Base Url password: masked in the file as in the output."""
    for (project, _version), release in suite.releases.items():
        if project == "Database":
            release.notes = "Use key {0} with {1} ({2}).".format(SIM_KEY, PASSWORD, IN_URL)
    run = step("Database", "Staging", **{"Web.ServerUrl": url_with_password(sim),
                                         "ReleaseNotes.SaveAsArtifact": "Yes", "WhatIf.Value": "Yes",
                                         "DeploymentMode.Value": "Redeploy"})
    assert run.exit_code == 0, run.result_message
    assert run.artifacts, run.outputs
    [(path, _name)] = run.artifacts
    with open(path, encoding="utf-8") as handle:
        saved = handle.read()
    assert "Use key ******** with ******** (********)." in saved
    assert run.outputs["ReleaseNotes"].count("********") == 3
    for secret in (SIM_KEY, PASSWORD, IN_URL):
        assert leaks(run, sim, secret) == [], secret


@pytest.mark.parametrize("pasted", [
    "\ufeff" + SIM_KEY, SIM_KEY[:8] + "\u200b" + SIM_KEY[8:], SIM_KEY[:9] + "\u00a0" + SIM_KEY[9:],
    SIM_KEY[:4] + " " + SIM_KEY[4:], SIM_KEY[:6] + "\u00e9" + SIM_KEY[7:], SIM_KEY + "\u2060"])
def test_a_key_pasted_with_an_odd_character_is_refused_by_name(step, sim, suite, pasted):
    run = step("Web API", "Staging", **{"Api.Key": pasted})
    assert run.exit_code != 0 and run.stderr == ""
    assert '"Octopus API Key"' in run.result_message and "Paste the key again" in run.result_message
    assert "bug" not in run.result_message
    assert SIM_KEY[8:20] not in run.result_message and SIM_KEY[8:20] not in run.stdout
    assert sim.requests == [] and created_deployments(sim, suite, "Web API", "Staging") == []
