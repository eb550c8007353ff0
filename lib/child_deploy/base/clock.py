"""Time, passed in rather than reached for, so tests can step it without sleeping."""

import time
from datetime import datetime, timezone

EARLIEST = datetime.min.replace(tzinfo=timezone.utc)   # what an unreadable timestamp sorts as


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


def instant(text):
    """An Octopus timestamp as a comparable UTC datetime (offsets differ between servers)."""
    from dateutil import parser
    try:
        moment = parser.isoparse(text)
    except (ValueError, OverflowError, TypeError):
        return EARLIEST
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
