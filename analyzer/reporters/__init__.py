"""Output formats. Each module renders a finished `Report` to text; none filters or sorts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from apilint.model import Diagnostic, Finding, RouteMap
from apilint.rule import Rule

if TYPE_CHECKING:
    from apilint.fixes.apply import FileChange


@dataclass(frozen=True)
class Report:
    """The final result of a run, handed to a reporter."""

    findings: tuple[Finding, ...]
    """Findings after filtering, sorted by (file, line, column, code)."""
    diagnostics: tuple[Diagnostic, ...]
    """Problems apilint had (files skipped, rules or adapters that crashed)."""
    rules: tuple[type[Rule], ...]
    """Every rule that ran, sorted by code."""
    root: Path
    """Project root; every path in findings is relative to it, with `/` separators."""
    version: str
    routes: RouteMap = field(default_factory=RouteMap)
    files_analyzed: int = 0
    suppressed: int = 0
    baselined: int = 0
    diff_base: str | None = None
    """The git revision findings were compared with (`--diff REF`), if any."""
    unchanged: int = 0
    """Findings left out because the `--diff` base revision already had them."""
    previews: Mapping[Finding, FileChange] = field(default_factory=dict)
    """Each fixable finding's own change, computed alone (SARIF `fixes`, review suggestions);
    filled only for the formats that show it."""
    fixed: int = 0
    """Findings `--fix` fixed in this run."""
    fix_run: bool = False
    """True when the run applied fixes (`--fix`)."""
    unsafe_fixes: bool = False
    """True when unsafe fixes were applied too (`--unsafe-fixes`)."""

    def fix_counts(self) -> tuple[int, int]:
        """(findings a `--fix` run would fix, findings only `--unsafe-fixes` would) among the reported."""
        safe = sum(1 for f in self.findings if f.fix_plan is not None and f.fix_plan.applicability.value == "safe")
        unsafe = sum(1 for f in self.findings if f.fix_plan is not None and f.fix_plan.applicability.value == "unsafe")
        return safe, unsafe
    quiet: int = 0
    """Per-route findings held back because the route's auth could not be read."""

    def rule(self, code: str) -> type[Rule] | None:
        """The rule class for a code, if it ran."""
        for rule in self.rules:
            if rule.code == code:
                return rule
        return None
