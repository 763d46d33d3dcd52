"""The explicit package list in pyproject covers every package folder (c.2 of the style guide)."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest
from apilint.registry import all_rules

REPO = Path(__file__).resolve().parents[1]


def _expected_packages() -> set[str]:
    out = set()
    for top, name in (("analyzer", "apilint"), ("rules", "apilint.rules")):
        for init in (REPO / top).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / top).parts
            out.add(".".join((name, *rel)))
    return out


def test_every_package_folder_is_listed():
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(data["tool"]["setuptools"]["packages"])
    assert _expected_packages() == listed


def test_registry_finds_every_rule_module():
    modules = [p for p in (REPO / "rules").glob("*/*.py") if not p.name.startswith("_")]
    assert len(all_rules()) == len(modules)


def test_py_typed_is_shipped():
    assert (REPO / "analyzer" / "py.typed").is_file()


def test_package_data_covers_the_report_templates():
    import fnmatch

    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = data["tool"]["setuptools"]["package-data"]["apilint.reporters"]
    files = [p.relative_to(REPO / "analyzer" / "reporters").as_posix()
             for p in (REPO / "analyzer" / "reporters" / "templates").iterdir()]
    assert {"templates/report.html.j2", "templates/report.css", "templates/report.js"} <= set(files)
    assert all(any(fnmatch.fnmatch(f, g) for g in globs) for f in files), (files, globs)


@pytest.mark.slow
def test_built_wheel_ships_the_report_templates(tmp_path: Path):
    import shutil
    import subprocess
    import zipfile

    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".apilint_cache", "*.egg-info", "build")
    for name in ("analyzer", "rules"):
        shutil.copytree(REPO / name, tmp_path / "src" / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, tmp_path / "src" / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                            str(tmp_path / "src")], capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip().splitlines()[-1:]}")
    wheel = next((tmp_path / "dist").glob("apilint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"apilint/reporters/templates/report.html.j2", "apilint/reporters/templates/report.css",
            "apilint/reporters/templates/report.js", "apilint/checklist/__init__.py"} <= names
