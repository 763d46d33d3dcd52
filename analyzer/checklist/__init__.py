"""The 12-step API security checklist: every route judged step by step, with the evidence.

The engine reads what the code shows for each step (`route_steps.read_checklist`, run with
`RunOptions(checklist=True)` and cached with the run); `build_checklist` then applies the
findings and the configuration's declarations. Rules stay the only source of `failed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from apilint.checklist.cells import Cell, Checklist, ChecklistReadings, RouteChecklist, RouteReadings, StepSummary
from apilint.checklist.declared import Declaration
from apilint.checklist.steps import LABELS, STEPS, Status, Step, step_of
from apilint.model import Finding, ProjectFacts, Route

if TYPE_CHECKING:
    from apilint.engine import RunResult


def build_checklist(routes: Sequence[Route], readings: Sequence[RouteReadings], findings: Iterable[Finding],
                    facts: ProjectFacts, ran: Iterable[str], declarations: Sequence[Declaration] = (),
                    callers: Mapping[str, tuple[str, ...]] | None = None) -> Checklist:
    """Every route's 12 cells, ordered by risk, and the per-step summary.

    `findings` should be every finding of the run before confidence, baseline and `--diff`
    filters (a hidden finding must still keep a cell from `met`); `ran` the codes of the
    rules that ran; `callers` the `ChecklistReadings.callers` of the run.
    """
    from apilint.checklist.assemble import build
    from apilint.registry import all_rules

    return build(routes, readings, findings, facts, all_rules(), ran, declarations, callers)


def checklist_of(result: RunResult, declarations: Sequence[Declaration] = (),
                 routes: Sequence[Route] | None = None) -> Checklist:
    """The checklist of a run made with `RunOptions(checklist=True)`, over all its routes or the
    given ones (except those the framework serves by itself), from every finding the run holds
    (take it before filtering them)."""
    from apilint.checklist.cells import unknown

    every = result.routes.routes
    data = result.checklist
    if data is None:  # reading failed: an INTERNAL diagnostic says why
        failed = unknown("apilint failed to read this step (see the diagnostics)")
        data = ChecklistReadings(tuple((failed,) * len(STEPS) for _ in every))
    by_route = dict(zip(map(id, every), data.routes, strict=True))
    # Routes the framework serves by itself (API docs, a router's index) have no handler to check.
    chosen = tuple(r for r in (every if routes is None else routes) if not r.builtin)
    return build_checklist(chosen, [by_route[id(r)] for r in chosen], result.findings, result.facts,
                           [r.code for r in result.rules], declarations, dict(data.callers))


__all__ = [
    "LABELS", "STEPS", "Cell", "Checklist", "ChecklistReadings", "Declaration", "RouteChecklist", "RouteReadings",
    "Status", "Step", "StepSummary", "build_checklist", "checklist_of", "step_of",
]
