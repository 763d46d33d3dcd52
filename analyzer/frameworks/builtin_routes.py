"""Routes a framework serves by itself: the OpenAPI schema and interactive docs every `FastAPI()`
app and every Django Ninja `NinjaAPI()` serves, and the files a `StaticFiles` mount serves.

`FastAPI(openapi_url=..., docs_url=..., redoc_url=..., swagger_ui_oauth2_redirect_url=...)`
adds them at start-up, unless a URL is `None`; without a schema URL none of them is served.
They are plain Starlette routes: the app's `dependencies=` do not apply to them, its middleware
does. A URL that may be `None` (`docs_url=None if settings.PRODUCTION else "/docs"`) gives a
route with the condition under which it is served; one that cannot be read at all keeps its
`{?expr}` part, like any path.
"""

from __future__ import annotations

from dataclasses import dataclass

from apilint.frameworks.common import join_conditions
from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary
from apilint.values import Scope, is_plain


@dataclass(frozen=True)
class BuiltinRoute:
    """A route the framework serves by itself (its docs, a `StaticFiles` mount): path, the library
    code that serves it, when, and the evidence kind and words that say what it is."""

    path: str
    handler: str
    condition: str = ""
    kind: str = "api_docs"
    detail: str = "FastAPI's OpenAPI schema and interactive docs"
    location: Location | None = None
    """Where it is registered, when not where the app is made."""


def static_files_route(path: str, directory: str, condition: str, location: Location) -> BuiltinRoute:
    """`app.mount("/static", StaticFiles(directory="static"))`: every file under the folder."""
    what = f"serves the files under `{directory}`" if directory else "serves files"
    return BuiltinRoute(path.rstrip("/") + "/{path}", "starlette.staticfiles.StaticFiles", condition,
                        "static_files", what, location)


_SCHEMA = ("openapi_url", "/openapi.json", "fastapi.applications.FastAPI.openapi")
_PAGES = (
    ("docs_url", "/docs", "fastapi.openapi.docs.get_swagger_ui_html"),
    ("redoc_url", "/redoc", "fastapi.openapi.docs.get_redoc_html"),
)
_OAUTH2_REDIRECT = ("swagger_ui_oauth2_redirect_url", "/docs/oauth2-redirect",
                    "fastapi.openapi.docs.get_swagger_ui_oauth2_redirect_html")


def fastapi_docs_routes(index: ProjectIndex, mod: ModuleSummary, call: Expr,
                        scope: Scope | None) -> list[BuiltinRoute]:
    """The schema and docs routes a `FastAPI(...)` call makes the app serve."""
    schema = docs_url(index, mod, call, _SCHEMA[0], _SCHEMA[1], scope)
    if schema is None:
        return []
    out = [BuiltinRoute(schema[0], _SCHEMA[2], schema[1])]
    for name, default, handler in _PAGES:
        page = docs_url(index, mod, call, name, default, scope)
        if page is None:
            continue
        when = join_conditions(schema[1], page[1])
        out.append(BuiltinRoute(page[0], handler, when))
        if name == "docs_url":
            redirect = docs_url(index, mod, call, _OAUTH2_REDIRECT[0], _OAUTH2_REDIRECT[1], scope)
            if redirect is not None:
                out.append(BuiltinRoute(redirect[0], _OAUTH2_REDIRECT[2], join_conditions(when, redirect[1])))
    return out


def docs_url(index: ProjectIndex, mod: ModuleSummary, call: Expr, name: str, default: str,
         scope: Scope | None) -> tuple[str, str] | None:
    """(path, condition) of one URL keyword of an app's constructor (`docs_url=...`); None when it is
    switched off (`None`, `""`)."""
    expr = call.kwarg(name)
    if expr is None:
        return default, ""
    options = index.values.value(mod, expr, scope).options
    paths = [o for o in options if isinstance(o, str) and o]
    unknown = [o for o in options if not is_plain(o)]
    if not paths and not unknown:
        return None  # None or "" whatever the app's settings: not served
    if not paths:
        return index.values.text(mod, expr, scope).text, f"if `{name}` is set"
    off = len(paths) + len(unknown) < len(options)
    return paths[0], f"if `{expr.render(40)}` is not None" if off else ""


_NINJA_PAGES = (("openapi_url", "/openapi.json", "ninja.openapi.views.openapi_json"),
                ("docs_url", "/docs", "ninja.openapi.views.openapi_view"))


def ninja_docs_routes(index: ProjectIndex, mod: ModuleSummary, call: Expr) -> list[BuiltinRoute]:
    """`NinjaAPI(openapi_url="/openapi.json", docs_url="/docs")`: the schema, and the docs page
    when there is a schema, under the API's mount."""
    schema = docs_url(index, mod, call, _NINJA_PAGES[0][0], _NINJA_PAGES[0][1], None)
    if schema is None:
        return []
    out = [BuiltinRoute(schema[0], _NINJA_PAGES[0][2], schema[1], detail="Django Ninja's OpenAPI schema")]
    page = docs_url(index, mod, call, _NINJA_PAGES[1][0], _NINJA_PAGES[1][1], None)
    if page is not None:
        out.append(BuiltinRoute(page[0], _NINJA_PAGES[1][2], join_conditions(schema[1], page[1]),
                                detail="Django Ninja's interactive API docs"))
    return out
