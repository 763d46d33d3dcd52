"""FastAPI and Starlette: registrations made inside project functions that are handed an app or a
router.

A call such as `configure(app)`, `self.setup_routes(app)` or `include_routers(APIRouter(prefix="/t"))`
is followed into the project function, whose app/router parameters are bound to the arguments'
objects (a router built in the argument itself included) and whose other parameters are bound
to the arguments' values; a router the function hands back is what the call returns. A parameter
that holds an app or router nobody visibly passes (annotated `FastAPI`, or named `app` and
registered on) is bound to the project's only such object, else to a stand-in app, so the
function's includes keep their prefixes and dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apilint.frameworks.fastapi_tree import REGISTRATIONS, Router, ScanContext, imports_module
from apilint.project import Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import Ref, Value

if TYPE_CHECKING:
    from apilint.frameworks.fastapi import _Linker

_APPISH = frozenset({"app", "application", "fastapi_app", "api_app", "asgi_app"})
_ROUTERISH = frozenset({"router", "api_router", "parent_router"})
_MAX_HELPERS = 500


class HelperReader:
    """Reads the project functions that receive an app or a router, for one linker."""

    def __init__(self, linker: _Linker) -> None:
        self.linker = linker
        self.index = linker.index
        self._seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        self.replaced: set[tuple[str, str]] = set()
        """(function key, parameter) of stand-ins that a caller bound to a real app or router."""
        self.bound_apps: dict[str, set[str]] = {}
        """Function key -> the real apps a caller handed it (where a registry loop looks for its app)."""

    def param_objects(self, mod: ModuleSummary, func: FunctionDef, bound: dict[str, str]) -> dict[str, str]:
        """Parameters that hold an app or router: bound by the caller, else the project's only one
        of that class, else a stand-in for the app this function is handed."""
        out = dict(bound)
        for param in func.params:
            if param.name in out:
                continue
            if param.annotation is not None:
                kind = self.linker.objects.kind(mod, Expr("call", args=(param.annotation,)))
            else:
                kind = self._registers_on(mod, func, param.name)
            if kind is None:
                continue
            candidates = [r for r in self.linker.routers.values()
                          if r.kind == kind[0] and r.framework == kind[1] and r.stand_in is None]
            same_module = [r for r in candidates if r.mod.path == mod.path]
            chosen = same_module if len(same_module) == 1 else candidates
            if len(chosen) == 1 and param.annotation is not None:
                out[param.name] = chosen[0].key
            else:
                out[param.name] = self._stand_in(mod, func, param.name, kind).key
        return out

    def _registers_on(self, mod: ModuleSummary, func: FunctionDef, name: str) -> tuple[str, str] | None:
        """An unannotated parameter named like an app or router that the body registers routes on
        (`def setup(app): app.include_router(...)`) is taken for one."""
        if name not in _APPISH and name not in _ROUTERISH:
            return None
        for stmt in walk_stmts(func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.func.kind == "attr" and call.func.text in REGISTRATIONS and \
                            call.func.args[0].kind == "name" and call.func.args[0].text == name:
                        framework = "starlette" if imports_module(mod, "starlette") and \
                            not imports_module(mod, "fastapi") else "fastapi"
                        return ("app" if name in _APPISH else "router"), framework
        return None

    def _stand_in(self, mod: ModuleSummary, func: FunctionDef, param: str, kind: tuple[str, str]) -> Router:
        func_key = f"{mod.module}.{func.qualname}"
        key = f"{func_key}.<{param}>"
        if key not in self.linker.routers:
            self.linker.routers[key] = Router(key, kind[0], kind[1], mod, func.line, stand_in=(func_key, param))
        return self.linker.routers[key]

    def call(self, mod: ModuleSummary, call: Expr, ctx: ScanContext, line: int) -> str | None:
        """`configure(app)`, `self.setup_routes(app)`, `include_routers(APIRouter(prefix="/t"))`: read
        the project function with its app/router parameters bound to the arguments' objects (a
        router built in the argument itself included) and its other parameters to the arguments'
        values. Returns the router the function hands back when it returns one of them."""
        if len(self._seen) > _MAX_HELPERS or not self._may_configure(mod, call, ctx):
            return None
        callee = self.index.values.value(mod, call.func, ctx.values).first
        if not isinstance(callee, Ref) or callee.symbol.func is None:
            return None
        symbol = callee.symbol
        func = symbol.func
        assert func is not None
        receiver = self.index.values.value(mod, call.func.args[0], ctx.values).first \
            if call.func.kind == "attr" else None
        wrapper = receiver if self.linker.wrappers.holds_router(receiver) else None
        is_method = "." in func.qualname and func.params and func.params[0].name in ("self", "cls")
        params = [p for p in func.params if p.kind in ("pos", "posonly")][1 if is_method else 0:]
        routers: dict[str, str] = {}
        for i, (param, arg) in enumerate(zip(params, call.positional, strict=False)):
            found = self.linker._resolve_router(mod, arg, ctx) or self._inline_router(mod, arg, ctx, line, i)
            if found is not None:
                routers[param.name] = found.key
        for kw in call.keywords:
            if kw.name is not None and func.param(kw.name) is not None:
                found = self.linker._resolve_router(mod, kw.value, ctx) or self._inline_router(mod, kw.value, ctx, line,
                                                                                              kw.name)
                if found is not None:
                    routers[kw.name] = found.key
        if not routers and wrapper is None:
            return None
        returned = next((routers[s.value.text] for s in walk_stmts(func.body) if s.kind == "return"
                         and s.value is not None and s.value.kind == "name" and s.value.text in routers), None)
        origin = self.linker.wrappers.origin_of(wrapper) if wrapper is not None else ""
        seen_key = (f"{symbol.qualname}@{origin}", tuple(sorted(routers.items())))
        if seen_key in self._seen:
            return returned
        self._seen.add(seen_key)
        func_key = f"{symbol.module.module}.{func.qualname}"
        for name, key in routers.items():
            self.replaced.add((func_key, name))
            router = self.linker.routers[key]
            if router.kind == "app" and router.stand_in is None:
                self.bound_apps.setdefault(func_key, set()).add(key)
        values = self.index.values.bind_arguments(mod, func, call, ctx.values, skip_self=bool(is_method))
        cls = self._owner_class(symbol)
        if wrapper is not None:  # a wrapper's method: `self.router` is this instance's own router
            values["self"] = Value((wrapper,))
            cls = None
        outer = ScanContext("", {}, values=None, condition=ctx.condition)
        inner = self.linker._function_ctx(symbol.module, func, outer, cls, routers, values)
        self.linker._scan(symbol.module, func.body, inner)
        return returned

    def _may_configure(self, mod: ModuleSummary, call: Expr, ctx: ScanContext) -> bool:
        """A cheap test before reading a callee: an argument is an app or router (a known one, or one
        built right there), or the call is a method a router-wrapper class defines."""
        args = call.arguments
        for arg in args:
            if arg.kind == "call":
                if self.linker.objects.kind(mod, arg) is not None:
                    return True
            elif arg.kind in ("name", "attr") and self.linker._resolve_router(mod, arg, ctx) is not None:
                return True
        return call.func.kind == "attr" and call.func.text in self.linker.wrappers.method_names()

    def _inline_router(self, mod: ModuleSummary, arg: Expr, ctx: ScanContext, line: int,
                       position: int | str) -> Router | None:
        """A router or app built right in a call's argument (`include_routers(APIRouter(prefix=...))`)."""
        kind = self.linker.objects.kind(mod, arg)
        if kind is None:
            return None
        key = f"{mod.module}.{ctx.scope}<{(arg.func.dotted or 'router')}@{line}:{position}>"
        if key not in self.linker.routers:
            router = Router(key, kind[0], kind[1], mod, line)
            self.linker.objects.configure(router, mod, arg, ctx)
            self.linker.routers[key] = router
        return self.linker.routers[key]

    def _owner_class(self, symbol: Symbol) -> ClassDef | None:
        head = symbol.qualname.rsplit(".", 1)[0]
        owner = self.index.lookup(head)
        return owner.cls if owner is not None else None
