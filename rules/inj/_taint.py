"""Which names in a handler carry client input, and whether an expression is built from them."""

from __future__ import annotations

from apilint.model import Route
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_REQUEST_ATTRS = frozenset({"args", "form", "json", "values", "data", "GET", "POST", "query_params",
                            "path_params", "headers", "cookies", "files", "body", "query", "params"})
_REQUEST_CALLS = frozenset({"get_json", "json", "form", "body", "get_data"})
_NOT_INPUT_PARAMS = frozenset({"self", "cls", "request", "db", "session", "conn", "cursor", "response",
                               "background_tasks", "websocket", "current_user", "user"})


def _is_request_read(expr: Expr) -> bool:
    """`request.args[...]`, `request.form.get(...)`, `request.GET["x"]`, `await request.json()`."""
    for sub in expr.walk():
        if sub.kind == "attr" and sub.text in _REQUEST_ATTRS and (sub.args[0].dotted or "").endswith("request"):
            return True
        if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text in _REQUEST_CALLS and (
                sub.func.args[0].dotted or "").endswith("request"):
            return True
    return False


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
                    tainted.update(e.text for e in target.walk() if e.kind == "name")
    return tainted


def is_tainted(expr: Expr, tainted: set[str]) -> bool:
    """True when the expression reads client input."""
    return any(n in tainted for n in expr.names()) or _is_request_read(expr)


def resolve_call(index: ProjectIndex, mod: ModuleSummary, call: Expr) -> tuple[ModuleSummary, FunctionDef] | None:
    """The project function (or `Class.method`) a call reaches, when apilint can tell."""
    symbol = index.resolve(mod, call.func)
    if symbol is None and call.func.kind == "attr":
        owner = index.resolve(mod, call.func.args[0])
        if owner is not None and owner.cls is not None:
            method = owner.cls.method(call.func.text)
            if method is not None:
                return owner.module, method
        return None
    if symbol is None or symbol.func is None:
        return None
    return symbol.module, symbol.func
