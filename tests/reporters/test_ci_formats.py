"""github, gitlab, markdown and json reporters, and --format/--output pairs on the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from apilint.cli import main
from apilint.model import Confidence, Finding, Location, Severity
from apilint.reporters import Report, github, gitlab, markdown
from apilint.reporters import json as json_reporter


def _finding(severity: Severity, line: int, message: str = "m", fingerprint: str = "fp", code: str = "AUTH001",
             fix: str = "do x") -> Finding:
    return Finding(code, message, severity, Confidence.HIGH, Location("app/api.py", line, 5), fix=fix,
                   route="GET /x", fingerprint=fingerprint)


def _report(base: Report, *findings: Finding) -> Report:
    return Report(tuple(findings), (), base.rules, base.root, base.version, files_analyzed=2)


def test_github_escapes_and_orders_most_severe_first(shop_report: Report) -> None:
    report = _report(shop_report, _finding(Severity.LOW, 1), _finding(Severity.CRITICAL, 9, "100% bad:\nline, two"),
                     _finding(Severity.MEDIUM, 3))
    lines = github.render(report).splitlines()
    assert lines[0] == ("::error file=app/api.py,line=9,col=5,title=AUTH001::"
                        "GET /x: 100%25 bad:%0Aline, two%0AFix: do x")
    assert lines[1].startswith("::warning file=app/api.py,line=3,")
    assert lines[2].startswith("::notice file=app/api.py,line=1,")
    assert lines[3] == "apilint: 3 problems (1 critical, 1 medium, 1 low) in 2 files"
    assert github.escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_github_paths_are_relative_to_the_workspace(shop_report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(shop_report.root.parent))
    line = github.render(_report(shop_report, _finding(Severity.HIGH, 1))).splitlines()[0]
    assert f"file={shop_report.root.name}/app/api.py," in line


def test_gitlab_code_quality_fields(shop_report: Report) -> None:
    report = _report(shop_report, _finding(Severity.HIGH, 4), _finding(Severity.HIGH, 8), _finding(Severity.INFO, 9,
                                                                                                    fingerprint="z"))
    issues = json.loads(gitlab.render(report))
    assert [i["severity"] for i in issues] == ["critical", "critical", "info"]
    first = issues[0]
    assert first["check_name"] == "AUTH001" and first["description"] == "AUTH001: m"
    assert first["location"] == {"path": "app/api.py", "lines": {"begin": 4, "end": 4}}
    assert first["fingerprint"] == "fp"
    assert len({i["fingerprint"] for i in issues}) == 3, "duplicates of one fingerprint stay distinct issues"
    assert json.loads(gitlab.render(_report(shop_report))) == []


def test_markdown_counts_table_and_folding(shop_report: Report) -> None:
    few = markdown.render(_report(shop_report, _finding(Severity.HIGH, 1, "a | b"), _finding(Severity.LOW, 2)))
    assert few.startswith("## apilint: 2 problems\n")
    assert "| 🔴 high | 1 |" in few and "| 🟡 low | 1 |" in few
    assert "a \\| b" in few and "[`app/api.py:1`](app/api.py#L1)" in few
    assert "<details>" not in few
    many = markdown.render(_report(shop_report, *(_finding(Severity.MEDIUM, i) for i in range(1, 13))))
    assert "<details><summary>12 findings</summary>" in many
    assert "No problems found" in markdown.render(_report(shop_report))


def test_json_schema_version_and_fields(shop_report: Report) -> None:
    doc = json.loads(json_reporter.render(shop_report))
    assert doc["version"] == json_reporter.SCHEMA_VERSION == 1
    assert set(doc) == {"version", "tool", "summary", "findings", "diagnostics"}
    assert set(doc["findings"][0]) == {"code", "name", "message", "severity", "confidence", "file", "line", "column",
                                       "end_line", "end_column", "route", "symbol", "fix", "fingerprint", "help_uri",
                                       "autofix"}
    assert set(doc["summary"]["fixable"]) == {"safe", "unsafe"} and doc["summary"]["fixed"] == 0


def test_several_formats_each_to_its_own_output(tmp_path: Path, shop_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "shop"
    shutil.copytree(shop_dir, app)
    out = tmp_path / "out"
    args = ["check", str(app), "--no-cache", "--select", "AUTH001"]
    for fmt, name in (("sarif", "a.sarif"), ("json", "b.json"), ("github", "c.txt"), ("gitlab", "d.json"),
                      ("markdown", "e.md")):
        args += ["--format", fmt, "--output", str(out / name)]
    args += ["--format", "text"]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1
    assert json.loads((out / "a.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((out / "b.json").read_text())["version"] == 1
    assert (out / "c.txt").read_text().startswith("::error ")
    assert isinstance(json.loads((out / "d.json").read_text()), list)
    assert (out / "e.md").read_text().startswith("## apilint:")
    printed = capsys.readouterr().out
    assert "Found 3 problems" in printed, "the format without --output goes to stdout"


def test_two_formats_on_stdout_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(tmp_path), "--no-cache", "--format", "json", "--format", "sarif"])
    assert exit_info.value.code == 2
    assert "--output" in capsys.readouterr().err
