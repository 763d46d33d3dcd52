"""GraphQL: endpoints served through Django, Flask, FastAPI/Starlette, and their mutation resolvers.

Runs after the web-framework adapters. It recognises GraphQL endpoints where they are mounted:

- Django URLconfs (`GraphQLView.as_view(...)` of graphene-django, strawberry, ariadne), read
  through the shared URL walk; the route the Django adapter made for the view (method `ANY`, its
  auth judged from URLconf wrappers, mixins and middleware) is replaced by `GET` and `POST`.
- Flask `add_url_rule(rule, view_func=GraphQLView.as_view(...))` on apps and blueprints.
- FastAPI/Starlette `include_router(GraphQLRouter(...))`, `mount`/`add_route` of ASGI GraphQL apps.
- Route handlers that execute a schema themselves (`graphql_sync(...)`, `schema.execute(...)`).

Each endpoint becomes a `GraphQLEndpoint` fact (IDE, introspection, limits, batching, auth),
and mutation resolvers become `GraphQLResolver` facts (`graphql_resolvers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from apilint.body_auth import body_auth
from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.common import join_paths, normalize_path
from apilint.frameworks.django_settings import project_settings
from apilint.frameworks.django_urls import normalize_django_path, url_mounts
from apilint.frameworks.flask_auth import FlaskAuth
from apilint.frameworks.graphql_config import (
    ASGI_APPS,
    EXECUTORS,
    LIBRARIES,
    SCHEMAS,
    VIEWS,
    ConfigReader,
    EndpointConfig,
    debug_branch,
    ide_name,
)
from apilint.frameworks.graphql_resolvers import collect_resolvers
from apilint.model import AuthEvidence, AuthStatus, Evidence, GraphQLEndpoint, Location, Route
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_WEAKEST = (AuthStatus.NONE, AuthStatus.UNKNOWN, AuthStatus.OPTIONAL, AuthStatus.REQUIRED)
_SCHEMES = ("fastapi.security.", "fastapi_users", "fastapi_jwt_auth", "fastapi_login", "starlette.authentication")
_AUTHISH = ("auth", "login", "token", "current_user", "jwt", "permission", "verify", "require")


@dataclass
class _Found:
    cfg: EndpointConfig
    path: str
    auth: AuthEvidence
    handler: str
    route_loc: Location
    methods: tuple[str, ...] = ("GET", "POST")
    emit_route: bool = True
    raw: str = ""


class GraphQLAdapter:
    """GraphQL endpoints and resolvers, on top of the web-framework adapters' routes."""

    name = "graphql"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports a GraphQL server library (word pre-filter first: cheap)."""
        words = frozenset(LIBRARIES)
        return any(not mod.words.isdisjoint(words) and any(imp.module.split(".")[0] in words for imp in mod.imports)
                   for mod in index)

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Find endpoints where they are mounted, then the mutation resolvers."""
        _Linker(index, config, out).run()


class _Linker:
    def __init__(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        self.index = index
        self.config = config
        self.out = out
        self.reader = ConfigReader(index)
        self.found: list[_Found] = []

    def run(self) -> None:
        existing = list(self.out.routes)
        if imports_any(self.index, ("django",)):
            self._django()
        if imports_any(self.index, ("flask", "flask_graphql", "graphql_server", "strawberry")):
            self._flask(existing)
        if imports_any(self.index, ("fastapi", "starlette", "strawberry", "ariadne", "starlette_graphene3")):
            self._asgi(existing)
        self._executors(existing)
        for item in self.found:
            if item.cfg.middleware and item.auth.status is AuthStatus.NONE:
                item.auth = AuthEvidence(AuthStatus.UNKNOWN, (*item.auth.evidence, *item.cfg.middleware))
            self._emit(item)
        if self.found or any(m.mentions("mutation") for m in self.index):
            auth = self._weakest([f.auth for f in self.found])
            self.out.graphql_resolvers += collect_resolvers(self.index, auth)
        if self.found:
            self.out.frameworks.add("graphql")

    # --- what a view or app expression is -----------------------------------------------
    def _view_class(self, mod: ModuleSummary, expr: Expr) -> tuple[str, bool, Symbol | None, str] | None:
        qualified = self.index.qualify_expr(mod, expr) or ""
        if qualified in VIEWS:
            library, ide, _fw = VIEWS[qualified]
            return library, ide, None, qualified
        symbol = self.index.resolve(mod, expr)
        if symbol is not None and symbol.cls is not None:
            for base in self.index.base_names(symbol):
                if base in VIEWS:
                    library, ide, _fw = VIEWS[base]
                    return library, ide, symbol, symbol.qualname
        return None

    def _asgi_app(self, mod: ModuleSummary, expr: Expr, depth: int = 0) -> tuple[str, bool, ModuleSummary, Expr,
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
                found = self._asgi_app(symbol.module, symbol.value, depth + 1)
                if found is not None:
                    return (*found[:4], symbol.line, found[5])
        return None

    # --- Django -------------------------------------------------------------------------
    def _django(self) -> None:
        settings = project_settings(self.index)
        graphene = settings.values.get("GRAPHENE")
        for mount in url_mounts(self.index):
            expr = mount.expr
            if mount.kind != "view" or expr.kind != "call" or expr.func.kind != "attr" or expr.func.text != "as_view":
                continue
            kind = self._view_class(mount.mod, expr.func.args[0])
            if kind is None:
                continue
            library, ide, symbol, qualified = kind
            cfg = self.reader.endpoint(library, ide, mount.mod, expr, mount.line, symbol,
                                       debug_branch(mount.mod, mount.line))
            if library == "graphene-django" and graphene is not None and graphene.parts:
                value, owner = graphene.parts[0]
                if value.kind == "dict":
                    self._graphene_settings(cfg, owner, value, Location(owner.path, graphene.line))
            path, _params = normalize_django_path(mount.raw)
            claimed = [r for r in self.out.routes if r.framework == "django" and r.path == path
                       and (r.handler == qualified or r.handler.startswith(qualified + "."))]
            for route in claimed:
                self.out.routes.remove(route)
            auth = _django_auth(claimed)
            loc = claimed[0].location if claimed else Location(mount.mod.path, mount.line)
            raw = mount.raw if mount.raw.startswith("/") else "/" + mount.raw
            self.found.append(_Found(cfg, path, auth, qualified, loc, raw=raw))

    def _graphene_settings(self, cfg: EndpointConfig, mod: ModuleSummary, value: Expr, loc: Location) -> None:
        for key, item in zip(value.args[::2], value.args[1::2], strict=False):
            if key.kind != "str":
                continue
            if key.text == "SCHEMA" and not cfg.schema:
                self.reader.schema(cfg, mod, item)
            elif key.text == "MIDDLEWARE":
                self.reader.read_rules(cfg, mod, item, loc, "middleware")

    # --- Flask --------------------------------------------------------------------------
    def _flask(self, existing: list[Route]) -> None:
        judge = FlaskAuth(self.index, self.config)
        hooks = [e for r in existing if r.framework == "flask" for e in r.auth.evidence
                 if e.kind == "before_request" and e.status is not AuthStatus.NONE]
        for mod in self.index:
            if not mod.mentions("add_url_rule"):
                continue
            values: dict[str, Expr] = {}
            for stmt in walk_stmts(mod.body, into_defs=True):
                if stmt.kind == "assign" and stmt.value is not None and len(stmt.targets) == 1 \
                        and stmt.targets[0].kind == "name":
                    values[stmt.targets[0].text] = stmt.value
                for expr in stmt.own_exprs():
                    for call in expr.calls():
                        if call.func.kind == "attr" and call.func.text == "add_url_rule":
                            self._url_rule(mod, call, stmt.line, values, judge, hooks)

    def _url_rule(self, mod: ModuleSummary, call: Expr, line: int, values: dict[str, Expr], judge: FlaskAuth,
                  hooks: list[Evidence]) -> None:
        view = call.arg(2, "view_func")
        wrappers: list[Expr] = []
        for _ in range(6):
            if view is None:
                return
            if view.kind == "name" and view.text in values:
                view = values[view.text]
            elif view.kind == "call" and view.func.kind == "attr" and view.func.text == "as_view":
                break
            elif view.kind == "call" and len(view.positional) == 1:
                wrappers.append(view.func)
                view = view.positional[0]
            else:
                return
        if view is None or view.kind != "call" or view.func.kind != "attr" or view.func.text != "as_view":
            return
        kind = self._view_class(mod, view.func.args[0])
        if kind is None:
            return
        library, ide, symbol, qualified = kind
        cfg = self.reader.endpoint(library, ide, mod, view, line, symbol, debug_branch(mod, line))
        rule_expr = call.arg(0, "rule")
        # unreadable parts stay `{?expr}`, as the Flask adapter shows them (it reports the ROUTE001)
        rule = self.index.values.text(mod, rule_expr, None).text if rule_expr is not None else ""
        path, _params = normalize_path(join_paths(self._blueprint_prefix(mod, call.func.args[0]), rule))
        # a project subclass overriding dispatch_request was also read as a plain Flask view: this endpoint replaces it
        for route in [r for r in self.out.routes if r.framework == "flask" and r.path == path
                      and (r.handler == qualified or r.handler.startswith(qualified + "."))]:
            self.out.routes.remove(route)
        loc = Location(mod.path, line)
        decorators = [(mod, w) for w in wrappers]
        if symbol is not None and symbol.cls is not None:
            listed = symbol.cls.attribute("decorators")
            if listed is not None and listed.kind in ("list", "tuple"):
                decorators += [(symbol.module, d) for d in listed.args]
        statuses: list[AuthStatus] = []
        evidence: list[Evidence] = []
        for owner, dec in decorators:
            judged = judge.decorator(owner, dec, loc)
            if judged.status is not None:
                statuses.append(judged.status)
                evidence += judged.evidence
        if not statuses and hooks:
            statuses.append(AuthStatus.UNKNOWN)
            evidence.append(hooks[0])
        auth = AuthEvidence(_strongest(statuses), tuple(evidence))
        methods = call.kwarg("methods")
        listed_methods = tuple(sorted({e.text.upper() for e in methods.args if e.kind == "str"})) \
            if methods is not None and methods.kind in ("list", "tuple") else ()
        self.found.append(_Found(cfg, path, auth, qualified, loc, listed_methods or ("GET", "POST")))

    def _blueprint_prefix(self, mod: ModuleSummary, owner: Expr) -> str:
        symbol = self.index.resolve(mod, owner)
        if symbol is None or symbol.value is None or symbol.value.kind != "call":
            return ""
        prefix = self.index.const_str(symbol.module, symbol.value.kwarg("url_prefix")) or ""
        for other in self.index:
            if not other.mentions("register_blueprint"):
                continue
            for stmt in walk_stmts(other.body, into_defs=True):
                for expr in stmt.own_exprs():
                    for call in expr.calls():
                        if call.func.kind != "attr" or call.func.text != "register_blueprint" or not call.positional:
                            continue
                        target = self.index.resolve(other, call.positional[0])
                        given = call.kwarg("url_prefix")
                        if target is not None and target.qualname == symbol.qualname and given is not None:
                            prefix = self.index.const_str(other, given) or prefix
        return prefix

    # --- FastAPI / Starlette --------------------------------------------------------------
    def _asgi(self, existing: list[Route]) -> None:
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
            self._asgi_mount(mod, call, line, includes, middleware)

    def _asgi_mount(self, mod: ModuleSummary, call: Expr, line: int, includes: list[tuple[ModuleSummary, Expr]],
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
        app = self._asgi_app(mod, target)
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
        self.found.append(_Found(cfg, path, AuthEvidence(_strongest(statuses), tuple(evidence)), handler, loc,
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

    # --- handlers that execute a schema ---------------------------------------------------
    def _executors(self, existing: list[Route]) -> None:
        done: set[str] = set()
        for route in existing:
            ref = route.handler_ref
            if ref is None or route.framework == "graphql" or f"{ref.file}::{ref.qualname}" in done:
                continue
            mod = self.index.by_path.get(ref.file)
            if mod is None or not (mod.mentions("graphql") or mod.mentions("graphql_sync")):
                continue
            func = next((f for f in mod.functions() if f.qualname == ref.qualname), None)
            if func is None:
                continue
            found = self._execution(mod, func)
            if found is None:
                continue
            done.add(f"{ref.file}::{ref.qualname}")
            library, call, line = found
            cfg = self.reader.endpoint(library, False, mod, call, line)
            if call.func.kind == "attr" and call.func.text == "execute":
                self.reader.schema(cfg, mod, call.func.args[0])
            elif call.positional:
                self.reader.schema(cfg, mod, call.positional[0])
            self._handler_limits(cfg, mod, func)
            for sibling in existing:
                if sibling.path == route.path and cfg.ide is None:
                    self._sibling_ide(cfg, sibling)
            self.found.append(_Found(cfg, route.path, route.auth, route.handler, route.location, emit_route=False))

    def _execution(self, mod: ModuleSummary, func: FunctionDef) -> tuple[str, Expr, int] | None:
        local: dict[str, str] = {}
        for stmt in walk_stmts(func.body):
            if stmt.kind == "import":
                local.update({t.text: e.text for t, e in zip(stmt.targets, stmt.exprs, strict=False)})
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    dotted = call.func.dotted or ""
                    head, _, rest = dotted.partition(".")
                    qualified = (local[head] + (f".{rest}" if rest else "")) if head in local else \
                        self.index.qualify(mod, dotted) if dotted else ""
                    if qualified in EXECUTORS:
                        return EXECUTORS[qualified], call, stmt.line
                    if call.func.kind == "attr" and call.func.text in ("execute", "execute_async") and rest:
                        receiver = qualified.rsplit(".", 1)[0]
                        symbol = self.index.lookup(receiver)
                        if symbol is not None and symbol.value is not None and symbol.value.kind == "call":
                            schema = self.index.qualify_expr(symbol.module, symbol.value.func) or ""
                            if schema in SCHEMAS:
                                return schema.split(".")[0].replace("_", "-"), call, stmt.line
        return None

    def _handler_limits(self, cfg: EndpointConfig, mod: ModuleSummary, func: FunctionDef) -> None:
        for stmt in walk_stmts(func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    name = (call.func.dotted or "").rsplit(".", 1)[-1].lower()
                    if any(w in name for w in ("depth", "complexity", "cost", "query_safety", "max_alias")):
                        cfg.limits.append(Evidence("handler", call.func.render(40), AuthStatus.REQUIRED,
                                                   "checked in the handler", Location(mod.path, stmt.line)))

    def _sibling_ide(self, cfg: EndpointConfig, route: Route) -> None:
        ref = route.handler_ref
        mod = self.index.by_path.get(ref.file) if ref is not None else None
        if ref is None or mod is None:
            return
        func = next((f for f in mod.functions() if f.qualname == ref.qualname), None)
        if func is None:
            return
        for stmt in walk_stmts(func.body):
            for expr in stmt.own_exprs():
                for sub in expr.walk():
                    if sub.kind in ("name", "attr") and ide_name(sub.text):
                        cfg.ide = Evidence("handler", sub.text, AuthStatus.NONE, "serves a GraphQL IDE page",
                                           Location(mod.path, stmt.line))
                        cfg.ide_debug_only = debug_branch(mod, stmt.line)
                        return

    # --- output -------------------------------------------------------------------------
    def _emit(self, item: _Found) -> None:
        cfg = item.cfg
        auth = item.auth
        self.out.graphql.append(GraphQLEndpoint(
            library=cfg.library, location=cfg.location, path=item.path, schema=cfg.schema, auth=auth,
            ide=cfg.ide, ide_debug_only=cfg.ide_debug_only, introspection_off=tuple(cfg.introspection_off),
            limits=tuple(cfg.limits), batching=cfg.batching, batch_limit=tuple(cfg.batch_limit),
            error_formatter=cfg.error_formatter))
        if not item.emit_route:
            return
        route_auth = auth
        if auth.status is AuthStatus.NONE:
            # Nothing guards the endpoint itself; GraphQL resolvers authenticate field by field (GQL003).
            route_auth = AuthEvidence(AuthStatus.UNKNOWN, (Evidence(
                "graphql", item.handler, AuthStatus.UNKNOWN, "resolvers authenticate per field", item.route_loc),))
        for method in item.methods:
            self.out.routes.append(Route(
                framework="graphql", method=method, path=item.path, raw_path=item.raw or item.path,
                handler=item.handler,
                location=item.route_loc, auth=route_auth, dependencies=tuple(e.name for e in auth.evidence),
                group=item.route_loc.file))

    @staticmethod
    def _weakest(auths: list[AuthEvidence]) -> AuthEvidence:
        if not auths:
            return AuthEvidence(AuthStatus.UNKNOWN, (Evidence("graphql", "endpoint", AuthStatus.UNKNOWN,
                                                              "no GraphQL endpoint found"),))
        return min(auths, key=lambda a: _WEAKEST.index(a.status))


def _django_auth(claimed: list[Route]) -> AuthEvidence:
    if not claimed:
        return AuthEvidence(AuthStatus.NONE)
    auth = claimed[0].auth
    evidence = tuple(e for e in auth.evidence if not (e.kind == "view" and e.status is AuthStatus.UNKNOWN))
    if auth.status is AuthStatus.UNKNOWN and not any(e.status is AuthStatus.UNKNOWN for e in evidence):
        # the Django adapter's "view defined outside the project" is the GraphQL view itself
        return AuthEvidence(_strongest([e.status for e in evidence]), evidence)
    return AuthEvidence(auth.status, evidence)


def _strongest(statuses: list[AuthStatus]) -> AuthStatus:
    for status in reversed(_WEAKEST):
        if status in statuses:
            return status
    return AuthStatus.NONE


def _dep_items(expr: Expr | None) -> list[Expr]:
    if expr is None or expr.kind not in ("list", "tuple"):
        return []
    return [e for e in expr.args if e.kind == "call"]


__all__ = ["GraphQLAdapter"]
