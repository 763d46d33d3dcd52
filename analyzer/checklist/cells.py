"""The checklist's data: what the code shows for a step (`Reading`), the verdict for a route
(`Cell`), one route's row, and the project summary. Plain frozen data, picklable for the
result cache and written as JSON by the reporters."""

from __future__ import annotations

from dataclasses import dataclass

from apilint.checklist.steps import STEPS, Status, Step
from apilint.model import Evidence, Finding, Route


@dataclass(frozen=True, slots=True)
class Reading:
    """What the analyzed code shows for one step of one route, before findings are applied.

    `status` is `MET` (with evidence), `NA` or `UNKNOWN` (with the reason), never `FAILED`:
    only rules fail a step.
    """

    status: Status
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""
    needs_rules: bool = False
    """True when `MET` rests on the step's rules having found nothing (no debug mode, no
    exception text): the cell is then `unknown` when those rules did not run."""


def met(*evidence: Evidence, reason: str = "", needs_rules: bool = False) -> Reading:
    """A `MET` reading."""
    return Reading(Status.MET, tuple(evidence), reason, needs_rules)


def unknown(reason: str, *evidence: Evidence) -> Reading:
    """An `UNKNOWN` reading with its reason."""
    return Reading(Status.UNKNOWN, tuple(evidence), reason)


def not_applicable(reason: str, needs_rules: bool = False) -> Reading:
    """An `NA` reading with its reason."""
    return Reading(Status.NA, (), reason, needs_rules)


RouteReadings = tuple[Reading, ...]
"""One reading per step, in `STEPS` order."""


@dataclass(frozen=True, slots=True)
class ChecklistReadings:
    """What the engine reads for the checklist (`RunResult.checklist`, cached with the run)."""

    routes: tuple[RouteReadings, ...]
    """The readings of every route, in route-map order."""
    callers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(finding key, handlers of the routes that reach the function it names): see `reach`."""


@dataclass(frozen=True, slots=True)
class Cell:
    """The verdict for one step of one route."""

    step: Step
    status: Status
    evidence: tuple[Evidence, ...] = ()
    findings: tuple[Finding, ...] = ()
    reason: str = ""

    @property
    def declared(self) -> bool:
        """True for `met (declared)`: the evidence is a configuration declaration."""
        return self.status is Status.MET and bool(self.evidence) and all(e.kind == "declared" for e in self.evidence)

    @property
    def label(self) -> str:
        """`met`, `met (declared)`, `failed`, `unknown` or `n/a`."""
        return "met (declared)" if self.declared else self.status.value


@dataclass(frozen=True, slots=True)
class RouteChecklist:
    """One route with its 12 cells."""

    route: Route
    cells: tuple[Cell, ...]
    user_data: bool
    """The route handles user data: it requires authentication or takes the ID of a stored object."""

    def cell(self, step: Step) -> Cell:
        """The cell of one step."""
        return self.cells[STEPS.index(step)]

    def failed(self) -> tuple[Step, ...]:
        """Steps this route fails."""
        return tuple(c.step for c in self.cells if c.status is Status.FAILED)


@dataclass(frozen=True, slots=True)
class StepSummary:
    """How many routes meet one step, over all routes and over user-data routes."""

    step: Step
    counts: tuple[tuple[str, int], ...]
    """(status value, routes) for every status, over all routes."""
    user_data_counts: tuple[tuple[str, int], ...]
    """The same over routes that handle user data."""

    @staticmethod
    def share(counts: tuple[tuple[str, int], ...]) -> float | None:
        """Met routes over routes the step applies to (not `n/a`); None when it applies to none."""
        by = dict(counts)
        applicable = sum(by.values()) - by.get(Status.NA.value, 0)
        return round(by.get(Status.MET.value, 0) / applicable, 4) if applicable else None


@dataclass(frozen=True, slots=True)
class Checklist:
    """Every route's row, ordered by risk, and the per-step summary."""

    rows: tuple[RouteChecklist, ...]
    """Routes ordered by risk: failed critical steps first, then severity, then failures."""
    summary: tuple[StepSummary, ...]
    rules_not_run: tuple[str, ...] = ()
    """Codes of rules whose step they speak for was judged without them."""

    def row_of(self, route: Route) -> RouteChecklist | None:
        """The row of a route, if it is in the checklist."""
        for row in self.rows:
            if row.route == route:
                return row
        return None


__all__ = ["Cell", "Checklist", "ChecklistReadings", "Reading", "RouteChecklist", "RouteReadings", "StepSummary", "met",
           "not_applicable", "unknown"]
