"""Helpers shared by the EXPO rules: sensitive-field selection and per-handler deduplication."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from apilint.model import Route
from apilint.models import sensitive_kind
from apilint.rule import RuleContext


def sensitive_fields(ctx: RuleContext, fields: Iterable[str], wholesale: bool) -> list[str]:
    """Sensitive names among `fields`; issued credentials (tokens, keys) count only in wholesale dumps."""
    out = []
    for name in fields:
        kind = sensitive_kind(name, ctx.config.exposure_sensitive_fields)
        if kind == "secret" or (kind == "credential" and wholesale):
            out.append(name)
    return out


def routes_by_handler(ctx: RuleContext) -> Iterator[tuple[Route, str]]:
    """Each handler once (a Flask view serving GET and POST is one function), with its methods."""
    seen: dict[tuple[str, int], list[Route]] = {}
    for route in ctx.routes:
        seen.setdefault((route.location.file, route.location.line), []).append(route)
    for routes in seen.values():
        methods = ", ".join(sorted({r.method for r in routes}))
        yield routes[0], methods
