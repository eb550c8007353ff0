"""The built body, run the way Calamari runs it (subprocess, run_path, key as the last argv)."""

import http.server
import threading

import pytest

from harness import HEX_KEY, built_body, run_body

BODY = built_body()
REQUIRED_LABELS = ("Octopus Base Url", "Octopus API Key", "Child Project Space",
                   "Child Project Name", "Destination Environment Name")


class CountingServer:
    """A loopback server that only counts requests (none should arrive)."""

    def __init__(self):
        self.count = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.count += 1
                self.send_response(500)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:{0}".format(self.server.server_address[1])


@pytest.mark.parametrize("run_name", ["__main__", "<run_path>"])
def test_no_parameters_fails_listing_every_required_label(tmp_path, run_name):
    run = run_body(BODY, {}, str(tmp_path / "work"), run_name=run_name)
    assert run.exit_code != 0
    assert run.stderr == ""
    for label in REQUIRED_LABELS:
        assert '"{0}" is required'.format(label) in run.result_message
    assert run.result_message.count("is required") == len(REQUIRED_LABELS)
    assert HEX_KEY not in run.stdout


def test_bad_values_make_no_http_request(tmp_path):
    server = CountingServer()
    variables = {"ChildProject.Web.ServerUrl": server.url, "ChildProject.Api.Key": "API-XYZ123",
                 "ChildProject.Space.Name": "Default", "ChildProject.Project.Name": "Web API",
                 "ChildProject.Destination.EnvironmentName": "Staging",
                 "ChildProject.WhatIf.Value": "perhaps", "ChildProject.CancelDeployment.Seconds": "-1"}
    run = run_body(BODY, variables, str(tmp_path / "work"))
    assert run.exit_code != 0 and run.stderr == ""
    assert '"What If"' in run.result_message and '"Wait for Deployment"' in run.result_message
    assert server.count == 0
    assert "API-XYZ123" not in run.stdout


def test_old_calamari_raising_key_error_is_tolerated(tmp_path):
    run = run_body(BODY, {}, str(tmp_path / "work"), old_calamari=True)
    assert run.exit_code != 0 and run.stderr == ""
    assert "is required" in run.result_message


def test_missing_dependencies_are_installed_quietly(tmp_path):
    """requests and python-dateutil hidden: the body installs them with pip --target (needs PyPI)."""
    run = run_body(BODY, {}, str(tmp_path / "work"), hide_site_packages=True, timeout=300)
    assert run.stderr == ""
    assert "installing into a temporary folder" in run.text()
    assert "is required" in (run.result_message or ""), run.stdout[-2000:]
