"""Filters applied after the rules: inline suppressions and per-file ignores."""

from __future__ import annotations

from typing import Protocol

from apilint.model import Finding
from pathspec import GitIgnoreSpec


class HasSuppressions(Protocol):
    """A file's `# apilint: ignore[...]` comments: a `ModuleSummary` or a `TextFile`."""

    @property
    def suppressions(self) -> tuple[tuple[int, tuple[str, ...]], ...]:
        """(line, codes) of every suppression comment; empty codes = every code."""


def is_suppressed(finding: Finding, summary: HasSuppressions | None) -> bool:
    """True when `# apilint: ignore[CODE]` (or a bare `# apilint: ignore`) is on the finding's line."""
    if summary is None:
        return False
    for line, codes in summary.suppressions:
        if line == finding.location.line and (not codes or any(finding.code.startswith(c) for c in codes)):
            return True
    return False


def per_file_ignored(finding: Finding, per_file: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    """True when a per-file-ignores pattern matching the file lists the finding's code."""
    for pattern, codes in per_file:
        spec = GitIgnoreSpec.from_lines([pattern])
        if spec.match_file(finding.location.file) and any(
            c == "ALL" or finding.code.startswith(c) for c in codes
        ):
            return True
    return False
