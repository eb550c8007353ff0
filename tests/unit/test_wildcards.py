"""Release-number patterns as PowerShell's -like reads them (v29 reads the release number with -like)."""

import pytest

from child_deploy.rules.wildcards import WildcardError, like, like_regex, literal_runs


@pytest.mark.parametrize("pattern, text, matches", [
    ("2021.1.?", "2021.1.5", True), ("2021.1.?", "2021.1.15", False), ("2021.1.?", "2021.1.", False),
    ("[a-c]x", "Bx", True), ("[a-c]x", "dx", False), ("v[13]", "v3", True), ("v[13]", "v2", False),
    ("*", "", True), ("", "anything", True), ("a*b", "aXYb", True), ("a*b", "aXYbc", False),
    ("1.0-`[rc`]", "1.0-[rc]", True), ("1.0-`[rc`]", "1.0-r", False), ("a`?", "a?", True),
    ("a`?", "ab", False), ("a.b", "aXb", False), ("A+B", "a+b", True),
])
def test_like_semantics(pattern, text, matches):
    assert like(pattern, text) is matches


@pytest.mark.parametrize("pattern", ["2021.[1.*", "a[]b", "[z-a]"])
def test_patterns_like_refuses_raise(pattern):
    with pytest.raises(WildcardError):
        like_regex(pattern)


def test_literal_runs_skip_wildcards_and_resolve_escapes():
    assert literal_runs("2021.*.[0-9]-`*x?") == ["2021.", ".", "-*x"]


@pytest.mark.parametrize("pattern, text, matches", [
    ("1.0`", "1.0`", True),            # a backtick with nothing after it is itself
    ("1.0`", "1.0", False),
    ("2021.[1-1]", "2021.1", True),    # a one-character range is a range, not backwards
    ("2021.[1-1]", "2021.2", False),
])
def test_edges_of_escapes_and_ranges(pattern, text, matches):
    assert like(pattern, text) is matches


def test_a_trailing_backtick_is_a_literal_run():
    assert literal_runs("1.0`") == ["1.0`"]
    assert literal_runs("1.*`") == ["1.", "`"]
