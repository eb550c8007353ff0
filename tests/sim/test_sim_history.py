"""Large histories build fast and the routes stay fast on them.

Measured in CPU time of this process (the simulator answers from threads of it), not wall time:
the suite runs four workers on two cores, and another worker's load must not fail a claim
about the simulator's own cost."""

import time

from octopus_sim import history


def test_ten_thousand_deployments_build_quickly_and_serve_fast(api, sim, suite):
    project = suite.projects["Scheduling Service"]
    started = time.process_time()
    made = history.generate(sim.world, project, releases=2000, deployments=10000,
                            environments=["Development", "Test", "Staging", "Production"], failure_every=7,
                            version_prefix="3000.0.")
    built = time.process_time() - started
    assert len(made.releases) == 2000 and len(made.deployments) == 10000
    assert built < 3.0, built
    env = suite.environments["Staging"].id
    started = time.process_time()
    page = api.get("/api/Spaces-1/deployments?projects=%s&environments=%s&taskState=Success&take=1" % (project.id, env))
    tasks = api.get("/api/tasks?project=%s&environment=%s&states=Success&name=Deploy&take=1&spaces=Spaces-1"
                    % (project.id, env))
    releases = api.get("/api/Spaces-1/projects/%s/releases?take=5" % project.id)
    template = api.get("/api/Spaces-1/releases/%s/deployments/template" % made.releases[-1].id)
    served = time.process_time() - started
    assert served < 2.0, served
    assert page["TotalResults"] > 2000 and page["Items"][0]["EnvironmentId"] == env
    assert tasks["Items"][0]["State"] == "Success"
    assert releases["Items"][0]["Version"] == "3000.0.2000" and releases["TotalResults"] == 2003
    assert template["PromoteTo"]


def test_history_is_deterministic(sim, suite):
    one = history.generate(sim.world, suite.projects["Database"], releases=3, deployments=5)
    assert [r.version for r in one.releases] == ["1.0.1", "1.0.2", "1.0.3"]
    envs = [sim.world.get(d.environment_id).name for d in one.deployments]
    assert envs == ["Development", "Test", "Staging", "Prod Approval", "Production"]
    assert all(sim.world.task_of(d).state == "Success" for d in one.deployments)
    assert one.deployments[-1].created < sim.clock.now()
