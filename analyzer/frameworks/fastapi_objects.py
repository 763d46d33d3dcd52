"""FastAPI and Starlette, pass 1: the apps and routers of a project, wherever they are made.

Objects are found at module level, in factories and in methods (`self.app = FastAPI()`), and
a function's `return Starlette(...)`; each is then configured from its constructor call (prefix,
dependencies, `routes=`, middleware, the docs URLs, debug flag, exception handlers) once every
object is known, so a `routes=` list may name routers made anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apilint.frameworks.builtin_routes import fastapi_docs_routes
from apilint.frameworks.fastapi_tree import Router, ScanContext, imports_module
from apilint.frameworks.fastapi_wrappers import ROUTE_METHODS
from apilint.model import Location, SettingFact
from apilint.project import Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Instance, Scope, Value

if TYPE_CHECKING:
    from apilint.frameworks.fastapi import _Linker

APP_CLASSES = {"fastapi.FastAPI": "fastapi", "fastapi.applications.FastAPI": "fastapi",
               "starlette.applications.Starlette": "starlette"}
ROUTER_CLASSES = {"fastapi.APIRouter": "fastapi", "fastapi.routing.APIRouter": "fastapi",
                  "starlette.routing.Router": "starlette"}


class ObjectReader:
    """Finds every app and router object and reads its constructor arguments."""

    def __init__(self, linker: _Linker) -> None:
        self.linker = linker
        self.index = linker.index
        self.pending: list[tuple[Router, ModuleSummary, Expr, Scope | None]] = []
        """Objects waiting to be configured from their constructor call once every object is known."""

    def kind(self, mod: ModuleSummary, value: Expr | None) -> tuple[str, str] | None:
        """(`app` or `router`, framework) when `value` builds a FastAPI/Starlette app or router."""
        if value is None or value.kind != "call":
            return None
        callee = self.index.qualify_expr(mod, value.func) or ""
        if callee in APP_CLASSES:
            return "app", APP_CLASSES[callee]
        if callee in ROUTER_CLASSES:
            return "router", ROUTER_CLASSES[callee]
        short = callee.rsplit(".", 1)[-1]
        if short in ("FastAPI", "APIRouter") and imports_module(mod, "fastapi"):
            return ("app" if short == "FastAPI" else "router"), "fastapi"
        symbol = self.index.lookup(callee)
        if symbol is not None and symbol.cls is not None:
            for base in self.index.base_names(symbol):
                if base in APP_CLASSES:
                    return "app", APP_CLASSES[base]
                if base in ROUTER_CLASSES:
                    return "router", ROUTER_CLASSES[base]
        return None

    def collect(self, mod: ModuleSummary, body: tuple[Stmt, ...], scope: str, cls: ClassDef | None,
                         values: Scope | None) -> None:
        """Apps and routers wherever they are made: assigned to a name or `self.x`, or returned
        straight from a factory (`return Starlette(routes=...)`). Inside a function their arguments
        are read with its parameters at their defaults."""
        for stmt in walk_stmts(body):
            if stmt.kind in ("assign", "annassign", "return") and stmt.value is not None:
                kind = self.kind(mod, stmt.value)
                if kind is None:
                    continue
                targets = [t.dotted for t in stmt.targets] if stmt.kind != "return" else [f"<return@{stmt.line}>"]
                for dotted in targets:
                    if dotted is None:
                        continue
                    key = self._object_key(mod, scope, cls, dotted)
                    router = Router(key, kind[0], kind[1], mod, stmt.line)
                    router.template = (kind[0] == "router" and cls is not None and dotted.startswith("self.")
                                       and any(m.name in ROUTE_METHODS for m in cls.methods()))
                    self.pending.append((router, mod, stmt.value, values))
                    self.linker.routers[key] = router
            elif stmt.func is not None:
                inner = self._definition_scope(mod, stmt.func, cls, values)
                self.collect(mod, stmt.func.body, f"{stmt.func.qualname}.<locals>.", cls, inner)
            elif stmt.cls is not None:
                for method in stmt.cls.methods():
                    inner = self._definition_scope(mod, method, stmt.cls, values)
                    self.collect(mod, method.body, f"{method.qualname}.<locals>.", stmt.cls, inner)

    @staticmethod
    def _definition_scope(mod: ModuleSummary, func: FunctionDef, cls: ClassDef | None,
                          parent: Scope | None) -> Scope:
        bound: dict[str, Value] = {}
        if cls is not None:
            symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
            bound["self"] = Value((Instance(symbol, Expr("call", args=(Expr("name", cls.name),)), mod),))
        return Scope(mod, func, bound, parent)

    @staticmethod
    def _object_key(mod: ModuleSummary, scope: str, cls: ClassDef | None, dotted: str) -> str:
        """`self.app = FastAPI()` in any method belongs to the class; other names to their scope."""
        if cls is not None and dotted.startswith("self."):
            return f"{mod.module}.{cls.qualname}.{dotted}"
        return f"{mod.module}.{scope}{dotted}"

    def configure(self, router: Router, mod: ModuleSummary, call: Expr, ctx: ScanContext | None) -> None:
        """Read an object's constructor arguments: prefix, dependencies, routes, middleware, docs URLs,
        debug flag and exception handlers."""
        scope = ctx.values if ctx is not None else None
        prefix = call.kwarg("prefix")
        if prefix is not None:
            router.prefix = self.linker._path(mod, prefix, ctx, router.line)[0]
        router.deps += self.linker.deps.dep_list(mod, call.kwarg("dependencies"), "router dependencies", router.line,
                                                 scope)
        routes = call.kwarg("routes")
        if routes is not None:
            router.routes += self.linker.route_lists.routes(mod, routes, "", router, ctx)
        middleware = call.kwarg("middleware")
        if middleware is not None:
            for owner, item in self.index.values.element_exprs(mod, middleware, scope):
                if item.kind == "call" and item.positional:
                    self.linker.facts.middleware(router, owner, item.positional[0], item, router.line)
        if router.kind == "app" and router.framework == "fastapi":
            router.builtin += fastapi_docs_routes(self.index, mod, call, scope)
        debug = call.kwarg("debug")
        if debug is not None and debug.is_true:
            self.linker.out.settings.append(SettingFact("DEBUG", "True", Location(mod.path, router.line),
                                                 router.framework))
        handlers = call.kwarg("exception_handlers")
        if handlers is not None and handlers.kind == "dict":
            for value in handlers.args[1::2]:
                self.linker.facts.exception_handler(mod, value)
