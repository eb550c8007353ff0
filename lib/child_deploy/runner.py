"""The one place where a run ends: success, a StepError, or a bug.

Everything the step does happens inside `run`. A StepError becomes the step's failure message;
any other exception is a bug in the template, so its traceback goes to the verbose log and the
user gets a short message asking for a report.
"""

import atexit
import os
import tempfile
import traceback
import warnings
from contextlib import contextmanager

from .clock import SystemClock
from .dependencies import ensure_dependencies
from .errors import StepError
from .flow import deploy_child
from .octopus_client import OctopusClient
from .outcome import nothing_to_deploy, publish
from .settings import parse_settings
from .transport import REQUEST_TIMEOUT_SECONDS

BUG_MESSAGE = ("The step stopped on an unexpected error. This is a bug in the Deploy Child Octopus "
               "Deploy Project template; please report it with the verbose log of this step.")
API_KEY_PARAMETER = "ChildProject.Api.Key"
# Beyond *Wait for Deployment*: the lookups before the child is created, and the calls after the
# wait (a cancel on timeout, the outputs). The whole step ends within the two together.
STEP_MARGIN_SECONDS = 60


def run(host, clock=None, session=None, install=None, request_timeout=None):
    """Run the step on `host`; return the process exit code (0 success, 1 failure).

    `request_timeout` (seconds) replaces the client's own limit per request (the CLI's
    --request-timeout); None keeps REQUEST_TIMEOUT_SECONDS.
    """
    with warnings_to_verbose(host):
        return _run(host, clock or SystemClock(), session, install, request_timeout)


@contextmanager
def warnings_to_verbose(host):
    """Library warnings (urllib3 on an old OpenSSL, a deprecation) go to the verbose log.

    Python prints warnings on stderr, which Octopus shows as errors and, with
    FailScriptOnErrorOutput, turns into a failed step.
    """
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        host.verbose("{0}: {1}".format(category.__name__, message))

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def _run(host, clock, session, install, request_timeout=None):
    host.add_secret(host.variable(API_KEY_PARAMETER).strip())
    try:
        ensure_dependencies(host, install=install)
        settings = parse_settings(host.variable, now=clock.now())
        client = make_client(settings, host, clock, session, request_timeout)
        outcome = deploy_child(settings, client, host, clock)
        return 0 if outcome.succeeded else 1
    except StepError as error:
        return failed(host, str(error))
    except Exception:  # noqa: BLE001 - the single catch-all, by design
        host.verbose(traceback.format_exc())
        return failed(host, BUG_MESSAGE)


def failed(host, message):
    """Fail the step; outputs not yet set say why (with the release, if one was chosen)."""
    if not host.outputs_published:      # later steps and approvals read them
        known = host.known_outcome or nothing_to_deploy("Error", "")
        publish(host, known.with_(outcome="Error", reason=message))
    host.fail(message)
    return 1


def make_client(settings, host, clock, session=None, request_timeout=None):
    """An OctopusClient that logs each call at verbose level and keeps to the step's time.

    The step must end within *Wait for Deployment* plus STEP_MARGIN_SECONDS whatever the server
    does: the client starts no retry and lets no request run past that deadline, and each
    request has `request_timeout` seconds at most (REQUEST_TIMEOUT_SECONDS by default).
    """
    deadline = clock.monotonic() + settings.timeout_seconds + STEP_MARGIN_SECONDS
    return OctopusClient(settings.server_url, settings.api_key, session=session,
                         log=host.verbose, clock=clock, verify=tls_verify(settings),
                         deadline=deadline,
                         request_timeout=request_timeout or REQUEST_TIMEOUT_SECONDS)


def tls_verify(settings):
    """What to pass as `verify`: True (system bundle, REQUESTS_CA_BUNDLE) or a bundle with the PEM.

    The PEM is added to the bundle the worker already trusts (REQUESTS_CA_BUNDLE, else
    certifi's) rather than replacing it, so a proxy with a public certificate keeps working.
    Verification is never switched off.
    """
    if not settings.trusted_certificate:
        return True
    handle = tempfile.NamedTemporaryFile("w", suffix=".pem", prefix="octopus-ca-", delete=False,
                                         encoding="utf-8")
    with handle:
        handle.write(trusted_bundle() + "\n" + settings.trusted_certificate + "\n")
    atexit.register(_remove_quietly, handle.name)     # workers run many steps: leave no files
    return handle.name


def _remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass


def trusted_bundle():
    """The text of the CA bundle requests would use without our PEM ("" when there is none)."""
    for path in (os.environ.get("REQUESTS_CA_BUNDLE"), os.environ.get("CURL_CA_BUNDLE"),
                 _certifi_path()):
        try:
            with open(path or "", encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError):
            continue    # unset, a directory or unreadable: the next candidate
    return ""


def _certifi_path():
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()
