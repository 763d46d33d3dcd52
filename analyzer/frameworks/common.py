"""Framework-neutral judgements adapters share: paths, and what a function's body does.

`body_auth` decides whether a project function (a dependency, a decorator's wrapper, a
`before_request` hook, a handler) authenticates the caller by what it does, not by its
name: it reads a credential (Authorization header, token, session, current user) and
rejects the request (raise/abort/return 401 or 403) when the credential is missing or bad.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator

from apilint.model import AuthStatus, Diagnostic, Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Opaque, Scope, Value, as_expr

Bindings = dict[str, tuple[ModuleSummary, Expr]]
"""Loop variables bound to the expressions of the items they stand for."""

_PARAM_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
_FLASK_PARAM_RE = re.compile(r"<(?:[A-Za-z_][A-Za-z0-9_]*(?:\([^)]*\))?:)?([A-Za-z_][A-Za-z0-9_]*)>")

CREDENTIAL_WORDS = ("authorization", "token", "jwt", "bearer", "api_key", "apikey", "x-api-key",
                    "session", "current_user", "credentials", "auth")
REJECT_STATUSES = frozenset({"401", "403"})
REJECT_CALLEES = ("HTTPException", "abort", "Unauthorized", "Forbidden", "PermissionDenied",
                  "NotAuthenticated", "AuthenticationFailed", "HTTPUnauthorized", "HTTPForbidden",
                  "WebSocketException", "PermissionError", "AuthError", "AuthenticationError")
ROLE_WORDS = ("is_admin", "is_superuser", "is_staff", "role", "roles", "scopes", "permission",
              "permissions", "has_perm", "admin", "superuser", "groups")


def normalize_path(path: str) -> tuple[str, tuple[str, ...]]:
    """Normalize `{id:int}` / `<int:id>` parameters to `{id}`; return the params too."""
    path = _FLASK_PARAM_RE.sub(lambda m: "{" + m.group(1) + "}", path)
    params = tuple(_PARAM_RE.findall(path))
    path = _PARAM_RE.sub(lambda m: "{" + m.group(1) + "}", path)
    return path, params


def join_paths(*parts: str) -> str:
    """Join URL prefixes the way routers do: no doubled or missing slashes."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out.endswith("/") and part.startswith("/"):
            out += part[1:]
        elif out and not out.endswith("/") and not part.startswith("/"):
            out += "/" + part
        else:
            out += part
    if not out.startswith("/"):
        out = "/" + out
    return out


def join_conditions(outer: str, inner: str) -> str:
    """Conditions of nested mounts, outermost first."""
    if not outer:
        return inner
    if not inner or inner == outer:
        return outer
    return f"{outer}; {inner}"


def calls_with_loops(index: ProjectIndex, mod: ModuleSummary, body: tuple[Stmt, ...],
                     scope: Scope | None = None) -> Iterator[tuple[Expr, int, Bindings, Scope | None]]:
    """Every call in the statements of `body` (not entering defs), with `for` loops over a known
    collection unrolled: each call of a loop body comes once per item, with the loop variables
    bound (in the evaluator scope, and as the item's expression)."""
    yield from _calls_in(index, mod, body, scope, {})


def _calls_in(index: ProjectIndex, mod: ModuleSummary, body: tuple[Stmt, ...], scope: Scope | None,
              bindings: Bindings) -> Iterator[tuple[Expr, int, Bindings, Scope | None]]:
    for stmt in body:
        if stmt.func is not None or stmt.cls is not None:
            continue
        for expr in stmt.own_exprs():
            for call in expr.calls():
                yield call, stmt.line, bindings, scope
        if stmt.kind == "for" and stmt.value is not None and stmt.targets:
            value = index.values.value(mod, stmt.value, scope).first
            items = list(value) if isinstance(value, list | tuple | dict) else None
            if items is not None and len(items) <= 200:
                for item in items:
                    bound: dict[str, Value] = {}
                    names = dict(bindings)
                    _bind_loop(mod, stmt.targets[0], item, bound, names)
                    inner = scope.child(bound) if scope is not None else Scope(mod, None, bound)
                    yield from _calls_in(index, mod, stmt.body, inner, names)
                yield from _calls_in(index, mod, stmt.orelse, scope, bindings)
                continue
        yield from _calls_in(index, mod, tuple(stmt.children()), scope, bindings)


def unreadable_loop(mod: ModuleSummary, stmt: Stmt, value: object,
                    registrations: Container[str]) -> Diagnostic | None:
    """ROUTE002 for a `for` loop over something apilint cannot read whose body registers routes
    (mlflow's `for path, handler, methods in get_endpoints(): app.add_url_rule(...)`): those routes
    exist but cannot be listed, and the user should hear so."""
    if not isinstance(value, Opaque) or stmt.value is None:
        return None
    for inner in walk_stmts(stmt.body):
        for expr in inner.own_exprs():
            if any(c.func.kind == "attr" and c.func.text in registrations for c in expr.calls()):
                return Diagnostic("ROUTE002", f"routes registered in a loop over `{stmt.value.render(50)}` cannot be "
                                  f"listed ({value.reason}); they are missing from the route map",
                                  Location(mod.path, stmt.line))
    return None


def _bind_loop(mod: ModuleSummary, target: Expr, item: object, bound: dict[str, Value], names: Bindings) -> None:
    if target.kind == "name":
        bound[target.text] = Value((item,))
        found = as_expr(mod, item) if not isinstance(item, str) else None
        if found is not None:
            names[target.text] = found
    elif target.kind in ("tuple", "list") and isinstance(item, list | tuple) and len(item) == len(target.args):
        for sub, part in zip(target.args, item, strict=True):
            _bind_loop(mod, sub, part, bound, names)


def _mentions_credential(expr: Expr, index: ProjectIndex | None = None, mod: ModuleSummary | None = None) -> bool:
    for sub in expr.walk():
        text = sub.text.lower() if sub.kind in ("name", "attr", "str") else ""
        if sub.kind == "str" and " " in text.strip():
            continue  # a message ("You are not authorized"), not a header or key name
        if text and any(word in text for word in CREDENTIAL_WORDS):
            if "session" in text and not _login_session(sub, text, index, mod):
                continue
            return True
    return False


_DB_SESSION = re.compile(r"^session$|session_?(context|maker|local|scope|factory)|(db|async|sql|orm)_?session|"
                         r"get_session|sessions?$")


def _login_session(sub: Expr, text: str, index: ProjectIndex | None, mod: ModuleSummary | None) -> bool:
    """`session` words that hold a login, not a database session: `request.session`, Flask's
    `session`, `session_id`, `sessionid`, `session_token`."""
    if not _DB_SESSION.search(text):
        return True
    if text != "session":
        return False
    if sub.kind == "attr":
        return (sub.args[0].dotted or "").rsplit(".", 1)[-1] == "request"
    if sub.kind == "name" and index is not None and mod is not None:
        return (index.qualify(mod, "session") or "").startswith(("flask.", "quart.", "flask_session."))
    return sub.kind == "str"


def is_rejection(stmt: Stmt) -> bool:
    """True for `raise HTTPException(401)`, `abort(403)`, `return ..., 401`, `raise PermissionDenied`."""
    exprs: list[Expr] = []
    value = stmt.value
    if value is not None and (stmt.kind in ("raise", "return") or (stmt.kind == "expr" and value.kind == "call")):
        exprs.append(value)
    for expr in exprs:
        for sub in expr.walk():
            if sub.kind == "num" and sub.text in REJECT_STATUSES:
                return True
            if sub.kind == "attr" and ("401" in sub.text or "403" in sub.text or "UNAUTHORIZED" in sub.text
                                       or "FORBIDDEN" in sub.text):
                return True
            if sub.kind == "call":
                callee = (sub.func.dotted or "").rsplit(".", 1)[-1]
                if stmt.kind == "raise" and any(callee == c for c in REJECT_CALLEES):
                    if callee in ("HTTPException", "WebSocketException", "abort"):
                        continue  # needs a 401/403 status, checked through the numbers above
                    return True
                if callee in ("abort",) and sub.positional and sub.positional[0].text in REJECT_STATUSES:
                    return True
            if stmt.kind == "raise" and sub.kind in ("name", "attr") and sub.text in REJECT_CALLEES[2:]:
                return True
    return False


def guarded_rejections(body: tuple[Stmt, ...]) -> Iterator[tuple[Stmt, Stmt]]:
    """(if-statement or try, rejection) pairs: rejections under a condition or except clause."""
    for stmt in walk_stmts(body):
        if stmt.kind in ("if", "try", "while"):
            for inner in walk_stmts(stmt.body + stmt.orelse + stmt.handlers):
                if is_rejection(inner):
                    yield stmt, inner
                    break


_CREDENTIAL_WORDS = ("token", "credentials", "api_key", "apikey")
"""Parameter names that carry a credential."""


def body_auth(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef,
              known: dict[str, AuthStatus] | None = None, depth: int = 0) -> AuthStatus | None:
    """REQUIRED when the function reads a credential and rejects the request without it.

    `known` maps qualified function names already judged (auth dependencies, decorators) to
    their status: calling one of them counts as authenticating.
    """
    if depth > 3:
        return None
    credentials = {p.name for p in func.params if any(w in p.name.lower() for w in _CREDENTIAL_WORDS)}
    reads_credential = bool(credentials)
    for stmt in walk_stmts(func.body, into_defs=False):
        for expr in stmt.own_exprs():
            if _mentions_credential(expr, index, mod):
                reads_credential = True
            if known:
                for call in expr.calls():
                    callee = index.qualify_expr(mod, call.func)
                    if callee is not None and callee in known:
                        return known[callee]
            for call in expr.calls():
                callee = (call.func.dotted or "").lower()
                if callee.endswith(("jwt.decode", "decode_token", "verify_token", "verify_jwt",
                                    "decode_access_token", "verify_id_token", "check_password_hash")):
                    reads_credential = True
    if not reads_credential or issues_credentials(func):
        return None
    for _guard, _reject in guarded_rejections(func.body):
        return AuthStatus.REQUIRED
    if credentials and _delegates_the_check(index, mod, func, credentials, known, depth):
        return AuthStatus.REQUIRED
    # A credential decoder that raises on failure (jwt.decode) with no except: still required
    for stmt in _outside_swallowing_try(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if (call.func.dotted or "").endswith("jwt.decode"):
                    return AuthStatus.REQUIRED
    return None


def _delegates_the_check(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef, credentials: set[str],
                         known: dict[str, AuthStatus] | None, depth: int) -> bool:
    """True when the function hands one of its `credentials` parameters to a project function
    that rejects without it (`return await authenticate(request, api_key=api_key)`)."""
    for stmt in _outside_swallowing_try(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                passed = [*call.positional, *(kw.value for kw in call.keywords)]
                if not any(arg.kind == "name" and arg.text in credentials for arg in passed):
                    continue
                symbol = index.resolve(mod, call.func)
                if symbol is None or symbol.func is None or symbol.func is func:
                    continue
                if body_auth(index, symbol.module, symbol.func, known, depth + 1) is AuthStatus.REQUIRED:
                    return True
    return False


_ISSUING_CALLS = ("create_access_token", "create_refresh_token", "create_token", "generate_token", "issue_token",
                  "jwt.encode", "encode_token", "login_user", "auth.login", "django.contrib.auth.login",
                  "token_urlsafe", "set_access_cookies", "make_token")


def issues_credentials(func: FunctionDef) -> bool:
    """True for login/token endpoints: they check a password and hand out a token or session.

    Such a function rejects bad credentials with 401, but it is where callers become
    authenticated, not a check that they already are.
    """
    for stmt in walk_stmts(func.body, into_defs=False):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                callee = (call.func.dotted or "").lower()
                if callee.endswith(_ISSUING_CALLS) or callee in ("login", "encode"):
                    return True
    return False


def _outside_swallowing_try(body: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """Statements of `body`, skipping `try` blocks whose except clauses do not reject (optional auth)."""
    for stmt in body:
        yield stmt
        if stmt.kind == "try" and stmt.handlers and not any(
                inner.kind == "raise" or is_rejection(inner) for inner in walk_stmts(stmt.handlers)):
            yield from _outside_swallowing_try(stmt.orelse + stmt.finalbody)
            continue
        if stmt.func is None and stmt.cls is None:
            yield from _outside_swallowing_try(tuple(stmt.children()))


_BODY_SCHEMA = re.compile(r"(Create|Update|In|Input|Request|Payload|Body|Patch|Form|Data)$")


def request_body_params(func: FunctionDef) -> set[str]:
    """Parameters typed with a request-body schema by its name (`user: UserRoleUpdate`,
    `payload: ItemCreate`): client data, never the caller."""
    out: set[str] = set()
    for param in func.params:
        ann = param.annotation
        text = (ann.render(80) if ann is not None else "") + (param.default.render(80) if param.default else "")
        if ann is not None and ann.dotted and _BODY_SCHEMA.search(ann.dotted) and "Depends" not in text \
                and "Security" not in text:
            out.add(param.name)
    return out


def body_checks_role(func: FunctionDef) -> str | None:
    """A short description when the body compares a role/admin/permission field and rejects.

    A test of the request body's own role field (`if body.role == "chef": raise 401`, where
    `body` is a parameter filled from the request) limits what may be asked, not who asks.
    """
    client = request_body_params(func)
    for guard, _reject in guarded_rejections(func.body):
        if guard.value is None:
            continue
        matched = client_only = False
        for sub in guard.value.walk():
            text = sub.text.lower() if sub.kind in ("name", "attr", "str") else ""
            if not text or not any(word == text or word in text for word in ROLE_WORDS):
                continue
            root = sub.dotted.split(".", 1)[0] if sub.kind == "attr" and sub.dotted else None
            if root is not None and root in client:
                client_only = True
            elif sub.kind != "attr" or not sub.text[:1].isupper():  # `UserRole.CHEF` is the compared value
                matched = True
        if matched and not client_only:
            return guard.value.render(60)
    return None


def factory_aliases(index: ProjectIndex, mod: ModuleSummary, known: Container[str]) -> dict[str, str]:
    """`app = create_app()` at module level, where the factory builds and returns an object
    whose key (`module.factory.<locals>.name`) is in `known`: module-level name -> that key."""
    aliases: dict[str, str] = {}
    for stmt in walk_stmts(mod.body):
        if stmt.kind != "assign" or stmt.value is None or stmt.value.kind != "call":
            continue
        symbol = index.resolve(mod, stmt.value.func)
        if symbol is None or symbol.func is None:
            continue
        for inner in walk_stmts(symbol.func.body):
            if inner.kind == "return" and inner.value is not None:
                local = inner.value.dotted if inner.value.dotted else f"<return@{inner.line}>"
                key = f"{symbol.module.module}.{symbol.func.qualname}.<locals>.{local}"
                if key in known:
                    for target in stmt.targets:
                        if target.kind == "name":
                            aliases[f"{mod.module}.{target.text}"] = key
    return aliases




_INJECTORS = ("Depends", "Security")


def injected_params(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> dict[str, str]:
    """Parameters a dependency fills (`user = Depends(get_user)`, `Annotated[T, Security(x)]`, an
    `Annotated` alias defined in another module): parameter name -> the dependency's qualified name
    (the class for `Depends(Checker(...))`)."""
    out: dict[str, str] = {}
    for param in func.params:
        target = _injected(index, mod, param.default) if param.default is not None else None
        if target is None and param.annotation is not None:
            target = _annotated_injection(index, mod, param.annotation, 0)
        if target is not None:
            out[param.name] = target
    return out


def _injected(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> str | None:
    if expr.kind != "call" or (index.qualify_expr(mod, expr.func) or "").rsplit(".", 1)[-1] not in _INJECTORS:
        return None
    target = expr.arg(0, "dependency")
    if target is None:
        return None
    if target.kind == "call":
        target = target.func
    return index.qualify_expr(mod, target)


def _annotated_injection(index: ProjectIndex, mod: ModuleSummary, ann: Expr, depth: int) -> str | None:
    if depth > 4:
        return None
    if ann.kind == "subscript" and (ann.args[0].dotted or "").endswith("Annotated"):
        for meta in ann.args[2:]:
            found = _injected(index, mod, meta)
            if found is not None:
                return found
        return None
    if ann.kind in ("name", "attr"):
        symbol = index.resolve(mod, ann)
        if symbol is not None and symbol.value is not None and symbol.value.kind == "subscript":
            return _annotated_injection(index, symbol.module, symbol.value, depth + 1)
    return None
