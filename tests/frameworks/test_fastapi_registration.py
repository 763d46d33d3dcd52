"""FastAPI/Starlette: routers registered wherever an app is assembled, paths through the evaluator."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus, Route
from apilint.testing import analyze_files

DEPS = """
    from fastapi import Depends, HTTPException, Request

    def get_current_user(request: Request):
        token = request.headers.get("Authorization")
        if not token:
            raise HTTPException(status_code=401)
        return token
"""
ITEMS = """
    from fastapi import APIRouter
    router = APIRouter()

    @router.get("/items")
    def list_items():
        return []
"""
USERS = """
    from fastapi import APIRouter
    router = APIRouter()

    @router.get("/users")
    def list_users():
        return []
"""


def _routes(tmp_path: Path, files: dict[str, str]) -> tuple[dict[tuple[str, str], Route], list[str]]:
    result = analyze_files(tmp_path, files)
    return {(r.method, r.path): r for r in result.routes}, [d.code for d in result.diagnostics]


def test_prefix_reassigned_under_an_if_keeps_the_first_and_notes_the_other(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS,
        "app/main.py": """
            import os
            from fastapi import FastAPI
            from app import items
            API_PREFIX = "/api"
            if os.getenv("LEGACY"):
                API_PREFIX = "/legacy"
            app = FastAPI()
            app.include_router(items.router, prefix=API_PREFIX)
        """,
    })
    route = routes[("GET", "/api/items")]
    assert route.linked and "'/legacy'" in route.condition


def test_prefix_from_settings_factory_and_environment_default(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/core/__init__.py": "",
        "app/core/config.py": """
            import os
            from functools import lru_cache
            from pydantic_settings import BaseSettings

            class AppSettings(BaseSettings):
                api_prefix: str = "/api/v1"

            @lru_cache
            def get_app_settings() -> AppSettings:
                return AppSettings()

            USERS_PREFIX = os.getenv("USERS_PREFIX", "/accounts")
        """,
        "app/main.py": """
            from fastapi import FastAPI
            from app import items, users
            from app.core.config import USERS_PREFIX, get_app_settings

            def get_application() -> FastAPI:
                settings = get_app_settings()
                application = FastAPI()
                application.include_router(items.router, prefix=settings.api_prefix)
                application.include_router(users.router, prefix=USERS_PREFIX)
                return application

            app = get_application()
        """,
    })
    assert ("GET", "/api/v1/items") in routes
    assert ("GET", "/accounts/users") in routes


def test_app_handed_to_a_configuring_method_keeps_prefix_and_dependencies(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/deps.py": DEPS,
        "app/server.py": """
            from fastapi import Depends, FastAPI
            from app import items
            from app.deps import get_current_user

            class Server:
                def __init__(self) -> None:
                    self.app = FastAPI()
                    self.configure_app(self.app)

                def configure_app(self, app: FastAPI) -> None:
                    app.include_router(items.router, prefix="/api/v1", dependencies=[Depends(get_current_user)])

            admin = FastAPI()
        """,
    })
    route = routes[("GET", "/api/v1/items")]
    assert route.auth.status is AuthStatus.REQUIRED and route.linked
    assert route.app == "app.server.Server.self.app"


def test_app_parameter_nobody_visibly_passes_gets_a_stand_in(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/deps.py": DEPS,
        "app/plugin.py": """
            from fastapi import Depends, FastAPI
            from app import items
            from app.deps import get_current_user

            def setup(app: FastAPI) -> None:
                app.include_router(items.router, prefix="/plugin", dependencies=[Depends(get_current_user)])
        """,
        "app/one.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "app/two.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    })
    route = routes[("GET", "/plugin/items")]
    assert route.auth.status is AuthStatus.REQUIRED and route.linked


def test_loop_over_a_literal_dict_of_routers(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/main.py": """
            from fastapi import FastAPI
            from app import items, users
            ROUTERS = {"/shop": items.router, "/accounts": users.router}
            app = FastAPI()
            for prefix, router in ROUTERS.items():
                app.include_router(router, prefix=f"/api{prefix}")
        """,
    })
    assert ("GET", "/api/shop/items") in routes and ("GET", "/api/accounts/users") in routes
    assert ("GET", "/api/shop/users") not in routes


def test_loop_over_modules_includes_each_router(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/main.py": """
            from fastapi import FastAPI
            from app import items, users
            app = FastAPI()
            for module in (items, users):
                app.include_router(module.router, prefix="/v2")
        """,
    })
    assert ("GET", "/v2/items") in routes and ("GET", "/v2/users") in routes


def test_conditional_mount_carries_the_condition(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/main.py": """
            from fastapi import FastAPI
            from app import items, users
            from app.settings import settings
            app = FastAPI()
            if settings.DEBUG:
                app.include_router(items.router, prefix="/debug")
            else:
                app.include_router(users.router)
        """,
        "app/settings.py": "class S:\n    DEBUG = False\nsettings = S()\n",
    })
    assert routes[("GET", "/debug/items")].condition == "if settings.DEBUG"
    assert routes[("GET", "/users")].condition == "unless settings.DEBUG"


def test_unreadable_prefix_is_kept_with_a_placeholder_and_a_diagnostic(tmp_path: Path) -> None:
    routes, codes = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS,
        "app/main.py": """
            from fastapi import FastAPI
            from plugin_registry import mount_point
            from app import items
            app = FastAPI()
            app.include_router(items.router, prefix=mount_point("items") + "/v1")
        """,
    })
    route = routes[("GET", "/{?mount_point('items')}/v1/items")]
    assert route.unresolved == ("mount_point('items')",)
    assert "ROUTE001" in codes


def test_router_nobody_includes_is_unlinked_and_its_auth_unknown(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS,
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    })
    route = routes[("GET", "/items")]
    assert not route.linked and route.auth.status is AuthStatus.UNKNOWN
    assert any(e.kind == "unlinked" for e in route.auth.evidence)


def test_helper_configuring_a_router_built_in_its_argument(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/main.py": """
            from fastapi import APIRouter, FastAPI
            from app import items, users

            def include_routers(router):
                router.include_router(items.router, prefix="/api")
                router.include_router(users.router, prefix="/.well-known")
                return router

            default_router = include_routers(APIRouter())
            tenant_router = include_routers(APIRouter(prefix="/{tenant_slug}"))
            app = FastAPI()
            app.include_router(default_router)
            app.include_router(tenant_router)
        """,
    })
    for path in ("/api/items", "/.well-known/users", "/{tenant_slug}/api/items", "/{tenant_slug}/.well-known/users"):
        assert routes[("GET", path)].linked, path
    assert ("GET", "/items") not in routes


def test_routers_imported_inside_the_configuring_function(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/configure.py": """
            def configure_routes(app):
                from app.items import router as items_router
                from app import users
                app.include_router(items_router, prefix="/api/items")
                if True:
                    app.include_router(users.router, prefix="/api/people")
        """,
        "app/main.py": """
            from fastapi import FastAPI
            from app.configure import configure_routes
            app = FastAPI()
            configure_routes(app)
        """,
    })
    assert routes[("GET", "/api/items/items")].app == "app.main.app"
    assert ("GET", "/api/people/users") in routes


WRAPPER = """
    from fastapi import APIRouter

    class VersionedRouter:
        def __init__(self, version: str, tags=None):
            self.prefix = f"/{version}"
            self.router = APIRouter(tags=tags or [])

        def get(self, path: str, **kwargs):
            return self.router.get(self.prefix + path, **kwargs)

        def post(self, path: str, **kwargs):
            def decorator(func):
                self.router.add_api_route(self.prefix + path, func, methods=["POST"])
                return func
            return decorator

        def delete(self, path: str):
            return self.route(path, ["DELETE"])

        def route(self, path: str, methods):
            return self.router.api_route(self.prefix + path, methods=methods)

        def include(self, other, prefix: str = ""):
            self.router.include_router(other.router, prefix=self.prefix + prefix)
"""


def test_project_router_wrapper_class_is_followed(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/routing.py": WRAPPER,
        "app/items.py": """
            from app.routing import VersionedRouter
            v2 = VersionedRouter("v2")

            @v2.get("/items")
            def list_items():
                return []

            @v2.post("/items")
            def create_item():
                return {}

            @v2.delete("/items/{item_id}")
            def delete_item(item_id: int):
                return None
        """,
        "app/users.py": """
            from app.routing import VersionedRouter
            v1 = VersionedRouter("v1")

            @v1.get("/users")
            def list_users():
                return []
        """,
        "app/main.py": """
            from fastapi import FastAPI
            from app.items import v2
            from app.users import v1
            v1.include(v2, prefix="/nested")
            app = FastAPI()
            app.include_router(v1.router, prefix="/api")
        """,
    })
    assert routes[("GET", "/api/v1/users")].linked
    for method, path in (("GET", "/api/v1/nested/v2/items"), ("POST", "/api/v1/nested/v2/items"),
                         ("DELETE", "/api/v1/nested/v2/items/{item_id}")):
        assert routes[(method, path)].linked, (method, path)
    assert ("GET", "/v2/items") not in routes


_DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _docs_paths(routes: dict[tuple[str, str], Route]) -> set[str]:
    return {path for (_, path), r in routes.items() if r.handler_ref is None and r.handler.startswith("fastapi.")}


def test_every_fastapi_app_serves_its_schema_and_docs_outside_its_dependencies(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "deps.py": DEPS,
        "items.py": ITEMS,
        "main.py": """
            from fastapi import Depends, FastAPI
            from deps import get_current_user
            from items import router
            app = FastAPI(dependencies=[Depends(get_current_user)])
            app.include_router(router)
        """,
    })
    assert _docs_paths(routes) == _DOCS
    docs = routes[("GET", "/docs")]
    assert docs.auth.status is AuthStatus.NONE  # FastAPI adds them as plain routes: app dependencies skip them
    assert [e.kind for e in docs.auth.evidence] == ["api_docs"]
    assert routes[("GET", "/items")].auth.status is AuthStatus.REQUIRED


def test_docs_urls_switched_off_moved_or_conditional(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path / "off", {"main.py": """
        from fastapi import FastAPI
        app = FastAPI(docs_url=None, redoc_url=None)
    """})
    assert _docs_paths(routes) == {"/openapi.json"}
    routes, _ = _routes(tmp_path / "none", {"main.py": """
        from fastapi import FastAPI
        app = FastAPI(openapi_url=None)
    """})
    assert _docs_paths(routes) == set()
    routes, _ = _routes(tmp_path / "settings", {
        "config.py": """
            import os
            API_PREFIX = "/api/v1"
            SHOW_DOCS = os.getenv("ENVIRONMENT", "local") != "production"
        """,
        "main.py": """
            from fastapi import FastAPI
            from config import API_PREFIX, SHOW_DOCS
            def create_app() -> FastAPI:
                return FastAPI(openapi_url=f"{API_PREFIX}/openapi.json",
                               docs_url="/docs" if SHOW_DOCS else None, redoc_url=None)
            app = create_app()
        """,
    })
    assert _docs_paths(routes) == {"/api/v1/openapi.json", "/docs", "/docs/oauth2-redirect"}


def test_a_mounted_fastapi_app_serves_its_docs_under_the_mount_and_starlette_none(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "items.py": ITEMS,
        "main.py": """
            from fastapi import FastAPI
            from starlette.applications import Starlette
            from items import router
            api = FastAPI(redoc_url=None)
            api.include_router(router)
            app = Starlette()
            app.mount("/api", api)
        """,
    })
    assert _docs_paths(routes) == {"/api/openapi.json", "/api/docs", "/api/docs/oauth2-redirect"}
    assert ("GET", "/api/items") in routes


def test_docs_served_only_under_an_unknown_switch_carry_the_condition(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {"main.py": """
        import sys
        from fastapi import FastAPI
        app = FastAPI(docs_url="/docs" if "--dev" in sys.argv else None, redoc_url=None)
    """})
    assert _docs_paths(routes) == {"/openapi.json", "/docs", "/docs/oauth2-redirect"}
    assert routes[("GET", "/docs")].condition.startswith("if `")
    assert routes[("GET", "/openapi.json")].condition == ""


def test_a_static_files_mount_is_a_builtin_route_under_its_prefix(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "web.py": """
            from fastapi.staticfiles import StaticFiles
            def attach(app):
                app.mount("/assets", StaticFiles(directory="public"), name="assets")
        """,
        "main.py": """
            from fastapi import FastAPI
            from web import attach
            app = FastAPI(openapi_url=None)
            attach(app)
        """,
    })
    static = routes[("GET", "/assets/{path}")]
    assert static.builtin and static.handler == "starlette.staticfiles.StaticFiles"
    assert static.location.file == "web.py" and static.location.line == 4  # the mount, not the app
    assert [e.kind for e in static.auth.evidence] == ["static_files"] and "public" in static.auth.evidence[0].detail


def test_an_initializer_instance_holding_the_app_includes_through_its_methods(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "items.py": ITEMS,
        "users.py": USERS,
        "init.py": """
            from fastapi import FastAPI

            class Initializer:
                def __init__(self, app: FastAPI, version: str = "v1") -> None:
                    self.api = app
                    self.version = version

                def init_users(self) -> None:
                    from users import router
                    self.api.include_router(router, prefix="/admin")

                def init_routes(self) -> None:
                    from items import router
                    self.api.include_router(router, prefix=f"/{self.version}")
                    self.init_users()
        """,
        "main.py": """
            from fastapi import FastAPI
            from init import Initializer

            def create_app() -> FastAPI:
                app = FastAPI(openapi_url=None)
                boot = Initializer(app, version="v2")
                boot.init_routes()
                return app

            app = create_app()
        """,
    })
    assert set(routes) == {("GET", "/v2/items"), ("GET", "/admin/users")}
    assert all(r.linked for r in routes.values())
