"""Instances of a project class that holds an app or router, such as an initializer (Flask,
FastAPI/Starlette).

`initializer = AppInitializer(app)` keeps the app in an attribute (`self.flask_app = app` in
`__init__`). The methods later called on the instance (`initializer.init_app()`, and the
`self.init_views()` calls inside them) register blueprints or routers on it. Each adapter reads
those methods with the attribute bound to the app, the way it reads a helper handed the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, ModuleSummary, walk_stmts
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


def held_objects(index: ProjectIndex, cls: Symbol, bound: dict[str, str]) -> dict[str, str]:
    """The attributes `__init__` (or the first base class's) sets from parameters that hold an app or
    blueprint: `self.flask_app = app` with `app` bound to the Flask app -> {"self.flask_app": key}."""
    init = index.find_method(cls, "__init__")
    if init is None or init.func is None:
        return {}
    out: dict[str, str] = {}
    for stmt in walk_stmts(init.func.body):
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


__all__ = ["Held", "held", "held_objects", "instance_of"]
