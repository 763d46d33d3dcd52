"""Cells from readings and findings: the verdict of every step of every route, the project
summary and the risk order.

A step is `failed` when a finding of its rules concerns the route (on the route itself, or
app-level: a finding with no route counts against every route of its app). A finding of low
confidence alone makes the cell `unknown` ("possible problem"), never `met`. Without findings
the reading decides; an `unknown` reading becomes `met (declared)` when the configuration
declares the step for the route. `n/a` readings stand against app-level findings but not
against a finding on the route itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from apilint.checklist.cells import Cell, Checklist, Reading, RouteChecklist, RouteReadings, StepSummary
from apilint.checklist.declared import Declaration, declaration_for
from apilint.checklist.reach import finding_key
from apilint.checklist.route_steps import handles_user_data
from apilint.checklist.steps import CRITICAL, STEPS, Status, Step, step_of
from apilint.model import Confidence, Evidence, Finding, ProjectFacts, Route
from apilint.rule import Rule


@dataclass
class _Attribution:
    """Findings by route index: on the route itself, and app-level ones that reach it."""

    own: dict[int, list[Finding]] = field(default_factory=dict)
    app: dict[int, list[Finding]] = field(default_factory=dict)


class _RouteIndex:
    """The routes by handler (and each dotted prefix of it, for methods of class-based views),
    dependency, response model and path: a finding's symbol is looked up, not compared with
    every route (thousands of routes, hundreds of findings)."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.by_handler: dict[str, list[int]] = {}
        self.by_handler_prefix: dict[str, list[int]] = {}
        self.by_dependency: dict[str, list[int]] = {}
        self.by_model: dict[str, list[int]] = {}
        self.by_path: dict[str, list[int]] = {}
        for i, route in enumerate(routes):
            self.by_handler.setdefault(route.handler, []).append(i)
            parts = route.handler.split(".")
            for n in range(1, len(parts)):
                self.by_handler_prefix.setdefault(".".join(parts[:n]), []).append(i)
            for dep in sorted(set(route.dependencies)):
                self.by_dependency.setdefault(dep, []).append(i)
            if route.response_model:
                self.by_model.setdefault(route.response_model, []).append(i)
            self.by_path.setdefault(route.path, []).append(i)

    def named_by(self, symbol: str, reached: Iterable[str]) -> list[int]:
        """Routes whose handler, view class, dependency (or what a decorator of it wraps),
        response model or path the symbol names, or whose handler reaches it."""
        found: set[int] = set()
        found.update(self.by_handler.get(symbol, ()))
        found.update(self.by_handler_prefix.get(symbol, ()))
        parts = symbol.split(".")
        for n in range(1, len(parts) + 1):
            found.update(self.by_dependency.get(".".join(parts[:n]), ()))
        for handler in reached:
            found.update(self.by_handler.get(handler, ()))
        found.update(self.by_model.get(symbol, ()))
        if symbol.startswith("/"):
            found.update(self.by_path.get(symbol, ()))
        return sorted(found)


def _symbol_routes(finding: Finding, routes: Sequence[Route], index: _RouteIndex, facts: ProjectFacts,
                   callers: Mapping[str, tuple[str, ...]]) -> list[int]:
    """Routes a finding without a route names through its symbol: a handler (or a method of a
    class-based view), a dependency or what a decorator wraps, a serializer or schema, a
    GraphQL endpoint or resolver, or a function the route's code calls (`callers`)."""
    symbol = finding.symbol
    if not symbol:
        return []
    out = index.named_by(symbol, callers.get(finding_key(finding), ()))
    if out:
        return out
    for resolver in facts.graphql_resolvers:
        if symbol == resolver.handler or symbol.startswith(resolver.handler + ".") or \
                resolver.handler.startswith(symbol + "."):
            return [i for i, r in enumerate(routes) if r.framework == "graphql"]
    return []


def attribute(findings: Iterable[Finding], routes: Sequence[Route], facts: ProjectFacts,
              callers: Mapping[str, tuple[str, ...]] | None = None) -> _Attribution:
    """Which findings concern which routes."""
    by_display: dict[str, list[int]] = {}
    for i, route in enumerate(routes):
        by_display.setdefault(route.display, []).append(i)
    app_files: dict[str, set[str]] = {}
    for app in facts.apps:
        app_files.setdefault(app.location.file, set()).add(app.name)
    index = _RouteIndex(routes)
    out = _Attribution()
    for finding in findings:
        if step_of(finding.code) is None:
            continue
        if finding.route is not None and finding.route in by_display:
            targets = by_display[finding.route]
            if len(targets) > 1:
                same_file = [i for i in targets if routes[i].location.file == finding.location.file]
                targets = same_file or targets
            for i in targets:
                out.own.setdefault(i, []).append(finding)
            continue
        named = _symbol_routes(finding, routes, index, facts, callers or {})
        if named:
            for i in named:
                out.own.setdefault(i, []).append(finding)
            continue
        apps = app_files.get(finding.location.file)
        for i, route in enumerate(routes):
            if apps is None or route.app in apps:
                out.app.setdefault(i, []).append(finding)
    return out


def _from_findings(step: Step, findings: list[Finding]) -> Cell:
    """`failed`, or `unknown` when every finding is of low confidence."""
    ordered = tuple(sorted(findings, key=lambda f: (-f.severity.rank, -f.confidence.rank, f.sort_key())))
    if any(f.confidence.rank > Confidence.LOW.rank for f in ordered):
        return Cell(step, Status.FAILED, findings=ordered)
    codes = sorted({f.code for f in ordered})
    return Cell(step, Status.UNKNOWN, findings=ordered,
                reason=f"possible problem (low confidence): {', '.join(codes)} (see the findings)")


def _step_codes(rules: Sequence[type[Rule]]) -> dict[Step, list[type[Rule]]]:
    out: dict[Step, list[type[Rule]]] = {}
    for rule in rules:
        step = step_of(rule.code)
        if step is not None:
            out.setdefault(step, []).append(rule)
    return out


class Assembler:
    """Turns readings and findings into cells."""

    def __init__(self, registered: Sequence[type[Rule]], ran: Iterable[str],
                 declarations: Sequence[Declaration]) -> None:
        self.by_step = _step_codes(registered)
        self.ran = frozenset(ran)
        self.declarations = tuple(declarations)
        self.not_run: set[str] = set()

    def _missing(self, step: Step, framework: str) -> list[str]:
        """Codes of the step's rules that apply to the framework but did not run."""
        return sorted(r.code for r in self.by_step.get(step, ())
                      if r.code not in self.ran and (not r.frameworks or framework in r.frameworks))

    def cell(self, route: Route, step: Step, reading: Reading, own: list[Finding], app: list[Finding]) -> Cell:
        """The verdict of one step of one route."""
        if own:
            return _from_findings(step, own + app)
        if reading.status is Status.NA and not (reading.needs_rules and self._missing(step, route.framework)):
            return Cell(step, Status.NA, reason=reading.reason)
        if app:
            return _from_findings(step, app)
        missing = self._missing(step, route.framework) if reading.needs_rules else []
        if missing:
            self.not_run.update(missing)
            return Cell(step, Status.UNKNOWN, reading.evidence,
                        reason=f"not checked: {', '.join(missing)} did not run (ignored or not selected)")
        if reading.status is Status.UNKNOWN:
            declared = declaration_for(self.declarations, route, step)
            if declared is not None:
                return Cell(step, Status.MET, (Evidence("declared", declared.text, detail=declared.where),),
                            reason=f"declared in the configuration; apilint's own reading: {reading.reason}")
        return Cell(step, reading.status, reading.evidence, reason=reading.reason)


def _risk_key(row: RouteChecklist) -> tuple[int, int, int, int, tuple[str, str, str, int]]:
    failed = row.failed()
    critical = sum(1 for s in failed if s in CRITICAL)
    severity = max((f.severity.rank for c in row.cells for f in c.findings if c.status is Status.FAILED), default=-1)
    unknowns = sum(1 for c in row.cells if c.status is Status.UNKNOWN)
    return (-critical, -severity, -len(failed), -unknowns, row.route.sort_key())


def summarize(rows: Sequence[RouteChecklist]) -> tuple[StepSummary, ...]:
    """Per step: routes by status, over all routes and over routes that handle user data."""
    out = []
    for step in STEPS:
        every = Counter(row.cell(step).status.value for row in rows)
        user = Counter(row.cell(step).status.value for row in rows if row.user_data)
        out.append(StepSummary(step, tuple((s.value, every[s.value]) for s in Status),
                               tuple((s.value, user[s.value]) for s in Status)))
    return tuple(out)


def _by_step(findings: Iterable[Finding]) -> dict[Step, list[Finding]]:
    out: dict[Step, list[Finding]] = {}
    for finding in findings:
        step = step_of(finding.code)
        if step is not None:
            out.setdefault(step, []).append(finding)
    return out


def build(routes: Sequence[Route], readings: Sequence[RouteReadings], findings: Iterable[Finding],
          facts: ProjectFacts, registered: Sequence[type[Rule]], ran: Iterable[str],
          declarations: Sequence[Declaration] = (), callers: Mapping[str, tuple[str, ...]] | None = None) -> Checklist:
    """The checklist of every route, ordered by risk, with the project summary."""
    attribution = attribute(findings, routes, facts, callers)
    assembler = Assembler(registered, ran, declarations)
    rows = []
    for i, (route, route_readings) in enumerate(zip(routes, readings, strict=True)):
        own = _by_step(attribution.own.get(i, ()))
        app = _by_step(attribution.app.get(i, ()))
        cells = tuple(assembler.cell(route, step, route_readings[n], own.get(step, []), app.get(step, []))
                      for n, step in enumerate(STEPS))
        rows.append(RouteChecklist(route, cells, handles_user_data(route)))
    rows.sort(key=_risk_key)
    return Checklist(tuple(rows), summarize(rows), tuple(sorted(assembler.not_run)))


__all__ = ["Assembler", "attribute", "build", "summarize"]
