"""Branches that load the same object two ways: one restricted to the caller, the other not.

`if flag: book = Book.query.filter_by(title=title).first()` / `else: book =
Book.query.filter_by(user=user, title=title).first()`: the scan of the whole function sees the
scoped query and calls the access checked. When the condition is not about the caller (a feature
flag, a query parameter, a setting), the code itself says the object must be scoped, and one path
skips it. A condition about the caller's role (`if user.is_admin:`) decides legitimately who sees
everything, and a branch restricted to public objects is public by design; neither is reported.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.rules.authz._loads import Scan, Scanner
from apilint.rules.authz._names import mentions_any, mentions_user
from apilint.summary import FunctionDef, ModuleSummary, Stmt, walk_stmts

_CALLER_WORDS = lazy_compile(r"admin|staff|superuser|role|perm|owner|privileg|scope|group|member|is_authenticated",
                           re.IGNORECASE)
"""A condition naming the caller's standing: the branch is a role decision, not a lapse."""
_PUBLIC_WORDS = lazy_compile(r"public|published|visib|shared|listed", re.IGNORECASE)
"""A branch restricted to objects meant for everyone."""


class Arm(NamedTuple):
    """The scan of a function taking one branch of an `if`, and that `if`."""

    scan: Scan
    test: Stmt


def unscoped_arm(scanner: Scanner, mod: ModuleSummary, func: FunctionDef, taint: dict[str, str],
                 users: set[str], loaded: set[str]) -> Arm | None:
    """The first branch of an `if`/`else` that loads the object unchecked while the other branch
    restricts the same access to the caller, when the condition is not about the caller."""
    tainted = _derived(func, set(taint))
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None or not stmt.body or not stmt.orelse:
            continue
        if mentions_user(stmt.value, users) or _CALLER_WORDS.search(stmt.value.render(120)):
            continue  # `if user.is_admin:` the caller's role picks the branch
        arms = (stmt.body, stmt.orelse)
        if not all(_uses(arm, tainted) for arm in arms):
            continue
        scans = [scanner.scan(mod, func._replace(body=_taking(func.body, stmt, arm)), taint, users, loaded)
                 for arm in arms]
        for mine, other, arm in ((scans[0], scans[1], arms[0]), (scans[1], scans[0], arms[1])):
            if other.owned and not mine.owned and mine.loads and not _public_only(arm):
                return Arm(mine, stmt)
    return None


def _derived(func: FunctionDef, names: set[str]) -> set[str]:
    """The ID names and the locals assigned from them, in one pass."""
    out = set(names)
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("assign", "annassign") and stmt.value is not None and mentions_any(stmt.value, out):
            out.update(n for t in stmt.targets for n in t.names())
    return out


def _uses(arm: tuple[Stmt, ...], names: set[str]) -> bool:
    return any(mentions_any(e, names) for s in walk_stmts(arm) for e in s.own_exprs())


def _public_only(arm: tuple[Stmt, ...]) -> bool:
    return any(_PUBLIC_WORDS.search(e.render(200)) for s in walk_stmts(arm) for e in s.own_exprs())


def _taking(body: tuple[Stmt, ...], target: Stmt, arm: tuple[Stmt, ...]) -> tuple[Stmt, ...]:
    """`body` with the `if` statement `target` replaced by the statements of one of its branches."""
    out: list[Stmt] = []
    for stmt in body:
        if stmt is target:
            out.extend(arm)
            continue
        if stmt.body or stmt.orelse or stmt.handlers or stmt.finalbody:
            stmt = stmt._replace(body=_taking(stmt.body, target, arm), orelse=_taking(stmt.orelse, target, arm),
                                 handlers=_taking(stmt.handlers, target, arm),
                                 finalbody=_taking(stmt.finalbody, target, arm))
        out.append(stmt)
    return tuple(out)
