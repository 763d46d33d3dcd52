"""Byte-identical output for the same input, whatever the job count, file-system order or hash seed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.appgen import many_file_app, run_cli

APILINT = shutil.which("apilint", path=str(Path(sys.executable).parent)) or "apilint"
FORMATS = ("text", "json", "sarif")
ROUTERS = 40  # well above engine.POOL_THRESHOLD, so --jobs 4 really uses the pool


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return many_file_app(tmp_path_factory.mktemp("det") / "project", routers=ROUTERS)


def _available(fmt: str, project: Path, capsys: pytest.CaptureFixture[str]) -> bool:
    code, _, err = run_cli(["check", str(project), "--format", fmt, "--no-cache"], capsys)
    return not (code == 2 and "not available" in err)


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_output_for_any_job_count(fmt: str, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not _available(fmt, project, capsys):
        pytest.skip(f"--format {fmt} not available yet")
    outputs = {jobs: run_cli(["check", str(project), "--format", fmt, "--no-cache", "--jobs", jobs], capsys)
               for jobs in ("1", "2", "4")}
    assert outputs["1"][0] == 1 and "AUTH001" in outputs["1"][1]
    assert outputs["1"] == outputs["2"] == outputs["4"]


def test_same_output_whatever_the_file_system_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = many_file_app(tmp_path / "a" / "project", routers=30)
    files = sorted(p for p in first.rglob("*.py"))
    second = tmp_path / "b" / "project"
    for path in reversed(files):  # created in the opposite order: a different directory order on disk
        target = second / path.relative_to(first)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    for fmt in ("text", "json"):
        out_a = run_cli(["check", str(first), "--format", fmt, "--no-cache"], capsys)
        out_b = run_cli(["check", str(second), "--format", fmt, "--no-cache"], capsys)
        assert out_a == out_b
    assert run_cli(["routes", str(first), "--no-cache"], capsys) == run_cli(["routes", str(second), "--no-cache"],
                                                                             capsys)


def _subprocess(args: list[str], seed: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
    proc = subprocess.run([APILINT, *args], env=env, capture_output=True, text=True, timeout=180, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout


def test_same_output_for_any_hash_seed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    formats = [f for f in FORMATS if _available(f, project, capsys)]
    for fmt in formats:
        runs = {seed: _subprocess(["check", str(project), "--format", fmt, "--no-cache", "--jobs", jobs], seed)
                for seed, jobs in (("0", "1"), ("1", "4"), ("4242", "2"))}
        assert len(set(runs.values())) == 1, fmt
    runs = {seed: _subprocess(["routes", str(project), "--format", "json", "--no-cache"], seed) for seed in ("0", "7")}
    assert len(set(runs.values())) == 1
