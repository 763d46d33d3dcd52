"""SQL written as text in the project: literals, their comma-separated parts, `CREATE TABLE` columns.

Shared by the rules that read hand-written SQL for what it stores or returns (SECRET004's seed
`INSERT`s, EXPO002's `SELECT *` rows); INJ001 reads how SQL is built, not what it says.
"""

from __future__ import annotations

import re
import weakref
from typing import Final

from apilint.lazy_regex import lazy_compile
from apilint.model import Confidence
from apilint.project import ProjectIndex
from apilint.rules.secret._values import Where, walk
from apilint.summary import Expr, Stmt

_CREATE: Final = lazy_compile(r"\bcreate\s+table\s+(?:if\s+not\s+exists\s+)?[`\"\[]?(\w+)[`\"\]]?\s*\((.*)\)",
                            re.IGNORECASE | re.DOTALL)
_CONSTRAINTS: Final = frozenset({"primary", "foreign", "unique", "constraint", "check", "key", "index"})
_TABLES: weakref.WeakKeyDictionary[ProjectIndex, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()


def literal_text(expr: Expr, field: str | None = None) -> str | None:
    """The text of a string literal; of an f-string too, with each replacement field written as
    `field` (None: only an f-string without replacement fields has a text)."""
    if expr.kind == "str":
        return expr.text
    if expr.kind == "fstr" and (field is not None or all(a.kind == "str" for a in expr.args)):
        return "".join(a.text if a.kind == "str" else (field or "") for a in expr.args)
    return None


def local_value(body: tuple[Stmt, ...], name: str, before: int) -> Expr | None:
    """The value last assigned to `name` by a statement of `body` before line `before`."""
    found: Expr | None = None
    for stmt in body:
        if stmt.line >= before:
            break
        if stmt.kind == "assign" and stmt.value is not None and any(
                t.kind == "name" and t.text == name for t in stmt.targets):
            found = stmt.value
    return found


def local_text(body: tuple[Stmt, ...], name: str, before: int, field: str | None = None) -> str | None:
    """The literal last assigned to `name` by a statement of `body` before line `before`."""
    value = local_value(body, name, before)
    return literal_text(value, field) if value is not None else None


def split_items(text: str) -> list[str]:
    """Comma-separated items at the top level of `text` (quotes and parentheses kept together)."""
    items: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    items.append(text[start:].strip())
    return [i for i in items if i]


def table_columns(index: ProjectIndex, table: str) -> tuple[str, ...] | None:
    """The columns of `table` as the project's own `CREATE TABLE` text declares them (None: no such text)."""
    tables = _TABLES.get(index)
    if tables is None:
        tables = _TABLES[index] = _create_tables(index)
    return tables.get(table.lower())


def _create_tables(index: ProjectIndex) -> dict[str, tuple[str, ...]]:
    tables: dict[str, tuple[str, ...]] = {}
    for mod in index:
        if not (mod.mentions("create") and mod.mentions("table")):
            continue
        for stmt, _where in walk(mod.body, Where(None, (), Confidence.MEDIUM, False)):
            for expr in stmt.own_exprs():
                for sub in expr.walk():
                    text = literal_text(sub) if sub.kind in ("str", "fstr") else None
                    match = _CREATE.search(text) if text else None
                    if match is not None:
                        columns = [c.split()[0].strip("`\"[]") for c in split_items(match.group(2))]
                        tables.setdefault(match.group(1).lower(), tuple(
                            c for c in columns if c and c.lower() not in _CONSTRAINTS))
    return tables


__all__ = ["literal_text", "local_text", "split_items", "table_columns"]
