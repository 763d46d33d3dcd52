"""Which routes perform privileged operations (admin areas, user and role management)."""

from __future__ import annotations

import re

from apilint.lazy_regex import lazy_compile
from apilint.model import Route
from apilint.rules.authz._names import is_user_name, mentions_user
from apilint.summary import Expr, FunctionDef, walk_stmts

_ADMIN_PATH = lazy_compile(r"(^|/)(admin|admins|administration|superuser|staff|backoffice|back-office|"
                         r"moderation)(/|$)", re.IGNORECASE)
_ROLE_PATH = lazy_compile(r"(^|/)([a-z]+[_-])?(roles?|permissions?|grants?|privileges?)(/|$)", re.IGNORECASE)
_USERS_PATH = lazy_compile(r"(^|/)(users|accounts|members)(/|$)", re.IGNORECASE)
_USER_ACTION = lazy_compile(r"(^|/)(ban|unban|block|unblock|disable|enable|deactivate|activate|suspend|promote|"
                          r"demote|impersonate|make-admin|make_admin|set-role|set_role|lock|unlock)(/|$)",
                          re.IGNORECASE)
_ADMIN_HANDLER = lazy_compile(r"(^|_)(admin|superuser|staff)(_|$)|^(list|get|read|fetch)_all_users$|"
                            r"^(ban|unban|block|disable|deactivate|suspend|promote|demote|impersonate)_(user|account)|"
                            r"^(set|update|change|assign|grant|revoke)_(user_)?(role|roles|permissions?|admin)",
                            re.IGNORECASE)
ROLE_PATH_REASON = "it changes roles or permissions"
PRIVILEGED_FIELDS = frozenset({"is_admin", "is_superuser", "is_staff", "role", "roles", "is_moderator",
                               "permissions", "user_permissions", "groups", "is_verified_admin", "admin"})


def privileged_reason(route: Route, handler: FunctionDef | None) -> tuple[str, bool] | None:
    """(why the route is privileged, whether the reason is strong) or None.

    Strong reasons: an admin path or handler name, or the handler writes a role field.
    Weaker: user management inferred from the path (deleting `/users/{id}`, listing `/users`).
    """
    path = route.path
    if "/me" in path.lower().split("{")[0] and re.search(r"/me(/|$)", path, re.IGNORECASE):
        return None
    handler_name = route.handler.rsplit(".", 1)[-1]
    if _ADMIN_PATH.search(path):
        return f"its path `{path}` is an admin area", True
    if _ADMIN_HANDLER.search(handler_name) and not (_BLOCKING.search(handler_name) and _social(handler)):
        return f"its handler `{handler_name}` is an admin operation", True
    if handler is not None:
        field = writes_privileged_field(handler)
        if field is not None:
            return f"it sets `{field}`", True
    if _ROLE_PATH.search(path) and route.is_unsafe:
        return f"{ROLE_PATH_REASON} (`{path}`)", True
    if _USERS_PATH.search(path):
        action = _USER_ACTION.search(path)
        if action and route.is_unsafe and not (_BLOCKING.search(action.group(0)) and _social(handler)):
            return f"it changes another user's account state (`{path}`)", True
        segments = [s for s in path.strip("/").split("/") if s]
        if route.method == "DELETE" and len(segments) >= 2 and segments[-1].startswith("{") and \
                segments[-2].lower() in ("users", "accounts"):
            return "it deletes another user's account", False
        if route.method == "GET" and not route.path_params and segments and segments[-1].lower() == "users":
            return "it lists every user", False
    return None


_BLOCKING = lazy_compile(r"block|mute", re.IGNORECASE)
"""Actions that are also every user's own: blocking or muting another user for oneself."""


def _social(func: FunctionDef | None) -> bool:
    """`auth_user.blocks_user(target)`, `request.user.block(other)`: the caller blocks someone for
    themselves (a social block), which is no admin blocking an account. Read only for a route
    named like a block, its body walked then."""
    if func is None:
        return False
    callers = {p.name for p in func.params if is_user_name(p.name)}  # `auth_user` a decorator passes in
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind != "attr" or not _BLOCKING.search(call.func.text) or not call.positional:
                    continue
                if mentions_user(call.func.args[0], callers):
                    return True
    return False


def writes_privileged_field(func: FunctionDef) -> str | None:
    """`user.role = ...`, `setattr(user, "is_admin", ...)` or `update(is_superuser=...)` in the body."""
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("assign", "augassign", "annassign"):
            literal = stmt.value is not None and (_harmless_literal(stmt.value) or _removal(stmt.value))
            for target in stmt.targets:
                if target.kind == "attr" and target.text in PRIVILEGED_FIELDS and not literal and \
                        not _resource_role(target):
                    return f"{target.render(40)}"
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind == "name" and call.func.text == "setattr" and len(call.positional) >= 2:
                    name = call.positional[1]
                    if name.kind == "str" and name.text in PRIVILEGED_FIELDS:
                        return f"setattr(..., {name.text!r})"
                if call.func.kind == "attr" and call.func.text in ("update", "update_one", "filter_by"):
                    for kw in call.keywords:
                        if kw.name in PRIVILEGED_FIELDS and call.func.text != "filter_by" and \
                                not _harmless_literal(kw.value):
                            return f"{kw.name}=..."
    return None


_ACCOUNT_FIELDS = frozenset({"is_admin", "is_superuser", "is_staff", "is_moderator", "user_permissions",
                             "is_verified_admin"})
"""Fields only an account has: a privilege wherever they are set."""
_ACCOUNTISH = lazy_compile(r"user|member|account|profile|staff|admin|principal|person|employee|customer|grant|owner|"
                         r"team|subject|identity|role|perm|group|^me$|^self$", re.IGNORECASE)
_GENERIC_NAMES = frozenset({"obj", "o", "instance", "item", "record", "target", "entity", "row", "existing",
                            "current", "result", "model", "data", "x"})


def _resource_role(target: Expr) -> bool:
    """`server.role = new_role`: a `role` (or `permissions`, `groups`) field of an object named for a
    resource that is not an account (a saved database connection's login role), so no privilege."""
    if target.text in _ACCOUNT_FIELDS:
        return False
    root = target.args[0]
    while root.kind in ("attr", "subscript") and root.args:
        root = root.args[0]
    name = root.text if root.kind == "name" else ""
    return bool(name) and name not in _GENERIC_NAMES and not _ACCOUNTISH.search(name)


_REMOVAL = lazy_compile(r"^_*(remove|revoke|without|discard|strip|drop|clear|minus|subtract)", re.IGNORECASE)


def _removal(expr: Expr) -> bool:
    """`ext.permissions = _remove_grant(ext.permissions, grant_id)`: a collection of grants shrinks,
    which grants nothing."""
    if expr.kind == "await" and expr.args:
        expr = expr.args[0]
    return expr.kind == "call" and expr.func.kind in ("name", "attr") and bool(_REMOVAL.match(expr.func.text))


def _harmless_literal(expr: Expr) -> bool:
    """A literal default (`role = "member"`, `is_admin = False`); `True` grants a privilege."""
    return expr.kind in ("str", "num") or (expr.kind == "const" and not expr.is_true)
