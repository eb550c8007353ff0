"""The step against a hostile server, end to end: it ends clearly, on time, within memory.

tests/hostile_server.py plays a broken Octopus (or the proxy in front of it). Each case runs
either the CLI (`python deploy_child_project.py ... --request-timeout 1`, on real time: the
deadline cases) or the built step body as Calamari runs it (tests/harness.run_body, with the
virtual clock served by the hostile server, so the retry backoff costs no real time). Every
case must fail (exit code 1, or failstep's from the body) with a message naming the URL path,
never the key, in bounded wall time; the built body must leave stderr empty.

The last tests cut answers of a faithful server (octopus_sim, in this process, on its clock)
where it hurts most, the deployment list and the create call: still one child deployment.
"""

import io
import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
import requests
from urllib3 import HTTPResponse

from child_deploy.base.terminal import RecordingHost
from child_deploy.shell.runner import run
from e2e_steps import BODY, StepRunner, created_deployments, key_leaks
from harness import ROOT, run_body
from octopus_sim import StepClock, TaskScript
from hostile_server import (HostileServer, headers_then_close, huge_body, json_answer,
                            looping_pages, page_of, redirect, short_body, silent, skip_ignored,
                            trickle)

KEY = "API-HOSTILEKEY00000000000000000"
PROJECT = {"Id": "Projects-3", "Name": "Web API", "LifecycleId": "Lifecycles-1"}
MAX_RSS_MB = 150
FAILSTEP_EXIT = 255         # Calamari's failstep() is exit(-1); the CLI exits 1


def cli_run(server, work_dir, *flags):
    """Run the CLI against `server`; (exit code, stdout, stderr, wall seconds, peak RSS in MB)."""
    command = [sys.executable, os.path.join(ROOT, "deploy_child_project.py"),
               "--server-url", server.url, "--space-name", "Default", "--project-name", "Web API",
               "--destination-environment", "Staging", "--verbose"] + list(flags)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(CHILDPROJECT_API_KEY=KEY, NO_PROXY="127.0.0.1", PYTHONDONTWRITEBYTECODE="1")
    out_path, err_path = str(work_dir / "stdout"), str(work_dir / "stderr")
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   env=env)
        _pid, status, usage = os.wait4(process.pid, 0)     # this child's own peak RSS
        process.returncode = (os.WEXITSTATUS(status) if os.WIFEXITED(status)
                              else -os.WTERMSIG(status))      # (3.8 has no waitstatus_to_...)
    seconds = time.monotonic() - started
    with open(out_path, encoding="utf-8") as out, open(err_path, encoding="utf-8") as err:
        return process.returncode, out.read(), err.read(), seconds, usage.ru_maxrss / 1024


def body_run(server, tmp_path):
    """Run the built body as Calamari would, on the virtual clock the server keeps."""
    variables = {"ChildProject.Web.ServerUrl": server.url, "ChildProject.Api.Key": KEY,
                 "ChildProject.Space.Name": "Default", "ChildProject.Project.Name": "Web API",
                 "ChildProject.Destination.EnvironmentName": "Staging"}
    started = time.monotonic()
    run = run_body(BODY, variables, str(tmp_path / "body"), clock_url=server.url, timeout=60)
    return run, time.monotonic() - started


def assert_clear_failure(code, text, path, leaks=""):
    assert code in (1, FAILSTEP_EXIT)
    assert path in text, text
    assert KEY.lower() not in (text + leaks).lower()


@pytest.mark.parametrize("behaviour", [trickle(), silent()], ids=["trickle", "silent"])
def test_a_server_that_never_finishes_answering_ends_the_cli_in_seconds(tmp_path, behaviour):
    with HostileServer() as server:
        server.on("", behaviour)
        code, out, err, seconds, _rss = cli_run(server, tmp_path, "--request-timeout", "1")
    error = out[out.find("ERROR: "):]       # the log, its ERROR line included, is stdout
    assert_clear_failure(code, error, "Gave up on GET /api/spaces?partialName=Default", out + err)
    assert "after 1 s" in error and err == ""
    assert seconds < 15
    assert len(server.requests) == 2        # a read is tried once more, then given up


def test_a_300_mb_answer_is_refused_and_memory_stays_bounded(tmp_path):
    with HostileServer() as server:
        server.on("", huge_body(300 * 2 ** 20, declare_length=False))
        code, out, err, seconds, rss = cli_run(server, tmp_path, "--request-timeout", "20")
    error = out[out.find("ERROR: "):]
    assert_clear_failure(code, error, "GET /api/spaces?partialName=Default", out + err)
    assert "larger than 50 MB" in error and err == ""
    assert rss < MAX_RSS_MB, "peak RSS {0:.0f} MB".format(rss)
    assert len(server.requests) == 1 and seconds < 15


@pytest.mark.parametrize("behaviour, problem", [
    (headers_then_close(), "its body was empty"),
    (short_body(declared=4096), "the 4096 bytes it announced"),
], ids=["cut-after-headers", "shorter-than-content-length"])
def test_a_cut_off_answer_is_lost_not_empty(tmp_path, behaviour, problem):
    """Read as `{}`, a cut-off list would look empty; it is a lost answer, asked again."""
    with HostileServer(clock=True) as server:
        server.on("", behaviour)
        run, seconds = body_run(server, tmp_path)
    assert_clear_failure(run.exit_code, run.result_message, "GET /api/spaces?partialName=Default")
    assert problem in run.result_message and "incomplete" in run.result_message
    assert run.stderr == "" and key_leaks(run, KEY) == []
    assert len(server.requests) == 10 and seconds < 15     # every try of RetryPolicy.attempts


def test_an_array_where_an_object_belongs_is_named_not_a_bug(tmp_path):
    with HostileServer(clock=True) as server:
        named_through_to_the_channel(server)
        server.on("", json_answer([{"Id": "Phases-1"}]))
        run, seconds = body_run(server, tmp_path)
    assert_clear_failure(run.exit_code, run.result_message,
                         "GET /api/Spaces-1/lifecycles/Lifecycles-1/preview with an array")
    assert "bug" not in run.result_message and run.stderr == ""
    assert key_leaks(run, KEY) == [] and seconds < 15


@pytest.mark.parametrize("location", ["http://[::1", "http://127.0.0.1:99999/api/spaces", "",
                                      "/api/sp\u00e6ces"],
                         ids=["bad-ipv6", "bad-port", "empty", "non-ascii"])
def test_a_malformed_redirect_is_refused_not_a_bug(tmp_path, location):
    with HostileServer(clock=True) as server:
        server.on("", redirect(location))
        run, _seconds = body_run(server, tmp_path)
    assert_clear_failure(run.exit_code, run.result_message,
                         "GET /api/spaces?partialName=Default&take=200 with a redirect (302)")
    assert "malformed" in run.result_message and run.stderr == ""
    assert len(server.requests) == 1


@pytest.mark.parametrize("behaviour", [looping_pages(pages=2), skip_ignored(),
                                       skip_ignored(links=True)],
                         ids=["page-next-loops-back", "skip-ignored", "skip-ignored-with-links"])
def test_paging_that_never_ends_stops_on_the_repeated_page(tmp_path, behaviour):
    with HostileServer(clock=True) as server:
        server.on("/api/spaces", json_answer(page_of([{"Id": "Spaces-1", "Name": "Default"}])))
        server.on("/api/spaces-1/projects", behaviour)
        run, seconds = body_run(server, tmp_path)
    assert run.exit_code == FAILSTEP_EXIT and run.stderr == "" and seconds < 15
    assert 'Project "Web API" was not found' in run.result_message
    assert "GET /api/Spaces-1/projects?partialName=Web+API&take=200: Octopus's paging went " \
           "round in a loop" in run.text("verbose")
    assert len([r for r in server.requests if "/projects" in r[1]]) <= 3


def named_through_to_the_channel(server):
    """Good answers for the lookups before the lifecycle: space, project, environments, channel."""
    server.on("/api/spaces", json_answer(page_of([{"Id": "Spaces-1", "Name": "Default"}])))
    server.on("/api/spaces-1/projects", json_answer(page_of([PROJECT])))
    server.on("/api/spaces-1/environments", json_answer(page_of(
        [{"Id": "Environments-{0}".format(i), "Name": name}
         for i, name in enumerate(("Test", "Staging"))])))
    server.on("/api/spaces-1/projects/projects-3/channels", json_answer(page_of(
        [{"Id": "Channels-1", "Name": "Default", "IsDefault": True, "LifecycleId": None}])))


# -- cut-off and odd answers from a faithful server, where they would deploy twice ----------------
class CutsAnswers(requests.Session):
    """Spoils the first `count` tries of `method` calls whose path matches the regex `path`.

    `how` is "empty" (the headers, then nothing: no Content-Length), "half" (half the body
    under the full Content-Length) or "array" (a whole JSON array instead of the object).
    """

    def __init__(self, method, path, how, count=1, query=""):
        super().__init__()
        self.method, self.path, self.how, self.count = method, re.compile(path), how, count
        self.query = re.compile(query)
        self.spoiled = 0

    def request(self, method, url, *args, **kwargs):
        response = super().request(method, url, *args, **kwargs)
        parts = urlsplit(url)
        if method != self.method or not self.path.search(parts.path) or \
                not self.query.search(parts.query):
            return response
        return self._spoil(response) if self.spoiled < self.count else response

    def _spoil(self, response):
        self.spoiled += 1
        body = response.content
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        if self.how == "half":
            body, headers["Content-Length"] = body[:len(body) // 2], str(len(body))
        elif self.how == "array":
            body = b"[" + body + b"]"
            headers["Content-Length"] = str(len(body))
        else:
            body = b""
        response.raw = HTTPResponse(body=io.BytesIO(body), headers=headers,
                                    status=response.status_code, preload_content=False)
        response.headers = requests.structures.CaseInsensitiveDict(headers)
        response._content, response._content_consumed = False, False
        return response


def run_with(sim, suite, tmp_path, session, **params):
    variables = StepRunner(sim, suite, tmp_path).variables("Web API", "Staging", **params)
    host = RecordingHost(variables)
    code = run(host, clock=StepClock(sim.clock), session=session)
    return code, host


def test_a_cut_off_deployment_list_never_hides_the_running_deployment(sim, suite, tmp_path):
    """Read as `{}`, the list of active deployment tasks (the never-twice check's) looked empty:
    a second child. (The decision itself no longer reads the release's deployments.)"""
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(queue_seconds=3600))
    running = sim.world.add_deployment(suite.releases[("Web API", "2021.1.1.2")],
                                       suite.environments["Staging"], state="Queued")
    session = CutsAnswers("GET", "/tasks$", "empty", count=2, query="states=")
    code, host = run_with(sim, suite, tmp_path, session, **{"WaitForFinish.Value": "No"})
    assert [d.id for d in created_deployments(sim, suite, "Web API", "Staging")] == [running.id]
    assert code == 0, host.failure
    assert session.spoiled == 2 and host.outputs["ChildDeploymentId"] == running.id


@pytest.mark.parametrize("how", ["empty", "half", "array"])
def test_a_spoiled_answer_to_the_create_call_still_makes_one_deployment(sim, suite, tmp_path, how):
    """Sent, answer lost: the step looks for what the call made instead of creating again."""
    session = CutsAnswers("POST", "/deployments$", how)
    code, host = run_with(sim, suite, tmp_path, session)
    [made] = created_deployments(sim, suite, "Web API", "Staging")
    assert code == 0, host.failure
    assert host.outputs["ChildDeploymentId"] == made.id and session.spoiled == 1
    assert "Octopus had created deployment {0}".format(made.id) in host.text("highlight")
