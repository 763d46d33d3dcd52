"""`apilint check --fix`, `--unsafe-fixes` and `--dry-run` on the command line; replay and the
result cache never answer for a tree a fix rewrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from apilint import replay
from apilint.config import Config
from apilint.engine import RunOptions, run

from tests.robustness.appgen import run_cli, write

APP = {
    "app/__init__.py": "",
    "app/main.py": """
        from fastapi import APIRouter, Depends, FastAPI, Response
        from fastapi.middleware.cors import CORSMiddleware
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI()
        app.add_middleware(CORSMiddleware, allow_origins=["*"])
        router = APIRouter(prefix="/notes")


        @router.get("/")
        def list_notes(token: str = Depends(oauth2_scheme)) -> list[str]:
            return []


        @router.post("/")
        def create_note(text: str, token: str = Depends(oauth2_scheme)) -> str:
            return text


        @router.delete("/{note_id}")
        def delete_note(note_id: int) -> None:
            return None


        @router.post("/session")
        def session(response: Response, token: str = Depends(oauth2_scheme)) -> dict[str, str]:
            response.set_cookie("session_id", token)
            return {}


        app.include_router(router)
    """,
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    write(root, {k: textwrap.dedent(v).lstrip("\n") for k, v in APP.items()})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "usercache"))
    monkeypatch.chdir(root)
    return root


def _codes(out: str) -> list[str]:
    return sorted(f["code"] for f in json.loads(out)["findings"])


def test_fix_applies_safe_fixes_and_reports_what_remains(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "app", "--no-cache", "--fix"], capsys)
    main = (project / "app/main.py").read_text(encoding="utf-8")
    assert 'response.set_cookie("session_id", token, secure=True, httponly=True, samesite="lax")' in main
    assert 'allow_origins=["*"]' in main  # CORS001's fix is unsafe: not applied
    assert "TLS001" not in out and "AUTH004" in out and "CORS001" in out
    assert "Fixed 1 problem (2 more with --unsafe-fixes)." in out
    assert code == 1  # findings remain


def test_unsafe_fixes_too_and_then_nothing_is_left(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["check", "app", "--no-cache", "--fix", "--unsafe-fixes", "--format", "json"], capsys)
    assert _codes(out) == [] and code == 0
    report = json.loads(out)
    assert report["summary"]["fixed"] == 3
    assert err.strip() == "apilint: Fixed 3 problems."
    main = (project / "app/main.py").read_text(encoding="utf-8")
    assert "def delete_note(note_id: int, token: str = Depends(oauth2_scheme)) -> None:" in main
    assert "import os\n" in main
    before = main
    code, out, err = run_cli(["check", "app", "--no-cache", "--fix", "--unsafe-fixes"], capsys)
    assert (project / "app/main.py").read_text(encoding="utf-8") == before and "Fixed 0 problems." in out


def test_dry_run_prints_the_diff_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (project / "app/main.py").read_bytes()
    code, out, err = run_cli(["check", "app", "--no-cache", "--fix", "--unsafe-fixes", "--dry-run"], capsys)
    assert (project / "app/main.py").read_bytes() == before
    assert out.startswith("--- a/app/main.py\n+++ b/app/main.py\n")
    assert '+        response.set_cookie("session_id"' not in out  # four spaces: the file's own indent
    assert '+    response.set_cookie("session_id", token, secure=True' in out
    assert "apilint: Would fix 3 problems." in err
    assert code == 0  # nothing would remain


def test_the_text_report_counts_fixable_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["check", "app", "--no-cache"], capsys)
    assert "[*] 1 fixable with `--fix` (2 more with --unsafe-fixes)." in out
    assert "autofix: Pass secure=True, httponly=True and samesite=\"lax\" to set_cookie (--fix)" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--dry-run"], "--dry-run goes with --fix"),
    (["--fix", "--diff", "HEAD"], "--fix cannot be combined with --diff"),
    (["--fix", "--write-baseline", "b.json"], "--fix cannot be combined with --write-baseline"),
])
def test_usage_errors(project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = run_cli(["check", "app", *argv], capsys)
    assert code == 2 and message in err
    assert "secure=True" not in (project / "app/main.py").read_text(encoding="utf-8")


def test_fix_runs_are_never_replayed() -> None:
    assert not replay.replayable(["check", "app", "--fix"])
    assert not replay.replayable(["app", "--fix", "--dry-run"])
    assert replay.replayable(["check", "app", "--unsafe-fixes"])


def _subprocess(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apilint", *argv], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


def test_a_record_made_before_a_fix_does_not_answer_after_it(project: Path) -> None:
    past = time.time_ns() - 60 * 1_000_000_000
    for path in project.rglob("*"):
        os.utime(path, ns=(past, past))
    argv = ["check", "app", "--format", "json"]
    first = _subprocess(argv)
    assert "TLS001" in first.stdout
    assert replay.replay(argv) is not None  # recorded: an unchanged tree is answered from it
    fixed = _subprocess(["check", "app", "--fix"])
    assert fixed.returncode == 1, fixed.stderr
    assert replay.replay(argv) is None
    again = _subprocess(argv)
    assert "TLS001" not in again.stdout and "AUTH004" in again.stdout


def test_the_result_cache_keeps_fix_plans_and_never_serves_a_rewritten_tree(project: Path, tmp_path: Path) -> None:
    options = RunOptions((project / "app",), jobs=1, cache_dir=tmp_path / "cache")
    config = Config(root=project)
    cold = run(config, options)
    warm = run(config, options)
    assert [f.fix_plan for f in warm.findings] == [f.fix_plan for f in cold.findings]
    assert any(f.fix_plan is not None for f in warm.findings)
    main = project / "app/main.py"
    main.write_text(main.read_text(encoding="utf-8").replace('("session_id", token)',
                                                             '("session_id", token, secure=True, httponly=True)'),
                    encoding="utf-8")
    assert "TLS001" not in {f.code for f in run(config, options).findings}
