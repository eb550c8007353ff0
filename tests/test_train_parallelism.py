"""*Train parallelism* bounds how many children of one wave deploy at once (README's promise).

Six generated children in one wave, run in-process on the simulator's clock; the simulator's
task start and completion times say how many ran together.
"""

import pytest

from child_deploy.base.terminal import TerminalHost
from child_deploy.shell.runner import run
from child_deploy_bench_train import arrange_train
from child_deploy_demo import loopback_session
from octopus_sim import ManualClock, Simulator, StepClock


def most_at_once(tasks):
    """The largest number of tasks executing at the same instant."""
    events = sorted([(t.start_time, 1) for t in tasks] + [(t.completed_time, -1) for t in tasks])
    running = peak = 0
    for _moment, change in events:      # at equal instants an end (-1) sorts before a start
        running += change
        peak = max(peak, running)
    return peak


@pytest.mark.parametrize("parallelism, expected", [("2", 2), ("", 4)])
def test_no_more_children_deploy_at_once_than_the_parallelism(tmp_path, monkeypatch, parallelism, expected):
    monkeypatch.chdir(tmp_path)
    with Simulator(clock=ManualClock()) as sim:
        variables = arrange_train(sim, 6)
        if parallelism:
            variables["ChildProject.Train.Parallelism"] = parallelism
        host = TerminalHost(variables, stream=open(str(tmp_path / "log.txt"), "w"))
        code = run(host, clock=StepClock(sim.clock), session=loopback_session())
        host.stream.close()
        assert code == 0, host.failure
        assert host.outputs["TrainOutcome"] == "Deployed"
        children = [p for p in sim.world.all("Projects") if p.name.startswith("Service")]
        tasks = [sim.world.task_of(d) for p in children for d in sim.world.deployments_for(p, "Production")
                 if d.release_id == sim.world.releases_of(p)[0].id]
        assert len(tasks) == 6 and all(t.state == "Success" for t in tasks)
        assert most_at_once(tasks) == expected
