"""Where client input enters: request reads, route and resolver parameters, entry points.

Two views. The coarse, flow-insensitive one (`input_params`, `tainted_names`, `is_tainted`)
is what INJ001 uses: any expression that mentions client input. The precise one
(`param_level`, `entry_points`) seeds `Flow` with a taint level per parameter.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import replace

from apilint.lazy_regex import lazy_compile
from apilint.model import RESOLVER_CONTEXT, Route, RouteMap
from apilint.project import ProjectIndex, Symbol
from apilint.rule import RuleContext
from apilint.rules.inj._levels import ANY, FULL, HEAD
from apilint.summary import Expr, FunctionDef, ModuleSummary, Param, walk_stmts

REQUEST_ATTRS = frozenset({
    # Flask / Werkzeug, Starlette / FastAPI, Django / DRF, aiohttp, Pyramid, Bottle, Falcon
    "args", "form", "json", "values", "data", "GET", "POST", "query_params", "path_params", "headers",
    "cookies", "files", "body", "query", "params", "FILES", "COOKIES", "META", "match_info", "stream",
    "url", "full_path", "query_string", "referrer", "forms", "matchdict", "json_body", "media", "session",
    "path",
})
"""Attributes of a request object that hold what the client sent (`session`: Django's
`request.session`, whose values the app stored from earlier requests; `path`: the URL path,
which always starts with the server's own `/`)."""
REQUEST_CALLS = frozenset({"get_json", "json", "form", "body", "get_data", "get_body", "text", "read", "post",
                           "get_param", "get_header"})
"""Methods of a request object that return what the client sent (`await request.json()`)."""
HANDLER_INPUT_CALLS = frozenset({"get_argument", "get_arguments", "get_query_argument", "get_query_arguments",
                                 "get_body_argument", "get_body_arguments", "get_cookie"})
"""Tornado `RequestHandler` methods (`self.get_argument("q")`) that return what the client sent."""
SESSION_OBJECTS = frozenset({"flask.session", "quart.session", "flask.globals.session"})
"""Framework session proxies: values a client's earlier requests put there (`session["next"]`)."""
_WTFORMS = frozenset({"wtforms.Form", "wtforms.form.Form", "wtforms.form.BaseForm"})
_FLASK_WTF = frozenset({"flask_wtf.FlaskForm", "flask_wtf.Form", "flask_wtf.form.FlaskForm"})
_NOT_INPUT_PARAMS = frozenset({"self", "cls", "request", "db", "session", "conn", "cursor", "response",
                               "background_tasks", "websocket", "current_user", "user"})


def is_request_object(e: Expr) -> bool:
    """`request`, `req`, `self.request`, `flask.request`: an expression naming the request object."""
    dotted = e.dotted
    if dotted is None:
        return False
    return dotted in ("req", "request") or dotted.endswith(".request")


def form_class(index: ProjectIndex, mod: ModuleSummary, func: Expr) -> bool | None:
    """Whether `func` names a project WTForms form class, and how it gets its data.

    None: not a form class. True: a flask-wtf `FlaskForm`, which reads `request.form` by itself
    (`ProfileForm()`). False: a plain `wtforms.Form`, which holds what it is given
    (`ProfileForm(request.form)`, `formdata=...`).
    """
    if func.kind not in ("name", "attr"):
        return None
    return form_kind(index, index.resolve(mod, func))


def form_kind(index: ProjectIndex, symbol: Symbol | None) -> bool | None:
    """`form_class` for a resolved symbol: None for anything but a WTForms form class."""
    if symbol is None or symbol.cls is None:
        return None
    bases = set(index.base_names(symbol))
    if bases & _FLASK_WTF:
        return True
    return False if bases & _WTFORMS else None


def is_request_read(e: Expr) -> bool:
    """This node itself reads client input: `request.args`, `await request.json()`, `self.get_argument("q")`."""
    if e.kind == "attr":
        return e.text in REQUEST_ATTRS and is_request_object(e.args[0])
    if e.kind == "call" and e.func.kind == "attr":
        recv = e.func.args[0]
        if e.func.text in REQUEST_CALLS and is_request_object(recv):
            return True
        return e.func.text in HANDLER_INPUT_CALLS and recv.kind == "name" and recv.text == "self"
    return False


def _is_request_read(expr: Expr) -> bool:
    """`request.args[...]`, `request.form.get(...)`, `request.GET["x"]`, `await request.json()`."""
    return any(is_request_read(sub) for sub in expr.walk())


def input_params(route: Route | None, func: FunctionDef) -> set[str]:
    """Parameters that hold client input: path parameters, and plain query/body parameters.

    Parameters whose default is a call (`Depends(...)`, `Security(...)`) are injected by the
    framework, not sent by the client.
    """
    out: set[str] = set(route.path_params) if route is not None else set()
    for param in func.params:
        if param.name in _NOT_INPUT_PARAMS or param.kind in ("vararg", "kwarg"):
            continue
        if param.default is not None and param.default.kind == "call":
            name = (param.default.func.dotted or "").rsplit(".", 1)[-1]
            if name in ("Depends", "Security"):
                continue
        annotation = param.annotation.render(60) if param.annotation is not None else ""
        if any(t in annotation for t in ("Session", "Depends", "Request", "BackgroundTasks", "Connection")):
            continue
        out.add(param.name)
    return out


def tainted_names(func: FunctionDef, seeds: set[str]) -> set[str]:
    """The seeds plus every local assigned from them or from request data (in source order)."""
    tainted = set(seeds)
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("assign", "annassign", "augassign", "for") and stmt.value is not None:
            if is_tainted(stmt.value, tainted):
                for target in stmt.targets:
                    if target.kind == "attr" and target.dotted is not None and target.dotted.startswith("self."):
                        tainted.add(target.dotted)  # `self.query = request.GET["q"]`
                    else:
                        tainted.update(e.text for e in target.walk() if e.kind == "name")
    return tainted


def is_tainted(expr: Expr, tainted: set[str]) -> bool:
    """True when the expression reads client input."""
    for sub in expr.walk():
        if sub.kind == "name" and sub.text in tainted:
            return True
        if sub.kind == "attr" and sub.dotted in tainted:
            return True
        if is_request_read(sub):
            return True
    return False



_SCALARS = frozenset({
    "int", "float", "bool", "complex", "decimal.Decimal", "Decimal", "uuid.UUID", "UUID", "UUID1", "UUID3",
    "UUID4", "UUID5", "datetime", "date", "time", "timedelta", "datetime.datetime", "datetime.date",
    "datetime.time", "datetime.timedelta", "PositiveInt", "NegativeInt", "NonNegativeInt", "NonPositiveInt",
    "conint", "confloat", "condecimal", "StrictInt", "StrictBool", "StrictFloat", "PositiveFloat",
    "pydantic.types.UUID4", "ipaddress.IPv4Address", "IPv4Address", "IPvAnyAddress",
})
_SAFE_CONVERTERS = frozenset({"int", "uuid", "float", "slug"})
_FLASK_CONV_RE = lazy_compile(r"<([A-Za-z_]\w*)(?:\([^)]*\))?:([A-Za-z_]\w*)>")
_STAR_CONV_RE = lazy_compile(r"\{([A-Za-z_]\w*):([A-Za-z_]\w*)\}")
_REGEX_GROUP_RE = lazy_compile(r"\(\?P<([A-Za-z_]\w*)>([^)]*)\)")
_ALL_PARAMS = frozenset({"fastapi", "ninja", "connexion"})
_SKIP_ANNOTATIONS = frozenset({"Session", "AsyncSession", "Depends", "Request", "BackgroundTasks", "Connection",
                               "Response", "WebSocket", "Security", "HttpRequest", "AsyncConnection", "Engine"})


def param_level(index: ProjectIndex, mod: ModuleSummary, route: Route, param: Param) -> int:
    """The taint a route parameter starts with (0 for injected or scalar-typed parameters)."""
    if param.kind in ("vararg", "kwarg") or param.name in ("self", "cls", "request"):
        return 0
    in_path = param.name in route.path_params
    if not in_path and (route.framework not in _ALL_PARAMS or param.name in _NOT_INPUT_PARAMS):
        return 0
    if param.default is not None and param.default.kind == "call":
        callee = (param.default.func.dotted or "").rsplit(".", 1)[-1]
        if callee in ("Depends", "Security", "Inject", "Provide"):
            return 0
        if any(param.default.kwarg(k) is not None for k in ("pattern", "regex")):
            return 0
    if param.annotation is not None:
        text = param.annotation.render(120)
        names = {(e.dotted or "").rsplit(".", 1)[-1] for e in param.annotation.walk() if e.kind in ("name", "attr")}
        if names & _SKIP_ANNOTATIONS or is_scalar(index, mod, param.annotation):
            return 0
        if any(k in text for k in ("pattern=", "regex=")):
            return 0
    if in_path:
        converter = _converter(route.raw_path, param.name)
        if converter in _SAFE_CONVERTERS:
            return 0
        return FULL if converter == "path" else ANY | HEAD
    return FULL


def scalar_input(index: ProjectIndex, mod: ModuleSummary, route: Route, func: FunctionDef, name: str) -> bool:
    """True for an input parameter the framework parses into a number, UUID, date or enum (an
    `int` annotation, a `<int:id>` converter): it cannot carry free text."""
    param = func.param(name)
    if param is not None and param.annotation is not None and is_scalar(index, mod, param.annotation):
        return True
    return name in route.path_params and _converter(route.raw_path, name) in _SAFE_CONVERTERS


def _converter(raw_path: str, name: str) -> str:
    """The converter of a path parameter: `int` for `<int:id>` / `{id:int}` / `(?P<id>\\d+)`, else `str`."""
    for match in _FLASK_CONV_RE.finditer(raw_path):
        if match.group(2) == name:
            return match.group(1)
    for match in _STAR_CONV_RE.finditer(raw_path):
        if match.group(1) == name:
            return match.group(2)
    for match in _REGEX_GROUP_RE.finditer(raw_path):
        if match.group(1) == name:
            pattern = match.group(2)
            if pattern in (r"\d+", "[0-9]+", r"[\d]+"):
                return "int"
            return "path" if "." in pattern or "/" in pattern or r"\S" in pattern else "str"
    return "str"


def is_scalar(index: ProjectIndex, mod: ModuleSummary, ann: Expr, _depth: int = 0) -> bool:
    """True for annotations that cannot hold free text: numbers, UUIDs, `Literal`, enums."""
    if _depth > 4:
        return False
    if ann.kind == "binop" and ann.text == "|":
        parts = [a for a in ann.args if not a.is_none]
        return bool(parts) and all(is_scalar(index, mod, a, _depth + 1) for a in parts)
    if ann.kind == "subscript":
        head = (ann.args[0].dotted or "").rsplit(".", 1)[-1]
        if head == "Literal":
            return True
        if head == "Annotated":
            return is_scalar(index, mod, ann.args[1], _depth + 1) if len(ann.args) > 1 else False
        if head in ("Optional", "Union"):
            parts = [a for a in ann.args[1:] if not a.is_none]
            return bool(parts) and all(is_scalar(index, mod, a, _depth + 1) for a in parts)
        return False
    if ann.kind == "call":
        return (ann.func.dotted or "").rsplit(".", 1)[-1] in _SCALARS or any(
            ann.kwarg(k) is not None for k in ("pattern", "regex"))
    dotted = ann.dotted
    if dotted is None:
        return False
    if dotted in _SCALARS or index.qualify(mod, dotted) in _SCALARS:
        return True
    symbol = index.resolve(mod, ann)
    if symbol is not None and symbol.cls is not None:
        return any(b.rsplit(".", 1)[-1] in ("Enum", "IntEnum", "StrEnum", "IntFlag", "Flag")
                   for b in index.base_names(symbol))
    return False



def entry_points(ctx: RuleContext) -> Iterator[tuple[Route, ModuleSummary, FunctionDef, dict[str, int]]]:
    """Where client input enters: every route handler with its input parameters, then every
    GraphQL resolver with its field arguments, reported against the endpoint that serves it
    (`POST /graphql (query systemDiagnostics)`)."""
    for route in ctx.routes:
        func = ctx.handler(route)
        mod = ctx.module_of(route)
        if func is not None and mod is not None:
            yield route, mod, func, {p.name: lv for p in func.params if (lv := param_level(ctx.index, mod, route, p))}
    yield from resolver_entry_points(ctx)


Entry = tuple[Route, ModuleSummary, FunctionDef, dict[str, int]]
_ENTRIES: weakref.WeakKeyDictionary[ProjectIndex, tuple[RouteMap, list[Entry]]] = weakref.WeakKeyDictionary()


def shared_entry_points(ctx: RuleContext) -> list[Entry]:
    """`entry_points`, made once per run for all the INJ rules (reading every route's parameters
    costs as much again as following them on a large project)."""
    found = _ENTRIES.get(ctx.index)
    if found is None or found[0] is not ctx.routes:
        found = _ENTRIES[ctx.index] = (ctx.routes, list(entry_points(ctx)))
    return found[1]


def resolver_entry_points(ctx: RuleContext) -> Iterator[tuple[Route, ModuleSummary, FunctionDef, dict[str, int]]]:
    """GraphQL resolvers with their field arguments, each as a route of the endpoint serving it."""
    endpoints = [r for r in ctx.routes if r.framework == "graphql"]
    if not endpoints or not ctx.facts.graphql_resolvers:
        return
    endpoint = min(endpoints, key=lambda r: (r.method != "POST", "graphiql" in r.path, r.path))
    for resolver in ctx.facts.graphql_resolvers:
        ref = resolver.handler_ref
        mod = ctx.index.by_path.get(ref.file) if ref is not None else None
        if ref is None or mod is None:
            continue
        func = next((f for f in mod.functions() if f.qualname == ref.qualname), None)
        if func is None:
            continue
        seeds = {p.name: FULL for p in func.params
                 if p.name not in RESOLVER_CONTEXT
                 and not (p.annotation is not None and is_scalar(ctx.index, mod, p.annotation))}
        if seeds:
            route = replace(endpoint, path=f"{endpoint.path} ({resolver.operation} {resolver.field})",
                            handler=resolver.handler, handler_ref=ref, location=resolver.location, injected=())
            yield route, mod, func, seeds
