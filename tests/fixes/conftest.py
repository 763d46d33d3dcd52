"""Helpers for the fix tests, as fixtures: a temporary tree, and one fix pass over plans."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest
from apilint.fixes.apply import Fixer, PassResult
from apilint.model import Confidence, Finding, FixPlan, Location, Severity


def _finding(plan: FixPlan, code: str) -> Finding:
    return Finding(code, "m", Severity.LOW, Confidence.LOW, Location(plan.file, plan.line), fix_plan=plan)


class Tree:
    """A folder to write sources into and run fix passes on."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, files: Mapping[str, str | bytes]) -> None:
        """Write files: text is dedented (leading newline dropped), bytes are written as they are."""
        for rel, content in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(dedent(content), encoding="utf-8")

    def finding(self, plan: FixPlan, code: str = "TEST001") -> Finding:
        """A finding that carries `plan`, as a rule would yield it."""
        return _finding(plan, code)

    def run_pass(self, plans: list[FixPlan], modules: Mapping[str, tuple[str, bool]] | None = None,
                 allowed: list[Path] | None = None) -> PassResult:
        """One pass over the plans (nothing is written)."""
        fixer = Fixer(self.root, allowed or [self.root], modules or {})
        return fixer.run_pass([_finding(p, "TEST001") for p in plans])

    def fix(self, source: str, *plans: FixPlan, path: str = "app.py", files: Mapping[str, str] | None = None,
            modules: Mapping[str, tuple[str, bool]] | None = None) -> str:
        """The text of `path` after one pass; fails when a plan failed or was held back."""
        self.write({path: source, **(files or {})})
        result = self.run_pass(list(plans), modules)
        assert not result.problems, result.problems
        assert not result.deferred
        changed = {c.path: c.new_text for c in result.changes}
        return changed.get(path, (self.root / path).read_text(encoding="utf-8"))


def dedent(text: str) -> str:
    """Source text as tests write it: dedented, leading newline dropped."""
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path)
