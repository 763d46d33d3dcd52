"""FastAPI and Starlette: instances of a project class handed an app or router.

`init = Initializer(app)` with `self.api = app` in `__init__`: the methods later called on the
instance (`init.init_routes()`, and `self.x()` inside them) are read with `self.api` bound to
that app, so what they include or mount lands on it (`apilint.frameworks.instances`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apilint.frameworks.fastapi_tree import ScanContext
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
        symbol = self.index.resolve(mod, call.func) if call.func.kind in ("name", "attr") else None
        init = self.index.find_method(symbol, "__init__") if symbol is not None and symbol.cls is not None else None
        if symbol is None or init is None or init.func is None:
            return
        params = [p for p in init.func.params if p.kind in ("pos", "posonly")][1:]
        bound: dict[str, str] = {}
        for param, arg in zip(params, call.positional, strict=False):
            router = self.linker._resolve_router(mod, arg, ctx)
            if router is not None:
                bound[param.name] = router.key
        for kw in call.keywords:
            router = self.linker._resolve_router(mod, kw.value, ctx) if kw.name is not None else None
            if router is not None and kw.name is not None:
                bound[kw.name] = router.key
        kept = held_objects(self.index, symbol, bound) if bound else {}
        if kept:
            ctx.instances[name] = held(symbol, kept, mod, call)

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
