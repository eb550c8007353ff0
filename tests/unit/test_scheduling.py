"""Scheduling: every accepted form gives one UTC instant; the past and garbage are refused."""

from datetime import datetime, timezone

import pytest
from dateutil import tz

from child_deploy.scheduling import parse_schedule, queue_expiry

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)        # a Friday morning, UTC
BERLIN = tz.gettz("Europe/Berlin")                                # UTC+1 in November


@pytest.mark.parametrize("text, expected_utc", [
    ("19:00", "2026-11-20 18:00"),                                # today, worker-local
    ("7:00 PM", "2026-11-20 18:00"),
    ("2026-11-23 19:00:00", "2026-11-23 18:00"),
    ("2026/11/23 22:00:00", "2026-11-23 21:00"),
    ("11/25/2026 19:00:00", "2026-11-25 18:00"),                 # month first, as v29
    ("25 Nov 2026 18:00:00", "2026-11-25 17:00"),
    ("2026-11-23T19:00:00+01:00", "2026-11-23 18:00"),           # an offset wins over the local zone
    ("2026-11-23T19:00:00Z", "2026-11-23 19:00"),
    ("2026-11-23 19:00 Europe/London", "2026-11-23 19:00"),      # an IANA zone wins too
    ("2026-11-23 19:00 America/New_York", "2026-11-24 00:00"),
    ("2026-11-23 19:00 UTC", "2026-11-23 19:00"),
    ("2026-11-23 19:00 utc", "2026-11-23 19:00"),
])
def test_accepted_forms(text, expected_utc):
    instant, reason = parse_schedule(text, NOW, local_zone=BERLIN)
    assert instant.tzinfo is not None
    assert instant.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") == expected_utc
    assert expected_utc in reason and "UTC" in reason


@pytest.mark.parametrize("text, says", [
    ("08:00", "in the past"),                                     # 07:00 UTC today: gone
    ("2026-11-19 23:00:00", "in the past"),
    ("tomorrow-ish", "could not be read"),
    ("2026-13-45 25:99", "could not be read"),
    ("2026-11-23 19:00 Mars/Olympus_Mons", "time zone"),
    ("2026-11-23 19:00 EST", "abbreviation"),                     # would be read as UTC, 5 h early
    ("2026-11-23 19:00 CET", "abbreviation"),
    ("2026-11-23 19:00 UTC+1", "sign reversed"),                  # POSIX reads it as 20:00 UTC
    ("2026-11-23 19:00 GMT-5", "sign reversed"),
])
def test_refused_forms(text, says):
    with pytest.raises(ValueError) as raised:
        parse_schedule(text, NOW, local_zone=BERLIN)
    assert says in str(raised.value) and '"Scheduling"' in str(raised.value)


def test_expiry_is_minutes_after_the_queue_time():
    instant, _ = parse_schedule("2026-11-23 19:00 UTC", NOW)
    assert queue_expiry(instant, 60).strftime("%H:%M") == "20:00"
