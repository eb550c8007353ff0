"""No text given to the host can form a service message, however it is cut and joined.

The host is fed, through every kind of write it has, texts holding service messages broken by
line breaks at every position and at random ones (fixed seeds), one after another; what the
fake Calamari functions print is then read by parsers that keep state across lines and writes
as Calamari's does (tests/service_messages.py). Only the step's own messages may come out.
"""

import contextlib
import io
import random

import pytest

from child_deploy.base import host as host_module
from child_deploy.base.host import OctopusHost
from harness import CONFIGURE
from service_messages import (PAYLOADS, assert_only_own_messages, calamari_messages,
                              cut_variants, set_variable_message)


def calamari_namespace():
    """Calamari's functions as the harness defines them (same printed format)."""
    namespace = {"__file__": __file__}
    source = CONFIGURE.replace('with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '
                               '"variables.json"), encoding="utf-8") as _f:\n    octopusvariables = '
                               'json.load(_f)', "octopusvariables = {}")
    source = source.replace("printverbose(sys.version)", "")
    source = source.replace("    exit(-1)", "    pass")
    exec(compile(source, "Configure.py", "exec"), namespace)
    return namespace


def run_writes(texts, rng):
    """Every text through a randomly chosen host write; returns (stdout, outputs set)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        host = OctopusHost(calamari_namespace())
        outputs = {}
        for number, text in enumerate(texts):
            kind = rng.choice(("info", "verbose", "highlight", "warning", "wait", "fail",
                               "progress", "output"))
            if kind == "progress":
                host.progress(50, text)
            elif kind == "output":
                outputs["Out{0}".format(number)] = text
                host.set_output("Out{0}".format(number), text)
            else:
                getattr(host, kind)(text)
    return out.getvalue(), outputs


@pytest.mark.parametrize("seed", range(4))
def test_cut_payloads_through_every_write_form_no_message(seed):
    rng = random.Random(seed)
    texts = []
    for payload in PAYLOADS:
        texts += cut_variants(payload, rng)
    rng.shuffle(texts)
    # Pieces too: a payload split over consecutive writes, with and without the line breaks.
    for payload in PAYLOADS:
        cut = rng.randint(1, len(payload) - 1)
        texts += [payload[:cut], payload[cut:], "#", "#", "octopus[stdout-ignore]"]
    stdout, outputs = run_writes(texts, rng)
    assert_only_own_messages(stdout, outputs)


def test_the_old_replacement_is_not_enough():
    """Only `##octopus` replaced, as before: `##oct` + line break + `opus[...]` still forms one."""
    payload = set_variable_message("Injected", "pwned")
    text = (payload[:5] + "\n" + payload[5:]).replace("##octopus", "# #octopus")
    messages, _ = calamari_messages(text + "\n")
    assert [name for name, _ in messages] == ["setVariable"]
    assert calamari_messages(host_module.neutralise(text) + "\n")[0] == []


@pytest.mark.parametrize("text,expected", [
    ("##octopus[x]", "# #octopus[x]"), ("ends with #", "ends with # "), ("#\n#", "# \n# "),
    ("# heading", "# heading"), ("C# and F#.", "C# and F#."), ("app#/Spaces-1", "app#/Spaces-1"),
    ("###", "# # # "), ("#\r\n#", "# \r\n# "), ("#\u2028", "# \u2028"),
])
def test_neutralise_touches_only_pairable_hashes(text, expected):
    assert host_module.neutralise(text) == expected


def test_the_steps_own_messages_still_work_after_hostile_text():
    """A text ending inside a would-be mark must not swallow the step's next setVariable."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        host = OctopusHost(calamari_namespace())
        for text in ("trailing #", "##", "##octopus[", "x ##octopus"):
            host.info(text)
            host.set_output("Mine", "value")
    messages, state = calamari_messages(out.getvalue())
    assert [n for n, _ in messages if n == "setVariable"] == ["setVariable"] * 4 and state == "Default"


def test_an_artifact_whose_name_holds_a_hash_is_renamed_before_calamari_prints_it(tmp_path):
    calls = []
    namespace = {"get_octopusvariable": lambda name: "",
                 "createartifact": lambda path, name=None: calls.append((path, name))}
    path = tmp_path / "Evil ##octopus[stdout-ignore] 1.0.ReleaseNotes.txt"
    path.write_text("notes")
    OctopusHost(namespace).artifact(str(path), path.name)
    [(saved, name)] = calls
    assert "#" not in name and "#" not in saved and open(saved).read() == "notes"
