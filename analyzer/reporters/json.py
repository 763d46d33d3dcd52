"""Machine output: a documented, versioned JSON document (schema version 1).

```
{"version": 1, "tool": {"name": "apilint", "version": "..."},
 "summary": {"files": N, "findings": N, "by_severity": {...}, "suppressed": N, "baselined": N,
             "fixable": {"safe": N, "unsafe": N}, "fixed": N, "quiet": N},
 "findings": [{"code", "name", "message", "severity", "confidence", "file", "line", "column",
               "end_line", "end_column", "route", "symbol", "fix", "fingerprint", "help_uri",
               "autofix": null | {"applicability": "safe" | "unsafe", "title": "..."}}],
 "diagnostics": [{"code", "message", "file", "line", "internal"}]}
```

`fix` is the advice in words; `autofix` says whether `apilint check --fix` (safe) or
`--fix --unsafe-fixes` (unsafe) would rewrite the code for this finding, and how. `fixed`
counts the findings a `--fix` run fixed (0 otherwise). Fields were only ever added to
version 1, never changed.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from apilint.docgen import help_uri
from apilint.model import Coverage, Route, Severity
from apilint.reporters import Report

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    """The report as pretty-printed JSON with sorted keys."""
    counts = Counter(f.severity.value for f in report.findings)
    findings = []
    for f in report.findings:
        rule = report.rule(f.code)
        findings.append({
            "code": f.code,
            "name": rule.name if rule else f.code.lower(),
            "message": f.message,
            "severity": f.severity.value,
            "confidence": f.confidence.value,
            "file": f.location.file,
            "line": f.location.line,
            "column": f.location.column,
            "end_line": f.location.end_line or f.location.line,
            "end_column": f.location.end_column,
            "route": f.route,
            "symbol": f.symbol,
            "fix": f.fix,
            "fingerprint": f.fingerprint,
            "help_uri": help_uri(rule) if rule else None,
            "autofix": {"applicability": f.fix_plan.applicability.value, "title": f.fix_plan.title}
            if f.fix_plan is not None else None,
        })
    doc = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "apilint", "version": report.version},
        "summary": {
            "files": report.files_analyzed,
            "findings": len(report.findings),
            "by_severity": {s.value: counts.get(s.value, 0) for s in Severity},
            "suppressed": report.suppressed,
            "quiet": report.quiet,
            "baselined": report.baselined,
            "fixable": dict(zip(("safe", "unsafe"), report.fix_counts(), strict=True)),
            "fixed": report.fixed,
        },
        "findings": findings,
        "diagnostics": [
            {"code": d.code, "message": d.message, "file": d.location.file, "line": d.location.line,
             "internal": d.internal}
            for d in report.diagnostics
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def route_to_dict(route: Route, checklist: dict[str, Any] | None = None) -> dict[str, Any]:
    """One route as the JSON object `apilint routes --format json` prints; with `checklist`
    (`apilint.reporters.checklist.row_to_dict`), its 12 checklist cells under `"checklist"`."""
    from apilint.why import chain, level_of, reason

    def ev(e: Any) -> dict[str, Any]:
        out = {"kind": e.kind, "name": e.name, "status": e.status.value, "detail": e.detail,
               "file": e.location.file if e.location else None, "line": e.location.line if e.location else None}
        if e.roles:
            out["roles"] = list(e.roles)
        return out

    def step(e: Any) -> dict[str, Any]:
        return {**ev(e), "level": level_of(e)}

    out = {
        "method": route.method,
        "path": route.path,
        "raw_path": route.raw_path,
        "handler": route.handler,
        "file": route.location.file,
        "line": route.location.line,
        "framework": route.framework,
        "path_params": list(route.path_params),
        "auth": {"status": route.auth.status.value, "evidence": [ev(e) for e in route.auth.evidence],
                 "why": reason(route), "chain": [step(s.evidence) for s in chain(route)]},
        "authz": [ev(e) for e in route.authz],
        "response_model": route.response_model,
        "status_code": route.status_code,
        "rate_limit": [ev(e) for e in route.rate_limit],
        "group": route.group,
        "app": route.app,
        "linked": route.linked,
        "builtin": route.builtin,
        "unresolved": list(route.unresolved),
        "condition": route.condition,
    }
    if checklist is not None:
        out["checklist"] = checklist
    return out


ROUTES_SCHEMA_VERSION = 2


def routes_document(routes: tuple[Route, ...]) -> dict[str, Any]:
    """The route map document: format version, coverage counts, apps and routes in canonical order."""
    coverage = Coverage.of(routes)
    return {
        "version": ROUTES_SCHEMA_VERSION,
        "coverage": coverage.as_dict(),
        "apps": sorted({r.app for r in routes if r.app}),
        "routes": [route_to_dict(r) for r in routes],
    }


def render_routes(routes: tuple[Route, ...]) -> str:
    """`apilint routes --format json`: the route map document (see `routes_document`)."""
    return json.dumps(routes_document(routes), indent=2, sort_keys=True) + "\n"
