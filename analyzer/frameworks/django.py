"""Django: settings facts, the admin site, function views and class-based views.

URLconfs are walked once (`django_urls`); this adapter claims the mounts whose view is plain
Django (DRF and Ninja views go to their own adapters) and emits one route per method.
"""

from __future__ import annotations

from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.django_paths import normalize_django_path
from apilint.frameworks.django_settings import DjangoSettings, all_project_settings, project_settings, settings_for
from apilint.frameworks.django_urls import Mount, url_diagnostics, url_mounts
from apilint.frameworks.django_view_refs import ViewRef, classify_view
from apilint.frameworks.django_views import AuthFacts, ClassInfo, DjangoAuth
from apilint.model import AppFact, AuthEvidence, AuthStatus, Evidence, HandlerRef, Location, Route
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

GENERIC_METHODS: dict[str, tuple[str, ...]] = {
    "TemplateView": ("GET",), "ListView": ("GET",), "DetailView": ("GET",),
    "ArchiveIndexView": ("GET",), "YearArchiveView": ("GET",), "MonthArchiveView": ("GET",),
    "DayArchiveView": ("GET",), "TodayArchiveView": ("GET",), "DateDetailView": ("GET",),
    "CreateView": ("GET", "POST"), "UpdateView": ("GET", "POST"), "FormView": ("GET", "POST"),
    "DeleteView": ("GET", "POST", "DELETE"), "RedirectView": ("ANY",),
    "LoginView": ("GET", "POST"), "LogoutView": ("POST",), "PasswordChangeView": ("GET", "POST"),
    "PasswordResetView": ("GET", "POST"), "PasswordResetConfirmView": ("GET", "POST"),
    "PasswordChangeDoneView": ("GET",), "PasswordResetDoneView": ("GET",),
    "PasswordResetCompleteView": ("GET",),
}
_LOGIN_VIEWS = frozenset({"PasswordChangeView", "PasswordChangeDoneView"})
"""Django auth views decorated with `login_required` in Django itself."""
_PLAIN_BASES = frozenset({"View", "ContextMixin", "TemplateResponseMixin", "LoginRequiredMixin",
                          "PermissionRequiredMixin", "UserPassesTestMixin", "AccessMixin", "object"})
_METHODS = ("get", "post", "put", "patch", "delete")


def _redirect(view: str, loc: Location) -> Evidence:
    """A view that only redirects: it serves nothing itself (the target has its own protection)."""
    return Evidence("redirect", view, AuthStatus.NONE, "redirects to another URL; serves nothing itself", loc)


_REDIRECTS = frozenset({"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect"})


def _redirect_lambda(expr: Expr) -> bool:
    """`lambda request: redirect("/api/v2/", permanent=True)`: an inline view that only redirects."""
    body = expr.args[0] if expr.kind == "lambda" and expr.args else None
    return body is not None and body.kind == "call" and (body.func.dotted or "").rsplit(".", 1)[-1] in _REDIRECTS


def _serves_files(mount: Mount) -> bool:
    """`path("static/<path:path>", serve, {"document_root": ...})`: a file server (Django's `serve` or a copy)."""
    extra = mount.extra
    return extra is not None and extra.kind == "dict" and any(
        key.kind == "str" and key.text == "document_root" for key in extra.args[::2])


class DjangoAdapter:
    """Routes and facts of Django projects (plain Django views and the admin site)."""

    name = "django"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports django."""
        return imports_any(index, ("django",))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Emit settings facts, then one route per method of every plain Django view."""
        settings = project_settings(index)
        settings.emit(out.apps, out.cors, out.settings, out.rate_limiters, out.exception_handlers)
        if settings.module is not None:
            out.frameworks.add("django")
        for other in all_project_settings(index)[1:]:
            assert other.module is not None
            out.apps.append(AppFact("django", other.module.module, Location(other.module.path, 1),
                                    tuple(other.middleware)))
        _Linker(index, config, settings, out).run()
        out.diagnostics += url_diagnostics(index)


class _Linker:
    def __init__(self, index: ProjectIndex, config: Config, settings: DjangoSettings, out: LinkOutput) -> None:
        self.index = index
        self.config = config
        self.out = out
        self._projects: dict[str, tuple[DjangoSettings, DjangoAuth, tuple[AuthStatus, Evidence] | None]] = {}
        self._use(settings.module.module if settings.module is not None else "")

    def _use(self, project: str) -> None:
        """Judge the next mounts with the settings of the project whose URLconf reaches them."""
        if project not in self._projects:
            settings = settings_for(self.index, project)
            auth = DjangoAuth(self.index, self.config, settings)
            self._projects[project] = (settings, auth, auth.middleware())
        self.settings, self.auth, self.middleware = self._projects[project]
        self.app = self.settings.module.module if self.settings.module is not None else ""

    def run(self) -> None:
        for mount in url_mounts(self.index):
            self._use(mount.project)
            if mount.kind == "admin":
                self._admin(mount)
            elif mount.kind == "view":
                ref = classify_view(self.index, mount.mod, mount.expr)
                if ref.framework != "django":
                    continue
                if ref.kind == "function":
                    self._function(mount, ref)
                elif ref.kind == "class":
                    self._class(mount, ref)
                else:
                    self._external(mount, ref)

    def _admin(self, mount: Mount) -> None:
        loc = Location(mount.mod.path, mount.line)
        path, params = normalize_django_path(mount.raw)
        evidence = Evidence("admin_site", "django.contrib.admin.site", AuthStatus.REQUIRED,
                            "the admin site requires a staff login", loc)
        authz = Evidence("role", "is_staff", AuthStatus.REQUIRED, "Django admin (staff only)", loc)
        self._emit(mount, "ANY", path, params, "django.contrib.admin.site.urls", loc, None,
                   AuthEvidence(AuthStatus.REQUIRED, (evidence,)), [authz], [], ["django.contrib.admin.site"],
                   "django.contrib.admin")

    def _function(self, mount: Mount, ref: ViewRef) -> None:
        symbol = ref.symbol
        assert symbol is not None and symbol.func is not None
        func = symbol.func
        loc = Location(symbol.module.path, func.line)
        facts = self._function_facts(mount, symbol.module, func, ref.qualname, loc, "", ref.rebound)
        path, params = normalize_django_path(mount.raw)
        ref_handler = HandlerRef(symbol.module.path, func.qualname)
        for method in facts.methods or ("ANY",):
            # Decorators judged for this method too (`@api_auth(methods=("GET",))`).
            route_facts = facts if method == "ANY" else self._function_facts(
                mount, symbol.module, func, ref.qualname, loc, method.lower(), ref.rebound)
            self._emit(mount, method, path, params, ref.qualname, loc, ref_handler, self._auth(route_facts, mount),
                       route_facts.authz, route_facts.rate_limit, route_facts.dependencies, symbol.module.module)

    def _function_facts(self, mount: Mount, mod: ModuleSummary, func: FunctionDef, qualname: str, loc: Location,
                        method: str, rebound: tuple[Expr, ...] = ()) -> AuthFacts:
        facts = self._wrappers(mount)
        facts.extend(self.auth.decorators(mod, [*rebound, *(d.expr for d in func.decorators)], loc, method))
        auth, role = self.auth.guard(mod, func)
        if auth:
            facts.add(AuthStatus.REQUIRED, Evidence("handler", qualname, AuthStatus.REQUIRED,
                                                    "checks the user in the handler body", loc))
        if role is not None:
            facts.authz.append(Evidence("role", qualname, AuthStatus.REQUIRED, role.text, loc, role.roles))
        delegate = _delegated_view(self.index, mod, func)
        if delegate is not None:  # `return TicketView.as_view()(request, ...)`: the class view's mixins run
            assert delegate.cls is not None
            facts.extend(self.auth.mixins(ClassInfo(self.index, delegate),
                                          Location(delegate.module.path, delegate.cls.line)))
        return facts

    def _class(self, mount: Mount, ref: ViewRef) -> None:
        symbol = ref.symbol
        assert symbol is not None and symbol.cls is not None
        info = ClassInfo(self.index, symbol)
        methods = self._class_methods(info)
        if not methods:
            return
        class_loc = Location(symbol.module.path, symbol.cls.line)
        base = self._wrappers(mount)
        base.extend(self.auth.mixins(info, class_loc))
        login_view = next((q for q in info.external if q.startswith("django.contrib.auth.")
                           and q.rsplit(".", 1)[-1] in _LOGIN_VIEWS), None)
        if login_view is not None and base.status() is None:  # `class MyPasswordChange(PasswordChangeView)`
            base.add(AuthStatus.REQUIRED, Evidence("view", login_view, AuthStatus.REQUIRED,
                                                   "Django's view requires a logged-in user", class_loc))
        if "RedirectView" in info.external_short and not info.defined_methods(_METHODS):
            base.evidence.append(_redirect(ref.qualname, class_loc))
        path, params = normalize_django_path(mount.raw)
        for method in methods:
            facts = AuthFacts()
            facts.extend(base)
            lower = method.lower()
            own = symbol.cls.method(lower)
            loc = Location(symbol.module.path, own.line) if own is not None else class_loc
            if method != "ANY":
                facts.extend(self.auth.class_method_facts(info, lower, loc))
            found = info.method(lower)
            if method == "ANY":
                handler, ref_handler = ref.qualname, None
            else:
                handler = f"{ref.qualname}.{lower}"
                owner = found[1] if found is not None else symbol
                ref_handler = HandlerRef(owner.module.path, f"{owner.cls.qualname if owner.cls else ''}.{lower}")
            self._emit(mount, method, path, params, handler, loc, ref_handler, self._auth(facts, mount), facts.authz,
                       facts.rate_limit, facts.dependencies, ref.qualname)

    def _class_methods(self, info: ClassInfo) -> tuple[str, ...]:
        methods = {m.upper() for m in info.defined_methods(_METHODS)}
        unknown_base = False
        for short in info.external_short:
            if short in GENERIC_METHODS:
                methods |= set(GENERIC_METHODS[short])
            elif short not in _PLAIN_BASES and not short.endswith("Mixin"):
                unknown_base = True
        allowed = info.attribute("http_method_names")
        if allowed is not None and allowed[0].kind in ("list", "tuple"):
            names = {e.text.upper() for e in allowed[0].args if e.kind == "str"}
            methods = {m for m in methods if m in names or m == "ANY"}
        if "ANY" in methods:
            return ("ANY",)
        if not methods and unknown_base:
            return ("ANY",)
        return tuple(sorted(methods))

    def _external(self, mount: Mount, ref: ViewRef) -> None:
        loc = Location(mount.mod.path, mount.line)
        facts = self._wrappers(mount)
        short = ref.qualname.rsplit(".", 1)[-1]
        methods = GENERIC_METHODS.get(short, ("ANY",))
        if facts.status() is None and ref.kind != "lambda" and not ref.qualname.startswith("django."):
            facts.add(AuthStatus.UNKNOWN, Evidence("view", ref.qualname, AuthStatus.UNKNOWN,
                                                   "view defined outside the project", loc))
        if short in _LOGIN_VIEWS and ref.qualname.startswith("django.contrib.auth.") and facts.status() is None:
            facts.add(AuthStatus.REQUIRED, Evidence("view", ref.qualname, AuthStatus.REQUIRED,
                                                    "Django's view requires a logged-in user", loc))
        if short == "RedirectView" or (ref.kind == "lambda" and _redirect_lambda(mount.expr)):
            facts.evidence.append(_redirect(ref.qualname, loc))
        path, params = normalize_django_path(mount.raw)
        for method in methods:
            self._emit(mount, method, path, params, ref.qualname, loc, None, self._auth(facts, mount), facts.authz,
                       facts.rate_limit, facts.dependencies, mount.mod.module)

    def _wrappers(self, mount: Mount) -> AuthFacts:
        """Facts from the decorators wrapped around the view in its URLconf(s)."""
        loc = Location(mount.mod.path, mount.line)
        facts = self.auth.decorators(mount.mod, list(mount.wrappers), loc)
        if _serves_files(mount):
            facts.evidence.append(Evidence("static_files", mount.expr.render(60), AuthStatus.NONE,
                                           "serves files from a document root", loc))
        for expr, mod in mount.outer:
            facts.extend(self.auth.decorators(mod, [expr], loc))
        return facts

    def _auth(self, facts: AuthFacts, mount: Mount) -> AuthEvidence:
        status = facts.status()
        evidence = list(dict.fromkeys(facts.evidence))
        if status in (None, AuthStatus.NONE) and self.middleware is not None and not facts.login_exempt:
            status = self.middleware[0]
            evidence.append(self.middleware[1])
        if status in (None, AuthStatus.NONE) and mount.dynamic_root and not facts.login_exempt:
            # Whoever includes this URLconf at run time (a plugin hook) may wrap it in a login check.
            status = AuthStatus.UNKNOWN
            evidence.append(Evidence("urlconf", mount.dynamic_root, AuthStatus.UNKNOWN,
                                     "URLconf included dynamically; its mount may add authentication",
                                     Location(mount.mod.path, mount.line)))
        return AuthEvidence(status or AuthStatus.NONE, tuple(evidence))

    def _emit(self, mount: Mount, method: str, path: str, params: tuple[str, ...], handler: str, loc: Location,
              ref: HandlerRef | None, auth: AuthEvidence, authz: list[Evidence], rate: list[Evidence],
              deps: list[str], group: str) -> None:
        self.out.routes.append(Route(
            framework="django", method=method, path=path, raw_path=mount.raw if mount.raw.startswith("/")
            else "/" + mount.raw, handler=handler, location=loc, handler_ref=ref, path_params=params, auth=auth,
            authz=tuple(dict.fromkeys(authz)), dependencies=tuple(dict.fromkeys(deps)),
            rate_limit=tuple(dict.fromkeys(rate)), group=group, app=mount.project or self.app,
            condition=mount.condition, linked=mount.linked))
        self.out.rate_limiters.extend(rate)
        self.out.frameworks.add("django")


__all__ = ["GENERIC_METHODS", "DjangoAdapter"]


def _delegated_view(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> Symbol | None:
    """The project class-based view a function view hands every request to
    (`return TicketView.as_view()(request, *args, **kwargs)` as its only return), if any."""
    returns = [st for st in walk_stmts(func.body) if st.kind == "return"]
    if len(returns) != 1 or returns[0] not in func.body or returns[0].value is None or len(func.body) > 3:
        return None  # another return (`if ...: return HttpResponse(...)`) answers without the class view
    value = returns[0].value
    if value.kind != "call" or value.func.kind != "call":
        return None
    ref = classify_view(index, mod, value.func)
    return ref.symbol if ref.kind == "class" and ref.symbol is not None and ref.symbol.cls is not None else None
