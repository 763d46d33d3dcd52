"""Replay records: an unchanged `check` is answered from its record, anything else runs again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apilint import replay

APP = {
    "app/main.py": """
        from fastapi import FastAPI
        from app.routers import items

        app = FastAPI()
        app.include_router(items.router, prefix="/items")
    """,
    "app/routers/items.py": """
        from fastapi import APIRouter

        router = APIRouter()

        @router.delete("/{item_id}")
        def delete_item(item_id: int):
            return {"deleted": item_id}
    """,
    "app/__init__.py": "",
    "app/routers/__init__.py": "",
}
ARGV = ["check", "app", "--format", "json", "--output", "out/report.json"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git-topped project with old timestamps, the cwd, and a private user cache."""
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    for name, text in APP.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(line[8:] for line in text.splitlines()).strip() + "\n", encoding="utf-8")
    _age(root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "usercache"))
    monkeypatch.chdir(root)
    return root


def _age(root: Path, seconds: int = 60) -> None:
    """Move every timestamp into the past, as for files not edited just now."""
    past = time.time_ns() - seconds * 1_000_000_000
    for dirpath, _, filenames in os.walk(root):
        for name in [*filenames, "."]:
            os.utime(Path(dirpath) / name, ns=(past, past))


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """A real run, which writes the record (stdout is a pipe here and in the replay below)."""
    return subprocess.run([sys.executable, "-m", "apilint", *argv], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


def _recorded(argv: list[str]) -> subprocess.CompletedProcess[str]:
    first = _run(argv)
    assert first.returncode in (0, 1), first.stderr
    return first


def test_an_unchanged_run_is_replayed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _recorded(ARGV)
    report = (project / "out/report.json").read_text(encoding="utf-8")
    assert "AUTH001" in report
    (project / "out/report.json").unlink()
    assert replay.replay(ARGV) == first.returncode == 1
    assert (project / "out/report.json").read_text(encoding="utf-8") == report
    text_argv = ["check", "app", "--format", "text"]
    printed = _recorded(text_argv).stdout
    capsys.readouterr()
    assert replay.replay(text_argv) == 1
    assert capsys.readouterr().out == printed


def test_a_real_second_run_prints_the_same(project: Path) -> None:
    first = _recorded(["check", "app"])
    second = _run(["check", "app"])
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)


@pytest.mark.parametrize("change", ["edit", "edit-same-size-and-time", "add", "delete", "config", "gitignore",
                                    "package-marker"])
def test_a_change_is_never_answered_from_the_record(project: Path, change: str) -> None:
    _recorded(ARGV)
    target = project / "app/routers/items.py"
    if change == "edit":
        target.write_text(target.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    elif change == "edit-same-size-and-time":  # the old mtime put back: the change time still moves
        st = target.stat()
        target.write_text(target.read_text(encoding="utf-8").replace("deleted", "removed"), encoding="utf-8")
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert target.stat().st_size == st.st_size
    elif change == "add":
        (project / "app/routers/users.py").write_text("x = 1\n", encoding="utf-8")
    elif change == "delete":
        (project / "app/routers/__init__.py").unlink()
    elif change == "config":
        (project / "pyproject.toml").write_text('[tool.apilint]\nignore = ["AUTH001"]\n', encoding="utf-8")
    elif change == "gitignore":
        (project / ".gitignore").write_text("app/routers/\n", encoding="utf-8")
    elif change == "package-marker":
        (project / "__init__.py").write_text("", encoding="utf-8")
    assert replay.replay(ARGV) is None


def test_an_edit_within_the_clock_tick_of_the_recorded_run_is_seen(project: Path) -> None:
    target = project / "app/routers/items.py"
    target.write_text(target.read_text(encoding="utf-8"), encoding="utf-8")  # just modified: racy
    _recorded(ARGV)
    st = target.stat()
    target.write_text(target.read_text(encoding="utf-8").replace("deleted", "removed"), encoding="utf-8")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert replay.replay(ARGV) is None


def test_other_command_lines_and_environments_have_their_own_record(project: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _recorded(ARGV)
    assert replay.replay([*ARGV, "--exit-zero"]) is None
    monkeypatch.setenv("APILINT_NO_REPLAY", "1")
    assert replay.replay(ARGV) is None
    monkeypatch.delenv("APILINT_NO_REPLAY")
    assert replay.replay(ARGV) == 1
    monkeypatch.setenv("NO_COLOR", "" if os.environ.get("NO_COLOR") else "1")
    assert replay.replay(ARGV) is None


@pytest.mark.parametrize("option", [["--no-cache"], ["--write-baseline", "b.json"], ["--diff", "HEAD"]])
def test_runs_that_must_not_be_replayed(project: Path, option: list[str]) -> None:
    assert not replay.replayable([*ARGV, *option])
    assert replay.replayable(ARGV) and replay.replayable(["app"]) and not replay.replayable(["routes", "app"])


def test_a_tampered_or_foreign_record_is_ignored(project: Path) -> None:
    _recorded(ARGV)
    records = list((project / ".apilint_cache" / "replay").glob("*.rec"))
    assert len(records) == 1
    blob = bytearray(records[0].read_bytes())
    blob[-5] ^= 0xFF
    records[0].write_bytes(bytes(blob))
    assert replay.replay(ARGV) is None
    records[0].write_bytes(b"APILINTR" + b"\0" * 64)
    assert replay.replay(ARGV) is None


def test_deleting_the_cache_folder_forgets_the_record(project: Path) -> None:
    import shutil

    _recorded(ARGV)
    shutil.rmtree(project / ".apilint_cache")
    assert replay.replay(ARGV) is None


FLASK_APP = """
from flask import Flask

app = Flask(__name__)


@app.delete("/items/<int:item_id>")
def delete_item(item_id):
    return {"deleted": item_id}
"""


def test_a_flask_static_folder_made_or_removed_later_is_seen(project: Path) -> None:
    """The static route depends on a folder, not on Python code: neither the replay record nor the
    stored result may answer once the folder appears or goes."""
    (project / "web").mkdir()
    (project / "web/app.py").write_text(FLASK_APP, encoding="utf-8")
    _age(project)
    argv = ["routes", "web", "--format", "json"]
    assert "/static/" not in _run(argv).stdout
    check = ["check", "web", "--format", "json", "--output", "out/web.json"]
    _recorded(check)
    (project / "web/static").mkdir()
    assert "/static/{filename}" in _run(argv).stdout
    assert replay.replay(check) is None  # the record said "no static folder"
    _recorded(check)
    (project / "web/static").rmdir()
    assert replay.replay(check) is None
    assert "/static/" not in _run(argv).stdout
