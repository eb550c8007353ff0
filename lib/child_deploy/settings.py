"""One parse of every parameter into a frozen Settings value.

Parsing never stops at the first problem: each row of the parameter table is checked, every
problem is collected, and a single ConfigurationError names each parameter by its label, quotes
the value received and says what is accepted. Nothing talks to Octopus before this succeeds.
"""

import re
import ssl
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Tuple
from urllib.parse import unquote, urlsplit

from .errors import ConfigurationError
from .parameters import PARAMETERS
from .scheduling import parse_schedule
from .waves import Wave, parse_pins, parse_waves
from .wildcards import WildcardError, like_regex

NOT_SET_WORDS = ("", "n/a")
YES_WORDS = ("yes", "true")
NO_WORDS = ("no", "false")
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
MAX_EXPIRY_MINUTES = 7 * 24 * 60
MACHINE_ID = re.compile(r"^machines-\d+$", re.IGNORECASE)
PromptedValue = namedtuple("PromptedValue", "name value")


@dataclass(frozen=True)
class ParentContext:
    """What Octopus tells the step about the parent deployment (system variables)."""

    server_uri: str = ""
    space_id: str = ""
    space_name: str = ""
    project_id: str = ""
    project_name: str = ""
    release_id: str = ""
    release_number: str = ""
    channel_id: str = ""
    environment_id: str = ""
    environment_name: str = ""
    deployment_id: str = ""
    tenant_id: str = ""
    tenant_name: str = ""
    task_id: str = ""
    specific_machines: Tuple[str, ...] = ()
    excluded_machines: Tuple[str, ...] = ()
    machines: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """Every parameter, typed; the API key is left out of repr so it cannot reach a log."""

    server_url: str
    api_key: str = field(repr=False)
    space_name: str
    project_name: str
    release_pattern: str            # blank, an exact version, or a pattern with '*'
    not_found_handling: str         # Error | Warning | Skip
    destination_environment: str
    source_environment: str         # blank: the lifecycle phase before the destination
    channel_name: str               # blank: the project's default channel
    tenant_name: str                # blank: untenanted
    prompted_variables: Tuple[PromptedValue, ...]
    deployment_mode: str            # Promote | Redeploy | AlwaysLatest
    refresh_variable_snapshot: bool
    target_machines: Tuple[str, ...]    # names or Machines- ids; empty: not used
    ignore_machine_mismatch: bool
    save_release_notes: bool
    what_if: bool
    wait_for_finish: bool
    enhanced_logging: bool
    timeout_seconds: int            # counted from the child deployment's creation
    schedule: str                   # raw text; blank: deploy now (parsed by scheduling.py)
    auto_approve: bool
    approval_environment: str
    approval_tenant: str
    cancel_on_timeout: bool
    schedule_expiry_minutes: int
    skip_steps: Tuple[str, ...]
    force_package_download: bool
    trusted_certificate: str = field(repr=False)
    parent: ParentContext = ParentContext()
    queue_time: object = None       # UTC datetime parsed from `schedule`; None: deploy now
    queue_reason: str = ""
    # (user, password) taken out of a Base Url such as https://user:pass@host; None when absent.
    # Kept apart so server_url, and every URL built from it, never holds the password.
    server_credentials: object = field(default=None, repr=False)
    # The release train (DESIGN §10); the defaults are a one-child step.
    train_parallelism: int = 4
    train_failure_policy: str = "Stop"      # Stop | Continue | RollBack
    pinned_versions: Tuple[Tuple[str, str], ...] = ()     # (project, version), as given
    waves: Tuple["Wave", ...] = ()          # from *Child Project Name*, top to bottom

    @property
    def is_train(self):
        """More than one child, or a project group: the train. One name is today's step."""
        return len(self.waves) > 1 or any(w.group or len(w.names) > 1 for w in self.waves)

    def pinned_version(self, project_name):
        """The version pinned for `project_name` (case ignored), or "" when none is."""
        wanted = project_name.strip().lower()
        return next((v for p, v in self.pinned_versions if p.strip().lower() == wanted), "")


def is_unresolved(value):
    """An Octostache reference Octopus could not resolve arrives as its own text."""
    text = value.strip()
    return text.startswith("#" + "{") and text.endswith("}")


def read_value(read, row):
    """The parameter's text, falling back to its default and to the system variable it names."""
    value = read(row.name)
    if is_unresolved(value):
        value = ""
    if not value.strip() and row.system_default:
        value = read(row.system_default)
        value = "" if is_unresolved(value) else value
    if not value.strip():
        value = row.default
    return value


def parse_settings(read, now=None, local_zone=None):
    """Return Settings from `read(name) -> str`, or raise one ConfigurationError listing all problems.

    `now` (UTC) is needed to refuse a schedule in the past; without it the schedule is not read.
    """
    problems = []
    values = {}
    for row in PARAMETERS:
        raw = read_value(read, row)
        found = len(problems)
        values[row.field] = _convert(row, raw, problems)
        if len(problems) > found and is_unresolved(read(row.name)):
            problems[-1] += (" It was set to {0}, a variable Octopus could not resolve; check its "
                             "name and scope.".format(_quote(read(row.name).strip())))
    queue_time, queue_reason = None, ""
    if values.get("schedule") and now is not None:
        try:
            queue_time, queue_reason = parse_schedule(values["schedule"], now, local_zone)
            _check_expiry_fits(queue_time, values.get("schedule_expiry_minutes"))
        except ValueError as problem:
            problems.append(str(problem))
    waves = parse_waves(values.get("project_name") or "", problems)
    if problems:
        raise ConfigurationError(problems)
    values["server_url"], credentials = split_credentials(values["server_url"])
    values["project_name"] = _single_name(waves, values["project_name"])
    return Settings(parent=parse_parent(read), queue_time=queue_time, queue_reason=queue_reason,
                    server_credentials=credentials, waves=waves, **values)


def _single_name(waves, text):
    """One name alone is today's step: its project name, trimmed as before."""
    if len(waves) == 1 and not waves[0].group and len(waves[0].names) == 1:
        return waves[0].names[0]
    return text.strip()


def split_credentials(url):
    """(the URL without `user:password@`, (user, password) decoded, or None when there are none)."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, None
    user, _, password = userinfo.partition(":")
    return parts._replace(netloc=host).geturl(), (unquote(user), unquote(password))


def hide_password(text):
    """`text` with the password of any `scheme://user:password@` in it (or a lone user, which is
    then a token) replaced by asterisks."""
    def masked(match):
        user, colon, _password = match.group(1).partition(":")
        return "://" + (user + ":" if colon else "") + "********@"
    return re.sub(r"://([^/?#\s]*)@", masked, text)


def _check_expiry_fits(queue_time, expiry_minutes):
    """A date so far ahead that the queue expiry passes year 9999 cannot be sent to Octopus."""
    try:
        queue_time + timedelta(minutes=expiry_minutes or 0)
    except OverflowError:
        raise ValueError('"Scheduling" is too far in the future (got {0}).'.format(
            _quote(queue_time.strftime("%Y-%m-%d %H:%M"))))


def parse_parent(read):
    """The parent deployment's system variables, with machine lists split into ids."""
    def text(name):
        value = read(name)
        return "" if is_unresolved(value) else value.strip()

    def ids(name):
        return tuple(item.strip() for item in text(name).split(",") if item.strip())

    return ParentContext(
        server_uri=text("Octopus.Web.ServerUri"), space_id=text("Octopus.Space.Id"),
        space_name=text("Octopus.Space.Name"), project_id=text("Octopus.Project.Id"),
        project_name=text("Octopus.Project.Name"), release_id=text("Octopus.Release.Id"),
        release_number=text("Octopus.Release.Number"),
        channel_id=text("Octopus.Release.Channel.Id"),
        environment_id=text("Octopus.Environment.Id"),
        environment_name=text("Octopus.Environment.Name"),
        deployment_id=text("Octopus.Deployment.Id"), tenant_id=text("Octopus.Deployment.Tenant.Id"),
        tenant_name=text("Octopus.Deployment.Tenant.Name"), task_id=text("Octopus.Task.Id"),
        specific_machines=ids("Octopus.Deployment.SpecificMachines"),
        excluded_machines=ids("Octopus.Deployment.ExcludedMachines"),
        machines=ids("Octopus.Deployment.Machines"))



def _convert(row, raw, problems):
    """Convert one raw value by its kind, appending a message to `problems` when it is unusable."""
    converter = _CONVERTERS[row.kind]
    try:
        return converter(row, raw)
    except ValueError as problem:
        problems.append(str(problem))
        return None


def _quote(raw):
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
                             row.label, _quote(hide_password(raw))))
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
        row.label, ", ".join(options), _quote(raw)))


def _yesno(row, raw):
    word = raw.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError('"{0}" must be Yes or No (got {1}).'.format(row.label, _quote(raw)))


def _bounded_int(row, raw, unit, low, high):
    text = raw.strip()
    if not re.match(r"^[+]?\d+$", text) or not low <= int(text) <= high:
        raise ValueError('"{0}" must be a whole number of {1} from {2} to {3} (got {4}).'.format(
            row.label, unit, low, high, _quote(raw)))
    return int(text)


def _seconds(row, raw):
    return _bounded_int(row, raw, "seconds", 1, MAX_TIMEOUT_SECONDS)


def _minutes(row, raw):
    return _bounded_int(row, raw, "minutes", 1, MAX_EXPIRY_MINUTES)


def _pattern(row, raw):
    text = raw.strip()
    if any(ch.isspace() for ch in text):
        raise ValueError('"{0}" must be a release version or a pattern such as "2021.1.*", without '
                         'spaces (got {1}).'.format(row.label, _quote(raw)))
    try:
        like_regex(text)
    except WildcardError as error:
        raise ValueError('"{0}" is not a pattern PowerShell\'s -like accepts: {1} (got {2}).'
                         .format(row.label, error, _quote(raw)))
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
                         'like "Machines-12" (got {2}).'.format(row.label, _quote(bad[0]), _quote(raw)))
    return names


def _prompted(row, raw):
    values, seen = [], set()
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        name, separator, value = line.partition("::")
        if not separator or not name.strip():
            raise ValueError('"{0}" line {1} must look like Name::Value (got {2}).'.format(
                row.label, number, _quote(line)))
        if name.strip().lower() in seen:
            raise ValueError('"{0}" sets {1} twice (line {2}).'.format(
                row.label, _quote(name.strip()), number))
        seen.add(name.strip().lower())
        values.append(PromptedValue(name.strip(), value.strip()))   # v29 trims each line
    return tuple(values)


def _pem(row, raw):
    text = raw.strip()
    if not text:
        return text
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValueError('"{0}" must be a PEM certificate starting with '
                         '"-----BEGIN CERTIFICATE-----" (got {1}).'.format(row.label, _quote(raw)))
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


_CONVERTERS = {
    "text": _text, "required": _required, "secret": _secret, "url": _url, "choice": _choice,
    "yesno": _yesno, "seconds": _seconds, "minutes": _minutes, "pattern": _pattern,
    "schedule": _schedule, "lines": _lines, "machines": _machines, "prompted": _prompted,
    "pem": _pem, "parallelism": _parallelism, "pinned": _pinned,
}
