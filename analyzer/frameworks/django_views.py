"""Django's own auth evidence for a view: decorators, mixins, `dispatch()` and body checks,
middleware.

Shared by the Django and DRF adapters: `AuthFacts` accumulates the decorators, mixins and body
checks that protect a view, read from its class's project ancestors (`ClassInfo`). What a URL points
at is `django_view_refs.classify_view`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apilint.body_auth import body_auth
from apilint.config import Config
from apilint.frameworks.anonymous import Frame, Probe, Raised, Reader, Unknown
from apilint.frameworks.classes import ClassInfo
from apilint.frameworks.django_backends import anonymous_permissions
from apilint.frameworks.django_gates import judge_decorator, judge_middleware
from apilint.frameworks.django_settings import DjangoSettings
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Evidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.role_names import RoleCheck, admitted_roles, role_check
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_exprs, walk_stmts

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_AUTH_WORDS = ("is_authenticated", "is_anonymous", "user_id", "token", "authorization",
               "api_key", "apikey", "logged_in", "current_user")
_ROLE_WORDS = ("is_staff", "is_superuser", "has_perm", "role", "groups", "is_admin", "permission", "staff_session",
               "superuser", "administrator")
_PERMISSION_CHECK = lazy_compile(r"^check_(?:\w+_)?(?:permissions?|perms?|access)$")
"""A call made for its effect that raises when the user may not (`check_user_permission(...)`)."""
_AUTHISH = ("login", "auth", "token", "jwt", "permission", "staff", "admin", "superuser", "require")


@dataclass
class AuthFacts:
    """Auth judgements collected for one route (or one view), merged at the end."""

    statuses: list[AuthStatus] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    authz: list[Evidence] = field(default_factory=list)
    rate_limit: list[Evidence] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    methods: tuple[str, ...] | None = None
    login_exempt: bool = False

    def add(self, status: AuthStatus, evidence: Evidence) -> None:
        """Record one auth fact."""
        self.statuses.append(status)
        self.evidence.append(evidence)

    def extend(self, other: AuthFacts) -> None:
        """Merge another set of facts into this one."""
        self.statuses += other.statuses
        self.evidence += other.evidence
        self.authz += other.authz
        self.rate_limit += other.rate_limit
        self.dependencies += other.dependencies
        self.methods = other.methods if other.methods is not None else self.methods
        self.login_exempt = self.login_exempt or other.login_exempt

    def status(self) -> AuthStatus | None:
        """The combined status: any requirement wins, then optional, unknown, none."""
        for status in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN, AuthStatus.NONE):
            if status in self.statuses:
                return status
        return None


class DjangoAuth:
    """Judges Django decorators, mixins, dispatch checks and middleware."""

    def __init__(self, index: ProjectIndex, config: Config, settings: DjangoSettings) -> None:
        self.index = index
        self.config = config
        self.settings = settings
        self.backends = anonymous_permissions(index, settings)
        """Backends that may grant anonymous users permissions (django-rules, django-guardian, the project's)."""

    def permission_gate(self, mod: ModuleSummary, perms: Expr | None, scope: Symbol | None) -> tuple[AuthStatus, str]:
        """What requiring the permissions `perms` (written in `mod`, in class `scope`) does to an anonymous
        caller: REQUIRED unless an authentication backend may grant anonymous users the permission."""
        if not self.backends:
            return AuthStatus.REQUIRED, ""
        reader = Reader(self.index, Probe(backends=self.backends))
        value = reader.evaluate(perms, mod, scope) if perms is not None else \
            Unknown("the permission required cannot be read")
        wanted = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, tuple | list) else (
            Unknown(value.reason if isinstance(value, Unknown) else "the permission required cannot be read"),)
        try:
            held = reader.anonymous_has_perms(wanted, [], Frame(mod))
        except Raised:
            held = False  # a backend that raises for the anonymous user turns it away
        if held is False:
            return AuthStatus.REQUIRED, ""
        if held is True:
            return AuthStatus.NONE, "anonymous users hold the permission"
        return AuthStatus.UNKNOWN, held.reason if isinstance(held, Unknown) else "cannot be read"

    # --- decorators ---------------------------------------------------------------------
    def decorators(self, mod: ModuleSummary, exprs: list[Expr], loc: Location, method: str = "") -> AuthFacts:
        """Facts from decorators (or URLconf wrappers); `method` filters method_decorator(name=)."""
        facts = AuthFacts()
        for expr in exprs:
            self._decorator(mod, expr, loc, method, facts, 0)
        return facts

    def _decorator(self, mod: ModuleSummary, expr: Expr, loc: Location, method: str, facts: AuthFacts,
                   depth: int) -> None:
        if depth > 4:
            return
        callee = expr.func if expr.kind == "call" else expr
        qualified = self.index.qualify_expr(mod, callee) or callee.render(40)
        short = qualified.rsplit(".", 1)[-1]
        if short == "method_decorator" and expr.kind == "call":
            name = expr.kwarg("name")
            if method and name is not None and name.kind == "str" and name.text not in ("dispatch", method):
                return
            inner = expr.arg(0, "decorator")
            items = inner.args if inner is not None and inner.kind in ("list", "tuple") else (inner,)
            for item in items:
                if item is not None:
                    self._decorator(mod, item, loc, method, facts, depth + 1)
            return
        facts.dependencies.append(qualified)
        if short in ("require_http_methods",) and expr.kind == "call":
            listed = self.index.const_value(mod, expr.arg(0, "request_method_list"))
            if listed is not None and listed.kind in ("list", "tuple", "set"):
                facts.methods = tuple(sorted({e.text.upper() for e in listed.args if e.kind == "str"}))
        elif short in ("require_GET", "require_POST", "require_safe"):
            facts.methods = {"require_GET": ("GET",), "require_POST": ("POST",),
                             "require_safe": ("GET", "HEAD")}[short]
        elif short == "login_required":
            facts.add(AuthStatus.REQUIRED, Evidence("decorator", qualified, AuthStatus.REQUIRED, "", loc))
        elif short in ("permission_required", "staff_member_required", "user_passes_test", "superuser_required"):
            status, why = self.permission_gate(mod, expr.arg(0, "perm"), None) if short == "permission_required" \
                and expr.kind == "call" else (AuthStatus.REQUIRED, "")
            facts.add(status, Evidence("decorator", qualified, status, why, loc))
            check = role_check(expr) if expr.kind == "call" else RoleCheck(short)
            if short == "user_passes_test" and expr.kind == "call":
                returns = self._test_returns(mod, expr.arg(0, "test_func"))
                tested = (r for ret in returns for r in admitted_roles(ret))
                check = RoleCheck(check.text + "".join(f" returns {ret.render(60)}" for ret in returns),
                                  tuple(dict.fromkeys((*check.roles, *tested))))
            if short != "user_passes_test" or any(w in check.text for w in _ROLE_WORDS):
                kind = "permission" if short == "permission_required" else "role"
                facts.authz.append(Evidence(kind, qualified, AuthStatus.REQUIRED, check.text, loc,
                                            check.roles if kind == "role" else ()))
        elif short == "login_not_required":
            facts.login_exempt = True
            facts.evidence.append(Evidence("decorator", qualified, AuthStatus.NONE,
                                           "explicitly public (exempt from LoginRequiredMiddleware)", loc))
        elif short == "csrf_exempt":
            facts.evidence.append(Evidence("csrf_exempt", qualified, AuthStatus.NONE, "CSRF protection disabled",
                                           loc))
        elif short == "ratelimit" or "ratelimit" in qualified:
            facts.rate_limit.append(Evidence("rate_limit", qualified, AuthStatus.REQUIRED,
                                             expr.render(60), loc))
        elif self._configured(qualified):
            facts.add(AuthStatus.REQUIRED, Evidence("decorator", qualified, AuthStatus.REQUIRED, "configured", loc))
        else:
            self._project_decorator(mod, expr, callee, qualified, loc, facts, method, depth)

    def _project_decorator(self, mod: ModuleSummary, expr: Expr, callee: Expr, qualified: str, loc: Location,
                           facts: AuthFacts, method: str, depth: int) -> None:
        symbol = self.index.resolve(mod, callee)
        if symbol is not None and symbol.func is None and symbol.cls is None and symbol.value is not None \
                and symbol.value.kind == "call":
            # `staff_required = user_passes_test(is_staff)`, then `@staff_required` or
            # `staff_required(view)` in a URLconf: the decorator the name is bound to.
            self._decorator(symbol.module, symbol.value, loc, method, facts, depth + 1)
            return
        if symbol is None or symbol.func is None:
            short = qualified.rsplit(".", 1)[-1].lower()
            if symbol is None and any(w in short for w in _AUTHISH) and not qualified.startswith("django."):
                facts.add(AuthStatus.UNKNOWN, Evidence("decorator", qualified, AuthStatus.UNKNOWN,
                                                       "defined outside the project", loc))
            return
        wrapper = _innermost_wrapper(symbol.func)
        auth, role = self.guard(symbol.module, wrapper)
        # Run it for an anonymous caller, its arguments bound: a definite answer beats the guard's reading.
        judged = judge_decorator(self.index, mod, expr, symbol, method.upper() if method in HTTP_METHODS else None)
        if judged is not None and judged[0] == "deny":
            auth = True
        elif judged is not None and judged[0] == "allow":
            auth = False
            facts.evidence.append(Evidence("decorator", qualified, AuthStatus.NONE,
                                           "lets anonymous callers through", loc))
        if auth:
            facts.add(AuthStatus.REQUIRED, Evidence("decorator", qualified, AuthStatus.REQUIRED,
                                                    "checks the user and rejects without one", loc))
        if role is not None:
            facts.authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, role.text, loc, role.roles))

    def _test_returns(self, mod: ModuleSummary, test: Expr | None) -> list[Expr]:
        """What the test function given to `user_passes_test` returns, when it is a project function
        (`def is_agent(u): return u.is_active and u.is_staff`), for its role words and roles."""
        symbol = self.index.resolve(mod, test) if test is not None and test.kind in ("name", "attr") else None
        if symbol is None or symbol.func is None:
            return []
        return [st.value for st in walk_stmts(symbol.func.body) if st.kind == "return" and st.value is not None][:3]

    def _configured(self, qualified: str) -> bool:
        short = qualified.rsplit(".", 1)[-1]
        return any(n in (qualified, short) for n in self.config.auth_decorators)

    # --- bodies -------------------------------------------------------------------------
    def guard(self, mod: ModuleSummary, func: FunctionDef) -> tuple[bool, RoleCheck | None]:
        """(authenticates, role check) read from `if not request.user...: return/raise` guards."""
        auth = False
        role: RoleCheck | None = None
        for stmt in walk_stmts(func.body):
            if stmt.kind != "if" or stmt.value is None:
                if stmt.kind == "expr" and stmt.value is not None and _checks_permission(stmt.value):
                    auth = True
                    role = role or RoleCheck(stmt.value.render(60))  # a permission, not a role
                continue
            if _exits(stmt.body) and _turns_away_non_owner(stmt.value):
                auth = True  # an anonymous caller is no object's owner: turned away too
                continue
            negative = _is_negative(stmt.value)
            exits = _exits(stmt.body) if negative else (_exits(stmt.orelse) or _ends_view(func, stmt))
            if not exits:
                continue
            words = _words(stmt.value)
            if any(w in words for w in _AUTH_WORDS):
                auth = True
            if any(w in words for w in _ROLE_WORDS):
                auth = True
                role = role or role_check(stmt.value)
        if not auth and body_auth(self.index, mod, func) is AuthStatus.REQUIRED:
            auth = True
        return auth, role

    # --- classes ------------------------------------------------------------------------
    def mixins(self, info: ClassInfo, loc: Location) -> AuthFacts:
        """Facts from auth mixins and project dispatch() checks."""
        facts = AuthFacts()
        for qualified in info.external:
            short = qualified.rsplit(".", 1)[-1]
            if short == "LoginRequiredMixin" or ("LoginRequired" in short and short.endswith("Mixin")):
                facts.add(AuthStatus.REQUIRED, Evidence("mixin", qualified, AuthStatus.REQUIRED, "", loc))
            elif short in ("PermissionRequiredMixin", "UserPassesTestMixin", "StaffuserRequiredMixin",
                           "SuperuserRequiredMixin", "GroupRequiredMixin", "MultiplePermissionsRequiredMixin"):
                perm = info.attribute("permission_required")
                status, why = AuthStatus.REQUIRED, ""
                if short == "PermissionRequiredMixin":
                    status, why = self.permission_gate(perm[1].module if perm else info.symbol.module,
                                                       perm[0] if perm else None, perm[1] if perm else info.symbol)
                facts.add(status, Evidence("mixin", qualified, status, why, loc))
                check = RoleCheck(short)
                if perm is not None:
                    check = RoleCheck(f"permission_required = {perm[0].render(50)}")
                test = info.method("test_func")
                if short == "UserPassesTestMixin" and test is not None:
                    _auth, role = self.guard(test[1].module, test[0])
                    check = role or RoleCheck(f"{test[1].qualname}.test_func")
                kind = "permission" if short.startswith(("Permission", "MultiplePermissions")) else "role"
                facts.authz.append(Evidence(kind, qualified, AuthStatus.REQUIRED, check.text, loc,
                                            check.roles if kind == "role" else ()))
        # Every dispatch() along the chain: a subclass's own (`self.queryset = ...; return
        # super().dispatch(...)`) hands over to the mixin's that checks the user.
        for owner in info.chain:
            assert owner.cls is not None
            func = owner.cls.method("dispatch")
            if func is None:
                continue
            auth, role = self.guard(owner.module, func)
            where = Location(owner.module.path, func.line)
            if auth:
                facts.add(AuthStatus.REQUIRED, Evidence("dispatch", f"{owner.qualname}.dispatch",
                                                        AuthStatus.REQUIRED, "checks the user in dispatch()", where))
            if role is not None:
                facts.authz.append(Evidence("role", f"{owner.qualname}.dispatch", AuthStatus.REQUIRED, role.text,
                                            where, role.roles))
            facts.extend(self.decorators(owner.module, [d.expr for d in func.decorators], where))
        for symbol in info.chain:
            assert symbol.cls is not None
            decs = [d.expr for d in symbol.cls.decorators]
            if decs:
                facts.extend(self.decorators(symbol.module, decs, Location(symbol.module.path, symbol.cls.line),
                                             method="dispatch"))
        as_view = info.method("as_view")
        if as_view is not None:  # a mixin that wraps the view: `return login_required(super().as_view())`
            func, owner = as_view
            wrappers = [call.func for _stmt, call in walk_exprs(func.body) if call.kind == "call"
                        and len(call.positional) == 1 and call.positional[0].kind == "name"
                        and call.func.kind in ("name", "attr", "call")]
            if wrappers:
                facts.extend(self.decorators(owner.module, wrappers, Location(owner.module.path, func.line)))
        return facts

    def class_method_facts(self, info: ClassInfo, method: str, loc: Location) -> AuthFacts:
        """Facts that apply to one HTTP method of a view class only."""
        facts = AuthFacts()
        for symbol in info.chain:
            assert symbol.cls is not None
            decs = [d.expr for d in symbol.cls.decorators]
            for dec in decs:
                name = dec.kwarg("name") if dec.kind == "call" else None
                if name is not None and name.kind == "str" and name.text == method:
                    facts.extend(self.decorators(symbol.module, [dec], loc, method=method))
        found = info.method(method)
        if found is not None:
            func, owner = found
            facts.extend(self.decorators(owner.module, [d.expr for d in func.decorators],
                                         Location(owner.module.path, func.line), method=method))
            auth, role = self.guard(owner.module, func)
            where = Location(owner.module.path, func.line)
            if auth:
                facts.add(AuthStatus.REQUIRED, Evidence("handler", f"{owner.qualname}.{method}", AuthStatus.REQUIRED,
                                                        "checks the user in the handler body", where))
            if role is not None:
                facts.authz.append(Evidence("role", f"{owner.qualname}.{method}", AuthStatus.REQUIRED, role.text,
                                            where, role.roles))
        loader = info.method("get_object")
        if loader is not None and _loads_one_object(info, found):
            # `get_object()` that raises PermissionDenied unless the user may see the object: the
            # single-object views (DetailView, UpdateView, DRF's retrieve...) all go through it.
            func, owner = loader
            auth, role = self.guard(owner.module, func)
            where = Location(owner.module.path, func.line)
            if auth:
                facts.add(AuthStatus.REQUIRED, Evidence("get_object", f"{owner.qualname}.get_object",
                                                        AuthStatus.REQUIRED, "checks the user in get_object()", where))
            if role is not None:
                facts.authz.append(Evidence("role", f"{owner.qualname}.get_object", AuthStatus.REQUIRED, role.text,
                                            where, role.roles))
        return facts

    # --- middleware ---------------------------------------------------------------------
    def middleware(self) -> tuple[AuthStatus, Evidence] | None:
        """Project-wide auth from MIDDLEWARE: LoginRequiredMiddleware, or custom auth middleware.

        A middleware added only under a condition protects nothing for sure: its routes are
        `unknown` with the condition as the reason, unless the settings add it by default (the
        environment default of the condition takes that branch)."""
        loc = self.settings.location("MIDDLEWARE")
        entries = [(entry, True) for entry in self.settings.middleware]
        entries += [(c.item, False) for c in self.settings.possible("MIDDLEWARE")]
        unread = not entries and "MIDDLEWARE" in self.settings.values
        if unread:  # computed at run time (`MIDDLEWARE = f(MIDDLEWARE)`): what it lists may not stay
            entries = [(entry, True) for entry in self.settings.listed("MIDDLEWARE")]
        for entry, present in entries:
            found = self._one_middleware(entry, loc)
            if found is None:
                continue
            status, evidence = found
            if unread and status != AuthStatus.NONE:
                return AuthStatus.UNKNOWN, Evidence("middleware", entry, AuthStatus.UNKNOWN,
                                                    f"{evidence.detail}; listed in MIDDLEWARE, whose final value is "
                                                    "computed in a way apilint cannot read", loc)
            conditions = self.settings.conditions("MIDDLEWARE", entry)
            sure = present and (not conditions or any(c.applied and c.env for c in conditions))
            if not sure:
                why = conditions[0].condition if conditions else "a condition"
                return AuthStatus.UNKNOWN, Evidence("middleware", entry, AuthStatus.UNKNOWN,
                                                    f"{evidence.detail}; installed only when {why}", loc)
            if conditions:
                evidence = Evidence(evidence.kind, evidence.name, evidence.status,
                                    f"{evidence.detail}; installed by default ({conditions[0].condition})", loc)
            return status, evidence
        return None

    def _one_middleware(self, entry: str, loc: Location) -> tuple[AuthStatus, Evidence] | None:
        short = entry.rsplit(".", 1)[-1]
        symbol = self.index.lookup(entry)
        if symbol is None and "LoginRequired" in short:
            return AuthStatus.REQUIRED, Evidence("middleware", entry, AuthStatus.REQUIRED,
                                                 "every view requires login unless exempted", loc)
        if symbol is None:
            return None
        if symbol.cls is not None and any(base.rsplit(".", 1)[-1] == "LoginRequiredMiddleware" and
                                          self.index.lookup(base) is None for base in self.index.base_names(symbol)):
            # A subclass of Django's own (or a library's) login-required middleware: it may exempt
            # more URLs, but every other view still requires a login.
            return AuthStatus.REQUIRED, Evidence("middleware", entry, AuthStatus.REQUIRED,
                                                 "every view requires login unless exempted (subclass of "
                                                 "LoginRequiredMiddleware)", loc)
        # Any method: the check often sits in a helper that __call__ or process_view calls.
        funcs = ([f for f in symbol.cls.methods() if f.name != "__init__"] if symbol.cls is not None
                 else [_innermost_wrapper(symbol.func)] if symbol.func is not None else [])
        if not any(self.guard(symbol.module, func)[0] for func in funcs):
            return None
        verdict, why = judge_middleware(self.index, symbol)
        if verdict == "allow":
            return None  # reads the user but never turns an anonymous request away (it only authenticates)
        if verdict == "deny":
            return AuthStatus.REQUIRED, Evidence("middleware", entry, AuthStatus.REQUIRED,
                                                 "custom middleware; turns every anonymous request away", loc)
        return AuthStatus.UNKNOWN, Evidence("middleware", entry, AuthStatus.UNKNOWN,
                                            f"custom middleware; depends on {why}", loc)


_SINGLE_OBJECT_BASES = ("DetailView", "UpdateView", "DeleteView", "SingleObjectMixin", "BaseDetailView",
                        "BaseUpdateView", "BaseDeleteView", "RetrieveAPIView", "UpdateAPIView", "DestroyAPIView",
                        "RetrieveUpdateAPIView", "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView")


def _loads_one_object(info: ClassInfo, handler: tuple[FunctionDef, Symbol] | None) -> bool:
    """True when the HTTP method's handler goes through `get_object()`: its own body calls it, or it
    is inherited from a single-object generic view."""
    if handler is not None:
        return any(call.kind == "call" and call.func.kind == "attr" and call.func.text == "get_object"
                   for _stmt, call in walk_exprs(handler[0].body))
    return any(short in _SINGLE_OBJECT_BASES for short in info.external_short)


def _innermost_wrapper(func: FunctionDef) -> FunctionDef:
    """The nested function a decorator returns (`def wrapper(request, ...)`), else itself."""
    current = func
    for _ in range(3):
        inner = [s.func for s in current.body if s.func is not None]
        if not inner:
            break
        current = inner[-1]
    return current


def _turns_away_non_owner(test: Expr) -> bool:
    """`request.user != obj.user` (`obj.owner is not request.user`, `obj.user_id != request.user.id`):
    an ownership test that only the owner, a signed-in user, passes."""
    if test.kind != "compare" or len(test.args) != 2 or test.text not in ("!=", "is not"):
        return False
    caller = [(side.dotted or "") in ("request.user", "request.user.id", "request.user.pk", "self.request.user",
                                      "self.request.user.id", "self.request.user.pk") for side in test.args]
    other = [side for side, mine in zip(test.args, caller, strict=True) if not mine]
    return any(caller) and len(other) == 1 and other[0].kind == "attr"


def _words(expr: Expr) -> str:
    return " ".join(e.text.lower() for e in expr.walk() if e.kind in ("name", "attr", "str"))


def _checks_permission(call: Expr) -> bool:
    """`Permission.check_user_permission(permission=p, user=request.user)` as a statement: a check
    that raises when the user passed to it lacks the permission."""
    if call.kind != "call" or _PERMISSION_CHECK.match((call.func.dotted or call.func.text).rsplit(".", 1)[-1]) is None:
        return False
    args = [*call.positional, *(k.value for k in call.keywords)]
    return any((a.dotted or "").endswith(("request.user", "current_user")) or a.dotted == "user" for a in args)


def _is_negative(test: Expr) -> bool:
    if test.kind == "unary" and test.text == "not":
        return True
    if test.kind == "boolop":
        return any(_is_negative(a) for a in test.args)
    if test.kind == "compare" and any(op.strip() in ("!=", "not in", "is not") for op in test.text.split(",")):
        return True
    words = _words(test)
    return "is_anonymous" in words or "anonymoususer" in words


def _exits(body: tuple[Stmt, ...]) -> bool:
    return any(s.kind in ("return", "raise") for s in walk_stmts(body))


def _ends_view(func: FunctionDef, stmt: Stmt) -> bool:
    """`if request.user.is_authenticated: ...` as the view's last statement, with no `else`: an
    anonymous caller falls off the end, the view returns None and Django answers with an error,
    never with the body's work."""
    return bool(func.body) and func.body[-1] is stmt and not stmt.orelse and _exits(stmt.body)


__all__ = ["HTTP_METHODS", "AuthFacts", "ClassInfo", "DjangoAuth"]
