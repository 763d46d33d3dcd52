"""Shared judgements of the VER rules: which routes form the API, and which carry a version."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Route
from apilint.rule import RuleContext
from apilint.summary import Expr, ModuleSummary, walk_exprs

_VERSION_SEGMENT = lazy_compile(
    r"^(api[-_]?)?v\d+([._]\d+)*([-_]?(alpha|beta|rc)\d*)?$|^\d+\.\d+$|^\{(api_?)?version\}$", re.IGNORECASE)
_UNREAD_SEGMENT = lazy_compile(r"^\{[A-Z][A-Z0-9_]*\}$|^[A-Z][A-Z0-9]*_[A-Z0-9_]+$|^\{(?i:\w*prefix\w*)\}$")
"""Segments the adapters could not read: a constant's name (`{PREFIX}`, `/ALL_DATA_ROUTE`), `{route_prefix}`."""
_API_FRAMEWORKS = frozenset({"fastapi", "starlette", "ninja", "drf", "connexion"})
_INFRA = frozenset({"docs", "redoc", "openapi.json", "openapi.yaml", "openapi", "swagger", "swagger.json",
                    "schema", "health", "healthz", "healthcheck", "livez", "readyz", "ready", "ping", "status",
                    "metrics", "favicon.ico", "robots.txt", "static", "media", ".well-known", "version",
                    "versions", "admin", "__debug__", "graphql", "ws"})
_VERSIONING_WORDS = ("default_versioning_class", "versioning_class", "accept-version", "api-version",
                     "x-api-version", "accept_version", "api_version", "x_api_version", "versionedfastapi",
                     "fastapi_versioning", "versioned_api")
"""Words that show version negotiation outside the path (DRF versioning, version headers, libraries)."""


def static_segments(route: Route) -> list[str]:
    """The path's segments, parameters included as written (`{id}`)."""
    return [s for s in route.path.split("/") if s]


def version_index(route: Route) -> int | None:
    """Index of the first version segment of the path (`v1`, `2.0`, `{version}`), else None."""
    for i, seg in enumerate(static_segments(route)):
        if _VERSION_SEGMENT.match(seg):
            return i
    return None


def unresolved(route: Route) -> bool:
    """True when part of the path could not be read: `{?expr}`, `{PREFIX}`, `{route_prefix}`, `/API_ROUTE`."""
    if route.unresolved or "{?" in route.path:
        return True
    return any(_UNREAD_SEGMENT.match(seg) for seg in static_segments(route))


def is_api_route(route: Route) -> bool:
    """Routes that serve an API (not pages, docs, health checks or GraphQL)."""
    if route.method == "WEBSOCKET" or route.framework == "graphql" or route.unresolved or "{?" in route.path:
        return False
    segments = static_segments(route)
    if not segments or segments[-1].lower() in _INFRA or segments[0].lower() in _INFRA:
        return False
    if any(s.lower() == "api" or s.lower().startswith(("api-", "api_")) for s in segments):
        return True
    return route.framework in _API_FRAMEWORKS


def versioned_elsewhere(ctx: RuleContext) -> bool:
    """True when the project negotiates versions outside the path, or a prefix could not be read."""
    if any(unresolved(r) for r in ctx.routes):
        return True  # an unresolved prefix may well hold the version
    for mod in ctx.index:
        if any(mod.mentions(word) for word in _VERSIONING_WORDS):
            return True
        if mod.mentions("ninjaapi") and mod.mentions("version"):
            for func_call in _calls(mod):
                if (func_call.func.dotted or "").endswith("NinjaAPI") and func_call.kwarg("version") is not None:
                    return True
    return False


def _calls(mod: ModuleSummary) -> Iterator[Expr]:
    for _stmt, expr in walk_exprs(mod.body):
        if expr.kind == "call":
            yield expr
