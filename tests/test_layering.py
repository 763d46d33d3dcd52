"""The layers stay apart: rules read the route map, framework syntax stays in the adapters.

A rule that imports an adapter reads a framework's syntax itself (the rules would then have to
change with every adapter); what a rule needs from an adapter belongs on `Route` or
`ProjectFacts`. Rules read summaries, never libcst trees.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parent.parent / "rules"


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
    return out


RULE_FILES = sorted(RULES.rglob("*.py"))


def test_there_are_rule_modules() -> None:
    assert len(RULE_FILES) > 40


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(RULES)))
def test_rules_import_no_adapter_and_no_libcst(path: Path) -> None:
    bad = [f"{path.name}:{line}: {module}" for line, module in _imports(path)
           if module.startswith(("apilint.frameworks", "libcst"))]
    assert not bad, "rules must read the route map and summaries, not adapters or libcst: " + ", ".join(bad)
