"""Shared judgements of the IDEM rules: money-moving create routes, and idempotency evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Route
from apilint.rule import RuleContext
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_MONEY_SEGMENT = lazy_compile(
    r"^(payments?|charges?|transfers?|orders|checkouts?|withdraw|withdrawals?|payouts?|refunds?|purchases?|"
    r"deposits?|pay|donations?|remittances?)$", re.IGNORECASE)
_MONEY_HANDLER = lazy_compile(
    r"^(create|place|submit|make|process|initiate|new|start)_(order|payment|charge|transfer|withdrawal|payout|"
    r"refund|purchase|deposit|donation)s?$|^(checkout|pay|withdraw|transfer_funds|send_money|refund_order|"
    r"charge_card|purchase)$", re.IGNORECASE)
_DEDUP_CALLS = frozenset({"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"})
_MARKER = "idempot"


def is_money_mutation(route: Route) -> bool:
    """POST routes that create a payment, order, transfer, charge, payout or refund."""
    if route.method != "POST":
        return False
    static = [s for s in route.path.split("/") if s and not s.startswith("{")]
    if static and _MONEY_SEGMENT.match(static[-1]):
        return True
    return bool(_MONEY_HANDLER.match(route.handler.rsplit(".", 1)[-1]))


def mentions_marker(expr: Expr | None) -> bool:
    """True when a name, attribute or string in `expr` speaks of idempotency."""
    return expr is not None and any(
        sub.kind in ("name", "attr", "str") and _MARKER in sub.text.lower() for sub in expr.walk())


def route_has_key(ctx: RuleContext, route: Route) -> bool:
    """An idempotency key or de-duplication on the route, its dependencies or the functions it calls."""
    if any(_MARKER in dep.lower() for dep in route.dependencies):
        return True
    mod = ctx.module_of(route)
    func = ctx.handler(route)
    if mod is None or func is None:
        return False
    for param in func.params:
        if _MARKER in param.name.lower() or mentions_marker(param.default) or mentions_marker(param.annotation):
            return True
        if param.annotation is not None and _model_has_key(ctx, mod, param.annotation):
            return True
    for deco in func.decorators:
        if mentions_marker(deco.expr):
            return True
    return any(_body_dedups(f) for f in _called(ctx, mod, func))


def project_has_middleware(ctx: RuleContext) -> bool:
    """An idempotency middleware or request hook serves every route."""
    for app in ctx.facts.apps:
        if any(_MARKER in m.lower() for m in app.middleware):
            return True
    for mod in ctx.index:
        if (mod.mentions("middleware") or mod.mentions("before_request")) and any(_MARKER in w for w in mod.words):
            return True
    return False


def _model_has_key(ctx: RuleContext, mod: ModuleSummary, annotation: Expr) -> bool:
    target = annotation.args[0] if annotation.kind == "subscript" and annotation.args else annotation
    symbol = ctx.index.resolve(mod, target)
    if symbol is None or symbol.cls is None:
        return False
    return any(_MARKER in name.lower() for name in symbol.cls.field_names())


def _called(ctx: RuleContext, mod: ModuleSummary, func: FunctionDef) -> Iterator[FunctionDef]:
    yield func
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                symbol = ctx.index.resolve(mod, call.func)
                if symbol is not None and symbol.func is not None and symbol.func is not func:
                    yield symbol.func


def _body_dedups(func: FunctionDef) -> bool:
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            if mentions_marker(expr):
                return True
            if any(call.func.kind == "attr" and call.func.text in _DEDUP_CALLS for call in expr.calls()):
                return True
    return False
