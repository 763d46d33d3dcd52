"""Django REST Framework: routers and viewsets, APIViews and generics, `@api_view` functions.

Views come from the shared URLconf walk (`django_urls`): a router's `.urls` mount expands to
its registered viewsets (list/create at `prefix/`, retrieve/update/partial_update/destroy at
`prefix/{lookup}/`, plus `@action`s); a class or function mounted with `path()` is one view.
Each route's auth is its permission list judged for that method and action (`drf_permissions`).
The routers and their registrations are collected by `drf_routers`, a viewset's actions read by
`drf_actions`.
"""

from __future__ import annotations

import functools

from apilint.config import Config
from apilint.frameworks.anonymous import Probe
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.django_backends import anonymous_permissions
from apilint.frameworks.django_paths import normalize_django_path
from apilint.frameworks.django_settings import DjangoSettings, project_settings, settings_for
from apilint.frameworks.django_urls import Mount, url_mounts
from apilint.frameworks.django_view_refs import ViewRef, classify_view
from apilint.frameworks.django_views import AuthFacts, ClassInfo, DjangoAuth
from apilint.frameworks.drf_actions import (
    ACTION_ROUTES,
    Action,
    allowed_methods,
    extra_actions,
    literal_items,
    loads_object,
    standard_actions,
)
from apilint.frameworks.drf_permissions import PermissionJudge, Verdict
from apilint.frameworks.drf_routers import Registration, Router, RouterRegistry
from apilint.model import AuthEvidence, AuthStatus, Evidence, HandlerRef, Location, Route
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary

GENERIC_METHODS: dict[str, tuple[str, ...]] = {
    "ListAPIView": ("GET",), "CreateAPIView": ("POST",), "RetrieveAPIView": ("GET",),
    "DestroyAPIView": ("DELETE",), "UpdateAPIView": ("PUT", "PATCH"), "ListCreateAPIView": ("GET", "POST"),
    "RetrieveUpdateAPIView": ("GET", "PUT", "PATCH"), "RetrieveDestroyAPIView": ("GET", "DELETE"),
    "RetrieveUpdateDestroyAPIView": ("GET", "PUT", "PATCH", "DELETE"),
}
_PUBLIC_EXTERNAL = {"TokenObtainPairView": ("POST",), "TokenRefreshView": ("POST",), "TokenVerifyView": ("POST",),
                    "TokenObtainSlidingView": ("POST",), "TokenRefreshSlidingView": ("POST",),
                    "TokenBlacklistView": ("POST",), "obtain_auth_token": ("POST",), "ObtainAuthToken": ("POST",),
                    "obtain_jwt_token": ("POST",), "refresh_jwt_token": ("POST",)}
_HTTP = ("get", "post", "put", "patch", "delete")


class DRFAdapter:
    """Routes of Django REST Framework views, viewsets and routers."""

    name = "drf"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports rest_framework."""
        return imports_any(index, ("rest_framework",))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Expand router mounts and DRF views into routes."""
        _Linker(index, config, project_settings(index), out).run()


class _Linker:
    def __init__(self, index: ProjectIndex, config: Config, settings: DjangoSettings, out: LinkOutput) -> None:
        self.index = index
        self.config = config
        self.out = out
        self.routers: dict[str, Router] = {}
        self._roots: set[tuple[str, str, str, bool]] = set()
        self._projects: dict[str, tuple[DjangoSettings, DjangoAuth, tuple[AuthStatus, Evidence] | None,
                                        PermissionJudge]] = {}
        self._use(settings.module.module if settings.module is not None else "")

    def _use(self, project: str) -> None:
        """Judge the next mounts with the settings of the project whose URLconf reaches them."""
        if project not in self._projects:
            settings = settings_for(self.index, project)
            auth = DjangoAuth(self.index, self.config, settings)
            judge = PermissionJudge(self.index, anonymous_permissions(self.index, settings))
            self._projects[project] = (settings, auth, auth.middleware(), judge)
        self.settings, self.auth, self.middleware, self.judge = self._projects[project]
        self.app = self.settings.module.module if self.settings.module is not None else ""

    def run(self) -> None:
        registry = RouterRegistry(self.index).collect()
        self.routers = registry.routers
        self.out.diagnostics += registry.diagnostics
        for mount in url_mounts(self.index):
            self._use(mount.project)
            if mount.kind == "urls" and mount.target is not None and mount.target.qualname in self.routers:
                self._router(mount, self.routers[mount.target.qualname], mount.raw, set())
            elif mount.kind == "view":
                ref = classify_view(self.index, mount.mod, mount.expr)
                if ref.framework == "drf":
                    self._view(mount, ref)

    # --- routers ------------------------------------------------------------------------
    def _router(self, mount: Mount, router: Router, raw: str, seen: set[str]) -> None:
        if router.key in seen:
            return
        seen.add(router.key)
        base = raw
        if router.parent:
            base = f"{raw}{router.parent_prefix}/{{{router.lookup}_pk}}/"
        if router.root_view is not None and len(seen) == 1:
            self._api_root(mount, raw, router.root_view)
        for reg in router.registrations:
            self._viewset(mount, reg, base, router.trailing)
        for child in router.extends:
            if child in self.routers:
                self._router(mount, self.routers[child], raw, seen)

    def _lookup(self, reg: Registration) -> str:
        symbol = self.index.resolve(reg.mod, reg.viewset)
        if symbol is None or symbol.cls is None:
            return "pk"
        info = ClassInfo(self.index, symbol)
        for name in ("lookup_url_kwarg", "lookup_field"):
            found = info.attribute(name)
            if found is not None and found[0].kind == "str":
                return found[0].text
        return "pk"

    # --- viewsets -----------------------------------------------------------------------
    def _viewset(self, mount: Mount, reg: Registration, base: str, trailing: str) -> None:
        symbol = self.index.resolve(reg.mod, reg.viewset)
        if symbol is None or symbol.cls is None:
            return
        info = ClassInfo(self.index, symbol)
        lookup = self._lookup(reg)
        actions = standard_actions(info)
        for action in actions:
            method, detail = ACTION_ROUTES[action]
            raw = f"{base}{reg.prefix}/{{{lookup}}}{trailing}" if detail else f"{base}{reg.prefix}{trailing}"
            self._class_route(mount, info, method, action, raw, None, None, detail)
        for extra in extra_actions(self.index, info):
            path_part = f"{{{lookup}}}/{extra.url_path}" if extra.detail else extra.url_path
            raw = f"{base}{reg.prefix}/{path_part}{trailing}"
            for method, func, owner in extra.methods:
                self._class_route(mount, info, method, extra.name, raw, extra, (func, owner), extra.detail)

    # --- plain views --------------------------------------------------------------------
    def _view(self, mount: Mount, ref: ViewRef) -> None:
        if ref.kind == "class":
            assert ref.symbol is not None
            info = ClassInfo(self.index, ref.symbol)
            mapping = ref.as_view.arg(0, "actions") if ref.as_view is not None else None
            initkwargs = ref.as_view.kwarg("permission_classes") if ref.as_view is not None else None
            given = (mount.mod, initkwargs) if initkwargs is not None else None
            if mapping is not None and mapping.kind == "dict":
                for key, value in zip(mapping.args[::2], mapping.args[1::2], strict=False):
                    if key.kind == "str" and value.kind == "str":
                        detail = ACTION_ROUTES[value.text][1] if value.text in ACTION_ROUTES else None
                        self._class_route(mount, info, key.text.upper(), value.text, mount.raw, None, None, detail,
                                          given)
                return
            for method in self._view_methods(info):
                self._class_route(mount, info, method, None, mount.raw, None, None, None, given)
        elif ref.kind == "function":
            self._function(mount, ref)
        else:
            self._external(mount, ref)

    def _view_methods(self, info: ClassInfo) -> list[str]:
        methods = {m.upper() for m in info.defined_methods(_HTTP)}
        for short in info.external_short:
            methods |= set(GENERIC_METHODS.get(short, ()))
        allowed = allowed_methods(info)
        return sorted(m for m in methods if allowed is None or m in allowed)

    def _function(self, mount: Mount, ref: ViewRef) -> None:
        symbol = ref.symbol
        assert symbol is not None and symbol.func is not None
        func = symbol.func
        mod = symbol.module
        loc = Location(mod.path, func.line)
        methods: tuple[str, ...] = ("GET",)
        perms: tuple[Expr, ...] | None = None
        throttles: tuple[Expr, ...] | None = None
        auth_classes: tuple[Expr, ...] | None = None
        others: list[Expr] = list(mount.wrappers)
        for dec in func.decorators:
            expr = dec.expr
            callee = expr.func if expr.kind == "call" else expr
            short = (self.index.qualify_expr(mod, callee) or "").rsplit(".", 1)[-1]
            first = expr.positional[0] if expr.kind == "call" and expr.positional else None
            if short == "api_view":
                listed = self.index.const_value(mod, expr.arg(0, "http_method_names")) if expr.kind == "call" else None
                if listed is not None and listed.kind in ("list", "tuple"):
                    methods = tuple(e.text.upper() for e in listed.args if e.kind == "str") or ("GET",)
            elif short == "permission_classes":
                perms = literal_items(first)
            elif short == "throttle_classes":
                throttles = literal_items(first)
            elif short == "authentication_classes":
                auth_classes = literal_items(first)
            else:
                others.append(expr)
        facts = self.auth.decorators(mod, others, loc)
        for method in methods:
            probe = Probe(method)
            if perms is not None:
                values = self.judge.values(perms, mod, probe)
                verdict = self.judge.judge_values(values, probe, "@permission_classes", loc,
                                                  functools.partial(self._default_verdict, probe, loc), False)
            else:
                verdict = self._default_verdict(probe, loc)
            deps = [self._name(mod, e) for e in (auth_classes or ())] + [e.name for e in verdict.evidence]
            rate = self._throttles(mod, throttles, loc)
            self._emit(mount, method, ref.qualname, loc, HandlerRef(mod.path, func.qualname), verdict, facts, deps,
                       rate, mod.module, None)

    def _external(self, mount: Mount, ref: ViewRef) -> None:
        loc = Location(mount.mod.path, mount.line)
        short = ref.qualname.rsplit(".", 1)[-1]
        facts = self.auth.decorators(mount.mod, list(mount.wrappers), loc)
        rate: list[Evidence] = []
        if short in _PUBLIC_EXTERNAL:
            verdict = Verdict(AuthStatus.NONE, (Evidence("view", ref.qualname, AuthStatus.NONE,
                                                         "token endpoint (AllowAny)", loc),))
            methods = _PUBLIC_EXTERNAL[short]
            # Library token views are DRF views without their own throttle_classes: the project's apply.
            rate = self._throttles(mount.mod, None, loc)
        else:
            verdict = Verdict(AuthStatus.UNKNOWN, (Evidence("view", ref.qualname, AuthStatus.UNKNOWN,
                                                            "view defined outside the project", loc),))
            methods = ("ANY",)
        for method in methods:
            self._emit(mount, method, ref.qualname, loc, None, verdict, facts, [], rate, mount.mod.module, None,
                       raw=mount.raw)

    def _api_root(self, mount: Mount, raw: str, made: Location) -> None:
        """The GET view a `DefaultRouter` serves at its mount, listing the API's endpoints. DRF's
        `APIRootView` sets no permissions of its own: the project's defaults decide who may read it."""
        seat = (mount.project or self.app, raw, mount.condition, mount.linked)
        if seat in self._roots:
            return  # several routers mounted at one path: Django answers with the first, one route stands for all
        self._roots.add(seat)
        loc = Location(mount.mod.path, mount.line)
        verdict = self._default_verdict(Probe("GET"), loc)
        index = Evidence("api_index", "rest_framework.routers.APIRootView", verdict.status,
                         "the router's API root: a list of its endpoints", made)
        verdict = Verdict(verdict.status, (*verdict.evidence, index), verdict.authz)
        self._emit(mount, "GET", "rest_framework.routers.APIRootView", loc, None, verdict, AuthFacts(), [],
                   self._throttles(mount.mod, None, loc), mount.mod.module, None, raw=raw, builtin=True)

    # --- class routes -------------------------------------------------------------------
    def _class_route(self, mount: Mount, info: ClassInfo, method: str, action: str | None, raw: str,
                     extra: Action | None, func_owner: tuple[FunctionDef, Symbol] | None, detail: bool | None,
                     initkwargs: tuple[ModuleSummary, Expr] | None = None) -> None:
        symbol = info.symbol
        assert symbol.cls is not None
        name = (extra.name if extra is not None and func_owner is None else
                func_owner[0].name if func_owner is not None else action or method.lower())
        own = symbol.cls.method(name)
        loc = Location(symbol.module.path, own.line if own is not None else symbol.cls.line)
        found = func_owner or (lambda m: (m[0], m[1]) if m is not None else None)(info.method(name))
        ref = HandlerRef(found[1].module.path, found[0].qualname) if found is not None else HandlerRef(
            symbol.module.path, f"{symbol.cls.qualname}.{name}")
        probe = Probe(method, action, detail, info)
        attrs: tuple[tuple[str, object], ...] = ()
        label = ""
        if extra is not None and extra.permissions is not None:
            scope = func_owner[1] if func_owner is not None else None
            attrs = (("permission_classes", self.judge.values(extra.permissions, extra.decorator_mod, probe, scope)),)
            label = f"@action({extra.name}) permission_classes"
        elif initkwargs is not None and initkwargs[1].kind in ("list", "tuple"):
            attrs = (("permission_classes", self.judge.values(initkwargs[1].args, initkwargs[0], probe)),)
            label = "as_view(permission_classes=...)"
        probe = Probe(method, action, detail, info, attrs)
        obj_check = loads_object(info, action, method, found)
        verdict = self.judge.view(probe, loc, lambda: self._default_verdict(probe, loc, obj_check), obj_check, label)
        if verdict.status in (AuthStatus.NONE, AuthStatus.OPTIONAL):
            verdict = _with_declared_permission(verdict, info, method)
        facts = self.auth.mixins(info, loc)
        facts.extend(self.auth.class_method_facts(info, name, loc))
        facts.statuses = [s for s in facts.statuses if s is not AuthStatus.NONE]
        throttles = extra.throttles if extra is not None and extra.throttles is not None else None
        rate = self._class_throttles(info, throttles, loc)
        deps = self._class_auth_classes(info) + [e.name for e in verdict.evidence]
        serializer = info.attribute("serializer_class")
        response = self.index.qualify_expr(serializer[1].module, serializer[0]) if serializer is not None else None
        self._emit(mount, method, f"{symbol.qualname}.{name}", loc, ref, verdict, facts, deps, rate,
                   symbol.qualname, response, raw=raw)

    def _default_verdict(self, probe: Probe, loc: Location, obj_check: bool = False) -> Verdict:
        value = self.settings.rest_framework("DEFAULT_PERMISSION_CLASSES")
        where = self.settings.location("REST_FRAMEWORK", "DEFAULT_PERMISSION_CLASSES")
        if isinstance(value, list | tuple):
            return self.judge.judge_names([v for v in value if isinstance(v, str)], probe,
                                          "REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES", where, obj_check)
        if value is not None:
            return Verdict(AuthStatus.UNKNOWN, (Evidence("setting", "REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES",
                                                         AuthStatus.UNKNOWN, "cannot be read", where),))
        if self.settings.module is None:  # no settings module found: the project's default is unknowable
            return Verdict(AuthStatus.UNKNOWN, (Evidence("setting", "REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES",
                                                         AuthStatus.UNKNOWN, "no settings module found", loc),))
        return Verdict(AuthStatus.NONE, (Evidence("default", "rest_framework.permissions.AllowAny", AuthStatus.NONE,
                                                  "DRF default AllowAny", where if self.settings.module else loc),))

    def _class_auth_classes(self, info: ClassInfo) -> list[str]:
        attr = info.attribute("authentication_classes")
        listed = literal_items(attr[0]) if attr is not None else None
        if attr is None or listed is None:
            return []
        return [self._name(attr[1].module, e) for e in listed]

    def _class_throttles(self, info: ClassInfo, override: tuple[Expr, ...] | None, loc: Location) -> list[Evidence]:
        if override is not None:
            return self._throttles(info.symbol.module, override, loc)
        attr = info.attribute("throttle_classes")
        if attr is not None:
            return self._throttles(attr[1].module, literal_items(attr[0]), loc)
        return self._throttles(info.symbol.module, None, loc)

    def _throttles(self, mod: ModuleSummary, items: tuple[Expr, ...] | None, loc: Location) -> list[Evidence]:
        if items is not None:
            return [Evidence("throttle", self._name(mod, e), AuthStatus.REQUIRED, "throttle_classes", loc)
                    for e in items]
        default = self.settings.rest_framework("DEFAULT_THROTTLE_CLASSES")
        if isinstance(default, list | tuple):
            where = self.settings.location("REST_FRAMEWORK")
            return [Evidence("throttle", v, AuthStatus.REQUIRED, "REST_FRAMEWORK.DEFAULT_THROTTLE_CLASSES", where)
                    for v in default if isinstance(v, str)]
        return []

    def _name(self, mod: ModuleSummary, expr: Expr) -> str:
        target = expr.func if expr.kind == "call" else expr
        return self.index.qualify_expr(mod, target) or target.render(60)

    # --- emit ---------------------------------------------------------------------------
    def _emit(self, mount: Mount, method: str, handler: str, loc: Location, ref: HandlerRef | None,
              verdict: Verdict, facts: AuthFacts, deps: list[str], rate: list[Evidence], group: str,
              response: str | None, raw: str | None = None, builtin: bool = False) -> None:
        raw_path = raw if raw is not None else mount.raw
        raw_path = raw_path if raw_path.startswith("/") else "/" + raw_path
        path, params = normalize_django_path(raw_path)
        status = verdict.status
        evidence = list(verdict.evidence) + facts.evidence
        django_status = facts.status()
        if django_status is AuthStatus.REQUIRED or (django_status is not None and status is AuthStatus.NONE):
            status = django_status
        if status is AuthStatus.NONE and self.middleware is not None and not facts.login_exempt:
            status = self.middleware[0]
            evidence.append(self.middleware[1])
        rate = rate + facts.rate_limit
        self.out.rate_limiters.extend(e for e in rate if e.detail != "REST_FRAMEWORK.DEFAULT_THROTTLE_CLASSES")
        self.out.routes.append(Route(
            framework="drf", method=method, path=path, raw_path=raw_path, handler=handler, location=loc,
            handler_ref=ref, path_params=params, auth=AuthEvidence(status, tuple(dict.fromkeys(evidence))),
            authz=tuple(dict.fromkeys(list(verdict.authz) + facts.authz)),
            dependencies=tuple(dict.fromkeys(deps + facts.dependencies)), response_model=response,
            rate_limit=tuple(dict.fromkeys(rate)), group=group, app=mount.project or self.app,
            condition=mount.condition, linked=mount.linked, builtin=builtin))
        self.out.frameworks.add("drf")


def _with_declared_permission(verdict: Verdict, info: ClassInfo, method: str) -> Verdict:
    """A view that names a permission for this method in a per-method map (`permission_map =
    {"POST": perm_edit}`, read by a project permission class, mixin or queryset filter) is guarded
    by something apilint cannot follow: its auth is `unknown`, never `none`/`optional`. The
    evidence is named after the attribute, so one AUTH005 (and one declaration) covers every view."""
    seen: set[str] = set()
    for symbol in info.chain:
        assert symbol.cls is not None
        for stmt in symbol.cls.body:
            target = stmt.targets[0] if stmt.kind == "assign" and len(stmt.targets) == 1 else None
            if target is None or target.kind != "name" or target.text in seen or stmt.value is None:
                continue
            seen.add(target.text)
            if "permission" not in target.text.lower() or stmt.value.kind != "dict":
                continue
            for key, value in zip(stmt.value.args[::2], stmt.value.args[1::2], strict=False):
                if key.kind == "str" and key.text.upper() == method and value.text != "None":
                    where = Location(symbol.module.path, stmt.line)
                    declared = Evidence("permission_map", target.text, AuthStatus.UNKNOWN,
                                        f"the view asks for `{value.render(40)}` on {method}; apilint cannot read "
                                        "where the project enforces it", where)
                    return Verdict(AuthStatus.UNKNOWN, (*verdict.evidence, declared), verdict.authz)
    return verdict


__all__ = ["GENERIC_METHODS", "DRFAdapter"]
