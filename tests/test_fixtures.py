"""Every fixture app: exact (file, line, code) findings and exact routes.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apilint.registry import known_codes
from apilint.reporters.json import render_routes
from apilint.testing import analyze_dir, collect_expectations, finding_keys

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
APPS = sorted(p.parent for p in FIXTURES.glob("*/*/routes.json"))
CODES = known_codes() | {"PARSE001"}


def _id(app: Path) -> str:
    return app.relative_to(FIXTURES).as_posix()


def test_fixture_apps_exist():
    assert len(APPS) >= 3


@pytest.mark.parametrize("app", APPS, ids=[_id(a) for a in APPS])
def test_findings_are_exactly_the_markers(app: Path):
    expected = collect_expectations(app, CODES)
    if app.name.endswith("_safe"):
        assert not expected.expect, "safe twins carry no # expect markers"
    result = analyze_dir(app)
    assert not [d for d in result.diagnostics if d.internal], result.diagnostics
    found = finding_keys(result)
    missing = sorted(expected.expect - found)
    unexpected = sorted(found - expected.expect - expected.not_todo)
    now_fixed = sorted((expected.todo & found) | (expected.not_todo - found))
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"
    assert not now_fixed, f"known gaps now pass, promote their markers: {now_fixed}"


@pytest.mark.parametrize("app", APPS, ids=[_id(a) for a in APPS])
def test_route_map_matches_golden_file(app: Path, update_routes: bool):
    result = analyze_dir(app)
    rendered = render_routes(result.routes.routes)
    golden = app / "routes.json"
    if update_routes:
        golden.write_text(rendered, encoding="utf-8")
    assert json.loads(rendered) == json.loads(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("app", [a for a in APPS if a.name.endswith("_safe")], ids=lambda a: _id(a))
def test_safe_twin_exists_for_its_app(app: Path):
    assert (app.parent / app.name.removesuffix("_safe")).is_dir()
