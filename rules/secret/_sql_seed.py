"""Accounts written straight into an account table by SQL with a literal password (SECRET004).

`INSERT INTO users (username, password) VALUES ('admin', 'admin')`, the same with `?` / `%s` /
`:name` placeholders and a literal parameter tuple (`("admin", hash_password("admin"))`), and an
`INSERT INTO users VALUES (...)` without a column list, whose columns come from the project's
`CREATE TABLE users (...)`. The SQL may sit in the call or in a local name assigned before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Final, NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.model import Confidence
from apilint.project import ProjectIndex
from apilint.rules._sql_text import literal_text, local_text, local_value, split_items, table_columns
from apilint.rules.secret._names import is_password_name
from apilint.rules.secret._values import Where, usable, walk
from apilint.summary import Expr, ModuleSummary, Stmt

_INSERT: Final = lazy_compile(
    r"\binsert\s+(?:or\s+\w+\s+)?into\s+[`\"\[]?(?:\w+[`\"\]]?\.[`\"\[]?)?(\w+)[`\"\]]?\s*(?:\(([^)]*)\))?\s*"
    r"values\s*\((.*)\)", re.IGNORECASE | re.DOTALL)
_ACCOUNT_TABLE: Final = lazy_compile(r"user|account|admin|member|login|credential|operator|agent|staff|employee|"
                                   r"customer|profile|person|people", re.IGNORECASE)
"""A table of people who log in (`users`, `app_accounts`, `tbl_user`, `agents`), not a service's settings."""
_PLACEHOLDER: Final = lazy_compile(r"^(\?|%s|\$\d+|:\w+|%\(\w+\)s)$")
_NAMED: Final = lazy_compile(r"^(?::(\w+)|%\((\w+)\)s)$")
_NOT_VALUE: Final = frozenset({"null", "default", "true", "false", "current_timestamp", "now"})
_HASHED: Final = lazy_compile(r"^(\$2[aby]?\$|\$argon2|pbkdf2[_:$]|scrypt:|sha\d+\$|md5\$|[0-9a-f]{32,}$)",
                            re.IGNORECASE)
"""A stored hash, not a password anyone can type: the password behind it is not in the code."""
_EXECUTE: Final = frozenset({"execute", "executemany", "exec_driver_sql", "executescript", "run_sql"})


class SeedInsert(NamedTuple):
    """One SQL statement that creates an account with a password written in the code."""

    stmt: Stmt
    where: Where
    table: str


PasswordJudge = Callable[[Expr], "tuple[bool, bool] | None"]
"""`_literal_password` of SECRET004: (literal, only an environment fallback) or None."""


def sql_seed_inserts(index: ProjectIndex, mod: ModuleSummary, judge: PasswordJudge) -> Iterator[SeedInsert]:
    """Every statement of `mod` whose SQL inserts an account with a literal password."""
    if not (mod.mentions("insert") and mod.mentions("into") and mod.mentions("values")):
        return
    for stmt, where in walk(mod.body, Where(None, (), Confidence.MEDIUM, False)):
        if stmt.func is not None or stmt.cls is not None or not _may_insert(stmt):
            continue
        for sql, params in _statements(stmt, where):
            match = _INSERT.search(sql)
            if match is None or not _ACCOUNT_TABLE.search(match.group(1)):
                continue
            columns = split_items(match.group(2)) if match.group(2) is not None else table_columns(
                index, match.group(1))
            if columns is None:
                continue  # no column list and no CREATE TABLE: which value is the password is unknown
            if _has_literal_password(columns, split_items(match.group(3)), params, judge):
                yield SeedInsert(stmt, where, match.group(1))
                break


def _may_insert(stmt: Stmt) -> bool:
    """A statement holding a string that says `insert`, or an execute call (its SQL may be in a local
    assigned before): the only ones `_statements` can find an insert in."""
    for expr in stmt.own_exprs():
        for sub in expr.walk():
            if sub.kind == "str" and "insert" in sub.text.lower():
                return True
            if sub.kind == "call" and sub.args[0].kind in ("attr", "name") and sub.args[0].text in _EXECUTE:
                return True
    return False


def _statements(stmt: Stmt, where: Where) -> Iterator[tuple[str, Expr | None]]:
    """(SQL text, parameters) of the statement: its SQL-looking literals, with the parameters of the
    execute call that takes them (directly or through a local name assigned before)."""
    executed: set[int] = set()
    for expr in stmt.own_exprs():
        for call in expr.calls():
            name = call.func.last_name
            if name not in _EXECUTE or not call.positional:
                continue
            first = call.positional[0]
            params = call.positional[1] if len(call.positional) > 1 else call.arg(1, "parameters")
            if params is not None and params.kind == "name" and where.func is not None:
                params = local_value(where.func.body, params.text, stmt.line)
            text = literal_text(first)
            if text is None and params is not None and first.kind == "name" and where.func is not None:
                text = local_text(where.func.body, first.text, stmt.line)  # (without parameters the
                # assignment's own literal is the finding)
            if text is not None:
                executed.add(id(first))
                yield text, params
    for expr in stmt.own_exprs():
        parts = {id(a) for sub in expr.walk() if sub.kind == "fstr" for a in sub.args}
        for sub in expr.walk():
            if id(sub) not in executed and id(sub) not in parts and sub.kind in ("str", "fstr"):
                text = literal_text(sub)
                if text is not None and len(text) > 20:
                    yield text, None


def _has_literal_password(columns: Sequence[str], values: list[str], params: Expr | None,
                          judge: PasswordJudge) -> bool:
    """Whether the value written to a password column is a literal (in the SQL or its parameters)."""
    rows = _param_rows(params)
    placeholder = 0
    for column, value in zip(columns, values, strict=False):
        is_param = bool(_PLACEHOLDER.match(value))
        position = placeholder
        placeholder += is_param
        if not is_password_name(column.strip("`\"[]")):
            continue
        if is_param:
            for row in rows:
                found = _param(row, value, position)
                if found is None:
                    continue
                literal = judge(found)
                if literal is not None and not literal[1] and not _HASHED.match(_shown(found)):
                    return True
            continue
        typed = value.strip()
        if typed[:1] in "'\"" and typed[-1:] == typed[:1]:
            typed = typed[1:-1]
        elif not re.fullmatch(r"[A-Za-z_]\w*", typed) or typed.lower() in _NOT_VALUE:
            continue  # a number, an expression or a keyword, not a typed password
        if usable(typed) and not _HASHED.match(typed):
            return True
    return False


def _param_rows(params: Expr | None) -> list[Expr]:
    """The parameter sets of an execute call: one tuple or dict, or the rows of an executemany list."""
    if params is None:
        return []
    if params.kind == "list" and params.args and all(a.kind in ("tuple", "dict", "list") for a in params.args):
        return list(params.args)
    return [params] if params.kind in ("tuple", "list", "dict") else []


def _param(row: Expr, placeholder: str, position: int) -> Expr | None:
    """The parameter a placeholder takes from one parameter set."""
    if row.kind == "dict":
        named = _NAMED.match(placeholder)
        key = (named.group(1) or named.group(2)) if named is not None else ""
        for k, v in zip(row.args[::2], row.args[1::2], strict=False):
            if k.kind == "str" and k.text == key:
                return v
        return None
    return row.args[position] if position < len(row.args) else None


def _shown(expr: Expr) -> str:
    """A literal's text, or the literal inside a hash call, for the stored-hash test."""
    for sub in expr.walk():
        if sub.kind == "str":
            return sub.text
    return ""


__all__ = ["SeedInsert", "sql_seed_inserts"]
