"""Which routes reach a function a finding names: for findings without a route about a
project function (an ERR001 helper that formats the exception, a JWT002 decode helper), the
routes whose handler, dependencies or the functions they call (two calls deep) include it.

Computed with the readings (it needs the summaries, which a cached run does not load) and
stored with them; the assembly then counts such a finding against those routes only, instead
of against every route of the app.
"""

from __future__ import annotations

from collections.abc import Iterable

from apilint.model import Finding
from apilint.rule import RuleContext
from apilint.rules.log._helpers import reachable

DEPTH = 2
"""Calls followed from a handler and its dependencies."""


def finding_key(finding: Finding) -> str:
    """A finding's identity, independent of its fingerprint (computed later) and its route."""
    return f"{finding.code}|{finding.location.file}|{finding.location.line}|{finding.symbol}"


def callers(ctx: RuleContext, findings: Iterable[Finding]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(finding key, handlers of the routes that reach its function), for findings without a
    route whose symbol is a project function; nothing for exception handlers, which serve
    every route."""
    handlers = {f"{ref.file}::{ref.qualname}" for ref in ctx.facts.exception_handlers}
    wanted: dict[str, list[str]] = {}
    for finding in findings:
        symbol = finding.symbol
        if finding.route is not None or not symbol or "." not in symbol or symbol.startswith("/"):
            continue
        target = ctx.index.lookup(symbol)
        if target is None or target.func is None:
            continue
        if f"{target.module.path}::{target.func.qualname}" in handlers:
            continue
        wanted.setdefault(f"{target.module.path}::{target.func.qualname}", []).append(finding_key(finding))
    if not wanted:
        return ()
    reached: dict[str, set[str]] = {}
    seen_handlers: dict[str, set[str]] = {}
    for route in ctx.routes:
        if route.handler not in seen_handlers:
            seen_handlers[route.handler] = {f"{mod.path}::{func.qualname}" for mod, func in
                                            reachable(ctx, route, depth=DEPTH)}
        for function in seen_handlers[route.handler] & set(wanted):
            for key in wanted[function]:
                reached.setdefault(key, set()).add(route.handler)
    return tuple(sorted((key, tuple(sorted(names))) for key, names in reached.items()))


__all__ = ["DEPTH", "callers", "finding_key"]
