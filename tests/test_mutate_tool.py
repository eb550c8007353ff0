"""The mutation tool's own logic (cheap: no mutant is built or tested here; CI never runs it)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))

import mutate  # noqa: E402
import mutants  # noqa: E402

SOURCE = '''"""Docstring with == and 1."""


def decide(value, limit=5):
    """Docstring too."""
    if value >= limit and value != "off":
        return True
    return not value or -1 + value


def message(name):
    return "Hello " + name + f"{name!r}"
'''


def test_logic_points_are_listed_and_messages_and_docstrings_left_alone():
    points = [(m.line, m.kind, m.before, m.after) for m in mutants.list_mutants(SOURCE)]
    assert points == [
        (4, "number", "5", "6"),
        (6, "comparison", ">=", ">"),
        (6, "comparison", "!=", "=="),
        (6, "compared string", "'off'", "'off_'"),
        (6, "boolean", "and", "or"),
        (7, "boolean", "True", "False"),
        (8, "boolean", "not x", "x"),
        (8, "number", "1", "0"),
        (8, "number", "-n", "n"),
        (8, "arithmetic", "+", "-"),
        (8, "boolean", "or", "and"),
    ]


def test_a_mutant_changes_exactly_its_own_point():
    original = mutants.mutated_source(SOURCE, -1)
    for mutant in mutants.list_mutants(SOURCE):
        changed = mutants.mutated_source(SOURCE, mutant.index)
        assert changed != original, mutant
        differing = [a for a, b in zip(original.splitlines(), changed.splitlines()) if a != b]
        assert len(differing) == 1, mutant
    assert "value < limit" not in original and "value > limit" in mutants.mutated_source(SOURCE, 1)


def test_survivors_are_found_again_by_their_code_after_lines_move(tmp_path):
    key = mutants.mutant_keys(SOURCE)[2]
    earlier = tmp_path / "earlier.json"
    earlier.write_text('{"m": {"results": [{"status": "survived", "key": %r}]}}'.replace(
        "%r", '"' + key.replace('"', '\\"') + '"'))
    moved = "\n\n" + SOURCE
    again = mutants.survivors_of(str(earlier), "m", mutants.list_mutants(moved), moved)
    assert [(m.line, m.before, m.after) for m in again] == [(8, "!=", "==")]


def test_alike_mutants_of_alike_lines_have_their_own_keys():
    keys = mutants.mutant_keys("if x == 1:\n    pass\nif x == 1:\n    pass\n")
    assert len(set(keys.values())) == len(keys) == 4
    assert keys[0].endswith("|#1") and keys[2].endswith("|#2")


def test_every_module_gets_tests_unit_first():
    for module in mutate.DEFAULT_MODULES:
        tests = mutate.tests_for(module)
        kinds = [path.split("/")[1] for path in tests]
        assert kinds == sorted(kinds, key=lambda kind: kind != "unit"), module
        assert any(kind == "e2e" for kind in kinds), module
    assert mutate.tests_for("entry") == ["tests/unit", "tests/e2e"]


ACTING = '''def wait(watches, clock, total=0):
    """A call in a docstring(...) is text."""
    raise_if_signalled()
    clock.sleep(min(1.0, max(0.0, total)))
    total += 2 * len(watches)
    note = "waited " + str(total) + " s"
    note += " more"
    return note
'''


def test_dropped_calls_min_max_swaps_and_augmented_arithmetic_are_mutants():
    points = [(m.line, m.kind, m.before, m.after) for m in mutants.list_mutants(ACTING)]
    assert points == [
        (1, "number", "0", "1"),
        (3, "dropped call", "raise_if_signalled(...)", "pass"),
        (4, "number", "1.0", "0"),
        (4, "number", "0.0", "1"),
        (4, "min/max", "max", "min"),
        (4, "min/max", "min", "max"),
        (4, "dropped call", "clock.sleep(...)", "pass"),
        (5, "number", "2", "3"),
        (5, "arithmetic", "*", "/"),
        (5, "arithmetic", "+=", "-="),
    ]
    applied = {m.kind + m.before: mutants.mutated_source(ACTING, m.index)
               for m in mutants.list_mutants(ACTING)}
    assert "    pass\n    clock.sleep" in applied["dropped callraise_if_signalled(...)"]
    assert "clock.sleep(max(1.0, max(0.0, total)))" in applied["min/maxmin"]
    assert "clock.sleep(min(1.0, min(0.0, total)))" in applied["min/maxmax"]
    assert "total -= 2 * len(watches)" in applied["arithmetic+="]


def test_every_new_kind_changes_one_line_and_a_message_being_joined_is_left_alone():
    original = mutants.mutated_source(ACTING, -1)
    for mutant in mutants.list_mutants(ACTING):
        changed = mutants.mutated_source(ACTING, mutant.index).splitlines()
        assert sum(a != b for a, b in zip(original.splitlines(), changed)) == 1, mutant
    assert all(m.line not in (6, 7) for m in mutants.list_mutants(ACTING))


def test_the_files_of_one_run_have_distinct_names_so_pytest_can_import_them_together():
    for module in mutate.TEST_MAP:
        names = [os.path.basename(path) for path in mutate.tests_for(module)]
        assert len(names) == len(set(names)), module
