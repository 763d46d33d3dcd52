"""Privileged fields set from a handler's own scalar request parameters.

FastAPI and Ninja handlers read query, form and header values as parameters
(`is_admin: bool = Query(False)`, `role: str = Form("member")`, also under an alias:
`admin_flag: bool | None = Query(None, alias="is_admin")`). When such a parameter is named
like a privileged field and its value is written into an object (`user.is_admin = is_admin`,
`changes["is_admin"] = admin_flag` then a `setattr` loop or `**changes`,
`Account(..., role=role)`), the client chooses the field: the same hole as a raw JSON body,
through the query string. Fields named `internal_*` count too: staff data by their very name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from apilint.field_names import is_privileged
from apilint.lazy_regex import lazy_compile
from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts

_PARAM_SOURCES = frozenset({"Query", "Form", "Header", "Cookie", "Body"})
_NOT_SOURCES = frozenset({"Depends", "Security", "Path", "File", "UploadFile"})
_SCALARS = frozenset({"bool", "str", "int", "float"})
_INTERNAL = lazy_compile(r"^internal_[a-z_]+$")
"""`internal_status`, `internal_notes`: fields the staff keeps, named so that no client sets them."""
_BENIGN = frozenset({"print", "info", "debug", "warning", "error", "exception", "log", "format", "str", "repr",
                     "bool", "int", "len", "get", "filter", "filter_by", "where", "exclude"})
"""Calls that read or log a value without storing it (a query filtered by `is_admin` stores nothing)."""


@dataclass(frozen=True, slots=True)
class ParamSink:
    """A privileged field written with the value of a request parameter."""

    stmt: Stmt
    field: str
    param: str
    how: str


def privileged_params(func: FunctionDef, path_params: tuple[str, ...] | list[str],
                      extra: tuple[str, ...]) -> dict[str, str]:
    """Handler parameters the client fills with a scalar that names a privileged field: name -> field."""
    out: dict[str, str] = {}
    for param in func.params:
        if param.name in path_params or param.name in ("self", "cls"):
            continue
        default = param.default
        source = (default.func.dotted or "").rsplit(".", 1)[-1] if default is not None and default.kind == "call" \
            else ""
        if source in _NOT_SOURCES:
            continue
        annotation = param.annotation.render(40) if param.annotation is not None else ""
        scalar = any(word in _SCALARS for word in annotation.replace("[", " ").replace("|", " ")
                     .replace("]", " ").replace(",", " ").split())
        if source not in _PARAM_SOURCES and not (scalar and (default is None or default.kind in ("const", "str",
                                                                                                 "num"))):
            continue
        alias = default.kwarg("alias") if source and default is not None else None
        key = alias.text if alias is not None and alias.kind == "str" else param.name
        if _privileged(key, extra):
            out[param.name] = key
    return out


def _privileged(field: str, extra: tuple[str, ...]) -> bool:
    return is_privileged(field, extra) or _INTERNAL.match(field) is not None


def param_sinks(func: FunctionDef, tainted: dict[str, str], extra: tuple[str, ...]) -> Iterator[ParamSink]:
    """Statements that write a privileged field from one of the `tainted` parameters (name -> field)."""
    if not tainted:
        return
    carriers: dict[str, tuple[str, str]] = {}  # dict local -> (field, param) it carries
    for stmt in walk_stmts(func.body):
        for target in stmt.targets if stmt.kind in ("assign", "annassign") else ():
            param = _param_in(stmt.value, tainted)
            if param is None:
                continue
            if target.kind == "attr" and _privileged(target.text, extra):
                yield ParamSink(stmt, target.text, param, f"{target.render(40)} = {param}")
            elif target.kind == "subscript" and len(target.args) == 2 and target.args[0].kind == "name" and \
                    target.args[1].kind == "str" and _privileged(target.args[1].text, extra):
                carriers[target.args[0].text] = (target.args[1].text, param)
        if stmt.kind == "for" and stmt.value is not None:
            carried = _carried(stmt.value, carriers)
            if carried is not None:
                for inner in walk_stmts(stmt.body):
                    call = inner.value if inner.kind == "expr" else None
                    if call is not None and call.kind == "call" and call.func.dotted == "setattr":
                        yield ParamSink(inner, carried[0], carried[1], f"a setattr loop over {stmt.value.render(30)}")
                        break
            continue
        for expr in stmt.own_exprs():
            for call in expr.calls():
                short = call.func.last_name
                if short in _BENIGN or short == "setattr":
                    continue
                for kw in call.keywords:
                    if kw.name is None:
                        carried = _carried(kw.value, carriers)
                        if carried is not None:
                            yield ParamSink(stmt, carried[0], carried[1], f"{call.render(40)}")
                    elif _privileged(kw.name, extra):
                        param = _param_in(kw.value, tainted)
                        if param is not None:
                            yield ParamSink(stmt, kw.name, param, f"{call.render(40)}")
                if short == "update" and call.positional:
                    carried = _carried(call.positional[0], carriers)
                    if carried is not None:
                        yield ParamSink(stmt, carried[0], carried[1], f"{call.render(40)}")


def _param_in(expr: Expr | None, tainted: dict[str, str]) -> str | None:
    """The tainted parameter an assigned value is (`is_admin`, `bool(is_admin)`), not merely uses."""
    if expr is None:
        return None
    while expr.kind == "call" and (expr.func.dotted or "") in ("bool", "str", "int") and expr.positional:
        expr = expr.positional[0]
    return expr.text if expr.kind == "name" and expr.text in tainted else None


def _carried(expr: Expr, carriers: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The privileged field a dict local carries, for `changes`, `changes.items()`, `**changes`."""
    while expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in ("items", "copy"):
        expr = expr.func.args[0]
    return carriers.get(expr.text) if expr.kind == "name" else None


__all__ = ["ParamSink", "param_sinks", "privileged_params"]
