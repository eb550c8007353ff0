"""On a worker without requests, the folder the step installs them into is gone when it ends.

The built body runs as Calamari runs it with site-packages hidden, and with TMPDIR pointing at a
folder of the test's own, so whatever the step leaves in the temporary folder can be seen. pip
installs from the package index configured for the machine (as test_body_runs does), or from
nowhere at all (PIP_NO_INDEX with no links) for the failed-installation path.
"""

import os

from e2e_steps import BODY, StepRunner
from harness import run_body


def leftovers(folder):
    return [name for name in os.listdir(folder) if name.startswith("child-deploy-packages-")]


def hidden_run(tmp_path, variables, clock_url=None, **env):
    temp = tmp_path / "tmp"
    temp.mkdir()
    run = run_body(BODY, variables, str(tmp_path / "work"), clock_url=clock_url,
                   hide_site_packages=True, timeout=300, extra_env=dict(env, TMPDIR=str(temp)))
    return run, leftovers(str(temp))


def test_the_installed_packages_are_removed_after_a_deployment(tmp_path, sim, suite):
    runner = StepRunner(sim, suite, tmp_path)
    run, left = hidden_run(tmp_path, runner.variables("Web API", "Staging"), clock_url=sim.url)
    assert "installing into a temporary folder" in run.text()
    assert run.exit_code == 0 and run.stderr == "", run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed"
    assert left == []


def test_a_failed_installation_leaves_no_folder(tmp_path):
    links = tmp_path / "no-wheels"
    links.mkdir()
    run, left = hidden_run(tmp_path, {}, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(links),
                           PIP_CONFIG_FILE=os.devnull)
    assert run.exit_code != 0 and run.stderr == ""
    assert "could not install" in run.result_message
    assert left == []
