"""The analyzed code is never imported or run, by any command.

Every file of the planted project creates a marker file when imported or executed: module
code, a package `__init__`, conftest.py, setup.py, a Django settings module, `.pth` and
sitecustomize tricks, and modules named like apilint's own dependencies (yaml, rich, libcst...)
that would shadow them if the target folder ever got onto `sys.path`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.robustness.appgen import AUTH_APP, write

APILINT = shutil.which("apilint", path=str(Path(sys.executable).parent)) or "apilint"
SHADOWED = ("yaml", "rich", "libcst", "pathspec", "typer", "click", "tomllib", "tomli", "hypothesis", "apilint")


def _plant(root: Path, marker: Path) -> None:
    payload = f"import pathlib; pathlib.Path({str(marker)!r}).write_text(__file__)\n"
    files: dict[str, str | bytes] = {
        "main.py": payload + AUTH_APP,
        "pkg/__init__.py": payload,
        "pkg/views.py": "from pkg import helpers\n" + payload,
        "pkg/helpers.py": payload,
        "conftest.py": payload,
        "setup.py": payload + "from setuptools import setup\nsetup(name='x')\n",
        "settings.py": payload + "SECRET_KEY = 'x'\nDEBUG = True\n",
        "manage.py": payload + "import sys\n",
        "__main__.py": payload,
        "sitecustomize.py": payload,
        "usercustomize.py": payload,
        "evil.pth": "import os; " + payload,
        "pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = 'backend'\n",
        "backend.py": payload,
    }
    for name in SHADOWED:
        files[f"{name}.py"] = payload
    write(root, files)


def _apilint(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    return subprocess.run([APILINT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_no_command_runs_the_target(tmp_path: Path) -> None:
    project = tmp_path / "project"
    marker = tmp_path / "EXECUTED"
    _plant(project, marker)
    runs = [["check", "."], ["."], ["check", "main.py"], ["routes", "."], ["routes", ".", "--format", "json"],
            ["rules"], ["explain", "AUTH001"]]
    runs += [["check", ".", "--format", fmt, "--output", str(tmp_path / f"out.{fmt}")]
             for fmt in ("text", "json", "sarif", "github", "gitlab", "markdown")]
    for args in runs:
        proc = _apilint(args, project)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        if proc.returncode == 2 and "not available" in proc.stderr:
            continue  # a reporter another engineer has not landed yet
        assert proc.returncode in (0, 1), (args, proc.returncode, proc.stderr)
        assert not marker.exists(), f"`apilint {' '.join(args)}` ran {marker.read_text()}"
    assert "AUTH001" in _apilint(["check", "."], project).stdout


def test_shadowing_modules_in_the_config_folder_are_not_imported(tmp_path: Path) -> None:
    """A YAML config makes apilint import yaml; the project's own yaml.py must not be it."""
    marker = tmp_path / "EXECUTED"
    _plant(tmp_path / "project", marker)
    write(tmp_path / "project", {".apilint.yaml": "ignore: [AUTH001]\n"})
    proc = _apilint(["check", "."], tmp_path / "project")
    assert proc.returncode in (0, 1), proc.stderr
    assert not marker.exists()


def test_python_dash_m_does_not_import_modules_planted_in_the_current_folder(tmp_path: Path) -> None:
    """`python -m apilint` inside a hostile checkout must not pick up its `rich.py` or `yaml.py`."""
    marker = tmp_path / "MARKER"
    for name in ("rich", "yaml", "typer", "libcst"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').write('{name}')\n", encoding="utf-8")
    (tmp_path / "app.py").write_text("import yaml\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "apilint", "check", ".", "--no-cache", "--exit-zero"],
                   cwd=tmp_path, capture_output=True, timeout=120, check=False)
    assert not marker.exists(), marker.read_text(encoding="utf-8")
