"""Golden checklist JSON (`apilint routes --checklist --format json`) for two fixture apps.

Rewrite with `pytest tests/checklist --update-routes`, then review the diff like code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apilint.checklist import STEPS
from apilint.reporters.checklist import render_json

from tests.checklist.helpers import FIXTURES, analyze_checklist

GOLDEN_APPS = [FIXTURES / "fastapi" / "todo_api", FIXTURES / "fastapi" / "todo_api_safe"]


@pytest.mark.parametrize("app", GOLDEN_APPS, ids=lambda a: a.name)
def test_checklist_json_matches_golden_file(app: Path, update_routes: bool) -> None:
    result, checklist = analyze_checklist(app)
    rendered = render_json(result.routes.routes, checklist)
    golden = app / "checklist.json"
    if update_routes:
        golden.write_text(rendered, encoding="utf-8")
    assert json.loads(rendered) == json.loads(golden.read_text(encoding="utf-8"))
    doc = json.loads(rendered)
    for route in doc["routes"]:
        assert list(route["checklist"]) == sorted(s.value for s in STEPS)
        assert {c["status"] for c in route["checklist"].values()} <= {"met", "failed", "unknown", "n/a"}


def test_route_objects_keep_the_route_map_fields() -> None:
    from apilint.reporters.json import route_to_dict

    result, checklist = analyze_checklist(GOLDEN_APPS[0])
    doc = json.loads(render_json(result.routes.routes, checklist))
    checked = [r for r in result.routes.routes if not r.builtin]
    for route, item in zip(checked, doc["routes"], strict=True):
        plain = route_to_dict(route)
        assert {k: item[k] for k in plain} == json.loads(json.dumps(plain))


def test_declared_cells_in_the_safe_twin() -> None:
    _, checklist = analyze_checklist(GOLDEN_APPS[1])
    https = {row.cell(STEPS[3]).label for row in checklist.rows}
    assert https == {"met (declared)"}
