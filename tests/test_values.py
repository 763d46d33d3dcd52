"""The value evaluator (`apilint.values`): what an expression is worth when the app starts."""

from __future__ import annotations

import textwrap

import pytest
from apilint.project import ProjectIndex
from apilint.summarize import summarize_source
from apilint.summary import Expr, ModuleSummary
from apilint.values import Instance, Opaque, Ref, Scope
from apilint.values.evaluator import Evaluator


def _index(files: dict[str, str]) -> ProjectIndex:
    return ProjectIndex(summarize_source(textwrap.dedent(src).encode(), path) for path, src in files.items())


def _expr(index: ProjectIndex, path: str, name: str) -> tuple[ModuleSummary, Expr]:
    """The value expression of the last top-level assignment to `name` in `path`."""
    mod = index.by_path[path]
    found = None
    for stmt in mod.body:
        if stmt.kind in ("assign", "annassign") and any(t.kind == "name" and t.text == name for t in stmt.targets):
            found = stmt.value
    assert found is not None, name
    return mod, found


def _value(files: dict[str, str], name: str, path: str = "app.py") -> tuple[object, ...]:
    index = _index(files)
    mod, expr = _expr(index, path, name)
    return index.values.value(mod, expr).options


def test_literals_and_string_building() -> None:
    files = {"app.py": """
        BASE = "/api"
        VERSION = 2
        A = BASE + "/v1"
        B = f"{BASE}/v{VERSION}"
        C = "%s/items" % BASE
        D = "{}/users/{name}".format(BASE, name="x")
        E = "/".join(["", "api", "v3"])
        F = BASE.rstrip("/") + "/x"
        G = "/api" if VERSION > 1 else "/old"
    """}
    assert _value(files, "A") == ("/api/v1",)
    assert _value(files, "B") == ("/api/v2",)
    assert _value(files, "C") == ("/api/items",)
    assert _value(files, "D") == ("/api/users/x",)
    assert _value(files, "E") == ("/api/v3",)
    assert _value(files, "F") == ("/api/x",)
    assert _value(files, "G") == ("/api",)


def test_names_across_modules_and_class_constants() -> None:
    files = {
        "app/core/config.py": """
            API_PREFIX = "/api"
            class Paths:
                USERS = API_PREFIX + "/users"
        """,
        "app/main.py": """
            from app.core import config
            from app.core.config import Paths
            USERS = Paths.USERS
            ITEMS = config.API_PREFIX + "/items"
        """,
    }
    assert _value(files, "USERS", "app/main.py") == ("/api/users",)
    assert _value(files, "ITEMS", "app/main.py") == ("/api/items",)


def test_environment_defaults_are_marked() -> None:
    files = {"app.py": """
        import os
        from os import environ
        A = os.getenv("PREFIX", "/api")
        B = os.environ.get("PREFIX", "/b")
        C = environ.get("PREFIX", "/c")
        D = os.environ["PREFIX"]
        E = os.getenv("PREFIX")
    """}
    index = _index(files)
    for name, expected in (("A", "/api"), ("B", "/b"), ("C", "/c")):
        mod, expr = _expr(index, "app.py", name)
        value = index.values.value(mod, expr)
        assert value.first == expected and value.from_env, name
    mod, expr = _expr(index, "app.py", "D")
    value = index.values.value(mod, expr)
    assert isinstance(value.first, Opaque) and value.from_env and "environment" in value.reason()
    mod, expr = _expr(index, "app.py", "E")
    value = index.values.value(mod, expr)
    assert value.first is None and value.from_env  # unset: what the app sees when nothing is configured


def test_environment_helper_functions_are_read_with_nothing_configured() -> None:
    files = {
        "proj/__init__.py": "",
        "proj/env.py": """
            import os
            from pathlib import Path
            from typing import cast

            def get_env_str(name, default=None, *, required=False, fallback_name=None):
                file_env = f"{name}_FILE"
                if filename := os.environ.get(file_env):
                    result = Path(filename).read_text(encoding="utf-8")
                else:
                    result = cast("str | None", os.environ.get(name, default if not fallback_name else None))
                if not result and fallback_name:
                    result = get_env_str(fallback_name, default=default)
                if required and not result:
                    raise ValueError(name)
                return result
        """,
        "proj/settings.py": """
            from proj.env import get_env_str
            URL_PREFIX = get_env_str("URL_PREFIX", "")
            SITE = get_env_str("SITE_URL", "/site")
        """,
    }
    index = _index(files)
    mod, expr = _expr(index, "proj/settings.py", "URL_PREFIX")
    value = index.values.value(mod, expr)
    assert value.first == "" and value.from_env
    mod, expr = _expr(index, "proj/settings.py", "SITE")
    assert index.values.value(mod, expr).first == "/site"


def test_settings_object_through_instance_and_cached_factory() -> None:
    files = {
        "app/settings.py": """
            from functools import lru_cache
            from pydantic import Field
            from pydantic_settings import BaseSettings

            class ApiSettings(BaseSettings):
                prefix: str = "/api"

            class AppSettings(BaseSettings):
                api_v1_str: str = Field("/api/v1", env="API_V1")
                docs: str = Field(default="/docs")
                api: ApiSettings = Field(default_factory=ApiSettings)

                @property
                def admin_prefix(self) -> str:
                    return self.api_v1_str + "/admin"

            settings = AppSettings()

            @lru_cache
            def get_app_settings() -> AppSettings:
                return AppSettings(docs="/redoc")
        """,
        "app/main.py": """
            from app.settings import get_app_settings, settings
            A = settings.api_v1_str
            B = get_app_settings().docs
            C = settings.api.prefix
            D = settings.admin_prefix
            E = get_app_settings().api_v1_str + "/users"
        """,
    }
    index = _index(files)
    expected = {"A": "/api/v1", "B": "/redoc", "C": "/api", "D": "/api/v1/admin", "E": "/api/v1/users"}
    for name, want in expected.items():
        mod, expr = _expr(index, "app/main.py", name)
        value = index.values.value(mod, expr)
        assert value.first == want, (name, value)
        # a BaseSettings field's default may be overridden by the environment, an init argument not
        assert value.from_env is (name != "B"), name


def test_dataclass_and_plain_class_settings() -> None:
    files = {"app.py": """
        from dataclasses import dataclass, field

        @dataclass
        class Config:
            prefix: str = "/v1"
            tags: list = field(default_factory=list)

        class Plain:
            def __init__(self, root="/plain"):
                self.root = root + "/x"

        config = Config()
        A = config.prefix
        B = Plain().root
        C = Plain("/other").root
    """}
    assert _value(files, "A") == ("/v1",)
    assert _value(files, "B") == ("/plain/x",)
    assert _value(files, "C") == ("/other/x",)


def test_conditional_reassignment_keeps_both_values_unconditional_first() -> None:
    files = {"app.py": """
        import os
        PREFIX = "api/"
        if os.getenv("LEGACY"):
            PREFIX = "legacy-api/"
        SUFFIX = "/x"
        SUFFIX = SUFFIX + "/y"
        SUFFIX += "/z"
        USED = PREFIX
        USED_SUFFIX = SUFFIX
    """}
    assert _value(files, "USED") == ("api/", "legacy-api/")
    assert _value(files, "USED_SUFFIX") == ("/x/y/z",)


def test_collections_items_values_and_merges() -> None:
    files = {"app.py": """
        from app_routers import users, items
        ROUTERS = {"/users": users.router, "/items": items.router}
        PAIRS = ROUTERS.items()
        BASE = {"title": "API", "urls_namespace": "api"}
        MERGED = {**BASE, "version": "2"}
        KWARGS = dict(BASE, docs_url=None)
        ORED = BASE | {"title": "Other"}
        LIST = [1, 2] + [3]
        STARRED = [*LIST, 4]
    """}
    pairs = _value(files, "PAIRS")[0]
    assert [p[0] for p in pairs] == ["/users", "/items"]
    assert all(isinstance(p[1], Opaque) for p in pairs)  # objects outside the index stay opaque
    assert _value(files, "MERGED") == ({"title": "API", "urls_namespace": "api", "version": "2"},)
    assert _value(files, "KWARGS") == ({"title": "API", "urls_namespace": "api", "docs_url": None},)
    assert _value(files, "ORED")[0]["title"] == "Other"
    assert _value(files, "STARRED") == ([1, 2, 3, 4],)


def test_factory_choosing_a_function_by_its_argument() -> None:
    files = {"app/deps.py": """
        def _required(token=None):
            return token

        def _optional(token=None):
            return None

        def get_current_user_authorizer(*, required: bool = True):
            if required:
                return _required
            return _optional

        REQUIRED = get_current_user_authorizer()
        OPTIONAL = get_current_user_authorizer(required=False)
    """}
    index = _index(files)
    for name, want in (("REQUIRED", "app.deps._required"), ("OPTIONAL", "app.deps._optional")):
        mod, expr = _expr(index, "app/deps.py", name)
        first = index.values.value(mod, expr).first
        assert isinstance(first, Ref) and first.symbol.qualname == want


def test_callable_class_instance_is_an_instance() -> None:
    files = {"app.py": """
        class JWTBearer:
            def __init__(self, auto_error: bool = True):
                self.auto_error = auto_error
        BEARER = JWTBearer(auto_error=False)
        FLAG = BEARER.auto_error
    """}
    index = _index(files)
    mod, expr = _expr(index, "app.py", "BEARER")
    assert isinstance(index.values.value(mod, expr).first, Instance)
    assert _value(files, "FLAG") == (False,)


def test_unknown_says_why_and_text_keeps_known_parts() -> None:
    files = {"app.py": """
        from somewhere import runtime_prefix
        A = runtime_prefix() + "/items"
        B = f"/api/{runtime_prefix()}/users"
    """}
    index = _index(files)
    mod, expr = _expr(index, "app.py", "A")
    value = index.values.value(mod, expr)
    assert isinstance(value.first, Opaque) and "runtime_prefix" in value.reason()
    text = index.values.text(mod, expr)
    assert text.text == "{?runtime_prefix()}/items" and text.unresolved == ("runtime_prefix()",)
    mod, expr = _expr(index, "app.py", "B")
    assert index.values.text(mod, expr).text == "/api/{?runtime_prefix()}/users"


def test_text_reports_alternatives_of_a_conditional_name() -> None:
    files = {"app.py": """
        import sys
        PREFIX = "/api"
        if sys.platform == "win32":
            PREFIX = "/win"
        PATH = PREFIX
    """}
    index = _index(files)
    mod, expr = _expr(index, "app.py", "PATH")
    text = index.values.text(mod, expr)
    assert text.text == "/api" and text.alternatives == ("/win",)



def test_fstring_keeps_the_alternatives_of_its_parts() -> None:
    files = {"app.py": """
        import sys
        PREFIX = "api/"
        if sys.platform == "win32":
            PREFIX = "partner/api/"
        ROOT = f"{PREFIX}v1/"
        NESTED = f"{ROOT}billing/"
        BOTH = f"{PREFIX}{PREFIX}"
    """}
    assert _value(files, "ROOT") == ("api/v1/", "partner/api/v1/")
    assert _value(files, "NESTED") == ("api/v1/billing/", "partner/api/v1/billing/")
    assert _value(files, "BOTH")[0] == "api/api/" and len(_value(files, "BOTH")) == 4
    index = _index(files)
    mod, expr = _expr(index, "app.py", "NESTED")
    text = index.values.text(mod, expr)
    assert text.text == "api/v1/billing/" and text.alternatives == ("partner/api/v1/billing/",)


def test_django_settings_are_read_from_the_project_in_context() -> None:
    files = {
        "shop/settings.py": """
            ROOT_URLCONF = "shop.urls"
            ADMIN_URL = "admin/"
        """,
        "shop/wsgi.py": """
            import os
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
        """,
        "manage.py": """
            import os
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
        """,
        "office/settings.py": """
            ROOT_URLCONF = "office.urls"
            ADMIN_URL = "backoffice/"
        """,
        "office/urls.py": """
            from django.conf import settings
            urlpatterns = []
            WHERE = settings.ADMIN_URL
        """,
        "shop/urls.py": "urlpatterns = []\n",
    }
    index = _index(files)
    mod, expr = _expr(index, "office/urls.py", "WHERE")
    assert index.values.value(mod, expr).options == ("admin/",)  # the main project by default
    with index.values.django_project("office.settings"):
        assert index.values.value(mod, expr).options == ("backoffice/",)
    assert index.values.value(mod, expr).options == ("admin/",)

def test_function_scope_reads_locals_and_parameter_defaults() -> None:
    files = {"app.py": """
        import os
        def create_app(prefix="/api"):
            version = os.getenv("VERSION", "v1")
            full = f"{prefix}/{version}"
            return full
    """}
    index = _index(files)
    mod = index.by_path["app.py"]
    func = next(mod.functions())
    scope = Scope(mod, func)
    ret = next(s for s in func.body if s.kind == "return")
    assert index.values.text(mod, ret.value, scope).text == "/api/v1"


def test_list_changed_in_place_counts_as_assignment() -> None:
    files = {"app.py": """
        import os
        BASE = ["a"]
        BASE.append("b")
        BASE.extend(["c", "d"])
        BASE.insert(0, "z")
        BASE += ["e"]
        ALL = BASE
        FLAGGED = ["a"]
        if os.getenv("AUTH"):
            FLAGGED.append("auth")
        SEEN = FLAGGED
        OTHER.append("x")
    """}
    assert _value(files, "ALL") == (["z", "a", "b", "c", "d", "e"],)
    # a conditional change adds a possible value; the unconditional one stays first
    assert _value(files, "SEEN") == (["a"], ["a", "auth"])


def test_list_changed_in_place_inside_a_function() -> None:
    files = {"app.py": """
        def build(enabled: bool):
            deps = ["base"]
            if enabled:
                deps.append("auth")
            return deps

        def fixed():
            deps = []
            deps.append("x")
            deps += ["y"]
            return deps

        MAYBE = build(flag)
        ON = build(True)
        FIXED = fixed()
    """}
    assert _value(files, "MAYBE") == (["base"], ["base", "auth"])
    assert _value(files, "ON") == (["base", "auth"],)
    assert _value(files, "FIXED") == (["x", "y"],)
    index = _index(files)
    mod = index.by_path["app.py"]
    func = next(f for f in mod.functions() if f.name == "build")
    ret = next(s for s in func.body if s.kind == "return")
    assert index.values.value(mod, ret.value, Scope(mod, func)).options == (["base"], ["base", "auth"])


def test_assignment_under_an_unknown_test_adds_a_value() -> None:
    files = {"app.py": """
        def pick(flag):
            chosen = "default"
            if flag:
                chosen = "other"
            return chosen

        PICKED = pick(unknown_flag)
    """}
    assert _value(files, "PICKED") == ("default", "other")


def test_function_defined_in_a_factory_is_a_ref() -> None:
    files = {"app.py": """
        def require_role(role: str):
            async def checker(user=None):
                return user
            return checker

        CHECK = require_role("admin")
    """}
    index = _index(files)
    mod, expr = _expr(index, "app.py", "CHECK")
    first = index.values.value(mod, expr).first
    assert isinstance(first, Ref) and first.symbol.qualname == "app.require_role.<locals>.checker"
    assert first.symbol.func is not None and first.symbol.func.name == "checker"


def test_django_settings_attribute() -> None:
    files = {
        "proj/__init__.py": "",
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            INSTALLED_APPS = ["django.contrib.admin"]
            API_PREFIX = "api/v2/"
        """,
        "proj/urls.py": """
            from django.conf import settings
            PREFIX = settings.API_PREFIX + "items/"
        """,
    }
    assert _value(files, "PREFIX", "proj/urls.py") == ("api/v2/items/",)


def test_cycles_and_depth_never_crash() -> None:
    files = {"app.py": """
        A = B
        B = A
        def f(n):
            return f(n)
        C = f(1)
        D = "x"
        for _ in range(3):
            D = D + D
    """}
    for name in ("A", "B", "C"):
        assert isinstance(_value(files, name)[0], Opaque)
    assert _value(files, "D")[0] == "x"


def test_configuration_library_lookup_counts_as_its_default() -> None:
    files = {"app.py": """
        from confi import Confi
        confi = Confi()
        DATA_ROUTE = confi.str("DATA_ROUTE", "/policy-data", description="where data is served")
        TIMEOUT = confi.int("FETCH_TIMEOUT", default=30)
        PLAIN = confi.str("name", "/x")
    """}
    index = _index(files)
    for name, want in (("DATA_ROUTE", "/policy-data"), ("TIMEOUT", 30)):
        mod, expr = _expr(index, "app.py", name)
        value = index.values.value(mod, expr)
        assert value.first == want and value.from_env, name
    assert isinstance(_value(files, "PLAIN")[0], Opaque)


def test_imports_inside_a_function_are_followed() -> None:
    files = {
        "app/__init__.py": "",
        "app/config.py": "PREFIX = '/api/chat'\n",
        "app/main.py": """
            def configure():
                from app.config import PREFIX
                import app.config as cfg
                a = PREFIX + "/x"
                b = cfg.PREFIX
                return a, b
        """,
    }
    index = _index(files)
    mod = index.by_path["app/main.py"]
    func = next(mod.functions())
    scope = Scope(mod, func)
    ret = next(s for s in func.body if s.kind == "return")
    assert index.values.value(mod, ret.value, scope).first == ("/api/chat/x", "/api/chat")


def test_class_body_names_and_set_algebra() -> None:
    files = {
        "routes.py": """
            class RouteMethod:
                GET = "get"
                LIST = "list"
                POST = "post"
                READ_SET = {GET, LIST}
                ALL = READ_SET | {POST}
        """,
        "app.py": """
            from routes import RouteMethod

            INCLUDED = RouteMethod.READ_SET | {RouteMethod.POST, "export"}
            WITHOUT = RouteMethod.ALL - {"list"}
            SHARED = RouteMethod.ALL & {"post", "delete"}
        """,
    }
    assert _value(files, "INCLUDED") == (["get", "list", "post", "export"],)
    assert _value(files, "WITHOUT") == (["get", "post"],)
    assert _value(files, "SHARED") == (["post"],)


def test_text_of_a_format_call_keeps_the_template() -> None:
    files = {"app.py": """
        def register(kind):
            prefix = "/{}/<id>/resource".format(kind)
            return prefix
    """}
    index = _index(files)
    mod = index.by_path["app.py"]
    func = next(mod.functions())
    ret = next(s for s in func.body if s.kind == "return")
    text = index.values.text(mod, ret.value, Scope(mod, func))
    assert text.text == "/{?kind}/<id>/resource" and text.unresolved == ("kind",)


def test_parameter_reassigned_from_itself_reads_the_parameter() -> None:
    """`settings = settings or Settings()` in an app factory: the right-hand `settings` is the
    parameter (its default when the caller passes nothing), not a name defined in terms of itself."""
    files = {"app.py": """
        class Settings:
            prefix = "/status"


        def create_app(settings=None, base=None):
            settings = settings or Settings()
            base = base or "/api"
            return settings.prefix, base
    """}
    index = _index(files)
    mod = index.by_path["app.py"]
    func = next(f for f in mod.functions() if f.name == "create_app")
    ret = next(s for s in func.body if s.kind == "return")
    assert index.values.value(mod, ret.value, Scope(mod, func)).first == ("/status", "/api")


def test_method_chain_reads_each_receiver_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A query chain `db.session.query(X).filter(...).join(...)...` costs reads in proportion to its
    length: the receiver of `a.b(...)` is read once, not once for the call and once for its callee."""
    chain = "".join(f".{m}(c{i})" for i, m in enumerate(["filter", "join", "order_by", "outerjoin"] * 5))
    files = {"app.py": f"""
        from sqlalchemy.orm import Session
        session = Session()
        Q = session.query(Book){chain}.all()
    """}
    index = _index(files)
    mod, expr = _expr(index, "app.py", "Q")
    reads = 0
    original = Evaluator._eval

    def counting(self: Evaluator, *args: object) -> object:
        nonlocal reads
        reads += 1
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Evaluator, "_eval", counting)
    assert isinstance(index.values.value(mod, expr).first, Opaque)
    assert reads < 200, reads


def test_an_instance_built_from_itself_in_a_loop_stays_within_the_depth_budget() -> None:
    """`result = Box(result.inner)` in a loop: the constructor's argument reads the name being
    assigned, whose values include that very instance. Reading it must end (it used to recurse
    until Python's stack ran out, and the whole Flask adapter failed on mlflow)."""
    files = {"app.py": """
        class Box:
            def __init__(self, inner):
                self._inner = inner

            @property
            def inner(self):
                return self._inner


        def wrap(items):
            result = Box("a")
            for item in items:
                result = Box(result.inner)
            return result.inner


        VALUE = wrap(["x"])
    """}
    assert set(_value(files, "VALUE")) == {"a"}
