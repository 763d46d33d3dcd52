"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation a finding.

Annotations come most severe first (GitHub shows at most 10 of each level per step and 50 per
run, so the order decides which are seen). Workflow commands cannot carry a code suggestion,
so a fixable finding's annotation names its automatic fix and the command that applies it
(`apilint check --fix`, or `--fix --unsafe-fixes`); suggestion blocks are in the Markdown
review comment (`--format markdown`) and in SARIF `fixes`. Paths are made relative to `GITHUB_WORKSPACE` when
the project root lies inside it, so annotations attach to the right file in a monorepo.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from apilint.model import Finding, Severity
from apilint.reporters import Report

COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escape a workflow-command message (`%`, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (also `:` and `,`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_prefix(root: Path, workspace: str | None) -> str:
    """The project root relative to the Actions workspace, with a trailing `/` (or '')."""
    if not workspace:
        return ""
    try:
        rel = root.resolve().relative_to(Path(workspace).resolve()).as_posix()
    except (ValueError, OSError):
        return ""
    return "" if rel == "." else rel + "/"


def annotation(finding: Finding, prefix: str = "") -> str:
    """One workflow command for a finding."""
    loc = finding.location
    props = [f"file={escape_property(prefix + loc.file)}", f"line={max(loc.line, 1)}", f"col={max(loc.column, 1)}"]
    if loc.end_line > loc.line:
        props.append(f"endLine={loc.end_line}")
    props.append(f"title={escape_property(finding.code)}")
    message = finding.message
    if finding.route and finding.route not in message:
        message = f"{finding.route}: {message}"
    if finding.fix:
        message += f"\nFix: {finding.fix}"
    if finding.fix_plan is not None:
        unsafe = finding.fix_plan.applicability.value == "unsafe"
        command = "apilint check --fix" + (" --unsafe-fixes" if unsafe else "")
        message += f"\nAutofix ({command}): {finding.fix_plan.title}"
    return f"::{COMMAND[finding.severity]} {','.join(props)}::{escape_data(message)}"


def render(report: Report) -> str:
    """Annotations, most severe first, then diagnostics, then one plain summary line."""
    prefix = workspace_prefix(report.root, os.environ.get("GITHUB_WORKSPACE"))
    ordered = sorted(report.findings, key=lambda f: -f.severity.rank)  # stable: canonical order within a level
    lines = [annotation(f, prefix) for f in ordered]
    for diag in report.diagnostics:
        level = "error" if diag.internal else "notice"
        where = f" file={escape_property(prefix + diag.location.file)}" if diag.location.file not in ("", ".") else ""
        if where and diag.location.line > 0:
            where += f",line={diag.location.line}"
        lines.append(f"::{level}{where}::{escape_data(f'apilint {diag.code}: {diag.message}')}")
    counts = Counter(f.severity for f in report.findings)
    parts = ", ".join(f"{counts[s]} {s.value}" for s in Severity if counts[s])
    total = len(report.findings)
    summary = f"apilint: {total} problem{'s' if total != 1 else ''}"
    lines.append(summary + (f" ({parts})" if parts else "") + f" in {report.files_analyzed} files")
    return "\n".join(lines) + "\n"
