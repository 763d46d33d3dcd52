"""Recursive merges that write client-chosen attribute names (class pollution).

`merge(src, dst)` that walks `src.items()`, recurses into `getattr(dst, key)` and ends in
`setattr(dst, key, value)` follows whatever path the keys spell: `{"__class__": {"__init__":
{"__globals__": {...}}}}` reaches the module's globals through any plain object, so the client
can overwrite settings, imported modules' attributes and class defaults, not only the fields of
the object it was meant to fill.
"""

from __future__ import annotations

from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts


def pollution_source(func: FunctionDef) -> int | None:
    """The position of the parameter whose items `func` writes recursively onto another parameter's
    attributes, or None when `func` is no such merge or skips private names (`k.startswith("_")`)."""
    params = [p.name for p in func.params if p.name not in ("self", "cls")]
    offset = len(func.params) - len(params)
    recursive = False
    loops: list[tuple[str, str, Stmt]] = []
    children = {t.text for stmt in walk_stmts(func.body) if stmt.kind == "assign" and stmt.value is not None
                and _getattr_of(stmt.value, params) for t in stmt.targets if t.kind == "name"}
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            if _skips_private(expr):
                return None
            for call in expr.calls():
                if call.func.kind in ("name", "attr") and call.func.text == func.name and \
                        any(_getattr_of(a, params) or (a.kind == "name" and a.text in children)
                            for a in call.positional):
                    recursive = True
        if stmt.kind == "for" and stmt.value is not None and len(stmt.targets) == 1:
            source = _items_of(stmt.value, params)
            names = [t.text for t in stmt.targets[0].args if t.kind == "name"] \
                if stmt.targets[0].kind == "tuple" else []
            if source is not None and len(names) == 2:
                loops.append((source, names[0], stmt))
    if not recursive:
        return None
    for source, key, loop in loops:
        if any(_setattr_by(stmt, key, params) for stmt in walk_stmts(loop.body)):
            return params.index(source) + offset
    return None


def _items_of(e: Expr, params: list[str]) -> str | None:
    """`src` of `src.items()` when `src` is a parameter."""
    if e.kind == "call" and e.func.kind == "attr" and e.func.text == "items" and not e.positional:
        owner = e.func.args[0]
        if owner.kind == "name" and owner.text in params:
            return owner.text
    return None


def _getattr_of(e: Expr, params: list[str]) -> bool:
    """`getattr(dst, k)`, `dst.get(k)` or `dst[k]` on a parameter: the recursion goes one level down."""
    if e.kind == "call" and e.func.kind == "name" and e.func.text == "getattr" and e.positional:
        first = e.positional[0]
        return first.kind == "name" and first.text in params
    if e.kind == "call" and e.func.kind == "attr" and e.func.text == "get":
        owner = e.func.args[0]
        return owner.kind == "name" and owner.text in params
    return e.kind == "subscript" and bool(e.args) and e.args[0].kind == "name" and e.args[0].text in params


def _setattr_by(stmt: Stmt, key: str, params: list[str]) -> bool:
    for expr in stmt.own_exprs():
        for call in expr.calls():
            if call.func.kind == "name" and call.func.text == "setattr" and len(call.positional) >= 2:
                target, name = call.positional[0], call.positional[1]
                if target.kind == "name" and target.text in params and name.kind == "name" and name.text == key:
                    return True
    return False


def _skips_private(expr: Expr) -> bool:
    """`k.startswith("_")`, `"__" in k`: the merge refuses dunder and private names."""
    for sub in expr.walk():
        if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text == "startswith" and \
                any(a.kind == "str" and a.text.startswith("_") for a in sub.positional):
            return True
        if sub.kind == "compare" and any(a.kind == "str" and a.text in ("_", "__") for a in sub.args):
            return True
    return False
