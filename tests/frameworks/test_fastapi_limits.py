"""FastAPI rate-limit evidence comes from limiter decorators, not from a module's name."""

from __future__ import annotations

from pathlib import Path

from apilint.testing import analyze_dir

from tests.robustness.appgen import write

LIMITS = '''from fastapi import APIRouter, Request
from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
router = APIRouter(prefix="/limits")


@router.post("/filter")
def filter_limits(request: Request) -> list[str]:
    return []


@router.post("/reset")
@limiter.limit("5/minute")
def reset_limits(request: Request) -> None:
    return None
'''


def test_a_route_in_a_module_named_for_limits_is_not_rate_limited(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {"app/__init__.py": "", "app/concurrency_limits.py": LIMITS,
                                    "app/main.py": "from fastapi import FastAPI\nfrom app.concurrency_limits "
                                                   "import router\n\napp = FastAPI()\napp.include_router(router)\n"})
    routes = {r.path: r for r in analyze_dir(root).routes}
    assert routes["/limits/filter"].rate_limit == ()
    assert [e.name for e in routes["/limits/reset"].rate_limit] == ["app.concurrency_limits.limiter.limit"]
