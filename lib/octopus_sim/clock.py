"""Time for the simulated server: a clock tests can step, a clock that flows, and date formats.

Server tasks never sleep. Their state is computed from `clock.now()` whenever the world is read,
so a test moves a deployment from Queued to Success by calling `clock.advance(seconds)`.
"""

import re
import threading
import time
from datetime import datetime, timedelta, timezone

DEFAULT_START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


class ManualClock:
    """A clock that only moves when told to: deterministic tests without real sleeping."""

    manual = True

    def __init__(self, start=None):
        self._now = _aware(start or DEFAULT_START)
        self._lock = threading.Lock()

    def now(self):
        with self._lock:
            return self._now

    def advance(self, seconds):
        """Move time forward; negative steps are refused because tasks only move forward."""
        if seconds < 0:
            raise ValueError("a clock cannot go back in time")
        with self._lock:
            self._now = self._now + timedelta(seconds=float(seconds))
            return self._now

    def epoch(self):
        return self.now().timestamp()


class RealClock:
    """Wall-clock time, optionally running `speed` times faster (for the demo)."""

    manual = False

    def __init__(self, speed=1.0, start=None):
        self.speed = float(speed)
        self._origin = _aware(start) if start else datetime.now(timezone.utc)
        self._t0 = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self):
        with self._lock:
            elapsed = (time.monotonic() - self._t0) * self.speed + self._offset
        return self._origin + timedelta(seconds=elapsed)

    def advance(self, seconds):
        """Jump ahead, as a person skipping a long wait in the demo would."""
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def epoch(self):
        return self.now().timestamp()


class StepClock:
    """A step's clock (monotonic / sleep / now) that runs on a simulator clock.

    For running the step in the same process as the simulator: sleeping advances the simulated
    clock instead of blocking, so child tasks progress exactly as far as the step waited.
    `sleeps` records every sleep the step asked for.
    """

    def __init__(self, clock):
        self.clock = clock
        self.sleeps = []
        self._origin = clock.epoch()

    def monotonic(self):
        return 10000.0 + self.clock.epoch() - self._origin

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        if seconds > 0:
            self.clock.advance(seconds)

    def now(self):
        return self.clock.now()


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso(moment):
    """Octopus' timestamp shape: milliseconds and an explicit offset, e.g. 2024-08-21T16:17:46.750+00:00."""
    if moment is None:
        return None
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (moment.microsecond // 1000) + "+00:00"


_MS_DATE = re.compile(r"^Date\((-?\d+)([+-]\d{4})?\)$")


def parse_date(text):
    """Accept ISO 8601 (with Z or an offset) and the `/Date(ms)/` form PowerShell 5.1 writes.

    Returns an aware UTC datetime, None for null/empty, and raises ValueError otherwise.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if not isinstance(text, str):
        raise ValueError("a date must be a string")
    value = text.strip()
    match = _MS_DATE.match(value.strip("\\/"))
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000.0, tz=timezone.utc)
    value = value.replace("Z", "+00:00").replace("z", "+00:00")
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)          # .NET writes 7 fractional digits
    parsed = datetime.fromisoformat(_pad_fraction(value))
    return _aware(parsed).astimezone(timezone.utc)


def _pad_fraction(value):
    """Python 3.8's fromisoformat wants 3 or 6 fractional digits; .NET may send 1-7."""
    match = re.search(r"\.(\d+)", value)
    if not match or len(match.group(1)) in (3, 6):
        return value
    digits = (match.group(1) + "000000")[:6]
    return value[:match.start(1)] + digits + value[match.end(1):]


def human_duration(seconds):
    """The task `Duration` text Octopus shows, e.g. "34 seconds", "1 minute", "2 hours"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return "1 second" if seconds == 1 else "%d seconds" % seconds
    minutes = seconds // 60
    if minutes < 60:
        return "1 minute" if minutes == 1 else "%d minutes" % minutes
    hours = minutes // 60
    return "1 hour" if hours == 1 else "%d hours" % hours


def completed_text(moment):
    """The task `Completed` text, e.g. "Saturday, September 10, 2016 12:01 PM"."""
    hour = moment.hour % 12 or 12
    return "%s, %s %d, %d %d:%02d %s" % (
        moment.strftime("%A"), moment.strftime("%B"), moment.day, moment.year,
        hour, moment.minute, "AM" if moment.hour < 12 else "PM")
