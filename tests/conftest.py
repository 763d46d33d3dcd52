from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-routes", action="store_true", help="rewrite fixtures' routes.json golden files")


@pytest.fixture
def update_routes(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-routes"))
