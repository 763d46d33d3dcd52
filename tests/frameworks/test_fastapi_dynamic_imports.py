"""FastAPI: routers in modules an app imports by a dotted-path string (`importlib.import_module`)."""

from __future__ import annotations

from pathlib import Path

from apilint.model import Diagnostic, Route
from apilint.testing import analyze_files

ITEMS = """
    from fastapi import APIRouter
    router = APIRouter(prefix="/items")

    @router.get("/")
    def list_items():
        return []
"""
ORDERS = """
    from fastapi import APIRouter
    orders_router = APIRouter()

    @orders_router.post("/orders")
    def create_order():
        return {}
"""
REGISTRY = """
    import importlib
    from dataclasses import dataclass, field
    from typing import Callable

    def include(attr: str = "router", prefix: str = ""):
        def register(app, module) -> None:
            app.include_router(getattr(module, attr), prefix=prefix)
        return register

    @dataclass
    class Plugin:
        dotted: str
        register: Callable = field(default_factory=lambda: include())

    PLUGINS = (
        Plugin(dotted="app.items"),
        Plugin(dotted="app.orders", register=include("orders_router", prefix="/shop")),
    )

    def load_plugins(app, plugins=PLUGINS) -> None:
        for plugin in plugins:
            plugin.register(app, importlib.import_module(plugin.dotted))
"""


def _analyze(tmp_path: Path, files: dict[str, str]) -> tuple[dict[tuple[str, str], Route], list[Diagnostic]]:
    result = analyze_files(tmp_path, {"app/__init__.py": "", **files})
    return {(r.method, r.path): r for r in result.routes if not r.builtin}, result.diagnostics


def test_loop_over_literal_module_paths_mounts_each_router_with_its_condition(tmp_path: Path) -> None:
    routes, diagnostics = _analyze(tmp_path, {
        "app/items.py": ITEMS, "app/orders.py": ORDERS,
        "app/main.py": """
            from importlib import import_module
            from fastapi import FastAPI
            app = FastAPI()
            for name, attr in [("app.items", "router"), ("app.orders", "orders_router")]:
                app.include_router(getattr(import_module(name), attr), prefix="/api")
        """,
    })
    items, orders = routes[("GET", "/api/items/")], routes[("POST", "/api/orders")]
    assert items.linked and orders.linked and items.app == "app.main.app"
    assert items.condition == "if imported at run time"
    assert not diagnostics


def test_module_bound_once_in_a_factory(tmp_path: Path) -> None:
    routes, _ = _analyze(tmp_path, {
        "app/items.py": ITEMS,
        "app/main.py": """
            import importlib
            from fastapi import FastAPI
            ITEMS_MODULE = "app.items"
            def create_app() -> FastAPI:
                app = FastAPI()
                module = importlib.import_module(ITEMS_MODULE)
                app.include_router(module.router, prefix="/v1")
                return app
        """,
    })
    route = routes[("GET", "/v1/items/")]
    assert route.linked and route.condition == "if imported at run time by create_app()"


def test_registry_entries_with_registration_functions_reach_the_app_through_a_startup_hook(tmp_path: Path) -> None:
    routes, _ = _analyze(tmp_path, {
        "app/items.py": ITEMS, "app/orders.py": ORDERS, "app/plugins.py": REGISTRY,
        "app/startup.py": """
            from app.plugins import load_plugins
            def on_startup(app):
                def hook():
                    load_plugins(app)
                return hook
            def install(app) -> None:
                app.add_event_handler("startup", on_startup(app))
        """,
        "app/main.py": """
            from fastapi import FastAPI
            from app.startup import install
            app = FastAPI()
            install(app)
        """,
    })
    assert routes[("GET", "/items/")].linked
    orders = routes[("POST", "/shop/orders")]
    assert orders.linked and orders.condition == "if imported at run time by load_plugins()"


def test_unreadable_module_path_is_a_diagnostic_and_the_router_stays_unlinked(tmp_path: Path) -> None:
    routes, diagnostics = _analyze(tmp_path, {
        "app/items.py": ITEMS,
        "app/main.py": """
            import importlib, os
            from fastapi import FastAPI
            app = FastAPI()
            module = importlib.import_module(os.environ["FEATURE_MODULE"])
            app.include_router(module.router)
        """,
    })
    assert not routes[("GET", "/items/")].linked
    assert [d.code for d in diagnostics] == ["ROUTE002"]
    assert "FEATURE_MODULE" in diagnostics[0].message and diagnostics[0].location.line == 5


def test_attribute_missing_in_the_module_is_a_diagnostic(tmp_path: Path) -> None:
    routes, diagnostics = _analyze(tmp_path, {
        "app/items.py": ITEMS,
        "app/main.py": """
            import importlib
            from fastapi import FastAPI
            app = FastAPI()
            app.include_router(importlib.import_module("app.items").api_router)
        """,
    })
    assert not routes[("GET", "/items/")].linked
    assert [d.code for d in diagnostics] == ["ROUTE002"] and "api_router" in diagnostics[0].message


def test_module_outside_the_project_is_silent(tmp_path: Path) -> None:
    routes, diagnostics = _analyze(tmp_path, {
        "app/items.py": ITEMS,
        "app/main.py": """
            import importlib
            from fastapi import FastAPI
            from app import items
            app = FastAPI()
            app.include_router(items.router)
            for name in ("thirdparty.admin", "otherpkg.api"):
                app.include_router(importlib.import_module(name).router)
        """,
    })
    assert list(routes) == [("GET", "/items/")] and routes[("GET", "/items/")].linked
    assert not diagnostics


def test_registry_without_a_visible_app_leaves_routes_unlinked(tmp_path: Path) -> None:
    routes, _ = _analyze(tmp_path, {"app/items.py": ITEMS, "app/orders.py": ORDERS, "app/plugins.py": REGISTRY})
    assert not routes[("GET", "/items/")].linked and not routes[("POST", "/orders")].linked


def test_import_without_fromlist_returns_the_top_package_and_is_not_followed(tmp_path: Path) -> None:
    routes, _ = _analyze(tmp_path, {
        "app/items.py": ITEMS,
        "app/main.py": """
            from fastapi import FastAPI
            app = FastAPI()
            app.include_router(__import__("app.items").router)
        """,
    })
    assert not routes[("GET", "/items/")].linked
