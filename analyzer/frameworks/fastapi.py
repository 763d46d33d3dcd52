"""FastAPI and Starlette: routers, includes, mounts, dependencies and app-level facts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.common import body_auth, body_checks_role, factory_aliases, join_paths, normalize_path
from apilint.model import (
    AppFact,
    AuthEvidence,
    AuthStatus,
    CorsPolicy,
    Evidence,
    HandlerRef,
    Location,
    Route,
    SettingFact,
)
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

APP_CLASSES = {"fastapi.FastAPI": "fastapi", "fastapi.applications.FastAPI": "fastapi",
               "starlette.applications.Starlette": "starlette"}
ROUTER_CLASSES = {"fastapi.APIRouter": "fastapi", "fastapi.routing.APIRouter": "fastapi",
                  "starlette.routing.Router": "starlette"}
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
SECURITY_SCHEMES = frozenset({
    "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "HTTPBearer", "HTTPBasic",
    "HTTPDigest", "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "OpenIdConnect", "HTTPBase",
})
DEPENDS = ("Depends", "Security")
AUTHISH = ("user", "auth", "token", "login", "verify", "current", "jwt", "api_key", "apikey", "admin",
           "permission", "principal", "session", "credential", "secure", "protect", "require")
ROLEISH = ("admin", "superuser", "staff", "role", "permission", "scope", "owner_or_admin")


@dataclass
class _Dep:
    expr: Expr | None
    mod: ModuleSummary
    where: str
    line: int
    scopes: tuple[str, ...] = ()
    annotation: Expr | None = None


@dataclass
class _RawRoute:
    methods: tuple[str, ...]
    path: str
    mod: ModuleSummary
    handler: FunctionDef | None
    handler_name: str
    line: int
    deps: list[_Dep] = field(default_factory=list)
    decorator: Expr | None = None
    decorators: tuple[Expr, ...] = ()


@dataclass
class _Include:
    child: str
    prefix: str
    deps: list[_Dep]


@dataclass
class _Router:
    key: str
    kind: str
    framework: str
    mod: ModuleSummary
    line: int
    prefix: str = ""
    deps: list[_Dep] = field(default_factory=list)
    routes: list[_RawRoute] = field(default_factory=list)
    includes: list[_Include] = field(default_factory=list)
    middleware: list[str] = field(default_factory=list)
    auth_middleware: list[Evidence] = field(default_factory=list)
    included: bool = False


class FastAPIAdapter:
    """Routes and facts of FastAPI and Starlette apps."""

    name = "fastapi"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports fastapi or starlette."""
        return imports_any(index, ("fastapi", "starlette"))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Collect routers, then walk includes from each root and emit routes."""
        _Linker(index, config, out).run()


class _Linker:
    def __init__(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        self.index = index
        self.config = config
        self.out = out
        self.routers: dict[str, _Router] = {}
        self.aliases: dict[str, str] = {}
        self._dep_cache: dict[str, tuple[AuthStatus | None, list[Evidence], list[Evidence]]] = {}
        self._loops: dict[tuple[str, str], list[tuple[ModuleSummary, Expr]]] = {}
        """`for router in API_ROUTERS:` -> the routers the loop variable takes, by (file, name)."""
        self._helpers_seen: set[tuple[str, str, str]] = set()
        self.modules = [m for m in index if m.imports]  # no import, no router object

    # --- pass 1: router objects ------------------------------------------------------
    def run(self) -> None:
        for mod in self.modules:
            self._collect_objects(mod, mod.body, "", {})
        for mod in self.modules:
            self._collect_factory_aliases(mod)
        for mod in self.modules:
            self._scan(mod, mod.body, "", {})
        self._rate_limiters()
        self._emit()

    def _rate_limiters(self) -> None:
        """slowapi `Limiter(...)` and fastapi-limiter `FastAPILimiter.init(...)` -> facts.rate_limiters.

        The detail is `global` when slowapi default limits apply to every route (SlowAPIMiddleware).
        """
        middleware = any("SlowAPI" in m.rsplit(".", 1)[-1] for r in self.routers.values() for m in r.middleware)
        for mod in self.modules:
            if not mod.mentions("limiter") and not mod.mentions("fastapilimiter"):
                continue  # any spelling of the calls below has one of these words
            for stmt in walk_stmts(mod.body, into_defs=True):
                for expr in stmt.own_exprs():
                    for call in expr.calls():
                        callee = self.index.qualify_expr(mod, call.func) or ""
                        if callee in ("slowapi.Limiter", "slowapi.extension.Limiter"):
                            limits = call.kwarg("default_limits")
                            has_defaults = limits is not None and not (limits.kind in ("list", "tuple")
                                                                       and not limits.args)
                            self.out.rate_limiters.append(Evidence(
                                "rate_limiter", "slowapi.Limiter", AuthStatus.REQUIRED,
                                "global default_limits" if has_defaults and middleware else "",
                                Location(mod.path, stmt.line)))
                        elif callee == "fastapi_limiter.FastAPILimiter.init":
                            self.out.rate_limiters.append(Evidence(
                                "rate_limiter", "fastapi_limiter.FastAPILimiter", AuthStatus.REQUIRED, "",
                                Location(mod.path, stmt.line)))

    def _router_kind(self, mod: ModuleSummary, value: Expr | None) -> tuple[str, str] | None:
        if value is None or value.kind != "call":
            return None
        callee = self.index.qualify_expr(mod, value.func) or ""
        if callee in APP_CLASSES:
            return "app", APP_CLASSES[callee]
        if callee in ROUTER_CLASSES:
            return "router", ROUTER_CLASSES[callee]
        short = callee.rsplit(".", 1)[-1]
        if short in ("FastAPI", "APIRouter") and _imports(mod, "fastapi"):
            return ("app" if short == "FastAPI" else "router"), "fastapi"
        symbol = self.index.lookup(callee)
        if symbol is not None and symbol.cls is not None:
            bases = self.index.base_names(symbol)
            for base in bases:
                if base in APP_CLASSES:
                    return "app", APP_CLASSES[base]
                if base in ROUTER_CLASSES:
                    return "router", ROUTER_CLASSES[base]
        return None

    def _collect_objects(self, mod: ModuleSummary, body: tuple[Stmt, ...], scope: str,
                         names: dict[str, str]) -> None:
        for stmt in walk_stmts(body):
            if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                kind = self._router_kind(mod, stmt.value)
                if kind is None:
                    continue
                for target in stmt.targets:
                    dotted = target.dotted
                    if dotted is None:
                        continue
                    key = f"{mod.module}.{scope}{dotted}"
                    router = _Router(key, kind[0], kind[1], mod, stmt.line)
                    self._configure(router, mod, stmt.value)
                    self.routers[key] = router
                    names[dotted] = key
            elif stmt.func is not None:
                self._collect_objects(mod, stmt.func.body, f"{stmt.func.qualname}.<locals>.", dict(names))
            elif stmt.cls is not None:
                for method in stmt.cls.methods():
                    self._collect_objects(mod, method.body, f"{method.qualname}.<locals>.", dict(names))

    def _collect_factory_aliases(self, mod: ModuleSummary) -> None:
        """`app = create_app()` where create_app builds and returns a FastAPI app."""
        self.aliases.update(factory_aliases(self.index, mod, self.routers))

    def _configure(self, router: _Router, mod: ModuleSummary, call: Expr) -> None:
        prefix = call.kwarg("prefix")
        if prefix is not None:
            router.prefix = self._path(mod, prefix)
        router.deps += self._dep_list(mod, call.kwarg("dependencies"), "router dependencies", router.line)
        routes = call.kwarg("routes")
        if routes is not None:
            for raw in self._starlette_routes(mod, routes, "", router):
                router.routes.append(raw)
        middleware = call.kwarg("middleware")
        if middleware is not None:
            for item in self._list_items(mod, middleware):
                if item.kind == "call" and item.positional:
                    self._middleware(router, mod, item.positional[0], item, router.line)
        debug = call.kwarg("debug")
        if debug is not None and debug.is_true:
            self.out.settings.append(SettingFact("DEBUG", "True", Location(mod.path, router.line),
                                                 router.framework))
        handlers = call.kwarg("exception_handlers")
        if handlers is not None and handlers.kind == "dict":
            for value in handlers.args[1::2]:
                self._exception_handler(mod, value)

    # --- pass 2: routes, includes, middleware ----------------------------------------
    def _resolve_router(self, mod: ModuleSummary, expr: Expr, names: dict[str, str],
                        _depth: int = 0) -> _Router | None:
        if expr.kind == "call" and _depth < 3:
            return self._factory_router(mod, expr, _depth)
        dotted = expr.dotted
        if dotted is None:
            return None
        if dotted in names:
            return self.routers.get(names[dotted])
        qualified = self.index.qualify(mod, dotted)
        key = self.aliases.get(qualified, qualified)
        if key in self.routers:
            return self.routers[key]
        symbol = self.index.lookup(qualified)
        if symbol is not None:
            key = self.aliases.get(symbol.qualname, symbol.qualname)
            return self.routers.get(key)
        return None

    def _factory_router(self, mod: ModuleSummary, call: Expr, depth: int) -> _Router | None:
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
                found = self._resolve_router(symbol.module, stmt.value, local, depth + 1)
                if found is not None:
                    return found
        return None

    def _scan(self, mod: ModuleSummary, body: tuple[Stmt, ...], scope: str, names: dict[str, str]) -> None:
        names = dict(names)
        for stmt in walk_stmts(body):
            if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                for target in stmt.targets:
                    key = f"{mod.module}.{scope}{target.dotted}"
                    if target.dotted and key in self.routers:
                        names[target.dotted] = key
                    elif target.dotted and stmt.value.kind == "call":
                        built = self._factory_router(mod, stmt.value, 0)
                        if built is not None:
                            names[target.dotted] = built.key
                if stmt.kind == "assign" and len(stmt.targets) == 1 and stmt.targets[0].kind == "attr":
                    self._attribute_assignment(mod, stmt, names)
            if stmt.kind == "for" and stmt.value is not None and len(stmt.targets) == 1 and \
                    stmt.targets[0].kind == "name":
                self._loops[(mod.path, stmt.targets[0].text)] = self._loop_items(mod, stmt.value)
            if stmt.func is not None:
                self._decorated(mod, stmt.func, names, stmt.func.qualname)
                bound = self._param_objects(mod, stmt.func, names)
                self._scan(mod, stmt.func.body, f"{stmt.func.qualname}.<locals>.", bound)
            elif stmt.cls is not None:
                for method in stmt.cls.methods():
                    self._decorated(mod, method, names, method.qualname)
                    bound = self._param_objects(mod, method, names)
                    self._scan(mod, method.body, f"{method.qualname}.<locals>.", bound)
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.func.kind == "attr":
                        self._method_call(mod, call, names, stmt.line)
                    elif call.func.kind == "name" and call.positional:
                        self._helper_call(mod, call, names)

    def _helper_call(self, mod: ModuleSummary, call: Expr, names: dict[str, str]) -> None:
        """`add_auth_middleware(app)`: read the helper with its parameter bound to that app, unless
        its annotation already binds it (`_param_objects`)."""
        symbol = self.index.resolve(mod, call.func)
        if symbol is None or symbol.func is None or len(self._helpers_seen) > 500:
            return
        params = [p for p in symbol.func.params if p.kind in ("pos", "posonly")]
        already = self._param_objects(symbol.module, symbol.func, {})
        bound: dict[str, str] = {}
        for param, arg in zip(params, call.positional, strict=False):
            if arg.kind != "name" or arg.text not in names:
                continue
            key = names[arg.text]
            if already.get(param.name) != key and (symbol.qualname, param.name, key) not in self._helpers_seen:
                self._helpers_seen.add((symbol.qualname, param.name, key))
                bound[param.name] = key
        if bound:
            self._scan(symbol.module, symbol.func.body, f"{symbol.func.qualname}.<locals>.", bound)

    def _loop_items(self, mod: ModuleSummary, value: Expr) -> list[tuple[ModuleSummary, Expr]]:
        """Elements of a literal list/tuple, or of a module-level constant naming one."""
        if value.kind in ("list", "tuple"):
            return [(mod, e) for e in value.args if e.kind != "starred"]
        symbol = self.index.resolve(mod, value) if value.kind in ("name", "attr") else None
        if symbol is not None and symbol.value is not None and symbol.value.kind in ("list", "tuple"):
            return [(symbol.module, e) for e in symbol.value.args if e.kind != "starred"]
        return []

    def _param_objects(self, mod: ModuleSummary, func: FunctionDef, names: dict[str, str]) -> dict[str, str]:
        """Bind `def configure(app: FastAPI)` to the project's only app of that class, when unique."""
        bound = dict(names)
        for param in func.params:
            kind = None
            if param.annotation is not None:
                callee = Expr("call", args=(param.annotation,))
                kind = self._router_kind(mod, callee)
            if kind is None:
                continue
            candidates = [r for r in self.routers.values() if r.kind == kind[0] and r.framework == kind[1]]
            same_module = [r for r in candidates if r.mod.path == mod.path]
            chosen = same_module if len(same_module) == 1 else candidates
            if len(chosen) == 1:
                bound[param.name] = chosen[0].key
            else:
                bound.pop(param.name, None)
        return bound

    def _attribute_assignment(self, mod: ModuleSummary, stmt: Stmt, names: dict[str, str]) -> None:
        target = stmt.targets[0]
        router = self._resolve_router(mod, target.args[0], names)
        if router is None or stmt.value is None:
            return
        if target.text == "debug" and stmt.value.is_true:
            self.out.settings.append(SettingFact("DEBUG", "True", Location(mod.path, stmt.line), router.framework))

    def _decorated(self, mod: ModuleSummary, func: FunctionDef, names: dict[str, str], qualname: str) -> None:
        for dec in func.decorators:
            call = dec.expr
            if call.kind != "call" or call.func.kind != "attr":
                continue
            method = call.func.text
            router = self._resolve_router(mod, call.func.args[0], names)
            if router is None:
                continue
            if method in HTTP_METHODS or method in ("api_route", "websocket", "route", "websocket_route"):
                methods = self._methods(mod, method, call)
                path = self._path(mod, call.arg(0, "path"))
                raw = _RawRoute(methods, path, mod, func, qualname, func.line, decorator=call,
                                decorators=tuple(d.expr for d in func.decorators))
                raw.deps += self._dep_list(mod, call.kwarg("dependencies"), "route dependencies", dec.line)
                router.routes.append(raw)
            elif method == "exception_handler":
                self.out.exception_handlers.append(HandlerRef(mod.path, qualname))
            elif method == "middleware":
                self._function_middleware(router, mod, func)

    def _methods(self, mod: ModuleSummary, method: str, call: Expr) -> tuple[str, ...]:
        if method in HTTP_METHODS:
            return (method.upper(),)
        if method in ("websocket", "websocket_route"):
            return ("WEBSOCKET",)
        listed = self.index.const_value(mod, call.kwarg("methods"))
        if listed is not None and listed.kind in ("list", "tuple", "set"):
            found = tuple(sorted({e.text.upper() for e in listed.args if e.kind == "str"}))
            if found:
                return found
        return ("GET",)

    def _method_call(self, mod: ModuleSummary, call: Expr, names: dict[str, str], line: int) -> None:
        method = call.func.text
        if method not in ("include_router", "add_api_route", "add_api_websocket_route", "add_route",
                          "add_websocket_route", "mount", "add_middleware", "add_exception_handler",
                          "host"):
            return
        router = self._resolve_router(mod, call.func.args[0], names)
        if router is None:
            return
        if method == "include_router":
            child_expr = call.arg(0, "router")
            if child_expr is None:
                return
            looped = self._loops.get((mod.path, child_expr.text)) if child_expr.kind == "name" else None
            candidates = looped or [(mod, child_expr)]
            for owner, item in candidates:
                child = self._resolve_router(owner, item, names if owner is mod else {})
                if child is None:
                    continue
                prefix = self._path(mod, call.kwarg("prefix")) if call.kwarg("prefix") is not None else ""
                deps = self._dep_list(mod, call.kwarg("dependencies"), "include_router dependencies", line)
                router.includes.append(_Include(child.key, prefix, deps))
                child.included = True
        elif method in ("add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"):
            endpoint = call.arg(1, "endpoint") or call.arg(1, "route")
            path = self._path(mod, call.arg(0, "path"))
            kind = "websocket" if "websocket" in method else "api_route"
            methods = self._methods(mod, kind, call)
            for raw in self._endpoint_routes(mod, endpoint, methods, path, line):
                raw.deps += self._dep_list(mod, call.kwarg("dependencies"), "route dependencies", line)
                router.routes.append(raw)
        elif method in ("mount", "host"):
            app_expr = call.arg(1, "app")
            child = self._resolve_router(mod, app_expr, names) if app_expr is not None else None
            if child is not None:
                prefix = self._path(mod, call.arg(0, "path")) if method == "mount" else ""
                router.includes.append(_Include(child.key, prefix, []))
                child.included = True
        elif method == "add_middleware":
            target = call.arg(0, "middleware_class")
            if target is not None:
                self._middleware(router, mod, target, call, line)
        elif method == "add_exception_handler":
            handler = call.arg(1, "handler")
            if handler is not None:
                self._exception_handler(mod, handler)

    def _exception_handler(self, mod: ModuleSummary, expr: Expr) -> None:
        symbol = self.index.resolve(mod, expr)
        if symbol is not None and symbol.func is not None:
            self.out.exception_handlers.append(HandlerRef(symbol.module.path, symbol.func.qualname))

    def _middleware(self, router: _Router, mod: ModuleSummary, cls_expr: Expr, call: Expr, line: int) -> None:
        qualified = self.index.qualify_expr(mod, cls_expr) or cls_expr.render(40)
        router.middleware.append(qualified)
        short = qualified.rsplit(".", 1)[-1]
        if short == "CORSMiddleware":
            self.out.cors.append(self._cors(mod, call, line))
            return
        if short in ("HTTPSRedirectMiddleware", "TrustedHostMiddleware", "GZipMiddleware",
                     "SessionMiddleware", "AuthenticationMiddleware"):
            return
        symbol = self.index.lookup(qualified)
        authish = any(w in short.lower() for w in ("auth", "jwt", "token", "login", "apikey", "api_key"))
        if symbol is not None and symbol.cls is not None:
            dispatch = symbol.cls.method("dispatch") or symbol.cls.method("__call__")
            if dispatch is not None and body_auth(self.index, symbol.module, dispatch) is not None:
                authish = True
        if authish:
            router.auth_middleware.append(Evidence("middleware", qualified, AuthStatus.UNKNOWN,
                                                   "custom middleware; the paths it exempts cannot be read",
                                                   Location(mod.path, line)))

    def _function_middleware(self, router: _Router, mod: ModuleSummary, func: FunctionDef) -> None:
        qualified = f"{mod.module}.{func.qualname}"
        router.middleware.append(qualified)
        if body_auth(self.index, mod, func) is not None:
            router.auth_middleware.append(Evidence("middleware", qualified, AuthStatus.UNKNOWN,
                                                   "custom middleware; the paths it exempts cannot be read",
                                                   Location(mod.path, func.line)))

    def _cors(self, mod: ModuleSummary, call: Expr, line: int) -> CorsPolicy:
        origins: tuple[str, ...] = ()
        resolved = True
        value = self.index.const_value(mod, call.kwarg("allow_origins"))
        if value is not None and value.kind in ("list", "tuple", "set"):
            items = []
            for item in value.args:
                text = self.index.const_str(mod, item)
                if text is None:
                    resolved = False
                else:
                    items.append(text)
            origins = tuple(items)
        elif value is not None and value.kind == "call" and value.func.kind == "attr" and value.func.text == "split":
            # os.getenv("CORS_ORIGINS", "*").split(",") -> the default's items
            text = self.index.const_str(mod, value.func.args[0])
            sep = self.index.const_str(mod, value.arg(0)) if value.positional else None
            if text is None:
                resolved = False
            else:
                origins = tuple(o.strip() for o in text.split(sep) if o.strip())
        elif call.kwarg("allow_origins") is not None:
            resolved = False
        regex_expr = call.kwarg("allow_origin_regex")
        regex = self.index.const_str(mod, regex_expr) if regex_expr is not None else None
        creds_expr = self.index.const_value(mod, call.kwarg("allow_credentials"))
        creds = None if creds_expr is None else creds_expr.is_true
        return CorsPolicy("starlette", Location(mod.path, line), origins, regex, False, creds, resolved)

    # --- Starlette route lists -------------------------------------------------------
    def _list_items(self, mod: ModuleSummary, expr: Expr, depth: int = 0) -> list[Expr]:
        if depth > 6:
            return []
        if expr.kind in ("list", "tuple"):
            out: list[Expr] = []
            for item in expr.args:
                if item.kind == "starred":
                    out += self._list_items(mod, item.args[0], depth + 1)
                else:
                    out.append(item)
            return out
        if expr.kind == "binop" and expr.text == "+":
            return self._list_items(mod, expr.args[0], depth + 1) + self._list_items(mod, expr.args[1], depth + 1)
        if expr.kind in ("name", "attr"):
            symbol = self.index.resolve(mod, expr)
            if symbol is not None and symbol.value is not None:
                return self._list_items(symbol.module, symbol.value, depth + 1)
        return []

    def _starlette_routes(self, mod: ModuleSummary, expr: Expr, prefix: str, owner: _Router) -> Iterator[_RawRoute]:
        for item in self._list_items(mod, expr):
            if item.kind != "call":
                continue
            short = (self.index.qualify_expr(mod, item.func) or "").rsplit(".", 1)[-1]
            if short in ("Route", "WebSocketRoute", "APIRoute", "APIWebSocketRoute"):
                path = join_paths(prefix, self._path(mod, item.arg(0, "path")))
                endpoint = item.arg(1, "endpoint")
                kind = "websocket" if "WebSocket" in short else "api_route"
                methods = self._methods(mod, kind, item)
                yield from self._endpoint_routes(mod, endpoint, methods, path, 0)
            elif short in ("Mount", "Host"):
                sub_prefix = join_paths(prefix, self._path(mod, item.arg(0, "path"))) if short == "Mount" else prefix
                routes = item.kwarg("routes")
                if routes is not None:
                    yield from self._starlette_routes(mod, routes, sub_prefix, owner)
                app_expr = item.kwarg("app") or (item.positional[1] if len(item.positional) > 1 else None)
                if app_expr is not None:
                    child = self._resolve_router(mod, app_expr, {})
                    if child is not None:
                        owner.includes.append(_Include(child.key, sub_prefix, []))
                        child.included = True

    def _endpoint_routes(self, mod: ModuleSummary, endpoint: Expr | None, methods: tuple[str, ...],
                         path: str, line: int) -> Iterator[_RawRoute]:
        if endpoint is None:
            return
        symbol = self.index.resolve(mod, endpoint)
        if symbol is None:
            name = endpoint.render(60)
            yield _RawRoute(methods, path, mod, None, name, line)
            return
        if symbol.func is not None:
            yield _RawRoute(methods, path, symbol.module, symbol.func, symbol.func.qualname, symbol.func.line,
                            decorators=tuple(d.expr for d in symbol.func.decorators))
        elif symbol.cls is not None:
            for method in symbol.cls.methods():
                if method.name in HTTP_METHODS:
                    yield _RawRoute((method.name.upper(),), path, symbol.module, method, method.qualname,
                                    method.line, decorators=tuple(d.expr for d in method.decorators))

    # --- dependencies ----------------------------------------------------------------
    def _path(self, mod: ModuleSummary, expr: Expr | None) -> str:
        if expr is None:
            return ""
        value = self.index.const_str(mod, expr)
        return value if value is not None else f"<{expr.render(40)}>"

    def _dep_list(self, mod: ModuleSummary, expr: Expr | None, where: str, line: int) -> list[_Dep]:
        if expr is None:
            return []
        out = []
        for item in self._list_items(mod, expr):
            dep = self._as_dep(mod, item, None, where, line)
            if dep is not None:
                out.append(dep)
        return out

    def _as_dep(self, mod: ModuleSummary, expr: Expr, annotation: Expr | None, where: str, line: int) -> _Dep | None:
        if expr.kind != "call":
            return None
        callee = self.index.qualify_expr(mod, expr.func) or ""
        short = callee.rsplit(".", 1)[-1]
        if short not in DEPENDS:
            return None
        scopes: tuple[str, ...] = ()
        scopes_expr = expr.kwarg("scopes")
        if scopes_expr is not None and scopes_expr.kind in ("list", "tuple"):
            scopes = tuple(e.text for e in scopes_expr.args if e.kind == "str")
        return _Dep(expr.arg(0, "dependency"), mod, where, line, scopes, annotation)

    def _param_deps(self, mod: ModuleSummary, func: FunctionDef, where: str) -> list[_Dep]:
        out = []
        for param in func.params:
            if param.default is not None:
                dep = self._as_dep(mod, param.default, param.annotation, where, func.line)
                if dep is not None:
                    out.append(dep)
                    continue
            if param.annotation is not None:
                out += self._annotated_deps(mod, param.annotation, where, func.line, 0)
        return out

    def _annotated_deps(self, mod: ModuleSummary, ann: Expr, where: str, line: int, depth: int) -> list[_Dep]:
        if depth > 4:
            return []
        if ann.kind == "subscript" and (ann.args[0].dotted or "").endswith("Annotated"):
            out = []
            for meta in ann.args[2:]:
                dep = self._as_dep(mod, meta, ann.args[1] if len(ann.args) > 1 else None, where, line)
                if dep is not None:
                    out.append(dep)
            return out
        if ann.kind in ("name", "attr"):
            symbol = self.index.resolve(mod, ann)
            if symbol is not None and symbol.value is not None and symbol.value.kind == "subscript":
                return self._annotated_deps(symbol.module, symbol.value, f"{where} via {ann.render(40)}", line,
                                            depth + 1)
        return []

    def _dep_auth(self, dep: _Dep, depth: int = 0) -> tuple[AuthStatus | None, list[Evidence], list[Evidence]]:
        """(status, auth evidence, authz evidence) of one dependency."""
        target = dep.expr
        mod = dep.mod
        if target is None:  # Depends() with the annotation as the dependency
            target = dep.annotation
        if target is None:
            return None, [], []
        loc = Location(mod.path, dep.line)
        authz: list[Evidence] = []
        if dep.scopes:
            authz.append(Evidence("scopes", ",".join(dep.scopes), AuthStatus.REQUIRED, dep.where, loc))
        call_args: Expr | None = None
        if target.kind == "call":
            call_args = target
            target = target.func
        qualified = self.index.qualify_expr(mod, target) or target.render(40)
        cache_key = f"{qualified}|{call_args.render(60) if call_args else ''}"
        if cache_key not in self._dep_cache:
            self._dep_cache[cache_key] = ((None, [], []) if depth > 5
                                          else self._judge_dep(mod, target, call_args, qualified, loc, dep, depth))
        status, evidence, more_authz = self._dep_cache[cache_key]
        return status, evidence, authz + more_authz

    def _judge_dep(self, mod: ModuleSummary, target: Expr, call_args: Expr | None, qualified: str,
                   loc: Location, dep: _Dep, depth: int) -> tuple[AuthStatus | None, list[Evidence], list[Evidence]]:
        short = qualified.rsplit(".", 1)[-1]
        authz: list[Evidence] = []
        if self._configured(qualified, self.config.auth_dependencies):
            return AuthStatus.REQUIRED, [Evidence("dependency", qualified, AuthStatus.REQUIRED, "configured", loc)], []
        if self._configured(qualified, self.config.auth_optional_dependencies):
            return AuthStatus.OPTIONAL, [Evidence("dependency", qualified, AuthStatus.OPTIONAL, "configured", loc)], []
        if self._configured(qualified, self.config.roles_helpers):
            authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, "configured role check", loc))
        if call_args is not None and short in ("current_user", "current_active_user"):
            optional = call_args.kwarg("optional")
            status = AuthStatus.OPTIONAL if optional is not None and optional.is_true else AuthStatus.REQUIRED
            superuser = call_args.kwarg("superuser")
            if superuser is not None and superuser.is_true:
                authz.append(Evidence("role", qualified, status, "superuser=True", loc))
            return status, [Evidence("dependency", qualified, status, "fastapi-users current_user", loc)], authz
        symbol = self.index.lookup(qualified)
        if symbol is None:
            if short in SECURITY_SCHEMES:
                return self._scheme(qualified, call_args, loc)
            if qualified.startswith(("fastapi.", "starlette.", "pydantic.", "sqlalchemy.", "sqlmodel.")):
                return None, [], authz  # framework helpers (request forms, sessions) do not authenticate
            if any(w in short.lower() for w in AUTHISH):
                ev = Evidence("dependency", qualified, AuthStatus.UNKNOWN, "defined outside the project", loc)
                return AuthStatus.UNKNOWN, [ev], authz
            return None, [], authz
        if symbol.value is not None and symbol.value.kind == "call":
            # module-level instance: oauth2_scheme = OAuth2PasswordBearer(...), auth = JWTBearer()
            inner_q = self.index.qualify_expr(symbol.module, symbol.value.func) or ""
            inner_short = inner_q.rsplit(".", 1)[-1]
            if inner_short in SECURITY_SCHEMES and self.index.lookup(inner_q) is None:
                return self._scheme(qualified, symbol.value, loc)
            if inner_short in ("current_user", "current_active_user"):
                return self._judge_dep(symbol.module, symbol.value.func, symbol.value, inner_q, loc, dep, depth)
            cls_symbol = self.index.lookup(inner_q)
            if cls_symbol is not None and cls_symbol.cls is not None:
                return self._class_dep(cls_symbol, symbol.value, loc, dep, depth)
            return None, [], authz
        if symbol.cls is not None:
            return self._class_dep(symbol, call_args, loc, dep, depth)
        if symbol.func is not None:
            judged, evidence, more = self._function_dep(symbol, loc, dep, depth)
            return judged, evidence, authz + more
        return None, [], authz

    def _scheme(self, qualified: str, call: Expr | None,
                loc: Location) -> tuple[AuthStatus, list[Evidence], list[Evidence]]:
        auto_error = call.kwarg("auto_error") if call is not None else None
        status = AuthStatus.OPTIONAL if auto_error is not None and auto_error.text == "False" else AuthStatus.REQUIRED
        detail = "security scheme" + (" with auto_error=False" if status is AuthStatus.OPTIONAL else "")
        return status, [Evidence("security_scheme", qualified, status, detail, loc)], []

    def _class_dep(self, symbol: Symbol, call: Expr | None, loc: Location, dep: _Dep,
                   depth: int) -> tuple[AuthStatus | None, list[Evidence], list[Evidence]]:
        assert symbol.cls is not None
        bases = self.index.base_names(symbol)
        if any(b.rsplit(".", 1)[-1] in SECURITY_SCHEMES for b in bases):
            auto_error = call.kwarg("auto_error") if call is not None else None
            optional = auto_error is not None and auto_error.text == "False"
            status = AuthStatus.OPTIONAL if optional else AuthStatus.REQUIRED
            authz = self._role_evidence(symbol.module, symbol.cls.method("__call__"), symbol.qualname, loc)
            return status, [Evidence("security_scheme", symbol.qualname, status, "subclass of a security scheme",
                                     loc)], authz
        method = symbol.cls.method("__call__") if call is not None else symbol.cls.method("__init__")
        if method is None:
            return None, [], []
        return self._function_dep(Symbol(f"{symbol.qualname}.{method.name}", symbol.module, func=method), loc, dep,
                                  depth, display=symbol.qualname, call=call)

    def _function_dep(self, symbol: Symbol, loc: Location, dep: _Dep, depth: int, display: str = "",
                      call: Expr | None = None) -> tuple[AuthStatus | None, list[Evidence], list[Evidence]]:
        func = symbol.func
        assert func is not None
        name = display or symbol.qualname
        statuses: list[AuthStatus] = []
        evidence: list[Evidence] = []
        authz: list[Evidence] = []
        for sub in self._param_deps(symbol.module, func, f"dependency of {name}"):
            status, ev, az = self._dep_auth(sub, depth + 1)
            authz += az
            if status is not None:
                statuses.append(status)
                evidence += ev
        body = body_auth(self.index, symbol.module, func)
        combined = _combine(statuses)
        if combined is AuthStatus.OPTIONAL and body is AuthStatus.REQUIRED:
            combined = AuthStatus.REQUIRED
        if combined is None and body is not None:
            combined = body
            evidence.append(Evidence("dependency", name, body, "checks credentials and rejects without them",
                                     Location(symbol.module.path, func.line)))
        elif combined is not None:
            evidence = [Evidence("dependency", name, combined, "depends on " + ", ".join(e.name for e in evidence),
                                 Location(symbol.module.path, func.line))]
        if combined is not None:
            authz += self._role_evidence(symbol.module, func, name, loc, call)
        return combined, evidence, authz

    def _role_evidence(self, mod: ModuleSummary, func: FunctionDef | None, name: str, loc: Location,
                       call: Expr | None = None) -> list[Evidence]:
        if func is None:
            return []
        check = body_checks_role(func)
        if check is not None:
            return [Evidence("role", name, AuthStatus.REQUIRED, check, Location(mod.path, func.line))]
        if any(w in name.rsplit(".", 1)[-1].lower() for w in ROLEISH):
            return [Evidence("role", name, AuthStatus.REQUIRED, "role dependency (by name)", loc)]
        return []

    def _configured(self, qualified: str, names: tuple[str, ...]) -> bool:
        short = qualified.rsplit(".", 1)[-1]
        return any(n in (qualified, short) for n in names)

    # --- pass 3: emit -------------------------------------------------------------------
    def _emit(self) -> None:
        for router in sorted(self.routers.values(), key=lambda r: r.key):
            if router.kind == "app":
                self.out.apps.append(AppFact(router.framework, router.key, Location(router.mod.path, router.line),
                                             tuple(router.middleware)))
        roots = [r for r in self.routers.values() if not r.included]
        for root in sorted(roots, key=lambda r: r.key):
            self._walk(root, "", [], [], root, set())

    def _walk(self, router: _Router, prefix: str, deps: list[_Dep], middleware: list[Evidence], app: _Router,
              seen: set[str]) -> None:
        if router.key in seen or len(seen) > 30:
            return
        seen = seen | {router.key}
        base = join_paths(prefix, router.prefix) if router.prefix else prefix
        chain = deps + router.deps
        mw = middleware + router.auth_middleware
        for raw in router.routes:
            self._route(raw, base, chain, mw, router, app)
        for inc in router.includes:
            child = self.routers.get(inc.child)
            if child is not None:
                self._walk(child, join_paths(base, inc.prefix) if inc.prefix else base, chain + inc.deps, mw, app,
                           seen)

    def _route(self, raw: _RawRoute, base: str, chain: list[_Dep], middleware: list[Evidence], router: _Router,
               app: _Router) -> None:
        full_raw = join_paths(base, raw.path) if (base or raw.path) else "/"
        path, params = normalize_path(full_raw)
        statuses: list[AuthStatus] = []
        evidence: list[Evidence] = []
        authz: list[Evidence] = []
        dep_names: list[str] = []
        deps = chain + raw.deps
        if raw.handler is not None:
            deps = deps + self._param_deps(raw.mod, raw.handler, "handler parameter")
        for dep in deps:
            status, ev, az = self._dep_auth(dep)
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
                scopes = self._scopes(dec)
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
        if raw.handler is not None and not statuses:
            body = body_auth(self.index, raw.mod, raw.handler)
            if body is not None:
                statuses.append(body)
                evidence.append(Evidence("handler", raw.handler_name, body, "checks credentials in the handler body",
                                         Location(raw.mod.path, raw.line)))
        status = _combine(statuses)
        if status is None or status is AuthStatus.NONE:
            if middleware:
                status = AuthStatus.UNKNOWN
                evidence += middleware
            else:
                status = AuthStatus.NONE
        if raw.handler is not None:
            check = body_checks_role(raw.handler)
            if check is not None:
                authz.append(Evidence("role", raw.handler_name, AuthStatus.REQUIRED, check,
                                      Location(raw.mod.path, raw.line)))
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
        returns = raw.handler.returns.render(60) if raw.handler is not None and raw.handler.returns else None
        handler_q = f"{raw.mod.module}.{raw.handler_name}" if raw.handler is not None else raw.handler_name
        framework = router.framework if router.framework == app.framework else app.framework
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
                auth=AuthEvidence(status, tuple(_dedupe(evidence))),
                authz=tuple(_dedupe(authz)),
                dependencies=tuple(dict.fromkeys(dep_names)),
                response_model=response_model,
                status_code=status_code,
                return_annotation=returns,
                rate_limit=tuple(_dedupe(rate_limit)),
                group=router.key,
                app=app.key,
            ))
        self.out.frameworks.add(framework)

    def _scopes(self, dec: Expr) -> tuple[str, ...]:
        first = dec.arg(0, "scopes")
        if first is None:
            return ()
        if first.kind == "str":
            return (first.text,)
        if first.kind in ("list", "tuple"):
            return tuple(e.text for e in first.args if e.kind == "str")
        return ()


def _combine(statuses: list[AuthStatus]) -> AuthStatus | None:
    if not statuses:
        return None
    for status in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN):
        if status in statuses:
            return status
    return AuthStatus.NONE


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    return list(dict.fromkeys(items))


def _imports(mod: ModuleSummary, prefix: str) -> bool:
    return any(imp.module == prefix or imp.module.startswith(prefix + ".") for imp in mod.imports)




__all__ = ["FastAPIAdapter"]
