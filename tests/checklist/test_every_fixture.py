"""Properties of the checklist over every fixture app: 12 cells per route, and never `met`
while a finding on that route says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.checklist import STEPS, Status, step_of

from tests.checklist.helpers import APPS, FIXTURES, analyze_checklist


@pytest.mark.parametrize("app", APPS, ids=[a.relative_to(FIXTURES).as_posix() for a in APPS])
def test_no_cell_is_met_while_a_finding_says_otherwise(app: Path) -> None:
    result, checklist = analyze_checklist(app)
    assert len(checklist.rows) == len([r for r in result.routes if not r.builtin])  # no handler to check
    by_display: dict[str, list] = {}
    for row in checklist.rows:
        assert [c.step for c in row.cells] == list(STEPS)
        by_display.setdefault(row.route.display, []).append(row)
        for cell in row.cells:
            if cell.status is Status.MET:
                assert not cell.findings, (row.route.display, cell)
            if cell.status is Status.FAILED:
                assert cell.findings and all(step_of(f.code) is cell.step for f in cell.findings)
            if cell.status in (Status.UNKNOWN, Status.NA):
                assert cell.reason, (row.route.display, cell.step)
    for finding in result.findings:
        step = step_of(finding.code)
        if finding.route is None or step is None:
            continue
        for row in by_display.get(finding.route, []):
            cell = row.cell(step)
            assert cell.status in (Status.FAILED, Status.UNKNOWN), (finding.code, finding.route, cell)
            assert finding in cell.findings
