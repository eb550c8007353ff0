"""Turning the *Scheduling* text into one unambiguous UTC instant.

Accepted: the v29 formats (`7:00 PM`, `21:00`, `2021-01-14 21:00:00`, `2021/03/20 22:00:00`,
`06/25/2021 19:00:00` month first, `01 Jan 2021 18:00:00`), ISO 8601 with an offset
(`2026-11-23T19:00:00+01:00`), and any of them followed by an IANA zone
(`2026-11-23 19:00 Europe/London`). A time without a zone is the worker's local time. A time of
day alone means today. Times in the past are refused, never silently moved to tomorrow.
"""

import re
import warnings
from datetime import timedelta, timezone

ZONE_SUFFIX = re.compile(r"^(?P<when>.*\S)\s+(?P<zone>UTC|GMT|Z|[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+)$",
                         re.IGNORECASE)
# "UTC+1" reads as POSIX does (a zone one hour *behind* UTC), the opposite of what people mean.
SIGNED_UTC = re.compile(r"\b(?:UTC|GMT)\s*[+-]\s*\d", re.IGNORECASE)
LABEL = "Scheduling"


def parse_schedule(text, now, local_zone=None):
    """Return (queue time in UTC, the sentence the log shows); raise ValueError when unusable."""
    from dateutil import parser as date_parser
    from dateutil import tz

    if SIGNED_UTC.search(text):
        raise ValueError('"{0}" gives the zone as UTC or GMT plus or minus hours (got "{1}"), which '
                         'is read with the sign reversed. Use an offset such as "+01:00" or an '
                         'IANA name such as "Europe/Paris".'.format(LABEL, text))
    when, zone = _split_zone(text.strip(), tz)
    zone = zone or local_zone or tz.tzlocal()
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
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    instant = moment.astimezone(timezone.utc)
    if instant <= now:
        raise ValueError('"{0}" is in the past: {1} is {2} UTC, and it is now {3} UTC. Scheduled '
                         'deployments must be in the future.'.format(
                             LABEL, text, _utc(instant), _utc(now)))
    return instant, "Scheduled for {0} UTC ({1}).".format(_utc(instant), text)


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
        return text, None
    name = match.group("zone")
    zone = tz.UTC if name.upper() in ("UTC", "GMT", "Z") else tz.gettz(name)
    if zone is None:
        raise ValueError('"{0}" names the time zone "{1}", which this worker does not know. Use an '
                         'IANA name such as "Europe/London" or an offset such as "+01:00".'.format(
                             LABEL, name))
    return match.group("when"), zone


def _utc(instant):
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
