"""The checklist as JSON, a terminal table and Markdown (`apilint routes --checklist`).

JSON: every route object of `apilint routes --format json` gains `"checklist": {STEP:
{"status", "evidence", "findings", "reason"}}` with the 12 step keys, plus `risk_rank` and
`handles_user_data`; the document adds the per-step summary.
"""

from __future__ import annotations

import io
import json
from typing import Any

from apilint.checklist import STEPS, Cell, Checklist, RouteChecklist, Status, StepSummary
from apilint.model import Evidence, Finding, Route

SYMBOL = {"met": "✓", "declared": "✓*", "failed": "✗", "unknown": "?", "n/a": "·"}
"""One character per status for the terminal table."""
MARKDOWN_SYMBOL = {"met": "✅", "declared": "☑️", "failed": "❌", "unknown": "❔", "n/a": "⚪"}
LEGEND = "✓ met · ✓* met (declared) · ✗ failed · ? unknown · · n/a"
SCHEMA_VERSION = 2


def status_key(cell: Cell) -> str:
    """`met`, `declared`, `failed`, `unknown` or `n/a`: the key of a cell's symbol."""
    return "declared" if cell.declared else cell.status.value


def evidence_to_dict(evidence: Evidence) -> dict[str, Any]:
    """One piece of evidence as JSON."""
    loc = evidence.location
    return {"kind": evidence.kind, "name": evidence.name, "detail": evidence.detail,
            "file": loc.file if loc else None, "line": loc.line if loc else None}


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """A finding, as a checklist cell cites it."""
    return {"code": finding.code, "message": finding.message, "severity": finding.severity.value,
            "confidence": finding.confidence.value, "file": finding.location.file, "line": finding.location.line,
            "route": finding.route, "fingerprint": finding.fingerprint}


def cell_to_dict(cell: Cell) -> dict[str, Any]:
    """One cell: status, evidence, findings and the reason for `unknown` or `n/a`."""
    return {"status": cell.status.value, "evidence": [evidence_to_dict(e) for e in cell.evidence],
            "findings": [finding_to_dict(f) for f in cell.findings], "reason": cell.reason}


def row_to_dict(row: RouteChecklist) -> dict[str, Any]:
    """The `checklist` object of one route."""
    return {cell.step.value: cell_to_dict(cell) for cell in row.cells}


def _counts(counts: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    out: dict[str, Any] = dict(counts)
    out["share_met"] = StepSummary.share(counts)
    return out


def summary_to_dict(checklist: Checklist) -> dict[str, Any]:
    """Per step: routes by status and the share that meets it, over all and user-data routes."""
    return {s.step.value: {"number": s.step.number, "label": s.step.label, "all": _counts(s.counts),
                           "user_data": _counts(s.user_data_counts)} for s in checklist.summary}


def routes_document(routes: tuple[Route, ...], checklist: Checklist) -> dict[str, Any]:
    """The JSON document of `apilint routes --checklist --format json`: the route map document
    (`apilint.reporters.json.routes_document`) whose routes carry their 12 cells, risk rank and
    whether they handle user data, plus the per-step summary."""
    from apilint.reporters.json import route_to_dict
    from apilint.reporters.json import routes_document as route_map_document

    rank = {id(row.route): n for n, row in enumerate(checklist.rows, start=1)}
    rows = {id(row.route): row for row in checklist.rows}
    routes = tuple(r for r in routes if id(r) in rows)  # the framework's own routes have no checklist
    out = []
    for route in routes:
        row = rows[id(route)]
        item = route_to_dict(route, checklist=row_to_dict(row))
        item["risk_rank"] = rank[id(route)]
        item["handles_user_data"] = row.user_data
        out.append(item)
    doc = route_map_document(routes)
    doc["routes"] = out
    doc["checklist"] = {
        "steps": [{"key": s.value, "number": s.number, "label": s.label} for s in STEPS],
        "summary": summary_to_dict(checklist),
        "rules_not_run": list(checklist.rules_not_run),
    }
    return doc


def render_json(routes: tuple[Route, ...], checklist: Checklist) -> str:
    """`routes_document` as pretty-printed JSON with sorted keys."""
    return json.dumps(routes_document(routes, checklist), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


def render_table(checklist: Checklist, color: bool = False) -> str:
    """Routes by risk with one symbol per step, then the per-step summary."""
    from rich.console import Console
    from rich.table import Table

    style = {"met": "green", "declared": "cyan", "failed": "bold red", "unknown": "yellow", "n/a": "dim"}
    table = Table(show_lines=False, box=None, pad_edge=False)
    table.add_column("method")
    table.add_column("path")
    for step in STEPS:
        table.add_column(str(step.number), justify="center")
    for row in checklist.rows:
        table.add_row(row.route.method, row.route.path,
                      *(f"[{style[status_key(c)]}]{SYMBOL[status_key(c)]}[/]" for c in row.cells))
    summary = Table(show_lines=False, box=None, pad_edge=False)
    for column in ("#", "step", "met", "failed", "unknown", "n/a", "met %", "met % (user data)"):
        summary.add_column(column, justify="left" if column == "step" else "right")
    for s in checklist.summary:
        counts = dict(s.counts)
        summary.add_row(str(s.step.number), s.step.label, *(str(counts[st.value]) for st in Status),
                        _share(s.share(s.counts)), _share(s.share(s.user_data_counts)))
    buffer = io.StringIO()
    console = Console(file=buffer, width=max(120, 40 + max((len(r.route.path) for r in checklist.rows), default=0)),
                      no_color=not color, force_terminal=color, highlight=False)
    console.print(table)
    buffer.write(f"\n{LEGEND}\n\n")
    console.print(summary)
    n = len(checklist.rows)
    buffer.write(f"{n} route{'s' if n != 1 else ''}, riskiest first; `--format json` gives the evidence of every "
                 "cell\n")
    return buffer.getvalue()


def render_markdown(checklist: Checklist) -> str:
    """The summary and the route table for a pull-request comment."""
    from apilint.reporters.markdown import cell as md_cell
    from apilint.reporters.markdown import code as md_code

    out = ["## apilint: the 12-step checklist", "", "| # | step | met | failed | unknown | n/a | met % | "
           "met % (user data) |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for s in checklist.summary:
        counts = dict(s.counts)
        out.append(f"| {s.step.number} | {s.step.label} | " + " | ".join(str(counts[st.value]) for st in Status)
                   + f" | {_share(s.share(s.counts))} | {_share(s.share(s.user_data_counts))} |")
    header = "| route | " + " | ".join(str(s.number) for s in STEPS) + " |"
    rows = []
    for row in checklist.rows:
        symbols = " | ".join(MARKDOWN_SYMBOL[status_key(c)] for c in row.cells)
        rows.append(f"| {md_code(row.route.display)} | {symbols} |")
    legend = " · ".join(f"{MARKDOWN_SYMBOL[k]} {k if k != 'declared' else 'met (declared)'}" for k in MARKDOWN_SYMBOL)
    steps = " · ".join(f"{s.number} {md_cell(s.label)}" for s in STEPS)
    table = [header, "|---|" + "---|" * len(STEPS), *rows]
    if len(rows) > 10:
        table = [f"<details><summary>{len(rows)} routes, riskiest first</summary>", "", *table, "", "</details>"]
    out += ["", *table, "", f"{legend}  ", f"Steps: {steps}", ""]
    return "\n".join(out)


__all__ = ["LEGEND", "SYMBOL", "cell_to_dict", "evidence_to_dict", "render_json", "render_markdown",
           "render_table", "routes_document", "row_to_dict", "status_key", "summary_to_dict"]
