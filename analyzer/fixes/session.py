"""`apilint check --fix`: analyze, fix, analyze again, until nothing is left to fix.

The loop is ruff's: each pass applies every fix that does not overlap another, writes the
files, and analyzes the project again (the summary cache re-reads only the files that
changed), so the fixes a pass held back, and findings a fix revealed, get their turn. It stops
when a pass changes nothing or after `MAX_PASSES`. A dry run computes the first pass only and
writes nothing. The result returned is the analysis of the tree as it is left, so the report
and the exit code describe what remains.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from apilint.fixes.apply import MAX_PASSES, FileChange, Fixer, fixable, write_changes
from apilint.fixes.source import write_atomic
from apilint.model import Applicability, Diagnostic, Finding, Location

if TYPE_CHECKING:
    from apilint.engine import RunResult


@dataclass
class FixOutcome:
    """What `--fix` did: the final analysis, the findings fixed and the files changed."""

    result: RunResult
    fixed: list[Finding] = field(default_factory=list)
    changes: list[FileChange] = field(default_factory=list)
    """Every change written (for a dry run: that would be written by the first pass)."""
    problems: list[Diagnostic] = field(default_factory=list)
    passes: int = 0


def modules_of(result: RunResult) -> dict[str, tuple[str, bool]]:
    """Project-relative path -> (module name, is a package), from the run's summaries."""
    return {m.path: (m.module, m.is_package) for m in result.index}


def fix_project(analyze: Callable[[], RunResult], allowed: Sequence[Path], unsafe: bool,
                dry_run: bool = False) -> FixOutcome:
    """Fix the findings `analyze()` reports until none is left that this run may fix."""
    result = analyze()
    outcome = FixOutcome(result)
    seen: set[tuple[str, int, str]] = set()
    for _ in range(MAX_PASSES):
        todo = fixable(result.findings, unsafe)
        if not todo:
            break
        fixer = Fixer(result.root, allowed, modules_of(result))
        done = fixer.run_pass(todo)
        outcome.passes += 1
        for problem in done.problems:
            key = (problem.location.file, problem.location.line, problem.message)
            if key not in seen:
                seen.add(key)
                outcome.problems.append(problem)
        if dry_run:
            outcome.changes = done.changes
            outcome.fixed = done.applied
            applied = set(done.applied)
            result.findings = [f for f in result.findings if f not in applied]
            break
        failed = write_changes(done.changes, write_atomic)
        outcome.problems += failed
        written = [c for c in done.changes if not any(p.location.file == c.path for p in failed)]
        if not written:
            break
        outcome.changes += written
        changed = {c.path for c in written}
        outcome.fixed += [f for f in done.applied if f.fix_plan is not None and f.fix_plan.file in changed]
        result = analyze()
    else:
        if fixable(result.findings, unsafe):
            outcome.problems.append(Diagnostic("FIX", f"fixes still changed the code after {MAX_PASSES} passes; "
                                               "the remaining ones were left as they are", Location(".", 0)))
    outcome.result = result
    return outcome


def unsafe_remaining(findings: Sequence[Finding]) -> int:
    """Findings only `--unsafe-fixes` would fix."""
    return sum(1 for f in findings if f.fix_plan is not None and f.fix_plan.applicability is Applicability.UNSAFE)


def previews(result: RunResult, allowed: Sequence[Path]) -> Mapping[Finding, FileChange]:
    """Each fixable finding's own change (computed alone, independent of the others), for SARIF
    `fixes` and review suggestions."""
    fixer = Fixer(result.root, allowed, modules_of(result))
    out: dict[Finding, FileChange] = {}
    for finding in result.findings:
        if finding.fix_plan is not None:
            change = fixer.preview(finding)
            if change is not None:
                out[finding] = change
    return out
