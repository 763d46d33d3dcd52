"""Filters applied after the rules: inline suppressions and per-file ignores."""

from __future__ import annotations

from apilint.model import Finding
from apilint.summary import ModuleSummary
from pathspec import GitIgnoreSpec


def is_suppressed(finding: Finding, summary: ModuleSummary | None) -> bool:
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
