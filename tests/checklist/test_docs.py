"""docs/checklist.md lists every rule under the step it speaks for."""

from __future__ import annotations

import re
from pathlib import Path

from apilint.checklist import STEPS, step_of
from apilint.registry import all_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "checklist.md"


def test_rule_table_matches_the_mapping() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("Every rule today:"):]
    documented: dict[str, str] = {}
    for number, key, codes in re.findall(r"^\| (\d+) \| `(\w+)` \| ([A-Z0-9, ]+) \|$", table, re.MULTILINE):
        assert STEPS[int(number) - 1].value == key
        for code in codes.split(", "):
            documented[code] = key
    expected = {r.code: step.value for r in all_rules() if (step := step_of(r.code)) is not None}
    missing = {c: s for c, s in expected.items() if documented.get(c) != s}
    assert not missing, f"the table in docs/checklist.md should read:\n{expected_table()}"
    assert set(documented) <= set(expected), set(documented) - set(expected)


def expected_table() -> str:
    """The rule table of docs/checklist.md as it should be (printed when it is stale)."""
    lines = ["| # | step | rules |", "|---:|---|---|"]
    for step in STEPS:
        codes = sorted(r.code for r in all_rules() if step_of(r.code) is step)
        lines.append(f"| {step.number} | `{step.value}` | {', '.join(codes)} |")
    return "\n".join(lines)


def test_every_step_has_a_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    for step in STEPS:
        assert f"### {step.number} {step.label} (`{step.value}`" in text


def test_readme_shows_the_report_screenshot_and_links_the_docs() -> None:
    root = DOC.parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "](docs/img/report.png)" in readme and "](docs/checklist.md)" in readme
    assert (root / "docs" / "img" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
