"""VER001 on small apps: what counts as a version, app-level and straggler findings."""

from __future__ import annotations

from apilint.rule import Example
from apilint.testing import run_example


def _found(source: str, files: tuple[tuple[str, str], ...] = ()) -> set[tuple[str, int, str]]:
    found, expected = run_example(Example(source, files=files), select=("VER001",))
    assert found == expected.expect
    return found


_ROUTES = """


        @router.get("/items")
        def list_items() -> list[int]:
            return []


        @router.get("/items/{item_id}")
        def read_item(item_id: int) -> int:
            return item_id


        @router.get("/users")
        def list_users() -> list[int]:
            return []


        app.include_router(router)
"""


def test_version_header_or_versioning_library_counts_as_versioned():
    assert not _found("""
        from fastapi import APIRouter, FastAPI, Header

        router = APIRouter(prefix="/api")
        app = FastAPI()


        def api_version(accept_version: str = Header(alias="Accept-Version")) -> str:
            return accept_version
    """ + _ROUTES)


def test_unversioned_fastapi_app_is_reported_once_on_the_app():
    found = _found("""
        from fastapi import APIRouter, FastAPI

        router = APIRouter(prefix="/api")
        app = FastAPI()  # expect: VER001
    """ + _ROUTES)
    assert len(found) == 1


def test_small_api_and_unreadable_prefix_are_not_reported():
    assert not _found("""
        from fastapi import APIRouter, FastAPI

        from settings import PREFIX

        router = APIRouter(prefix=PREFIX)
        app = FastAPI()
    """ + _ROUTES, files=(("settings.py", "import os\nPREFIX = os.environ['PREFIX']\n"),))


def test_straggler_router_among_versioned_routes():
    found = _found("""
        from flask import Blueprint, Flask

        app = Flask(__name__)
        v1 = Blueprint("v1", __name__, url_prefix="/api/v1")
        legacy = Blueprint("legacy", __name__, url_prefix="/api")


        @v1.get("/items")
        def list_items():
            return []


        @v1.get("/items/<int:item_id>")
        def read_item(item_id):
            return {}


        @v1.get("/orders")
        def list_orders():
            return []


        @legacy.get("/exports")
        def export_all():  # expect: VER001
            return []


        @legacy.get("/")
        def api_root():
            return {}


        app.register_blueprint(v1)
        app.register_blueprint(legacy)
    """)
    assert len(found) == 1
