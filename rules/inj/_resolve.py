"""Which project function a call reaches (functions, methods of project classes)."""

from __future__ import annotations

import weakref

from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary

_CALLEES: weakref.WeakKeyDictionary[ProjectIndex, dict[tuple[str, str], str]] = weakref.WeakKeyDictionary()


def callee_cache(index: ProjectIndex) -> dict[tuple[str, str], str]:
    """The run's `module_callee` results by (module path, dotted name)."""
    found = _CALLEES.get(index)
    if found is None:
        found = _CALLEES[index] = {}
    return found


def module_callee(index: ProjectIndex, mod: ModuleSummary, head: str, rest: str) -> str:
    """Qualified name of what `head.rest` calls when no local of the function binds `head`: an
    instance made at module level (`service = Service()`) stands for its class."""
    symbol = index.resolve(mod, Expr("name", head))
    if symbol is not None and symbol.value is not None and symbol.value.kind == "call" and rest:
        base = index.qualify_expr(symbol.module, symbol.value.func) or head
        return f"{base}.{rest}"
    return index.qualify(mod, f"{head}.{rest}" if rest else head)


def resolve_call(index: ProjectIndex, mod: ModuleSummary, call: Expr) -> tuple[ModuleSummary, FunctionDef] | None:
    """The project function (or `Class.method`) a call reaches, when apilint can tell."""
    symbol = index.resolve(mod, call.func)
    if symbol is None and call.func.kind == "attr":
        owner = index.resolve(mod, call.func.args[0])
        if owner is not None and owner.cls is None and owner.value is not None and owner.value.kind == "call":
            owner = index.resolve(owner.module, owner.value.func)  # `service = Service()` at module level
        if owner is not None and owner.cls is not None:
            method = method_of(index, owner.module, owner.cls.name, call.func.text)
            if method is not None:
                return method
        return None
    if symbol is None or symbol.func is None:
        return None
    return symbol.module, symbol.func


def method_of(index: ProjectIndex, mod: ModuleSummary, cls_name: str,
            name: str) -> tuple[ModuleSummary, FunctionDef] | None:
    """`cls_name.name` defined in the class or one of its project base classes."""
    symbol = index.definitions(mod).get(cls_name)
    if symbol is None or symbol.cls is None:
        return None
    found = symbol.cls.method(name)
    if found is not None:
        return mod, found
    for base in index.base_names(symbol):
        parent = index.lookup(base)
        if parent is not None and parent.cls is not None:
            found = parent.cls.method(name)
            if found is not None:
                return parent.module, found
    return None

