"""docs/configuration.md documents every key of the config schema under its own heading."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.config import option_names

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


@pytest.mark.parametrize("key", option_names())
def test_every_config_key_has_a_heading(key: str) -> None:
    headings = {line[4:].strip().strip("`") for line in DOC.read_text(encoding="utf-8").splitlines()
                if line.startswith("### ")}
    assert key in headings, f"docs/configuration.md needs a '### {key}' section"


def test_rule_pages_link_options_to_existing_configuration_headings() -> None:
    """Every `configuration.md#anchor` link in docs/rules resolves to a `###` heading there."""
    import re

    from apilint.docgen import config_anchor

    docs = Path(__file__).resolve().parents[1] / "docs"
    headings = {config_anchor(line[4:].strip()) for line in (docs / "configuration.md").read_text("utf-8").splitlines()
                if line.startswith("### ")}
    links = set()
    for page in (docs / "rules").glob("*.md"):
        links |= set(re.findall(r"\(\.\./configuration\.md#([a-z0-9_-]+)\)", page.read_text("utf-8")))
    assert links, "rule pages should link their options"
    assert links <= headings, sorted(links - headings)
