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
        if owner is None or (owner.cls is None and owner.func is None and owner.value is None):
            return delegated(index, mod, call.func.args[0], call.func.text)
        return None
    if symbol is None or symbol.func is None:
        return None
    return symbol.module, symbol.func


def delegated(index: ProjectIndex, mod: ModuleSummary, receiver: Expr,
              name: str) -> tuple[ModuleSummary, FunctionDef] | None:
    """`db.search(...)` where the project module `db` has no `search` but a module `__getattr__`
    that hands every attribute to a backend object (`return getattr(_backend, name)`): the method
    of the first project class the module imports or defines that has one."""
    dotted = index.qualify_expr(mod, receiver)
    target = index.module(dotted) if dotted else None
    if target is None or "__getattr__" not in index.definitions(target):
        return None
    hook = index.definitions(target)["__getattr__"].func
    if hook is None or not any(sub.kind == "call" and sub.func.dotted == "getattr"
                               for stmt in hook.body for e in stmt.own_exprs() for sub in e.walk()):
        return None
    candidates = [symbol for symbol in index.definitions(target).values() if symbol.cls is not None]
    candidates += [found for qualname in index.import_table(target).values()
                   if (found := index.lookup(qualname)) is not None and found.cls is not None]
    for cls in candidates:
        found = index.find_method(cls, name)
        if found is not None and found.func is not None:
            return found.module, found.func
    return None


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

