"""SQL text built from client input: which calls run SQL, how a query string was built, and the
coarse, flow-insensitive scan INJ001 runs over a function and the project functions it calls."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.rules.inj._resolve import method_of, resolve_call
from apilint.rules.inj._sources import is_request_object, is_tainted, tainted_names
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_SQL = lazy_compile(
    r"\b(select\b[\s\S]*\bfrom|insert\s+into|update\b[\s\S]*\bset|delete\s+from|where|order\s+by|"
    r"drop\s+table|create\s+table|alter\s+table|union\s+select)\b",
    re.IGNORECASE,
)
# Methods that run their first argument as SQL (DB-API cursors and connections, SQLAlchemy,
# Django's raw/extra, asyncpg, databases, pandas).
SINKS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "raw", "extra", "mogrify",
                   "fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate",
                   "read_sql", "read_sql_query", "RawSQL"})
# Constructors of executable SQL objects: `text(f"...")` is reported where it is built.
SQL_OBJECTS = frozenset({"text", "RawSQL", "literal_column"})
# A SQL clause inside `text(...)` (`title = '%s' or ...`): a comparison or a clause keyword.
_CLAUSE = lazy_compile(r"""(=|<>|<|>|\b(?:i?like|between)\b|\bin\s*\(|\bis\s+(?:not\s+)?null\b)""", re.IGNORECASE)
_FRAGMENT_SINKS = frozenset({"extra", "RawSQL"})
MAX_DEPTH = 2
# The literal text just before a value slot: inside quotes, or after a comparison, LIKE or IN (.
_VALUE_SLOT = lazy_compile(r"""(['"]%?|(=|<>|!=|<|>|\blike|\bin\s*\()\s*)$""", re.IGNORECASE)


def _literal(expr: Expr) -> str:
    return " ".join(e.text for e in expr.walk() if e.kind == "str")


def _slots(expr: Expr) -> list[tuple[str, Expr]] | None:
    """(literal text before it, value) for each value formatted into a query string."""
    if expr.kind == "fstr" or (expr.kind == "binop" and expr.text == "+"):
        parts = expr.args if expr.kind == "fstr" else (expr.args[0], expr.args[1])
        out, prefix = [], ""
        for part in parts:
            if part.kind == "str":
                prefix += part.text
            else:
                out.append((prefix, part))
                prefix = ""
        return out
    if expr.kind == "binop" and expr.text == "%" and expr.args[0].kind == "str":
        values = expr.args[1].args if expr.args[1].kind == "tuple" else (expr.args[1],)
        pieces = re.split(r"%[-+ #0]*\d*(?:\.\d+)?[sdirfx]", expr.args[0].text)
        return list(zip(pieces, values, strict=False))
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "format" and (
            expr.func.args[0].kind == "str"):
        pieces = re.split(r"\{[^{}]*\}", expr.func.args[0].text)
        return list(zip(pieces, expr.arguments, strict=False))
    return None


def built_sql(expr: Expr, tainted: set[str], sql_vars: set[str], values_only: bool = False,
              fragment: bool = False) -> bool:
    """SQL text built from client input by f-string, `%`, `+` or `.format()` (or a variable holding it).

    `values_only`: the input must fill a value slot (`= '{x}'`, `LIKE '%{x}%'`), not an
    identifier (`FROM {table}`), as a query built from a value apilint cannot trace is only
    reported when it is plainly a value that should have been a bound parameter.
    `fragment`: the text is SQL by where it goes (Django's `extra(where=...)`, `RawSQL`), so it
    need not look like a statement.
    """
    if expr.kind == "name":
        return expr.text in sql_vars
    if expr.kind == "call" and (expr.func.dotted or "").rsplit(".", 1)[-1] in SQL_OBJECTS and expr.positional:
        inner = expr.positional[0]  # sqlalchemy.text(f"..."): SQL by construction, a clause will do
        return built_sql(inner, tainted, sql_vars, values_only, fragment or bool(_CLAUSE.search(_literal(inner))))
    if expr.kind == "binop" and expr.text == "+" and any(built_sql(a, tainted, sql_vars, values_only)
                                                         for a in expr.args):
        return True
    slots = _slots(expr)
    if slots is None or not (fragment or _SQL.search(_literal(expr))):
        return False
    return any(is_tainted(value, tainted) and (not values_only or bool(_VALUE_SLOT.search(prefix)))
               for prefix, value in slots)


def _sql_args(call: Expr) -> list[Expr]:
    """The arguments of a SQL sink that may hold query text: the first, and Django's `extra(where=[...])`."""
    out = list(call.positional[:1])
    for kw in call.keywords:
        if kw.name in ("sql", "query", "raw_query", "statement", "where", "select", "tables", "order_by"):
            out += list(kw.value.args) if kw.value.kind in ("list", "tuple") else [kw.value]
        if kw.name == "select" and kw.value.kind == "dict":
            out += list(kw.value.args[1::2])
    return out


def scan(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef, seeds: set[str], depth: int,
         via: str = "", values_only: bool = False) -> Iterator[tuple[Location, str]]:
    """(line, helper) of every SQL sink in `func` (and the project functions it hands input to)
    whose query text is built from the seeds or from request data."""
    tainted = tainted_names(func, seeds)
    sql_vars: set[str] = set()
    objects: dict[str, Expr] = {}
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("assign", "annassign") and stmt.value is not None and stmt.value.kind == "call":
            objects.update((t.text, stmt.value) for t in stmt.targets if t.kind == "name")
        if stmt.kind in ("assign", "annassign", "augassign") and stmt.value is not None:
            if built_sql(stmt.value, tainted, sql_vars, values_only) or (
                    stmt.kind == "augassign" and any(t.text in sql_vars for t in stmt.targets)
                    and is_tainted(stmt.value, tainted)):
                sql_vars.update(t.text for t in stmt.targets if t.kind == "name")
        for expr in stmt.own_exprs():
            for call in expr.calls():
                name = call.func.last_name
                fragment = name in _FRAGMENT_SINKS
                if name in SINKS and any(built_sql(a, tainted, sql_vars, values_only, fragment)
                                         for a in _sql_args(call)):
                    yield Location(mod.path, stmt.line), via
                elif name in SQL_OBJECTS and not (stmt.kind in ("assign", "annassign") and stmt.value == call) \
                        and built_sql(call, tainted, sql_vars, values_only):
                    # `query.filter(text(f"..."))`, `rows = q.order_by(text(f"{sort}"))`; a bare
                    # `sql = text(f"...")` is reported where it runs
                    yield Location(mod.path, stmt.line), via
                elif depth < MAX_DEPTH and name not in SINKS:
                    yield from _follow(index, mod, func, call, tainted, depth, values_only, objects)


def _instance_attrs(index: ProjectIndex, mod: ModuleSummary, ctor: Expr,
                    tainted: set[str]) -> tuple[ModuleSummary, str, set[str]] | None:
    """`Cls(...)` of a project class: its module, name and the `self.x` its `__init__` fills from
    client input."""
    symbol = index.resolve(mod, ctor.func)
    if symbol is None or symbol.cls is None:
        return None
    init = method_of(index, symbol.module, symbol.cls.name, "__init__")
    if init is None:
        return None
    params = [p for p in init[1].params if p.kind in ("pos", "posonly", "kwonly") and p.name not in ("self", "cls")]
    seeds = {p.name for p, a in zip(params, ctor.positional, strict=False) if is_tainted(a, tainted)}
    seeds |= {kw.name for kw in ctor.keywords if kw.name and is_tainted(kw.value, tainted)}
    attrs = {n for n in tainted_names(init[1], seeds) if n.startswith("self.")} if seeds else set()
    return symbol.module, symbol.cls.name, attrs


def _follow(index: ProjectIndex, mod: ModuleSummary, caller: FunctionDef, call: Expr, tainted: set[str],
            depth: int, values_only: bool, objects: dict[str, Expr]) -> Iterator[tuple[Location, str]]:
    """Enter a project function with the parameters that receive client input marked (and a
    helper handed the request object, which reads the input itself)."""
    passed = [is_tainted(arg, tainted) for arg in call.positional]
    passed_kw = {kw.name for kw in call.keywords if kw.name and is_tainted(kw.value, tainted)}
    handed_request = any(is_request_object(a) for a in call.args[1:])
    on_self: set[str] = set()
    if call.func.kind == "attr" and call.func.args[0].kind == "name" and call.func.args[0].text == "self":
        on_self = {n for n in tainted if n.startswith("self.")}  # what this method stored on the instance
    if not any(passed) and not passed_kw and not handed_request and not on_self and not (
            call.func.kind == "attr" and call.func.args[0].kind == "name" and call.func.args[0].text in objects):
        return
    owner = caller.qualname.rpartition(".")[0]
    receiver = call.func.args[0] if call.func.kind == "attr" else None
    target = None
    if receiver is not None and receiver.kind == "name" and receiver.text in objects and receiver.text in tainted:
        found = _instance_attrs(index, mod, objects[receiver.text], tainted)  # `report = Report(db, region)`
        if found is not None and found[2]:
            on_self = found[2]
            target = method_of(index, found[0], found[1], call.func.text)
    if target is None and on_self and owner and "<locals>" not in owner:
        target = method_of(index, mod, owner.split(".")[0], call.func.text)
    elif target is None:
        target = resolve_call(index, mod, call)
    if target is None:
        return
    callee_mod, callee = target
    params = [p for p in callee.params if p.kind in ("pos", "posonly", "kwonly") and p.name not in ("self", "cls")]
    seeds = {p.name for p, hot in zip(params, passed, strict=False) if hot} | (passed_kw & {p.name for p in params})
    if seeds or handed_request or on_self:
        yield from scan(index, callee_mod, callee, seeds | on_self, depth + 1, callee.name, values_only)
