"""Nothing relayed speaks for the step (docs/design.md, the failure model, 5), end to end on the built body.

A hostile child project carries service messages, cut by line breaks at every position and at
random ones (fixed seeds), in its name, its release notes, its log lines (enhanced logging) and
the error message its task fails with; a hostile server puts them in `ErrorMessage` and
`Errors`. What the step printed is read by parsers that keep state across lines as Calamari's
does (tests/service_messages.py): only the step's own messages may come out of it, and the
outputs the step set must arrive intact.
"""

import http.server
import json
import random
import threading
from datetime import timedelta

import pytest

from octopus_sim import ProcessStep, TaskScript
from service_messages import PAYLOADS, assert_only_own_messages, cut_variants


def hostile_texts(seed, per_payload=None):
    rng = random.Random(seed)
    texts = []
    for payload in PAYLOADS:
        variants = cut_variants(payload, rng)
        texts += variants if per_payload is None else rng.sample(variants, per_payload)
    return texts


def hostile_child(sim, suite, texts):
    """A child named after a payload, whose release notes hold cut payloads, deployed up to Test."""
    world = sim.world
    name = "Evil " + PAYLOADS[0] + " #"
    with world.lock:
        project = world.add_project(name, suite.lifecycle, steps=[
            ProcessStep("Deploy " + PAYLOADS[2] + " ##", roles=["web-api"], packages=["WebAPI"])])
        release = world.add_release(project, "1.0.0", notes="\n".join(texts[:200]),
                                    created=sim.clock.now() - timedelta(hours=2))
        for hours, environment in ((1.5, "Development"), (1, "Test")):
            world.add_deployment(release, suite.environments[environment],
                                 created=sim.clock.now() - timedelta(hours=hours))
    return project, name


def test_names_notes_log_lines_and_task_errors_cannot_set_outputs(step, sim, suite):
    texts = hostile_texts(seed=12)
    project, name = hostile_child(sim, suite, texts)
    rng = random.Random(5)
    pieces = []
    for payload in PAYLOADS:        # a payload spread over consecutive log lines, too
        cut = rng.randint(1, len(payload) - 1)
        pieces += [payload[:cut], payload[cut:], "ends with #", "#" + payload[1:]]
    sim.world.set_task_script(project, TaskScript(
        run_seconds=40, log_lines=texts + pieces, outcome="Failed",
        error_message=" ".join(hostile_texts(seed=13, per_payload=6))))
    run = step(name, "Staging", **{"EnableEnhancedLogging.Value": "Yes",
                                   "ReleaseNotes.SaveAsArtifact": "Yes"})
    assert run.exit_code != 0 and run.stderr == ""
    assert run.outputs["ChildOutcome"] == "Failed" and run.outputs["ReleaseToPromote"] == "1.0.0"
    assert run.outputs["ReleaseNotes"].count("##octopus[") >= 100   # outputs keep the text verbatim
    assert run.artifacts and run.text().count("|  ") > len(texts)
    assert_only_own_messages(run.stdout, run.outputs)


class HostileServer:
    """Answers every request with 400 and the hostile texts in ErrorMessage and Errors."""

    def __init__(self, texts):
        body = json.dumps({"ErrorMessage": " ".join(texts[:40]), "Errors": texts[40:80]}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:{0}".format(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("seed", [21, 22])
def test_an_octopus_error_message_cannot_set_outputs(step, seed):
    server = HostileServer(hostile_texts(seed, per_payload=20))
    try:
        run = step("Web API", "Staging", **{"Web.ServerUrl": server.url})
    finally:
        server.close()
    assert run.exit_code != 0 and run.stderr == ""
    assert "Octopus answered 400" in run.result_message
    assert_only_own_messages(run.stdout, run.outputs)
