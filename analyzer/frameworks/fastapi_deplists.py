"""FastAPI dependency declarations: `dependencies=[...]` lists as the app builds them, handler
and dependency parameters (`= Depends(x)`, `Annotated[T, Depends(x)]` through aliases).

A list is read with the value evaluator in the scope it is written in, with every value it
may take: `deps = [Depends(a)]; if auth_enabled: deps.append(Depends(b))` gives `a` on every
route and `b` only `if auth_enabled`; `[Depends(b)] if auth_enabled else []` the same. A list
that cannot be read at all is kept as a dependency whose effect is unknown, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt
from apilint.values import Opaque, Scope, as_expr

DEPENDS = ("Depends", "Security")


@dataclass
class Dep:
    """One dependency on the way to a handler: the `Depends(...)` target, where it is declared."""

    expr: Expr | None
    mod: ModuleSummary
    where: str
    line: int
    scopes: tuple[str, ...] = ()
    annotation: Expr | None = None
    scope: Scope | None = None
    """The evaluator scope the declaration is written in (a factory's locals and parameters)."""
    condition: str = ""
    """Set when the dependency applies only under a condition (`if auth_enabled`)."""
    unreadable: str = ""
    """Set (to the reason) for a `dependencies=` value that cannot be read."""
    param: str = ""
    """The parameter the dependency fills, for parameter dependencies."""


def dep_list(index: ProjectIndex, mod: ModuleSummary, expr: Expr | None, where: str, line: int,
             scope: Scope | None = None) -> list[Dep]:
    """The `Depends(...)` items of a `dependencies=[...]` value, each with the condition under
    which it is in the list (empty when it always is)."""
    if expr is None:
        return []
    value = index.values.value(mod, expr, scope)
    lists = [o for o in value.options if isinstance(o, list | tuple)]
    others = [o for o in value.options if not isinstance(o, list | tuple) and o is not None]
    found: dict[tuple[str, str], tuple[Dep, Expr, int]] = {}
    for option in lists:
        for item in option:
            written = as_expr(mod, item) if isinstance(item, Opaque) else None
            if written is None:
                continue
            owner, item_expr = written
            dep = as_dep(index, owner, item_expr, None, where, line, scope if owner is mod else None)
            if dep is None and item_expr.kind in ("name", "attr"):  # AUTH = Depends(get_user); [AUTH]
                symbol = index.resolve(owner, item_expr)
                if symbol is not None and symbol.value is not None:
                    dep = as_dep(index, symbol.module, symbol.value, None, where, line)
            if dep is None:
                continue
            key = (owner.path, item_expr.render(120))
            seen = found.get(key)
            found[key] = (seen[0], seen[1], seen[2] + 1) if seen else (dep, item_expr, 1)
    out: list[Dep] = []
    for dep, item_expr, count in found.values():
        if count < len(lists) or others:
            dep.condition = condition_of(mod, scope, expr, item_expr) or \
                f"when `{expr.render(40)}` takes one of its other possible values"
        out.append(dep)
    for other in others[:1]:
        reason = other.reason if isinstance(other, Opaque) else f"`{expr.render(40)}` is not a list"
        out.append(Dep(expr, mod, where, line, scope=scope, unreadable=reason,
                       condition=(condition_of(mod, scope, expr, expr) or "under a condition") if lists else ""))
    return out


def as_dep(index: ProjectIndex, mod: ModuleSummary, expr: Expr, annotation: Expr | None, where: str, line: int,
           scope: Scope | None = None, param: str = "") -> Dep | None:
    """A `Depends(x)`/`Security(x, scopes=[...])` call as a dependency, else None."""
    if expr.kind != "call":
        return None
    callee = index.qualify_expr(mod, expr.func) or ""
    short = callee.rsplit(".", 1)[-1]
    if short not in DEPENDS:
        return None
    scopes: tuple[str, ...] = ()
    scopes_expr = expr.kwarg("scopes")
    if scopes_expr is not None:
        listed = index.values.value(mod, scopes_expr, scope).first
        if isinstance(listed, list | tuple):
            scopes = tuple(s for s in listed if isinstance(s, str))
    return Dep(expr.arg(0, "dependency"), mod, where, line, scopes, annotation, scope, param=param)


def param_deps(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef, where: str) -> list[Dep]:
    """Dependencies declared by a function's parameters (defaults and `Annotated[...]`)."""
    out = []
    for param in func.params:
        if param.default is not None:
            dep = as_dep(index, mod, param.default, param.annotation, where, func.line, param=param.name)
            if dep is not None:
                out.append(dep)
                continue
        if param.annotation is not None:
            for dep in annotated_deps(index, mod, param.annotation, where, func.line, 0):
                dep.param = param.name
                out.append(dep)
    return out


def annotated_deps(index: ProjectIndex, mod: ModuleSummary, ann: Expr, where: str, line: int,
                   depth: int) -> list[Dep]:
    """Dependencies in an `Annotated[T, Depends(x)]` annotation, through aliases in any module
    (`CurrentUser = Annotated[User, Depends(get_current_user)]`) and `Optional[...]`/`T | None`."""
    if depth > 4:
        return []
    if ann.kind == "subscript" and (ann.args[0].dotted or "").endswith("Annotated"):
        out = []
        for meta in ann.args[2:]:
            dep = as_dep(index, mod, meta, ann.args[1] if len(ann.args) > 1 else None, where, line)
            if dep is not None:
                out.append(dep)
        return out
    if ann.kind in ("name", "attr"):
        symbol = index.resolve(mod, ann)
        if symbol is not None and symbol.value is not None and symbol.value.kind == "subscript":
            return annotated_deps(index, symbol.module, symbol.value, f"{where} via {ann.render(40)}", line,
                                  depth + 1)
    return []


def condition_of(mod: ModuleSummary, scope: Scope | None, list_expr: Expr, target: Expr) -> str:
    """The `if` tests (or conditional-expression tests) a dependency item (`target`) is written
    under, in the function or module the list is built in; empty when none is found."""
    if list_expr.kind == "ifexp":
        return _in_ifexp(list_expr, target) or ""
    body = scope.func.body if scope is not None and scope.func is not None else mod.body
    found = _search(body, target, ())
    return "; ".join(found) if found else ""


def _search(body: tuple[Stmt, ...], target: Expr | None, conditions: tuple[str, ...]) -> tuple[str, ...] | None:
    for stmt in body:
        if stmt.func is not None or stmt.cls is not None:
            continue
        if stmt.kind == "if" and stmt.value is not None:
            test = stmt.value.render(60)
            found = _search(stmt.body, target, (*conditions, f"if {test}"))
            if found is None:
                found = _search(stmt.orelse, target, (*conditions, f"unless {test}"))
            if found is not None:
                return found
            continue
        for expr in stmt.own_exprs():
            if _contains(expr, target):
                inner = _in_ifexp(expr, target)
                return (*conditions, inner) if inner else conditions
        if stmt.kind in ("for", "while"):
            found = _search(stmt.body, target, (*conditions, "in a loop"))
        else:
            found = _search(tuple(stmt.children()), target, conditions)
        if found is not None:
            return found
    return None


def _contains(expr: Expr, target: Expr | None) -> bool:
    if target is None:
        return False
    text = target.render(120)
    return any(sub is target or (sub.kind == target.kind and sub.render(120) == text) for sub in expr.walk())


def _in_ifexp(expr: Expr, target: Expr | None) -> str | None:
    for sub in expr.walk():
        if sub.kind == "ifexp" and len(sub.args) == 3:
            test = sub.args[0].render(60)
            if _contains(sub.args[1], target):
                return f"if {test}"
            if _contains(sub.args[2], target):
                return f"unless {test}"
    return None


__all__ = ["DEPENDS", "Dep", "annotated_deps", "as_dep", "condition_of", "dep_list", "param_deps"]
