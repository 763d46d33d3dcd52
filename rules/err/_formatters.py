"""GraphQL error formatters that put a traceback into the response (read by ERR001).

A GraphQL server turns every error into an entry of the response's `errors` list; a project
can replace the function that builds that entry (`format_error=`, ariadne's `error_formatter=`,
a view's `format_error`). The message itself (`str(error)`) is what GraphQL always sends, so it
is not the leak here: a stack trace, the server's file paths and the failing code are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts

TRACEBACK_CALLS: Final = ("format_exc", "format_exception", "format_tb", "format_stack", "format_exception_only",
                          "extract_stack", "extract_tb")
_DEBUG_NAMES: Final = frozenset({"debug", "is_debug", "debug_mode", "testing", "development", "is_development"})


def _is_trace(expr: Expr, traced: set[str]) -> bool:
    """`expr` holds traceback text: a `traceback.format_*()` call or a name assigned from one."""
    for sub in expr.walk():
        if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text in TRACEBACK_CALLS \
                and "traceback" in (sub.func.dotted or ""):
            return True
        if sub.kind == "name" and sub.text in traced:
            return True
    return False


def _debug_test(expr: Expr) -> bool:
    """An `if` test that reads a debug switch (`settings.DEBUG`, `app.debug`, `self.debug`)."""
    return any(sub.kind in ("name", "attr") and sub.text.lower() in _DEBUG_NAMES for sub in expr.walk())


def _statements(body: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """The statements of a body in source order, without the branches taken only in debug mode."""
    for stmt in body:
        yield stmt
        if stmt.func is not None or stmt.cls is not None:
            continue
        if stmt.kind == "if" and stmt.value is not None and _debug_test(stmt.value):
            yield from _statements(stmt.orelse)
            continue
        yield from _statements((*stmt.body, *stmt.handlers, *stmt.orelse, *stmt.finalbody))


def _root(expr: Expr) -> str:
    """The name an attribute or item chain starts from (`body` for `body["ext"]["stack"]`)."""
    while expr.kind in ("attr", "subscript"):
        expr = expr.args[0]
    return expr.text if expr.kind == "name" else ""


def traceback_leaks(func: FunctionDef) -> Iterator[Stmt]:
    """Statements of an error formatter that put traceback text into what it returns: the
    `return` itself, or a write into the returned object (`entry["extensions"]["stack"] = ...`,
    `entry.update(trace=...)`), directly or through a local name."""
    returned = {stmt.value.text for stmt in walk_stmts(func.body)
                if stmt.kind == "return" and stmt.value is not None and stmt.value.kind == "name"}
    traced: set[str] = set()
    for stmt in _statements(func.body):
        value = stmt.value
        if value is None or not _is_trace(value, traced):
            continue
        if stmt.kind == "return":
            yield stmt
        elif stmt.kind in ("assign", "annassign", "augassign"):
            if {_root(t) for t in stmt.targets} & returned:
                yield stmt  # entry = {"stack": ...} / entry["extensions"]["stack"] = ...
            else:
                traced.update(t.text for t in stmt.targets if t.kind == "name")
        elif stmt.kind == "expr" and value.kind == "call" and value.func.kind == "attr" \
                and _root(value.func.args[0]) in returned:
            yield stmt  # entry.update(stack=traceback.format_exc()), entry["trace"].append(...)
