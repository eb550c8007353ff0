"""A virtual clock for a step run in a subprocess: sleeping advances the simulator's clock.

Installed by the harness's Bootstrap before the script body runs. `time.sleep` never blocks;
it asks the simulator to move its clock forward, so queued and executing child tasks progress
exactly as far as the step waited. `time.time` and `time.monotonic` follow the same clock.
"""

import json
import time
import urllib.request

_state = {}


def _call(url):
    request = urllib.request.Request(url, data=b"" if "advance" in url else None,
                                     method="POST" if "advance" in url else "GET")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def install(base_url):
    """Replace time.time / time.monotonic / time.sleep with the simulator's clock."""
    _state["url"] = base_url.rstrip("/")
    _state["epoch"] = float(_call(_state["url"] + "/__sim/clock")["Epoch"])
    _state["elapsed"] = 0.0
    _state["sleeps"] = []

    def fake_time():
        return _state["epoch"] + _state["elapsed"]

    def fake_monotonic():
        return 10000.0 + _state["elapsed"]

    def fake_sleep(seconds):
        seconds = max(0.0, float(seconds))
        _state["sleeps"].append(seconds)
        if seconds:
            now = _call("{0}/__sim/clock/advance?seconds={1}".format(_state["url"], seconds))
            _state["elapsed"] = float(now["Epoch"]) - _state["epoch"]

    time.time = fake_time
    time.monotonic = fake_monotonic
    time.sleep = fake_sleep
