"""Flask: instances of a project class that holds the app, such as an initializer.

`initializer = AppInitializer(app)` keeps the app in an attribute (`self.flask_app = app` in
`__init__`). The methods later called on the instance (`initializer.init_app()`, and the
`self.init_views()` calls inside them) register blueprints on `self.flask_app`. Those methods are
read with the attribute bound to the app, the way a helper handed the app is read.
"""

from __future__ import annotations

from apilint.frameworks.flask_nodes import Env
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, walk_stmts

Held = tuple[Symbol, dict[str, str]]
"""The instance's class, and its attributes that hold an app or blueprint (`self.flask_app` -> key)."""


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


def instance_of(call: Expr, env: Env) -> Held | None:
    """What `inst.method(...)` is called on, when `inst` (or `self` inside its methods) is a known
    instance holding an app."""
    func = call.func
    if func.kind != "attr" or func.args[0].kind != "name":
        return None
    return env.instances.get(func.args[0].text)


__all__ = ["Held", "held_objects", "instance_of"]
