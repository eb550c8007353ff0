"""Turning one parameter's text into its typed value. A converter's ValueError is the whole
message: the label, the value (quoted, passwords hidden), what is valid."""

import re
import ssl
from collections import namedtuple
from urllib.parse import unquote, urlsplit

from ..rules.wildcards import WildcardError, like_regex
from ..train.approved import parse_plan
from ..train.waves import parse_pins

NOT_SET_WORDS = ("", "n/a")
YES_WORDS = ("yes", "true")
NO_WORDS = ("no", "false")
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
MAX_EXPIRY_MINUTES = 7 * 24 * 60
MACHINE_ID = re.compile(r"^machines-\d+$", re.IGNORECASE)
PromptedValue = namedtuple("PromptedValue", "name value")


def convert(row, raw, problems):
    """Convert one raw value by its kind, appending a message to `problems` when it is unusable."""
    converter = _CONVERTERS[row.kind]
    try:
        return converter(row, raw)
    except ValueError as problem:
        problems.append(str(problem))
        return None


def quoted(raw):
    shown = raw if len(raw) <= 80 else raw[:77] + "..."
    return '"' + shown.replace("\n", "\\n") + '"'


def _text(row, raw):
    return raw.strip()


def _required(row, raw):
    if not raw.strip():
        raise ValueError('"{0}" is required but is empty.'.format(row.label))
    return raw.strip()


def _secret(row, raw):
    """A key is plain printable ASCII; the message says what is wrong with it, never the key."""
    key = raw.strip()
    if not key:
        raise ValueError('"{0}" is required but is empty.'.format(row.label))
    odd = [(number, ch) for number, ch in enumerate(key, start=1) if not "!" <= ch <= "~"]
    if odd:
        number, ch = odd[0]
        kind = "a space or line break" if ch.isspace() else (
            "an invisible character" if not ch.isprintable() else
            "a character that is not plain ASCII")
        raise ValueError('"{0}" holds {1} (U+{2:04X}, character {3} of {4}), which pasting can '
                         'add; an API key is letters, digits and dashes such as "API-XXXX...", '
                         'without spaces. Paste the key again, by itself.'.format(
                             row.label, kind, ord(ch), number, len(key)))
    return key


def _url(row, raw):
    url = _required(row, raw).rstrip("/")
    if not (re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", url, re.IGNORECASE)
            and _host_and_port_ok(url)):
        raise ValueError('"{0}" must be an http:// or https:// address such as '
                         '"https://octopus.example.com" (got {1}).'.format(
                             row.label, quoted(hide_password(raw))))
    return url


def _host_and_port_ok(url):
    """A host name and, if given, a port from 1 to 65535 (`:abc`, `:99999`, `[::1` are not)."""
    try:
        parts = urlsplit(url)
        port_text = parts.netloc.rpartition("@")[2].rpartition("]")[2].partition(":")[2]
        if port_text and not re.match(r"^[0-9]{1,5}$", port_text):   # ASCII digits ('+80' is not)
            return False
        return bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        return False


def _choice(row, raw):
    options = [value for value, _ in row.options]
    for value in options:
        if raw.strip().lower() == value.lower():
            return value
    raise ValueError('"{0}" must be one of {1} (got {2}).'.format(
        row.label, ", ".join(options), quoted(raw)))


def _yesno(row, raw):
    word = raw.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError('"{0}" must be Yes or No (got {1}).'.format(row.label, quoted(raw)))


def _bounded_int(row, raw, unit, low, high):
    text = raw.strip()
    if not re.match(r"^[+]?\d+$", text) or not low <= int(text) <= high:
        raise ValueError('"{0}" must be a whole number of {1} from {2} to {3} (got {4}).'.format(
            row.label, unit, low, high, quoted(raw)))
    return int(text)


def _seconds(row, raw):
    return _bounded_int(row, raw, "seconds", 1, MAX_TIMEOUT_SECONDS)


def _minutes(row, raw):
    return _bounded_int(row, raw, "minutes", 1, MAX_EXPIRY_MINUTES)


def _pattern(row, raw):
    text = raw.strip()
    if any(ch.isspace() for ch in text):
        raise ValueError('"{0}" must be a release version or a pattern such as "2021.1.*", without '
                         'spaces (got {1}).'.format(row.label, quoted(raw)))
    try:
        like_regex(text)
    except WildcardError as error:
        raise ValueError('"{0}" is not a pattern PowerShell\'s -like accepts: {1} (got {2}).'
                         .format(row.label, error, quoted(raw)))
    return text


def _not_set(raw):
    return raw.strip().lower() in NOT_SET_WORDS


def _schedule(row, raw):
    return "" if _not_set(raw) else raw.strip()


def _lines(row, raw):
    items = [item.strip() for item in re.split(r"[\r\n,]+", raw)]
    return tuple(item for item in items if item)


def _machines(row, raw):
    if _not_set(raw):
        return ()
    names = _lines(row, raw)
    bad = [name for name in names
           if name.lower().startswith("machines-") and not MACHINE_ID.match(name)]
    if bad:
        raise ValueError('"{0}" holds {1}, which looks like a target id but is not one; ids look '
                         'like "Machines-12" (got {2}).'.format(row.label, quoted(bad[0]), quoted(raw)))
    return names


def _prompted(row, raw):
    values, seen = [], set()
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        name, separator, value = line.partition("::")
        if not separator or not name.strip():
            raise ValueError('"{0}" line {1} must look like Name::Value (got {2}).'.format(
                row.label, number, quoted(line)))
        if name.strip().lower() in seen:
            raise ValueError('"{0}" sets {1} twice (line {2}).'.format(
                row.label, quoted(name.strip()), number))
        seen.add(name.strip().lower())
        values.append(PromptedValue(name.strip(), value.strip()))   # v29 trims each line
    return tuple(values)


def _pem(row, raw):
    text = raw.strip()
    if not text:
        return text
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValueError('"{0}" must be a PEM certificate starting with '
                         '"-----BEGIN CERTIFICATE-----" (got {1}).'.format(row.label, quoted(raw)))
    try:
        ssl.create_default_context(cadata=text)
    except (ssl.SSLError, ValueError) as problem:
        # Caught here, not at the first HTTPS call, where it would look like a network fault.
        raise ValueError('"{0}" holds a certificate that cannot be read ({1}); paste the whole '
                         'PEM text, BEGIN and END lines included.'.format(
                             row.label, problem.__class__.__name__))
    return text


def _parallelism(row, raw):
    return _bounded_int(row, raw, "children", 1, 100)


def _pinned(row, raw):
    return parse_pins(raw, row.label)


def _plan(row, raw):
    return parse_plan(raw, row.label, quoted(raw))


_CONVERTERS = {
    "text": _text, "required": _required, "secret": _secret, "url": _url, "choice": _choice,
    "yesno": _yesno, "seconds": _seconds, "minutes": _minutes, "pattern": _pattern,
    "schedule": _schedule, "lines": _lines, "machines": _machines, "prompted": _prompted,
    "pem": _pem, "parallelism": _parallelism, "pinned": _pinned,
    "pause": lambda row, raw: _bounded_int(row, raw, "minutes", 0, 10080),
    "plan": _plan,
}


def split_credentials(url):
    """(the URL without `user:password@`, (user, password) decoded or None)."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, None
    user, _, password = userinfo.partition(":")
    return parts._replace(netloc=host).geturl(), (unquote(user), unquote(password))


def hide_password(text):
    """`text` with any `scheme://user:password@` password (or a lone user: a token) masked."""
    def masked(match):
        user, colon, _password = match.group(1).partition(":")
        return "://" + (user + ":" if colon else "") + "********@"
    return re.sub(r"://([^/?#\s]*)@", masked, text)
