"""FastAPI and Starlette: instances of a project class handed an app or router.

`init = Initializer(app)` with `self.api = app` in `__init__`: the methods later called on the
instance (`init.init_routes()`, and `self.x()` inside them) are read with `self.api` bound to
that app, so what they include or mount lands on it (`apilint.frameworks.instances`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apilint.frameworks.fastapi_tree import Router, ScanContext
from apilint.frameworks.instances import held, held_objects, instance_of
from apilint.summary import Expr, ModuleSummary

if TYPE_CHECKING:
    from apilint.frameworks.fastapi import _Linker

_MAX_READS = 500


class InstanceReader:
    """Remembers instances that hold an app or router and reads the methods called on them."""

    def __init__(self, linker: _Linker) -> None:
        self.linker = linker
        self.index = linker.index
        self._read: set[str] = set()

    def bind(self, mod: ModuleSummary, name: str, call: Expr, ctx: ScanContext) -> None:
        """`name = ProjectClass(app, ...)`: remember the attributes its `__init__` keeps the app in."""
        given = [(i, self._named_router(mod, arg, ctx)) for i, arg in enumerate(call.positional)]
        named = [(kw.name, self._named_router(mod, kw.value, ctx)) for kw in call.keywords if kw.name is not None]
        if not any(router is not None for _, router in (*given, *named)):
            return  # no app or router handed over: nothing to follow (and no callee to resolve)
        symbol = self.index.resolve(mod, call.func) if call.func.kind in ("name", "attr") else None
        init = self.index.find_method(symbol, "__init__") if symbol is not None and symbol.cls is not None else None
        if symbol is None or init is None or init.func is None:
            return
        params = [p for p in init.func.params if p.kind in ("pos", "posonly")][1:]
        bound = {params[i].name: router.key for i, router in given if router is not None and i < len(params)}
        bound.update({name: router.key for name, router in named if router is not None})
        kept = held_objects(self.index, symbol, bound)
        if kept:
            ctx.instances[name] = held(symbol, kept, mod, call)

    def _named_router(self, mod: ModuleSummary, arg: Expr, ctx: ScanContext) -> Router | None:
        """The app or router a plain name argument holds (a local one, or a module-level one by its
        qualified name): the cheap test made on every call assignment, with no evaluation."""
        dotted = arg.dotted
        if dotted is None:
            return None
        if dotted in ctx.names:
            return self.linker.routers.get(ctx.names[dotted])
        qualified = self.index.qualify_expr(mod, arg)
        if qualified is None:
            return None
        return self.linker.routers.get(self.linker.aliases.get(qualified, qualified))

    def call(self, mod: ModuleSummary, call: Expr, ctx: ScanContext) -> bool:
        """`init.init_routes()`: read the method with the instance's attributes bound; True when read."""
        instance = instance_of(call, ctx.instances)
        method = self.index.find_method(instance.cls, call.func.text) if instance is not None else None
        if instance is None or method is None or method.func is None:
            return False
        key = f"{method.qualname}|{instance.site}|" + ",".join(f"{a}={k}" for a, k in sorted(instance.attrs.items()))
        if key in self._read or len(self._read) > _MAX_READS:
            return True
        self._read.add(key)
        values = {"self": instance.made, **self.index.values.bind_arguments(mod, method.func, call, ctx.values,
                                                                        skip_self=True)}
        owner = self.index.lookup(method.qualname.rsplit(".", 1)[0])
        inner = self.linker._function_ctx(method.module, method.func, ctx, owner.cls if owner else None, None,
                                          values)
        inner.names.update(instance.attrs)
        inner.instances = {"self": instance}
        self.linker._scan(method.module, method.func.body, inner)
        return True


__all__ = ["InstanceReader"]
