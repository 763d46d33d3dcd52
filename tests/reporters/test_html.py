"""The HTML report: its table equals the checklist JSON, everything from the analyzed code is
escaped, nothing is fetched, the output is deterministic and small."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from apilint.checklist import Checklist, checklist_of
from apilint.cli import make_report
from apilint.config import Config
from apilint.engine import RunOptions, RunResult, run
from apilint.reporters import html
from apilint.reporters.checklist import render_json

from tests.reporters.html_table import parse_report
from tests.robustness.appgen import run_cli, write

REPO = Path(__file__).resolve().parents[2]
TODO = REPO / "fixtures" / "fastapi" / "todo_api"
TODO_SAFE = REPO / "fixtures" / "fastapi" / "todo_api_safe"


def analyze(app: Path, jobs: int = 1, config: Config | None = None) -> tuple[RunResult, Checklist]:
    config = config or Config(root=app.resolve())
    result = run(config, RunOptions((app,), jobs=jobs, use_cache=False, select=("ALL",), root=app, checklist=True))
    assert result.checklist is not None
    return result, checklist_of(result, config.checklist)


def report_html(app: Path, jobs: int = 1, config: Config | None = None) -> tuple[str, RunResult, Checklist]:
    result, checklist = analyze(app, jobs, config)
    return html.render(make_report(result), checklist), result, checklist


@pytest.mark.parametrize("app", [TODO, TODO_SAFE], ids=lambda a: a.name)
def test_table_equals_the_checklist_json(app: Path) -> None:
    from apilint.config import load_config

    config = load_config(app / "pyproject.toml") if (app / "pyproject.toml").is_file() else None
    page, result, checklist = report_html(app, config=config)
    doc = json.loads(render_json(result.routes.routes, checklist))
    by_rank = sorted(doc["routes"], key=lambda r: r["risk_rank"])
    rows = parse_report(page).rows
    assert len(rows) == len(by_rank) == len([r for r in result.routes if not r.builtin])
    for row, route in zip(rows, by_rank, strict=True):
        assert (row.method, row.path, row.app, row.framework) == (
            route["method"], route["path"], route["app"], route["framework"])
        cells = [route["checklist"][step["key"]] for step in doc["checklist"]["steps"]]
        expected = ["declared" if c["status"] == "met" and c["evidence"] and
                    all(e["kind"] == "declared" for e in c["evidence"]) else c["status"] for c in cells]
        assert row.statuses == expected
    if app is TODO_SAFE:
        assert any("declared" in row.statuses for row in rows)


def test_every_finding_is_shown_with_its_fix_and_explanation() -> None:
    page, result, _ = report_html(TODO)
    text = re.sub(r"<[^>]+>", "", page)
    import html as html_lib

    text = html_lib.unescape(text)
    for finding in result.findings:
        assert finding.message in text and finding.fix in text
        assert f'id="rule-{finding.code}"' in page


PAYLOAD = "</script><img src=x onerror=alert(1)>"
HOSTILE_APP = {
    "app/main.py": f'''from fastapi import FastAPI

app = FastAPI()


@app.delete("/items/{{item_id}}/<script>window.__pwned=1</script>")
def delete_item(item_id: int) -> None:
    """Deletes. <script>window.__pwned=2</script> <img src=x onerror="window.__pwned=2">"""
    return None


@app.post("/notes/{PAYLOAD}")
def create_note(payload: dict) -> dict:
    """</script><script>window.__pwned=3</script>"""
    return payload
''',
}


def _hostile(tmp_path: Path) -> Path:
    root = write(tmp_path / "hostile", HOSTILE_APP)
    (root / ".git").mkdir()
    return root


def test_text_from_the_analyzed_code_is_escaped(tmp_path: Path) -> None:
    page, result, _ = report_html(_hostile(tmp_path))
    assert any(PAYLOAD in f.message for f in result.findings), "the payload must reach a finding message"
    parsed = parse_report(page)
    assert [attrs.get("type") for attrs, _ in parsed.scripts] == ["application/json", None]
    data = parsed.scripts[0][1]
    assert "<" not in data and ">" not in data and "&" not in data
    json.loads(data)
    import html as html_lib

    assert PAYLOAD in html_lib.unescape(re.sub(r"<[^>]+>", "", page)), "shown as text"
    assert parsed.scripts[1][1] == html._asset("report.js")
    assert not [(tag, a) for tag, a in parsed.tags if tag == "img" or any(k.startswith("on") for k in a)]
    assert {row.path for row in parsed.rows} == {r.path for r in result.routes if not r.builtin}
    assert PAYLOAD not in page and "<img" not in page and "<script>window" not in page


def test_safe_json_escapes_what_could_close_a_script() -> None:
    text = html.safe_json({"a": "</script><!-- & \u2028\u2029"})
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029"}


def test_the_page_allows_only_its_own_style_and_script() -> None:
    page, _, _ = report_html(TODO)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    import html as html_lib

    policy = html_lib.unescape(csp.group(1))
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    for asset, directive in (("report.css", "style-src"), ("report.js", "script-src")):
        digest = base64.b64encode(hashlib.sha256(html._asset(asset).encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in policy
    parsed = parse_report(page)
    fetched = [(tag, a) for tag, a in parsed.tags if a.get("src") or (tag == "link" and a.get("href"))]
    assert not fetched


def test_deterministic_byte_for_byte() -> None:
    first, _, _ = report_html(TODO, jobs=1)
    second, _, _ = report_html(TODO, jobs=2)
    assert first == second


def test_cli_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    code, stdout, err = run_cli(["check", str(TODO), "--format", "html", "--output", str(out), "--no-cache"], capsys)
    assert code == 1 and "Traceback" not in err and stdout == ""
    page = out.read_text(encoding="utf-8")
    rows = parse_report(page).rows
    assert len(rows) == 12 and all(len(r.statuses) == 12 for r in rows)
    # the off-by-default rules ran for the checklist, but the findings list shows the selected rules
    assert "VER001" not in re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)


def test_size_bound_on_a_generated_project(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("genproject", REPO / "benchmarks" / "genproject.py")
    assert spec is not None and spec.loader is not None
    genproject = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(genproject)
    genproject.generate(tmp_path / "gen", 200)
    page, result, _ = report_html(tmp_path / "gen")
    routes = len(result.routes)
    assert routes >= 1000
    size = len(page.encode("utf-8"))
    assert size < 2_000_000 * routes / 1000, f"{size} bytes for {routes} routes"
