"""Rule help links point at pages that exist, under the home the project declares in pyproject."""

from __future__ import annotations

import sys
from pathlib import Path

from apilint.docgen import DOCS_BASE_URL, PROJECT_URL, help_uri
from apilint.registry import all_rules
from apilint.reporters.sarif import INFORMATION_URI

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _urls() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    urls: dict[str, str] = data["project"]["urls"]
    return urls


def test_the_project_home_is_the_one_pyproject_declares() -> None:
    urls = _urls()
    assert urls["Homepage"] == PROJECT_URL == INFORMATION_URI
    assert f"{PROJECT_URL}/blob/main/docs/rules/" == DOCS_BASE_URL
    for name, url in urls.items():
        if url.startswith(f"{PROJECT_URL}/blob/main/"):
            assert (ROOT / url.removeprefix(f"{PROJECT_URL}/blob/main/")).exists(), name


def test_every_rule_help_link_names_a_committed_page() -> None:
    for rule in all_rules():
        uri = help_uri(rule)
        assert uri.startswith(DOCS_BASE_URL)
        page = ROOT / "docs" / "rules" / uri.removeprefix(DOCS_BASE_URL)
        assert page.is_file(), f"{rule.code}: {uri} has no page in docs/rules"
