"""Django Ninja: `NinjaAPI` and `Router` objects, operation decorators, `add_router`, `auth=`.

An API is served where the URLconf mounts `api.urls` (found by the shared URL walk). An API no
URLconf mounts, and a router no API adds, are emitted `linked=False` with their local paths.
An operation's auth is its own `auth=` when given (`auth=None` turns auth off), else the
nearest router's, else the API's. Paths, prefixes and `add_router` calls in loops go through
the value evaluator; `NinjaAPI(**{**base, "auth": ...})` keyword merges are read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.builtin_routes import BuiltinRoute, ninja_docs_routes
from apilint.frameworks.common import Bindings, calls_with_loops, join_conditions, join_paths, read_path
from apilint.frameworks.django_gates import judge_callable
from apilint.frameworks.django_paths import normalize_django_path
from apilint.frameworks.django_settings import project_settings, settings_for
from apilint.frameworks.django_urls import Mount, url_mounts
from apilint.frameworks.django_views import ClassInfo, DjangoAuth
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthEvidence, AuthStatus, Evidence, HandlerRef, Location, Route
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import Scope, as_expr

_API_CLASSES = frozenset({"NinjaAPI", "NinjaExtraAPI"})
_OPERATIONS = ("get", "post", "put", "patch", "delete")
_SCHEMES = frozenset({"HttpBearer", "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "HttpBasicAuth", "SessionAuth",
                      "SessionAuthSuperUser", "SessionAuthIsStaff", "AuthBase", "HttpAuthBase", "APIKeyBase",
                      "AsyncHttpBearer", "AsyncAPIKeyHeader", "AsyncAPIKeyQuery", "AsyncAPIKeyCookie"})
_ROLE_SCHEMES = frozenset({"django_auth_superuser", "django_auth_is_staff", "SessionAuthSuperUser",
                           "SessionAuthIsStaff"})
_OPEN_NAME = lazy_compile(r"allow|anonymous|anyone|public|optional|open", re.IGNORECASE)
_NINJA_PARAM = lazy_compile(r"\{(?:[A-Za-z_][A-Za-z0-9_]*:)?([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class _Op:
    methods: tuple[str, ...]
    path: str
    func: FunctionDef
    mod: ModuleSummary
    call: Expr


@dataclass
class _Include:
    prefix: str
    child: str
    auth: Expr | None
    mod: ModuleSummary
    condition: str = ""


@dataclass
class _Obj:
    key: str
    kind: str
    mod: ModuleSummary
    line: int
    auth: Expr | None = None
    auth_mod: ModuleSummary | None = None
    """Where `auth` is written (a `**` merge may bring it from another module)."""
    ops: list[_Op] = field(default_factory=list)
    includes: list[_Include] = field(default_factory=list)
    included: bool = False
    builtin: list[BuiltinRoute] = field(default_factory=list)
    """For a `NinjaAPI`: its schema and docs routes."""


class NinjaAdapter:
    """Routes of Django Ninja APIs."""

    name = "ninja"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports ninja."""
        return imports_any(index, ("ninja", "ninja_extra"))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Collect APIs and routers, then emit their operations under the URLconf mounts."""
        _Linker(index, config, out).run()


class _Linker:
    def __init__(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        self.index = index
        self.config = config
        self.out = out
        self.objs: dict[str, _Obj] = {}
        self._projects: dict[str, tuple[DjangoAuth, tuple[AuthStatus, Evidence] | None]] = {}
        main = project_settings(index)
        self._use(main.module.module if main.module is not None else "")
        self._reported: set[tuple[str, int, str]] = set()

    def _use(self, project: str) -> None:
        """Judge the next routes with the settings of the project whose URLconf serves them."""
        if project not in self._projects:
            auth = DjangoAuth(self.index, self.config, settings_for(self.index, project))
            self._projects[project] = (auth, auth.middleware())
        self.django, self.middleware = self._projects[project]

    def run(self) -> None:
        for mod in self.index:
            self._collect(mod)
        for mod in self.index:
            self._scan(mod)
        mounted: set[str] = set()
        for mount in url_mounts(self.index):
            if mount.kind == "urls" and mount.target is not None and mount.target.qualname in self.objs:
                obj = self.objs[mount.target.qualname]
                mounted.add(obj.key)
                self._use(mount.project)
                self._walk(obj, mount.raw, [], obj, set(), mount, mount.condition)
        main = project_settings(self.index)
        self._use(main.module.module if main.module is not None else "")
        for obj in sorted(self.objs.values(), key=lambda o: o.key):
            if obj.key not in mounted and (obj.kind == "api" or not obj.included):
                self._walk(obj, "/", [], obj, set(), None, "")

    def _collect(self, mod: ModuleSummary) -> None:
        for stmt in walk_stmts(mod.body):
            if stmt.kind not in ("assign", "annassign") or stmt.value is None or stmt.value.kind != "call":
                continue
            callee = self.index.qualify_expr(mod, stmt.value.func) or ""
            short = callee.rsplit(".", 1)[-1]
            if short in _API_CLASSES or (short == "Router" and callee.startswith("ninja")):
                kind = "api" if short in _API_CLASSES else "router"
                for target in stmt.targets:
                    if target.kind == "name":
                        key = f"{mod.module}.{target.text}"
                        auth = self._keyword(mod, stmt.value, "auth")
                        self.objs[key] = _Obj(key, kind, mod, stmt.line, auth[1] if auth else None,
                                              auth[0] if auth else None)
                        if kind == "api":
                            self.objs[key].builtin = ninja_docs_routes(self.index, mod, stmt.value)

    def _keyword(self, mod: ModuleSummary, call: Expr, name: str) -> tuple[ModuleSummary, Expr] | None:
        """A keyword argument, also when it comes from a `**{...}` merge (`NinjaAPI(**settings)`)."""
        given = call.kwarg(name)
        if given is not None:
            return mod, given
        for kw in call.keywords:
            if kw.name is None:
                merged = self.index.values.value(mod, kw.value).first
                if isinstance(merged, dict) and name in merged:
                    if merged[name] is None:
                        return mod, Expr("const", "None")
                    return as_expr(mod, merged[name])
        return None

    def _obj(self, mod: ModuleSummary, expr: Expr, bindings: Bindings | None = None,
             scope: Scope | None = None) -> _Obj | None:
        if expr.kind == "name" and bindings and expr.text in bindings:
            mod, expr = bindings[expr.text]
        elif expr.kind == "name" and scope is not None and expr.text in scope.bound:
            # A loop over `[("/stock", "catalog.api.stock_router"), ...]`: the router named by its path.
            named = scope.bound[expr.text].first
            if isinstance(named, str):
                expr = Expr("str", named)
        if expr.kind == "str":
            symbol = self.index.lookup(expr.text)
        else:
            symbol = self.index.resolve(mod, expr)
        return self.objs.get(symbol.qualname) if symbol is not None else None

    def _scan(self, mod: ModuleSummary) -> None:
        for stmt in walk_stmts(mod.body):
            if stmt.func is not None:
                for dec in stmt.func.decorators:
                    self._operation(mod, stmt.func, dec.expr, dec.line)
        if not mod.mentions("add_router"):
            return
        for call, line, bindings, scope in calls_with_loops(self.index, mod, mod.body):
            if call.func.kind == "attr" and call.func.text == "add_router" and len(call.positional) >= 2:
                parent = self._obj(mod, call.func.args[0], bindings, scope)
                child = self._obj(mod, call.positional[1], bindings, scope)
                if parent is None or child is None:
                    continue
                prefix, note = self._path(mod, call.positional[0], scope, line)
                parent.includes.append(_Include(prefix, child.key, call.kwarg("auth"), mod, note))
                child.included = True

    def _operation(self, mod: ModuleSummary, func: FunctionDef, call: Expr, line: int) -> None:
        if call.kind != "call" or call.func.kind != "attr":
            return
        name = call.func.text
        if name not in _OPERATIONS and name != "api_operation":
            return
        owner = self._obj(mod, call.func.args[0])
        if owner is None:
            return
        if name == "api_operation":
            listed = self.index.values.value(mod, call.arg(0, "methods")).first
            methods = tuple(m.upper() for m in listed if isinstance(m, str)) if isinstance(listed, list | tuple) else ()
            path_expr = call.arg(1, "path")
        else:
            methods = (name.upper(),)
            path_expr = call.arg(0, "path")
        path = self._path(mod, path_expr, None, line)[0] if path_expr is not None else ""
        if methods:
            owner.ops.append(_Op(methods, path, func, mod, call))

    def _path(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, line: int) -> tuple[str, str]:
        return read_path(self.index, mod, expr, scope, Location(mod.path, line), self.out.diagnostics, self._reported)

    # --- emit ---------------------------------------------------------------------------
    def _walk(self, obj: _Obj, prefix: str, auth_chain: list[tuple[Expr, ModuleSummary]], api: _Obj,
              seen: set[str], mount: Mount | None, condition: str) -> None:
        if obj.key in seen:
            return
        seen = seen | {obj.key}
        auth_mod = obj.auth_mod or obj.mod
        chain = [*auth_chain, (obj.auth, auth_mod)] if obj.auth is not None else auth_chain
        for op in obj.ops:
            self._route(op, prefix, chain, obj, api, mount, condition)
        for builtin in obj.builtin:
            self._builtin_route(builtin, prefix, obj, mount, join_conditions(condition, builtin.condition))
        for inc in obj.includes:
            child = self.objs.get(inc.child)
            if child is None:
                continue
            sub_chain = [*chain, (inc.auth, inc.mod)] if inc.auth is not None else chain
            self._walk(child, join_paths(prefix, inc.prefix), sub_chain, api, seen, mount,
                       join_conditions(condition, inc.condition))

    def _route(self, op: _Op, prefix: str, chain: list[tuple[Expr, ModuleSummary]], obj: _Obj, api: _Obj,
               mount: Mount | None, condition: str) -> None:
        loc = Location(op.mod.path, op.func.line)
        facts = self.django.decorators(op.mod, [d.expr for d in op.func.decorators], loc)
        raw = join_paths(prefix, op.path) if op.path else join_paths(prefix)
        path, params = normalize_django_path(_NINJA_PARAM.sub(lambda m: "{" + m.group(1) + "}", raw))
        response = op.call.kwarg("response")
        response_model = None
        if response is not None and not response.is_none:
            response_model = self.index.qualify_expr(op.mod, response) or response.render(60)
        own = op.call.kwarg("auth")
        for method in op.methods:
            if own is not None:
                status, evidence, authz = self._auth(own, op.mod, loc, "operation auth", method)
            elif chain:
                expr, mod = chain[-1]
                status, evidence, authz = self._auth(expr, mod, loc, "router auth" if len(chain) > 1 or obj.kind ==
                                                     "router" else "NinjaAPI auth", method)
            else:
                status, evidence, authz = AuthStatus.NONE, [], []
            if status is AuthStatus.NONE and self.middleware is not None and not facts.login_exempt:
                status = self.middleware[0]
                evidence.append(self.middleware[1])
            self.out.routes.append(Route(
                framework="ninja", method=method, path=path, raw_path=raw,
                handler=f"{op.mod.module}.{op.func.qualname}", location=loc,
                handler_ref=HandlerRef(op.mod.path, op.func.qualname), path_params=params,
                auth=AuthEvidence(status, tuple(dict.fromkeys(evidence))), authz=tuple(dict.fromkeys(authz)),
                dependencies=tuple(dict.fromkeys([e.name for e in evidence] + facts.dependencies)),
                response_model=response_model, rate_limit=tuple(facts.rate_limit), group=obj.key,
                app=(mount.project or api.key) if mount is not None else api.key,
                linked=mount is not None and mount.linked,
                condition=condition))
        self.out.rate_limiters.extend(facts.rate_limit)
        self.out.frameworks.add("ninja")

    def _builtin_route(self, builtin: BuiltinRoute, prefix: str, api: _Obj, mount: Mount | None,
                       condition: str) -> None:
        """The API's schema or docs page: Ninja serves it without the API's `auth` (a `docs_decorator`
        or the project's middleware may still guard it)."""
        raw = join_paths(prefix, builtin.path)
        path, params = normalize_django_path(raw)
        loc = Location(api.mod.path, api.line)
        status, evidence = AuthStatus.NONE, [Evidence(builtin.kind, builtin.handler, AuthStatus.NONE, builtin.detail,
                                                      loc)]
        if self.middleware is not None:
            status = self.middleware[0]
            evidence.append(self.middleware[1])
        self.out.routes.append(Route(
            framework="ninja", method="GET", path=path, raw_path=raw, handler=builtin.handler, location=loc,
            path_params=params, auth=AuthEvidence(status, tuple(evidence)), group=api.key,
            app=(mount.project or api.key) if mount is not None else api.key,
            linked=mount is not None and mount.linked, condition=condition, builtin=True))

    def _auth(self, expr: Expr, mod: ModuleSummary, loc: Location, where: str,
              method: str) -> tuple[AuthStatus, list[Evidence], list[Evidence]]:
        if expr.is_none:
            return AuthStatus.NONE, [Evidence("auth_argument", "None", AuthStatus.NONE, f"{where}: auth=None",
                                             loc)], []
        if expr.kind in ("list", "tuple"):
            results = [self._auth(e, mod, loc, where, method) for e in expr.args]
            if not results:
                return AuthStatus.NONE, [], []
            statuses = [r[0] for r in results]
            status = next(s for s in (AuthStatus.NONE, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN, AuthStatus.REQUIRED)
                          if s in statuses)
            shared = [a for r in results for a in r[2]] if all(r[2] for r in results) else []
            return status, [e for r in results for e in r[1]], shared
        target = expr.func if expr.kind == "call" else expr
        qualified = self.index.qualify_expr(mod, target) or target.render(60)
        symbol = self.index.resolve(mod, target)
        short = qualified.rsplit(".", 1)[-1]
        if symbol is not None and symbol.value is not None and symbol.value.kind == "call":
            target = symbol.value.func
            mod = symbol.module
            qualified = self.index.qualify_expr(mod, target) or qualified
            short = qualified.rsplit(".", 1)[-1]
            symbol = self.index.resolve(mod, target)
        authz: list[Evidence] = []
        if short in _ROLE_SCHEMES or any(w in short.lower() for w in ("admin", "staff", "superuser")):
            authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, short, loc))
        if symbol is not None and (symbol.func is not None or (
                symbol.cls is not None and ClassInfo(self.index, symbol).method("__call__") is not None)):
            # The project's own callable: run it for an anonymous request of this method.
            judged = judge_callable(self.index, symbol, method)
            if judged is not None and judged[0] == "allow":
                # Named for it (`AllowAnonymous`), it is an explicit opt-out like `auth=None`; otherwise an
                # auth callable that lets anonymous callers through (`return request.user`) is a bug.
                kind = "auth_argument" if _OPEN_NAME.search(short) else "auth"
                return AuthStatus.NONE, [Evidence(kind, qualified, AuthStatus.NONE,
                                                  f"{where}: lets anonymous callers through", loc)], []
            if judged is not None and judged[0] == "deny":
                return AuthStatus.REQUIRED, [Evidence("auth", qualified, AuthStatus.REQUIRED,
                                                      f"{where}: turns anonymous callers away", loc)], authz
        if symbol is not None and symbol.cls is not None:
            info = ClassInfo(self.index, symbol)
            if any(b in _SCHEMES for b in info.external_short) or info.method("authenticate") is not None:
                return AuthStatus.REQUIRED, [Evidence("auth", qualified, AuthStatus.REQUIRED,
                                                      f"{where}: security scheme", loc)], authz
        elif symbol is not None and symbol.func is not None:
            return AuthStatus.REQUIRED, [Evidence("auth", qualified, AuthStatus.REQUIRED,
                                                  f"{where}: auth callable", loc)], authz
        elif symbol is None:
            lowered = short.lower()
            if short in _SCHEMES or short.startswith("django_auth") or any(
                    w in lowered for w in ("auth", "jwt", "bearer", "apikey", "api_key", "token")):
                return AuthStatus.REQUIRED, [Evidence("auth", qualified, AuthStatus.REQUIRED, where, loc)], authz
        return AuthStatus.UNKNOWN, [Evidence("auth", qualified, AuthStatus.UNKNOWN, f"{where}: cannot be read",
                                             loc)], authz


__all__ = ["NinjaAdapter"]
