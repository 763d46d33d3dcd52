"""The explicit package list in pyproject covers every package folder (c.2 of the style guide)."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
