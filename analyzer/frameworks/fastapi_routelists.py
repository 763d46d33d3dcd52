"""FastAPI and Starlette: route lists and endpoints. `routes=[Route(...), Mount(...)]` given to an
app or router (a literal list, a constant, or what a builder returns, every list it may return),
`router.routes` standing for another router's routes, and the endpoint of `add_api_route` /
`add_route` (a function, or a class whose `get`/`post`... methods are the routes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from apilint.frameworks.common import join_paths
from apilint.frameworks.fastapi_tree import HTTP_METHODS, RawRoute, Router, ScanContext
from apilint.summary import Expr, ModuleSummary, walk_stmts
from apilint.values import Ref

if TYPE_CHECKING:
    from apilint.frameworks.fastapi import _Linker


class RouteListReader:
    """Reads route lists and endpoints for one linker."""

    def __init__(self, linker: _Linker) -> None:
        self.linker = linker
        self.index = linker.index

    def routes(self, where: ModuleSummary, expr: Expr, prefix: str, owner: Router,
               ctx: ScanContext | None, depth: int = 0) -> Iterator[RawRoute]:
        """`routes=[Route(...), Mount(...)]`: a literal list, a constant, or what a builder returns
        (every list it may return), each route read in the scope it was written in."""
        scope = ctx.values if ctx is not None else None
        router = self._routes_of(where, expr, ctx)
        if router is not None:  # routes=app_router.routes, or a builder that returns them
            self.linker._include(owner, router, prefix, [], "")
            return
        if depth > 6:
            return
        for mod, item, item_scope in self.index.values.element_items(where, expr, scope):
            if item.kind != "call":
                continue
            short = (self.index.qualify_expr(mod, item.func) or "").rsplit(".", 1)[-1]
            if item_scope is not None:
                inner_ctx: ScanContext | None = ScanContext("", {}, values=item_scope)
            else:
                inner_ctx = ctx if mod is where else None
            if short in ("Route", "WebSocketRoute", "APIRoute", "APIWebSocketRoute"):
                path = join_paths(prefix, self.linker._path(mod, item.arg(0, "path"), inner_ctx, item.line)[0])
                kind = "websocket" if "WebSocket" in short else "api_route"
                methods = self.linker._methods(mod, kind, item, inner_ctx)
                yield from self.endpoint_routes(mod, item.arg(1, "endpoint"), methods, path, 0, inner_ctx)
            elif short in ("Mount", "Host"):
                mount_path = self.linker._path(mod, item.arg(0, "path"), inner_ctx, item.line)[0]
                sub_prefix = join_paths(prefix, mount_path) if short == "Mount" else prefix
                routes = item.kwarg("routes")
                if routes is not None:
                    yield from self.routes(mod, routes, sub_prefix, owner, inner_ctx, depth + 1)
                app_expr = item.kwarg("app") or (item.positional[1] if len(item.positional) > 1 else None)
                child = self.linker._resolve_router(mod, app_expr, inner_ctx)
                if child is not None:
                    self.linker._include(owner, child, sub_prefix, [], "")

    def _routes_of(self, mod: ModuleSummary, expr: Expr, ctx: ScanContext | None, depth: int = 0) -> Router | None:
        """The router whose `.routes` a list stands for: `router.routes`, or a project function that
        builds a router and returns its `.routes` (`Starlette(routes=build_routes(...))`)."""
        if depth > 3:
            return None
        if expr.kind == "attr" and expr.text == "routes":
            return self.linker._resolve_router(mod, expr.args[0], ctx)
        if expr.kind != "call":
            return None
        callee = self.index.values.value(mod, expr.func, ctx.values if ctx is not None else None).first
        if not isinstance(callee, Ref) or callee.symbol.func is None:
            return None
        func = callee.symbol.func
        local = f"{callee.symbol.module.module}.{func.qualname}.<locals>."
        names = {key[len(local):]: key for key in self.linker.routers if key.startswith(local)}
        for stmt in walk_stmts(func.body):
            if stmt.kind == "return" and stmt.value is not None:
                found = self._routes_of(callee.symbol.module, stmt.value, ScanContext("", names), depth + 1)
                if found is not None:
                    return found
        return None

    def endpoint_routes(self, mod: ModuleSummary, endpoint: Expr | None, methods: tuple[str, ...],
                        path: str, line: int, ctx: ScanContext | None) -> Iterator[RawRoute]:
        """The routes an endpoint makes: a function is one route, a class one per HTTP-method method."""
        if endpoint is None:
            return
        value = self.index.values.value(mod, endpoint, ctx.values if ctx is not None else None).first
        symbol = value.symbol if isinstance(value, Ref) else self.index.resolve(mod, endpoint)
        if symbol is None:
            yield RawRoute(methods, path, mod, None, endpoint.render(60), line)
            return
        if symbol.func is not None:
            yield RawRoute(methods, path, symbol.module, symbol.func, symbol.func.qualname, symbol.func.line,
                           decorators=tuple(d.expr for d in symbol.func.decorators))
        elif symbol.cls is not None:
            for method in symbol.cls.methods():
                if method.name in HTTP_METHODS:
                    yield RawRoute((method.name.upper(),), path, symbol.module, method, method.qualname,
                                   method.line, decorators=tuple(d.expr for d in method.decorators))
