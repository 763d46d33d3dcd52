"""Markdown fit for a pull-request comment: counts by severity and a table of findings.

Long tables are folded into `<details>` so the comment stays readable. Findings with an
automatic fix follow as `suggestion` blocks: the replaced lines of each change, with the
line numbers they replace (GitHub applies such a block when a review comment on those lines
carries it; in a plain comment it reads as code). Also renders the route list and the route
diff of `apilint routes [--diff REF] --format markdown`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from apilint.docgen import help_uri
from apilint.model import Coverage, Finding, Route, Severity
from apilint.reporters import Report
from apilint.reporters.routes_table import deciding_evidence

if TYPE_CHECKING:
    from apilint.diff import RouteChange
    from apilint.fixes.apply import FileChange

FOLD_AFTER = 10
"""Tables with more rows than this are collapsed in a `<details>` block."""
ICON = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🔴",
    Severity.MEDIUM: "🟠",
    Severity.LOW: "🟡",
    Severity.INFO: "⚪",
}


def cell(text: str) -> str:
    """Text made safe for one Markdown table cell."""
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").split())


def code(text: str) -> str:
    """Inline code that survives backticks inside the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{cell(text)}{pad}{fence}"


def _fold(rows: list[str], header: list[str], summary: str) -> list[str]:
    table = [*header, *rows]
    if len(rows) <= FOLD_AFTER:
        return table
    return [f"<details><summary>{summary}</summary>", "", *table, "", "</details>"]


def render(report: Report) -> str:
    """The PR comment for a check run."""
    counts = Counter(f.severity for f in report.findings)
    total = len(report.findings)
    scope = f" new since `{report.diff_base}`" if report.diff_base else ""
    out = [f"## apilint: {total} problem{'s' if total != 1 else ''}{scope}", ""]
    if total:
        out += ["| severity | count |", "|---|---:|"]
        out += [f"| {ICON[s]} {s.value} | {counts[s]} |" for s in Severity if counts[s]]
        out.append("")
        rows = []
        for f in sorted(report.findings, key=lambda f: -f.severity.rank):
            rule = report.rule(f.code)
            rule_cell = f"[{f.code}]({help_uri(rule)})" if rule is not None else f.code
            where = f"{f.location.file}:{f.location.line}"
            rows.append(f"| {ICON[f.severity]} {f.severity.value} | {rule_cell} | {code(f.route) if f.route else ''} "
                        f"| [{code(where)}]({f.location.file}#L{f.location.line}) | {cell(f.message)} "
                        f"| {cell(f.fix)} |")
        header = ["| severity | rule | route | location | problem | fix |", "|---|---|---|---|---|---|"]
        out += _fold(rows, header, f"{total} findings")
    else:
        out.append("No problems found. ✅")
    fixable = [f for f in sorted(report.findings, key=lambda f: -f.severity.rank) if f in report.previews]
    if fixable:
        out += ["", f"### Suggested fixes ({len(fixable)})", ""]
        for finding in fixable:
            out += suggestion(finding, report.previews[finding])
        out.pop()  # the blank line after the last block: the footer adds its own
    notes = [f"{report.files_analyzed} files analyzed"]
    if report.unchanged:
        notes.append(f"{report.unchanged} already present in `{report.diff_base}`")
    if report.baselined:
        notes.append(f"{report.baselined} in the baseline")
    if report.suppressed:
        notes.append(f"{report.suppressed} suppressed inline")
    if report.quiet:
        notes.append(f"{report.quiet} more on routes whose authentication could not be read (`--min-confidence low`)")
    if report.diagnostics:
        notes.append(f"{len(report.diagnostics)} diagnostic{'s' if len(report.diagnostics) != 1 else ''}")
    out += ["", f"<sub>apilint {report.version} · {' · '.join(notes)}</sub>", ""]
    return "\n".join(out)


def suggestion(finding: Finding, change: FileChange) -> list[str]:
    """One fixable finding as a folded block of `suggestion` fences, one per changed line range."""
    assert finding.fix_plan is not None
    unsafe = finding.fix_plan.applicability.value == "unsafe"
    command = "apilint check --fix" + (" --unsafe-fixes" if unsafe else "")
    where = f"{finding.location.file}:{finding.location.line}"
    out = [f"<details><summary>{ICON[finding.severity]} {finding.code} · <code>{cell(where)}</code> · "
           f"{cell(finding.fix_plan.title)}</summary>", "",
           f"{'Unsafe fix (review it): ' if unsafe else ''}`{command}` writes it.", ""]
    for hunk in change.hunks():
        lines = f"line {hunk.start}" if hunk.start == hunk.end else f"lines {hunk.start} to {hunk.end}"
        fence = "`" * max(3, _longest_backticks(hunk.new) + 1)
        out += [f"`{change.path}` {lines}:", "", f"{fence}suggestion", *hunk.new, fence, ""]
    out += ["</details>", ""]
    return out


def _longest_backticks(lines: Sequence[str]) -> int:
    longest = 0
    for line in lines:
        run = 0
        for char in line:
            run = run + 1 if char == "`" else 0
            longest = max(longest, run)
    return longest


def _auth(route: Route) -> str:
    evidence = deciding_evidence(route).rsplit(".", 1)[-1]
    return route.auth.status.value + (f" ({code(evidence)})" if evidence else "")


def render_routes(routes: Sequence[Route], why: bool = False) -> str:
    """The route map as a Markdown table (`why`: with the fact that decided each route's auth)."""
    from apilint.why import reason

    out = [f"## apilint: {len(routes)} route{'s' if len(routes) != 1 else ''}", ""]
    several = len({r.app for r in routes if r.app}) > 1 or any(not r.linked for r in routes)
    conditional = any(r.condition for r in routes)
    rows = [f"| {r.method} | {code(r.path)} | {_auth(r)} | {code(r.handler.rsplit('.', 1)[-1])} "
            + (f"| {cell(_app(r))} " if several else "")
            + (f"| {cell(r.condition or 'always')} " if conditional else "")
            + (f"| {cell(reason(r))} " if why else "")
            + f"| {code(f'{r.location.file}:{r.location.line}')} |" for r in routes]
    columns = ["method", "path", "auth", "handler", *(["app"] if several else []),
               *(["mounted"] if conditional else []), *(["why"] if why else []), "location"]
    header = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += _fold(rows, header, f"{len(routes)} routes") if rows else ["No routes found."]
    out += ["", Coverage.of(tuple(routes)).line()]
    return "\n".join(out) + "\n"


def _app(route: Route) -> str:
    return route.app if route.linked else "(unlinked)"


def render_route_diff(ref: str, changes: Sequence[RouteChange]) -> str:
    """The route changes of a PR as a review comment: added, removed, protection changed."""
    out = [f"## apilint: route changes since `{ref}`", ""]
    if not changes:
        return "\n".join([*out, "No routes added, removed or changed.", ""])
    titles = {"added": "Added", "removed": "Removed", "changed": "Protection changed"}
    for kind in ("changed", "added", "removed"):
        group = [c for c in changes if c.kind == kind]
        if not group:
            continue
        out += [f"### {titles[kind]} ({len(group)})", ""]
        if kind == "changed":
            rows = [f"| {c.route.method} | {code(c.route.path)} | {cell('; '.join(c.changes))} "
                    f"| {code(f'{c.route.location.file}:{c.route.location.line}')} |" for c in group]
            header = ["| method | path | change | location |", "|---|---|---|---|"]
        else:
            rows = [f"| {c.route.method} | {code(c.route.path)} | {_warn(c.route) if kind == 'added' else ''}"
                    f"{_auth(c.route)} | {code(f'{c.route.location.file}:{c.route.location.line}')} |" for c in group]
            header = ["| method | path | auth | location |", "|---|---|---|---|"]
        out += _fold(rows, header, f"{len(group)} routes")
        out.append("")
    return "\n".join(out)


def _warn(route: Route) -> str:
    return "⚠️ " if route.auth.status.value in ("none", "unknown") else ""
