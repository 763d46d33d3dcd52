"""Output formats. Each module renders a finished `Report` to text; none filters or sorts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from apilint.model import Diagnostic, Finding, RouteMap
from apilint.rule import Rule


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
    quiet: int = 0
    """Per-route findings held back because the route's auth could not be read."""

    def rule(self, code: str) -> type[Rule] | None:
        """The rule class for a code, if it ran."""
        for rule in self.rules:
            if rule.code == code:
                return rule
        return None
