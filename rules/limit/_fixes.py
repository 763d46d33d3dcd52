"""Fix facts of LIMIT003: a maximum page size.

The bound is a module constant the handler's module already has (`MAX_PAGE_SIZE = 100`), else
100. A FastAPI `Query()`/`Field()` gets `le=`; a plain parameter is capped first thing in the
handler (`limit = min(limit, 100)`); an integer read from the query string
(`request.args.get("per_page", 20, type=int)`) is wrapped in `min(..., 100)`. A DRF project
without pagination gets `DEFAULT_PAGINATION_CLASS` and `PAGE_SIZE` in `REST_FRAMEWORK`
(unsafe: list responses become pages).
"""

from __future__ import annotations

from apilint.fixes import plan
from apilint.lazy_regex import lazy_compile
from apilint.model import FixPlan, Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, Param, walk_stmts

DEFAULT_MAXIMUM = 100
_MAX_NAME = lazy_compile(r"^_?MAX(IMUM)?_?(PAGE_?SIZE|PER_?PAGE|LIMIT|RESULTS|PAGE_?LIMIT|ITEMS)$")
_PAGINATION = '"rest_framework.pagination.PageNumberPagination"'


def maximum(index: ProjectIndex, mod: ModuleSummary) -> str:
    """Code for the page-size bound: the module's own constant, else a literal."""
    for symbol in sorted(index.definitions(mod).values(), key=lambda s: s.qualname):
        name = symbol.qualname.rsplit(".", 1)[-1]
        if _MAX_NAME.match(name) and symbol.value is not None and symbol.value.kind == "num" and not symbol.func:
            return name
    return str(DEFAULT_MAXIMUM)


def _query_call(param: Param) -> Expr | None:
    candidates = [param.default] if param.default is not None else []
    if param.annotation is not None and param.annotation.kind == "subscript":
        candidates += list(param.annotation.args[1:])
    for cand in candidates:
        if cand is not None and cand.kind == "call" and (cand.func.dotted or "").endswith(("Query", "Field")):
            return cand
    return None


def page_size_fix(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef, name: str) -> FixPlan | None:
    """Bound the page-size parameter or query-string value `name` of a handler."""
    bound = maximum(index, mod)
    param = func.param(name)
    if param is not None:
        query = _query_call(param)
        if query is not None:
            where = plan.locate_in_header(func, query)
            if where is None or any(kw.name is None for kw in query.keywords):
                return None
            return plan.call_arguments(f"Cap `{name}` with `le={bound}`", plan.SAFE, mod.path, func.line, where[0],
                                       ordinal=where[1], set=[f"le={bound}"])
        if param.kind not in ("pos", "kwonly"):
            return None
        return plan.insert_statements(f"Cap `{name}` at {bound} first thing in the handler", plan.SAFE, mod.path,
                                      func.line, f"{name} = min({name}, {bound})", where="body")
    for stmt in walk_stmts(func.body):
        if stmt.kind == "assign" and stmt.value is not None and any(
                t.kind == "name" and t.text == name for t in stmt.targets) and _reads_int(stmt.value):
            return plan.statement_value(f"Cap `{name}` with `min(..., {bound})`", plan.SAFE, mod.path, stmt.line,
                                        f"min(@{{value}}, {bound})")
    return None


def _reads_int(value: Expr) -> bool:
    """`request.args.get("per_page", 20, type=int)` or `int(request.args.get(...))`: an int for sure."""
    if value.kind == "call" and value.func.dotted == "int":
        return True
    if value.kind != "call" or value.func.kind != "attr" or value.func.text != "get":
        return False
    kind = value.kwarg("type")
    return kind is not None and kind.kind == "name" and kind.text == "int"


def drf_pagination_fix(index: ProjectIndex, where: Location) -> FixPlan | None:
    """Add a paginator and a page size to the `REST_FRAMEWORK` dict literal reported at `where`."""
    mod = index.by_path.get(where.file)
    if mod is None:
        return None
    stmt = next((s for s in mod.top_level() if s.line == where.line and s.kind in ("assign", "annassign")), None)
    if stmt is None or stmt.value is None or stmt.value.kind != "dict" or not any(
            t.kind == "name" and t.text == "REST_FRAMEWORK" for t in stmt.targets):
        return None
    keys = {k.text for k in stmt.value.args[::2] if k.kind == "str"}
    if keys & {"DEFAULT_PAGINATION_CLASS", "PAGE_SIZE"} or any(k.kind == "starstar" for k in stmt.value.args[::2]):
        return None
    return plan.dict_entries(f"Paginate list views: PageNumberPagination with PAGE_SIZE {DEFAULT_MAXIMUM}",
                             plan.UNSAFE, mod.path, stmt.line,
                             [f"DEFAULT_PAGINATION_CLASS={_PAGINATION}", f"PAGE_SIZE={DEFAULT_MAXIMUM}"])
