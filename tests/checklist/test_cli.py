"""`apilint routes --checklist` in its three formats, and its usage errors."""

from __future__ import annotations

import json

import pytest
from apilint.checklist import STEPS

from tests.checklist.helpers import FIXTURES
from tests.robustness.appgen import run_cli

TODO = FIXTURES / "fastapi" / "todo_api"


def test_json_gives_every_route_the_twelve_cells(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["routes", str(TODO), "--checklist", "--format", "json", "--no-cache"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["version"] == 2 and len(doc["routes"]) == 12
    for route in doc["routes"]:
        assert set(route["checklist"]) == {s.value for s in STEPS}
        for cell in route["checklist"].values():
            assert set(cell) == {"status", "evidence", "findings", "reason"}
        if any(f["code"].startswith("AUTH") for c in route["checklist"].values() for f in c["findings"]):
            assert route["checklist"]["authentication"]["status"] != "met"
    assert sorted(r["risk_rank"] for r in doc["routes"]) == list(range(1, 13))
    summary = doc["checklist"]["summary"]["authentication"]
    assert summary["all"]["failed"] == 2 and summary["all"]["share_met"] == round(7 / 9, 4)


def test_table_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["routes", str(TODO), "--checklist", "--no-cache"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["method", "path", "1"] and lines[0].split()[-1] == "12"
    assert lines[1].split()[:2] == ["GET", "/api/v1/todos/search"]  # the riskiest route first
    assert "✓ met" in out and "Authentication" in out and "12 routes, riskiest first" in out
    code, out, _ = run_cli(["routes", str(TODO), "--checklist", "--format", "markdown", "--no-cache"], capsys)
    assert code == 0
    assert out.startswith("## apilint: the 12-step checklist")
    assert "| `GET /api/v1/todos/search` | ✅ |" in out


def test_checklist_and_diff_do_not_combine(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["routes", str(TODO), "--checklist", "--diff", "HEAD"], capsys)
    assert code == 2 and "--checklist and --diff cannot be combined" in err


def test_a_warm_cache_gives_the_same_checklist(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["routes", str(TODO), "--checklist", "--format", "json", "--cache-dir", str(tmp_path / "cache")]
    cold = run_cli(args, capsys)
    warm = run_cli(args, capsys)
    assert cold[0] == warm[0] == 0 and cold[1] == warm[1]
