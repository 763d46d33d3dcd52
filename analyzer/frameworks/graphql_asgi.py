"""GraphQL endpoints FastAPI and Starlette serve: `include_router(GraphQLRouter(...))`, and
`mount` / `add_route` / `Mount(...)` of an ASGI GraphQL app (strawberry, ariadne,
starlette-graphene3), with the prefixes and dependencies of the routers they are included
through, the app's context getter and the project's auth middleware."""

from __future__ import annotations

from apilint.body_auth import body_auth
from apilint.frameworks.common import join_paths, normalize_path
from apilint.frameworks.graphql_config import ASGI_APPS, ConfigReader, Found, debug_branch, strongest
from apilint.model import AuthEvidence, AuthStatus, Evidence, Location, Route
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, ModuleSummary, walk_stmts

_SCHEMES = ("fastapi.security.", "fastapi_users", "fastapi_jwt_auth", "fastapi_login", "starlette.authentication")
_AUTHISH = ("auth", "login", "token", "current_user", "jwt", "permission", "verify", "require")


class AsgiEndpoints:
    """Finds the GraphQL endpoints mounted on FastAPI and Starlette apps and routers."""

    def __init__(self, index: ProjectIndex, reader: ConfigReader) -> None:
        self.index = index
        self.reader = reader
        self.found: list[Found] = []

    def app(self, mod: ModuleSummary, expr: Expr, depth: int = 0) -> tuple[str, bool, ModuleSummary, Expr,
                                                                                   int, Symbol | None] | None:
        """(library, IDE default, module, constructor call, line, project subclass) of an ASGI GraphQL app."""
        if depth > 4:
            return None
        if expr.kind == "call":
            qualified = self.index.qualify_expr(mod, expr.func) or ""
            if qualified in ASGI_APPS:
                library, ide = ASGI_APPS[qualified]
                return library, ide, mod, expr, expr.line, None
            symbol = self.index.resolve(mod, expr.func)
            if symbol is not None and symbol.cls is not None:
                for base in self.index.base_names(symbol):
                    if base in ASGI_APPS:
                        library, ide = ASGI_APPS[base]
                        return library, ide, mod, expr, expr.line, symbol
            return None
        if expr.kind in ("name", "attr"):
            symbol = self.index.resolve(mod, expr)
            if symbol is not None and symbol.value is not None and symbol.value.kind == "call":
                found = self.app(symbol.module, symbol.value, depth + 1)
                if found is not None:
                    return (*found[:4], symbol.line, found[5])
        return None

    def find(self, existing: list[Route]) -> list[Found]:
        """Every ASGI GraphQL app or router mounted on an app or router of the project."""
        includes: list[tuple[ModuleSummary, Expr]] = []
        mounts: list[tuple[ModuleSummary, Expr, int]] = []
        for mod in self.index:
            if not mod.imports:
                continue
            for stmt in walk_stmts(mod.body, into_defs=True):
                for expr in stmt.own_exprs():
                    for call in expr.calls():
                        name = call.func.text if call.func.kind == "attr" else (call.func.dotted or "")
                        if name == "include_router":
                            includes.append((mod, call))
                        if name in ("include_router", "mount", "add_route", "add_websocket_route", "Mount", "Route",
                                    "WebSocketRoute"):
                            mounts.append((mod, call, stmt.line))
        middleware = [e for r in existing if r.framework in ("fastapi", "starlette") for e in r.auth.evidence
                      if e.kind == "middleware" and e.status is not AuthStatus.NONE]
        for mod, call, line in mounts:
            self._mount(mod, call, line, includes, middleware)
        return self.found

    def _mount(self, mod: ModuleSummary, call: Expr, line: int, includes: list[tuple[ModuleSummary, Expr]],
                    middleware: list[Evidence]) -> None:
        name = call.func.text if call.func.kind == "attr" else (call.func.dotted or "").rsplit(".", 1)[-1]
        if name == "include_router":
            target, path_expr = call.arg(0, "router"), call.kwarg("prefix")
        elif name in ("Mount",):
            target, path_expr = call.kwarg("app") or call.arg(1), call.arg(0, "path")
        else:
            target, path_expr = call.arg(1, "app") or call.arg(1, "endpoint") or call.arg(1, "route"), \
                call.arg(0, "path")
        if target is None:
            return
        app = self.app(mod, target)
        if app is None:
            return
        library, ide, owner_mod, ctor, ctor_line, subclass = app
        cfg = self.reader.endpoint(library, ide, owner_mod, ctor, ctor_line, subclass,
                                   debug_branch(owner_mod, ctor_line))
        own = self.index.const_str(mod, path_expr) if path_expr is not None else ""
        router_prefix = self.index.const_str(owner_mod, ctor.kwarg("prefix")) or ""
        outer, deps = "", list[tuple[ModuleSummary, Expr]]()
        if call.func.kind == "attr" and name != "Mount":
            outer, deps = self._router_chain(mod, call.func.args[0], includes, 0)
        deps += [(mod, d) for d in _dep_items(call.kwarg("dependencies"))]
        deps += [(owner_mod, d) for d in _dep_items(ctor.kwarg("dependencies"))]
        getter = ctor.kwarg("context_getter")
        statuses: list[AuthStatus] = []
        evidence: list[Evidence] = []
        loc = Location(mod.path, line)
        if getter is not None:
            symbol = self.index.resolve(owner_mod, getter)
            if symbol is not None and symbol.func is not None:
                deps += [(symbol.module, p.default) for p in symbol.func.params
                         if p.default is not None and p.default.kind == "call"]
        for dep_mod, dep in deps:
            status, ev = self._dep_status(dep_mod, dep, loc, 0)
            if status is not None:
                statuses.append(status)
                evidence.append(ev)
        if not statuses and middleware:
            statuses.append(AuthStatus.UNKNOWN)
            evidence.append(middleware[0])
        methods = ("GET", "POST") if name != "add_websocket_route" else ("WEBSOCKET",)
        path, _params = normalize_path(join_paths(outer, own or "", router_prefix))
        handler = self.index.qualify_expr(owner_mod, ctor.func) or ctor.func.render(40)
        self.found.append(Found(cfg, path, AuthEvidence(strongest(statuses), tuple(evidence)), handler, loc,
                                 methods))

    def _router_chain(self, mod: ModuleSummary, owner: Expr, includes: list[tuple[ModuleSummary, Expr]],
                      depth: int) -> tuple[str, list[tuple[ModuleSummary, Expr]]]:
        """Prefix and dependencies an APIRouter receives from where it is included (first include wins)."""
        symbol = self.index.resolve(mod, owner)
        if depth > 4 or symbol is None or symbol.value is None or symbol.value.kind != "call":
            return "", []
        value = symbol.value
        prefix = self.index.const_str(symbol.module, value.kwarg("prefix")) or ""
        deps = [(symbol.module, d) for d in _dep_items(value.kwarg("dependencies"))]
        for inc_mod, inc in includes:
            child = inc.arg(0, "router")
            target = self.index.resolve(inc_mod, child) if child is not None else None
            if target is not None and target.qualname == symbol.qualname and inc.func.kind == "attr":
                outer, outer_deps = self._router_chain(inc_mod, inc.func.args[0], includes, depth + 1)
                given = self.index.const_str(inc_mod, inc.kwarg("prefix")) or ""
                deps += outer_deps + [(inc_mod, d) for d in _dep_items(inc.kwarg("dependencies"))]
                return join_paths(outer, given, prefix) if (outer or given or prefix) else "", deps
        return prefix, deps

    def _dep_status(self, mod: ModuleSummary, dep: Expr, loc: Location, depth: int) -> tuple[AuthStatus | None,
                                                                                             Evidence]:
        """Judge `Depends(x)` / `Security(x)`: a known scheme, a project function that checks credentials."""
        target = dep.arg(0, "dependency") if dep.kind == "call" else dep
        if target is None or depth > 3:
            return None, Evidence("dependency", dep.render(40), AuthStatus.NONE, "", loc)
        qualified = self.index.qualify_expr(mod, target) or target.render(40)
        ev = Evidence("dependency", qualified, AuthStatus.REQUIRED, "GraphQL endpoint dependency", loc)
        if qualified.startswith(_SCHEMES):
            return AuthStatus.REQUIRED, ev
        symbol = self.index.resolve(mod, target)
        if symbol is not None and symbol.value is not None and symbol.value.kind == "call":
            scheme = self.index.qualify_expr(symbol.module, symbol.value.func) or ""
            if scheme.startswith(_SCHEMES):
                return AuthStatus.REQUIRED, ev
        if symbol is not None and symbol.func is not None:
            if body_auth(self.index, symbol.module, symbol.func) is AuthStatus.REQUIRED:
                return AuthStatus.REQUIRED, ev
            for param in symbol.func.params:
                if param.default is not None and param.default.kind == "call":
                    status, _ev = self._dep_status(symbol.module, param.default, loc, depth + 1)
                    if status is AuthStatus.REQUIRED:
                        return status, ev
            return None, ev
        if any(w in qualified.lower() for w in _AUTHISH):
            return AuthStatus.UNKNOWN, Evidence("dependency", qualified, AuthStatus.UNKNOWN,
                                                "defined outside the project", loc)
        return None, ev


def _dep_items(expr: Expr | None) -> list[Expr]:
    if expr is None or expr.kind not in ("list", "tuple"):
        return []
    return [e for e in expr.args if e.kind == "call"]


__all__ = ["AsgiEndpoints"]
