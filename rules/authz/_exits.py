"""How a block ends a request: turned away (`raise`, `abort(403)`, a 401/403/404 answer), answered
403 (an authorization decision), or stopped early in any way."""

from __future__ import annotations

from apilint.summary import Stmt, walk_stmts

_REJECTING_CALLS = frozenset({"abort", "flask_abort", "deny", "forbid", "permission_denied", "handle_no_permission"})
"""Calls that end the request with a rejection (DRF's `self.permission_denied(...)` raises)."""
_REJECT_WORDS = ("forbidden", "notfound", "http404", "permissiondenied", "unauthorized", "403", "404", "401")
"""Words of names that answer a rejection, compared lower-cased without underscores (`HTTPStatus.FORBIDDEN`)."""


def forbids(body: tuple[Stmt, ...]) -> bool:
    """True when the block answers 403 (an authorization decision, unlike a 404 or 400)."""
    for stmt in walk_stmts(body):
        if stmt.kind in ("return", "raise") or (stmt.kind == "expr" and stmt.value is not None):
            for sub in stmt.value.walk() if stmt.value is not None else ():
                if (sub.kind == "num" and sub.text == "403") or \
                        (sub.kind in ("name", "attr") and any(w in sub.text for w in ("Forbidden", "FORBIDDEN",
                                                                                       "PermissionDenied"))):
                    return True
    return False


def rejects(body: tuple[Stmt, ...]) -> bool:
    """True when the block raises, aborts, or returns a 401/403/404 response."""
    for stmt in walk_stmts(body):
        if stmt.kind == "raise":
            return True
        if stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "call":
            if stmt.value.func.last_name in _REJECTING_CALLS:
                return True
        if stmt.kind == "return" and stmt.value is not None:
            for sub in stmt.value.walk():
                if sub.kind == "num" and sub.text in ("401", "403", "404"):
                    return True
                if sub.kind in ("name", "attr") and any(w in sub.text.replace("_", "").lower() for w in _REJECT_WORDS):
                    return True
    return False


def stops(body: tuple[Stmt, ...]) -> bool:
    """True when the block ends the request early: it returns, raises or aborts."""
    for stmt in walk_stmts(body):
        if stmt.kind in ("raise", "return"):
            return True
        if stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "call" and \
                stmt.value.func.last_name in _REJECTING_CALLS:
            return True
    return False
