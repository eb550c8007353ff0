"""Enhanced logging reads a tail of the child's log per poll, not the whole log (issue 12, 13).

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
