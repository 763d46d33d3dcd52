"""Sessions checked against a value fixed in the code: `request.COOKIES.get("sessionid") == "1337"`.

A login that hands every user the same session value, and a check that lets in whoever sends it,
make the session a constant anyone can send. The check is read in the handler and in the module's
functions the handler passes the request to (`if not is_authenticated(request): ...`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.rules.inj._sources import is_request_object
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_SESSION_COOKIE = lazy_compile(r"(?:^|[-_])(?:sess(?:ion)?(?:[-_]?id)?|sid|auth(?:[-_]?token)?|logged[-_]?in|login)$",
                             re.IGNORECASE)
"""Cookie names that carry the caller's session or login state."""
_COOKIE_STORES = frozenset({"COOKIES", "cookies"})


class FixedSession(NamedTuple):
    """A comparison of a session cookie with a value written in the code."""

    line: int
    function: str
    cookie: str
    value: str


def module_constants(mod: ModuleSummary) -> dict[str, str]:
    """Module-level names bound to a string or number literal (`SESSION_COOKIE_NAME = "APP_SESSION"`)."""
    out: dict[str, str] = {}
    for stmt in mod.body:
        if stmt.kind == "assign" and stmt.value is not None and stmt.value.kind in ("str", "num"):
            for target in stmt.targets:
                if target.kind == "name":
                    out[target.text] = stmt.value.text
    return out


def fixed_sessions(mod: ModuleSummary, handler: FunctionDef, consts: dict[str, str]) -> Iterator[FixedSession]:
    """The fixed-value session checks in `handler` and in the module functions it hands `request` to."""
    yield from _in_function(handler, consts)
    defined = {f.name: f for f in mod.functions() if "." not in f.qualname}
    seen: set[str] = set()
    for stmt in walk_stmts(handler.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind != "name" or call.func.text in seen or call.func.text not in defined:
                    continue
                if any(is_request_object(a) for a in call.positional):
                    seen.add(call.func.text)
                    yield from _in_function(defined[call.func.text], consts)


def _in_function(func: FunctionDef, consts: dict[str, str]) -> Iterator[FixedSession]:
    for stmt in walk_stmts(func.body):
        if stmt.value is None or stmt.kind not in ("if", "return", "assign", "assert", "while"):
            continue
        for sub in stmt.value.walk():
            if sub.kind != "compare" or sub.text not in ("==", "!=") or len(sub.args) != 2:
                continue
            left, right = sub.args
            for side, other in ((left, right), (right, left)):
                cookie = _session_cookie(side, consts)
                value = _constant(other, consts)
                if cookie is not None and value:
                    yield FixedSession(stmt.line, func.name, cookie, value)
                    break


def _session_cookie(e: Expr, consts: dict[str, str]) -> str | None:
    """The cookie name of `request.COOKIES.get(NAME)` / `request.cookies["sid"]` when it names a session."""
    key: Expr | None = None
    holder: Expr | None = None
    if e.kind == "call" and e.func.kind == "attr" and e.func.text == "get" and e.positional:
        key, holder = e.positional[0], e.func.args[0]
    elif e.kind == "subscript" and len(e.args) == 2:
        holder, key = e.args
    if key is None or holder is None or holder.kind != "attr" or holder.text not in _COOKIE_STORES or \
            not is_request_object(holder.args[0]):
        return None
    name = _constant(key, consts)
    return name if name and _SESSION_COOKIE.search(name) else None


def _constant(e: Expr, consts: dict[str, str]) -> str | None:
    if e.kind in ("str", "num"):
        return e.text
    if e.kind == "name":
        return consts.get(e.text)
    return None
