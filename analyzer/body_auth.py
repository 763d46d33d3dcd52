"""Framework-neutral judgements of what a function's body does about the caller.

`body_auth` decides whether a project function (a dependency, a decorator's wrapper, a
`before_request` hook, a handler) authenticates the caller by what it does, not by its
name: it reads a credential (Authorization header, token, session, current user) and
rejects the request (raise/abort/return 401 or 403) when the credential is missing or bad.
Beside it: what a rejection looks like (`is_rejection`, `guarded_rejections`), login
endpoints that issue credentials, role checks in a body, and request-body parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus
from apilint.project import ProjectIndex
from apilint.role_names import RoleCheck, role_check
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import collect_assignments

CREDENTIAL_WORDS = ("authorization", "token", "jwt", "bearer", "api_key", "apikey", "x-api-key",
                    "session", "current_user", "credentials", "auth")
REJECT_STATUSES = frozenset({"401", "403"})
REJECT_CALLEES = ("HTTPException", "abort", "Unauthorized", "Forbidden", "PermissionDenied",
                  "NotAuthenticated", "AuthenticationFailed", "HTTPUnauthorized", "HTTPForbidden",
                  "WebSocketException", "PermissionError", "AuthError", "AuthenticationError")
ROLE_WORDS = ("is_admin", "is_superuser", "is_staff", "role", "roles", "scopes", "permission",
              "permissions", "has_perm", "admin", "superuser", "groups")


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


_DB_SESSION = lazy_compile(r"^session$|session_?(context|maker|local|scope|factory)|(db|async|sql|orm)_?session|"
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


def is_rejection(stmt: Stmt, index: ProjectIndex | None = None, mod: ModuleSummary | None = None,
                 func: FunctionDef | None = None) -> bool:
    """True for `raise HTTPException(401)`, `abort(403)`, `return ..., 401`, `raise PermissionDenied`,
    `raise UnauthorizedError()`, `await websocket.close(code=...UNAUTHORIZED)`, and a redirect to the
    login page (`raise HTTPException(307, headers={"Location": ...})`, `return RedirectResponse("/login")`).

    Given the project (`index`, the `mod` and `func` the statement is written in), a raised name or
    call is also followed: `raise credentials_exception` (a local or module-level `HTTPException(401)`),
    `raise error_forbidden()` (a project function returning one), `raise NotAllowed()` (a project
    exception class whose status attribute is 401 or 403).
    """
    value = stmt.value
    if value is None:
        return False
    if stmt.kind == "expr" and value.kind == "await" and value.args:
        value = value.args[0]
    if not (stmt.kind in ("raise", "return") or (stmt.kind == "expr" and value.kind == "call")):
        return False
    if _rejects(value, stmt.kind == "raise"):
        return True
    if stmt.kind == "raise" and index is not None and mod is not None:
        return _raised_rejects(value, index, mod, func, 0)
    return False


_AUTH_EXCEPTION = lazy_compile(r"unauthori[sz]ed|unauthenticated|notauthenticated|notauthori[sz]ed|forbidden|"
                             r"permissiondenied|accessdenied|authenticationfailed|authenticationerror|autherror|"
                             r"invalidtoken|invalidcredentials|credentialsexception|credentialserror|"
                             r"invalidapikey|loginrequired", re.IGNORECASE)
"""Exception names that say the caller is not authenticated or not allowed."""
_REDIRECT_STATUSES = frozenset({"301", "302", "303", "307", "308"})
_LOGIN_WORDS = ("login", "signin", "sign_in", "sign-in", "auth")


def _rejects(expr: Expr, raised: bool) -> bool:
    """The syntax of a rejection in a raised, returned or called expression."""
    if raised:
        target = expr.func if expr.kind == "call" else expr
        if target.kind in ("name", "attr") and _AUTH_EXCEPTION.search(target.text.replace("_", "")):
            return True
    for sub in expr.walk():
        if sub.kind == "num" and sub.text in REJECT_STATUSES:
            return True
        if sub.kind == "attr" and ("401" in sub.text or "403" in sub.text or "UNAUTHORIZED" in sub.text
                                   or "FORBIDDEN" in sub.text):
            return True
        if sub.kind == "call":
            callee = (sub.func.dotted or "").rsplit(".", 1)[-1]
            if raised and any(callee == c for c in REJECT_CALLEES):
                if callee in ("HTTPException", "WebSocketException", "abort"):
                    if callee == "HTTPException" and _login_redirect(sub):
                        return True
                    continue  # needs a 401/403 status, checked through the numbers above
                return True
            if callee in ("abort",) and sub.positional and sub.positional[0].text in REJECT_STATUSES:
                return True
            if callee == "close" and _closes_for_auth(sub):
                return True
            if callee in ("RedirectResponse", "redirect") and (
                    any(w in sub.render(120).lower() for w in _LOGIN_WORDS) or _carries_return_path(sub)):
                return True
            if raised and "redirect" in callee.lower() and _redirects_to_login(sub):
                return True  # a redirect exception (`raise Redirect303(url_for(".authenticate"))`)
        if raised and sub.kind in ("name", "attr") and sub.text in REJECT_CALLEES[2:]:
            return True
    return False


_WS_AUTH_CLOSE = ("1008", "4001", "4003", "4401", "4403", "POLICY_VIOLATION")


_RETURN_PATH_ATTRS = frozenset({"path", "url", "full_path", "script_root", "get_full_path", "build_absolute_uri"})


def _carries_return_path(redirect: Expr) -> bool:
    """A redirect that hands the login page where the request was going, as a named parameter
    (`url_for(".admin", goto=request.path)`, `redirect_to_login(next=request.get_full_path())`):
    the login redirect's idiom, whatever the login page is called. A redirect *to* the request's
    own path (`redirect(request.get_full_path() + "&x=1")`) is not one."""
    for sub in redirect.walk():
        if sub.kind == "call" and any(kw.name and _request_path(kw.value) for kw in sub.keywords):
            return True
    return False


def _request_path(expr: Expr) -> bool:
    """`request.path`, `request.url`, `request.get_full_path()`, also quoted (`quote(request.path)`)."""
    while expr.kind == "call" and expr.func.last_name in ("quote", "quote_plus", "str") and expr.positional:
        expr = expr.positional[0]
    if expr.kind == "call" and expr.func.kind == "attr":
        expr = expr.func  # request.get_full_path()
    return expr.kind == "attr" and expr.text in _RETURN_PATH_ATTRS and \
        (expr.args[0].dotted or "").rsplit(".", 1)[-1] == "request"


def _redirects_to_login(call: Expr) -> bool:
    """A raised redirect whose target names a login page (`url_for(".authenticate")`, `"/login"`: a
    path or endpoint string, not a message) or that hands the request's path along."""
    return _carries_return_path(call) or any(
        sub.kind == "str" and " " not in sub.text and _LOGIN_TARGET.search(sub.text)
        for arg in call.arguments for sub in arg.walk())


_LOGIN_TARGET = lazy_compile(r"log_?in|sign_?in|sign-in|authenticat", re.IGNORECASE)
"""A login page named in a redirect's target (`url_for(".authenticate")`); not `authorize`."""


def _closes_for_auth(call: Expr) -> bool:
    """`websocket.close(code=1008)` (policy violation) or an application 4401/4403 code."""
    code = call.arg(0, "code")
    return code is not None and code.kind in ("num", "attr") and any(c in code.text for c in _WS_AUTH_CLOSE)


def _login_redirect(call: Expr) -> bool:
    """`HTTPException(status_code=307, headers={"Location": login_url})`: send the caller to log in."""
    status = call.arg(0, "status_code")
    if status is None:
        return False
    text = status.text if status.kind == "num" else status.text if status.kind == "attr" else ""
    if not any(code in text for code in _REDIRECT_STATUSES):
        return False
    headers = call.kwarg("headers")
    return headers is not None and any(e.kind == "str" and e.text.lower() == "location" for e in headers.walk())


def _raised_rejects(expr: Expr, index: ProjectIndex, mod: ModuleSummary, func: FunctionDef | None,
                    depth: int) -> bool:
    """A raised name or call that stands for a rejection defined elsewhere in the project."""
    if depth > 3:
        return False
    target = expr.func if expr.kind == "call" else expr
    if target.kind == "name" and func is not None and expr.kind == "name":
        for stmt, _conditional in collect_assignments(func.body).get(target.text, []):
            if stmt.value is not None and (_rejects(stmt.value, True) or
                                           _raised_rejects(stmt.value, index, mod, None, depth + 1)):
                return True
    symbol = index.resolve(mod, target) if target.kind in ("name", "attr") else None
    if symbol is None:
        return False
    if symbol.value is not None and expr.kind != "call":
        return _rejects(symbol.value, True) or _raised_rejects(symbol.value, index, symbol.module, None, depth + 1)
    if symbol.func is not None and expr.kind == "call":
        for stmt in walk_stmts(symbol.func.body):
            if stmt.kind == "return" and stmt.value is not None and (
                    _rejects(stmt.value, True) or
                    _raised_rejects(stmt.value, index, symbol.module, symbol.func, depth + 1)):
                return True
    if symbol.cls is not None:
        names = [symbol.qualname, *index.base_names(symbol)]
        if any(_AUTH_EXCEPTION.search(n.rsplit(".", 1)[-1]) for n in names):
            return True
        for name in names:
            owner = index.lookup(name) if name != symbol.qualname else symbol
            if owner is None or owner.cls is None:
                continue
            for attr in ("status_code", "status", "http_status", "HTTP_STATUS", "STATUS_CODE", "code"):
                value = owner.cls.attribute(attr)
                if value is not None:
                    if value.kind == "num" and value.text in _REDIRECT_STATUSES and expr.kind == "call":
                        # a project's redirect exception (`raise SeeOther(url_for("enter", next=request.path))`)
                        return _redirects_to_login(expr)
                    return _rejects(value, True)
    return False


def guarded_rejections(body: tuple[Stmt, ...], index: ProjectIndex | None = None, mod: ModuleSummary | None = None,
                       func: FunctionDef | None = None) -> Iterator[tuple[Stmt, Stmt]]:
    """(if-statement or try, rejection) pairs: rejections under a condition or except clause
    (`index`, `mod` and `func` let `is_rejection` follow raised names and calls)."""
    for stmt in walk_stmts(body):
        if stmt.kind in ("if", "try", "while"):
            for inner in walk_stmts(stmt.body + stmt.orelse + stmt.handlers):
                if is_rejection(inner, index, mod, func):
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
    if known:
        for stmt in walk_stmts(func.body, into_defs=False):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    callee = index.qualify_expr(mod, call.func)
                    if callee is not None and callee in known:
                        return known[callee]
    credentials = credential_params(func)
    if not reads_credential(index, mod, func) or issues_credentials(func):
        return None
    for guard, _reject in guarded_rejections(func.body, index, mod, func):
        if guard.kind == "try" and not _try_checks_credential(guard, index, mod):
            continue  # `except UserExists: raise HTTPException(403)` around an insert is no login check
        if guard.kind == "if" and tests_request_method(guard.value):
            continue  # `if request.method == "POST": ... return redirect("/login")`: sign-up done, not a check
        return AuthStatus.REQUIRED
    if credentials and _delegates_the_check(index, mod, func, credentials, known, depth):
        return AuthStatus.REQUIRED
    if _rejects_by_default(func, index, mod):
        return AuthStatus.REQUIRED
    # A credential decoder that raises on failure (jwt.decode) with no except: still required
    for stmt in outside_swallowing_try(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if (call.func.dotted or "").endswith("jwt.decode"):
                    return AuthStatus.REQUIRED
    return None


def _rejects_by_default(func: FunctionDef, index: ProjectIndex, mod: ModuleSummary) -> bool:
    """`if token: return user_for(token)` ... then an unconditional `raise HTTPException(401)`: only
    the checked branches return, every other request is turned away."""
    body = func.body
    if len(body) < 2 or body[-1].kind not in ("raise", "return", "expr") \
            or not is_rejection(body[-1], index, mod, func):
        return False
    return any(stmt.kind == "if" and any(s.kind == "return" for s in walk_stmts(stmt.body + stmt.orelse))
               for stmt in body[:-1])


def tests_request_method(test: Expr | None) -> bool:
    """True when an `if` tests nothing but the HTTP method (`request.method == "POST"`,
    `request.method in ("POST", "PUT")`, `flask.request.method != "GET"`): a dispatch on the verb."""
    if test is None or test.kind != "compare" or not test.args:
        return False
    left = test.args[0].dotted or ""
    return left.endswith("request.method") and all(
        arg.kind == "str" or (arg.kind in ("tuple", "list", "set") and all(e.kind == "str" for e in arg.args))
        for arg in test.args[1:])


_AUTHISH_EXCEPT = lazy_compile(r"auth|token|jwt|credential|signature|permission|forbidden|denied|login|session|"
                             r"expired|decode", re.IGNORECASE)


def _try_checks_credential(guard: Stmt, index: ProjectIndex, mod: ModuleSummary) -> bool:
    """True when a try/except that rejects can be about the caller's credential: its body reads one
    (`jwt.decode(token, ...)`, a name that says so) or an except clause catches a bare, broad or
    authentication error; not `try: create_user(...)` / `except UserAlreadyExists: raise ...(403)`."""
    for handler in guard.handlers:
        if not any(is_rejection(inner, index, mod) for inner in walk_stmts(handler.body)):
            continue  # `except Exception: raise HTTPException(500)` rejects no one
        caught = handler.value
        if caught is None or caught.render(80).rsplit(".", 1)[-1] in ("Exception", "BaseException") or \
                _AUTHISH_EXCEPT.search(caught.render(80)):
            return True
    return any(_mentions_credential(expr, index, mod) or
               any(_IDENTIFIES.search((call.func.dotted or call.func.text or "").rsplit(".", 1)[-1])
                   for call in expr.calls())
               for stmt in walk_stmts(guard.body) for expr in stmt.own_exprs())


_IDENTIFIES = lazy_compile(r"^(get|load|find|fetch|lookup|current|verify|check|validate|authenticate|authorize|decode)"
                         r"(_\w*)?(user|token|auth\w*|account|principal|identity|session|caller|member|key|jwt)"
                         r"\w*$|^(decode|verify|authenticate)$", re.IGNORECASE)
"""Calls that establish who the caller is (`self.get_user()` by a reset token, `verify_token(t)`),
not ones that create a record (`create_user(...)`)."""


def credential_params(func: FunctionDef) -> set[str]:
    """Parameters whose names say they carry a credential (`token`, `api_key`, `credentials`)."""
    return {p.name for p in func.params if any(w in p.name.lower() for w in _CREDENTIAL_WORDS)}


def reads_credential(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> bool:
    """True when the function takes or reads a credential: a token/api-key parameter, the
    Authorization header, a login session, the current user, a token decoder."""
    if credential_params(func):
        return True
    for stmt in walk_stmts(func.body, into_defs=False):
        for expr in stmt.own_exprs():
            if _mentions_credential(expr, index, mod):
                return True
            for call in expr.calls():
                callee = (call.func.dotted or "").lower()
                if callee.endswith(("jwt.decode", "decode_token", "verify_token", "verify_jwt",
                                    "decode_access_token", "verify_id_token", "check_password_hash")):
                    return True
    return False


def _delegates_the_check(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef, credentials: set[str],
                         known: dict[str, AuthStatus] | None, depth: int) -> bool:
    """True when the function hands one of its `credentials` parameters to a project function
    that rejects without it (`return await authenticate(request, api_key=api_key)`)."""
    for stmt in outside_swallowing_try(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                passed = call.arguments
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
                  "token_urlsafe", "set_access_cookies", "make_token", "create_jwt", "encode_jwt", "sign_jwt",
                  "generate_jwt", "set_auth_cookie", "create_session_token")


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


def outside_swallowing_try(body: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """Statements of `body`, skipping `try` blocks whose except clauses do not reject (optional auth)."""
    for stmt in body:
        yield stmt
        if stmt.kind == "try" and stmt.handlers and not any(
                inner.kind == "raise" or is_rejection(inner) for inner in walk_stmts(stmt.handlers)):
            yield from outside_swallowing_try(stmt.orelse + stmt.finalbody)
            continue
        if stmt.func is None and stmt.cls is None:
            yield from outside_swallowing_try(tuple(stmt.children()))


_BODY_SCHEMA = lazy_compile(r"(Create|Update|In|Input|Request|Payload|Body|Patch|Form|Data)$")


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


def body_checks_role(func: FunctionDef) -> RoleCheck | None:
    """The check, when the body compares a role/admin/permission field and rejects.

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
            return role_check(guard.value)
    return None
