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
