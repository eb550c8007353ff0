"""Every parameter, given bad values, through the built body against the sample suite.

Each case is refused with a message naming the parameter's label (from parameters.py) and no
deployment created, or is accepted with the behaviour the parameter's help documents (blank
means the default, case does not matter for names and options, Yes/No also take True/False).
Values that are wrong in form are refused before the step talks to Octopus at all.

The cases run a few at a time up front (see `results`); each test then checks its own.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import NamedTuple

import pytest

from child_deploy.shell.parameters import parameter
from e2e_steps import SIM_KEY, StepRunner, created_deployments
from octopus_sim import ManualClock, Simulator, load_sample_suite

PROJECTS = ("Database", "Scheduling Service", "Web API", "Web UI")
STARTED_OUTCOMES = ("Deployed", "Scheduled", "Started")
URL_SPECIAL = "Web API & Co #1 100% ünï"
WORKERS = min(8, 2 * (os.cpu_count() or 1))


class Refused(NamedTuple):
    """The step fails; its message names `label` and contains `says`."""

    says: str = ""
    before_any_request: bool = False     # wrong in form: Octopus is never asked


class Accepted(NamedTuple):
    """The value is legitimate (documented); the run ends with `outcome`, its log contains `says`."""

    outcome: str = "Deployed"
    says: str = ""


FORM = Refused(before_any_request=True)
UNKNOWN = Refused("was not found")


def label(name):
    return parameter("ChildProject." + name).label


def case(name, value, expect, note="", marks=()):
    return pytest.param(name, value, expect, id="{0}={1!r}{2}".format(name, value, note),
                        marks=marks)


YES_NO = ("RefreshVariableSnapShots.Option", "Deployment.IgnoreSpecificMachineMismatch",
          "ReleaseNotes.SaveAsArtifact", "WhatIf.Value", "WaitForFinish.Value",
          "EnableEnhancedLogging.Value", "ManualInterventions.UseApprovalsFromParent",
          "CancelDeployment.OnTimeout", "Deployment.ForcePackageDownload")

CASES = [
    # Octopus Base Url: blank falls back to this server's address (Octopus.Web.ServerUri).
    case("Web.ServerUrl", "", Accepted()),
    case("Web.ServerUrl", "   ", Accepted()),
    case("Web.ServerUrl", "HTTP://127.0.0.1:{port}", Accepted(), " scheme case"),
    case("Web.ServerUrl", "ftp://octopus.example.com", FORM),
    case("Web.ServerUrl", "octopus.example.com", FORM),
    case("Web.ServerUrl", "{url}/?apikey=x", FORM),
    case("Web.ServerUrl", "{url}/#/app", FORM),
    case("Web.ServerUrl", "http://127.0.0.1:1", Refused("Could not reach Octopus")),
    case("Web.ServerUrl", "{url}/no-octopus-here", Refused("404")),
    # Octopus API Key
    case("Api.Key", "", Refused("is required", True)),
    case("Api.Key", " \t", Refused("is required", True)),
    case("Api.Key", "API-ABC DEF", Refused("spaces", True)),
    case("Api.Key", "api-simulatorkey0000000000000000", Refused("401"), " wrong case"),
    case("Api.Key", "API-NOSUCHKEY", Refused("401")),
    # Child Project Space: blank is the parent's space; names ignore case.
    case("Space.Name", " ", Accepted()),
    case("Space.Name", "DEFAULT", Accepted()),
    case("Space.Name", "Nowhere", UNKNOWN),
    case("Space.Name", URL_SPECIAL, UNKNOWN),
    # Child Project Name
    case("Project.Name", "", Refused("is required", True)),
    case("Project.Name", "   ", Refused("is required", True)),
    case("Project.Name", "#" + "{Unresolved.Variable}", Refused("could not resolve", True)),
    case("Project.Name", "web api", Accepted(), " case"),
    case("Project.Name", "Nope", UNKNOWN),
    case("Project.Name", "Web", Refused("was not found"), " partial"),
    case("Project.Name", URL_SPECIAL, UNKNOWN),
    # Child Project Release Number: blank = newest; a version or pattern matching nothing is
    # "no release" (Warning by default); characters are sent encoded, never as query syntax.
    case("Release.Number", "  ", Accepted()),
    case("Release.Number", "2021 .1.*", FORM),
    case("Release.Number", "9.9.9", Accepted("NoRelease", "matching 9.9.9")),
    case("Release.Number", "2021.1.1.2#", Accepted("NoRelease")),
    case("Release.Number", "2021.1.*&take=1", Accepted("NoRelease")),
    case("Release.Number", "100%", Accepted("NoRelease")),
    # When no release qualifies
    case("Release.NotFoundError", "error", Accepted(), " case"),
    case("Release.NotFoundError", "Fatal", Refused("Error, Warning, Skip", True)),
    case("Release.NotFoundError", "-1", Refused("Error, Warning, Skip", True)),
    # Destination Environment Name: blank is the parent's environment.
    case("Destination.EnvironmentName", "  ", Accepted()),
    case("Destination.EnvironmentName", "STAGING", Accepted()),
    case("Destination.EnvironmentName", "Nowhere", UNKNOWN),
    case("Destination.EnvironmentName", URL_SPECIAL, UNKNOWN),
    # Source Environment Name
    case("SourceEnvironment.Name", " ", Accepted()),
    case("SourceEnvironment.Name", "test", Accepted()),
    case("SourceEnvironment.Name", "Nowhere", UNKNOWN),
    case("SourceEnvironment.Name", URL_SPECIAL, UNKNOWN),
    case("SourceEnvironment.Name", "Staging", Accepted("SourceIsDestination"), " = destination"),
    # Child Project Channel
    case("Channel.Name", " ", Accepted()),
    case("Channel.Name", "default", Accepted()),
    case("Channel.Name", "Nope", UNKNOWN),
    case("Channel.Name", URL_SPECIAL, UNKNOWN),
    # Tenant Name
    case("Tenant.Name", " ", Accepted()),
    case("Tenant.Name", "Nope", UNKNOWN),
    case("Tenant.Name", URL_SPECIAL, UNKNOWN),
    # Child Project Prompted Variables: Name::Value per line, split on the first `::`.
    case("Prompted.Variables", "No separator", FORM),
    case("Prompted.Variables", "::value", FORM),
    case("Prompted.Variables", "Name:value", FORM),
    case("Prompted.Variables", "A::1\na::2", Refused("twice", True)),
    case("Prompted.Variables", " \n \n", Accepted()),
    case("Prompted.Variables", "Unknown::x", Accepted("Deployed", "does not prompt")),
    # Deployment Mode
    case("DeploymentMode.Value", "promote", Accepted(), " case"),
    case("DeploymentMode.Value", "Latest", Refused("Promote, Redeploy, AlwaysLatest", True)),
    case("DeploymentMode.Value", "Promote,Redeploy", FORM),
    # Specific Deployment Target: names or Machines- ids, comma or line separated; N/A = unused.
    case("Target.MachineNames", "n/a", Accepted()),
    case("Target.MachineNames", ",, ,", Accepted()),
    case("Target.MachineNames", "S-WEB-API-01", Accepted(), " case"),
    case("Target.MachineNames", "s-web-api-01,,\n s-web-api-02", Accepted()),
    case("Target.MachineNames", "s-web-ui-01", Accepted("MachineMismatch"), " not the child's"),
    case("Target.MachineNames", "Machines-x", FORM),
    case("Target.MachineNames", "s-web-api-01;s-web-api-02", UNKNOWN, " semicolons"),
    case("Target.MachineNames", "s-nope-01", UNKNOWN),
    case("Target.MachineNames", URL_SPECIAL, UNKNOWN),
    case("Target.MachineNames", "Machines-999", UNKNOWN, " unknown id"),
    # Wait for Deployment (seconds)
    case("CancelDeployment.Seconds", " ", Accepted()),
    case("CancelDeployment.Seconds", "-5", FORM),
    case("CancelDeployment.Seconds", "0", FORM),
    case("CancelDeployment.Seconds", "1.5", FORM),
    case("CancelDeployment.Seconds", "1e3", FORM),
    case("CancelDeployment.Seconds", "99999999999999999999", FORM),
    case("CancelDeployment.Seconds", "thirty", FORM),
    # Scheduling: blank / N/A = now; past, unreadable, unknown zone or absurd dates refused.
    case("Deployment.FutureTime", "n/a", Accepted()),
    case("Deployment.FutureTime", "2026-11-21T10:00:00+00:00", Accepted("Scheduled")),
    case("Deployment.FutureTime", "garbage", Refused("could not be read", True)),
    case("Deployment.FutureTime", "25:99", Refused("could not be read", True)),
    case("Deployment.FutureTime", "2020-01-01 10:00", Refused("in the past", True)),
    case("Deployment.FutureTime", "2026-11-21 10:00 Mars/Olympus", Refused("time zone", True)),
    case("Deployment.FutureTime", "9999-12-31 23:59", Refused("too far", True)),
    # Scheduling expiry (minutes)
    case("Deployment.FutureTimeExpiry.Minutes", "-1", FORM),
    case("Deployment.FutureTimeExpiry.Minutes", "0", FORM),
    case("Deployment.FutureTimeExpiry.Minutes", "1e9", FORM),
    case("Deployment.FutureTimeExpiry.Minutes", "99999999", FORM),
    # Approval Environment / Approval Tenant
    case("ManualIntervention.EnvironmentToUse", "Nope", UNKNOWN),
    case("ManualIntervention.Tenant.Name", "Nope", UNKNOWN),
    # Steps to skip
    case("Deployment.SkipSteps", "deploy web api", Accepted(), " case"),
    case("Deployment.SkipSteps", ", ,", Accepted()),
    case("Deployment.SkipSteps", "No such step", Refused("not a step")),
    case("Deployment.SkipSteps", URL_SPECIAL, Refused("not a step")),
    # Trusted CA certificate (PEM)
    case("Tls.TrustedCertificate", "not a certificate", FORM),
    case("Tls.TrustedCertificate", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
         FORM),
    case("Tls.TrustedCertificate", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
         "-----END CERTIFICATE-----", FORM),
]
# Yes/No parameters: any case, True/False too; anything else is refused before any request.
CASES += [case(name, "maybe", Refused("Yes or No", True)) for name in YES_NO]
CASES += [case(name, "1", Refused("Yes or No", True)) for name in YES_NO[:1]]
CASES += [
    case("WhatIf.Value", "YES", Accepted("WhatIf")),
    case("WhatIf.Value", "true", Accepted("WhatIf")),
    case("WaitForFinish.Value", "no", Accepted("Started")),
    case("WaitForFinish.Value", "", Accepted()),
    case("ReleaseNotes.SaveAsArtifact", "False", Accepted()),
]


def posted_deployments(requests):
    return [r for r in requests
            if r.method == "POST" and r.path.lower().rstrip("/").endswith("/deployments")]


def all_created(sim, suite):
    return [d for project in PROJECTS for environment in suite.environments
            for d in created_deployments(sim, suite, project, environment)]


class CaseResult(NamedTuple):
    run: object
    requests: list
    created: list


def run_case(name, value, folder):
    """One run of the standard promotion with `name` set to `value`, on its own simulator."""
    with Simulator(api_key=SIM_KEY, clock=ManualClock()) as sim:
        suite = load_sample_suite(sim)
        value = value.replace("{url}", sim.url).replace("{port}", str(sim.port))
        run = StepRunner(sim, suite, folder)("Web API", "Staging", **{name: value})
        return CaseResult(run, list(sim.requests), all_created(sim, suite))


@pytest.fixture(scope="module")
def results(request, tmp_path_factory):
    """Every selected case, run up front a few at a time: each run is a subprocess that mostly
    waits for Python to start, so running them side by side saves most of the wall time. (The
    suite spreads whole files over pytest-xdist's workers, so this runs once.)"""
    wanted = [item.callspec.params for item in request.session.items
              if item.module is request.module and item.originalname == "test_bad_value"]
    keys = [(params["name"], params["value"]) for params in wanted]
    folders = [tmp_path_factory.mktemp("case") for _ in keys]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        done = pool.map(lambda key, folder: run_case(key[0], key[1], folder), keys, folders)
        return dict(zip(keys, done))


@pytest.mark.parametrize("name, value, expect", CASES)
def test_bad_value(results, no_key_leaks, name, value, expect):
    result = results[(name, value)]
    run = result.run
    no_key_leaks.append(SimpleNamespace(runs=[run]))
    assert run.stderr == ""
    if isinstance(expect, Refused):
        assert run.exit_code != 0, run.outputs
        assert '"{0}"'.format(label(name)) in run.result_message, run.result_message
        assert expect.says in run.result_message
        assert "unexpected error" not in run.result_message
        assert result.created == [] and posted_deployments(result.requests) == []
        if expect.before_any_request:
            assert result.requests == [], "a value wrong in form must be refused before any request"
    else:
        assert run.exit_code == 0, run.result_message
        assert run.outputs["ChildOutcome"] == expect.outcome
        assert expect.says in run.text()
        assert len(result.created) == (1 if expect.outcome in STARTED_OUTCOMES else 0)


@pytest.mark.parametrize("name", ["Project.Name", "Target.MachineNames"])
def test_url_special_names_reach_octopus_intact(step, sim, name):
    """`&`, `#`, `%`, spaces and unicode are sent encoded: the server sees the exact name."""
    run = step("Web API", "Staging", **{name: URL_SPECIAL})
    assert run.exit_code != 0 and '"{0}"'.format(label(name)) in run.result_message
    assert URL_SPECIAL in [r.query.get("partialname") for r in sim.requests]
    assert all(set(r.query) <= {"partialname", "take", "skip"} for r in sim.requests
               if "partialname" in r.query)


def test_several_bad_values_are_reported_together(step, sim, suite):
    bad = {"CancelDeployment.Seconds": "-1", "WhatIf.Value": "maybe",
           "DeploymentMode.Value": "Latest", "Prompted.Variables": "no separator",
           "Target.MachineNames": "Machines-x", "Deployment.FutureTime": "garbage",
           "Api.Key": "API-WITH SPACE", "Tls.TrustedCertificate": "nope"}
    run = step("Web API", "Staging", **bad)
    assert run.exit_code != 0 and run.stderr == ""
    for name in bad:
        assert '"{0}"'.format(label(name)) in run.result_message
    problems = [line for line in run.result_message.splitlines() if line.startswith("- ")]
    assert len(problems) == len(bad)
    assert sim.requests == [] and all_created(sim, suite) == []
