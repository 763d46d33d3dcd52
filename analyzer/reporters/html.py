"""One self-contained HTML report (`apilint check --format html`): the checklist summary with a
chart per step, the route map with its 12 cells, filters and search, and every finding with
its explanation and fix.

Built with Jinja2 (autoescaped): everything taken from the analyzed code reaches the page as
escaped text, or inside the JSON data block through `safe_json`. The inline style and script
are allowed by their SHA-256 hashes in a Content-Security-Policy that forbids every other
source, so the page fetches nothing, even if something slipped through. No timestamps: the
same run renders the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from importlib import resources
from typing import Any

from apilint.checklist import STEPS, Checklist, StepSummary
from apilint.docgen import help_uri, rule_doc_sections
from apilint.model import Evidence, Finding, Severity
from apilint.registry import rule_by_code
from apilint.reporters import Report
from apilint.reporters.checklist import SYMBOL, status_key

TEMPLATE = "report.html.j2"
STATUS_LABEL = {"met": "met", "declared": "met (declared)", "failed": "failed", "unknown": "unknown", "n/a": "n/a"}
CELL_CLASS = {"met": "m", "declared": "d", "failed": "f", "unknown": "u", "n/a": "n"}
"""One-letter class of a route-table cell (the table is most of the page: a thousand routes
make twelve thousand cells). The script maps it back to the status and builds tooltips."""
BAR_COLORS = (("met", "#2e7d32"), ("declared", "#00838f"), ("failed", "#c62828"), ("unknown", "#f9a825"),
              ("n/a", "#bdbdbd"))


def safe_json(value: object) -> str:
    """JSON fit to sit inside `<script type="application/json">`: `<`, `>`, `&` and the line
    separators U+2028/2029 are escaped, so no text can close the element or start markup."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _asset(name: str) -> str:
    return resources.files("apilint.reporters").joinpath("templates", name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


class _Strings:
    """A table of distinct strings: the data block refers to each by index."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def ref(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.items)
            self.items.append(text)
        return self._index[text]


def _describe(evidence: Evidence) -> str:
    where = f" ({evidence.location.file}:{evidence.location.line})" if evidence.location else ""
    detail = f": {evidence.detail}" if evidence.detail else ""
    return f"{evidence.kind} {evidence.name}{detail}{where}"


def _finding_key(f: Finding) -> tuple[str, int, int, str, str]:
    return f.sort_key()


def _bars(summary: StepSummary, rows_declared: int, user_declared: int) -> list[dict[str, Any]]:
    """Two stacked bars (all routes, user-data routes) as percentages of their totals."""
    out = []
    for label, counts, declared in (("all routes", summary.counts, rows_declared),
                                    ("user data", summary.user_data_counts, user_declared)):
        by = dict(counts)
        by["declared"] = declared
        by["met"] = by.get("met", 0) - declared
        total = sum(by.values())
        segments, offset = [], 0.0
        for key, color in BAR_COLORS:
            width = round(100.0 * by.get(key, 0) / total, 2) if total else 0.0
            if width:
                segments.append({"x": round(offset, 2), "width": width, "color": color, "key": key,
                                 "count": by[key]})
            offset += width
        share = StepSummary.share(counts)
        out.append({"label": label, "total": total, "segments": segments,
                    "share": "-" if share is None else f"{round(share * 100)}%"})
    return out


def _rule_groups(report: Report, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Listed findings grouped by rule, most severe first: the rule's explanation and, when every
    finding shares it, its fix once; a finding shows its own fix only when it differs."""
    by_code: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_code.setdefault(f["code"], []).append(f)
    groups = []
    for code, items in by_code.items():
        rule = report.rule(code) or rule_by_code(code)
        fixes = Counter(f["fix"] for f in items)
        shared = fixes.most_common(1)[0][0] if len(fixes) == 1 else ""
        shown = [dict(f, fix="" if f["fix"] == shared else f["fix"]) for f in items]
        why = " ".join(rule_doc_sections(rule).get("Why it matters", "").split()) if rule else ""
        groups.append({"code": code, "name": rule.name if rule else code.lower(),
                       "summary": rule.summary if rule else "", "why": why, "uri": help_uri(rule) if rule else "",
                       "fix": shared, "findings": shown, "rank": max(f["rank"] for f in items)})
    groups.sort(key=lambda g: (-g["rank"], g["code"]))
    return groups


def context(report: Report, checklist: Checklist, title: str = "") -> dict[str, Any]:
    """Everything the template shows, prepared and sorted here (the template only formats)."""
    strings = _Strings()
    cited: dict[tuple[str, int, int, str, str], Finding] = {}
    for row in checklist.rows:
        for cell in row.cells:
            for f in cell.findings:
                cited.setdefault(_finding_key(f), f)
    for f in report.findings:
        cited.setdefault(_finding_key(f), f)
    ordered = sorted(cited.values(), key=_finding_key)
    finding_id = {_finding_key(f): n for n, f in enumerate(ordered)}
    listed = {_finding_key(f) for f in report.findings}

    rows, details = [], []
    for rank, row in enumerate(checklist.rows, start=1):
        route = row.route
        cells, data = [], []
        for cell in row.cells:
            key = status_key(cell)
            cells.append({"key": key, "symbol": SYMBOL[key], "css": CELL_CLASS[key]})
            data.append([key, strings.ref(cell.reason), [strings.ref(_describe(e)) for e in cell.evidence],
                         [finding_id[_finding_key(f)] for f in cell.findings]])
        rows.append({"rank": rank, "method": route.method, "path": route.path, "handler": route.handler,
                     "where": f"{route.location.file}:{route.location.line}", "app": route.app,
                     "framework": route.framework, "user_data": row.user_data, "cells": cells,
                     "failed": len(row.failed())})
        details.append(data)

    findings = []
    for n, f in enumerate(ordered):
        findings.append({"id": n, "code": f.code, "severity": f.severity.value, "confidence": f.confidence.value,
                         "where": f"{f.location.file}:{f.location.line}", "message": f.message, "fix": f.fix,
                         "listed": _finding_key(f) in listed, "rank": f.severity.rank})
    rules = _rule_groups(report, [f for f in findings if f["listed"]])

    steps = []
    for summary in checklist.summary:
        n = STEPS.index(summary.step)
        declared = sum(1 for r in checklist.rows if r.cells[n].declared)
        user_declared = sum(1 for r in checklist.rows if r.user_data and r.cells[n].declared)
        steps.append({"key": summary.step.value, "number": summary.step.number, "label": summary.step.label,
                      "bars": _bars(summary, declared, user_declared)})

    severity = Counter(f.severity for f in report.findings)
    listed_findings = [f for f in findings if f["listed"]]
    # Findings listed on the page are read from their article; only the others travel as data.
    data_block = {"strings": strings.items, "rows": details,
                  "findings": [0 if f["listed"] else [f["code"], f["severity"], f["confidence"], f["where"],
                                                      f["message"], f["fix"]] for f in findings],
                  "steps": [s.label for s in STEPS]}
    return {
        "project": title or report.root.name or str(report.root),
        "version": report.version,
        "files": report.files_analyzed,
        "route_count": len(rows),
        "user_data_count": sum(1 for r in rows if r["user_data"]),
        "severity_counts": [(s.value, severity[s]) for s in Severity if severity[s]],
        "finding_count": len(report.findings),
        "steps": steps,
        "rows": rows,
        "apps": sorted({r["app"] for r in rows}),
        "frameworks": sorted({r["framework"] for r in rows}),
        "statuses": [(k, STATUS_LABEL[k], SYMBOL[k]) for k in ("met", "declared", "failed", "unknown", "n/a")],
        "other_findings": len(findings) - len(listed_findings),
        "rules": rules,
        "rules_not_run": list(checklist.rules_not_run),
        "diagnostics": [{"code": d.code, "message": d.message, "where": f"{d.location.file}:{d.location.line}"}
                        for d in report.diagnostics],
        "data": safe_json(data_block),
        "diff_base": report.diff_base,
    }


def render(report: Report, checklist: Checklist | None, title: str = "") -> str:
    """The report as one HTML document; `title` names the project (default: the root folder's name)."""
    import jinja2

    if checklist is None:
        raise ValueError("the HTML report needs the checklist (RunOptions(checklist=True))")
    css, script = _asset("report.css"), _asset("report.js")
    env = jinja2.Environment(loader=jinja2.DictLoader({TEMPLATE: _asset(TEMPLATE)}), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    csp = (f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    values = context(report, checklist, title)
    return env.get_template(TEMPLATE).render(css=css, script=script, csp=csp, **values)


__all__ = ["context", "render", "safe_json"]
