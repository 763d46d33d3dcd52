"""Rules in forked workers (large projects) give exactly what they give in one process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from apilint import rule_runner
from apilint.config import Config
from apilint.model import Finding
from apilint.rule import Rule, RuleContext
from apilint.testing import analyze_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize("app", ["fastapi/shop_api", "django/authz_portal", "flask/blog_api"])
def test_forked_rules_find_the_same(app: str, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = analyze_dir(FIXTURES / app, jobs=2)
    monkeypatch.setattr(rule_runner, "PARALLEL_RULES_ROUTES", 0)
    forked = analyze_dir(FIXTURES / app, jobs=2)
    assert forked.findings == serial.findings
    assert forked.diagnostics == serial.diagnostics
    assert serial.findings
    monkeypatch.setattr(rule_runner, "PARALLEL_RULES_ROUTES", 10**9)
    monkeypatch.setattr(rule_runner, "PARALLEL_RULES_MODULES", 0)  # many modules, few routes (a framework's tree)
    assert analyze_dir(FIXTURES / app, jobs=2).findings == serial.findings


class _Broken(Rule):
    """A rule that fails, to check a failure in a worker becomes a diagnostic."""

    code = "AUTH999"
    name = "broken"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        raise ValueError("boom")


def test_a_rule_failing_in_a_worker_is_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_runner, "PARALLEL_RULES_ROUTES", 0)
    result = analyze_dir(FIXTURES / "fastapi/shop_api", jobs=2)
    ctx = RuleContext(result.routes, result.facts, result.index, Config(root=result.root))
    results = rule_runner.run_rules([_Broken, *result.rules[:2]], ctx, 2)
    assert results[0][0] == [] and "rule AUTH999 failed: ValueError: boom" in results[0][1][0].message
    assert len(results) == 3


@pytest.mark.parametrize("app", ["fastapi/shop_api", "django/authz_portal"])
def test_rules_in_two_halves_find_the_same(app: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Medium projects: the injection rules here, the others in one forked worker."""
    serial = analyze_dir(FIXTURES / app, jobs=1)
    monkeypatch.setattr(rule_runner, "SPLIT_RULES_MODULES", 0)
    halves = analyze_dir(FIXTURES / app, jobs=2)
    assert halves.findings == serial.findings and serial.findings
    assert halves.diagnostics == serial.diagnostics


def test_a_rule_failing_in_the_forked_half_is_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    result = analyze_dir(FIXTURES / "fastapi/shop_api", jobs=1)
    ctx = RuleContext(result.routes, result.facts, result.index, Config(root=result.root))
    monkeypatch.setattr(rule_runner, "SPLIT_RULES_MODULES", 0)
    inj = next(r for r in result.rules if r.shares == "flow")
    results = rule_runner.run_rules([_Broken, inj], ctx, 2)
    assert results[0][0] == [] and "rule AUTH999 failed: ValueError: boom" in results[0][1][0].message
    assert len(results) == 2 and results[1][1] == []
