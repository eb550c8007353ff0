"""What an answer means at its edges (pure): an error's message when Octopus gives none, and
which redirect Locations are usable at all."""

from types import SimpleNamespace

import pytest

from child_deploy.octopus.answers import api_error, usable_location

BASE = "https://octopus.example.com/api/Spaces-1/tasks"


def answer(status, content=b"", reason=""):
    return SimpleNamespace(status_code=status, content=content, reason=reason, headers={})


@pytest.mark.parametrize("content, reason, says", [
    (b'{"ErrorMessage": "Task is locked"}', "Conflict", "409 to GET /x: Task is locked"),
    (b'{"Errors": []}', "Conflict", "409 to GET /x: Conflict"),         # the HTTP reason then
    (b"", "", "409 to GET /x: (no message)"),                            # and when neither
])
def test_an_error_says_octopus_message_else_the_reason_else_that_there_was_none(content, reason, says):
    error = api_error(answer(409, content, reason), "GET", "/x", lambda text: text)
    assert says in str(error)
    assert error.error_message == ("Task is locked" if b"Task" in content else reason)


@pytest.mark.parametrize("location, usable", [
    ("/api/Spaces-1/tasks/ServerTasks-2", True),
    ("http://octopus.example.com/api", True),
    ("https://octopus.example.com/api!", True),                 # '!' is the first printable
    ("https://octopus.example.com/a~b", True),                  # '~' the last
    ("https://octopus.example.com/a\x7fb", False),              # DEL is not
    ("https://octopus.example.com/a b", False),                 # nor a space inside
    ("ftp://octopus.example.com/api", False),                   # not HTTP
    ("http:///api", False),                                     # no host
    ("", False),
])
def test_which_redirect_locations_are_usable(location, usable):
    assert (usable_location(BASE, location) is not None) is usable
