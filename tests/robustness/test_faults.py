"""Faults stay local: a failing rule, adapter or worker process is a diagnostic (exit 3)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from apilint import engine
from apilint.config import Config
from apilint.frameworks.fastapi import FastAPIAdapter
from apilint.registry import all_rules, rule_by_code
from apilint.rule import RuleContext

from tests.robustness.appgen import AUTH_APP, AUTH_APP_LINE, check_json, keys, many_file_app, run_cli, write

FLASK_APP = '''\
from flask import Flask

app = Flask(__name__)


@app.route("/items/<int:item_id>", methods=["DELETE"])
def delete_item(item_id):
    return "", 204
'''


def _boom(*args: object, **kwargs: object) -> Iterator[object]:
    raise ZeroDivisionError("planted fault")


def _internal(report: dict[str, object]) -> list[dict[str, object]]:
    diags = report["diagnostics"]
    assert isinstance(diags, list)
    return [d for d in diags if d["internal"]]


def test_rule_exception_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.py": AUTH_APP, "odd.py": "def f(:\n"})
    victim = next(r for r in all_rules() if r.code != "AUTH001" and r.enabled_by_default)
    monkeypatch.setattr(victim, "check", _boom)
    code, report = check_json(tmp_path, capsys)
    assert code == 3
    [diag] = _internal(report)
    assert victim.code in str(diag["message"]) and "ZeroDivisionError" in str(diag["message"])
    assert {("main.py", AUTH_APP_LINE, "AUTH001"), ("odd.py", 1, "PARSE001")} <= keys(report)
    code, _ = check_json(tmp_path, capsys, "--exit-zero")
    assert code == 3  # exit-zero hides findings, not apilint's own failures


def test_rule_that_never_finishes_is_stopped_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.py": AUTH_APP})
    victim = next(r for r in all_rules() if r.code != "AUTH001" and r.enabled_by_default)

    def forever(*args: object, **kwargs: object) -> Iterator[object]:
        while True:
            try:
                pass
            except Exception:  # a rule's own broad handler must not swallow the stop
                continue

    monkeypatch.setattr(victim, "check", forever)
    monkeypatch.setenv("APILINT_RULE_TIME_LIMIT", "0.5")
    code, report = check_json(tmp_path, capsys, "--no-cache")
    assert code == 3
    [diag] = _internal(report)
    assert victim.code in str(diag["message"]) and "stopped after 0.5 s" in str(diag["message"])
    assert ("main.py", AUTH_APP_LINE, "AUTH001") in keys(report)  # the other rules still report


def test_rule_failing_midway_keeps_other_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.py": AUTH_APP, "flask_app.py": FLASK_APP})
    auth = rule_by_code("AUTH001")
    assert auth is not None
    real = auth.check

    def half(self: object, ctx: RuleContext) -> Iterator[object]:
        yield from real(self, ctx)  # type: ignore[arg-type]
        raise KeyError("late")

    monkeypatch.setattr(auth, "check", half)
    code, report = check_json(tmp_path, capsys)
    assert code == 3
    assert "AUTH001" in str(_internal(report)[0]["message"])


def test_adapter_exception_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.py": AUTH_APP, "flask_app.py": FLASK_APP})
    monkeypatch.setattr(FastAPIAdapter, "link", _boom)
    code, report = check_json(tmp_path, capsys)
    assert code == 3
    [diag] = _internal(report)
    assert "fastapi" in str(diag["message"]) and "ZeroDivisionError" in str(diag["message"])
    assert ("flask_app.py", 7, "AUTH001") in keys(report)
    # `routes` reports the same failure the same way.
    code, out, err = run_cli(["routes", str(tmp_path), "--no-cache"], capsys)
    assert code == 3 and "/items/{item_id}" in out and "Traceback" not in err


def test_worker_death_is_retried_and_the_culprit_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that kills its worker process (twice) becomes a diagnostic; every other file is analyzed."""
    many_file_app(tmp_path, routers=30)
    main_pid = os.getpid()
    real = engine.summarize_source

    def fatal(source: bytes, path: str, *args: object) -> object:
        if path.endswith("things_03.py") and os.getpid() != main_pid:
            os._exit(1)  # as a segfault or the OOM killer would
        return real(source, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "summarize_source", fatal)
    config = Config(root=tmp_path)
    result = engine.run(config, engine.RunOptions((tmp_path,), jobs=2, use_cache=False))
    assert result.files_analyzed == 34
    crashed = [d for d in result.diagnostics if d.internal]
    assert [(d.location.file, "died" in d.message) for d in crashed] == [("app/routers/things_03.py", True)]
    auth = {f.location.file for f in result.findings if f.code == "AUTH001"}
    assert auth == {f"app/routers/things_{i:02d}.py" for i in range(0, 30, 3) if i != 3}


def test_transient_worker_death_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed once (not by the file) costs a retry, not a diagnostic."""
    many_file_app(tmp_path, routers=30)
    main_pid = os.getpid()
    flag = tmp_path / "killed-once"
    real = engine.summarize_source

    def flaky(source: bytes, path: str, *args: object) -> object:
        if path.endswith("things_07.py") and os.getpid() != main_pid and not flag.exists():
            flag.touch()
            os._exit(1)
        return real(source, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "summarize_source", flaky)
    result = engine.run(Config(root=tmp_path), engine.RunOptions((tmp_path,), jobs=2, use_cache=False))
    baseline = engine.run(Config(root=tmp_path), engine.RunOptions((tmp_path,), jobs=1, use_cache=False))
    assert flag.exists()
    assert not result.diagnostics
    assert [f.sort_key() for f in result.findings] == [f.sort_key() for f in baseline.findings]
