"""FastAPI and Starlette app-level facts: middleware, CORS policies, rate limiters, error handlers."""

from __future__ import annotations

from apilint.body_auth import body_auth
from apilint.frameworks.base import LinkOutput
from apilint.frameworks.fastapi_tree import Router
from apilint.model import AuthStatus, CorsPolicy, Evidence, HandlerRef, Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import Scope

_PLAIN_MIDDLEWARE = frozenset({"HTTPSRedirectMiddleware", "TrustedHostMiddleware", "GZipMiddleware",
                               "SessionMiddleware", "AuthenticationMiddleware"})
_AUTH_WORDS = ("auth", "jwt", "token", "login", "apikey", "api_key")
_UNREADABLE = "custom middleware; the paths it exempts cannot be read"


class AppFacts:
    """Reads the app-level calls of a FastAPI/Starlette project into `LinkOutput` facts."""

    def __init__(self, index: ProjectIndex, out: LinkOutput) -> None:
        self.index = index
        self.out = out

    def exception_handler(self, mod: ModuleSummary, expr: Expr) -> None:
        """A function registered as an exception handler."""
        symbol = self.index.resolve(mod, expr)
        if symbol is not None and symbol.func is not None:
            self.out.exception_handlers.append(HandlerRef(symbol.module.path, symbol.func.qualname))

    def middleware(self, router: Router, mod: ModuleSummary, cls_expr: Expr, call: Expr, line: int,
                   scope: Scope | None = None) -> None:
        """`add_middleware(X, ...)` / `Middleware(X, ...)`: CORS policies, and auth middleware whose
        effect cannot be read (it makes the routes below it `unknown`)."""
        qualified = self.index.qualify_expr(mod, cls_expr) or cls_expr.render(40)
        router.middleware.append(qualified)
        short = qualified.rsplit(".", 1)[-1]
        if short == "CORSMiddleware":
            self.out.cors.append(self.cors(mod, call, line, scope))
            return
        if short in _PLAIN_MIDDLEWARE:
            return
        symbol = self.index.lookup(qualified)
        authish = any(w in short.lower() for w in _AUTH_WORDS)
        if symbol is not None and symbol.cls is not None:
            dispatch = symbol.cls.method("dispatch") or symbol.cls.method("__call__")
            if dispatch is not None and body_auth(self.index, symbol.module, dispatch) is not None:
                authish = True
        if authish:
            router.auth_middleware.append(Evidence("middleware", qualified, AuthStatus.UNKNOWN, _UNREADABLE,
                                                   Location(mod.path, line)))

    def function_middleware(self, router: Router, mod: ModuleSummary, func: FunctionDef) -> None:
        """`@app.middleware("http")`: an auth check there makes the routes `unknown`."""
        qualified = f"{mod.module}.{func.qualname}"
        router.middleware.append(qualified)
        if body_auth(self.index, mod, func) is not None:
            router.auth_middleware.append(Evidence("middleware", qualified, AuthStatus.UNKNOWN, _UNREADABLE,
                                                   Location(mod.path, func.line)))

    def cors(self, mod: ModuleSummary, call: Expr, line: int, scope: Scope | None = None) -> CorsPolicy:
        """The policy of a `CORSMiddleware`, its origins evaluated (settings, environment defaults)."""
        values = self.index.values
        origins: tuple[str, ...] = ()
        resolved = True
        given = call.kwarg("allow_origins")
        if given is not None:
            value = values.value(mod, given, scope)
            first = value.first
            if isinstance(first, list | tuple | set):
                origins = tuple(o.strip() for o in first if isinstance(o, str) and o.strip())
                resolved = all(isinstance(o, str) for o in first)
            elif isinstance(first, str):
                origins = tuple(o.strip() for o in first.split(",") if o.strip())
            else:
                resolved = False
        regex_expr = call.kwarg("allow_origin_regex")
        regex = values.string(mod, regex_expr, scope) if regex_expr is not None else None
        creds_expr = call.kwarg("allow_credentials")
        creds: bool | None = None
        if creds_expr is not None:
            creds_value = values.value(mod, creds_expr, scope)
            creds = bool(creds_value.first) if creds_value.known else None
        return CorsPolicy("starlette", Location(mod.path, line), origins, regex, False, creds, resolved)

    def rate_limiters(self, modules: list[ModuleSummary], routers: dict[str, Router]) -> None:
        """slowapi `Limiter(...)` and fastapi-limiter `FastAPILimiter.init(...)` -> facts.rate_limiters.

        The detail is `global` when slowapi default limits apply to every route (SlowAPIMiddleware).
        """
        middleware = any("SlowAPI" in m.rsplit(".", 1)[-1] for r in routers.values() for m in r.middleware)
        for mod in modules:
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


__all__ = ["AppFacts"]
