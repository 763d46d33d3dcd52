"""Flask authentication evidence: decorators (library and project-defined) and wrapper bodies.

Library decorators are recognized by their qualified names (flask_login, flask_jwt_extended,
Flask-HTTPAuth instances, Flask-Security, flask_praetorian, Flask-User, authlib, flask_oidc).
Project decorators are recognized by what their wrapper does, never by their name: it calls
a library check (`verify_jwt_in_request`, `login_required(f)`), or reads a credential and
rejects the request without it (`body_auth`), or sends anonymous users to the login page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apilint.config import Config
from apilint.frameworks.common import body_auth, body_checks_role, is_rejection
from apilint.model import AuthStatus, Evidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

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
KNOWN_CALLS: dict[str, AuthStatus] = {
    "flask_jwt_extended.verify_jwt_in_request": AuthStatus.REQUIRED,
    "flask_jwt_extended.verify_fresh_jwt_in_request": AuthStatus.REQUIRED,
    "flask_jwt_extended.verify_jwt_refresh_token_in_request": AuthStatus.REQUIRED,
    "flask_jwt_extended.verify_jwt_in_request_optional": AuthStatus.OPTIONAL,
}
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


def strongest(statuses: list[AuthStatus]) -> AuthStatus | None:
    """REQUIRED over OPTIONAL over UNKNOWN over NONE; None when there is nothing."""
    for status in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN, AuthStatus.NONE):
        if status in statuses:
            return status
    return None


class FlaskAuth:
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
                roles = call.render(60) if call is not None else qualified
                out.authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, roles, loc))
            return out
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

    def _instance_of(self, mod: ModuleSummary, expr: Expr) -> str | None:
        """Qualified class of a module-level instance (`auth = HTTPBasicAuth()`), if any."""
        if expr.kind not in ("name", "attr"):
            return None
        symbol = self.index.resolve(mod, expr)
        if symbol is None or symbol.value is None or symbol.value.kind != "call":
            return None
        return self.index.qualify_expr(symbol.module, symbol.value.func)

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
                out.authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, f"role={role.render(40)}", loc))
        elif top == "flask_limiter" and method in ("limit", "shared_limit"):
            detail = call.render(60) if call is not None else qualified
            out.rate_limit.append(Evidence("rate_limit", qualified, AuthStatus.REQUIRED, detail, loc))
        elif top == "flask_oidc" and method in ("require_login", "accept_token"):
            out.status = AuthStatus.REQUIRED
            out.evidence.append(Evidence("decorator", qualified, AuthStatus.REQUIRED, "flask_oidc", loc))
        elif top == "flask_principal" and method == "require":
            out.status = AuthStatus.REQUIRED
            out.evidence.append(Evidence("decorator", qualified, AuthStatus.REQUIRED, "flask_principal", loc))
            out.authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, "Permission.require", loc))
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
        wrapped = _wrapped_names(funcs)
        roles: list[str] = []
        for fn in funcs:
            for dec in fn.decorators:  # `@wraps(f) @login_required def inner(...)`
                inner.merge(self.decorator(mod, dec.expr, where, depth + 1, local))
            for call in _calls(fn):
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
            gate = _permission_gate(fn, wrapped)
            if gate is not None:
                status = AuthStatus.REQUIRED
                roles.append(gate)
            if status is not None:
                inner.status = strongest([s for s in (inner.status, status) if s is not None])
            check = body_checks_role(fn)
            if check is not None:
                roles.append(check)
        out = Judgement(rate_limit=list(inner.rate_limit))
        if inner.status is not None:
            based_on = ", ".join(dict.fromkeys(e.name for e in inner.evidence))
            if inner.status is AuthStatus.UNKNOWN and based_on:
                detail = f"hands the view to {based_on}, which apilint cannot read"
            elif based_on:
                detail = f"wraps {based_on}"
            else:
                detail = "checks credentials and rejects without them"
            out.status = inner.status
            out.evidence.append(Evidence("decorator", symbol.qualname, inner.status, detail, where))
            out.authz += inner.authz
            out.authz += [Evidence("role", symbol.qualname, AuthStatus.REQUIRED, r, where) for r in roles[:1]]
        elif roles:
            out.authz.append(Evidence("role", symbol.qualname, AuthStatus.REQUIRED, roles[0], where))
        self._decorators[symbol.qualname] = out
        return out

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

    def _role_argument(self, mod: ModuleSummary, call: Expr, local: dict[str, str]) -> str | None:
        """`check_token(required_role=["admin"])`, `require(roles=ADMIN)`, `is_authorized_dag(...)`:
        a call in a wrapper that names the role or permission the caller must hold."""
        callee = call.func.text if call.func.kind in ("name", "attr") else ""
        if _PERMISSION_CALL.match(callee):
            return f"{call.func.render(40)}(...)"
        for kw in call.keywords:
            if kw.name is not None and _ROLE_KEYWORD.match(kw.name) and _restricts(kw.value):
                qualified = self.qualify(mod, call.func, local) or call.func.render(40)
                return f"{qualified}({kw.name}={kw.value.render(30)})"
        if _CHECK_CALL.match(callee) and any(a.kind == "str" and _PRIVILEGED.match(a.text) for a in call.positional):
            return call.render(60)  # check_access("sysadmin", context), require_role("admin")
        return None

    def body_roles(self, mod: ModuleSummary, func: FunctionDef, depth: int = 0, handler: bool = False) -> list[str]:
        """Role or permission checks the function's body makes: a compared role field that
        rejects, or a call that names the role the caller must hold, itself or in a project
        helper it calls (`_check_admin_auth()` doing `check_access("sysadmin", ctx)`). In a
        `handler`, a bare permission query (`has_permission(...)`) may only shape the response,
        so it does not count."""
        local = local_imports(func)
        roles: list[str] = []
        for call in _calls(func):
            role = self._role_argument(mod, call, local)
            if role is not None and not (handler and call.func.kind in ("name", "attr")
                                         and _PERMISSION_CALL.match(call.func.text)):
                roles.append(role)
            elif role is None and depth < 2 and call.func.kind in ("name", "attr") and not call.positional:
                helper = self.index.lookup(self.qualify(mod, call.func, local) or "")
                if helper is not None and helper.func is not None and helper.func is not func:
                    roles += self.body_roles(helper.module, helper.func, depth + 1, handler)
        check = body_checks_role(func)
        return [*roles, check] if check is not None else roles

    def object_checks(self, mod: ModuleSummary, func: FunctionDef, params: frozenset[str],
                      depth: int = 0) -> list[str]:
        """Access checks on the object a path parameter names, made in the handler or in a method
        of its class it hands the parameter to: `check_access("group_update", ctx, {"id": id})`,
        `authorize(user, "edit", report_id)`."""
        if not params or depth > 2:
            return []
        derived = set(params)
        for stmt in walk_stmts(func.body):  # `data_dict = {"id": id}`
            if stmt.kind in ("assign", "annassign") and stmt.value is not None and set(stmt.value.names()) & derived:
                derived.update(t.text for t in stmt.targets if t.kind == "name")
        out: list[str] = []
        for call in _calls(func):
            name = call.func.text if call.func.kind in ("name", "attr") else ""
            passed = [*call.positional, *(kw.value for kw in call.keywords)]
            if not any(set(arg.names()) & derived for arg in passed):
                continue
            if _OBJECT_CHECK.match(name):
                out.append(call.render(60))
            elif call.func.kind == "attr" and call.func.args[0].dotted == "self":
                method = self._own_method(mod, func, name)
                if method is not None and method.func is not None:
                    given = {p.name for p in method.func.params} & {kw.name for kw in call.keywords
                                                                     if kw.name and set(kw.value.names()) & derived}
                    given |= {p.name for p, arg in zip(method.func.params[1:], call.positional, strict=False)
                              if set(arg.names()) & derived}
                    out += self.object_checks(method.module, method.func, frozenset(given), depth + 1)
        return out

    def qualify(self, mod: ModuleSummary, expr: Expr, local: dict[str, str] | None = None) -> str | None:
        """The qualified name of `expr`: through names imported inside the function (`local`),
        then the module's names, then names some function of the module imports (a decorator
        imported inside an app factory and used on the views defined there)."""
        dotted = expr.dotted if expr.kind != "call" else expr.func.dotted
        if dotted is None:
            return self.index.qualify_expr(mod, expr)
        head, _, rest = dotted.partition(".")
        tail = f".{rest}" if rest else ""
        if local and head in local:
            return local[head] + tail
        if head in self.index.import_table(mod) or head in self.index.definitions(mod):
            return self.index.qualify(mod, dotted)
        found = self._module_locals(mod).get(head)
        return found + tail if found is not None else self.index.qualify(mod, dotted)

    def _module_locals(self, mod: ModuleSummary) -> dict[str, str]:
        table = self._locals.get(mod.path)
        if table is None:
            table = {}
            if any(stmt.kind == "import" for stmt in walk_stmts(mod.body, into_defs=True)):
                for fn in mod.functions():
                    for name, target in local_imports(fn).items():
                        table.setdefault(name, target)
            self._locals[mod.path] = table
        return table

    # --- bodies ----------------------------------------------------------------------
    def body_status(self, mod: ModuleSummary, func: FunctionDef, depth: int = 0,
                    local: dict[str, str] | None = None) -> AuthStatus | None:
        """REQUIRED/OPTIONAL when the body itself authenticates the request, UNKNOWN when it hands
        the request to code apilint cannot follow (`opaque_reason` says what), else None."""
        key = f"{mod.path}::{func.qualname}::{func.line}::{len(func.body)}"
        if key in self._bodies:
            return self._bodies[key]
        self._bodies[key] = None
        status = self._body_status(mod, func, depth, key, local)
        self._bodies[key] = status
        return status

    def _own_method(self, mod: ModuleSummary, func: FunctionDef, name: str) -> Symbol | None:
        """The method `name` of the class `func` is defined in (or of a project base class)."""
        owner_name, _, _ = func.qualname.rpartition(".")
        if not owner_name or "<locals>" in owner_name:
            return None
        owner = self.index.lookup(f"{mod.module}.{owner_name}")
        if owner is None or owner.cls is None:
            return None
        for qualname in (owner.qualname, *self.index.base_names(owner)):
            found = self.index.lookup(f"{qualname}.{name}")
            if found is not None and found.func is not None and found.func is not func:
                return found
        return None

    def opaque_reason(self, mod: ModuleSummary, func: FunctionDef) -> str:
        """Why `body_status` of this function was UNKNOWN (empty when it was not)."""
        return self._reasons.get(f"{mod.path}::{func.qualname}::{func.line}::{len(func.body)}", "")

    def _body_status(self, mod: ModuleSummary, func: FunctionDef, depth: int, key: str,
                     local: dict[str, str] | None) -> AuthStatus | None:
        known: dict[str, AuthStatus] = {}
        opaque = ""
        local = {**(local or {}), **local_imports(func)}
        for call in _calls(func):
            dispatched = _dispatched_action(call)
            if dispatched is not None:
                opaque = opaque or f"delegates to {dispatched}, dispatched by name; its access check cannot be read"
                continue
            if call.positional and call.positional[0].dotted == "self":
                continue  # `Base._check_access(self)`: a class's own method, read with its class
            callee = self.qualify(mod, call.func, local)
            if callee is None:
                continue
            if callee.startswith("self.") and callee.count(".") == 1 and depth < 3:
                method = self._own_method(mod, func, callee[5:])  # `context = self._prepare()`
                if method is not None:
                    assert method.func is not None
                    status = self.body_status(method.module, method.func, depth + 1)
                    if status is AuthStatus.UNKNOWN:
                        opaque = opaque or self.opaque_reason(method.module, method.func)
                    elif status is not None:
                        known[callee] = status
                continue
            if _OPAQUE_AUTH.match(callee.rsplit(".", 1)[-1]):
                # `authenticate_request()` dispatching to a configured backend
                opaque = opaque or f"calls {callee}, an authentication helper apilint cannot follow"
            if callee in KNOWN_CALLS:
                optional = call.kwarg("optional")
                if optional is not None and optional.is_true:
                    known[callee] = AuthStatus.OPTIONAL
                else:
                    known[callee] = KNOWN_CALLS[callee]
            elif depth < 3:
                helper = self.index.lookup(callee)
                if helper is not None and helper.func is not None and helper.func is not func:
                    status = self.body_status(helper.module, helper.func, depth + 1)
                    if status is AuthStatus.UNKNOWN:
                        opaque = opaque or self.opaque_reason(helper.module, helper.func)
                    elif status is not None:
                        known[callee] = status
        if known:
            return strongest(list(known.values()))
        status = body_auth(self.index, mod, func)
        if status is not None:
            return status
        if _redirects_anonymous(func):
            return AuthStatus.REQUIRED
        if opaque:
            self._reasons[key] = opaque
            return AuthStatus.UNKNOWN
        return None


_OPAQUE_AUTH = re.compile(r"^_?(authenticate_request|authenticate_user_request|check_authentication|"
                          r"require_authentication|ensure_authenticated|verify_authentication)$")
"""Helpers that, by name, authenticate the current request: when apilint cannot read how
(a backend chosen by configuration), the request's status is unknown rather than public."""


_ROLE_KEYWORD = re.compile(r"^(required_|require_)?(roles?|permissions?|perms?|scopes?|groups?|privileges?)$")
_PERMISSION_CALL = re.compile(r"^_?(is_authorized|has_access|has_permission|has_role|check_permission|"
                              r"require_permission|has_perm)\w*$")
"""Calls in a wrapper that ask whether the caller holds a permission (`is_authorized_dag(...)`)."""
_OBJECT_CHECK = re.compile(r"^_?(check_access|check_permissions?|check_object_permissions?|authorize|"
                           r"require_permission|has_permission|has_object_permission|is_authorized\w*|"
                           r"can_(access|view|read|edit|update|delete|manage|modify|change)\w*|"
                           r"(ensure|check|require)_\w*(access|permission|owner|ownership)s?)$")
"""Calls that ask whether the caller may act on an object (given something that names it)."""
_CHECK_CALL = re.compile(r"^_?(check|require|ensure|assert|verify)_?\w*$|^_?(has|is)_role\w*$")
_PRIVILEGED = re.compile(r"^(sys_?|super_?|site_?)?admin(istrator)?s?$|^superusers?$|^staff$|^root$|^owner$",
                         re.IGNORECASE)


_EVERYONE = re.compile(r"^(user|users|member|members|viewer|guest|any|all|public|authenticated|everyone|"
                       r"reader|basic|default)$", re.IGNORECASE)


def _restricts(value: Expr) -> bool:
    """True when a role argument limits callers to some roles: `["admin"]`, `ROLE.ADMIN`, a named
    constant; not `None`, and not a list that admits ordinary users (`["user", "admin"]`)."""
    if value.is_none or (value.kind == "const" and value.text == "False"):
        return False
    words = [e.text for e in value.walk() if e.kind == "str" or (e.kind == "attr" and e.text.isupper())]
    return not any(_EVERYONE.match(word) for word in words)


def _permission_gate(func: FunctionDef, wrapped: frozenset[str]) -> str | None:
    """`if sm.has_access(perm, view): return f(*args)` followed by a redirect or 403: the wrapper
    calls the view only when a permission check passes. The check's source text, else None."""
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None:
            continue
        checks = [c for c in stmt.value.calls() if c.func.kind in ("name", "attr")
                  and _PERMISSION_CALL.match(c.func.text)]
        if checks and _calls_view(stmt.body, wrapped) and not _calls_view(stmt.orelse, wrapped):
            return checks[0].render(60)
    return None


def _calls_view(body: tuple[Stmt, ...], wrapped: frozenset[str]) -> bool:
    for stmt in walk_stmts(body):
        for expr in stmt.own_exprs():
            if any(c.func.kind == "name" and c.func.text in wrapped for c in expr.calls()):
                return True
    return False


def local_imports(func: FunctionDef) -> dict[str, str]:
    """Names imported inside a function (and the functions it defines): local name -> qualified name."""
    out: dict[str, str] = {}
    for stmt in walk_stmts(func.body, into_defs=True):
        if stmt.kind == "import":
            for target, value in zip(stmt.targets, stmt.exprs, strict=False):
                out[target.text] = value.text
    return out


def _wrapped_names(funcs: list[FunctionDef]) -> frozenset[str]:
    """Names that stand for the view inside a decorator: each function's first parameter, the
    functions it defines (`wrapper`, `inner`) and names bound to a call made with one of them
    (`checked = require_role("staff")(view)`)."""
    names = {fn.name for fn in funcs[1:]}
    for fn in funcs:
        params = [p for p in fn.params if p.kind in ("pos", "posonly") and p.name not in ("self", "cls")]
        if params:
            names.add(params[0].name)
    for fn in funcs:
        for stmt in walk_stmts(fn.body):
            if stmt.kind == "assign" and stmt.value is not None and stmt.value.kind == "call" \
                    and any(a.kind == "name" and a.text in names for a in stmt.value.positional):
                names.update(t.text for t in stmt.targets if t.kind == "name")
    return frozenset(names)


_DISPATCHERS = re.compile(r"^_?get_?(action|handler|command|operation|function)s?$")


def _dispatched_action(call: Expr) -> str | None:
    """`get_action("package_update")(context, data)`: a project action looked up by its name at
    run time (an action layer that checks access itself). The action's name, else None."""
    inner = call.func
    if inner.kind != "call" or inner.func.kind not in ("name", "attr") or not _DISPATCHERS.match(inner.func.text):
        return None
    first = inner.positional[0] if inner.positional else None
    if first is None or first.kind not in ("str", "fstr", "name", "attr"):
        return None
    return f"{inner.func.text}({first.render(40)})"


def _calls(func: FunctionDef) -> list[Expr]:
    out: list[Expr] = []
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            out += list(expr.calls())
    return out


_SESSION_USER_KEYS = frozenset({"user_id", "userid", "uid", "user", "username", "logged_in", "loggedin", "email",
                                "user_email", "account_id", "authenticated", "is_authenticated"})


def _redirects_anonymous(func: FunctionDef) -> bool:
    """`if not current_user.is_authenticated: return redirect(url_for("login"))` and kin."""
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None:
            continue
        test = {e.text for e in stmt.value.walk() if e.kind in ("attr", "name")}
        keys = {e.text.lower() for e in stmt.value.walk() if e.kind == "str"}
        session_user = "session" in test and bool(keys & _SESSION_USER_KEYS)  # `'user_id' not in session`
        if not test & {"is_authenticated", "is_anonymous", "user_id", "logged_in", "is_logged_in", "current_user"} \
                and not session_user and not missing_user(stmt.value):
            continue
        for inner in walk_stmts(stmt.body):
            if is_rejection(inner) or _is_login_redirect(inner):
                return True
    return False


_REQUEST_OWNERS = frozenset({"g", "session", "request", "_request_ctx_stack"})


def missing_user(test: Expr) -> bool:
    """`g.user is None`, `not session.user`, `request.user is None or ...`: a test that the request
    carries no logged-in user."""
    if test.kind == "boolop" and test.text == "or":
        return any(missing_user(part) for part in test.args)
    if test.kind == "unary" and test.text == "not":
        return _request_user(test.args[0])
    if test.kind == "compare" and test.text.strip() in ("is", "==") and len(test.args) == 2:
        return test.args[1].is_none and _request_user(test.args[0])
    return False


def _request_user(expr: Expr) -> bool:
    if expr.kind != "attr" or expr.text not in ("user", "current_user", "identity", "account"):
        return False
    owner = expr.args[0].dotted
    return owner is not None and owner.rsplit(".", 1)[-1] in _REQUEST_OWNERS


def _is_login_redirect(stmt: Stmt) -> bool:
    if stmt.kind not in ("return", "raise", "expr") or stmt.value is None:
        return False
    for call in stmt.value.calls():
        name = (call.func.dotted or "").rsplit(".", 1)[-1]
        if name in ("unauthorized", "unauthorized_callback") or ("login" in name and "redirect" in name):
            return True  # login_manager.unauthorized(), redirect_to_login()
        if name == "redirect":
            text = call.render(120).lower()
            if any(w in text for w in ("login", "signin", "sign_in", "auth")):
                return True
    return False


def _configured(qualified: str, names: tuple[str, ...]) -> bool:
    short = qualified.rsplit(".", 1)[-1]
    return any(n in (qualified, short) for n in names)


__all__ = ["FlaskAuth", "Judgement", "local_imports", "missing_user", "strongest"]
