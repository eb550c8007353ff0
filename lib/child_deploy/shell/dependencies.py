"""Make `requests` and `python-dateutil` importable on workers that lack them: `pip install
--target` a temporary folder (PEP 668 refuses `--user`), removed at exit.
"""

import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

from ..base.errors import DependencyError

REQUIRED_PACKAGES = (("requests", "requests>=2.25"), ("dateutil", "python-dateutil>=2.8"))


def missing_packages(import_module=importlib.import_module):
    """The pip requirements whose module cannot be imported right now."""
    missing = []
    for module, requirement in REQUIRED_PACKAGES:
        try:
            import_module(module)
        except ImportError:
            missing.append(requirement)
    return missing


def ensure_dependencies(host, install=None, import_module=importlib.import_module):
    """Install whatever is missing into a temporary folder, or raise DependencyError."""
    missing = missing_packages(import_module)
    if not missing:
        return
    host.info("This worker lacks {0}; installing into a temporary folder.".format(
        ", ".join(missing)))
    target = tempfile.mkdtemp(prefix="child-deploy-packages-")
    # At exit, not before: requests reads certifi's CA bundle from this folder on every request.
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    ok, output = (install or pip_install)(missing, target)
    if output:
        host.verbose(output)
    sys.path.insert(0, target)
    importlib.invalidate_caches()
    still_missing = missing_packages(import_module)
    if not ok or still_missing:
        shutil.rmtree(target, ignore_errors=True)
        raise DependencyError(
            "The step needs {0} and could not install {1} with pip on this worker. Install them "
            "for the worker's python3 (pip install {2}), or run the step in the "
            "octopusdeploy/worker-tools execution container.".format(
                ", ".join(req for _, req in REQUIRED_PACKAGES), ", ".join(still_missing or missing),
                " ".join(still_missing or missing)))


def pip_install(requirements, target):
    """Run pip quietly; return (succeeded, its combined output) without touching our stderr."""
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
               "--quiet", "--target", target] + list(requirements)
    environment = dict(os.environ, PIP_ROOT_USER_ACTION="ignore", PYTHONWARNINGS="ignore")
    try:
        finished = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=environment, timeout=600)
    except (OSError, subprocess.SubprocessError) as error:
        return False, "pip could not be started: {0}".format(error)
    output = finished.stdout.decode("utf-8", "replace").strip()
    return finished.returncode == 0, output
