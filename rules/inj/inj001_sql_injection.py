"""INJ001: request data formatted into SQL text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial

from apilint.model import Location, Route
from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules._scan import module_scan
from apilint.rules.inj._levels import offline
from apilint.rules.inj._sources import input_params, resolver_entry_points, scalar_input
from apilint.rules.inj._sql import MAX_DEPTH, SINKS, SQL_OBJECTS, scan
from apilint.summary import ModuleSummary

_CALLS = SINKS | SQL_OBJECTS
_WORDS = frozenset(s.lower() for s in _CALLS)

class SqlInjection(Rule):
    """
    ## What it finds
    SQL text built from client input with an f-string, `%`, `+` or `.format()` and handed to
    a database call: `cursor.execute(...)` / `executemany` / `executescript`,
    `session.execute(text(...))`, `connection.exec_driver_sql(...)`, Django's
    `Model.objects.raw(...)`, `.extra(where=[...])` and `RawSQL(...)`, asyncpg's and
    `databases`' `fetch*` calls, `pandas.read_sql(...)`; a SQLAlchemy `text(...)` built from
    input is reported where it is built. Client input is a route's path, query and body
    parameters and what it reads from the request (`request.args`, `request.form`,
    `request.GET`, `await request.json()`, headers, cookies, uploaded files, session values),
    followed through local variables, attributes a method stores on `self`, objects built from
    input (`Report(db, region).totals()`) and up to two calls deep into project functions (a
    model method that runs the query), also through a module whose `__getattr__` hands every
    attribute to a backend object (`db.search_products(name)` reaching the backend class's
    method). Anchor: the line of the database call.

    SQL text that only route parameters the framework parses into numbers, UUIDs, dates or enums
    reach (`{order_id}` of `order_id: int`, a `<int:id>` converter), directly or through what a
    helper returns for them, is reported with low confidence and medium severity: it cannot carry
    SQL today, but bound parameters keep it that way.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    Functions no route reaches (views the route map does not link, scripts, module code)
    are scanned too and named by function: request data formatted into SQL there is reported
    at medium confidence, and a parameter formatted into a *value* of the query
    (`WHERE name = '{name}'`, not `FROM {table}`) at low confidence and high severity, the
    way pattern matchers report string-built queries.

    ## Why it matters
    An attacker who controls part of the SQL text can read or change any row, bypass login
    checks (`' OR '1'='1`) or drop tables (CWE-89 SQL Injection; OWASP API8:2023 Security
    Misconfiguration, and the data access it opens behind API1/API3).

    ## Options
    None.

    ## Known limitations
    Values checked against an allow-list before formatting are still reported, at the same
    confidence: pass them as bound parameters instead. Queries built through a helper that
    returns SQL text from its arguments are not followed. The flow is not ordered: a value
    assigned from input anywhere in a function counts as input everywhere in it.

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
        """Scan every route handler and GraphQL resolver, and the project functions they hand
        client input to; then every function no route reaches."""
        seen: set[tuple[str, int]] = set()
        entered: set[tuple[str, str]] = set()
        for route in _writes_first(ctx.routes):
            func = ctx.handler(route)
            mod = ctx.module_of(route)
            if func is None or mod is None:
                continue
            entered.add((mod.path, func.qualname))
            inputs = input_params(route, func)
            hits = scan(ctx.index, mod, func, inputs, 0)
            typed = {n for n in inputs if scalar_input(ctx.index, mod, route, func, n)}
            # values the framework parses as numbers, UUIDs or enums cannot carry SQL: what only they
            # reach is formatted SQL to clean up, not an injection an attacker can use today
            free = {(w.file, w.line) for w, _ in scan(ctx.index, mod, func, inputs - typed, 0)} \
                if typed and hits else set()
            for where, via in hits:
                if (where.file, where.line) not in seen:
                    seen.add((where.file, where.line))
                    if typed and (where.file, where.line) not in free:
                        yield self._report(route.display, where, via, route=route, confidence=Confidence.LOW,
                                           typed=sorted(typed))
                    else:
                        yield self._report(route.display, where, via, route=route)
        for resolver_route, mod, func, seeds in resolver_entry_points(ctx):
            entered.add((mod.path, func.qualname))
            for where, via in scan(ctx.index, mod, func, set(seeds), 0):
                if (where.file, where.line) not in seen:
                    seen.add((where.file, where.line))
                    yield self._report(resolver_route.display, where, via, route=resolver_route)
        yield from self._orphans(ctx, entered, seen)

    def _orphans(self, ctx: RuleContext, entered: set[tuple[str, str]],
                 seen: set[tuple[str, int]]) -> Iterator[Finding]:
        """Functions no route reaches: request data in SQL text (medium), and a parameter
        formatted into a value slot of a query (`WHERE name = '{name}'`, low)."""
        by_module: dict[str, list[str]] = {}
        for path, qualname in entered:
            by_module.setdefault(path, []).append(qualname)
        for mod in ctx.index:
            if mod.parse_error is not None or _WORDS.isdisjoint(mod.words):  # mentions none of _WORDS
                continue
            here = frozenset(by_module.get(mod.path, ()))
            for function, param, where, via in ctx.per_module(f"{self.code}:orphans", mod, repr(sorted(here)),
                                                               partial(_module_orphans, ctx.index, mod, here)):
                if (where.file, where.line) in seen:
                    continue
                seen.add((where.file, where.line))
                subject = f"{mod.module}.{function}() (reached by no route apilint knows)"
                symbol = f"{mod.module}.{function}"
                if not param:
                    yield self._report(subject, where, via, symbol=symbol,
                                       confidence=Confidence.LOW if via else Confidence.MEDIUM)
                    continue
                path = f" through {via}()" if via else ""
                yield self.finding(
                    where, f"{subject} formats a parameter into a value of SQL text{path}: apilint cannot "
                    "tell where the value comes from; if a client controls it, it can rewrite the query",
                    _FIX, confidence=Confidence.LOW, severity=Severity.HIGH, symbol=symbol)

    def _report(self, subject: str, where: Location, via: str, route: Route | None = None, symbol: str = "",
                confidence: Confidence | None = None, typed: list[str] | None = None) -> Finding:
        path = f" through {via}()" if via else ""
        what = "client input into SQL text"
        if typed:
            names = ", ".join(f"`{n}`" for n in typed)
            what = (f"values derived from {names} into SQL text (typed parameters the framework validates, "
                    "so only a later change of type or source makes it injectable)")
        return self.finding(
            where, f"{subject} formats {what}{path}: an attacker can rewrite the query" if not typed else
            f"{subject} formats {what}{path}", _FIX,
            confidence=confidence or (Confidence.MEDIUM if via or (route is not None and not route.linked) else None),
            severity=Severity.MEDIUM if typed else None,
            symbol=route.handler if route is not None else symbol, route=route)


_FIX = ("Pass the values as bound parameters (`execute(\"... WHERE name = ?\", (name,))`, "
        "`text(\"... :name\")` with params) instead of formatting them into the SQL")


def _module_orphans(index: ProjectIndex, mod: ModuleSummary,
                    entered: frozenset[str]) -> tuple[tuple[str, bool, Location, str], ...]:
    """(function, whether a parameter rather than the request, sink line, helper) of every SQL
    text one module's functions that no route enters build, in the order they are found."""
    out: list[tuple[str, bool, Location, str]] = []
    for func, facts in module_scan(index, mod).entries:  # top-level code first
        if func.qualname in entered:
            continue
        if facts.request:  # else nothing to find
            out += [(func.qualname, False, where, via) for where, via in scan(index, mod, func, set(), 0)]
        if offline(mod.path):
            continue
        params = {p.name for p in func.params if p.name not in ("self", "cls", "request", "req")}
        if not params or not facts.may_reach(_CALLS, request=False):
            continue
        # the function's own queries only: following every call of every parameter costs too much
        out += [(func.qualname, True, where, via)
                for where, via in scan(index, mod, func, params, MAX_DEPTH, values_only=True)]
    return tuple(out)


def _writes_first(routes: Iterable[Route]) -> list[Route]:
    """The routes in map order, except that a handler serving several methods is read under its
    writes first (`GET, POST /user/login` whose SQL runs on the posted form is named by its POST)."""
    routes = list(routes)
    order: dict[tuple[str, int, str], int] = {}
    for route in routes:
        order.setdefault((route.location.file, route.location.line, route.handler), len(order))
    return sorted(routes, key=lambda r: (order[(r.location.file, r.location.line, r.handler)],
                                         r.method in ("GET", "HEAD", "OPTIONS")))
