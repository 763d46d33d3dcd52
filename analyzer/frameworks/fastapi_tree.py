"""FastAPI and Starlette: the router tree the scan builds, and the routes it emits (and the
vocabulary the FastAPI modules share).

Routers (apps, `APIRouter`s, Starlette `Router`s) hold their own routes and their includes.
Emission walks the tree down from every root, composing prefixes, dependencies, middleware and
mount conditions; a root that is not an application is a router nothing includes, and its
routes are emitted as `linked=False` with their local paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from apilint.body_auth import body_checks_role
from apilint.frameworks.base import LinkOutput
from apilint.frameworks.builtin_routes import BuiltinRoute
from apilint.frameworks.common import join_conditions, join_paths, normalize_path
from apilint.frameworks.dynamic_imports import ImportedModule
from apilint.frameworks.fastapi_bodies import looks_like_login
from apilint.frameworks.fastapi_deps import Dep, DependencyJudge, combine, dedupe
from apilint.frameworks.fastapi_injected import injected_params
from apilint.frameworks.instances import Held
from apilint.model import AppFact, AuthEvidence, AuthStatus, Evidence, HandlerRef, Location, Route
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary
from apilint.values import Ref, Scope

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
REGISTRATIONS = frozenset({"include_router", "add_api_route", "add_api_websocket_route", "add_route",
                           "add_websocket_route", "mount", "add_middleware", "add_exception_handler", "host"})
"""Methods of an app or router that register something on it."""


def imports_module(mod: ModuleSummary, prefix: str) -> bool:
    """True when the module imports `prefix` or one of its submodules."""
    return any(imp.module == prefix or imp.module.startswith(prefix + ".") for imp in mod.imports)


@dataclass
class RawRoute:
    """A route as registered on one router: its own path, before prefixes."""

    methods: tuple[str, ...]
    path: str
    mod: ModuleSummary
    handler: FunctionDef | None
    handler_name: str
    line: int
    deps: list[Dep] = field(default_factory=list)
    decorator: Expr | None = None
    decorators: tuple[Expr, ...] = ()
    condition: str = ""


@dataclass
class Include:
    """`parent.include_router(child, prefix=..., dependencies=[...])`, a mount, or a loop's include."""

    child: str
    prefix: str
    deps: list[Dep]
    condition: str = ""


@dataclass
class Router:
    """An app, router or Starlette `Router`, wherever it is created (module, factory, method)."""

    key: str
    kind: str
    """`app` or `router`."""
    framework: str
    mod: ModuleSummary
    line: int
    prefix: str = ""
    deps: list[Dep] = field(default_factory=list)
    routes: list[RawRoute] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    middleware: list[str] = field(default_factory=list)
    auth_middleware: list[Evidence] = field(default_factory=list)
    included: bool = False
    stand_in: tuple[str, str] | None = None
    """For the app a function receives as a parameter (`def configure(app: FastAPI)`) when the
    caller cannot be seen: (function key, parameter name)."""
    builtin: list[BuiltinRoute] = field(default_factory=list)
    """Routes the framework serves by itself: a `FastAPI()` app's schema and docs, `StaticFiles`
    mounts (`builtin_routes`)."""
    template: bool = False
    """The inner router of a router-wrapper class as its methods are written (`self.router`): each
    instance has its own (`fastapi_wrappers`), so this one is not emitted unless something includes it."""


@dataclass
class ScanContext:
    """Where the scan is: the prefix of local object keys, names bound to routers, names bound to
    expressions (loop variables), the evaluator scope, the conditions the code sits under, and
    names bound to modules imported by name."""

    scope: str
    names: dict[str, str]
    exprs: dict[str, tuple[ModuleSummary, Expr]] = field(default_factory=dict)
    values: Scope | None = None
    condition: str = ""
    modules: dict[str, ImportedModule] = field(default_factory=dict)
    """Names bound to modules imported by a dotted path (`module = import_module(path)`)."""
    instances: dict[str, Held] = field(default_factory=dict)
    """Names bound to instances of a project class holding an app or router (`init = Init(app)`, and
    `self` in its methods): the class and the attributes holding objects (`fastapi_instances`)."""

    def under(self, condition: str) -> ScanContext:
        """The same scope under one more condition (an `if` branch)."""
        return replace(self, condition=join_conditions(self.condition, condition))


class Emitter:
    """Walks the router tree and emits one `Route` per method."""

    def __init__(self, index: ProjectIndex, deps: DependencyJudge, out: LinkOutput) -> None:
        self.index = index
        self.deps = deps
        self.out = out

    def emit(self, routers: dict[str, Router], replaced: set[tuple[str, str]]) -> None:
        """Emit app facts and routes; `replaced` stand-ins were bound to a real app by a caller."""
        self.routers = routers
        for router in sorted(routers.values(), key=lambda r: r.key):
            if router.kind == "app" and router.stand_in is None:
                self.out.apps.append(AppFact(router.framework, router.key, Location(router.mod.path, router.line),
                                             tuple(router.middleware)))
        roots = [r for r in routers.values() if not r.included and not r.template
                 and (r.stand_in is None or r.stand_in not in replaced)]
        for root in sorted(roots, key=lambda r: r.key):
            self._walk(root, "", [], [], root, set(), "")

    def _walk(self, router: Router, prefix: str, deps: list[Dep], middleware: list[Evidence], app: Router,
              seen: set[str], condition: str) -> None:
        if router.key in seen or len(seen) > 30:
            return
        seen = seen | {router.key}
        base = join_paths(prefix, router.prefix) if router.prefix else prefix
        chain = deps + router.deps
        mw = middleware + router.auth_middleware
        for raw in router.routes:
            self._route(raw, base, chain, mw, router, app, join_conditions(condition, raw.condition))
        for builtin in router.builtin:
            self._builtin_route(builtin, base, mw, router, app, join_conditions(condition, builtin.condition))
        for inc in router.includes:
            child = self.routers.get(inc.child)
            if child is not None:
                self._walk(child, join_paths(base, inc.prefix) if inc.prefix else base, chain + inc.deps, mw, app,
                           seen, join_conditions(condition, inc.condition))

    def _route(self, raw: RawRoute, base: str, chain: list[Dep], middleware: list[Evidence], router: Router,
               app: Router, condition: str) -> None:
        full_raw = join_paths(base, raw.path) if (base or raw.path) else "/"
        path, params = normalize_path(full_raw)
        statuses: list[AuthStatus] = []
        evidence: list[Evidence] = []
        authz: list[Evidence] = []
        dep_names: list[str] = []
        deps = chain + raw.deps
        if raw.handler is not None:
            deps = deps + self.deps.param_deps(raw.mod, raw.handler, "handler parameter")
        for dep in deps:
            status, ev, az = self.deps.dep_auth(dep)
            target = dep.expr if dep.expr is not None else dep.annotation
            if target is not None:
                dep_names.append(self.index.qualify_expr(dep.mod, target) or target.render(40))
            authz += az
            if status is not None:
                statuses.append(status)
                evidence += [Evidence(e.kind, e.name, e.status, f"{dep.where}; {e.detail}".strip("; "), e.location)
                             for e in ev]
        rate_limit: list[Evidence] = []
        for dec in raw.decorators:
            dec_name = self.index.qualify_expr(raw.mod, dec) or dec.render(40)
            dep_names.append(dec_name)
            short = dec_name.rsplit(".", 1)[-1]
            if short == "requires" and dec.kind == "call":
                scopes = _scopes(dec)
                statuses.append(AuthStatus.REQUIRED)
                evidence.append(Evidence("decorator", dec_name, AuthStatus.REQUIRED, ",".join(scopes),
                                         Location(raw.mod.path, raw.line)))
                if any(s != "authenticated" for s in scopes):
                    authz.append(Evidence("scopes", ",".join(scopes), AuthStatus.REQUIRED, "requires()",
                                          Location(raw.mod.path, raw.line)))
            elif "limit" in ".".join(dec_name.split(".")[-2:]).lower() and dec.kind == "call":
                # `limiter.limit("5/minute")`; not `router.post(...)` of a module named `concurrency_limits`
                rate_limit.append(Evidence("rate_limit", dec_name, AuthStatus.REQUIRED, dec.render(60),
                                           Location(raw.mod.path, raw.line)))
        for name in dep_names:
            if "ratelimit" in name.lower().replace("_", ""):
                rate_limit.append(Evidence("rate_limit", name, AuthStatus.REQUIRED, "dependency",
                                           Location(raw.mod.path, raw.line)))
        if raw.handler is not None and not statuses and not looks_like_login(raw.handler):
            body = self.deps.bodies.verdict(raw.mod, raw.handler, self._handler_self(raw))
            # A handler's own `return None` says nothing; what the helpers it calls do does.
            if body is not None and (body.status is AuthStatus.REQUIRED or body.delegated):
                statuses.append(body.status)
                detail = "checks credentials in the handler body" if body.detail.startswith("checks credentials") \
                    else f"the handler {body.detail}"
                evidence.append(Evidence("handler", raw.handler_name, body.status, detail,
                                         Location(raw.mod.path, raw.line)))
        status = combine(statuses)
        if status is None or status is AuthStatus.NONE:
            if middleware:
                status = AuthStatus.UNKNOWN
                evidence += middleware
            else:
                status = AuthStatus.NONE
        if raw.handler is not None:
            check = body_checks_role(raw.handler)
            if check is not None:
                authz.append(Evidence("role", raw.handler_name, AuthStatus.REQUIRED, check.text,
                                      Location(raw.mod.path, raw.line), check.roles))
            elif status in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL):
                helper = self.deps.bodies.authorization_call(raw.mod, raw.handler, self._handler_self(raw))
                if helper is not None:
                    authz.append(Evidence("permission", helper, AuthStatus.REQUIRED,
                                          f"the handler calls `{helper}`, which rejects callers it does not allow",
                                          Location(raw.mod.path, raw.line)))
        response_model, status_code = self._decorator_facts(raw)
        returns = raw.handler.returns.render(60) if raw.handler is not None and raw.handler.returns else None
        handler_q = f"{raw.mod.module}.{raw.handler_name}" if raw.handler is not None else raw.handler_name
        framework = router.framework if router.framework == app.framework else app.framework
        injected = tuple(injected_params(self.index, raw.mod, raw.handler).items()) if raw.handler is not None else ()
        for method in raw.methods:
            self.out.routes.append(Route(
                framework=framework,
                method=method,
                path=path,
                raw_path=full_raw,
                handler=handler_q,
                location=Location(raw.mod.path, raw.line if raw.line else router.line),
                handler_ref=HandlerRef(raw.mod.path, raw.handler_name) if raw.handler is not None else None,
                path_params=params,
                auth=AuthEvidence(status, tuple(dedupe(evidence))),
                authz=tuple(dedupe(authz)),
                dependencies=tuple(dict.fromkeys(dep_names)),
                response_model=response_model,
                status_code=status_code,
                return_annotation=returns,
                rate_limit=tuple(dedupe(rate_limit)),
                group=router.key,
                app=app.key,
                linked=app.kind == "app",
                condition=condition,
                injected=injected,
            ))
        self.out.frameworks.add(framework)

    def _builtin_route(self, builtin: BuiltinRoute, base: str, middleware: list[Evidence], router: Router,
                       app: Router, condition: str) -> None:
        """A route the framework serves itself: the app's dependencies do not reach it, its middleware does."""
        full_raw = join_paths(base, builtin.path)
        path, params = normalize_path(full_raw)
        status = AuthStatus.UNKNOWN if middleware else AuthStatus.NONE
        where = builtin.location or Location(router.mod.path, router.line)
        served = Evidence(builtin.kind, builtin.handler, status, builtin.detail, where)
        self.out.routes.append(Route(
            framework=app.framework, method="GET", path=path, raw_path=full_raw, handler=builtin.handler,
            location=where, path_params=params, auth=AuthEvidence(status, (*middleware, served)), group=router.key,
            app=app.key, linked=app.kind == "app", condition=condition, builtin=True))

    def _handler_self(self, raw: RawRoute) -> Ref | None:
        """The class a method handler (a Starlette `HTTPEndpoint` method) belongs to."""
        if raw.handler is None or "." not in raw.handler.qualname:
            return None
        owner = self.index.lookup(f"{raw.mod.module}.{raw.handler.qualname.rsplit('.', 1)[0]}")
        return Ref(owner) if owner is not None and owner.cls is not None else None

    def _decorator_facts(self, raw: RawRoute) -> tuple[str | None, int | None]:
        """`response_model=` and `status_code=` of the route decorator."""
        call = raw.decorator
        response_model = None
        status_code = None
        if call is not None:
            rm = call.kwarg("response_model")
            if rm is not None and not rm.is_none:
                response_model = self.index.qualify_expr(raw.mod, rm) or rm.render(60)
            sc = call.kwarg("status_code")
            if sc is not None and sc.kind == "num" and sc.text.isdigit():
                status_code = int(sc.text)
            elif sc is not None and sc.kind == "attr" and "_" in sc.text:
                code = sc.text.split("_")[1]
                status_code = int(code) if code.isdigit() else None
        return response_model, status_code


def _scopes(dec: Expr) -> tuple[str, ...]:
    first = dec.arg(0, "scopes")
    if first is None:
        return ()
    if first.kind == "str":
        return (first.text,)
    if first.kind in ("list", "tuple"):
        return tuple(e.text for e in first.args if e.kind == "str")
    return ()


__all__ = ["HTTP_METHODS", "REGISTRATIONS", "Emitter", "Include", "RawRoute", "Router", "ScanContext",
           "imports_module"]
