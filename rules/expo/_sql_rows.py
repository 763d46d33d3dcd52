"""Rows of hand-written SQL a handler returns: `cur.execute("SELECT * FROM users ...")` then
`return jsonify(cur.fetchall())`, `dict(row)`, or the rows formatted into a message.

`SELECT *` takes the table's columns from the project's `CREATE TABLE` text (unknown without
it: no shape); an explicit column list is read as written (`password AS pw` is `pw`).
"""

from __future__ import annotations

import re
from typing import Final

from apilint.lazy_regex import lazy_compile
from apilint.model import Confidence
from apilint.rules._sql_text import literal_text, split_items, table_columns
from apilint.rules.expo._flow import HandlerTypes
from apilint.summary import Expr, walk_stmts

_FETCH: Final = frozenset({"fetchall", "fetchone", "fetchmany"})
_EXECUTE: Final = frozenset({"execute", "exec_driver_sql"})
_SELECT: Final = lazy_compile(r"^\s*select\s+(?:distinct\s+)?(.*?)\s+from\s+[`\"\[]?(?:\w+[`\"\]]?\.[`\"\[]?)?(\w+)",
                            re.IGNORECASE | re.DOTALL)
_ALIAS: Final = lazy_compile(r"\s+as\s+[`\"\[]?(\w+)[`\"\]]?\s*$", re.IGNORECASE)


def sql_rows(scope: HandlerTypes, expr: Expr) -> tuple[tuple[str, ...], bool, str, Confidence] | None:
    """(columns, whether `SELECT *`, how it is sent, confidence) when `expr` holds rows of a
    literal `SELECT` the handler runs; None when it does not or the columns cannot be read."""
    found = _fetch_call(scope, expr, 0)
    if found is None:
        return None
    fetch = found[0]
    receiver = fetch.func.args[0]
    sql: Expr | None = None
    if receiver.kind == "call" and receiver.func.kind == "attr" and receiver.func.text in _EXECUTE:
        sql = receiver.positional[0] if receiver.positional else None
    elif receiver.kind == "name":
        sql = _last_execute(scope, receiver.text)
    if sql is not None and sql.kind == "name" and sql.text in scope.assigned:
        sql = scope.assigned[sql.text]
    text = literal_text(sql, "?") if sql is not None else None
    match = _SELECT.match(text) if text else None
    if match is None:
        return None
    items = split_items(match.group(1))
    star = any(i == "*" or i.endswith(".*") for i in items)
    columns: list[str] = []
    for item in items:
        if item == "*" or item.endswith(".*"):
            known = table_columns(scope.facts.index, match.group(2))
            if known is None:
                return None  # `SELECT *` of a table the project does not declare: columns unknown
            columns.extend(known)
            continue
        alias = _ALIAS.search(item)
        name = alias.group(1) if alias else item.rsplit(".", 1)[-1].strip("`\"[] ")
        if re.fullmatch(r"\w+", name):
            columns.append(name)
    shown = "*" if star else ", ".join(items[:3]) + (", ..." if len(items) > 3 else "")
    return tuple(columns), star, f"the rows of `SELECT {shown} FROM {match.group(2)}`", Confidence.HIGH


def _fetch_call(scope: HandlerTypes, expr: Expr, depth: int) -> tuple[Expr, bool] | None:
    """The `fetchall()` / `fetchone()` call whose rows `expr` holds, and whether `expr` holds a list
    of rows, through names, `dict(row)` and `rows[0]` (`row["id"]` and `row[0]` are one column)."""
    if depth > 4:
        return None
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in _FETCH:
        return expr, expr.func.text != "fetchone"
    if expr.kind == "call" and expr.func.kind == "name" and expr.func.text in ("dict", "list", "tuple") \
            and expr.positional:
        return _fetch_call(scope, expr.positional[0], depth + 1)
    if expr.kind == "subscript" and len(expr.args) == 2 and expr.args[1].kind == "num":
        inner = _fetch_call(scope, expr.args[0], depth + 1)
        return (inner[0], False) if inner is not None and inner[1] else None
    if expr.kind == "name" and expr.text in scope.assigned:
        return _fetch_call(scope, scope.assigned[expr.text], depth + 1)
    return None


def _last_execute(scope: HandlerTypes, cursor: str) -> Expr | None:
    """The SQL of the handler's last `cursor.execute(sql, ...)`."""
    found: Expr | None = None
    for stmt in walk_stmts(scope.func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind == "attr" and call.func.text in _EXECUTE and call.positional \
                        and call.func.args[0].kind == "name" and call.func.args[0].text == cursor:
                    found = call.positional[0]
    return found


__all__ = ["sql_rows"]
