"""FastAPI dependencies: what `Depends(...)`/`Security(...)` chains, security schemes and
project dependency functions and classes say about authentication and roles.

A dependency is judged as FastAPI resolves it. Its target is evaluated (`apilint.values`) in
the scope it is written in, so `Depends(get_authorizer(required=False))` is judged by the
function the factory returns for those arguments, `Depends(JWTBearer())` by the instance's
`__call__`, and a name assigned differently under an `if` by every value it may hold (all
reject: required; some do not: unknown, never the last assignment only). A project
function is judged by its own dependencies (to any depth) and by its body (`fastapi_bodies`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from apilint.body_auth import body_checks_role
from apilint.config import Config
from apilint.frameworks.fastapi_bodies import BodyJudge, find_method
from apilint.frameworks.fastapi_deplists import DEPENDS, Dep, annotated_deps, as_dep, dep_list, param_deps
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Evidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.role_names import admitted_roles
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import Instance, Opaque, Ref, Scope

SECURITY_SCHEMES = frozenset({
    "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "HTTPBearer", "HTTPBasic",
    "HTTPDigest", "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "OpenIdConnect", "HTTPBase",
})
AUTHISH = ("user", "auth", "token", "login", "verify", "current", "jwt", "api_key", "apikey", "admin",
           "permission", "principal", "session", "credential", "secure", "protect", "require")
ROLEISH = ("admin", "superuser", "staff", "role", "permission", "scope", "owner_or_admin")
_MAX_DEPTH = 8

_AUTH_NAMED = lazy_compile(
    r"(^|_)(current_?(user|principal|account|member|identity|active_user)|authenticate(d|_\w+)?|is_authori[sz]ed|"
    r"authori[sz]e_(request|user|caller|access|api_?key|token)|"
    r"require[sd]?_(user|login|auth\w*|admin|api_?key|token|scopes?|roles?|perms?|permissions?|member|key)|"
    r"(verify|check|validate|ensure)_(token|jwt|api_?key|key|user|auth\w*|access|credentials|session|perms?|"
    r"permissions?|logged_in|login)|(api_?key|token|jwt|bearer|session|basic)_?auth\w*|login_required|"
    r"is_authenticated|get_user_from_(token|request|session|jwt|header)|auth_required|auth)$", re.IGNORECASE)
"""Dependency names that say they authenticate the caller (`get_current_user`, `require_api_key`)."""
_AUTH_CLASS = lazy_compile(r"(Auth|Authentication|Authenticator|Authorizer|Authorization|Bearer|Permissions?|"
                         r"PermissionChecker|Api[Kk]ey(Auth|Checker|Header)?|APIKey(Auth|Checker|Header)?|"
                         r"TokenChecker|KeyChecker|Guard|JWT(Bearer|Auth)?|Jwt(Bearer|Auth)?)$")
"""Class names that say their instances authenticate the caller (`JWTBearer`, `ApiKeyAuth`)."""

Judged = tuple[AuthStatus | None, list[Evidence], list[Evidence]]
"""(auth status or None when the dependency says nothing about auth, auth evidence, role evidence)."""


class DependencyJudge:
    """Judges FastAPI dependencies (memoized per target and the scope it is read in)."""

    def __init__(self, index: ProjectIndex, config: Config) -> None:
        self.index = index
        self.config = config
        self.bodies = BodyJudge(index)
        self._cache: dict[str, Judged] = {}
        self._busy: set[str] = set()

    # --- declarations (see fastapi_deplists) -----------------------------------------------
    def dep_list(self, mod: ModuleSummary, expr: Expr | None, where: str, line: int,
                 scope: Scope | None = None) -> list[Dep]:
        """The dependencies of a `dependencies=[...]` value, each with its condition."""
        return dep_list(self.index, mod, expr, where, line, scope)

    def as_dep(self, mod: ModuleSummary, expr: Expr, annotation: Expr | None, where: str, line: int) -> Dep | None:
        """A `Depends(x)`/`Security(x, scopes=[...])` call as a dependency, else None."""
        return as_dep(self.index, mod, expr, annotation, where, line)

    def param_deps(self, mod: ModuleSummary, func: FunctionDef, where: str) -> list[Dep]:
        """Dependencies declared by a function's parameters (defaults and `Annotated[...]`)."""
        return param_deps(self.index, mod, func, where)

    def annotated_deps(self, mod: ModuleSummary, ann: Expr, where: str, line: int, depth: int) -> list[Dep]:
        """Dependencies in an `Annotated[T, Depends(x)]` annotation, through aliases in any module."""
        return annotated_deps(self.index, mod, ann, where, line, depth)

    # --- judging ------------------------------------------------------------------------------
    def dep_auth(self, dep: Dep, depth: int = 0) -> Judged:
        """(status, auth evidence, authz evidence) of one dependency."""
        loc = Location(dep.mod.path, dep.line)
        if dep.unreadable:
            what = dep.expr.render(40) if dep.expr is not None else "dependencies"
            ev = Evidence("dependency", what, AuthStatus.UNKNOWN, f"cannot be read ({dep.unreadable})"
                          + (f"; applies only {dep.condition}" if dep.condition else ""), loc)
            return AuthStatus.UNKNOWN, [ev], []
        target = dep.expr if dep.expr is not None else dep.annotation  # Depends() uses the annotation
        if target is None:
            return None, [], []
        authz: list[Evidence] = []
        if dep.scopes:
            authz.append(Evidence("scopes", ",".join(dep.scopes), AuthStatus.REQUIRED, dep.where, loc))
        callee = target.func if target.kind == "call" else target
        qualified = self.index.qualify_expr(dep.mod, callee) or callee.render(40)
        if self._configured(qualified, self.config.roles_helpers):
            authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, "configured role check", loc))
        status, evidence, more_authz = self._target(dep.mod, target, dep.scope, loc, depth)
        built = self._built_by(dep.mod, target)
        if built is not None:
            built_mod, call = built
            callee_q = self.index.qualify_expr(built_mod, call.func) or call.func.render(40)
            symbol = self.index.lookup(callee_q)
            more_authz = _given(more_authz, symbol.qualname if symbol is not None else callee_q, call)
        if dep.condition and status in (AuthStatus.REQUIRED, AuthStatus.UNKNOWN):
            status = AuthStatus.UNKNOWN
            evidence = [replace(e, status=AuthStatus.UNKNOWN, detail=f"{e.detail}; applies only {dep.condition}")
                        for e in evidence]
        return status, evidence, authz + more_authz

    def _built_by(self, mod: ModuleSummary, target: Expr) -> tuple[ModuleSummary, Expr] | None:
        """The call with arguments that built a checker: the target itself (`RoleGate([Role.X])`) or the
        module-level value a name holds (`staff_only = RoleGate([...])`), with the module it is in."""
        if target.kind == "call":
            return (mod, target) if target.args else None
        if target.kind not in ("name", "attr"):
            return None
        symbol = self.index.lookup(self.index.qualify_expr(mod, target) or "")
        value = symbol.value if symbol is not None else None
        return (symbol.module, value) if symbol is not None and value is not None and value.kind == "call" and \
            value.args else None

    def _target(self, mod: ModuleSummary, target: Expr, scope: Scope | None, loc: Location, depth: int) -> Judged:
        callee = target.func if target.kind == "call" else target
        qualified = self.index.qualify_expr(mod, callee) or callee.render(40)
        configured = self._configured_status(qualified, target if target.kind == "call" else None, loc)
        if configured is not None:
            return configured
        local = scope is not None and any(scope.param(n) is not None or n in scope.bound or n in scope.assignments()
                                          or n in scope.imports() for n in target.names())  # imported in the function
        key = f"{mod.path}|{target.render(100)}|{id(scope) if local else ''}"
        if key in self._cache:
            return self._cache[key]
        if key in self._busy or depth > _MAX_DEPTH:
            return None, [], []
        self._busy.add(key)
        try:
            found = self._evaluate(mod, target, scope if local else None, loc, depth)
        finally:
            self._busy.discard(key)
        self._cache[key] = found
        return found

    def _configured_status(self, qualified: str, call: Expr | None, loc: Location) -> Judged | None:
        short = qualified.rsplit(".", 1)[-1]
        authz: list[Evidence] = []
        if self._configured(qualified, self.config.auth_dependencies):
            return AuthStatus.REQUIRED, [Evidence("dependency", qualified, AuthStatus.REQUIRED, "configured", loc)], []
        if self._configured(qualified, self.config.auth_optional_dependencies):
            return AuthStatus.OPTIONAL, [Evidence("dependency", qualified, AuthStatus.OPTIONAL, "configured", loc)], []
        if call is not None and short in ("current_user", "current_active_user"):
            optional = call.kwarg("optional")
            status = AuthStatus.OPTIONAL if optional is not None and optional.is_true else AuthStatus.REQUIRED
            superuser = call.kwarg("superuser")
            if superuser is not None and superuser.is_true:
                authz.append(Evidence("role", qualified, status, "superuser=True", loc))
            return status, [Evidence("dependency", qualified, status, "fastapi-users current_user", loc)], authz
        return None

    def _evaluate(self, mod: ModuleSummary, target: Expr, scope: Scope | None, loc: Location, depth: int) -> Judged:
        """Judge every value the dependency target may take and combine them."""
        value = self.index.values.value(mod, target, scope)
        judged: list[tuple[str, Judged]] = []
        for option in value.options:
            label = _label(option, target)
            if any(label == seen for seen, _ in judged):
                continue
            judged.append((label, self._option(mod, target, option, loc, depth)))
        if len(judged) == 1:
            return judged[0][1]
        statuses = {j[0] for _, j in judged}
        authz = [e for _, j in judged for e in j[2]]
        if len(statuses) == 1:
            return judged[0][1][0], [e for _, j in judged for e in j[1]], authz
        alternatives = ", ".join(f"`{label}` ({j[0].value if j[0] else 'no authentication'})"
                                 for label, j in judged)
        ev = Evidence("dependency", self.index.qualify_expr(mod, target) or target.render(40), AuthStatus.UNKNOWN,
                      f"may be any of {alternatives}, depending on how the app is configured", loc)
        return AuthStatus.UNKNOWN, [ev], authz

    def _option(self, mod: ModuleSummary, target: Expr, option: Any, loc: Location, depth: int) -> Judged:
        if isinstance(option, Ref):
            symbol = option.symbol
            configured = self._configured_status(symbol.qualname, None, loc)
            if configured is not None:
                return configured
            if symbol.func is not None:
                return self._function_dep(symbol, loc, depth, this=self._owner(symbol))
            if symbol.cls is not None:
                return self._class_dep(symbol, None, loc, depth)
            return None, [], []
        if isinstance(option, Instance):
            return self._class_dep(option.cls, option, loc, depth)
        if isinstance(option, Opaque):
            return self._named(option.mod, option.expr, loc, depth)
        return None, [], []

    def _named(self, mod: ModuleSummary, target: Expr, loc: Location, depth: int) -> Judged:
        """A target the evaluator cannot reduce to a project object: a library security scheme, a
        module-level object built from a library class, a name from outside the project."""
        call_args = target if target.kind == "call" else None
        callee = target.func if call_args is not None else target
        qualified = self.index.qualify_expr(mod, callee) or callee.render(40)
        short = qualified.rsplit(".", 1)[-1]
        configured = self._configured_status(qualified, call_args, loc)
        if configured is not None:
            return configured
        symbol = self.index.lookup(qualified)
        if symbol is None:
            if short in SECURITY_SCHEMES:
                return self._scheme(qualified, call_args, loc)
            if qualified.startswith(("fastapi.", "starlette.", "pydantic.", "sqlalchemy.", "sqlmodel.")):
                return None, [], []  # framework helpers (request forms, sessions) do not authenticate
            if any(w in short.lower() for w in AUTHISH):
                ev = Evidence("dependency", qualified, AuthStatus.UNKNOWN, "defined outside the project", loc)
                return AuthStatus.UNKNOWN, [ev], []
            return None, [], []
        if symbol.value is not None and symbol.value.kind == "call":
            # module-level object: oauth2_scheme = OAuth2PasswordBearer(...), auth = JWTBearer()
            inner_q = self.index.qualify_expr(symbol.module, symbol.value.func) or ""
            inner_short = inner_q.rsplit(".", 1)[-1]
            if inner_short in SECURITY_SCHEMES and self.index.lookup(inner_q) is None:
                return self._scheme(qualified, symbol.value, loc)
            configured = self._configured_status(inner_q, symbol.value, loc)
            if configured is not None:
                return configured
            if self.index.lookup(inner_q) is None and (_AUTH_CLASS.search(inner_short) or
                                                       any(w in inner_short.lower() for w in AUTHISH)):
                ev = Evidence("dependency", qualified, AuthStatus.UNKNOWN,
                              f"an instance of `{inner_q}`, defined outside the project", loc)
                return AuthStatus.UNKNOWN, [ev], []
        if symbol.func is not None:
            return self._function_dep(symbol, loc, depth, this=self._owner(symbol))
        if symbol.cls is not None:
            return self._class_dep(symbol, None, loc, depth)
        return None, [], []

    def _scheme(self, qualified: str, call: Expr | None, loc: Location) -> Judged:
        auto_error = call.kwarg("auto_error") if call is not None else None
        status = AuthStatus.OPTIONAL if auto_error is not None and auto_error.text == "False" else AuthStatus.REQUIRED
        detail = "security scheme" + (" with auto_error=False" if status is AuthStatus.OPTIONAL else "")
        return status, [Evidence("security_scheme", qualified, status, detail, loc)], []

    def _class_dep(self, symbol: Symbol, instance: Instance | None, loc: Location, depth: int) -> Judged:
        """`Depends(Checker)` runs the class (its `__init__` parameters are dependencies);
        `Depends(Checker(...))` runs the instance's `__call__`."""
        assert symbol.cls is not None
        bases = self.index.base_names(symbol)
        method = find_method(self.index, symbol, "__call__" if instance is not None else "__init__")
        if any(b.rsplit(".", 1)[-1] in SECURITY_SCHEMES for b in bases):
            auto_error = self._auto_error(instance)
            status = AuthStatus.OPTIONAL if auto_error is False else AuthStatus.REQUIRED
            detail = "subclass of a security scheme" + (" with auto_error=False" if auto_error is False else "")
            if method is not None and method.func is not None and status is AuthStatus.OPTIONAL:
                body = self.bodies.verdict(method.module, method.func, instance)
                if body is not None and body.status is AuthStatus.REQUIRED:
                    status = AuthStatus.REQUIRED
                    detail = f"subclass of a security scheme whose `__call__` {body.detail}"
            authz = self.role_evidence(symbol.module, method.func if method else None, symbol.qualname, loc)
            return status, [Evidence("security_scheme", symbol.qualname, status, detail, loc)], authz
        if method is None or method.func is None:
            return None, [], []
        return self._function_dep(method, loc, depth, display=symbol.qualname, this=instance or Ref(symbol))

    def _auto_error(self, instance: Instance | None) -> bool | None:
        if instance is None:
            return None
        given = instance.call.kwarg("auto_error")
        if given is None:
            return None
        value = self.index.values.value(instance.mod, given, instance.scope).first
        return value if isinstance(value, bool) else None

    def _function_dep(self, symbol: Symbol, loc: Location, depth: int, display: str = "",
                      this: Instance | Ref | None = None) -> Judged:
        func = symbol.func
        assert func is not None
        name = display or symbol.qualname
        where = Location(symbol.module.path, func.line)
        statuses: list[AuthStatus] = []
        evidence: list[Evidence] = []
        authz: list[Evidence] = []
        credentials: set[str] = set()
        for sub in param_deps(self.index, symbol.module, func, f"dependency of {name}"):
            status, ev, az = self.dep_auth(sub, depth + 1)
            if status is AuthStatus.OPTIONAL and _builds_a_service(func, name) and not _forwards(func, sub.param):
                continue  # an optional credential read for another purpose (an audit logger, a manager)
            authz += az
            if status is not None:
                statuses.append(status)
                evidence += ev
                credentials.add(sub.param)
        body = self.bodies.verdict(symbol.module, func, this, credentials=frozenset(credentials))
        combined = combine(statuses)
        if body is not None and body.status is AuthStatus.REQUIRED and combined is not AuthStatus.REQUIRED:
            combined = AuthStatus.REQUIRED
            evidence = [Evidence("dependency", name, combined, body.detail, where)]
        elif combined is None and body is not None:
            combined = body.status
            evidence = [Evidence("dependency", name, combined, body.detail, where)]
        elif combined is not None:
            evidence = [Evidence("dependency", name, combined, "depends on " + ", ".join(
                dict.fromkeys(e.name for e in evidence)), where)]
        elif _auth_named(name):
            combined = AuthStatus.UNKNOWN
            evidence = [Evidence("dependency", name, combined,
                                 "named as authentication, but what it checks cannot be read", where)]
        # An optional caller has no role to check; a role check alone is authorization evidence.
        if combined in (AuthStatus.REQUIRED, AuthStatus.UNKNOWN) or \
                (combined is None and body_checks_role(func) is not None):
            authz += self.role_evidence(symbol.module, func, name, loc)
        if combined is AuthStatus.REQUIRED and self.bodies.shared_secret(func, frozenset(credentials)):
            authz.append(Evidence("role", name, AuthStatus.REQUIRED,
                                  "a shared service secret: the caller is a trusted service, not one user among many",
                                  where))
        return combined, evidence, authz

    def role_evidence(self, mod: ModuleSummary, func: FunctionDef | None, name: str, loc: Location) -> list[Evidence]:
        """Role evidence of a dependency: a role check in its body, or a role-like name."""
        if func is None:
            return []
        check = body_checks_role(func)
        if check is not None:
            return [Evidence("role", name, AuthStatus.REQUIRED, check.text, Location(mod.path, func.line), check.roles)]
        if any(w in name.rsplit(".", 1)[-1].lower() for w in ROLEISH):
            return [Evidence("role", name, AuthStatus.REQUIRED, "role dependency (by name)", loc)]
        return []

    def _owner(self, symbol: Symbol) -> Ref | None:
        """The class a method belongs to (what `self` is when it runs)."""
        head, _, _ = symbol.qualname.rpartition(".")
        owner = self.index.lookup(head) if head else None
        return Ref(owner) if owner is not None and owner.cls is not None else None

    def _configured(self, qualified: str, names: tuple[str, ...]) -> bool:
        short = qualified.rsplit(".", 1)[-1]
        return any(n in (qualified, short) for n in names)


def _given(authz: list[Evidence], qualified: str, call: Expr) -> list[Evidence]:
    """Role evidence of a checker built with arguments (`Depends(RoleChecker([Role.CUSTOMER]))`,
    `Depends(require_roles("admin"))`) names the call, so rules can read which roles it admits."""
    given = f"; given {call.render(100)}"
    return [replace(e, detail=e.detail + given, roles=admitted_roles(call) or e.roles)
            if e.kind == "role" and (e.name == qualified or e.name.startswith(qualified + ".")) and
            given not in e.detail else e
            for e in authz]


def _label(option: Any, target: Expr) -> str:
    if isinstance(option, Ref):
        return option.symbol.qualname.rsplit(".", 1)[-1]
    if isinstance(option, Instance):
        return option.call.render(40)
    if isinstance(option, Opaque):
        return option.expr.render(40)
    return repr(option) if option is not None else target.render(40)


def _auth_named(qualified: str) -> bool:
    parts = qualified.split(".")
    own = parts[-2] if parts[-1] in ("__call__", "__init__") and len(parts) > 1 else parts[-1]
    if _SERVICE.search(own.replace("_", "")):
        return False  # `UserRepository`, `get_api_key_service`
    short = parts[-1]
    if short in ("__call__", "__init__") and len(parts) > 1:
        return bool(_AUTH_CLASS.search(parts[-2]))
    return bool(_AUTH_NAMED.search(short)) or bool(_AUTH_CLASS.search(short))


_SERVICE = lazy_compile(r"(manager|service|repository|repo|logger|log|client|factory|dao|store|storage|mailer|"
                      r"notifier|cache|queue|uow|unit_of_work|settings|config|db|database|engine|helper|"
                      r"tracker|publisher|producer|emitter|webhooks?|tasks?)s?$", re.IGNORECASE)


def _builds_a_service(func: FunctionDef, qualified: str) -> bool:
    """True for a dependency that builds a helper object (`get_user_manager`, `get_audit_logger`,
    returns a `UserManager`): a credential it reads is not the route's authentication."""
    names = [qualified.rsplit(".", 1)[-1]]
    if func.returns is not None:
        names.append((func.returns.dotted or func.returns.render(40)).rsplit(".", 1)[-1])
    return any(_SERVICE.search(n.replace("_", "")) or _SERVICE.search(n) for n in names)


def _forwards(func: FunctionDef, param: str) -> bool:
    """True when the function hands the parameter's value on as its result (`return user`,
    `return token.user`, `return user, scopes`) rather than using it to build something else."""
    if not param:
        return True
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("return", "yield") or (stmt.kind == "expr" and stmt.value is not None
                                                 and stmt.value.kind == "yield"):
            value = stmt.value
            if value is not None and value.kind == "yield":
                value = value.args[0] if value.args else None
            if value is not None and _passes_on(value, param):
                return True
    return False


def _passes_on(expr: Expr, param: str) -> bool:
    if expr.kind in ("tuple", "list", "boolop"):
        return any(_passes_on(e, param) for e in expr.args)
    if expr.kind == "dict":
        return any(_passes_on(e, param) for e in expr.args[1::2])
    if expr.kind == "ifexp":
        return any(_passes_on(e, param) for e in expr.args[1:])
    if expr.kind == "await" and expr.args:
        return _passes_on(expr.args[0], param)
    root = expr
    while root.kind in ("attr", "subscript") and root.args:
        root = root.args[0]
    return root.kind == "name" and root.text == param


def combine(statuses: list[AuthStatus]) -> AuthStatus | None:
    """REQUIRED over UNKNOWN over OPTIONAL over NONE; None when nothing was judged. A piece whose
    effect is unknown may be the one that requires a caller, so it outranks an optional one."""
    if not statuses:
        return None
    for status in (AuthStatus.REQUIRED, AuthStatus.UNKNOWN, AuthStatus.OPTIONAL):
        if status in statuses:
            return status
    return AuthStatus.NONE


def dedupe(items: list[Evidence]) -> list[Evidence]:
    """Evidence without repeats, first occurrence kept."""
    return list(dict.fromkeys(items))


__all__ = ["DEPENDS", "SECURITY_SCHEMES", "Dep", "DependencyJudge", "combine", "dedupe"]
