"""Shared helpers for reporter tests: the small shop app in tests/data, analyzed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint import __version__
from apilint.cli import make_report
from apilint.config import Config
from apilint.engine import RunOptions, RunResult, run
from apilint.reporters import Report

SHOP = Path(__file__).resolve().parents[1] / "data" / "apps" / "shop"
GOLDEN_SELECT = ("AUTH001",)
"""Rules the golden files cover: fixed, so that new rules do not churn the golden files."""


def analyze(app: Path, jobs: int = 1, select: tuple[str, ...] = GOLDEN_SELECT) -> RunResult:
    """Run the engine on an app folder, paths relative to it, no cache."""
    config = Config(root=app.resolve())
    return run(config, RunOptions((app,), jobs=jobs, use_cache=False, select=select, root=app))


def report_for(app: Path, jobs: int = 1, select: tuple[str, ...] = GOLDEN_SELECT) -> Report:
    """The reporter-facing view of an analysis, with each fixable finding's change."""
    from dataclasses import replace

    from apilint.fixes.session import previews

    result = analyze(app, jobs, select)
    report = make_report(result)
    assert report.version == __version__
    return replace(report, previews=previews(result, [app])) if any(f.fix_plan for f in result.findings) else report


@pytest.fixture(autouse=True)
def _no_ci_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reporters shorten paths against the CI workspace; tests must not depend on where they run.
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)


@pytest.fixture(scope="session")
def shop_report() -> Report:
    return report_for(SHOP)


@pytest.fixture
def make_report_for() -> object:
    """`report_for` as a fixture, for tests that analyze with other settings."""
    return report_for


@pytest.fixture
def shop_dir() -> Path:
    return SHOP
