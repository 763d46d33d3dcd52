"""FastAPI and Starlette: instances of a project class handed an app or router.

`init = Initializer(app)` with `self.api = app` in `__init__`: the methods later called on the
instance (`init.init_routes()`, and `self.x()` inside them) are read with `self.api` bound to
that app, so what they include or mount lands on it (`apilint.frameworks.instances`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apilint.frameworks.fastapi_tree import ScanContext
from apilint.frameworks.instances import constructed, instance_of
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
        made = constructed(self.index, mod, call, lambda arg: self._named_router(mod, arg, ctx))
        if made is not None:
            ctx.instances[name] = made[0]

    def _named_router(self, mod: ModuleSummary, arg: Expr, ctx: ScanContext) -> str | None:
        """The key of the app or router a plain name argument holds (a local one, or a module-level
        one by its qualified name), read with no evaluation."""
        dotted = arg.dotted
        if dotted is None:
            return None
        if dotted in ctx.names:
            return ctx.names[dotted] if ctx.names[dotted] in self.linker.routers else None
        qualified = self.index.qualify_expr(mod, arg)
        key = self.linker.aliases.get(qualified, qualified) if qualified is not None else None
        return key if key is not None and key in self.linker.routers else None

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
