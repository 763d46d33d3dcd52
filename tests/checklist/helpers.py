"""Shared helpers of the checklist tests: analyze a fixture app and build its checklist."""

from __future__ import annotations

from pathlib import Path

from apilint.checklist import Checklist
from apilint.checklist import checklist_of as checklist_of_run
from apilint.config import find_config, load_config
from apilint.engine import RunResult
from apilint.testing import analyze_dir

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
APPS = sorted(p.parent for p in FIXTURES.glob("*/*/routes.json"))


def analyze_checklist(app: Path, select: tuple[str, ...] = ("ALL",)) -> tuple[RunResult, Checklist]:
    """Analyze a fixture app as `apilint routes --checklist` does and build its checklist."""
    result = analyze_dir(app, select=select, checklist=True)
    assert result.checklist is not None
    found = find_config(app)
    declarations = load_config(found).checklist if found is not None and found.parent == app else ()
    checklist = checklist_of_run(result, declarations)
    return result, checklist
