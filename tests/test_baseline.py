"""Baselines: fingerprints with counts survive moved code; a second copy is still reported."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from apilint import baseline
from apilint.cli import main
from apilint.config import Config
from apilint.engine import RunOptions, run
from apilint.model import Confidence, Finding, Location, Severity

AUTH = """
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/token")


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    if not token:
        raise HTTPException(status_code=401)
    return {"id": 1}
"""

ROUTES = """
from fastapi import APIRouter, Depends

from app.auth import get_current_user

router = APIRouter(prefix="/orders")


@router.get("/")
def list_orders(user: dict = Depends(get_current_user)) -> list:
    return []


@router.delete("/{order_id}")
def delete_order(order_id: int) -> None:
    return None


@router.put("/{order_id}")
def replace_order(order_id: int, body: dict) -> dict:
    return body
"""

MAIN = """
from fastapi import FastAPI

from app.routes import router

app = FastAPI()
app.include_router(router)
"""


def _write_app(root: Path, routes: str = ROUTES) -> None:
    (root / "app").mkdir(parents=True, exist_ok=True)
    for name, text in (("__init__.py", ""), ("auth.py", AUTH), ("routes.py", routes), ("main.py", MAIN)):
        (root / "app" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _findings(root: Path) -> list[Finding]:
    result = run(Config(root=root), RunOptions((root,), jobs=1, use_cache=False, select=("AUTH001",), root=root))
    return result.findings


def _f(fp: str, line: int) -> Finding:
    return Finding("AUTH001", "m", Severity.HIGH, Confidence.HIGH, Location("a.py", line), fingerprint=fp)


def test_subtract_honours_counts() -> None:
    kept, matched = baseline.subtract([_f("a", 1), _f("a", 9), _f("b", 3)], Counter({"a": 1, "b": 1, "c": 4}))
    assert matched == 2
    assert [(f.fingerprint, f.location.line) for f in kept] == [("a", 9)]


def test_baseline_file_is_versioned_sorted_and_deterministic() -> None:
    findings = [_f("b", 2), _f("a", 1), _f("b", 5)]
    text = baseline.dumps(findings)
    assert text == baseline.dumps(list(reversed(findings)))
    doc = json.loads(text)
    assert doc["version"] == baseline.BASELINE_VERSION
    assert [(e["fingerprint"], e["count"]) for e in doc["findings"]] == [("a", 1), ("b", 2)]


def test_load_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(baseline.BaselineError, match="not found"):
        baseline.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(baseline.BaselineError, match="not valid JSON"):
        baseline.load(bad)
    bad.write_text('{"version": 99, "findings": []}', encoding="utf-8")
    with pytest.raises(baseline.BaselineError, match="version"):
        baseline.load(bad)


def test_matching_survives_inserted_lines_and_a_moved_handler(tmp_path: Path) -> None:
    _write_app(tmp_path)
    before = _findings(tmp_path)
    assert len(before) == 2
    known = baseline.counts_of(before)
    moved = ROUTES.replace('router = APIRouter(prefix="/orders")\n',
                           'router = APIRouter(prefix="/orders")\n\n# A comment block\n# added above.\nLIMIT = 10\n')
    delete_block = '@router.delete("/{order_id}")\ndef delete_order(order_id: int) -> None:\n    return None\n'
    moved = moved.replace(delete_block, "") + "\n\n" + delete_block  # the handler now sits at the end
    _write_app(tmp_path, moved)
    after = _findings(tmp_path)
    assert [f.location.line for f in after] != [f.location.line for f in before]
    kept, matched = baseline.subtract(after, known)
    assert (kept, matched) == ([], 2)


def test_a_new_problem_is_reported_despite_the_baseline(tmp_path: Path) -> None:
    _write_app(tmp_path)
    known = baseline.counts_of(_findings(tmp_path))
    _write_app(tmp_path, ROUTES + '\n\n@router.patch("/{order_id}")\ndef patch_order(order_id: int) -> None:\n'
                                  '    return None\n')
    kept, matched = baseline.subtract(_findings(tmp_path), known)
    assert matched == 2
    assert [f.route for f in kept] == ["PATCH /orders/{order_id}"]


def test_a_second_copy_of_a_baselined_problem_is_reported(tmp_path: Path) -> None:
    _write_app(tmp_path)
    found = _findings(tmp_path)
    one = found[0]
    known = Counter({one.fingerprint: 1})
    kept, matched = baseline.subtract([one, one], known)
    assert matched == 1 and kept == [one]


def test_cli_write_then_use_a_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "proj"
    _write_app(app)
    file = tmp_path / "apilint-baseline.json"
    common = ["check", str(app), "--no-cache", "--select", "AUTH001", "--format", "json"]
    with pytest.raises(SystemExit) as written:
        main([*common, "--write-baseline", str(file)])
    assert written.value.code == 0
    assert json.loads(capsys.readouterr().out)["summary"]["baselined"] == 2
    assert sum(e["count"] for e in json.loads(file.read_text())["findings"]) == 2
    with pytest.raises(SystemExit) as clean:
        main([*common, "--baseline", str(file)])
    assert clean.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["findings"] == [] and doc["summary"]["baselined"] == 2
    _write_app(app, ROUTES + '\n\n@router.post("/")\ndef create_order(body: dict) -> dict:\n    return body\n')
    with pytest.raises(SystemExit) as dirty:
        main([*common, "--baseline", str(file)])
    assert dirty.value.code == 1
    assert [f["route"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["POST /orders/"]
    with pytest.raises(SystemExit) as missing:
        main([*common, "--baseline", str(tmp_path / "nope.json")])
    assert missing.value.code == 2
