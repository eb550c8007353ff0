"""What both benchmark tables share: the simulator's clock from another process, the route table.

Used by child_deploy_bench.py (one promotion, and the command) and child_deploy_bench_train.py
(the release train); neither imports the other's internals.
"""

import json
import urllib.request
from datetime import datetime, timezone

SETUP_TIMEOUT_SECONDS = 120


class RemoteSimulatorTime:
    """The step's clock for a simulator in another process; sleeping advances the simulator.

    Control routes are not counted, not delayed and need no key, so the clock costs the
    measurement nothing. Nobody else moves the clock, so the epoch is tracked locally.
    """

    def __init__(self, url):
        self._url = url
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._epoch = self._call("GET", "/__sim/clock")

    def _call(self, method, path):
        request = urllib.request.Request(self._url + path, method=method,
                                         data=b"" if method == "POST" else None)
        with self._opener.open(request, timeout=30) as answer:
            return json.loads(answer.read().decode("utf-8"))["Epoch"]

    def monotonic(self):
        return self._epoch

    def sleep(self, seconds):
        if seconds > 0:
            self._epoch = self._call("POST", "/__sim/clock/advance?seconds={0!r}".format(seconds))

    def now(self):
        return datetime.fromtimestamp(self._epoch, timezone.utc)


def counts_table(heading, columns, counts):
    """A Markdown table of requests per route: one column per run, a total row at the end."""
    routes = sorted(set(route for c in counts for route in c))
    lines = ["| " + heading + " | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for route in routes:
        lines.append("| `{0}` | ".format(route) + " | ".join(str(c.get(route, 0)) for c in counts)
                     + " |")
    lines.append("| **total** | " + " | ".join(str(sum(c.values())) for c in counts) + " |")
    return "\n".join(lines)
