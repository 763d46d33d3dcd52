"""Human output: findings grouped by file, each with its route, message and fix.

A finding `apilint check --fix` can fix is marked `[*]` (ruff's mark) and followed by the
fix's title; one only `--unsafe-fixes` fixes shows its title marked unsafe. The last line
counts them, or after `--fix` says how many were fixed.
"""

from __future__ import annotations

import io
from collections import Counter

from apilint.model import Severity
from apilint.reporters import Report
from rich.console import Console
from rich.text import Text

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(report: Report, color: bool = False, width: int = 100) -> str:
    """Render the report; plain text when `color` is false."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False,
                      soft_wrap=True)
    current = None
    for finding in report.findings:
        if finding.location.file != current:
            if current is not None:
                console.print()
            current = finding.location.file
            console.print(Text(current, style="bold underline"))
        loc = finding.location
        head = Text()
        head.append(f"  {loc.line}:{loc.column} ", style="dim")
        head.append(finding.code, style=_STYLE[finding.severity])
        head.append(f" [{finding.severity.value}, {finding.confidence.value} confidence] ", style="dim")
        if finding.fix_plan is not None and finding.fix_plan.applicability.value == "safe":
            head.append("[*] ", style="bold green")
        head.append(finding.message)
        console.print(head)
        if finding.fix:
            console.print(Text(f"      fix: {finding.fix}", style="green"))
        if finding.fix_plan is not None:
            how = "--fix" if finding.fix_plan.applicability.value == "safe" else "unsafe, --unsafe-fixes"
            console.print(Text(f"      autofix: {finding.fix_plan.title} ({how})", style="green"))
    for diag in report.diagnostics:
        prefix = "apilint error" if diag.internal else "note"
        where = f"{diag.location.file}:{diag.location.line}: " if diag.location.line else f"{diag.location.file}: "
        console.print(Text(f"{prefix}: {where}{diag.message}", style="magenta" if diag.internal else "dim"))
    counts = Counter(f.severity for f in report.findings)
    if report.findings:
        console.print()
        parts = [f"{counts[s]} {s.value}" for s in Severity if counts[s]]
        console.print(Text(f"Found {len(report.findings)} problem{'s' if len(report.findings) != 1 else ''} "
                           f"({', '.join(parts)}) in {report.files_analyzed} files.", style="bold"))
    else:
        console.print(Text(f"No problems found in {report.files_analyzed} files.", style="bold green"))
    extras = []
    if report.suppressed:
        extras.append(f"{report.suppressed} suppressed inline")
    if report.baselined:
        extras.append(f"{report.baselined} in the baseline")
    if report.unchanged:
        extras.append(f"{report.unchanged} already in {report.diff_base}")
    if report.quiet:
        extras.append(f"{report.quiet} more on routes whose authentication apilint could not read: "
                      "--min-confidence low lists them")
    if extras:
        console.print(Text("(" + ", ".join(extras) + ")", style="dim"))
    fix_line = fix_summary(report)
    if fix_line:
        console.print(Text(fix_line, style="green"))
    return buffer.getvalue()


def fix_summary(report: Report) -> str:
    """`Fixed N problems (M more with --unsafe-fixes).` after a fix run; otherwise how many
    findings `--fix` would fix (ruff's `[*] N fixable with the --fix option`)."""
    safe, unsafe = report.fix_counts()
    if report.fix_run:
        more = unsafe if not report.unsafe_fixes else 0
        extra = f" ({more} more with --unsafe-fixes)" if more else ""
        return f"Fixed {report.fixed} problem{'s' if report.fixed != 1 else ''}{extra}."
    if not safe and not unsafe:
        return ""
    if not safe:
        return f"{unsafe} fixable with `--fix --unsafe-fixes`."
    extra = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
    return f"[*] {safe} fixable with `--fix`{extra}."
