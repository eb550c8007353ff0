"""The package's layers (pyproject.toml's import-linter contracts) hold, and would catch a breach.

`lint-imports` runs in a subprocess with `lib` on the path, as a contributor runs it; the second
test copies the package, adds one upward import (a rule importing the shell) and expects the
layers contract to fail on it, so the contract is known to bite.
"""

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lint_imports(root):
    command = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
               " sys.argv = ['lint-imports', '--no-cache']; lint_imports_command()"]
    env = dict(os.environ, PYTHONPATH=os.path.join(root, "lib"))
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), tmp_path)
    shutil.copytree(os.path.join(ROOT, "lib", "child_deploy"), tmp_path / "lib" / "child_deploy",
                    ignore=shutil.ignore_patterns("__pycache__"))
    rule = tmp_path / "lib" / "child_deploy" / "rules" / "targets.py"
    rule.write_text(rule.read_text() + "\nfrom ..shell.settings import parse_settings  # noqa\n")
    result = lint_imports(str(tmp_path))
    assert result.returncode == 1
    assert "child_deploy.rules is not allowed to import child_deploy.shell" in result.stdout
    assert "child_deploy.rules.targets -> child_deploy.shell.settings" in result.stdout
