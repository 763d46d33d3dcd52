"""Handlers that hand the whole request to another function: whose protection applies to them."""

from __future__ import annotations

from apilint.model import AuthStatus, Route
from apilint.rule import RuleContext
from apilint.rules.auth._body import forwarded_call

_TRAVELLING = frozenset({"decorator"})
"""Evidence kinds that belong to the function itself, so they apply wherever it is called from
(router dependencies, permission classes and middleware do not follow a direct call)."""


def delegated_auth(route: Route, ctx: RuleContext) -> tuple[AuthStatus, str] | None:
    """What protects the function a forwarding handler hands its request to, with a phrase that
    says so; None when the handler does more than forward, or the target says nothing.

    A target that is itself a route handler lends its decorators' status
    (`def get_mapped(*, dag_id, ...): return get_details(dag_id=dag_id, ...)` where `get_details`
    carries `@requires_access_dag(...)`). A target in the project's own package that is not among
    the analyzed files (`from airflow.providers.fab... import user_endpoint`, then
    `return user_endpoint.get_user(**kwargs)`) cannot be read: its status is `unknown`.
    """
    call = forwarded_call(ctx.handler(route))
    mod = ctx.module_of(route)
    if call is None or mod is None:
        return None
    qualname = ctx.index.qualify_expr(mod, call.func) or ""
    symbol = ctx.index.resolve(mod, call.func)
    if symbol is not None and symbol.func is not None:
        key = (symbol.module.path, symbol.func.qualname)
        statuses = {ev.status for target in ctx.routes
                    if target.handler_ref is not None and (target.handler_ref.file, target.handler_ref.qualname) == key
                    for ev in target.auth.evidence if ev.kind in _TRAVELLING}
        for status in (AuthStatus.REQUIRED, AuthStatus.UNKNOWN, AuthStatus.OPTIONAL):
            if status in statuses:
                return status, f"the handler hands the request to `{qualname}`, whose decorators apply"
        return None
    package = mod.module.split(".", 1)[0]
    if symbol is None and "." in qualname and qualname.split(".", 1)[0] == package and \
            ctx.index.lookup(qualname) is None:
        return AuthStatus.UNKNOWN, (f"the handler hands the request to `{qualname}`, which is not in the "
                                    "analyzed code; its protection cannot be read")
    return None
