"""docs/rules/*.md are exactly what the generator renders from the rule classes."""

from __future__ import annotations

from pathlib import Path

from apilint.docgen import expected_pages

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


def test_rule_docs_are_up_to_date():
    pages = expected_pages()
    stale = sorted(n for n, c in pages.items() if not (DOCS / n).is_file() or (DOCS / n).read_text("utf-8") != c)
    extra = sorted(p.name for p in DOCS.glob("*.md") if p.name not in pages)
    assert not stale and not extra, (
        f"stale: {stale}, extra: {extra}; run: python -m apilint.docgen --write docs/rules"
    )
