"""Rules that lint the rules: naming, metadata, docs sections, fixtures and docs pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from apilint.config import option_names
from apilint.docgen import rule_doc_sections
from apilint.registry import all_rules
from apilint.rule import OWASP_2023
from apilint.textfiles import is_credential_file

REPO = Path(__file__).resolve().parents[1]
RULES = all_rules()


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def test_codes_and_names_are_unique():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_metadata(rule):
    module_file = rule.__module__.rsplit(".", 1)[-1]
    family = rule.__module__.split(".")[-2]
    assert rule.code[:-3].lower() == family
    assert module_file == f"{rule.code.lower()}_{rule.name.replace('-', '_')}"
    assert rule.__name__ == _camel(rule.name)
    assert all(isinstance(n, int) and n > 0 for n in rule.cwe)
    assert set(rule.owasp) <= OWASP_2023
    assert "\n" not in rule.summary and not rule.summary.endswith(".")
    sections = rule_doc_sections(rule)
    assert "Example" not in sections and "Use instead" not in sections
    for key in rule.options:
        assert key in option_names(), f"{rule.code} documents unknown option {key}"
        assert f"`{key}`" in sections["Options"]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_firing_fixture_and_safe_twin(rule):
    fixtures = REPO / "fixtures"
    marker = re.compile(rf"#\s*expect:.*\b{rule.code}\b")
    candidates = [p for p in fixtures.rglob("*") if p.is_file() and (
        p.suffix in (".py", ".yaml", ".yml") or is_credential_file(p.name))]
    firing = [p for p in candidates if marker.search(p.read_text(encoding="utf-8"))]
    assert firing, f"no fixture marks {rule.code}"
    apps = {p.relative_to(fixtures).parts[:2] for p in firing}
    assert any((fixtures / fw / f"{app}_safe").is_dir() for fw, app in apps), f"no safe twin for {rule.code}"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_docs_page_exists(rule):
    assert (REPO / "docs" / "rules" / f"{rule.code}.md").is_file()
