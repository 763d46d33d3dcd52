"""Filters applied after the rules: the selected rules and reported files, duplicates, inline
suppressions and per-file ignores (and a note for unknown codes in suppressions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from apilint.model import Diagnostic, Finding, Location
from apilint.registry import selector_is_valid
from pathspec import GitIgnoreSpec

if TYPE_CHECKING:
    from apilint.config import Config
    from apilint.project import ProjectIndex
    from apilint.rule import Rule
    from apilint.summary import ModuleSummary
    from apilint.textfiles import TextFile


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


def filter_findings(findings: list[Finding], index: ProjectIndex, config: Config, report_files: frozenset[str] | None,
                    rules: tuple[type[Rule], ...], texts: Sequence[TextFile] = ()) -> tuple[list[Finding], int]:
    """The findings to report, and how many suppressions removed: only the selected rules' (and
    PARSE001), only in the reported files, each (code, file, line, message) once, without the ones
    an inline suppression or a per-file ignore covers."""
    codes = {r.code for r in rules}
    text_by_path = {t.path: t for t in texts}
    kept: list[Finding] = []
    suppressed = 0
    seen: set[tuple[str, str, int, str]] = set()
    for finding in findings:
        if finding.code != "PARSE001" and finding.code not in codes:
            continue
        if report_files is not None and finding.location.file not in report_files:
            continue
        key = (finding.code, finding.location.file, finding.location.line, finding.message)
        if key in seen:
            continue
        seen.add(key)
        holder = index.by_path.get(finding.location.file) or text_by_path.get(finding.location.file)
        if is_suppressed(finding, holder) or per_file_ignored(
            finding, config.per_file_ignores
        ):
            suppressed += 1
            continue
        kept.append(finding)
    return kept, suppressed


def unknown_suppressions(summaries: Sequence[ModuleSummary]) -> list[Diagnostic]:
    """A note (not an error, as ruff does for `# noqa`) for each unknown code in `# apilint: ignore[...]`."""
    out = []
    for summary in summaries:
        for line, codes in summary.suppressions:
            for code in codes:
                if not code.startswith("PARSE") and not selector_is_valid(code):
                    out.append(Diagnostic("SUPPRESS", f"unknown rule code '{code}' in `# apilint: ignore[...]`",
                                          Location(summary.path, line)))
    return out
