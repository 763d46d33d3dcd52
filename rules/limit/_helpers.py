"""Shared judgements of the LIMIT rules: auth endpoints, rate limiters, size numbers, bounded values."""

from __future__ import annotations

import ast
import re

from apilint.lazy_regex import lazy_compile
from apilint.model import Location, ProjectFacts, Route, RouteMap
from apilint.project import ProjectIndex
from apilint.rule import RuleContext
from apilint.summary import Expr, FunctionDef, walk_exprs, walk_stmts

_AUTH_SEGMENT = lazy_compile(
    r"^(login|log-in|signin|sign-in|sign_in|signup|sign-up|sign_up|register|registration|token|access-token|"
    r"access_token|otp|verify-otp|verify_otp|2fa|mfa|two-factor|two_factor|forgot-password|forgot_password|"
    r"reset-password|reset_password|password-reset|password_reset|forgot|reset)$", re.IGNORECASE)
_AUTH_HANDLER = lazy_compile(
    r"^(login|signin|sign_in|signup|sign_up|register|login_for_access_token|obtain_token|token|verify_otp|"
    r"forgot_password|reset_password|password_reset|request_password_reset)", re.IGNORECASE)
_NOT_BRUTE_FORCE = lazy_compile(r"(^|/)(refresh|logout|revoke|blacklist|me)(/|$)", re.IGNORECASE)
_THROTTLE_SETTINGS = ("REST_FRAMEWORK.DEFAULT_THROTTLE_CLASSES",)


def is_auth_endpoint(route: Route) -> bool:
    """Login, token, register, password reset and OTP endpoints that accept credentials."""
    if route.method not in ("POST", "PUT", "PATCH", "ANY"):
        return False
    static = re.sub(r"\{[^}]*\}", "", route.path)
    if _NOT_BRUTE_FORCE.search(static):
        return False
    segments = [s for s in static.split("/") if s]
    if any(_AUTH_SEGMENT.match(s) for s in segments):
        return True
    return bool(_AUTH_HANDLER.match(route.handler.rsplit(".", 1)[-1]))


_PASSWORD_KEYS = frozenset({"password", "passwd", "pwd", "passphrase"})


def reads_password(func: FunctionDef | None) -> bool:
    """True when a handler reads a field named `password` (`body.get("password")`, `data["passwd"]`,
    `form.password`): it takes credentials whatever its path is called (`POST /api/sqlivuln`)."""
    if func is None:
        return False
    for _, expr in walk_exprs(func.body):
        if expr.kind == "subscript" and len(expr.args) > 1 and expr.args[1].kind == "str" \
                and expr.args[1].text.lower() in _PASSWORD_KEYS:
            return True
        if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "get" and expr.positional \
                and expr.positional[0].kind == "str" and expr.positional[0].text.lower() in _PASSWORD_KEYS:
            return True
        if expr.kind == "attr" and expr.text.lower() in _PASSWORD_KEYS and expr.args[0].kind == "name" \
                and expr.args[0].text not in ("self", "cls"):
            return True
    return False


def _setting_non_empty(facts: ProjectFacts, name: str) -> bool:
    fact = facts.setting(name)
    return fact is not None and fact.value.strip() not in ("", "[]", "()", "None", "<unknown>")


def has_rate_limiter(routes: RouteMap, facts: ProjectFacts) -> bool:
    """True when some rate limiting is set up anywhere in the project."""
    if facts.rate_limiters or any(r.rate_limit for r in routes):
        return True
    return any(_setting_non_empty(facts, name) for name in _THROTTLE_SETTINGS)


def limits_every_route(facts: ProjectFacts) -> bool:
    """True when a limiter applies default limits to every route (slowapi/flask-limiter defaults, DRF throttles)."""
    for evidence in facts.rate_limiters:
        text = f"{evidence.kind} {evidence.detail}".lower()
        if "global" in text or "default_limits" in text or "default_throttle" in text:
            return True
    return any(_setting_non_empty(facts, name) for name in _THROTTLE_SETTINGS)


def size_value(text: str) -> int | None:
    """Evaluate a setting's literal size (`10 * 1024 * 1024`) without running anything; None if unknown."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> int | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Pow) and right < 64:
                return int(left**right)
            if isinstance(node.op, ast.LShift) and right < 64:
                return left << right
        return None

    return ev(tree.body)


def bounded(func: FunctionDef, name: str) -> bool:
    """True when the body caps `name`: `min(name, MAX)`, `if name > MAX:`, or a comparison of it."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind == "call" and (sub.func.dotted or "") == "min" and any(
                        name in set(a.names()) for a in sub.positional):
                    return True
                if sub.kind == "compare" and any(op.strip() in (">", ">=", "<", "<=") for op in sub.text.split(",")):
                    if any(a.kind == "name" and a.text == name for a in sub.args):
                        return True
    return False


def mentions(expr: Expr, words: tuple[str, ...]) -> bool:
    """True when a name, attribute or string in `expr` contains one of `words` (lower-cased)."""
    return any(sub.kind in ("name", "attr", "str") and any(w in sub.text.lower() for w in words)
               for sub in expr.walk())


_LIMIT_CALL = lazy_compile(r"(rate_?limit|throttle)", re.IGNORECASE)


def limits_in_code(index: ProjectIndex) -> bool:
    """True when some function body calls a rate-limit check (`check_rate_limit(request)`):
    a limit applied in code apilint does not link to routes, such as a login form's clean()."""
    for mod in index:
        if not any(_LIMIT_CALL.search(word) for word in mod.words if "rate" in word or "throttle" in word):
            continue
        for fn in mod.functions():
            for _stmt, expr in walk_exprs(fn.body):
                if expr.kind == "call" and _LIMIT_CALL.search((expr.func.dotted or "").rsplit(".", 1)[-1]):
                    return True
    return False


_CREDENTIAL_ARGS = lazy_compile(
    r"^(password|passwd|pass_word|passphrase|pin|otp|totp|otp_code|mfa_code|verification_code|reset_token)$",
    re.IGNORECASE)
_CREDENTIAL_FIELDS = lazy_compile(
    r"^(login|log_in|signin|sign_in|token_auth|obtain_token|obtain_json_web_token|authenticate|verify_otp|"
    r"reset_password|password_reset|forgot_password)$", re.IGNORECASE)
# Operations that set a password rather than check one: an account's own form, not a guessing target
_SETS_PASSWORD = lazy_compile(r"^(register|sign_?up|create|update|change|set|add|edit|invite)", re.IGNORECASE)


def graphql_credential_operations(ctx: RuleContext) -> list[tuple[str, Location]]:
    """GraphQL operations that take a password or code (`systemDiagnostics(username, password)`)
    or are named for signing in: (`POST /graphql (query login)`, resolver location), each as
    served by the project's main GraphQL endpoint; empty without an endpoint on the route map."""
    ide = {e.path for e in ctx.facts.graphql if e.ide is not None}  # the API before its explorer
    endpoints = sorted((r for r in ctx.routes if r.framework == "graphql"),
                       key=lambda r: (r.method != "POST", r.path in ide, r.path))
    if not endpoints:
        return []
    out: list[tuple[str, Location]] = []
    for resolver in ctx.facts.graphql_resolvers:
        ref = resolver.handler_ref
        mod = ctx.index.by_path.get(ref.file) if ref is not None else None
        func = next((f for f in mod.functions() if f.qualname == ref.qualname), None) \
            if ref is not None and mod is not None else None
        named = bool(_CREDENTIAL_FIELDS.match(_snake(resolver.field)))
        checks = func is not None and not _SETS_PASSWORD.match(_snake(resolver.field)) \
            and any(_CREDENTIAL_ARGS.match(p.name) for p in func.params)
        if named or checks:
            out.append((f"{endpoints[0].display} ({resolver.operation} {resolver.field})", resolver.location))
    return out


def _snake(name: str) -> str:
    """`TokenAuth` / `tokenAuth` -> `token_auth`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
