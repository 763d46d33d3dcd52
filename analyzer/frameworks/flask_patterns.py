"""Syntax patterns the Flask auth judge (`apilint.frameworks.flask_auth`) recognises in function
bodies: decorator wrappers that call the view only when a check passes, role and permission
arguments, actions dispatched by name, login redirects and tests for a missing request user.
"""

from __future__ import annotations

import re

from apilint.body_auth import is_rejection
from apilint.lazy_regex import lazy_compile
from apilint.role_names import RoleCheck, admitted_roles, role_check
from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts

OPAQUE_AUTH = lazy_compile(r"^_?(authenticate_request|authenticate_user_request|check_authentication|"
                         r"require_authentication|ensure_authenticated|verify_authentication)$")
"""Helpers that, by name, authenticate the current request: when apilint cannot read how
(a backend chosen by configuration), the request's status is unknown rather than public."""


ROLE_KEYWORD = lazy_compile(r"^(required_|require_)?(roles?|permissions?|perms?|scopes?|groups?|privileges?)$")
PERMISSION_CALL = lazy_compile(r"^_?(is_authorized|has_access|has_permission|has_role|check_permission|"
                             r"require_permission|has_perm)\w*$")
"""Calls in a wrapper that ask whether the caller holds a permission (`is_authorized_dag(...)`)."""
OBJECT_CHECK = lazy_compile(r"^_?(check_access|check_permissions?|check_object_permissions?|authorize|"
                          r"require_permission|has_permission|has_object_permission|is_authorized\w*|"
                          r"can_(access|view|read|edit|update|delete|manage|modify|change)\w*|"
                          r"(ensure|check|require)_\w*(access|permission|owner|ownership)s?)$")
"""Calls that ask whether the caller may act on an object (given something that names it)."""
CHECK_CALL = lazy_compile(r"^_?(check|require|ensure|assert|verify)_?\w*$|^_?(has|is)_role\w*$")
PRIVILEGED = lazy_compile(r"^(sys_?|super_?|site_?)?admin(istrator)?s?$|^superusers?$|^staff$|^root$|^owner$",
                        re.IGNORECASE)


_EVERYONE = lazy_compile(r"^(user|users|member|members|viewer|guest|any|all|public|authenticated|everyone|"
                       r"reader|basic|default)$", re.IGNORECASE)


def restricts(value: Expr) -> bool:
    """True when a role argument limits callers to some roles: `["admin"]`, `ROLE.ADMIN`, a named
    constant; not `None`, and not a list that admits ordinary users (`["user", "admin"]`)."""
    if value.is_none or (value.kind == "const" and value.text == "False"):
        return False
    return not any(_EVERYONE.match(role) for role in admitted_roles(value))


def permission_gate(func: FunctionDef, wrapped: frozenset[str]) -> RoleCheck | None:
    """`if sm.has_access(perm, view): return f(*args)` followed by a redirect or 403: the wrapper
    calls the view only when a permission check passes. The check, else None."""
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None:
            continue
        checks = [c for c in stmt.value.calls() if c.func.kind in ("name", "attr")
                  and PERMISSION_CALL.match(c.func.text)]
        if checks and _calls_view(stmt.body, wrapped) and not _calls_view(stmt.orelse, wrapped):
            return role_check(checks[0])
    return None


def _calls_view(body: tuple[Stmt, ...], wrapped: frozenset[str]) -> bool:
    for stmt in walk_stmts(body):
        for expr in stmt.own_exprs():
            if any(c.func.kind == "name" and c.func.text in wrapped for c in expr.calls()):
                return True
    return False


def swallowed_calls(func: FunctionDef) -> set[int]:
    """Identities of the calls made in `try` blocks whose `except` clauses carry on (they log,
    pass or reset a value; they neither raise, reject nor return an error response): a failed
    check there is tolerated (optional authentication)."""
    out: set[int] = set()
    for stmt in walk_stmts(func.body):
        if stmt.kind != "try" or not stmt.handlers:
            continue
        if any(inner.kind in ("raise", "return") or is_rejection(inner) or _aborts(inner)
               for inner in walk_stmts(stmt.handlers)):
            continue  # `except NotAuthorized: abort(404)`: the failed check still turns the caller away
        if not any(_catches_check_failures(handler.value) for handler in stmt.handlers):
            continue  # `except HTTPAPIError as e: error = e`: an error response built later
        for inner in walk_stmts(stmt.body):
            for expr in inner.own_exprs():
                out.update(id(call) for call in expr.calls())
    return out


def _aborts(stmt: Stmt) -> bool:
    """`abort(404)`, `toolkit.abort(403, msg)`: Flask's `abort` raises, whatever the status."""
    value = stmt.value
    return stmt.kind == "expr" and value is not None and value.kind == "call" and \
        (value.func.dotted or "").rsplit(".", 1)[-1] == "abort" and bool(value.positional or value.keywords)


_CHECK_FAILURES = lazy_compile(r"^(Exception|BaseException|\w*(Token|Auth|JWT|Jwt|Signature|Credential|Decode|"
                             r"Expired|Login|Permission)\w*)$")


def _catches_check_failures(caught: Expr | None) -> bool:
    """`except:`, `except Exception`, `except (InvalidToken, jwt.DecodeError)`."""
    if caught is None:
        return True
    names = caught.args if caught.kind == "tuple" else (caught,)
    return any(n.kind in ("name", "attr") and _CHECK_FAILURES.match(n.text) for n in names)


def local_imports(func: FunctionDef) -> dict[str, str]:
    """Names imported inside a function (and the functions it defines): local name -> qualified name."""
    out: dict[str, str] = {}
    for stmt in walk_stmts(func.body, into_defs=True):
        if stmt.kind == "import":
            for target, value in zip(stmt.targets, stmt.exprs, strict=False):
                out[target.text] = value.text
    return out


def wrapped_names(funcs: list[FunctionDef]) -> frozenset[str]:
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


_DISPATCHERS = lazy_compile(r"^_?get_?(action|handler|command|operation|function)s?$")


def dispatched_action(call: Expr) -> str | None:
    """`get_action("package_update")(context, data)`: a project action looked up by its name at
    run time (an action layer that checks access itself). The action's name, else None."""
    inner = call.func
    if inner.kind != "call" or inner.func.kind not in ("name", "attr") or not _DISPATCHERS.match(inner.func.text):
        return None
    first = inner.positional[0] if inner.positional else None
    if first is None or first.kind not in ("str", "fstr", "name", "attr"):
        return None
    return f"{inner.func.text}({first.render(40)})"


def calls_in(func: FunctionDef) -> list[Expr]:
    """Every call in the function's own statements (not in the functions it defines)."""
    out: list[Expr] = []
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            out += list(expr.calls())
    return out


_SESSION_USER_KEYS = frozenset({"user_id", "userid", "uid", "user", "username", "logged_in", "loggedin", "email",
                                "user_email", "account_id", "authenticated", "is_authenticated"})


def redirects_anonymous(func: FunctionDef) -> str | None:
    """`if not current_user.is_authenticated: return redirect(url_for("login"))` and kin (also the
    other way round, at the top of the body: `if current_user.is_authenticated: <work> else:
    abort(403)`): None when the function does not turn anonymous callers away, "" when it always
    does, and the source of the other condition when it only does so under a setting
    (`if password_enabled and not current_user.is_authenticated: ...`)."""
    found: str | None = None
    if any(stmt.kind == "if" and stmt.value is not None and stmt.orelse and _logged_in_test(stmt.value)
           and any(is_rejection(inner) or _is_login_redirect(inner) for inner in stmt.orelse) for stmt in func.body):
        # `if not current_user.is_anonymous and ...: <the work> else: abort(403)`: the work is done
        # only for a caller who logged in (an `and` with other tests only narrows that further)
        return ""
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None:
            continue
        test = {e.text for e in stmt.value.walk() if e.kind in ("attr", "name")}
        keys = {e.text.lower() for e in stmt.value.walk() if e.kind == "str"}
        session_user = "session" in test and bool(keys & _SESSION_USER_KEYS)  # `'user_id' not in session`
        if not test & _ANONYMOUS_WORDS and not session_user and not missing_user(stmt.value):
            continue
        if not any(is_rejection(inner) or _is_login_redirect(inner) for inner in walk_stmts(stmt.body)):
            continue
        setting = _setting_condition(stmt.value)
        if not setting:
            return ""
        found = found or setting
    return found


def _logged_in_test(test: Expr) -> bool:
    """A test true only for a caller who logged in: `current_user.is_authenticated`,
    `not current_user.is_anonymous`, `g.user` / `g.user is not None`, alone or and-ed with other
    tests (an `or` lets other callers through, so it does not count)."""
    parts = test.args if test.kind == "boolop" and test.text == "and" else (test,)
    for part in parts:
        inner = part.func if part.kind == "call" else part
        if inner.kind == "attr" and inner.text == "is_authenticated":
            return True
        if part.kind == "unary" and part.text == "not" and part.args and part.args[0].kind == "attr" \
                and part.args[0].text == "is_anonymous":
            return True
        if _request_user(part) or (part.kind == "compare" and part.text.strip() == "is not" and len(part.args) == 2
                                   and part.args[1].is_none and _request_user(part.args[0])):
            return True
    return False


_ANONYMOUS_WORDS = frozenset({"is_authenticated", "is_anonymous", "user_id", "logged_in", "is_logged_in",
                              "current_user", "login_fresh"})
"""Names in a test about the caller's login; Flask-Login's `login_fresh()` is false for anonymous callers."""
_REQUEST_WORDS = _ANONYMOUS_WORDS | {"request", "g", "session", "user", "method", "endpoint", "path"}


def _setting_condition(test: Expr) -> str:
    """The part of an `and` test that is about neither the request nor the caller (a feature
    switch), else ``."""
    if test.kind != "boolop" or test.text != "and":
        return ""
    other = [part for part in test.args if not {e.text for e in part.walk() if e.kind in ("attr", "name")}
             & _REQUEST_WORDS]
    return " and ".join(part.render(40) for part in other)


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
        if name in ("unauthorized", "unauthorized_callback", "needs_refresh") or (
                "login" in name and "redirect" in name):
            return True  # login_manager.unauthorized(), login_manager.needs_refresh(), redirect_to_login()
        if name == "redirect":
            text = call.render(120).lower()
            if any(w in text for w in ("login", "signin", "sign_in", "auth")):
                return True
    return False


__all__ = [
    "CHECK_CALL", "OBJECT_CHECK", "OPAQUE_AUTH", "PERMISSION_CALL", "PRIVILEGED", "ROLE_KEYWORD", "calls_in",
    "dispatched_action", "local_imports", "missing_user", "permission_gate", "redirects_anonymous", "restricts",
    "swallowed_calls", "wrapped_names"
]
