"""Flask authentication evidence: decorators (library and project-defined) and wrapper bodies.

Library decorators are recognized by their qualified names (flask_login, flask_jwt_extended,
Flask-HTTPAuth instances, Flask-Security, flask_praetorian, Flask-User, authlib, flask_oidc).
Project decorators are recognized by what their wrapper does, never by their name: it calls
a library check (`verify_jwt_in_request`, `login_required(f)`), or reads a credential and
rejects the request without it (`body_auth`), or sends anonymous users to the login page.
What handler and helper bodies check is read by `flask_bodies.FlaskBodies`, which this builds on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apilint.body_auth import ROLE_WORDS, body_checks_role, is_rejection, reads_credential
from apilint.config import Config
from apilint.frameworks.flask_bodies import ALLOWS_LIBS, FlaskBodies, strongest
from apilint.frameworks.flask_patterns import (
    calls_in,
    local_imports,
    permission_gate,
    wrapped_names,
)
from apilint.model import AuthStatus, Evidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.role_names import RoleCheck, admitted_roles, role_check
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

AUTH_LIBS = frozenset({"flask_login", "flask_jwt_extended", "flask_jwt", "flask_security", "flask_praetorian",
                       "flask_user", "flask_security_too"})
LIB_DECORATORS: dict[str, AuthStatus] = {
    "login_required": AuthStatus.REQUIRED, "fresh_login_required": AuthStatus.REQUIRED,
    "jwt_required": AuthStatus.REQUIRED, "fresh_jwt_required": AuthStatus.REQUIRED,
    "jwt_refresh_token_required": AuthStatus.REQUIRED, "jwt_optional": AuthStatus.OPTIONAL,
    "auth_required": AuthStatus.REQUIRED, "http_auth_required": AuthStatus.REQUIRED,
    "auth_token_required": AuthStatus.REQUIRED, "roles_required": AuthStatus.REQUIRED,
    "roles_accepted": AuthStatus.REQUIRED, "permissions_required": AuthStatus.REQUIRED,
    "permissions_accepted": AuthStatus.REQUIRED,
}
ROLE_DECORATORS = frozenset({"roles_required", "roles_accepted", "permissions_required", "permissions_accepted"})
HTTPAUTH_CLASSES = ("HTTPBasicAuth", "HTTPTokenAuth", "HTTPDigestAuth", "MultiAuth")
AUTHISH = ("login", "auth", "token", "jwt", "api_key", "apikey", "permission", "role", "admin", "signed_in")
NOT_AUTH = frozenset({"functools.wraps", "wraps"})


@dataclass
class Judgement:
    """What one decorator (or hook, or body) says about a route."""

    status: AuthStatus | None = None
    evidence: list[Evidence] = field(default_factory=list)
    authz: list[Evidence] = field(default_factory=list)
    rate_limit: list[Evidence] = field(default_factory=list)

    def merge(self, other: Judgement) -> None:
        """Fold another judgement in (the strongest status wins)."""
        self.status = strongest([s for s in (self.status, other.status) if s is not None])
        self.evidence += other.evidence
        self.authz += other.authz
        self.rate_limit += other.rate_limit


class FlaskAuth(FlaskBodies):
    """Judges decorators, wrapper bodies and handler bodies of one project (with caches)."""

    def __init__(self, index: ProjectIndex, config: Config) -> None:
        self.index = index
        self.config = config
        self._decorators: dict[str, Judgement] = {}
        self._bodies: dict[str, AuthStatus | None] = {}
        self._reasons: dict[str, str] = {}
        self._locals: dict[str, dict[str, str]] = {}

    # --- decorators ------------------------------------------------------------------
    def decorator(self, mod: ModuleSummary, expr: Expr, loc: Location, depth: int = 0,
                  local: dict[str, str] | None = None) -> Judgement:
        """Judge one decorator expression written in `mod` (`local`: names imported inside the
        function it is written in)."""
        call = expr if expr.kind == "call" else None
        target = expr.func if call is not None else expr
        if target.kind == "call":  # jwt_required()(...) style: judge the inner call
            return self.decorator(mod, target, loc, depth + 1, local) if depth < 6 else Judgement()
        found = self.qualify(mod, target, local)
        qualified = found or target.render(120)
        short = target.text if found is None and target.kind in ("attr", "name") else qualified.rsplit(".", 1)[-1]
        out = Judgement()
        if qualified in NOT_AUTH or depth > 6:
            return out
        if _configured(qualified, self.config.roles_helpers):
            out.authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, "configured role check", loc))
        if _configured(qualified, self.config.auth_decorators):
            out.status = AuthStatus.REQUIRED
            out.evidence.append(Evidence("decorator", qualified, AuthStatus.REQUIRED, "configured", loc))
            return out
        top = qualified.split(".")[0]
        if top in AUTH_LIBS and short in LIB_DECORATORS:
            status = LIB_DECORATORS[short]
            optional = call.kwarg("optional") if call is not None else None
            if optional is not None and optional.is_true:
                status = AuthStatus.OPTIONAL
            out.status = status
            out.evidence.append(Evidence("decorator", qualified, status, top, loc))
            if short in ROLE_DECORATORS:
                check = role_check(call) if call is not None else RoleCheck(qualified)
                out.authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, check.text, loc, check.roles))
            return out
        if top in ALLOWS_LIBS and short == "requires":  # `@requires(IsAdmin)`, the module-level decorator
            return self._allows(call, qualified, loc, out)
        instance = self._instance_of(mod, target.args[0]) if target.kind == "attr" else None
        if instance is not None:
            return self._instance_decorator(instance, target.text, call, qualified, loc, out)
        own = self._instance_of(mod, target)
        if own is not None and own.rsplit(".", 1)[-1] == "ResourceProtector":  # authlib: @require_oauth("x")
            status = AuthStatus.REQUIRED
            optional = call.kwarg("optional") if call is not None else None
            if optional is not None and optional.is_true:
                status = AuthStatus.OPTIONAL
            out.status = status
            out.evidence.append(Evidence("decorator", qualified, status, "authlib ResourceProtector", loc))
            if call is not None and call.positional:
                out.authz.append(Evidence("scopes", call.render(60), AuthStatus.REQUIRED, "oauth scopes", loc))
            return out
        symbol = self.index.lookup(qualified)
        if symbol is not None and symbol.func is not None:
            return self._project_decorator(symbol, loc, depth)
        if symbol is not None and symbol.value is not None and symbol.value.kind in ("call", "attr", "name"):
            # admin_only = roles_required("admin"); login_required = auth.login_required
            return self.decorator(symbol.module, symbol.value, loc, depth + 1)
        if symbol is None and top not in ("flask", "functools") and any(w in short.lower() for w in AUTHISH):
            where = "defined outside the project" if target.dotted is not None else "chosen at run time"
            out.status = AuthStatus.UNKNOWN
            out.evidence.append(Evidence("decorator", qualified, AuthStatus.UNKNOWN, where, loc))
        return out

    def _instance_decorator(self, instance: str, method: str, call: Expr | None, qualified: str, loc: Location,
                            out: Judgement) -> Judgement:
        top = instance.split(".")[0]
        short = instance.rsplit(".", 1)[-1]
        if top == "flask_httpauth" or (short in HTTPAUTH_CLASSES and method == "login_required"):
            if method != "login_required":
                return out
            optional = call.kwarg("optional") if call is not None else None
            status = AuthStatus.OPTIONAL if optional is not None and optional.is_true else AuthStatus.REQUIRED
            out.status = status
            out.evidence.append(Evidence("decorator", qualified, status, f"Flask-HTTPAuth {short}", loc))
            role = call.kwarg("role") if call is not None else None
            if role is not None:
                out.authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, f"role={role.render(40)}", loc,
                                          admitted_roles(role)))
        elif top == "flask_limiter" and method in ("limit", "shared_limit"):
            detail = call.render(60) if call is not None else qualified
            out.rate_limit.append(Evidence("rate_limit", qualified, AuthStatus.REQUIRED, detail, loc))
        elif top == "flask_oidc" and method in ("require_login", "accept_token"):
            out.status = AuthStatus.REQUIRED
            out.evidence.append(Evidence("decorator", qualified, AuthStatus.REQUIRED, "flask_oidc", loc))
        elif top in ALLOWS_LIBS and method == "requires":
            self._allows(call, qualified, loc, out)
        elif (top == "flask_principal" or ".flask_principal." in instance) and method == "require":  # or vendored
            out.status = AuthStatus.REQUIRED
            out.evidence.append(Evidence("decorator", qualified, AuthStatus.REQUIRED, "flask_principal", loc))
            out.authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, "Permission.require", loc))
        return out

    @staticmethod
    def _allows(call: Expr | None, qualified: str, loc: Location, out: Judgement) -> Judgement:
        """flask-allows: the requirements decide who may call, anonymous callers (a guest
        identity) included, so authentication is unknown; it is a permission check."""
        detail = call.render(60) if call is not None else qualified
        out.status = AuthStatus.UNKNOWN
        out.evidence.append(Evidence("decorator", qualified, AuthStatus.UNKNOWN,
                                     f"flask_allows requirements decide who may call: {detail}", loc))
        out.authz.append(Evidence("permission", qualified, AuthStatus.REQUIRED, detail, loc))
        return out

    def _project_decorator(self, symbol: Symbol, loc: Location, depth: int) -> Judgement:
        cached = self._decorators.get(symbol.qualname)
        if cached is not None:
            return cached
        self._decorators[symbol.qualname] = Judgement()  # breaks cycles
        func = symbol.func
        assert func is not None
        mod = symbol.module
        where = Location(mod.path, func.line)
        inner = Judgement()
        funcs = [func] + [s.func for s in walk_stmts(func.body, into_defs=True) if s.func is not None]
        local = local_imports(func)
        wrapped = wrapped_names(funcs)
        roles: list[RoleCheck] = []
        reason = ""
        for fn in funcs:
            for dec in fn.decorators:  # `@wraps(f) @login_required def inner(...)`
                inner.merge(self.decorator(mod, dec.expr, where, depth + 1, local))
            for call in calls_in(fn):
                inner.merge(self._applied(mod, call, wrapped, where, depth, local))
                role = self._role_argument(mod, call, local)
                if role is not None:
                    roles.append(role)
            for stmt in fn.body if fn is func else ():
                if stmt.kind == "return" and stmt.value is not None and stmt.value.kind == "call" \
                        and stmt.value.func.kind in ("name", "attr"):
                    # `def has_access_view(v): return _guard(lambda: ...)`: the factory it delegates to
                    inner.merge(self.decorator(mod, stmt.value, where, depth + 1, local))
            status = self.body_status(mod, fn, depth + 1, local)
            if status is AuthStatus.UNKNOWN:
                reason = reason or self.opaque_reason(mod, fn)
            if status is None and fn is not func and (self._rejects_by_default(mod, fn, wrapped)
                                                      or self._httpauth_check(mod, fn)):
                status = AuthStatus.REQUIRED
            gate = permission_gate(fn, wrapped)
            if gate is not None:
                status = AuthStatus.REQUIRED
                roles.append(gate)
            if status is not None:
                inner.status = strongest([s for s in (inner.status, status) if s is not None])
            check = body_checks_role(fn) or (self._role_gate(mod, fn, wrapped) if fn is not func else None)
            if check is not None:
                roles.append(check)
        out = Judgement(rate_limit=list(inner.rate_limit))
        if inner.status is not None:
            based_on = ", ".join(dict.fromkeys(e.name for e in inner.evidence))
            if inner.status is AuthStatus.UNKNOWN and reason:
                detail = reason
            elif inner.status is AuthStatus.UNKNOWN and based_on:
                detail = f"hands the view to {based_on}, which apilint cannot read"
            elif based_on:
                detail = f"wraps {based_on}"
            else:
                detail = "checks credentials and rejects without them"
            out.status = inner.status
            out.evidence.append(Evidence("decorator", symbol.qualname, inner.status, detail, where))
            out.authz += inner.authz
            out.authz += [Evidence("role", symbol.qualname, AuthStatus.REQUIRED, r.text, where, r.roles)
                          for r in roles[:1]]
        elif roles:
            out.authz.append(Evidence("role", symbol.qualname, AuthStatus.REQUIRED, roles[0].text, where,
                                      roles[0].roles))
        self._decorators[symbol.qualname] = out
        return out

    def _httpauth_check(self, mod: ModuleSummary, fn: FunctionDef) -> bool:
        """A wrapper that runs a Flask-HTTPAuth object's check by hand: `user = auth.authenticate(
        auth.get_auth(), ...)`, answering with `auth.auth_error_callback(401)` when it fails."""
        called = {call.func.text for call in calls_in(fn) if call.func.kind == "attr"
                  and call.func.text in ("authenticate", "auth_error_callback")
                  and (self._instance_of(mod, call.func.args[0]) or "").rsplit(".", 1)[-1] in HTTPAUTH_CLASSES}
        return called == {"authenticate", "auth_error_callback"}

    def _role_gate(self, mod: ModuleSummary, fn: FunctionDef, wrapped: frozenset[str]) -> RoleCheck | None:
        """`if current_user.role_edit() or current_user.is_admin: return f(...)` then `abort(403)`: the
        wrapper lets only a role through (the test, for the evidence)."""
        if not fn.body or not is_rejection(fn.body[-1], self.index, mod, fn):
            return None
        for stmt in fn.body[:-1]:
            if stmt.kind != "if" or stmt.value is None:
                continue
            words = " ".join(e.text.lower() for e in stmt.value.walk() if e.kind in ("name", "attr"))
            calls_view = any(call.func.kind == "name" and call.func.text in wrapped
                             for inner in walk_stmts(stmt.body) for expr in inner.own_exprs() for call in expr.calls())
            if calls_view and any(w in words for w in ROLE_WORDS):
                return role_check(stmt.value)
        return None

    def _rejects_by_default(self, mod: ModuleSummary, fn: FunctionDef, wrapped: frozenset[str]) -> bool:
        """A decorator's wrapper that reads a credential, calls the view only under an `if`, and
        ends by turning the request away (`if user is not None: return f(...)`, then `abort(401)`)."""
        if not fn.body or not is_rejection(fn.body[-1], self.index, mod, fn) \
                or not reads_credential(self.index, mod, fn):
            return False
        for stmt in walk_stmts(fn.body):
            if stmt.kind != "if":
                continue
            for inner in walk_stmts(stmt.body):
                for expr in inner.own_exprs():
                    if any(call.func.kind == "name" and call.func.text in wrapped for call in expr.calls()):
                        return True
        return False

    def _applied(self, mod: ModuleSummary, call: Expr, wrapped: frozenset[str], where: Location, depth: int,
                 local: dict[str, str]) -> Judgement:
        """A decorator a wrapper applies by calling it: `return login_required(f)`,
        `jwt_required()(fn)(*args)`, `other_guard(view)`, `backend.requires_authentication(f)`."""
        head = call.func if call.func.kind != "call" else call.func.func
        name = self.qualify(mod, head, local) or ""
        if name.split(".")[0] in AUTH_LIBS and name.rsplit(".", 1)[-1] in LIB_DECORATORS:
            return self.decorator(mod, call.func if call.func.kind == "call" else head, where, depth + 1, local)
        first = call.positional[0] if call.positional else None
        if first is None or first.kind != "name" or first.text not in wrapped or name in NOT_AUTH:
            return Judgement()
        return self.decorator(mod, call.func, where, depth + 1, local)


def _configured(qualified: str, names: tuple[str, ...]) -> bool:
    short = qualified.rsplit(".", 1)[-1]
    return any(n in (qualified, short) for n in names)


__all__ = ["FlaskAuth", "Judgement", "strongest"]
