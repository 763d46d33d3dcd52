"""LIMIT003: list endpoints whose page size the client controls without an upper bound."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Location, Route
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.limit._fixes import drf_pagination_fix, page_size_fix
from apilint.rules.limit._helpers import bounded
from apilint.summary import Expr, FunctionDef, Param, walk_stmts

PAGE_SIZE_NAMES = frozenset({"limit", "page_size", "pagesize", "per_page", "perpage", "size", "max_results",
                             "take", "count", "top", "page_limit"})
_QUERY_READERS = ("args", "GET", "query_params")
_FILTERS = ("filter", "filter_by", "where", "exclude", "join", "having", "with_parent")
_PAGINATES = ("limit", "offset", "paginate", "slice", "first", "one", "get", "scalar", "count", "page")
_LOOKUP_TABLE = lazy_compile(r"(categor|tag|role|countr|currenc|language|locale|setting|status|permission|"
                           r"group|type|choice|option|config|timezone|region|plan)", re.IGNORECASE)


def _int_param(param: Param) -> bool:
    ann = param.annotation
    if ann is not None:
        return any(e.kind == "name" and e.text == "int" for e in ann.walk())
    default = param.default
    return default is not None and (default.kind == "num" or (
        default.kind == "call" and any(a.kind == "num" for a in default.positional)))


def _query_call(param: Param) -> Expr | None:
    """The `Query(...)` metadata of a parameter (default or `Annotated`)."""
    candidates = [param.default] if param.default is not None else []
    if param.annotation is not None and param.annotation.kind == "subscript":
        candidates += list(param.annotation.args[1:])
    for cand in candidates:
        if cand is not None and cand.kind == "call" and (cand.func.dotted or "").endswith(("Query", "Field")):
            return cand
    return None


def _unbounded_params(func: FunctionDef) -> list[str]:
    out = []
    for param in func.params:
        if param.name.lower() not in PAGE_SIZE_NAMES or not _int_param(param):
            continue
        query = _query_call(param)
        if query is not None and (query.kwarg("le") is not None or query.kwarg("lt") is not None):
            continue
        if param.default is not None and param.default.kind == "call" and not (
                (param.default.func.dotted or "").endswith(("Query", "Field"))):
            continue  # Depends(...) and friends
        if not bounded(func, param.name):
            out.append(param.name)
    return out


def _read_from_query(func: FunctionDef) -> list[str]:
    """Variables assigned from `request.args.get("per_page")` / `request.GET["limit"]` that stay unbounded."""
    found: list[str] = []
    for stmt in walk_stmts(func.body):
        if stmt.kind != "assign" or stmt.value is None:
            continue
        if any((c.func.dotted or "") in ("min", "clamp") for c in stmt.value.calls()):
            continue  # per_page = min(request.args.get("per_page", 20, type=int), 100)
        for sub in stmt.value.walk():
            key: Expr | None = None
            if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text == "get" and sub.positional:
                owner, key = sub.func.args[0], sub.positional[0]
            elif sub.kind == "subscript" and len(sub.args) == 2:
                owner, key = sub.args[0], sub.args[1]
            else:
                continue
            if key.kind == "str" and key.text.lower() in PAGE_SIZE_NAMES and owner.kind == "attr" and (
                    owner.text in _QUERY_READERS):
                found += [t.text for t in stmt.targets if t.kind == "name" and t.text not in found]
    unbounded = []
    for name in found:
        if bounded(func, name):
            continue
        capped = False
        for stmt in walk_stmts(func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.func.kind == "attr" and call.func.text == "paginate" and (
                            call.kwarg("max_per_page") is not None):
                        capped = True
        if not capped:
            unbounded.append(name)
    return unbounded


def _returns_everything(func: FunctionDef) -> str | None:
    """`return db.query(Item).all()` (or via a variable) with no limit, slice or pagination in the body."""
    alls: dict[str, Expr] = {}
    returned: Expr | None = None
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text in _PAGINATES:
                    return None
                if sub.kind == "subscript" and any(a.kind == "other" for a in sub.args[1:]):
                    return None  # a slice
        if stmt.kind == "assign" and stmt.value is not None and _all_call(stmt.value) is not None:
            alls.update({t.text: stmt.value for t in stmt.targets if t.kind == "name"})
        if stmt.kind == "return" and stmt.value is not None:
            if _all_call(stmt.value) is not None:
                returned = stmt.value
            elif set(stmt.value.names()) & set(alls):
                returned = alls[sorted(set(stmt.value.names()) & set(alls))[0]]
    if returned is None:
        return None
    text = returned.render(60)
    return None if _LOOKUP_TABLE.search(text) else text


_CALLER = ("current_user", "request.user", "user.id", "user_id", "owner")


def _scoped_to_caller(func: FunctionDef) -> bool:
    """True when the handler's queries compare something with the caller (`owner_id == current_user.id`)."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind == "compare" and any(c in sub.render(120) for c in _CALLER):
                    return True
    return False


def _all_call(expr: Expr) -> Expr | None:
    """A whole-table read: `db.query(M).all()`, `M.objects.all()`, `M.query.all()`, `exec(select(M)).all()`."""
    for call in expr.calls():
        if call.func.kind != "attr" or call.func.text != "all" or call.positional:
            continue
        chain = call.func.args[0]
        parts = list(chain.walk())
        if any(e.kind == "call" and e.func.kind == "attr" and e.func.text in _FILTERS for e in parts):
            return None  # filtered by owner, parent or status: not the whole table
        if any((e.kind == "attr" and e.text in ("objects", "query"))
               or (e.kind == "call" and (e.func.dotted or "").rsplit(".", 1)[-1] in ("query", "select"))
               for e in parts):
            return call
    return None


class UnboundedPageSize(Rule):
    """
    ## What it finds
    - List endpoints with a page-size parameter (`limit`, `page_size`, `per_page`, `size`, ...)
      the client sets with no upper bound: a FastAPI `Query()` without `le`, a plain `int`
      parameter, or `request.args.get("per_page")` / `request.GET.get("limit")` /
      `request.query_params.get("limit")`, when the handler never caps it with `min(...)` or a
      comparison (and Flask-SQLAlchemy `paginate()` gets no `max_per_page`). Medium confidence;
      low when the route is admin-only or its query is scoped to the caller's own rows.
    - GET collection endpoints that return a whole, unfiltered table (`db.query(Item).all()`,
      `Model.objects.all()`, `Item.query.all()`) with no limit, slice or pagination. Low
      confidence; filtered queries (a user's own rows, a post's comments) and small lookup
      tables (categories, tags, roles, countries, ...) are skipped.
    - Django REST framework projects with list views but no `DEFAULT_PAGINATION_CLASS` and no
      view setting `pagination_class`: one finding at the `REST_FRAMEWORK` setting (or the
      project), low confidence.

    Findings about a route are on the handler's `def` line.

    ## Why it matters
    `?limit=10000000` makes the server load, serialize and send a whole table: memory and CPU
    exhaustion with one request, and easy bulk scraping of data (CWE-770 Allocation of
    Resources Without Limits or Throttling, OWASP API4:2023 Unrestricted Resource Consumption).

    ## Options
    None.

    ## Known limitations
    A bound enforced in a shared pagination dependency or a schema class the handler receives
    is not followed. Whether a table is small is guessed from its name.

    ## References
    - https://cwe.mitre.org/data/definitions/770.html
    - https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/
    """

    code = "LIMIT003"
    name = "unbounded-page-size"
    summary = "List endpoint page size has no upper bound"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (770,)
    owasp = ("API4:2023",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.SAFE, Applicability.UNSAFE})
    fix_note = ("Caps the page size at the module's `MAX_PAGE_SIZE`-like constant, else 100: `le=` on a "
                "FastAPI `Query()`, `limit = min(limit, 100)` first in the handler for a plain parameter, "
                "`min(request.args.get(..., type=int), 100)` for an integer read from the query string (safe). "
                "A DRF project without pagination gets `DEFAULT_PAGINATION_CLASS` and `PAGE_SIZE` in "
                "`REST_FRAMEWORK` (unsafe: list responses become pages). Whole-table reads get no fix.")

    bad = Example("""
        from fastapi import Depends, FastAPI, Query
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI(dependencies=[Depends(oauth2_scheme)])
        ITEMS = [{"id": n} for n in range(1000)]


        @app.get("/items")
        def list_items(limit: int = Query(default=50, ge=1)) -> list[dict[str, int]]:  # expect: LIMIT003
            return ITEMS[:limit]
    """)

    good = Example("""
        from fastapi import Depends, FastAPI, Query
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI(dependencies=[Depends(oauth2_scheme)])
        ITEMS = [{"id": n} for n in range(1000)]


        @app.get("/items")
        def list_items(limit: int = Query(default=50, ge=1, le=100)) -> list[dict[str, int]]:
            return ITEMS[:limit]
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Route-level findings, then the DRF project-level one."""
        seen: set[tuple[str, int]] = set()
        for route in ctx.routes:
            if route.method not in ("GET", "ANY"):
                continue
            func = ctx.handler(route)
            if func is None or (route.location.file, route.location.line) in seen:
                continue
            finding = self._route(ctx, route, func)
            if finding is not None:
                seen.add((route.location.file, route.location.line))
                yield finding
        yield from self._drf(ctx)

    def _route(self, ctx: RuleContext, route: Route, func: FunctionDef) -> Finding | None:
        names = _unbounded_params(func) + _read_from_query(func)
        fix = "Cap the page size (`Query(le=100)`, `min(limit, MAX_PAGE_SIZE)` or a paginator's maximum)"
        if names:
            # An admin-only list, or one scoped to the caller's own rows, is a weak lever for
            # exhausting the server: still worth a bound, but not a confident finding.
            trusted = any(e.kind in ("role", "scopes", "superuser", "staff") for e in route.authz)
            confidence = Confidence.LOW if trusted or _scoped_to_caller(func) else None
            mod = ctx.module_of(route)
            return self.finding(route, f"{route.display} lets the client choose `{names[0]}` with no upper bound",
                                fix, confidence=confidence,
                                fix_plan=page_size_fix(ctx.index, mod, func, names[0]) if mod is not None else None)
        if route.path_params and route.path.endswith("}"):
            return None
        everything = _returns_everything(func)
        if everything is not None:
            return self.finding(route, f"{route.display} returns every row ({everything}) with no pagination",
                                "Paginate the list with a bounded page size", confidence=Confidence.LOW)
        return None

    def _drf(self, ctx: RuleContext) -> Iterator[Finding]:
        lists = [r for r in ctx.routes if r.framework == "drf" and r.method == "GET" and not r.path.endswith("}")]
        if not lists or ctx.facts.setting("REST_FRAMEWORK.DEFAULT_PAGINATION_CLASS") is not None:
            return
        for route in lists:
            symbol = ctx.index.lookup(route.handler.rsplit(".", 1)[0]) or ctx.index.lookup(route.handler)
            if symbol is not None and symbol.cls is not None and symbol.cls.attribute("pagination_class") is not None:
                return
        anchor = next((f for f in ctx.facts.settings if f.name.startswith("REST_FRAMEWORK.")), None)
        where: Location | None = anchor.location if anchor is not None else None
        if where is None:
            django = [a for a in ctx.facts.apps if a.framework in ("django", "drf")]
            where = django[0].location if django else None
        if where is not None:
            yield self.finding(where, f"DRF list views ({lists[0].display}) are not paginated: no "
                               "DEFAULT_PAGINATION_CLASS and no pagination_class", "Set "
                               "`REST_FRAMEWORK[\"DEFAULT_PAGINATION_CLASS\"]` and `PAGE_SIZE`",
                               confidence=Confidence.LOW, fix_plan=drf_pagination_fix(ctx.index, where))
