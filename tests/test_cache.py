"""The summary cache: hits when nothing changed, never trusts a bad entry, never corrupts itself."""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from apilint import engine
from apilint.cache import SummaryCache
from apilint.config import Config
from apilint.summary import ModuleSummary

from tests.robustness.appgen import many_file_app, run_cli

APILINT = shutil.which("apilint", path=str(Path(sys.executable).parent)) or "apilint"


@pytest.fixture(autouse=True)
def _private_key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def _run(project: Path, cache_dir: Path | None, jobs: int = 1) -> engine.RunResult:
    options = engine.RunOptions((project,), jobs=jobs, use_cache=cache_dir is not None, cache_dir=cache_dir)
    return engine.run(Config(root=project), options)


def _view(result: engine.RunResult) -> list[object]:
    return [(f.code, f.location, f.message, f.fingerprint) for f in result.findings] + list(result.diagnostics)


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*/*.bin"))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> object:
        raise AssertionError("parsed a file that should have come from the cache")

    monkeypatch.setattr(engine, "summarize_source", fail)


def test_hit_after_no_change_and_identical_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = many_file_app(tmp_path / "project", routers=6)
    cache_dir = tmp_path / "cache"
    cold = _run(project, cache_dir)
    assert len(_entries(cache_dir)) == cold.files_analyzed == 10
    with monkeypatch.context() as patch:
        _no_parsing(patch)
        warm = _run(project, cache_dir)
    assert _view(warm) == _view(cold) == _view(_run(project, None))
    # One changed file is parsed again, the rest still hit.
    (project / "app" / "routers" / "things_01.py").write_text("x = 1\n", encoding="utf-8")
    parsed: list[str] = []
    real = engine.summarize_source

    def counting(source: bytes, path: str, *args: object) -> ModuleSummary:
        parsed.append(path)
        return real(source, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "summarize_source", counting)
    _run(project, cache_dir)
    assert parsed == ["app/routers/things_01.py"]


def test_config_change_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = many_file_app(tmp_path / "project", routers=3)
    cache_dir = tmp_path / "cache"
    _run(project, cache_dir)
    other = SummaryCache.open(cache_dir, Config(root=project, auth_dependencies=("custom_auth",)))
    assert other is not None
    key, hit = other.lookup(project / "app" / "deps.py", "app/deps.py|app/deps.py")
    assert key is not None and hit is None


def test_no_cache_writes_nothing_and_cache_dir_is_honoured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = many_file_app(tmp_path / "project", routers=3)
    code, out, _ = run_cli(["check", str(project), "--no-cache"], capsys)
    assert code == 1
    assert not list(tmp_path.rglob(".apilint_cache")) and not (tmp_path / "xdg").exists()
    elsewhere = tmp_path / "elsewhere"
    assert run_cli(["check", str(project), "--cache-dir", str(elsewhere)], capsys) == (code, out, "")
    assert len(_entries(elsewhere)) == 7
    assert not list(project.rglob(".apilint_cache"))
    assert run_cli(["check", str(project), "--cache-dir", str(elsewhere)], capsys) == (code, out, "")


def _corruptions(key: bytes) -> dict[str, object]:
    class Planted:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, ("touch PWNED",))

    evil = pickle.dumps(Planted())
    wrong_type = pickle.dumps({"path": "app/deps.py"})
    return {
        "empty": b"",
        "truncated": lambda blob: blob[: len(blob) // 2],
        "flipped_payload_byte": lambda blob: blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:],
        "flipped_mac_byte": lambda blob: blob[:10] + bytes([blob[10] ^ 0xFF]) + blob[11:],
        "garbage": os.urandom(4096),
        "foreign_mac_pickle": b"APILINT1" + hmac.new(b"k" * 32, evil, hashlib.sha256).digest() + evil,
        "unsigned_pickle": evil,
        "wrong_type_valid_mac": b"APILINT1" + hmac.new(key, wrong_type, hashlib.sha256).digest() + wrong_type,
        "other_files_summary": "swap",
        "directory_instead_of_file": "dir",
    }


@pytest.mark.parametrize("kind", sorted(_corruptions(b"x" * 32)))
def test_bad_entries_are_ignored_and_rebuilt(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = many_file_app(tmp_path / "project", routers=3)
    cache_dir = tmp_path / "cache"
    monkeypatch.chdir(tmp_path)  # where a planted `touch PWNED` would land
    cold = _run(project, cache_dir)
    entries = _entries(cache_dir)
    cache = SummaryCache.open(cache_dir, Config(root=project))
    assert cache is not None
    action = _corruptions(cache._key)[kind]
    originals = {e: e.read_bytes() for e in entries}
    for i, entry in enumerate(entries):
        if action == "swap":
            entry.write_bytes(originals[entries[(i + 1) % len(entries)]])
        elif action == "dir":
            entry.unlink()
            entry.mkdir()
        elif callable(action):
            entry.write_bytes(action(originals[entry]))
        else:
            assert isinstance(action, bytes)
            entry.write_bytes(action)
    again = _run(project, cache_dir)
    assert _view(again) == _view(cold)
    assert not (tmp_path / "PWNED").exists()
    if action != "dir":  # rebuilt: the next run is all hits
        with monkeypatch.context() as patch:
            _no_parsing(patch)
            assert _view(_run(project, cache_dir)) == _view(cold)


def test_unwritable_cache_dir_still_analyzes(tmp_path: Path) -> None:
    project = many_file_app(tmp_path / "project", routers=3)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    assert _view(_run(project, blocker)) == _view(_run(project, None))


def test_concurrent_runs_share_the_cache_safely(tmp_path: Path) -> None:
    project = many_file_app(tmp_path / "project", routers=30)
    cache_dir = tmp_path / "cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    args = [APILINT, "check", str(project), "--format", "json", "--cache-dir", str(cache_dir)]
    procs = [subprocess.Popen([*args, "--jobs", jobs], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for jobs in ("1", "2", "1")]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 1 for p in procs), [r[1] for r in results]
    assert len({r[0] for r in results}) == 1
    assert not list(cache_dir.rglob(".tmp-*"))
    cache = SummaryCache.open(cache_dir, Config(root=project))
    assert cache is not None
    for file in sorted(project.rglob("*.py")):  # every entry is whole and trusted
        rel = file.relative_to(project).as_posix()
        _, hit = cache.lookup(file, f"{rel}|{rel}")
        assert hit is not None and hit.path == rel
    warm = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert warm.stdout == results[0][0]
    uncached = subprocess.run([*args[:-2], "--no-cache"], env=env, capture_output=True, text=True, timeout=300,
                              check=False)
    assert uncached.stdout == results[0][0]


def test_unchanged_project_reuses_the_whole_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing changed: the stored result is used without summarizing or linking anything."""
    import apilint.engine as engine_module
    from apilint.config import Config
    from apilint.engine import RunOptions, run

    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "main.py").write_text(
        "from fastapi import FastAPI\napp = FastAPI()\n\n@app.delete('/items/{item_id}')\n"
        "def delete_item(item_id: int):\n    ...\n", encoding="utf-8")
    options = RunOptions((project,), jobs=1, cache_dir=tmp_path / "cache", root=project)
    first = run(Config(root=project), options)
    assert [f.code for f in first.findings] == ["AUTH001"]

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("summaries must not be rebuilt or loaded when nothing changed")

    monkeypatch.setattr(engine_module, "summarize_files", boom)
    second = run(Config(root=project), options)
    assert second.findings == first.findings
    assert second.routes == first.routes
    monkeypatch.undo()
    (project / "app" / "main.py").write_text("x = 1\n", encoding="utf-8")
    third = run(Config(root=project), options)
    assert third.findings == []


def test_a_worker_parses_changed_files_while_the_cache_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = many_file_app(tmp_path / "project", routers=6)
    cache_dir = tmp_path / "cache"
    _run(project, cache_dir)
    monkeypatch.setattr(engine, "OVERLAP_HITS", 1)
    (project / "app" / "routers" / "things_01.py").write_text("x = 1\n", encoding="utf-8")
    entries = _entries(cache_dir)
    for entry in entries[::2]:  # half of what the parent loads meanwhile does not verify
        entry.write_bytes(b"APILINT1" + b"\0" * 40)
    overlapped = _run(project, cache_dir, jobs=2)
    assert _view(overlapped) == _view(_run(project, None))
    shutil.rmtree(cache_dir / "runs")  # not the whole-result cache: every summary must hit
    with monkeypatch.context() as patch:  # every entry was rebuilt and stored
        _no_parsing(patch)
        assert _view(_run(project, cache_dir, jobs=2)) == _view(overlapped)
