"""FastAPI and Starlette: where apps and routers are made and how they are put together.

Objects (apps, routers) are found wherever they are created: at module level, in factories, in
methods (`self.app = FastAPI()`). Registrations are read in the scope they are written in, with
the value evaluator for paths and prefixes: at module level, in app factories, in helpers and
methods that receive the app (`configure(app)`, `self.setup_routes(app)`), in loops over literal
collections (`for prefix, router in ROUTERS.items()`), and in both branches of an `if` (the
routes then carry the condition). A function that is handed "an app" nobody visibly passes gets
a stand-in app, so its includes keep their prefixes and dependencies (`fastapi_helpers`). The
objects and their constructor arguments are read by `fastapi_objects`, route lists and endpoints
by `fastapi_routelists`, router-wrapper classes by `fastapi_wrappers`, routers in modules imported
by name by `fastapi_lazy`; the tree is emitted by `fastapi_tree.Emitter`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.builtin_routes import static_files_route
from apilint.frameworks.common import dotted_expr, factory_aliases, join_conditions, read_path, unreadable_loop
from apilint.frameworks.fastapi_deps import DependencyJudge
from apilint.frameworks.fastapi_facts import AppFacts
from apilint.frameworks.fastapi_helpers import HelperReader
from apilint.frameworks.fastapi_instances import InstanceReader
from apilint.frameworks.fastapi_lazy import LazyImports
from apilint.frameworks.fastapi_objects import ObjectReader
from apilint.frameworks.fastapi_routelists import RouteListReader
from apilint.frameworks.fastapi_tree import (
    HTTP_METHODS,
    REGISTRATIONS,
    Emitter,
    Include,
    RawRoute,
    Router,
    ScanContext,
)
from apilint.frameworks.fastapi_wrappers import WrapperReader
from apilint.model import HandlerRef, Location, SettingFact
from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Instance, Scope, Value, as_expr

_MAX_LOOP_ITEMS = 200


class FastAPIAdapter:
    """Routes and facts of FastAPI and Starlette apps."""

    name = "fastapi"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports fastapi or starlette."""
        return imports_any(index, ("fastapi", "starlette"))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Collect routers, read every registration, then emit routes from each root."""
        _Linker(index, config, out).run()


class _Linker:
    def __init__(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        self.index = index
        self.config = config
        self.out = out
        self.routers: dict[str, Router] = {}
        self.aliases: dict[str, str] = {}
        self.deps = DependencyJudge(index, config)
        self.facts = AppFacts(index, out)
        self.wrappers = WrapperReader(self)
        self.helpers = HelperReader(self)
        self.route_lists = RouteListReader(self)
        self.lazy = LazyImports(self)
        self.objects = ObjectReader(self)
        self.instances = InstanceReader(self)
        self._reported: set[tuple[str, int, str]] = set()
        self.modules = [m for m in index if m.imports]  # no import, no router object

    def run(self) -> None:
        for mod in self.modules:
            self.objects.collect(mod, mod.body, "", None, None)
        for router, mod, call, scope in self.objects.pending:
            self.objects.configure(router, mod, call, ScanContext("", {}, values=scope))
        for mod in self.modules:
            self.aliases.update(factory_aliases(self.index, mod, self.routers))
        for mod in self.modules:
            self._scan(mod, mod.body, ScanContext("", {}))
        self.lazy.finish()
        self.facts.rate_limiters(self.modules, self.routers)
        Emitter(self.index, self.deps, self.out).emit(self.routers, self.helpers.replaced)

    # --- resolving objects ----------------------------------------------------------------
    def _resolve_router(self, mod: ModuleSummary, expr: Expr | None, ctx: ScanContext | None,
                        _depth: int = 0) -> Router | None:
        if expr is None or _depth > 4:
            return None
        if ctx is not None and expr.kind in ("call", "attr"):
            lazy = self.lazy.resolve(mod, expr, ctx)  # getattr(module, "router"), module.router
            if lazy is not None:
                return lazy
        if expr.kind == "call":
            return self._factory_router(mod, expr, _depth)
        dotted = expr.dotted
        if dotted is None:
            return None
        names = ctx.names if ctx is not None else {}
        if dotted in names:
            return self.routers.get(names[dotted])
        head, _, rest = dotted.partition(".")
        if ctx is not None and head in ctx.exprs and head not in names:
            owner, bound = ctx.exprs[head]
            if bound.dotted is not None:
                return self._resolve_router(owner, dotted_expr(bound.dotted + (f".{rest}" if rest else "")), None,
                                            _depth + 1)
            if not rest:
                return self._resolve_router(owner, bound, None, _depth + 1)
        imported = ctx.values.imports().get(head) if ctx is not None and ctx.values is not None else None
        qualified = f"{imported}.{rest}" if imported and rest else imported or self.index.qualify(mod, dotted)
        key = self.aliases.get(qualified, qualified)
        if key in self.routers:
            return self.routers[key]
        symbol = self.index.lookup(qualified)
        if symbol is not None:
            key = self.aliases.get(symbol.qualname, symbol.qualname)
            if key in self.routers:
                return self.routers[key]
            if symbol.value is not None and symbol.value.kind in ("name", "attr"):  # api = app
                return self._resolve_router(symbol.module, symbol.value, None, _depth + 1)
        if expr.kind == "attr":  # v2.router, self.router: the router an instance of a wrapper class holds
            return self.wrappers.instance_router(mod, expr.args[0], expr.text, ctx)
        return None

    def _factory_router(self, mod: ModuleSummary, call: Expr, depth: int) -> Router | None:
        """`init_items_router(...)`: a project function that builds a router and returns it."""
        symbol = self.index.resolve(mod, call.func)
        if symbol is None or symbol.func is None:
            return None
        local: dict[str, str] = {}
        prefix = f"{symbol.module.module}.{symbol.func.qualname}.<locals>."
        for key in self.routers:
            if key.startswith(prefix) and "." not in key[len(prefix):]:
                local[key[len(prefix):]] = key
        for stmt in walk_stmts(symbol.func.body):
            if stmt.kind == "return" and stmt.value is not None:
                found = self._resolve_router(symbol.module, stmt.value, ScanContext("", local), depth + 1)
                if found is not None:
                    return found
        return None

    def _router_of_value(self, mod: ModuleSummary, value: Any, ctx: ScanContext) -> Router | None:
        """The router an evaluated value stands for (a loop item, a dict value)."""
        found = as_expr(mod, value)
        if found is None or isinstance(value, str):
            return None
        owner, expr = found
        return self._resolve_router(owner, expr, ctx if owner is mod else None)

    # --- pass 2: registrations ------------------------------------------------------------
    def _scan(self, mod: ModuleSummary, body: tuple[Stmt, ...], ctx: ScanContext) -> None:
        for stmt in body:
            self._statement(mod, stmt, ctx)

    def _statement(self, mod: ModuleSummary, stmt: Stmt, ctx: ScanContext) -> None:
        kind = stmt.kind
        if kind in ("assign", "annassign") and stmt.value is not None:
            self._assignment(mod, stmt, ctx)
        if kind == "for":
            self._loop(mod, stmt, ctx)
            return
        if stmt.func is not None:
            self._function(mod, stmt.func, ctx, None)
        elif stmt.cls is not None:
            for method in stmt.cls.methods():
                self._function(mod, method, ctx, stmt.cls)
        for expr in stmt.own_exprs():
            for call in expr.calls():
                self._call(mod, call, ctx, stmt.line)
        if kind == "if" and stmt.value is not None:
            test = stmt.value.render(50)
            self._scan(mod, stmt.body, ctx.under(f"if {test}"))
            self._scan(mod, stmt.orelse, ctx.under(f"unless {test}"))
        elif stmt.body or stmt.handlers or stmt.orelse or stmt.finalbody:
            if stmt.func is None and stmt.cls is None:
                self._scan(mod, tuple(stmt.children()), ctx)

    def _assignment(self, mod: ModuleSummary, stmt: Stmt, ctx: ScanContext) -> None:
        assert stmt.value is not None
        for target in stmt.targets:
            dotted = target.dotted
            if not dotted:
                continue
            key = f"{mod.module}.{ctx.scope}{dotted}"
            if key in self.routers:
                ctx.names[dotted] = key
            elif stmt.value.kind == "call":
                self.lazy.bind(mod, stmt, ctx)
                self.instances.bind(mod, dotted, stmt.value, ctx)
                built = self._factory_router(mod, stmt.value, 0)
                if built is not None:
                    ctx.names[dotted] = built.key
                else:
                    handed_back = self.helpers.call(mod, stmt.value, ctx, stmt.line)  # r = configure(APIRouter())
                    if handed_back is not None:
                        ctx.names[dotted] = handed_back
            elif stmt.value.kind in ("name", "attr"):
                alias = self._resolve_router(mod, stmt.value, ctx)  # api = app / router = routers.users
                if alias is not None:
                    ctx.names[dotted] = alias.key
        if stmt.kind == "assign" and len(stmt.targets) == 1 and stmt.targets[0].kind == "attr":
            target = stmt.targets[0]
            router = self._resolve_router(mod, target.args[0], ctx)
            if router is not None and target.text == "debug" and stmt.value.is_true:
                self.out.settings.append(SettingFact("DEBUG", "True", Location(mod.path, stmt.line),
                                                     router.framework))

    def _function(self, mod: ModuleSummary, func: FunctionDef, ctx: ScanContext, cls: ClassDef | None,
                  bound_names: dict[str, str] | None = None, bound_values: dict[str, Value] | None = None) -> None:
        """Read a function: its route decorators, then its body with its own scope."""
        self._decorated(mod, func, ctx)
        inner = self._function_ctx(mod, func, ctx, cls, bound_names, bound_values)
        self._scan(mod, func.body, inner)

    def _function_ctx(self, mod: ModuleSummary, func: FunctionDef, ctx: ScanContext, cls: ClassDef | None,
                      bound_names: dict[str, str] | None, bound_values: dict[str, Value] | None) -> ScanContext:
        names = dict(ctx.names)
        if cls is not None:
            own = f"{mod.module}.{cls.qualname}.self."
            for key in self.routers:
                if key.startswith(own):
                    names["self." + key[len(own):]] = key
        names.update(self.helpers.param_objects(mod, func, bound_names or {}))
        values: dict[str, Value] = dict(bound_values or {})
        if cls is not None and "self" not in values:
            symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
            values["self"] = Value((Instance(symbol, Expr("call", args=(Expr("name", cls.name),)), mod),))
        scope = Scope(mod, func, values, ctx.values)
        return ScanContext(f"{func.qualname}.<locals>.", names, dict(ctx.exprs), scope, ctx.condition)

    def _loop(self, mod: ModuleSummary, stmt: Stmt, ctx: ScanContext) -> None:
        """`for prefix, router in ROUTERS.items():` -- the body read once per item of a known collection."""
        for expr in stmt.own_exprs():
            for call in expr.calls():
                self._call(mod, call, ctx, stmt.line)
        assert stmt.value is not None
        if not self._loop_registers(stmt) and not self.lazy.loop_imports(mod, stmt):
            self._scan(mod, stmt.body, ctx)
            self._scan(mod, stmt.orelse, ctx)
            return
        value = self.index.values.value(mod, stmt.value, ctx.values).first
        items = list(value) if isinstance(value, list | tuple | dict) else None
        target = stmt.targets[0] if stmt.targets else None
        if items is None or target is None or len(items) > _MAX_LOOP_ITEMS:
            self._unreadable_loop(mod, stmt, value)
            self._scan(mod, stmt.body, ctx)
        else:
            for item in items:
                names, exprs = dict(ctx.names), dict(ctx.exprs)
                bound: dict[str, Value] = {}
                self._bind(mod, target, item, names, exprs, bound, ctx)
                scope = ctx.values.child(bound) if ctx.values is not None else Scope(mod, None, bound)
                item_ctx = replace(ctx, names=names, exprs=exprs, values=scope, modules=dict(ctx.modules))
                self.lazy.loop_item(mod, stmt, item, item_ctx)
                self._scan(mod, stmt.body, item_ctx)
        self._scan(mod, stmt.orelse, ctx)

    def _loop_registers(self, stmt: Stmt) -> bool:
        """Only a loop whose body registers something, or hands its variable to a call, is unrolled."""
        loop_names = {e.text for t in stmt.targets for e in t.walk() if e.kind == "name"}
        wrapper_methods = self.wrappers.method_names()
        for inner in walk_stmts(stmt.body, into_defs=True):
            if inner.func is not None and inner.func.decorators:
                return True
            for expr in inner.own_exprs():
                for call in expr.calls():
                    if call.func.kind == "attr" and (call.func.text in REGISTRATIONS or
                                                     call.func.text in wrapper_methods):
                        return True
                    if any(a.kind == "name" and a.text in loop_names for a in call.positional):
                        return True
        return False

    def _unreadable_loop(self, mod: ModuleSummary, stmt: Stmt, value: Any) -> None:
        found = unreadable_loop(mod, stmt, value, REGISTRATIONS)
        if found is not None:
            self.out.diagnostics.append(found)

    def _bind(self, mod: ModuleSummary, target: Expr, item: Any, names: dict[str, str],
              exprs: dict[str, tuple[ModuleSummary, Expr]], bound: dict[str, Value], ctx: ScanContext) -> None:
        if target.kind == "name":
            bound[target.text] = Value((item,))
            found = as_expr(mod, item)
            if found is not None and not isinstance(item, str):
                exprs[target.text] = found
            router = self._router_of_value(mod, item, ctx)
            if router is not None:
                names[target.text] = router.key
        elif target.kind in ("tuple", "list") and isinstance(item, list | tuple) and len(item) == len(target.args):
            for sub, part in zip(target.args, item, strict=True):
                self._bind(mod, sub, part, names, exprs, bound, ctx)

    # --- decorators and calls ---------------------------------------------------------------
    def _decorated(self, mod: ModuleSummary, func: FunctionDef, ctx: ScanContext) -> None:
        for dec in func.decorators:
            call = dec.expr
            if call.kind != "call" or call.func.kind != "attr":
                continue
            method = call.func.text
            router = self._resolve_router(mod, call.func.args[0], ctx)
            if router is None:
                self.wrappers.decorator(mod, func, call, dec.line, ctx)
                continue
            if router.template:
                continue
            if method in HTTP_METHODS or method in ("api_route", "websocket", "route", "websocket_route"):
                methods = self._methods(mod, method, call, ctx)
                path, note = self._path(mod, call.arg(0, "path"), ctx, dec.line)
                raw = RawRoute(methods, path, mod, func, func.qualname, func.line, decorator=call,
                               decorators=tuple(d.expr for d in func.decorators),
                               condition=join_conditions(ctx.condition, note))
                raw.deps += self.deps.dep_list(mod, call.kwarg("dependencies"), "route dependencies", dec.line,
                                               ctx.values)
                router.routes.append(raw)
            elif method == "exception_handler":
                self.out.exception_handlers.append(HandlerRef(mod.path, func.qualname))
            elif method == "middleware":
                self.facts.function_middleware(router, mod, func)

    def _methods(self, mod: ModuleSummary, method: str, call: Expr, ctx: ScanContext | None) -> tuple[str, ...]:
        if method in HTTP_METHODS:
            return (method.upper(),)
        if method in ("websocket", "websocket_route"):
            return ("WEBSOCKET",)
        given = call.kwarg("methods")
        if given is not None:
            listed = self.index.values.value(mod, given, ctx.values if ctx is not None else None).first
            if isinstance(listed, list | tuple | set):
                found = tuple(sorted({m.upper() for m in listed if isinstance(m, str)}))
                if found:
                    return found
        return ("GET",)

    def _call(self, mod: ModuleSummary, call: Expr, ctx: ScanContext, line: int) -> None:
        func = call.func
        if func.kind == "call" and self.lazy.nested_call(mod, call, ctx):
            return
        if func.kind == "attr" and func.text in REGISTRATIONS:
            router = self._resolve_router(mod, func.args[0], ctx)
            if router is not None:
                self._registration(mod, router, call, ctx, line)
                return
        if func.kind == "attr" and self.instances.call(mod, call, ctx):
            return
        if call.positional or call.keywords:
            self.helpers.call(mod, call, ctx, line)

    def _registration(self, mod: ModuleSummary, router: Router, call: Expr, ctx: ScanContext, line: int) -> None:
        if router.template:
            return  # a wrapper method as written: each instance's own router gets the route
        method = call.func.text
        if method == "include_router":
            child = self._resolve_router(mod, call.arg(0, "router"), ctx)
            if child is None:
                self.lazy.unregistered(mod, call.arg(0, "router"), ctx)
                return
            prefix, note = self._path(mod, call.kwarg("prefix"), ctx, line)
            deps = self.deps.dep_list(mod, call.kwarg("dependencies"), "include_router dependencies", line,
                                      ctx.values)
            lazy = self.lazy.condition(mod, call.arg(0, "router"), ctx)
            self._include(router, child, prefix, deps, join_conditions(join_conditions(ctx.condition, lazy), note))
        elif method in ("add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"):
            endpoint = call.arg(1, "endpoint") or call.arg(1, "route")
            path, note = self._path(mod, call.arg(0, "path"), ctx, line)
            kind = "websocket" if "websocket" in method else "api_route"
            methods = self._methods(mod, kind, call, ctx)
            for raw in self.route_lists.endpoint_routes(mod, endpoint, methods, path, line, ctx):
                raw.deps += self.deps.dep_list(mod, call.kwarg("dependencies"), "route dependencies", line,
                                               ctx.values)
                raw.condition = join_conditions(ctx.condition, note)
                router.routes.append(raw)
        elif method in ("mount", "host"):
            child = self._resolve_router(mod, call.arg(1, "app"), ctx)
            if child is not None:
                prefix, note = self._path(mod, call.arg(0, "path"), ctx, line) if method == "mount" else ("", "")
                lazy = self.lazy.condition(mod, call.arg(1, "app"), ctx)
                self._include(router, child, prefix, [], join_conditions(join_conditions(ctx.condition, lazy), note))
            elif method == "mount":
                self._static_mount(mod, router, call, ctx, line)
        elif method == "add_middleware":
            target = call.arg(0, "middleware_class")
            if target is not None:
                self.facts.middleware(router, mod, target, call, line, ctx.values)
        elif method == "add_exception_handler":
            handler = call.arg(1, "handler")
            if handler is not None:
                self.facts.exception_handler(mod, handler)

    def _static_mount(self, mod: ModuleSummary, router: Router, call: Expr, ctx: ScanContext, line: int) -> None:
        """`app.mount("/static", StaticFiles(directory="static"))`: the files are routes too."""
        served = call.arg(1, "app")
        if served is None or served.kind != "call" or \
                not (self.index.qualify_expr(mod, served.func) or "").endswith("StaticFiles"):
            return
        prefix, note = self._path(mod, call.arg(0, "path"), ctx, line)
        directory = self.index.values.string(mod, served.kwarg("directory") or served.arg(0), ctx.values) or ""
        router.builtin.append(static_files_route(prefix, directory, join_conditions(ctx.condition, note),
                                                  Location(mod.path, line)))

    @staticmethod
    def _include(parent: Router, child: Router, prefix: str, deps: list[Any], condition: str) -> None:
        if parent.key == child.key:
            return
        if any(i.child == child.key and i.prefix == prefix for i in parent.includes):
            return
        parent.includes.append(Include(child.key, prefix, deps, condition))
        child.included = True

    # --- Starlette route lists ------------------------------------------------------------

    # --- paths ----------------------------------------------------------------------------
    def _path(self, mod: ModuleSummary, expr: Expr | None, ctx: ScanContext | None, line: int) -> tuple[str, str]:
        """(path text with `{?expr}` for unreadable parts, a note when it may take other values)."""
        if expr is None:
            return "", ""
        return read_path(self.index, mod, expr, ctx.values if ctx is not None else None, Location(mod.path, line),
                         self.out.diagnostics, self._reported)


__all__ = ["FastAPIAdapter"]
