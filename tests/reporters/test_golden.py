"""Golden files: every format on the shop app; byte-identical with --jobs 1 and --jobs 4.

Rewrite them with `APILINT_UPDATE_GOLDEN=1 pytest tests/reporters`, then review the diff.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from apilint import engine
from apilint.reporters import Report
from apilint.reporters import text as text_reporter

GOLDEN = Path(__file__).resolve().parent / "golden"
FORMATS = {"text": "txt", "json": "json", "sarif": "sarif", "github": "github.txt", "gitlab": "gitlab.json",
           "markdown": "md"}
UPDATE = os.environ.get("APILINT_UPDATE_GOLDEN") == "1"


def render(fmt: str, report: Report) -> str:
    if fmt == "text":
        return text_reporter.render(report, color=False)
    rendered: str = importlib.import_module(f"apilint.reporters.{fmt}").render(report)
    return rendered


def golden_view(fmt: str, rendered: str) -> str:
    """The rendered text, with the rule docs in SARIF replaced by a placeholder.

    Rule pages change whenever a rule's docs do; test_sarif.py checks they equal docgen's output.
    """
    if fmt != "sarif":
        return rendered
    doc = json.loads(rendered)
    for run in doc["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            rule["help"] = {"markdown": "<docgen.render_rule>", "text": "<docgen.render_rule>"}
            rule["fullDescription"] = {"text": "<What it finds>"}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden_file(fmt: str, shop_report: Report) -> None:
    golden = GOLDEN / f"shop.{FORMATS[fmt]}"
    rendered = golden_view(fmt, render(fmt, shop_report))
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.is_file(), f"missing {golden}; run APILINT_UPDATE_GOLDEN=1 pytest tests/reporters"
    assert rendered == golden.read_text(encoding="utf-8"), (
        f"{golden.name} is stale; if the change is intended run APILINT_UPDATE_GOLDEN=1 pytest tests/reporters"
    )


def test_output_is_identical_with_one_and_four_jobs(monkeypatch: pytest.MonkeyPatch, shop_dir: Path,
                                                    make_report_for: Callable[..., Report]) -> None:
    one = make_report_for(shop_dir, jobs=1)
    monkeypatch.setattr(engine, "POOL_THRESHOLD", 1)  # force the process pool even for a small app
    four = make_report_for(shop_dir, jobs=4)
    for fmt in FORMATS:
        assert render(fmt, one) == render(fmt, four), fmt
