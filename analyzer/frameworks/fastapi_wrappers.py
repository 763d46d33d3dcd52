"""FastAPI and Starlette: a project's own router classes that wrap the framework's.

A class that holds a framework router (`self.router = APIRouter(prefix=prefix)`) and offers its
own `get`/`post`/`route` decorators or `include` methods is followed through its bodies, two
levels deep: `@v2.get("/items")` on an instance `v2 = VersionedRouter("/v2")` registers what
`VersionedRouter.get` does with `v2`'s arguments bound, whether the method returns the inner
router's decorator (`return self.router.get(self.prefix + path)`) or a decorator of its own that
calls `add_api_route`. Each instance gets its own inner router (`v2.router`), keyed by the name
the instance is bound to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apilint.frameworks.common import join_conditions
from apilint.frameworks.fastapi_tree import RawRoute, Router, ScanContext
from apilint.project import Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import Instance, Ref, Scope, Value

if TYPE_CHECKING:
    from apilint.frameworks.fastapi import _Linker

ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route",
                           "websocket", "route", "websocket_route"})
_MAX_DEPTH = 2


class WrapperReader:
    """Reads project router wrappers for one linker."""

    def __init__(self, linker: _Linker) -> None:
        self.linker = linker
        self.index = linker.index
        self._method_names: frozenset[str] | None = None
        self._attributes: frozenset[str] | None = None

    def method_names(self) -> frozenset[str]:
        """Names of the methods of every project class that keeps a framework router in an attribute
        (empty in most projects: then no call needs a closer look)."""
        self._scan_classes()
        assert self._method_names is not None
        return self._method_names

    def router_attributes(self) -> frozenset[str]:
        """The attribute names such classes keep their routers in (`router`, `_api`)."""
        self._scan_classes()
        assert self._attributes is not None
        return self._attributes

    def _scan_classes(self) -> None:
        if self._method_names is not None:
            return
        names: set[str] = set()
        attributes: set[str] = set()
        for mod in self.index:
            if not mod.mentions("self"):
                continue
            for cls in mod.classes():
                held = self._held(mod, cls)
                if held:
                    attributes |= held
                    names.update(m.name for m in cls.methods())
        self._method_names = frozenset(names)
        self._attributes = frozenset(attributes)

    def _held(self, mod: ModuleSummary, cls: ClassDef) -> set[str]:
        out: set[str] = set()
        for method in cls.methods():
            for stmt in walk_stmts(method.body):
                if stmt.kind in ("assign", "annassign") and stmt.value is not None and stmt.value.kind == "call" \
                        and self.linker.objects.kind(mod, stmt.value) is not None:
                    out.update(t.text for t in stmt.targets if t.kind == "attr" and t.args[0].dotted == "self")
        return out

    # --- inner routers of instances --------------------------------------------------------
    def instance_router(self, mod: ModuleSummary, owner: Expr, attr: str, ctx: ScanContext | None) -> Router | None:
        """`v2.router` / `self.router` where the object is an instance of a project class whose
        methods assign `self.router = APIRouter(...)`: that instance's own router."""
        if attr not in self.router_attributes():
            return None
        value = self.index.values.value(mod, owner, ctx.values if ctx is not None else None).first
        if not isinstance(value, Instance):
            return None
        origin = self._origin(value)
        key = f"{origin}.{attr}"
        routers = self.linker.routers
        if key in routers:
            return routers[key]
        for cls in self._chain(value.cls):
            assert cls.cls is not None
            for method in cls.cls.methods():
                for stmt in walk_stmts(method.body):
                    if stmt.kind not in ("assign", "annassign") or stmt.value is None:
                        continue
                    if not any(t.dotted == f"self.{attr}" for t in stmt.targets):
                        continue
                    kind = self.linker.objects.kind(cls.module, stmt.value)
                    if kind is None:
                        continue
                    router = Router(key, kind[0], kind[1], cls.module, stmt.line)
                    routers[key] = router
                    scope = self._method_scope(value, cls.module, method)
                    self.linker.objects.configure(router, cls.module, stmt.value, ScanContext("", {}, values=scope))
                    return router
        return None

    def holds_router(self, value: object) -> bool:
        """True for an instance of a project class that keeps a framework router in an attribute."""
        if not isinstance(value, Instance):
            return False
        for cls in self._chain(value.cls):
            assert cls.cls is not None
            for method in cls.cls.methods():
                for stmt in walk_stmts(method.body):
                    if stmt.kind in ("assign", "annassign") and stmt.value is not None and any(
                            (t.dotted or "").startswith("self.") for t in stmt.targets) and \
                            self.linker.objects.kind(cls.module, stmt.value) is not None:
                        return True
        return False

    # --- decorators of wrappers ---------------------------------------------------------------
    def decorator(self, mod: ModuleSummary, func: FunctionDef, call: Expr, line: int, ctx: ScanContext) -> bool:
        """`@v2.get("/items")` on a wrapper instance: register what the wrapper's method does."""
        if call.func.text not in self.method_names():
            return False
        receiver = self.index.values.value(mod, call.func.args[0], ctx.values).first
        if not self.holds_router(receiver):
            return False
        assert isinstance(receiver, Instance)
        symbol = Symbol(f"{mod.module}.{func.qualname}", mod, func=func, line=func.line)
        return self._through(mod, call, receiver, symbol, ctx, line, 0)

    def _through(self, mod: ModuleSummary, call: Expr, receiver: Instance, handler: Symbol, ctx: ScanContext, line: int,
                 depth: int) -> bool:
        method = self._method(receiver, call.func.text)
        if method is None or depth > _MAX_DEPTH:
            return False
        owner, fn = method
        bound = self.index.values.bind_arguments(mod, fn, call, ctx.values, skip_self=True)
        bound["self"] = Value((receiver,))
        inner = ScanContext(f"{fn.qualname}.<locals>.", {}, values=Scope(owner.module, fn, bound),
                            condition=ctx.condition)
        for stmt in walk_stmts(fn.body):
            if stmt.kind != "return" or stmt.value is None:
                continue
            returned = stmt.value
            if returned.kind == "call" and returned.func.kind == "attr" and returned.func.text in ROUTE_METHODS:
                router = self.linker._resolve_router(owner.module, returned.func.args[0], inner)
                if router is not None:
                    self._route(owner.module, router, returned, handler, inner, stmt.line)
                    return True
                nested = self.index.values.value(owner.module, returned.func.args[0], inner.values).first
                if isinstance(nested, Instance) and self._through(owner.module, returned, nested, handler, inner,
                                                                  stmt.line, depth + 1):
                    return True
            if returned.kind == "name":
                local = next((s.func for s in fn.body if s.func is not None and s.func.name == returned.text), None)
                if local is not None and self._own_decorator(owner.module, local, handler, inner):
                    return True
        return False

    def _own_decorator(self, mod: ModuleSummary, decorator: FunctionDef, handler: Symbol, ctx: ScanContext) -> bool:
        """`def decorator(fn): self.router.add_api_route(self.prefix + path, fn, ...); return fn`."""
        params = [p for p in decorator.params if p.kind in ("pos", "posonly")]
        if not params or ctx.values is None:
            return False
        scope = Scope(mod, decorator, {params[0].name: Value((Ref(handler),))}, ctx.values)
        inner = ScanContext(ctx.scope, ctx.names, values=scope, condition=ctx.condition)
        before = sum(len(r.routes) for r in self.linker.routers.values())
        for stmt in walk_stmts(decorator.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.func.kind == "attr" and call.func.text in ("add_api_route", "add_route",
                                                                        "add_api_websocket_route"):
                        router = self.linker._resolve_router(mod, call.func.args[0], inner)
                        if router is not None:
                            self.linker._registration(mod, router, call, inner, stmt.line)
        return sum(len(r.routes) for r in self.linker.routers.values()) > before

    def _route(self, mod: ModuleSummary, router: Router, call: Expr, handler: Symbol, ctx: ScanContext,
               line: int) -> None:
        func = handler.func
        assert func is not None
        linker = self.linker
        methods = linker._methods(mod, call.func.text, call, ctx)
        path, note = linker._path(mod, call.arg(0, "path"), ctx, line)
        raw = RawRoute(methods, path, handler.module, func, func.qualname, func.line, decorator=call,
                       decorators=tuple(d.expr for d in func.decorators),
                       condition=join_conditions(ctx.condition, note))
        raw.deps += linker.deps.dep_list(mod, call.kwarg("dependencies"), "route dependencies", line, ctx.values)
        router.routes.append(raw)

    # --- helpers ------------------------------------------------------------------------------
    def _method(self, receiver: Instance, name: str) -> tuple[Symbol, FunctionDef] | None:
        for cls in self._chain(receiver.cls):
            assert cls.cls is not None
            method = cls.cls.method(name)
            if method is not None:
                return cls, method
        return None

    def _chain(self, cls: Symbol) -> list[Symbol]:
        out = [cls]
        for base in self.index.base_names(cls):
            parent = self.index.lookup(base)
            if parent is not None and parent.cls is not None:
                out.append(parent)
        return out

    def _method_scope(self, receiver: Instance, mod: ModuleSummary, method: FunctionDef) -> Scope:
        bound: dict[str, Value] = {"self": Value((receiver,))}
        if method.name == "__init__":
            bound.update(self.index.values.bind_arguments(receiver.mod, method, receiver.call, receiver.scope,
                                                          skip_self=True))
        return Scope(mod, method, bound)

    def origin_of(self, value: Instance) -> str:
        """The name an instance is known by (what keys its own routers)."""
        return self._origin(value)

    @staticmethod
    def _origin(value: Instance) -> str:
        if value.origin is not None:
            where, expr = value.origin
            return f"{where.module}.{expr.dotted or expr.render(30)}"
        return f"{value.mod.module}.<{value.cls.qualname}@{value.call.line}>"


__all__ = ["WrapperReader"]
