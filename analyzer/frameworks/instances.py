"""Instances of a project class that holds an app or router, such as an initializer (Flask,
FastAPI/Starlette).

`initializer = AppInitializer(app)` keeps the app in an attribute (`self.flask_app = app` in
`__init__`). The methods later called on the instance (`initializer.init_app()`, and the
`self.init_views()` calls inside them) register blueprints or routers on it. Each adapter reads
those methods with the attribute bound to the app, the way it reads a helper handed the app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import Instance, Value


class Held(NamedTuple):
    """An instance that holds an app or router."""

    cls: Symbol
    """Its class."""
    attrs: dict[str, str]
    """Its attributes that hold an app, blueprint or router: `self.flask_app` -> the object's key."""
    made: Value
    """`self` as the constructor call made it (`Initializer(app, version="v2")`), for the values
    its methods read (`self.version`)."""
    site: str
    """Where it is made (file, line, call), which tells one instance's reading from another's."""


def held(cls: Symbol, attrs: dict[str, str], mod: ModuleSummary, call: Expr) -> Held:
    """The instance `call` (written in `mod`) builds, holding `attrs`."""
    return Held(cls, attrs, Value((Instance(cls, call, mod),)), f"{mod.path}:{call.line}:{call.render(80)}")


def constructed(index: ProjectIndex, mod: ModuleSummary, call: Expr,
                object_key: Callable[[Expr], str | None]) -> tuple[Held, Symbol] | None:
    """`ProjectClass(app, ...)` written in `mod`: the instance, when an argument names an app,
    blueprint or router (`object_key` gives its key; it is asked only about plain names, the cheap
    test made on every call assignment) and `__init__` keeps it in an attribute; with `__init__`."""
    given = [(i, object_key(arg)) for i, arg in enumerate(call.positional) if arg.kind in ("name", "attr")]
    named = [(kw.name, object_key(kw.value)) for kw in call.keywords
             if kw.name is not None and kw.value.kind in ("name", "attr")]
    if not any(key is not None for _, key in (*given, *named)):
        return None  # no app or router handed over: nothing to follow (and no callee to resolve)
    symbol = index.resolve(mod, call.func) if call.func.kind in ("name", "attr") else None
    init = index.find_method(symbol, "__init__") if symbol is not None and symbol.cls is not None else None
    if symbol is None or init is None or init.func is None:
        return None
    params = [p for p in init.func.params if p.kind in ("pos", "posonly")][1:]
    bound = {params[i].name: key for i, key in given if key is not None and i < len(params)}
    bound.update({name: key for name, key in named if key is not None})
    attrs = _held_attributes(init.func, bound)
    return (held(symbol, attrs, mod, call), init) if attrs else None


def _held_attributes(init: FunctionDef, bound: dict[str, str]) -> dict[str, str]:
    """The attributes `__init__` sets from parameters that hold an app or blueprint: `self.flask_app
    = app` with `app` bound to the Flask app -> {"self.flask_app": key}."""
    out: dict[str, str] = {}
    for stmt in walk_stmts(init.body):
        if stmt.kind not in ("assign", "annassign") or stmt.value is None or stmt.value.kind != "name":
            continue
        key = bound.get(stmt.value.text)
        if key is None:
            continue
        for target in stmt.targets:
            if target.kind == "attr" and target.args[0].kind == "name" and target.args[0].text == "self":
                out[f"self.{target.text}"] = key
    return out


def instance_of(call: Expr, instances: Mapping[str, Held]) -> Held | None:
    """What `inst.method(...)` is called on, when `inst` (or `self` inside its methods) is a known
    instance holding an app."""
    func = call.func
    if func.kind != "attr" or func.args[0].kind != "name":
        return None
    return instances.get(func.args[0].text)


__all__ = ["Held", "constructed", "held", "instance_of"]
