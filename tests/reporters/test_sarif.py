"""SARIF: valid against the OASIS schema and code scanning's own requirements (`sarif_checks`, on
any machine), fixes that rebuild the fixed file, and shared/tools/validate_sarif.py as a second
opinion where it is present."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from apilint.docgen import help_uri, render_rule
from apilint.model import Confidence, Diagnostic, Finding, Location, Severity
from apilint.registry import rule_by_code
from apilint.reporters import Report, sarif

from tests.reporters import sarif_checks

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
VALIDATOR = Path(__file__).resolve().parents[3] / "shared" / "tools" / "validate_sarif.py"
APPS = sorted(p for p in (REPO / "fixtures").glob("*/*") if p.is_dir())
SHOP = REPO / "tests" / "data" / "apps" / "shop"


def _validator() -> ModuleType:
    if not VALIDATOR.is_file():
        pytest.skip(f"{VALIDATOR} is not here (it ships beside the project checkout, not in it)")
    spec = importlib.util.spec_from_file_location("validate_sarif", VALIDATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _doc(report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(sarif.render(report))
    return doc


def _schema_errors(doc: dict[str, Any]) -> list[str]:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.mark.parametrize("app", [SHOP, *APPS], ids=lambda p: p.name if p == SHOP else p.relative_to(REPO).as_posix())
def test_sarif_of_every_fixture_app_passes_the_validator(app: Path,
                                                         make_report_for: Callable[..., Report]) -> None:
    validator = _validator()
    doc = _doc(make_report_for(app, select=("ALL",)))
    errors, _warnings = validator.check_document(doc)
    assert errors == []


@pytest.mark.parametrize("app", [SHOP, *APPS], ids=lambda p: p.name if p == SHOP else p.relative_to(REPO).as_posix())
def test_sarif_matches_the_oasis_schema_and_code_scanning(app: Path, make_report_for: Callable[..., Report]) -> None:
    doc = _doc(make_report_for(app, select=("ALL",)))
    assert _schema_errors(doc) == []
    assert sarif_checks.problems(doc) == []


def test_the_checks_catch_what_code_scanning_rejects(shop_report: Report) -> None:
    doc = _doc(shop_report)
    result = doc["runs"][0]["results"][0]
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "file:///home/me/app.py"
    result["partialFingerprints"] = {}
    doc["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = "high"
    result["fixes"] = [{"description": {"text": ""}, "artifactChanges": [{"artifactLocation": {"uri": "../x.py"},
                       "replacements": [{"deletedRegion": {"startLine": 3, "endLine": 2}}]}]}]
    found = "\n".join(sarif_checks.problems(doc))
    for expected in ("file:///home/me/app.py", "partialFingerprints", "security-severity", "description.text",
                     "'../x.py'", "deletedRegion lines", "insertedContent"):
        assert expected in found


def test_fixes_carry_each_finding_own_change(make_report_for: Callable[..., Report]) -> None:
    app = REPO / "fixtures" / "fastapi" / "session_api"
    report = make_report_for(app, select=("TLS001",))
    results = _doc(report)["runs"][0]["results"]
    assert len(results) == 3 and all(len(r["fixes"]) == 1 for r in results)
    for result, finding in zip(results, report.findings, strict=True):
        fix = result["fixes"][0]
        assert fix["description"]["text"] == finding.fix_plan.title
        assert result["properties"]["autofix"] == "safe"
        change = fix["artifactChanges"][0]
        assert change["artifactLocation"] == {"uri": finding.location.file, "uriBaseId": "%SRCROOT%"}
        lines = (app / finding.location.file).read_text(encoding="utf-8").split("\n")
        for replacement in reversed(change["replacements"]):
            region = replacement["deletedRegion"]
            first, last = region["startLine"] - 1, region["endLine"] - 1
            assert region["startColumn"] == 1 and region["endColumn"] == len(lines[last]) + 1
            lines[first:last + 1] = replacement["insertedContent"]["text"].split("\n")
        assert "secure=True" in lines[finding.location.line - 1]
        assert report.previews[finding].new_text == "\n".join(lines)


def test_schema_copy_is_unchanged() -> None:
    import hashlib

    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def test_rule_descriptors_come_from_the_rule_classes(shop_report: Report) -> None:
    run = _doc(shop_report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({f.code for f in shop_report.findings} - {"PARSE001"})
    for descriptor in rules:
        rule = rule_by_code(descriptor["id"])
        assert rule is not None
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert 0 < len(descriptor["fullDescription"]["text"]) <= 1024
        assert descriptor["help"]["markdown"] == render_rule(rule)
        assert descriptor["help"]["text"]
        assert descriptor["helpUri"] == help_uri(rule)
        props = descriptor["properties"]
        assert props["tags"][:2] == ["security", rule.code[:-3].lower()]
        assert all(f"external/cwe/cwe-{n}" in props["tags"] for n in rule.cwe)
        assert all(o in props["tags"] for o in rule.owasp)
        assert props["precision"] == rule.confidence.value
        assert props["security-severity"] == sarif.SECURITY_SEVERITY[rule.severity]
    driver = run["tool"]["driver"]
    assert driver["semanticVersion"] == shop_report.version
    assert run["automationDetails"]["id"] == "apilint/"
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_results_have_relative_uris_levels_and_our_fingerprint(shop_report: Report) -> None:
    run = _doc(shop_report)["runs"][0]
    findings = [f for f in shop_report.findings if f.code != "PARSE001"]
    assert len(run["results"]) == len(findings)
    for result, finding in zip(run["results"], findings, strict=True):
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": finding.location.file, "uriBaseId": "%SRCROOT%"}
        assert location["region"]["startLine"] == finding.location.line
        assert result["partialFingerprints"] == {"apilint/v1": finding.fingerprint}
        assert result.get("level", "warning") == sarif.LEVEL[finding.severity]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_parse_failures_and_diagnostics_are_notifications_not_results(shop_report: Report) -> None:
    diag = Diagnostic("INTERNAL", "rule X failed", Location(".", 0), internal=True)
    report = Report(shop_report.findings, (diag,), shop_report.rules, shop_report.root, shop_report.version)
    run = _doc(report)["runs"][0]
    assert all(r["ruleId"] != "PARSE001" for r in run["results"])
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["PARSE001", "INTERNAL"]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "scripts/legacy_import.py"
    assert notes[1]["level"] == "error" and "locations" not in notes[1]
    assert _schema_errors(_doc(report)) == []


def test_empty_report_keeps_results_and_rules_arrays(shop_report: Report) -> None:
    report = Report((), (), shop_report.rules, shop_report.root, shop_report.version)
    run = _doc(report)["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert _schema_errors(_doc(report)) == []


def test_every_severity_maps_to_a_level_and_score(shop_report: Report) -> None:
    rule = shop_report.rules[0]
    findings = tuple(
        Finding(rule.code, f"problem {s.value}", s, Confidence.LOW, Location("a.py", i + 1, 1, i + 1, 5),
                fingerprint=f"fp{i}")
        for i, s in enumerate(Severity)
    )
    run = _doc(Report(findings, (), shop_report.rules, shop_report.root, "0"))["runs"][0]
    assert [r.get("level", "warning") for r in run["results"]] == ["error", "error", "warning", "note", "note"]
    assert sarif.SECURITY_SEVERITY == {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                                       Severity.LOW: "3.0", Severity.INFO: "1.0"}
