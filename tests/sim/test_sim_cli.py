"""`python -m octopus_sim --sample` serves the sample suite to a client in another process."""

import json
import shlex
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


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def readme_command(marker):
    """The command under `<!-- test: marker -->` in the simulator's README, as argv words."""
    with open(os.path.join(LIB, "octopus_sim", "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    block = text[text.index("<!-- test: {0} -->".format(marker)):].split("\n\n")[0]
    lines = [line.strip() for line in block.splitlines()[1:]]
    return shlex.split(" ".join(line.rstrip("\\") for line in lines))


def as_run(words, interpreter):
    """(environment, argv) of a README command: leading NAME=value words are the environment."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("PYTHONPATH", None)
    while "=" in words[0] and not words[0].startswith("-"):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[0] == "python3", words
    return env, interpreter + words[1:]


def test_the_readme_recipe_runs_the_step_against_the_simulator_from_a_fresh_clone():
    """Both commands as written (on a free port), the simulator's with `python3 -S`: a Python
    that has nothing of this repository installed, as on a fresh clone."""
    env, argv = as_run(readme_command("simulator command"), [sys.executable, "-S"])
    argv[argv.index("--port") + 1] = "0"
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               cwd=ROOT, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read()
        env, argv = as_run(readme_command("step command"), [sys.executable])
        argv[argv.index("--server-url") + 1] = url
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()
        process.stderr.close()
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    assert "ReleaseToPromote = 2021.1.1.2" in done.stdout
    assert "ChildCurrentRelease = 2021.1.1.1" in done.stdout
