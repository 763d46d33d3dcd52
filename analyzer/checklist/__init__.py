"""The 12-step API security checklist: every route judged step by step, with the evidence.

The engine reads what the code shows for each step (`route_steps.read_checklist`, run with
`RunOptions(checklist=True)` and cached with the run); `build_checklist` then applies the
findings and the configuration's declarations. Rules stay the only source of `failed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from apilint.checklist.cells import Cell, Checklist, RouteChecklist, RouteReadings, StepSummary
from apilint.checklist.declared import Declaration
from apilint.checklist.steps import LABELS, STEPS, Status, Step, step_of
from apilint.model import Finding, ProjectFacts, Route


def build_checklist(routes: Sequence[Route], readings: Sequence[RouteReadings], findings: Iterable[Finding],
                    facts: ProjectFacts, ran: Iterable[str], declarations: Sequence[Declaration] = ()) -> Checklist:
    """Every route's 12 cells, ordered by risk, and the per-step summary.

    `findings` should be every finding of the run before confidence, baseline and `--diff`
    filters (a hidden finding must still keep a cell from `met`); `ran` the codes of the
    rules that ran.
    """
    from apilint.checklist.assemble import build
    from apilint.registry import all_rules

    return build(routes, readings, findings, facts, all_rules(), ran, declarations)


__all__ = ["LABELS", "STEPS", "Cell", "Checklist", "Declaration", "RouteChecklist", "RouteReadings", "Status", "Step",
           "StepSummary", "build_checklist", "step_of"]
