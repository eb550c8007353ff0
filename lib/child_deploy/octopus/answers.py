"""What an Octopus answer says, once read whole: its JSON, its shape, its error (no I/O).

An empty or unparsable answer is lost, never `{}` (which would hide an active deployment); one
of the wrong shape is refused, naming the route.
"""

import json
from urllib.parse import urljoin, urlsplit

from ..base.errors import OctopusApiError, UnexpectedAnswerError
from .retrying import parse_retry_after
from .transport import cut_off

COLLECTION = "collection"       # what `expect` calls a page envelope or a bare array of objects
PERMISSIONS = ("Project Viewer, Environment Viewer and Deployment Creator on the child project "
               "and its environments (and, for auto-approval, the right to take responsibility "
               "for and submit interruptions)")
STATUS_HINTS = {
    401: ("Check \"Octopus API Key\": the key is missing, mistyped, expired or revoked. Its user "
          "needs " + PERMISSIONS + "."),
    403: ("The user of \"Octopus API Key\" lacks a permission this needs. Give it a team with "
          + PERMISSIONS + "."),
    404: "Check the names and ids the step was given, and \"Octopus Base Url\".",
}


def decoded(answer, expect, method, shown, scrub):
    """The JSON of a successful `answer`, of the `expect` shape, or the error saying why not."""
    if answer.status_code == 204:       # No Content: the one answer that may be empty
        return {} if expect in (dict, COLLECTION) else []
    if not answer.content:
        raise cut_off(method, shown, answer.status_code, "its body was empty")
    try:
        value = json.loads(answer.content)
    except (ValueError, RecursionError):
        raise _not_json(answer, method, shown, scrub)
    problem = shape_problem(value, expect)
    if problem:
        raise UnexpectedAnswerError(
            "Octopus answered {0} {1} with {2}. A proxy or gateway may have answered in its "
            "place; check \"Octopus Base Url\".".format(method, shown, problem),
            status=answer.status_code, method=method, path=shown)
    return value


def api_error(answer, method, shown, scrub):
    """The OctopusApiError for an error status, with Octopus' own ErrorMessage and Errors."""
    payload = _payload(answer.content)
    error_message = scrub(str(payload.get("ErrorMessage") or answer.reason or ""))
    errors = payload.get("Errors")
    errors = [scrub(str(e)) for e in (errors if isinstance(errors, list) else [])]
    text = "Octopus answered {0} to {1} {2}: {3}".format(
        answer.status_code, method, shown, error_message or "(no message)")
    if errors:
        text += " " + " ".join("- " + e for e in errors)
    hint = STATUS_HINTS.get(answer.status_code)
    if hint:
        text += " " + hint
    return OctopusApiError(text, status=answer.status_code, method=method, path=shown,
                           error_message=error_message, errors=errors,
                           retry_after=parse_retry_after(answer.headers.get("Retry-After")))


def shape_problem(value, expect):
    """What is wrong with the shape of `value`, an answer expected to be `expect` ("" if none)."""
    wanted = {dict: "a JSON object", list: "a JSON array of objects",
              COLLECTION: "a page of items or an array of objects"}[expect]
    if expect is dict:
        ok = isinstance(value, dict)
    elif expect is list or isinstance(value, list):
        ok = isinstance(value, list) and all(isinstance(item, dict) for item in value)
    else:
        items = value.get("Items") if isinstance(value, dict) else None
        ok = isinstance(items, list) and all(isinstance(item, dict) for item in items)
    return "" if ok else "{0} where {1} was expected".format(_describe(value), wanted)


def _describe(value):
    """A few words on what `value` is, for a message."""
    if isinstance(value, dict):
        return "a page whose Items is " + _describe(value["Items"]) if "Items" in value \
            else "an object"
    if isinstance(value, list):
        return "an array" + ("" if all(isinstance(i, dict) for i in value)
                             else " with items that are not objects")
    return {str: "a string", bool: "true or false", type(None): "null"}.get(type(value), "a number")


def usable_location(url, location):
    """The absolute address a redirect's Location names, or None when it is empty or malformed."""
    text = (location or "").strip()
    if not text or any(not 0x21 <= ord(c) < 0x7f for c in text):
        return None
    try:
        target = urljoin(url, text)
        parts = urlsplit(target)
        parts.port          # raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return target


def _not_json(answer, method, shown, scrub):
    """A body that says it is JSON but does not parse was cut off; any other is not Octopus."""
    content_type = answer.headers.get("Content-Type", "")
    if not content_type or "json" in content_type.lower():
        return cut_off(method, shown, answer.status_code,
                       "its JSON does not parse (cut off or garbled)")
    return OctopusApiError(
        "Octopus answered {0} {1} with something that is not JSON ({2}). Check that "
        "\"Octopus Base Url\" is the server's address.".format(method, shown, scrub(content_type)),
        status=answer.status_code, method=method, path=shown)


def _payload(content):
    try:
        payload = json.loads(content or b"{}")
    except (ValueError, RecursionError):
        return {}
    return payload if isinstance(payload, dict) else {}
