"""Odd file-system entries are skipped or reported, never opened when opening could hang."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import pytest

from tests.robustness.appgen import AUTH_APP, AUTH_APP_LINE, check_json, keys, run_cli, write

APP_KEY = ("main.py", AUTH_APP_LINE, "AUTH001")


def _notes(report: dict[str, object]) -> dict[str, str]:
    diags = report["diagnostics"]
    assert isinstance(diags, list)
    assert not any(d["internal"] for d in diags)
    return {d["file"]: d["message"] for d in diags}


def test_symlink_loop_and_broken_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.py": AUTH_APP})
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "up").symlink_to(tmp_path)  # a directory loop: never followed
    code, report = check_json(tmp_path, capsys)
    assert code == 1 and keys(report) == {APP_KEY}
    notes = _notes(report)
    assert {"loop.py", "a.py", "b.py", "dangling.py"} <= set(notes)
    assert report["summary"]["files"] == 1  # type: ignore[index]


def test_fifo_is_never_opened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Opening a FIFO with no writer blocks forever; discovery must only stat it."""
    write(tmp_path, {"main.py": AUTH_APP})
    os.mkfifo(tmp_path / "pipe.py")
    code, report = check_json(tmp_path, capsys)
    assert code == 1 and keys(report) == {APP_KEY}
    assert "not a regular file" in _notes(report)["pipe.py"]
    # Named explicitly on the command line, too.
    code, out, err = run_cli(["check", str(tmp_path / "pipe.py"), str(tmp_path / "main.py"), "--no-cache"], capsys)
    assert code == 1 and "AUTH001" in out and "Traceback" not in err


def test_device_file_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.py": AUTH_APP})
    (tmp_path / "null.py").symlink_to("/dev/null")
    with contextlib.suppress(OSError):  # without CAP_MKNOD the /dev/null symlink covers the case
        os.mknod(tmp_path / "dev.py", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    code, report = check_json(tmp_path, capsys)
    assert code == 1 and keys(report) == {APP_KEY}
    assert "not a regular file" in _notes(report)["null.py"]


def test_directory_named_py(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.py": AUTH_APP, "weird.py/inner.py": "x = 1\n"})
    code, report = check_json(tmp_path, capsys)
    assert code == 1 and keys(report) == {APP_KEY}
    assert report["summary"]["files"] == 2  # type: ignore[index]


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.py": AUTH_APP, "secret.py": "x = 1\n"})
    secret = tmp_path / "secret.py"
    secret.chmod(0)
    if os.access(secret, os.R_OK):
        # Running as root: chmod does not stop reads, so simulate the refusal.
        real = Path.read_bytes

        def refuse(self: Path) -> bytes:
            if self.name == "secret.py":
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", refuse)
    try:
        code, report = check_json(tmp_path, capsys)
    finally:
        secret.chmod(0o644)
    assert code == 1
    assert APP_KEY in keys(report)
    parse = [f for f in report["findings"] if f["code"] == "PARSE001"]  # type: ignore[union-attr]
    assert [(f["file"], "cannot read" in f["message"]) for f in parse] == [("secret.py", True)]


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["check", str(tmp_path / "nope")], capsys)
    assert code == 2 and "path does not exist" in err and "Traceback" not in err
