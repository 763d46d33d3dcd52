"""What Flask view and wrapper bodies check: whether a body authenticates the request itself (a
library check, a project helper, a credential read then a rejection, a redirect of anonymous
users), which role or permission checks it makes, and which access checks it makes on the object
a path parameter names. `FlaskAuth` (decorators) builds on it."""

from __future__ import annotations

from apilint.body_auth import body_auth, body_checks_role, is_rejection
from apilint.frameworks.flask_patterns import (
    CHECK_CALL,
    OBJECT_CHECK,
    OPAQUE_AUTH,
    PERMISSION_CALL,
    PRIVILEGED,
    ROLE_KEYWORD,
    calls_in,
    dispatched_action,
    local_imports,
    redirects_anonymous,
    restricts,
    swallowed_calls,
)
from apilint.model import AuthStatus
from apilint.project import ProjectIndex, Symbol
from apilint.role_names import RoleCheck, admitted_roles, role_check
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

KNOWN_CALLS: dict[str, AuthStatus] = {
    "flask_jwt_extended.verify_jwt_in_request": AuthStatus.REQUIRED,
    "flask_jwt_extended.verify_fresh_jwt_in_request": AuthStatus.REQUIRED,
    "flask_jwt_extended.verify_jwt_refresh_token_in_request": AuthStatus.REQUIRED,
    "flask_jwt_extended.verify_jwt_in_request_optional": AuthStatus.OPTIONAL,
}
ALLOWS_LIBS = frozenset({"flask_allows", "flask_allows2"})
"""flask-allows and its maintained fork flask-allows2 (the same API)."""
ALLOWS_PERMISSIONS = frozenset(f"{lib}.{name}" for lib in ALLOWS_LIBS
                               for name in ("Permission", "permission.Permission"))
"""flask-allows' `Permission(*requirements)`: true when the caller meets requirements (given the object)."""
def strongest(statuses: list[AuthStatus]) -> AuthStatus | None:
    """REQUIRED over OPTIONAL over UNKNOWN over NONE; None when there is nothing."""
    for status in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN, AuthStatus.NONE):
        if status in statuses:
            return status
    return None


class FlaskBodies:
    """Reads Flask bodies for one project, with caches (`FlaskAuth` sets them up)."""

    index: ProjectIndex
    _bodies: dict[str, AuthStatus | None]
    _reasons: dict[str, str]
    _locals: dict[str, dict[str, str]]

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

    def _own_method(self, mod: ModuleSummary, func: FunctionDef, name: str) -> Symbol | None:
        """The method `name` of the class `func` is defined in (or of a project base class)."""
        owner_name, _, _ = func.qualname.rpartition(".")
        if not owner_name or "<locals>" in owner_name:
            return None
        return self.index.find_method(self.index.lookup(f"{mod.module}.{owner_name}"), name, besides=func)

    def _instance_of(self, mod: ModuleSummary, expr: Expr) -> str | None:
        """Qualified class of a module-level instance (`auth = HTTPBasicAuth()`), if any."""
        if expr.kind not in ("name", "attr"):
            return None
        symbol = self.index.resolve(mod, expr)
        value, where = (symbol.value, symbol.module) if symbol is not None else (None, mod)
        if symbol is None and expr.kind == "attr":  # `Permissions.STATUS`: a class attribute
            owner = self.index.resolve(mod, expr.args[0])
            if owner is not None and owner.cls is not None:
                value, where = owner.cls.attribute(expr.text), owner.module
        if value is None or value.kind != "call":
            return None
        qualified = self.index.qualify_expr(where, value.func)
        # A project subclass of a library class (`STATUS = AppPermission(RoleNeed("status"))`, where
        # `class AppPermission(flask_principal.Permission)`): the library class it extends.
        for _ in range(4):
            cls = self.index.lookup(qualified) if qualified is not None else None
            bases = [b for b in self.index.base_names(cls) if b != "object"] if cls is not None and cls.cls else []
            if not bases:
                break
            qualified = bases[0]
        return qualified

    def _principal_require(self, mod: ModuleSummary, expr: Expr) -> bool:
        """`perm.require(403)` on a flask_principal `Permission` (a project subclass or a vendored copy)."""
        return self._principal_call(mod, expr, "require")

    def _nested_require(self, mod: ModuleSummary, stmt: Stmt) -> bool:
        """A `with perm.require(403):` inside a branch of the statement (`if command == "select":`)."""
        return any(inner is not stmt and inner.kind == "with" and
                   any(self._principal_require(mod, item) for item in inner.exprs)
                   for inner in walk_stmts((stmt,)))

    def _principal_call(self, mod: ModuleSummary, expr: Expr, method: str) -> bool:
        """`perm.<method>(...)` on a flask_principal `Permission` (a project subclass or a vendored copy)."""
        if expr.kind != "call" or expr.func.kind != "attr" or expr.func.text != method:
            return False
        instance = self._instance_of(mod, expr.func.args[0]) or ""
        return instance.startswith("flask_principal.") or ".flask_principal." in instance

    def _principal_gate(self, mod: ModuleSummary, func: FunctionDef, stmt: Stmt) -> AuthStatus | None:
        """`if not perm.can(): abort(403)` on a flask_principal `Permission` (an anonymous caller holds
        none): REQUIRED; the same test and-ed with other conditions (`if not first_run and not
        perm.can(): abort(403)`) checks only sometimes: UNKNOWN. None for anything else."""
        if stmt.kind != "if" or stmt.value is None or \
                not any(is_rejection(inner, self.index, mod, func) for inner in stmt.body):
            return None
        test = stmt.value
        parts = test.args if test.kind == "boolop" and test.text == "and" else (test,)
        if not any(part.kind == "unary" and part.text == "not" and part.args and
                   self._principal_call(mod, part.args[0], "can") for part in parts):
            return None
        return AuthStatus.REQUIRED if len(parts) == 1 else AuthStatus.UNKNOWN

    def _role_argument(self, mod: ModuleSummary, call: Expr, local: dict[str, str]) -> RoleCheck | None:
        """`check_token(required_role=["admin"])`, `require(roles=ADMIN)`, `is_authorized_dag(...)`:
        a call in a wrapper that names the role or permission the caller must hold."""
        callee = call.func.last_name
        if PERMISSION_CALL.match(callee):
            return RoleCheck(f"{call.func.render(40)}(...)")  # it names a permission, not a role
        for kw in call.keywords if CHECK_CALL.match(callee) else ():
            if kw.name is not None and ROLE_KEYWORD.match(kw.name) and restricts(kw.value):
                qualified = self.qualify(mod, call.func, local) or call.func.render(40)
                return RoleCheck(f"{qualified}({kw.name}={kw.value.render(30)})", admitted_roles(kw.value))
        if CHECK_CALL.match(callee) and any(a.kind == "str" and PRIVILEGED.match(a.text) for a in call.positional):
            return role_check(call)  # check_access("sysadmin", context), require_role("admin")
        return None

    def body_roles(self, mod: ModuleSummary, func: FunctionDef, depth: int = 0,
                   handler: bool = False) -> list[RoleCheck]:
        """Role or permission checks the function's body makes: a compared role field that
        rejects, or a call that names the role the caller must hold, itself or in a project
        helper it calls (`_check_admin_auth()` doing `check_access("sysadmin", ctx)`). In a
        `handler`, a bare permission query (`has_permission(...)`) may only shape the response,
        so it does not count."""
        local = local_imports(func)
        roles: list[RoleCheck] = []
        for call in calls_in(func):
            role = self._role_argument(mod, call, local)
            if role is not None and not (handler and call.func.kind in ("name", "attr")
                                         and PERMISSION_CALL.match(call.func.text)):
                roles.append(role)
            elif role is None and depth < 2 and call.func.kind in ("name", "attr") and not call.positional:
                helper = self._own_method(mod, func, call.func.text) if call.func.dotted == f"self.{call.func.text}" \
                    else self.index.lookup(self.qualify(mod, call.func, local) or "")
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
        for call in calls_in(func):
            name = call.func.last_name
            passed = call.arguments
            if not any(set(arg.names()) & derived for arg in passed):
                continue
            if OBJECT_CHECK.match(name) or self.qualify(mod, call.func) in ALLOWS_PERMISSIONS:
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

    def _call_status(self, mod: ModuleSummary, func: FunctionDef, call: Expr, local: dict[str, str],
                     depth: int) -> AuthStatus | None:
        """What a call to a known check or a project helper does to the request, if anything."""
        callee = self.qualify(mod, call.func, local)
        if callee is None:
            return None
        if callee in KNOWN_CALLS:
            return KNOWN_CALLS[callee]
        helper = self.index.lookup(callee) if depth < 3 else None
        if helper is None or helper.func is None or helper.func is func:
            return None
        return self.body_status(helper.module, helper.func, depth + 1)

    def opaque_reason(self, mod: ModuleSummary, func: FunctionDef) -> str:
        """Why `body_status` of this function was UNKNOWN (empty when it was not)."""
        return self._reasons.get(f"{mod.path}::{func.qualname}::{func.line}::{len(func.body)}", "")

    def _body_status(self, mod: ModuleSummary, func: FunctionDef, depth: int, key: str,
                     local: dict[str, str] | None) -> AuthStatus | None:
        known: dict[str, AuthStatus] = {}
        opaque = ""
        local = {**(local or {}), **local_imports(func)}
        tolerated = swallowed_calls(func)
        answered = False  # a return before the permission test answers some callers without it
        from_request = {p.name for p in func.params if p.name not in ("self", "cls")}  # what the request holds
        for stmt in func.body:  # `with Permissions.PRINT.require(403):` around the handler's work
            if stmt.kind == "with" and any(self._principal_require(mod, item) for item in stmt.exprs):
                if not answered:
                    known["with require"] = AuthStatus.REQUIRED
            elif self._nested_require(mod, stmt):
                opaque = opaque or ("checks a permission (`with ....require(...)`) only in some branches: "
                                    "which requests reach the work without it is not read")
            permission = None if answered else self._principal_gate(mod, func, stmt)
            answered = answered or _answers_early(stmt, from_request)
            if stmt.kind in ("assign", "annassign") and stmt.value is not None and _reads_request(stmt.value,
                                                                                                   from_request):
                from_request.update(n.text for t in stmt.targets for n in t.walk() if n.kind == "name")
            if permission is AuthStatus.REQUIRED:
                known["if not can"] = AuthStatus.REQUIRED
            elif permission is AuthStatus.UNKNOWN and stmt.value is not None:
                opaque = opaque or f"checks a permission only when `{stmt.value.render(60)}` (a run-time state)"
        for call in calls_in(func):
            dispatched = dispatched_action(call)
            if dispatched is not None:
                opaque = opaque or f"delegates to {dispatched}, dispatched by name; its access check cannot be read"
                continue
            if id(call) in tolerated:
                # `try: verify_auth_token(token) except Exception: log(...)`: checked when given
                status = self._call_status(mod, func, call, local, depth)
                if status is AuthStatus.REQUIRED:
                    known[f"{id(call)}"] = AuthStatus.OPTIONAL
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
            if OPAQUE_AUTH.match(callee.rsplit(".", 1)[-1]):
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
        gate = redirects_anonymous(func)
        if gate == "":
            return AuthStatus.REQUIRED
        if gate is not None:
            self._reasons[key] = f"turns anonymous callers away only when `{gate}` (a run-time setting)"
            return AuthStatus.UNKNOWN
        if opaque:
            self._reasons[key] = opaque
            return AuthStatus.UNKNOWN
        return None


def _answers_early(stmt: Stmt, from_request: set[str]) -> bool:
    """A statement that returns to some callers before the permission test: `if first_run: return
    ...` (a run-time state). Not a return guarded by what the request holds (`if name not in
    PRINTERS: return ..., 404`; `if response is not None: return response` after parsing the
    request's command), nor one that answers with an error status: those answer a bad request
    with its error, not a caller with the work."""
    returns = [inner for inner in walk_stmts((stmt,)) if inner.kind == "return"]
    if not returns or all(_error_status(r.value) for r in returns):
        return False
    return not (stmt.kind == "if" and stmt.value is not None and _reads_request(stmt.value, from_request))


def _error_status(value: Expr | None) -> bool:
    """`return jsonify(...), 404`: a response with a 4xx or 5xx status."""
    if value is None or value.kind != "tuple" or len(value.args) < 2:
        return False
    status = value.args[1]
    return status.kind == "num" and status.text[:1] in ("4", "5") and len(status.text) == 3


def _reads_request(expr: Expr, from_request: set[str]) -> bool:
    return any(e.kind == "name" and (e.text == "request" or e.text in from_request) for e in expr.walk())
