"""Shared judgements of the LOG rules: credential endpoints, the code a route runs, logging calls."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Route
from apilint.project import ProjectIndex
from apilint.rule import RuleContext
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_CREDENTIAL_SEGMENT = lazy_compile(
    r"^(login|log-in|log_in|signin|sign-in|sign_in|token|tokens|access-token|access_token|authenticate|"
    r"sessions?|password|forgot-password|forgot_password|reset-password|reset_password|password-reset|"
    r"password_reset|otp|verify-otp|verify_otp|2fa|mfa)$", re.IGNORECASE)
_CREDENTIAL_HANDLER = lazy_compile(
    r"^_?(login|log_in|signin|sign_in|authenticate|obtain_token|issue_token|create_token|token|"
    r"create_session|forgot_password|reset_password|password_reset|verify_otp)", re.IGNORECASE)
_NOT_CREDENTIAL = lazy_compile(r"(^|/)(refresh|logout|log-out|signout|sign-out|revoke|blacklist|me|verify)(/|$)",
                             re.IGNORECASE)
_LOG_PART = lazy_compile(r"^_*(log|logs|logger|loggers|logging|structlog|sentry_sdk|audit\w*|\w+_log|\w+_logger|"
                       r"log_\w+|\w*audit\w*|\w*fail\w*|\w*attempts?\w*|\w*lockout\w*)$", re.IGNORECASE)


def is_credential_endpoint(route: Route) -> bool:
    """Login, token, password reset and OTP endpoints: where a caller proves who they are."""
    if route.method not in ("POST", "PUT", "PATCH", "ANY"):
        return False
    static = re.sub(r"\{[^}]*\}", "", route.path)
    if _NOT_CREDENTIAL.search(static):
        return False
    if any(_CREDENTIAL_SEGMENT.match(s) for s in static.split("/") if s):
        return True
    return bool(_CREDENTIAL_HANDLER.match(route.handler.rsplit(".", 1)[-1]))


_FAILURE_TEXT = lazy_compile(r"invalid|incorrect|wrong|not correct|does not exist|failed|bad credentials|"
                           r"unauthori[sz]ed|not match", re.IGNORECASE)
_PASSWORD = lazy_compile(r"passw|passwd|pwd|authenticate", re.IGNORECASE)


def failure_messages(func: FunctionDef) -> bool:
    """True when the function checks a password and answers with a failure text
    (`return render_template(..., error="Invalid credentials")`, `flash("Wrong password")`)."""
    checks_password = answers_failure = False
    for stmt in walk_stmts(func.body):
        if stmt.kind == "if" and stmt.value is not None and any(
                sub.kind in ("name", "attr", "str") and _PASSWORD.search(sub.text) for sub in stmt.value.walk()):
            checks_password = True
        if stmt.value is not None and (stmt.kind == "return" or (stmt.kind == "expr" and stmt.value.kind == "call")):
            if any(sub.kind == "str" and _FAILURE_TEXT.search(sub.text) for sub in stmt.value.walk()):
                answers_failure = True
    return checks_password and answers_failure


def is_log_call(call: Expr) -> bool:
    """`logger.warning(...)`, `logging.info(...)`, `app.logger.error(...)`, `audit(...)`, `record_failed_login(...)`."""
    dotted = call.func.dotted
    if dotted is None:
        return False
    return any(_LOG_PART.match(part) for part in dotted.split("."))


def reachable(ctx: RuleContext, route: Route, depth: int = 2) -> Iterator[tuple[ModuleSummary, FunctionDef]]:
    """The handler, its project dependencies and the project functions they call, `depth` calls deep."""
    mod = ctx.module_of(route)
    func = ctx.handler(route)
    if mod is None or func is None:
        return
    seen: set[tuple[str, str]] = set()
    todo: list[tuple[ModuleSummary, FunctionDef, int, str]] = [(mod, func, 0, _owner(func))]
    for dep in route.dependencies:
        symbol = ctx.index.lookup(dep)
        if symbol is not None and symbol.func is not None:
            todo.append((symbol.module, symbol.func, 1, ""))
    while todo:
        mod, func, level, owner = todo.pop(0)
        key = (mod.path, func.qualname)
        if key in seen:
            continue
        seen.add(key)
        yield mod, func
        if level >= depth:
            continue
        for call in calls_in(func):
            target = _resolve_call(ctx.index, mod, call, owner)
            if target is not None:
                todo.append((target[0], target[1], level + 1, _owner(target[1])))


def calls_in(func: FunctionDef) -> Iterator[Expr]:
    """Every call in a function body (nested functions excluded)."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            yield from expr.calls()
    for deco in func.decorators:
        yield from deco.expr.calls()


def _owner(func: FunctionDef) -> str:
    return func.qualname.rsplit(".", 1)[0] if "." in func.qualname else ""


def _resolve_call(index: ProjectIndex, mod: ModuleSummary, call: Expr,
                  owner: str) -> tuple[ModuleSummary, FunctionDef] | None:
    callee = call.func
    if callee.kind == "attr" and owner and (callee.args[0].dotted or "") in ("self", "cls"):
        symbol = index.lookup(f"{mod.module}.{owner}.{callee.text}")
    else:
        symbol = index.resolve(mod, callee)
    if symbol is not None and symbol.func is not None:
        return symbol.module, symbol.func
    return None
