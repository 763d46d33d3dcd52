"""Helpers shared by the GQL rules: how an endpoint is described, and what a resolver body does."""

from __future__ import annotations

import re
from typing import Final

from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Evidence, GraphQLEndpoint
from apilint.summary import Expr, FunctionDef, walk_stmts

_USER_ATTRS: Final = frozenset({"user", "is_authenticated", "is_anonymous", "current_user", "viewer", "auth",
                                "identity", "principal"})
_USER_KEYS: Final = frozenset({"user", "current_user", "authorization", "token", "auth", "viewer", "identity"})
_AUTH_CALLS: Final = ("auth", "login", "permission", "current_user", "get_user", "require", "verify_token",
                      "check_perm", "has_perm", "check_token", "decode_token", "jwt")
_WRITE_CALLS: Final = frozenset({"save", "delete", "create", "update", "add", "add_all", "commit", "bulk_create",
                                 "bulk_update", "remove", "set_password", "insert", "insert_one", "insert_many",
                                 "update_one", "update_many", "delete_one", "delete_many", "replace_one", "merge",
                                 "get_or_create", "update_or_create", "flush", "destroy", "put_item",
                                 "delete_item", "update_item", "send_mail", "transfer", "charge", "refund"})
PUBLIC_MUTATION: Final = lazy_compile(
    r"(log_?in|log_?out|sign_?in|sign_?up|sign_?out|register|token|refresh|verify|password|forgot|reset|obtain|"
    r"revoke|authenticate|otp|confirm|activate|magic_?link|contact|subscribe|feedback)", re.IGNORECASE)


def where(endpoint: GraphQLEndpoint) -> str:
    """`the GraphQL endpoint at /graphql (flask-graphql)`."""
    at = f" at {endpoint.path}" if endpoint.path else ""
    return f"the GraphQL endpoint{at} ({endpoint.library})"


def firm(evidence: tuple[Evidence, ...]) -> list[Evidence]:
    """The protections that always apply (not a project middleware with an off switch)."""
    return [e for e in evidence if e.status is not AuthStatus.UNKNOWN]


def switched(evidence: tuple[Evidence, ...]) -> str:
    """`IntrospectionMiddleware (skipped when `helpers.is_level_easy()`)` for protections that
    a project middleware skips under a switch; '' when there are none."""
    return ", ".join(f"{e.name.rsplit('.', 1)[-1]} ({e.detail})" for e in evidence if e.status is AuthStatus.UNKNOWN)


def requires_login(endpoint: GraphQLEndpoint) -> bool:
    """True when only authenticated callers reach the endpoint."""
    return endpoint.auth.status is AuthStatus.REQUIRED


def user_check(func: FunctionDef) -> str | None:
    """What in the resolver body identifies the caller (`info.context.user`, an auth helper), if anything."""
    for stmt in walk_stmts(func.body, into_defs=True):
        for expr in stmt.own_exprs():
            found = _user_expr(expr)
            if found is not None:
                return found
    return None


def _user_expr(expr: Expr) -> str | None:
    for sub in expr.walk():
        if sub.kind == "attr" and sub.text in _USER_ATTRS:
            return sub.render(50)
        if sub.kind == "name" and sub.text in ("current_user", "get_current_user"):
            return sub.text
        if sub.kind == "str" and sub.text.lower() in _USER_KEYS:
            return sub.render(50)
        if sub.kind == "call":
            name = (sub.func.dotted or "").rsplit(".", 1)[-1].lower()
            if any(word in name for word in _AUTH_CALLS):
                return sub.func.render(50)
    return None


def first_write(func: FunctionDef) -> tuple[int, Expr] | None:
    """(line, call) of the first call in the body that changes stored data."""
    for stmt in walk_stmts(func.body, into_defs=True):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind == "attr" and call.func.text in _WRITE_CALLS:
                    return stmt.line, call
    return None
