"""Turning the *Scheduling* text into one unambiguous UTC instant.

The v29 formats and ISO 8601, optionally followed by an IANA zone; no zone means the worker's.
A past time, or one that could mean two instants, is refused with the forms that would say
which, never guessed.
"""

import re
import warnings
from datetime import timedelta, timezone

ZONE_SUFFIX = re.compile(r"^(?P<when>.*\S)\s+(?P<zone>UTC|GMT|Z|[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+)$",
                         re.IGNORECASE)
# "UTC+1" reads as POSIX does (a zone one hour *behind* UTC), the opposite of what people mean.
SIGNED_UTC = re.compile(r"\b(?:UTC|GMT)\s*[+-]\s*\d", re.IGNORECASE)
# Day and month first, year last: 03/04/2027, 3.4.27, 03-04-2027.
NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.-])")
LABEL = "Scheduling"


def parse_schedule(text, now, local_zone=None):
    """Return (queue time in UTC, the sentence the log shows); raise ValueError when unusable."""
    from dateutil import parser as date_parser
    from dateutil import tz

    if SIGNED_UTC.search(text):
        raise ValueError('"{0}" gives the zone as UTC or GMT plus or minus hours (got "{1}"), which '
                         'is read with the sign reversed. Use an offset such as "+01:00" or an '
                         'IANA name such as "Europe/Paris".'.format(LABEL, text))
    when, named_zone, zone_name = _split_zone(text.strip(), tz)
    refuse_swappable_date(when, text)
    zone = named_zone or local_zone or tz.tzlocal()
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        moment = _parse_strictly(date_parser, when, today)
    except date_parser.UnknownTimezoneWarning:
        raise ValueError('"{0}" uses a time zone abbreviation dateutil cannot place (got "{1}"); '
                         'abbreviations such as EST or CET are ambiguous. Use an IANA name such as '
                         '"America/New_York" or an offset such as "-05:00".'.format(LABEL, text))
    except (ValueError, OverflowError):
        raise ValueError('"{0}" could not be read as a date and time (got "{1}"). Use a form such '
                         'as "19:00", "7:00 PM", "2026-11-23 19:00", "2026-11-23T19:00:00+01:00" '
                         'or "2026-11-23 19:00 Europe/London".'.format(LABEL, text))
    instant = one_instant(moment, zone, zone_name, text, tz).astimezone(timezone.utc)
    if instant <= now:
        raise ValueError('"{0}" is in the past: {1} is {2} UTC, and it is now {3} UTC. Scheduled '
                         'deployments must be in the future.'.format(
                             LABEL, text, _utc(instant), _utc(now)))
    return instant, "Scheduled for {0} UTC ({1}).".format(_utc(instant), text)


def refuse_swappable_date(when, text):
    """`03/04/2027` is 4 March to some and 3 April to others: ask for ISO 8601 instead."""
    match = NUMERIC_DATE.search(when)
    if not match:
        return
    first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
    if first <= 12 and second <= 12 and first != second:
        year = year if len(year) == 4 else "20" + year
        raise ValueError('"{0}" has the date {1}, which can be read day first or month first (got '
                         '"{2}"). Write the date year first, as ISO 8601: "{3}-{4:02d}-{5:02d}" '
                         'for month first or "{3}-{5:02d}-{4:02d}" for day first.'.format(
                             LABEL, match.group(0), text, year, first, second))


def one_instant(moment, zone, zone_name, text, tz):
    """What `moment` means in `zone`; a skipped, repeated or contradicted local time raises."""
    if moment.tzinfo is not None and not zone_name:
        return moment
    wall = moment.replace(tzinfo=None)
    where = "in " + zone_name if zone_name else "in the worker's local time zone"
    if not tz.datetime_exists(wall, tz=zone):
        _refuse_skipped(wall, zone, where, text, tz)
    if moment.tzinfo is not None:
        if moment.utcoffset() not in _offsets(wall, zone):
            raise ValueError(
                '"{0}" gives the offset {1} and the zone {2}, which is {3} then (got "{4}"). Give '
                'the offset or the zone, or an offset that agrees.'.format(
                    LABEL, _offset_text(moment.utcoffset()), zone_name,
                    " or ".join(_offset_text(o) for o in _offsets(wall, zone)), text))
        return moment
    if tz.datetime_ambiguous(wall, tz=zone):
        first, second = (wall.replace(fold=fold, tzinfo=zone) for fold in (0, 1))
        raise ValueError('"{0}" names {1} {2}, which happens twice as the clocks go back (got '
                         '"{3}"). Add the offset to say which: "{4}" for the first, "{5}" for the '
                         'second.'.format(LABEL, _wall(wall), where, text, _aware_text(first),
                                          _aware_text(second)))
    return wall.replace(tzinfo=zone)


def _refuse_skipped(wall, zone, where, text, tz):
    """A time in the spring gap: dateutil 2.9 and 4.0 would each place it somewhere else."""
    after = tz.resolve_imaginary(wall.replace(tzinfo=zone))
    raise ValueError('"{0}" names {1} {2}, a time that does not exist: the clocks skip it (got '
                     '"{3}"). Pick a time outside the change, such as {4}, or give the offset, '
                     'such as "{5}".'.format(LABEL, _wall(wall), where, text,
                                            after.strftime("%H:%M"), _aware_text(after)))


def _offsets(wall, zone):
    return sorted({wall.replace(fold=fold, tzinfo=zone).utcoffset() for fold in (0, 1)})


def _wall(wall):
    return wall.strftime("%Y-%m-%d %H:%M")


def _aware_text(aware):
    return aware.replace(microsecond=0).isoformat()


def _offset_text(offset):
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return "{0}{1:02d}:{2:02d}".format(sign, abs(minutes) // 60, abs(minutes) % 60)


def _parse_strictly(date_parser, when, today):
    """dateutil reads an unknown zone name as no zone and only warns (on stderr); refuse it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", date_parser.UnknownTimezoneWarning)
        return date_parser.parse(when, default=today, dayfirst=False)


def queue_expiry(queue_time, minutes):
    """The instant after which a scheduled deployment that has not started is abandoned."""
    return queue_time + timedelta(minutes=minutes)


def _split_zone(text, tz):
    match = ZONE_SUFFIX.match(text)
    if not match:
        return text, None, ""
    name = match.group("zone")
    zone = tz.UTC if name.upper() in ("UTC", "GMT", "Z") else tz.gettz(name)
    if zone is None:
        raise ValueError('"{0}" names the time zone "{1}", which this worker does not know. Use an '
                         'IANA name such as "Europe/London" or an offset such as "+01:00".'.format(
                             LABEL, name))
    return match.group("when"), zone, name


def _utc(instant):
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
