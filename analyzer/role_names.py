"""`RoleCheck`: a role check found in the code, with the role names it admits.

Adapters find role checks in many shapes (a decorator call `roles_required("admin")`, a checker
built with arguments `Depends(RoleChecker([Role.CUSTOMER]))`, a guard `if user.role != "admin":
raise ...`, a wrapper's `check_token(required_role=["staff"])`). Each becomes the evidence's
text and, read here from the expression itself, the role names it admits: rules then ask which
roles a gate lets through without reading code text back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.summary import Expr

_ROLE_TEXT = lazy_compile(r"[A-Za-z][\w-]*")
_ROLE_FIELDS = lazy_compile(r"role|group|permission|perm|scope|privilege|level|rank|tier|is_admin|is_staff",
                          re.IGNORECASE)
"""Words of an operand that holds the caller's role (`user.role`, `current_user.groups`)."""
_LITERALS = frozenset({"str", "fstr", "num", "const", "list", "tuple", "set"})
_NOT_ROLES = frozenset({"value", "name", "self", "true", "false", "none", "list", "set", "tuple"})


class RoleCheck(NamedTuple):
    """A role check: a short description for messages, and the roles it admits (lower-case)."""

    text: str
    roles: tuple[str, ...] = ()


def role_check(expr: Expr, limit: int = 60) -> RoleCheck:
    """The check an expression makes: its source text and the roles it names."""
    return RoleCheck(expr.render(limit), admitted_roles(expr))


def admitted_roles(expr: Expr | None) -> tuple[str, ...]:
    """Role names a check admits, lower-case, in source order: string literals and constant-like
    names (`Role.CUSTOMER`, `ADMIN`) among a call's arguments, on the compared side of a
    comparison with a role field, or in a literal; empty when the expression names none."""
    if expr is None:
        return ()
    if expr.kind == "call":
        values: Sequence[Expr] = expr.arguments
    elif expr.kind == "compare":
        values = list(_compared(expr))
    elif expr.kind in ("str", "list", "tuple", "set", "name", "attr"):
        values = [expr]
    else:  # a guard's test: `not user.is_admin and user.role != "staff"`
        values = [v for sub in expr.walk() if sub.kind == "compare" for v in _compared(sub)]
    out: dict[str, None] = {}
    for value in values:
        for sub in value.walk():
            name = _role_name(sub)
            if name is not None:
                out[name] = None
    return tuple(out)


def _compared(compare: Expr) -> Iterator[Expr]:
    """The operands of a comparison that hold the compared roles: all but the role field."""
    operands = compare.args
    fields = [o for o in operands if _holds_role(o)]
    yield from (o for o in operands if o not in fields) if fields else operands


def _holds_role(operand: Expr) -> bool:
    """`user.role`, `claims["roles"]`, `g.get("current_role")`, a `role` parameter: an operand that
    reads the caller's role, not a literal or a constant that names one."""
    if operand.kind in _LITERALS or (operand.kind == "name" and operand.text.isupper()) or \
            (operand.kind == "attr" and _constant(operand)):
        return False
    return _ROLE_FIELDS.search(operand.render(120)) is not None


def _constant(expr: Expr) -> bool:
    """`Role.ADMIN`, `UserRole.admin`: a member of a class, not a field of an object."""
    root = (expr.dotted or "").split(".", 1)[0]
    return expr.text.isupper() or root[:1].isupper()


def _role_name(expr: Expr) -> str | None:
    if expr.kind == "str":
        return expr.text.lower() if _ROLE_TEXT.fullmatch(expr.text) else None
    constant = (expr.kind == "attr" and expr.dotted is not None and _constant(expr)) or \
        (expr.kind == "name" and expr.text.isupper())
    return expr.text.lower() if constant and expr.text.lower() not in _NOT_ROLES else None
