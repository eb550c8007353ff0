"""Scheduling: every accepted form gives one UTC instant; the past and garbage are refused."""

from datetime import datetime, timezone

import pytest
from dateutil import tz

from child_deploy.rules.scheduling import parse_schedule, queue_expiry

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
    ("2026-11-23 19:00 GMT", "2026-11-23 19:00"),
    ("2026-11-23 19:00 Z", "2026-11-23 19:00"),                  # Z as a trailing zone name
    ("2026-11-23", "2026-11-22 23:00"),                          # a date alone: local midnight
])
def test_accepted_forms(text, expected_utc):
    instant, reason = parse_schedule(text, NOW, local_zone=BERLIN)
    assert instant.tzinfo is not None
    assert instant.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") == expected_utc
    assert expected_utc in reason and "UTC" in reason


@pytest.mark.parametrize("text, says", [
    ("08:00", "in the past"),                                     # 07:00 UTC today: gone
    ("10:00", "in the past"),                                     # exactly now is not the future
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


# -- nothing that could mean two instants is guessed ---------------------------------------------
LONDON = tz.gettz("Europe/London")        # 2027: clocks skip 01:00-02:00 on 28 March, repeat 01:00-02:00 on 31 October


@pytest.mark.parametrize("text, local, says", [
    ("2027-03-28 01:30 Europe/London", BERLIN, "does not exist"),        # the spring gap, named zone
    ("2027-03-28 01:30", LONDON, "does not exist"),                      # ... and the worker's zone
    ("2027-03-28 02:30 Europe/Berlin", LONDON, "does not exist"),
    ("2027-03-28T01:30:00+00:00 Europe/London", BERLIN, "does not exist"),
    ("2027-10-31 01:30 Europe/London", BERLIN, "happens twice"),         # the autumn fold
    ("2027-10-31 01:00", LONDON, "happens twice"),
    ("2026-11-23T19:00:00+05:00 Europe/London", BERLIN, "gives the offset +05:00"),
    ("2026-11-23T19:00:00+00:00 Europe/Berlin", LONDON, "gives the offset +00:00"),
    ("2027-07-01T19:00:00+00:00 Europe/London", BERLIN, "which is +01:00 then"),
    ("03/04/2027 19:00", BERLIN, "day first or month first"),
    ("12/11/2027", BERLIN, "day first or month first"),
    ("11/12/2027", BERLIN, "has the date 11/12/2027, which"),          # 12 in either place
    ("3.4.27 19:00", BERLIN, "day first or month first"),
    ("03-04-2027 7 PM", BERLIN, "day first or month first"),
])
def test_a_time_that_could_mean_two_instants_is_refused(text, local, says):
    with pytest.raises(ValueError) as raised:
        parse_schedule(text, NOW, local_zone=local)
    message = str(raised.value)
    assert message.startswith('"Scheduling" ') and says in message and '(got "' + text + '")' in message


@pytest.mark.parametrize("text, suggestions", [
    ("2027-03-28 01:30 Europe/London", ["02:30", '"2027-03-28T02:30:00+01:00"']),
    ("2027-10-31 01:30 Europe/London", ['"2027-10-31T01:30:00+01:00" for the first',
                                        '"2027-10-31T01:30:00+00:00" for the second']),
    ("03/04/2027 19:00", ['"2027-03-04" for month first', '"2027-04-03" for day first']),
])
def test_refusals_say_what_would_be_accepted(text, suggestions):
    with pytest.raises(ValueError) as raised:
        parse_schedule(text, NOW, local_zone=BERLIN)
    for suggestion in suggestions:
        assert suggestion in str(raised.value)


@pytest.mark.parametrize("text, local, expected", [
    ("2027-10-31T01:30:00+01:00 Europe/London", BERLIN, datetime(2027, 10, 31, 0, 30)),  # first 01:30
    ("2027-10-31T01:30:00+00:00 Europe/London", BERLIN, datetime(2027, 10, 31, 1, 30)),  # second
    ("2027-03-28T01:30:00+00:00", LONDON, datetime(2027, 3, 28, 1, 30)),   # an offset alone is absolute
    ("2026-11-23T19:00:00+00:00 Europe/London", BERLIN, datetime(2026, 11, 23, 19, 0)),   # agrees
    ("2027-03-28 03:30 Europe/London", BERLIN, datetime(2027, 3, 28, 2, 30)),   # just after the gap
    ("04/04/2027 19:00", LONDON, datetime(2027, 4, 4, 18, 0)),             # day == month: one reading
    ("13/04/2027 19:00", LONDON, datetime(2027, 4, 13, 18, 0)),            # 13 is no month: day first
    ("04/13/2027 19:00", LONDON, datetime(2027, 4, 13, 18, 0)),            # ... whichever place it is in
    ("06/25/2027 19:00:00", LONDON, datetime(2027, 6, 25, 18, 0)),         # 25 is no month: v29's month first
    ("2027/03/04 19:00", LONDON, datetime(2027, 3, 4, 19, 0)),             # year first is never day first
    ("7 PM", BERLIN, datetime(2026, 11, 20, 18, 0)),                       # 19:00:00.000 Berlin exactly
    ("7:00 PM", LONDON, datetime(2026, 11, 20, 19, 0)),
])
def test_one_reading_gives_exactly_one_instant(text, local, expected):
    instant, _ = parse_schedule(text, NOW.replace(second=42, microsecond=123456), local_zone=local)
    assert instant == expected.replace(tzinfo=timezone.utc)
