"""FastAPI: which handler parameters a dependency fills (`user = Depends(get_user)`), published on
each route as `Route.injected` so rules read them without knowing FastAPI's syntax."""

from __future__ import annotations

from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary

_INJECTORS = ("Depends", "Security")


def injected_params(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> dict[str, str]:
    """Parameters a dependency fills (`user = Depends(get_user)`, `Annotated[T, Security(x)]`, an
    `Annotated` alias defined in another module): parameter name -> the dependency's qualified name
    (the class for `Depends(Checker(...))`)."""
    out: dict[str, str] = {}
    for param in func.params:
        target = _injected(index, mod, param.default) if param.default is not None else None
        if target is None and param.annotation is not None:
            target = _annotated_injection(index, mod, param.annotation, 0)
        if target is not None:
            out[param.name] = target
    return out


def _injected(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> str | None:
    if expr.kind != "call" or (index.qualify_expr(mod, expr.func) or "").rsplit(".", 1)[-1] not in _INJECTORS:
        return None
    target = expr.arg(0, "dependency")
    if target is None:
        return None
    if target.kind == "call":
        target = target.func
    return index.qualify_expr(mod, target)


def _annotated_injection(index: ProjectIndex, mod: ModuleSummary, ann: Expr, depth: int) -> str | None:
    if depth > 4:
        return None
    if ann.kind == "subscript" and (ann.args[0].dotted or "").endswith("Annotated"):
        for meta in ann.args[2:]:
            found = _injected(index, mod, meta)
            if found is not None:
                return found
        return None
    if ann.kind in ("name", "attr"):
        symbol = index.resolve(mod, ann)
        if symbol is not None and symbol.value is not None and symbol.value.kind == "subscript":
            return _annotated_injection(index, symbol.module, symbol.value, depth + 1)
    return None
