"""End-to-end fixtures: the built step body, run as Calamari runs it, against octopus_sim.

Every test gets a fresh simulator (manual clock, sample suite loaded) and a `step` callable
(e2e_steps.StepRunner) that runs the committed `step_template.json` body as the parent project.

`no_key_leaks` runs after every end-to-end test that uses `step`: the API key must not appear
in anything any run printed (stdout, stderr), saved (artifacts) or published (outputs).
"""

import pytest

from e2e_steps import SIM_KEY, StepRunner, key_leaks
from octopus_sim import ManualClock, Simulator, load_sample_suite


@pytest.fixture
def sim():
    with Simulator(api_key=SIM_KEY, clock=ManualClock()) as simulator:
        yield simulator


@pytest.fixture
def suite(sim):
    return load_sample_suite(sim)


@pytest.fixture
def step(sim, suite, tmp_path, no_key_leaks):
    runner = StepRunner(sim, suite, tmp_path)
    no_key_leaks.append(runner)
    return runner


@pytest.fixture
def no_key_leaks():
    """After the test: the key is nowhere in what any run printed, published or saved."""
    runners = []
    yield runners
    for runner in runners:
        for run in runner.runs:
            assert key_leaks(run) == [], "API key leaked in " + run.work_dir
