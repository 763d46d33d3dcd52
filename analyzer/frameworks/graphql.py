"""GraphQL: endpoints served through Django, Flask, FastAPI/Starlette, and their mutation resolvers.

Runs after the web-framework adapters. It recognises GraphQL endpoints where they are mounted:

- Django URLconfs (`GraphQLView.as_view(...)` of graphene-django, strawberry, ariadne), read
  through the shared URL walk; the route the Django adapter made for the view (method `ANY`, its
  auth judged from URLconf wrappers, mixins and middleware) is replaced by `GET` and `POST`.
- Flask `add_url_rule(rule, view_func=GraphQLView.as_view(...))` on apps and blueprints.
- FastAPI/Starlette `include_router(GraphQLRouter(...))`, `mount`/`add_route` of ASGI GraphQL apps
  (`graphql_asgi`).
- Route handlers that execute a schema themselves (`graphql_sync(...)`, `schema.execute(...)`).

Each endpoint becomes a `GraphQLEndpoint` fact (IDE, introspection, limits, batching, auth),
and mutation resolvers become `GraphQLResolver` facts (`graphql_resolvers`).
"""

from __future__ import annotations

from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.common import join_paths, normalize_path
from apilint.frameworks.django_paths import normalize_django_path
from apilint.frameworks.django_settings import project_settings
from apilint.frameworks.django_urls import url_mounts
from apilint.frameworks.flask_auth import FlaskAuth
from apilint.frameworks.graphql_asgi import AsgiEndpoints
from apilint.frameworks.graphql_config import (
    EXECUTORS,
    LIBRARIES,
    SCHEMAS,
    VIEWS,
    WEAKEST,
    ConfigReader,
    EndpointConfig,
    Found,
    debug_branch,
    ide_name,
    strongest,
)
from apilint.frameworks.graphql_resolvers import collect_resolvers
from apilint.model import AuthEvidence, AuthStatus, Evidence, GraphQLEndpoint, Location, Route
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts


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
        self.found: list[Found] = []

    def run(self) -> None:
        existing = list(self.out.routes)
        if imports_any(self.index, ("django",)):
            self._django()
        if imports_any(self.index, ("flask", "flask_graphql", "graphql_server", "strawberry")):
            self._flask(existing)
        if imports_any(self.index, ("fastapi", "starlette", "strawberry", "ariadne", "starlette_graphene3")):
            self.found += AsgiEndpoints(self.index, self.reader).find(existing)
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
            self.found.append(Found(cfg, path, auth, qualified, loc, raw=raw))

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
        auth = AuthEvidence(strongest(statuses), tuple(evidence))
        methods = call.kwarg("methods")
        listed_methods = tuple(sorted({e.text.upper() for e in methods.args if e.kind == "str"})) \
            if methods is not None and methods.kind in ("list", "tuple") else ()
        self.found.append(Found(cfg, path, auth, qualified, loc, listed_methods or ("GET", "POST")))

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
            self.found.append(Found(cfg, route.path, route.auth, route.handler, route.location, emit_route=False))

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
    def _emit(self, item: Found) -> None:
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
        return min(auths, key=lambda a: WEAKEST.index(a.status))


def _django_auth(claimed: list[Route]) -> AuthEvidence:
    if not claimed:
        return AuthEvidence(AuthStatus.NONE)
    auth = claimed[0].auth
    evidence = tuple(e for e in auth.evidence if not (e.kind == "view" and e.status is AuthStatus.UNKNOWN))
    if auth.status is AuthStatus.UNKNOWN and not any(e.status is AuthStatus.UNKNOWN for e in evidence):
        # the Django adapter's "view defined outside the project" is the GraphQL view itself
        return AuthEvidence(strongest([e.status for e in evidence]), evidence)
    return AuthEvidence(auth.status, evidence)


__all__ = ["GraphQLAdapter"]
