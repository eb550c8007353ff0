"""Enhanced logging reads a tail of the child's log per poll, not the whole log.

In process (runner.run on the simulator's clock) with a requests Session that counts the bytes
of every answer: see tests/log_bytes_bench.py, which also produces the figure in
docs/benchmark.md for 10,000 lines.
"""

from log_bytes_bench import measure, summary


def test_bytes_per_poll_stay_bounded_as_the_log_grows_and_no_line_is_lost():
    polls, whole, once, code = measure(lines=3000, run_seconds=300)
    assert code == 0 and once, "every line printed exactly once"
    log_bytes = 3000 * 150                  # at least what one download of the whole log costs
    # The sim writes the first and last quarter of the lines in two bursts larger than a tail:
    # each costs one read of the whole log; every other poll is one tail.
    assert whole <= 2
    windows = sorted(polls)[:-whole] if whole else polls
    assert len(windows) > 40 and max(windows) < 25000 < log_bytes / 10
    assert summary(polls)["last tenth (mean bytes/poll)"] < 25000


def test_the_built_body_reads_tails_of_a_long_log_and_prints_every_line_once(step, sim, suite):
    """The same on the built template, as Calamari runs it: the simulator sees what it asks."""
    from octopus_sim import TaskScript
    texts = ["Line {0:05d}: copied file {0}".format(n) for n in range(1, 3001)]
    sim.world.set_task_script(suite.projects["Web API"],
                              TaskScript(run_seconds=300, log_lines=texts))
    run = step("Web API", "Staging", **{"EnableEnhancedLogging.Value": "Yes"})
    assert run.exit_code == 0, run.result_message
    details = [r for r in sim.requests if r.path.endswith("/details")]
    whole = [r for r in details if not any(k.lower() == "tail" for k in r.query)]
    assert len(details) > 40 and len(whole) <= 2
    printed = [line for line in run.text().splitlines() if line.startswith("|  Line ")]
    assert sorted(printed) == ["|  " + t for t in texts]
