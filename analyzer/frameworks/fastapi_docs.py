"""FastAPI's own routes: the OpenAPI schema and the interactive docs every `FastAPI()` app serves.

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
from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary
from apilint.values import Scope, is_plain


@dataclass(frozen=True)
class DocsRoute:
    """One route FastAPI adds for its docs: path, the library function that serves it, when."""

    path: str
    handler: str
    condition: str = ""


_SCHEMA = ("openapi_url", "/openapi.json", "fastapi.applications.FastAPI.openapi")
_PAGES = (
    ("docs_url", "/docs", "fastapi.openapi.docs.get_swagger_ui_html"),
    ("redoc_url", "/redoc", "fastapi.openapi.docs.get_redoc_html"),
)
_OAUTH2_REDIRECT = ("swagger_ui_oauth2_redirect_url", "/docs/oauth2-redirect",
                    "fastapi.openapi.docs.get_swagger_ui_oauth2_redirect_html")


def docs_routes(index: ProjectIndex, mod: ModuleSummary, call: Expr, scope: Scope | None) -> list[DocsRoute]:
    """The schema and docs routes a `FastAPI(...)` call makes the app serve."""
    schema = _url(index, mod, call, _SCHEMA[0], _SCHEMA[1], scope)
    if schema is None:
        return []
    out = [DocsRoute(schema[0], _SCHEMA[2], schema[1])]
    for name, default, handler in _PAGES:
        page = _url(index, mod, call, name, default, scope)
        if page is None:
            continue
        when = join_conditions(schema[1], page[1])
        out.append(DocsRoute(page[0], handler, when))
        if name == "docs_url":
            redirect = _url(index, mod, call, _OAUTH2_REDIRECT[0], _OAUTH2_REDIRECT[1], scope)
            if redirect is not None:
                out.append(DocsRoute(redirect[0], _OAUTH2_REDIRECT[2], join_conditions(when, redirect[1])))
    return out


def _url(index: ProjectIndex, mod: ModuleSummary, call: Expr, name: str, default: str,
         scope: Scope | None) -> tuple[str, str] | None:
    """(path, condition) of one URL keyword; None when it is switched off (`None`, `""`)."""
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
