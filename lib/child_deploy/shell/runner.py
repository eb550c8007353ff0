"""The one place where a run ends: success, a StepError, a bug, or a signal; every path publishes
what is known by then.
"""

import atexit
import os
import tempfile
import traceback
from urllib.parse import quote
import warnings
from contextlib import contextmanager

from ..base.clock import SystemClock
from .dependencies import ensure_dependencies
from ..acting.deployment import STEP_MARGIN_SECONDS, cancel_child
from ..base.errors import StepCancelledError, StepError
from .flow import deploy_child
from ..octopus.octopus_client import OctopusClient, load_requests
from ..base.outcome import nothing_to_deploy, publish
from .settings import parse_settings, train_described
from ..train.approved import publish_train
from ..train.train import stopped_train
from ..acting.waiting import cancellation_signals
from ..octopus.transport import REQUEST_TIMEOUT_SECONDS

BUG_MESSAGE = ("The step stopped on an unexpected error. This is a bug in the Deploy Child Octopus "
               "Deploy Project template; please report it with the verbose log of this step.")
API_KEY_PARAMETER = "ChildProject.Api.Key"
TRAIN_PLANNING_SECONDS = 600    # a train's time is set again once planned


def run(host, clock=None, session=None, install=None, request_timeout=None):
    """Run the step on `host`; return the process exit code (0 success, 1 failure)."""
    with warnings_to_verbose(host):
        return _run(host, clock or SystemClock(), session, install, request_timeout)


@contextmanager
def warnings_to_verbose(host):
    """Library warnings go to the verbose log, not to stderr (which can fail the step)."""
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        host.verbose("{0}: {1}".format(category.__name__, message))

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def _run(host, clock, session, install, request_timeout=None):
    """The run inside one signal guard."""
    host.add_secret(host.variable(API_KEY_PARAMETER).strip())
    made = {}
    with cancellation_signals():
        try:
            return _steps(host, clock, session, install, made, request_timeout)
        except StepCancelledError as cancelled:
            return stopped(host, clock, made.get("client"), str(cancelled))


def _steps(host, clock, session, install, made, request_timeout):
    try:
        ensure_dependencies(host, install=install)
        settings = parse_settings(host.variable, now=clock.now())
        client = made["client"] = make_client(settings, host, clock, session,
                                               request_timeout)
        outcome = deploy_child(settings, client, host, clock)
        return 0 if outcome.succeeded else 1
    except StepCancelledError:
        raise
    except StepError as error:
        return failed(host, str(error))
    except Exception:  # noqa: BLE001 - the single catch-all, by design
        host.verbose(traceback.format_exc())
        return failed(host, BUG_MESSAGE)


def failed(host, message):
    """Fail the step; outputs not yet set say why (and which child, if known)."""
    if host.train is not None and not host.outputs_published:
        host.train.abandon(message)
    unplanned_train(host, message)
    if not host.outputs_published:      # later steps and approvals read them
        known = host.known_outcome or nothing_to_deploy("Error", "")
        publish(host, known.with_(outcome="Error", reason=message))
    host.fail(message)
    return 1


def stopped(host, clock, client, message):
    """Told to stop: cancel the child if this run created it (once), publish what is known, fail."""
    if host.train is not None:
        return stopped_train(host, clock, client, message)
    known = host.known_outcome or nothing_to_deploy("Canceled", "")
    if known.deployment_id and client is not None:
        message += " The child deployment {0} of release {1} was {2}.".format(
            known.deployment_id, known.release_version, cancel_child(client, clock, host))
        known = host.known_outcome
    if not unplanned_train(host, message):
        publish(host, known.with_(outcome="Canceled", reason=message))
    host.fail(message)
    return 1


def unplanned_train(host, message):
    """Whether a train ended before its plan (a parameter, its space, a signal): it says so."""
    if host.train is not None or not train_described(host.variable):
        return False
    publish_train(host, "", [], "Failed", message)
    return True


def make_client(settings, host, clock, session=None, request_timeout=None):
    """An OctopusClient that logs each call at verbose level and keeps to the step's deadline;
    a Base Url's `user:password@` goes to the session, never into a URL, and is masked."""
    deadline = clock.monotonic() + settings.timeout_seconds + STEP_MARGIN_SECONDS + (
        TRAIN_PLANNING_SECONDS if settings.is_train or settings.is_rings else 0)
    if settings.server_credentials:
        session = session or load_requests().Session()
        session.auth = settings.server_credentials
        register_credentials(host, *settings.server_credentials)
    return OctopusClient(settings.server_url, settings.api_key, session=session,
                         log=host.verbose, clock=clock, verify=tls_verify(settings),
                         deadline=deadline, notice=host.info,
                         request_timeout=request_timeout or REQUEST_TIMEOUT_SECONDS)


def register_credentials(host, user, password):
    """Mask the password as typed and as written in the URL (or the user, when it is a token)."""
    secret = password or user
    host.add_secret(secret)
    host.add_secret(quote(secret, safe=""))


def tls_verify(settings):
    """What to pass as `verify`: True, or the worker's bundle plus the PEM (never replacing it)."""
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
