"""Time, passed in rather than reached for, so tests can step it without sleeping."""

import time
from datetime import datetime, timezone


class SystemClock:
    """The real clock. `time` functions are looked up on each call so a harness can swap them."""

    def monotonic(self):
        return time.monotonic()

    def sleep(self, seconds):
        if seconds > 0:
            time.sleep(seconds)

    def now(self):
        """The current instant, timezone-aware in UTC."""
        return datetime.fromtimestamp(time.time(), timezone.utc)

