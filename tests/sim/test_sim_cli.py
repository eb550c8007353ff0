"""`python -m octopus_sim --sample` serves the sample suite to a client in another process."""

import json
import os
import subprocess
import sys
import urllib.request

LIB = os.path.join(os.path.dirname(__file__), "..", "..", "lib")


def test_cli_serves_the_sample_suite():
    env = dict(os.environ, PYTHONPATH=os.path.abspath(LIB))
    process = subprocess.Popen([sys.executable, "-m", "octopus_sim", "--sample", "--port", "0", "--api-key",
                                "API-CLITEST", "--manual-clock"], stdout=subprocess.PIPE, env=env, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")

        def get(path, key="API-CLITEST"):
            request = urllib.request.Request(url + path, headers={"X-Octopus-ApiKey": key} if key else {})
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read().decode("utf-8"))

        projects = get("/api/Spaces-1/projects?skip=0&take=100")
        assert [p["Name"] for p in projects["Items"]] == [
            "Database", "Release Orchestration", "Scheduling Service", "Web API", "Web UI"]
        assert get("/api")["Application"] == "Octopus Deploy"
        clock = get("/__sim/clock", key=None)
        assert set(clock) == {"Now", "Epoch"}
        try:
            get("/api/Spaces-1/projects", key=None)
            raise AssertionError("expected 401")
        except urllib.error.HTTPError as error:
            assert error.code == 401 and "ErrorMessage" in json.loads(error.read().decode("utf-8"))
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()
