"""Django middleware, view decorators and Ninja auth callables, judged by running them for an
anonymous caller (`apilint.frameworks.anonymous`).

A gate lets the request through when it returns what the wrapped view (or the next middleware)
returns, when a `process_request`/`process_view` hook returns None, or when an auth callable
returns something true; it turns the caller away when it returns a response of its own or
raises. A decorator factory's arguments are bound (`@api_auth(optional=True)`), so the same
decorator can protect one view and not another; the route's HTTP method is known when the view
has one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from apilint.frameworks.anonymous import PASSED, REQUEST, VIEW, Frame, Obj, Probe, Reader, Unknown, gate
from apilint.frameworks.anonymous_values import ValueReader
from apilint.frameworks.classes import ClassInfo
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary

_HOOKS = (("__call__", "response"), ("__acall__", "response"), ("process_request", "hook"),
          ("process_view", "hook"))


def judge_middleware(index: ProjectIndex, symbol: Symbol) -> tuple[str, str]:
    """(`allow` | `deny` | `unknown`, reason) for a project middleware class or factory function."""
    if symbol.cls is not None:
        info = ClassInfo(index, symbol)
        me = Obj("instance", symbol.qualname, symbol)
        passthrough = frozenset({"get_response", "self.get_response", *_stored_get_response(info)})
        results: list[tuple[str, str]] = []
        for name, mode in _HOOKS:
            found = info.method(name)
            if found is None:
                continue
            func, owner = found
            reader = Reader(index, Probe(passthrough=passthrough), _django_base)
            args: list[Any] = [REQUEST] if name != "process_view" else [
                REQUEST, Unknown("the view function"), Unknown("the view's arguments"), Unknown("the view's arguments")]
            results.append(gate(reader.call(owner, func, args, receiver=me, cls=info), mode, reader))
        return _all_pass(results)
    if symbol.func is not None:
        levels = _levels(symbol.func)
        if len(levels) < 2 or not levels[0].params:
            return "unknown", "the middleware's wrapper cannot be found"
        outer, inner = levels[0], levels[1]
        reader = Reader(index, Probe(passthrough=frozenset({outer.params[0].name})))
        return gate(reader.call(symbol, inner, [REQUEST]), "response", reader)
    return "unknown", "not a class or function"


def judge_decorator(index: ProjectIndex, mod: ModuleSummary, expr: Expr, symbol: Symbol,
                    method: str | None) -> tuple[str, str] | None:
    """(`allow` | `deny` | `unknown`, reason) for a project view decorator as applied by `expr`
    (a factory call's arguments bound), or None when its wrapper cannot be found."""
    assert symbol.func is not None
    levels = _levels(symbol.func)
    need = 3 if expr.kind == "call" else 2
    if len(levels) < need:
        return None
    reader = Reader(index, Probe(method))
    closure: dict[str, Any] = {}
    if expr.kind == "call":
        args = [reader.evaluate(a, mod) for a in expr.positional if a.kind != "starred"]
        kwargs = {kw.name: reader.evaluate(kw.value, mod) for kw in expr.keywords if kw.name is not None}
        closure = reader.bind(levels[0], Frame(symbol.module), args, kwargs)
    deco, wrapper = levels[need - 2], levels[need - 1]
    if not deco.params:
        return None
    view = deco.params[0].name
    reader = Reader(index, replace(reader.probe, passthrough=frozenset({view})))
    closure[view] = Unknown("the view function")
    params = [p.name for p in wrapper.params]
    args_in: list[Any] = [VIEW, REQUEST] if params[:1] == ["self"] else [REQUEST]
    return gate(reader.call(symbol, wrapper, args_in, closure=closure), "response", reader)


def judge_callable(index: ProjectIndex, symbol: Symbol, method: str | None) -> tuple[str, str] | None:
    """(`allow` | `deny` | `unknown`, reason) for a project auth callable that returns the caller or
    something false (a Django Ninja `auth=` function, or a class whose instances are called)."""
    reader = Reader(index, Probe(method))
    if symbol.func is not None:
        return gate(reader.call(symbol, symbol.func, [REQUEST]), "permission", reader)
    if symbol.cls is not None:
        info = ClassInfo(index, symbol)
        found = info.method("__call__")
        if found is None:
            return None
        me = Obj("instance", symbol.qualname, symbol)
        return gate(reader.call(found[1], found[0], [REQUEST], receiver=me, cls=info), "permission", reader)
    return None


def _django_base(reader: ValueReader, qualified: str, name: str, receiver: Obj, args: list[Any],
                 env: dict[str, Any]) -> Any:
    """Django's middleware base classes: `super().__call__(request)` hands the request on."""
    if not qualified.startswith("django."):
        return None
    return PASSED if name in ("__call__", "__acall__", "get_response") else None


def _all_pass(results: list[tuple[str, str]]) -> tuple[str, str]:
    """A request passes a middleware when it passes every hook the middleware has."""
    for verdict in ("deny", "unknown"):
        for found, why in results:
            if found == verdict:
                return found, why
    return "allow", ""


def _stored_get_response(info: ClassInfo) -> list[str]:
    """`self.x` names `__init__` stores the next handler under (`self.app = get_response`)."""
    found = info.method("__init__")
    if found is None or len(found[0].params) < 2:
        return []
    param = found[0].params[1].name
    return [target.dotted for stmt in found[0].body if stmt.kind == "assign" and stmt.value is not None
            and stmt.value.kind == "name" and stmt.value.text == param
            for target in stmt.targets if target.dotted is not None]


def _levels(func: FunctionDef) -> list[FunctionDef]:
    """The function and the nested functions it returns, outermost first (factory, decorator, wrapper)."""
    levels = [func]
    for _ in range(3):
        inner = [s.func for s in levels[-1].body if s.func is not None]
        if not inner:
            break
        levels.append(inner[-1])
    return levels


__all__ = ["judge_callable", "judge_decorator", "judge_middleware"]
