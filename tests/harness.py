"""Run the built script body the way Calamari does, and read what it printed.

Calamari writes the body to Script.py, writes a Configure file holding the variables and the
host functions, and runs `python -u Bootstrap.py <hex key>` where Bootstrap does
`run_path(Script.py, configuration, "__main__")` (older versions: no run name, so `<run_path>`).
This harness writes the same three files into a work directory, runs them in a subprocess, and
parses the `##octopus[...]` service messages from stdout. stderr is captured separately: a
normal run must leave it empty.

With `clock_url`, the step's `time.sleep/time.time/time.monotonic` are replaced by a virtual
clock that advances the simulator's clock instead of sleeping.
"""

import base64
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEX_KEY = "4B40A1C2D3E4F5061728394A5B6C7D8E9F00112233445566778899AABBCCDDEE"
SERVICE_MESSAGE = re.compile(r"##octopus\[(?P<name>[\w-]+)(?P<attrs>(?:\s+\w+='[^']*')*)\s*\]")
ATTRIBUTE = re.compile(r"(\w+)='([^']*)'")

# The host functions, as Calamari's Configuration.py defines them (same output format).
CONFIGURE = textwrap.dedent('''
    import base64, json, os, sys
    def encode(value):
        return base64.b64encode(value.encode('utf-8')).decode('utf-8')
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "variables.json"), encoding="utf-8") as _f:
        octopusvariables = json.load(_f)
    _RAISES = os.environ.get("HARNESS_OLD_CALAMARI") == "1"
    def get_octopusvariable(key):
        return octopusvariables[key] if _RAISES else octopusvariables.get(key, "")
    def set_octopusvariable(name, value, sensitive=False):
        octopusvariables[name] = value
        extra = " sensitive='VHJ1ZQ=='" if sensitive else ""
        print("##octopus[setVariable name='{}' value='{}'{}]".format(encode(name), encode(value), extra))
    def createartifact(path, fileName=None):
        if fileName is None:
            fileName = os.path.basename(path)
        length = str(os.stat(path).st_size) if os.path.isfile(path) else "0"
        path = os.path.abspath(path)
        print("##octopus[stdout-verbose]")
        print("Artifact {} will be collected from {} after this step completes".format(fileName, path))
        print("##octopus[stdout-default]")
        print("##octopus[createArtifact path='{}' name='{}' length='{}']".format(encode(path), encode(fileName), encode(length)))
    def updateprogress(progress, message=None):
        print("##octopus[progress percentage='{}' message='{}']".format(encode(str(progress)), encode(message)))
    def failstep(message=None):
        if message is not None:
            print("##octopus[resultMessage message='{}']".format(encode(message)))
        exit(-1)
    def _mode(kind, message):
        print("##octopus[stdout-" + kind + "]")
        print(message)
        print("##octopus[stdout-default]")
    def printverbose(message): _mode("verbose", message)
    def printhighlight(message): _mode("highlight", message)
    def printwait(message): _mode("wait", message)
    def printwarning(message): _mode("warning", message)
    printverbose(sys.version)
''')

BOOTSTRAP = textwrap.dedent('''
    import os, sys
    _here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get("HARNESS_HIDE_SITE_PACKAGES") == "1":
        sys.path[:] = [p for p in sys.path if "site-packages" not in p and "dist-packages" not in p]
    if os.environ.get("HARNESS_CLOCK_URL"):
        sys.path.insert(0, os.environ["HARNESS_SUPPORT"])
        import virtual_clock
        virtual_clock.install(os.environ["HARNESS_CLOCK_URL"])
    from runpy import run_path
    configuration = run_path(os.path.join(_here, "Configure.py"))
    sys.argv[0] = os.path.join(_here, "Script.py")
    if os.environ.get("HARNESS_RUN_NAME") == "<run_path>":
        run_path(os.path.join(_here, "Script.py"), configuration)
    else:
        run_path(os.path.join(_here, "Script.py"), configuration, "__main__")
''')


@dataclass
class StepRun:
    """What one run of the step left behind."""

    exit_code: int
    stdout: str
    stderr: str
    outputs: dict = field(default_factory=dict)
    artifacts: list = field(default_factory=list)
    progress: list = field(default_factory=list)
    result_message: str = None
    lines: list = field(default_factory=list)      # (level, text), service messages removed
    work_dir: str = ""

    def text(self, level=None):
        return "\n".join(t for lvl, t in self.lines if level in (None, lvl))


def decode(value):
    return base64.b64decode(value).decode("utf-8")


def parse_output(stdout):
    """Split stdout into log lines by level, outputs, artifacts, progress and result message."""
    run = StepRun(0, stdout, "")
    level = "info"
    for line in stdout.splitlines():
        match = SERVICE_MESSAGE.search(line)
        if not match:
            run.lines.append((level, line))
            continue
        name, attrs = match.group("name"), dict(ATTRIBUTE.findall(match.group("attrs")))
        if name.startswith("stdout-"):
            level = {"default": "info"}.get(name[7:], name[7:])
        elif name == "setVariable":
            run.outputs[decode(attrs["name"])] = decode(attrs["value"])
        elif name == "createArtifact":
            run.artifacts.append((decode(attrs["path"]), decode(attrs["name"])))
        elif name == "progress":
            run.progress.append((int(decode(attrs["percentage"])), decode(attrs["message"])))
        elif name == "resultMessage":
            run.result_message = decode(attrs["message"])
    return run


def write_work_dir(work_dir, body, variables):
    os.makedirs(work_dir, exist_ok=True)
    with open(os.path.join(work_dir, "Script.py"), "w", encoding="utf-8") as handle:
        handle.write(body)
    with open(os.path.join(work_dir, "Configure.py"), "w", encoding="utf-8") as handle:
        handle.write(CONFIGURE)
    with open(os.path.join(work_dir, "Bootstrap.py"), "w", encoding="utf-8") as handle:
        handle.write(BOOTSTRAP)
    with open(os.path.join(work_dir, "variables.json"), "w", encoding="utf-8") as handle:
        json.dump(variables, handle)


def run_body(body, variables, work_dir, run_name="__main__", clock_url=None,
             hide_site_packages=False, old_calamari=False, timeout=120, extra_env=None):
    """Run `body` with `variables` as Calamari would; return the parsed StepRun."""
    started = start_body(body, variables, work_dir, run_name, clock_url, hide_site_packages,
                         old_calamari, extra_env)
    return started.finish(timeout)


def start_body(body, variables, work_dir, run_name="__main__", clock_url=None,
               hide_site_packages=False, old_calamari=False, extra_env=None):
    """Start `body` in a subprocess as Calamari would, without waiting: a RunningStep."""
    write_work_dir(work_dir, body, variables)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(HARNESS_RUN_NAME=run_name, HARNESS_SUPPORT=os.path.join(ROOT, "tests"),
               HARNESS_HIDE_SITE_PACKAGES="1" if hide_site_packages else "0",
               HARNESS_OLD_CALAMARI="1" if old_calamari else "0", NO_PROXY="127.0.0.1,localhost",
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    if clock_url:
        env["HARNESS_CLOCK_URL"] = clock_url
    env.update(extra_env or {})
    process = subprocess.Popen([sys.executable, "-u", os.path.join(work_dir, "Bootstrap.py"), HEX_KEY],
                               cwd=work_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
    return RunningStep(process, work_dir)


class RunningStep:
    """A step run in progress: send it signals, then `finish()` for its StepRun."""

    def __init__(self, process, work_dir):
        self.process, self.work_dir = process, work_dir

    def send_signal(self, signum):
        self.process.send_signal(signum)

    def finish(self, timeout=120):
        try:
            stdout, stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        run = parse_output(stdout.decode("utf-8", "replace"))
        run.exit_code = self.process.returncode
        run.stderr = stderr.decode("utf-8", "replace")
        run.work_dir = self.work_dir
        return run


def built_body():
    """The script body from the committed step_template.json (what users import)."""
    with open(os.path.join(ROOT, "step_template.json"), encoding="utf-8") as handle:
        return json.load(handle)["Properties"]["Octopus.Action.Script.ScriptBody"]
