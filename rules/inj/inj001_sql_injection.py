"""INJ001: request data formatted into SQL text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.model import Location, Route
from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.inj._resolve import resolve_call
from apilint.rules.inj._sources import input_params, is_tainted, resolver_entry_points, tainted_names
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_SQL = re.compile(
    r"\b(select\b[\s\S]*\bfrom|insert\s+into|update\b[\s\S]*\bset|delete\s+from|where|order\s+by|"
    r"drop\s+table|create\s+table|alter\s+table|union\s+select)\b",
    re.IGNORECASE,
)
_SINKS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "raw", "extra", "mogrify"})
_MAX_DEPTH = 2


def _literal(expr: Expr) -> str:
    return " ".join(e.text for e in expr.walk() if e.kind == "str")


def _built_sql(expr: Expr, tainted: set[str], sql_vars: set[str]) -> bool:
    """SQL text built from client input by f-string, `%`, `+` or `.format()` (or a variable holding it)."""
    if expr.kind == "name":
        return expr.text in sql_vars
    if expr.kind == "fstr":
        dynamic = [part for part in expr.args if part.kind != "str"]
        return bool(_SQL.search(_literal(expr))) and any(is_tainted(part, tainted) for part in dynamic)
    if expr.kind == "binop" and expr.text in ("%", "+"):
        return bool(_SQL.search(_literal(expr))) and (
            is_tainted(expr, tainted) or any(_built_sql(a, tainted, sql_vars) for a in expr.args))
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "format":
        template = expr.func.args[0]
        values = [*expr.positional, *(kw.value for kw in expr.keywords)]
        return (template.kind == "str" and bool(_SQL.search(template.text))
                and any(is_tainted(v, tainted) for v in values))
    if expr.kind == "call" and (expr.func.dotted or "").rsplit(".", 1)[-1] == "text" and expr.positional:
        return _built_sql(expr.positional[0], tainted, sql_vars)  # sqlalchemy.text(f"...")
    return False


class SqlInjection(Rule):
    """
    ## What it finds
    SQL text built from client input with an f-string, `%`, `+` or `.format()` and handed to
    a database call: `cursor.execute(...)`, `session.execute(text(...))`,
    `connection.exec_driver_sql(...)`, Django's `Model.objects.raw(...)` / `.extra(...)`.
    Client input is a route's path, query and body parameters and what it reads from the
    request (`request.args`, `request.form`, `request.GET`, `await request.json()`), followed
    through local variables and up to two calls deep into project functions (a model method
    that runs the query). Anchor: the line of the database call.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    ## Why it matters
    An attacker who controls part of the SQL text can read or change any row, bypass login
    checks (`' OR '1'='1`) or drop tables (CWE-89 SQL Injection; OWASP API8:2023 Security
    Misconfiguration, and the data access it opens behind API1/API3).

    ## Options
    None.

    ## Known limitations
    Only route handlers and the project functions they call are followed; SQL assembled in
    background jobs or management commands is not analysed. Values checked against an
    allow-list before formatting are still reported, at the same confidence: pass them as
    bound parameters instead. Queries built through a helper that returns SQL text from its
    arguments are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/89.html
    - https://owasp.org/www-community/attacks/SQL_Injection
    - https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text
    """

    code = "INJ001"
    name = "sql-injection"
    summary = "Request data formatted into SQL text"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (89,)
    owasp = ("API8:2023",)

    bad = Example("""
        import sqlite3

        from flask import Flask, jsonify
        from flask_login import login_required

        app = Flask(__name__)


        @app.route("/users/<username>")
        @login_required
        def get_user(username):
            db = sqlite3.connect("app.db")
            row = db.execute(f"SELECT id, email FROM users WHERE username = '{username}'").fetchone()  # expect: INJ001
            return jsonify({"id": row[0], "email": row[1]})
    """)

    good = Example("""
        import sqlite3

        from flask import Flask, jsonify
        from flask_login import login_required

        app = Flask(__name__)


        @app.route("/users/<username>")
        @login_required
        def get_user(username):
            db = sqlite3.connect("app.db")
            row = db.execute("SELECT id, email FROM users WHERE username = ?", (username,)).fetchone()
            return jsonify({"id": row[0], "email": row[1]})
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Scan every route handler, and the project functions it hands client input to."""
        seen: set[tuple[str, int]] = set()
        for route in ctx.routes:
            func = ctx.handler(route)
            mod = ctx.module_of(route)
            if func is None or mod is None:
                continue
            for where, via in _scan(ctx.index, mod, func, input_params(route, func), 0):
                key = (where.file, where.line)
                if key in seen:
                    continue
                seen.add(key)
                yield self._report(route, where, via)
        for resolver_route, mod, func, seeds in resolver_entry_points(ctx):
            for where, via in _scan(ctx.index, mod, func, set(seeds), 0):
                if (where.file, where.line) not in seen:
                    seen.add((where.file, where.line))
                    yield self._report(resolver_route, where, via)

    def _report(self, route: Route, where: Location, via: str) -> Finding:
        path = f" through {via}()" if via else ""
        return self.finding(
            where,
            f"{route.display} formats client input into SQL text{path}: an attacker can rewrite the query",
            "Pass the values as bound parameters (`execute(\"... WHERE name = ?\", (name,))`, "
            "`text(\"... :name\")` with params) instead of formatting them into the SQL",
            confidence=Confidence.MEDIUM if via else None,
            symbol=route.handler,
            route=route,
        )


def _scan(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef, seeds: set[str],
          depth: int, via: str = "") -> Iterator[tuple[Location, str]]:
    tainted = tainted_names(func, seeds)
    sql_vars: set[str] = set()
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("assign", "annassign", "augassign") and stmt.value is not None:
            if _built_sql(stmt.value, tainted, sql_vars) or (
                    stmt.kind == "augassign" and any(t.text in sql_vars for t in stmt.targets)
                    and is_tainted(stmt.value, tainted)):
                sql_vars.update(t.text for t in stmt.targets if t.kind == "name")
        for expr in stmt.own_exprs():
            for call in expr.calls():
                name = call.func.text if call.func.kind in ("attr", "name") else ""
                if name in _SINKS and call.positional and _built_sql(call.positional[0], tainted, sql_vars):
                    yield Location(mod.path, stmt.line), via
                elif depth < _MAX_DEPTH and name not in _SINKS:
                    yield from _follow(index, mod, call, tainted, depth)


def _follow(index: ProjectIndex, mod: ModuleSummary, call: Expr, tainted: set[str],
            depth: int) -> Iterator[tuple[Location, str]]:
    """Enter a project function with the parameters that receive client input marked."""
    passed = [is_tainted(arg, tainted) for arg in call.positional]
    passed_kw = {kw.name for kw in call.keywords if kw.name and is_tainted(kw.value, tainted)}
    if not any(passed) and not passed_kw:
        return
    target = resolve_call(index, mod, call)
    if target is None:
        return
    callee_mod, callee = target
    params = [p for p in callee.params if p.kind in ("pos", "posonly", "kwonly") and p.name not in ("self", "cls")]
    seeds = {p.name for p, hot in zip(params, passed, strict=False) if hot} | (passed_kw & {p.name for p in params})
    if seeds:
        yield from _scan(index, callee_mod, callee, seeds, depth + 1, callee.name)
