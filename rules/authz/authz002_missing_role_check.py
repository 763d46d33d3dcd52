"""AUTHZ002: an admin or user-management operation that only checks that the caller is logged in."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.body_auth import request_body_params
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.authz._body import mutates
from apilint.rules.authz._classviews import route_handler
from apilint.rules.authz._exits import rejects
from apilint.rules.authz._loads import self_method
from apilint.rules.authz._names import caller_params, mentions_any, mentions_user, user_params
from apilint.rules.authz._privileged import ROLE_PATH_REASON, privileged_reason
from apilint.rules.authz._siblings import sibling_role_reason
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_ROLE_WORDS = lazy_compile(r"admin|superuser|staff|role|permission|perm|scope|group|moderator|privilege|"
                         r"is_owner|can_", re.IGNORECASE)
_ROLE_GUARDS = lazy_compile(r"admin|superuser|staff|role|moderator|privilege|permission_required|require_perm|"
                          r"requires_perm|has_perm|scope|group_required|user_passes_test", re.IGNORECASE)
"""Names of dependencies and decorators that check a role (not `permission_classes` itself)."""


class MissingRoleCheck(Rule):
    """
    ## What it finds
    Privileged operations that require only authentication: routes under an admin path,
    admin-named handlers, routes that change roles or permissions, set `is_admin`,
    `is_superuser`, `is_staff` or `role` from request data, ban, disable or impersonate
    users (blocking or muting another user for oneself, `auth_user.blocks_user(target)`, is
    every user's own), delete another user's account (`DELETE /users/{id}`) or list every user, and a change
    to one item whose collection's and item's other changes all pass a role gate (a role
    dependency, decorator or permission class, not a test in their own bodies): `PUT /menu` and
    `PUT /menu/{item_id}` require staff, `DELETE /menu/{item_id}` only a login (a gate that admits
    every ordinary account, such as `Role.CUSTOMER`, is none; a create open to every user is not
    reported) — when no
    role, scope, staff, superuser or permission check applies on the way (no role
    dependency, decorator, permission class or admin-only `before_request` hook, and no
    comparison of the caller's role, or of the caller with the target, followed by a
    rejection in the handler or in a project function or view method it hands the request or
    the caller to, such as `self.perm_check(request)` or `try: check_access(...)` /
    `except NotAuthorized: abort(403)`).
    Revoking grants on a record the handler loaded with the caller's own identity (the
    permissions the caller gave an extension) is not a role change.

    Admin paths, admin handler names and role writes are reported with high confidence;
    user management inferred from the path alone, and a change its siblings keep to a role, with
    medium confidence; either with low
    confidence when the route's authentication dependency tests which route is called
    (`get_request_route(request)`, `request.url.path in ...`), since it may allow some routes
    to administrators only.

    ## Why it matters
    Any logged-in user can call the endpoint and act as an administrator: promote
    themselves, delete or lock other accounts, read every user (CWE-285 Improper
    Authorization, OWASP API5:2023 Broken Function Level Authorization).

    ## Options
    - `roles.helpers`: function or dependency names that check roles.

    ## Known limitations
    Role checks done in middleware, in a gateway, or by a helper apilint cannot recognise by
    name hide the check; list such helpers in `roles.helpers`. AUTHZ001 does not report a
    route that this rule reports, so an unchecked `DELETE /users/{user_id}` appears once.

    ## References
    - https://cwe.mitre.org/data/definitions/285.html
    - https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/
    """

    code = "AUTHZ002"
    name = "missing-role-check"
    summary = "Privileged operation that only requires a logged-in user"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (285,)
    owasp = ("API5:2023",)
    options = ("roles.helpers",)

    bad = Example("""
        from fastapi import APIRouter, Depends

        from deps import get_current_user

        router = APIRouter(prefix="/admin")


        @router.post("/users/{user_id}/ban")
        def ban_user(user_id: int, user: dict = Depends(get_current_user)) -> None:  # expect: AUTHZ002
            ...
    """, files=(("deps.py", '''
        from fastapi import Depends, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


        def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
            if not token:
                raise HTTPException(status_code=401)
            return {"token": token}
    '''),))

    good = Example("""
        from fastapi import APIRouter, Depends, HTTPException

        from deps import get_current_user

        router = APIRouter(prefix="/admin")


        @router.post("/users/{user_id}/ban")
        def ban_user(user_id: int, user: dict = Depends(get_current_user)) -> None:
            if not user.get("is_admin"):
                raise HTTPException(status_code=403, detail="Admins only")
    """, files=(("deps.py", '''
        from fastapi import Depends, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


        def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
            if not token:
                raise HTTPException(status_code=401)
            return {"token": token}
    '''),))

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report privileged routes whose only protection is authentication."""
        for route in ctx.routes:
            found = unchecked_privileged(route, ctx)
            if found is None:
                continue
            reason, strong = found
            confidence = None if strong else Confidence.MEDIUM
            keyed = _path_keyed_auth(ctx, route)
            if keyed is not None:
                # the auth dependency looks at which route is called: it may allow this one to admins only
                confidence = Confidence.LOW
                reason += f"; `{keyed}` reads the request path and may authorize by route"
            yield self.finding(
                route,
                f"{route.display} is a privileged operation ({reason}) but only requires a logged-in user: "
                "no role, staff, superuser or permission check applies",
                "Require an admin role or permission (a role dependency, decorator or permission class) "
                "or check the caller's role in the handler and reject with 403",
                confidence=confidence,
            )


def unchecked_privileged(route: Route, ctx: RuleContext) -> tuple[str, bool] | None:
    """(reason, strong) when the route is privileged, authenticated, and nothing checks roles."""
    if route.auth.status not in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL) or route.authz:
        return None
    if route.handler.startswith("django.contrib.") or route.handler.startswith("rest_framework."):
        return None
    helpers = {h.rsplit(".", 1)[-1] for h in ctx.config.roles_helpers}
    for name in route.dependencies:
        short = name.rsplit(".", 1)[-1]
        if short in helpers or _ROLE_GUARDS.search(short):
            return None
    handler = route_handler(ctx, route)
    reason = privileged_reason(route, handler)
    if reason is None:
        sibling = sibling_role_reason(route, ctx.routes)
        if sibling is None:
            return None
        reason = sibling, False
    mod = ctx.module_of(route)
    if handler is not None and mod is not None and \
            _checks_here_or_in_helpers(ctx, mod, handler, set(route.path_params), helpers, 0):
        return None
    if handler is not None and mod is not None and reason[0].startswith(ROLE_PATH_REASON) and \
            _changes_own_record(handler, user_params(handler, set(route.path_params)) |
                                set(caller_params(route))):
        return None
    return reason


def _changes_own_record(func: FunctionDef, callers: set[str]) -> bool:
    """True when the handler changes a record it loaded with the caller's identity
    (`grant = get_user_extension(account.id, ext_id)` then `grant.permissions = ...`): the caller
    manages what they granted on their own account, not someone else's role."""
    for stmt in walk_stmts(func.body):
        if stmt.kind != "assign" or stmt.value is None or not callers:
            continue
        value = stmt.value.args[0] if stmt.value.kind == "await" and stmt.value.args else stmt.value
        if value.kind == "call" and any(mentions_user(a, callers) for a in value.positional) and \
                mutates(func, stmt.line):
            return True
    return False


def _checks_here_or_in_helpers(ctx: RuleContext, mod: ModuleSummary, func: FunctionDef, path_params: set[str],
                               helpers: set[str], depth: int) -> bool:
    """A role check in the handler, or in a project function it hands the request or the caller to
    (`obj, form = check_user_form(request, project)` raising PermissionDenied), two calls deep."""
    if _handler_checks(func, path_params, helpers):
        return True
    if depth >= 2:
        return False
    users = user_params(func, path_params) | {"request", "req"}
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if not any(mentions_user(a, users) for a in call.arguments):
                    continue
                symbol = ctx.index.resolve(mod, call.func) or self_method(ctx.index, mod, func, call.func)
                if symbol is not None and symbol.func is not None and symbol.func is not func and \
                        _checks_here_or_in_helpers(ctx, symbol.module, symbol.func, set(), helpers, depth + 1):
                    return True
    return False


def _tests_request_data(test: Expr, func: FunctionDef) -> bool:
    """True when the role words of a test are fields of a request-body parameter
    (`if body.role == "chef": raise`): it limits what may be asked, not who asks."""
    client = request_body_params(func)
    roots = {(sub.dotted or "").split(".", 1)[0] for sub in test.walk()
             if sub.kind == "attr" and not sub.text[:1].isupper() and _ROLE_WORDS.search(sub.text)}
    return bool(roots) and roots <= client


def _handler_checks(func: FunctionDef, path_params: set[str], helpers: set[str]) -> bool:
    """A role or self check that rejects, or a call to a role helper, inside the handler."""
    for dec in func.decorators:
        name = (dec.expr.func if dec.expr.kind == "call" else dec.expr).dotted or ""
        if _ROLE_GUARDS.search(name.rsplit(".", 1)[-1]):
            return True
    users = user_params(func, path_params)
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                short = call.func.last_name.lstrip("_")
                if short in helpers or re.match(r"(require|ensure|check|assert|verify)_\w*(admin|role|perm|staff|"
                                                r"superuser)|has_perm|has_role|is_admin", short):
                    return True
        if stmt.kind == "try" and _denied_in_handlers(stmt):
            return True  # try: check_access(...) except NotAuthorized: abort(403)
        if stmt.kind in ("if", "assert") and stmt.value is not None:
            test = stmt.value
            if stmt.kind == "if" and not rejects(stmt.body + stmt.orelse):
                continue
            if _ROLE_WORDS.search(test.render(120)) and not _tests_request_data(test, func):
                return True
            if mentions_user(test, users) and mentions_any(test, path_params):
                return True  # the caller may only act on themselves: `if user_id != current_user.id`
    return False


_DENIALS = lazy_compile(r"NotAuthorized|PermissionDenied|Forbidden|AccessDenied|Unauthorized", re.IGNORECASE)


def _denied_in_handlers(stmt: Stmt) -> bool:
    """A `try` whose `except` catches an authorization error (`except NotAuthorized:`) and rejects:
    the guarded calls are the check."""
    for handler in stmt.handlers:
        caught = handler.value.render(80) if handler.value is not None else ""
        if _DENIALS.search(caught) and rejects(handler.body):
            return True
    return False


_PATH_ATTRS = frozenset({"path", "path_info", "url_rule", "resolver_match", "route"})


def _path_keyed_auth(ctx: RuleContext, route: Route) -> str | None:
    """The route's authentication dependency when its body tests which route is called
    (`if request.url.path in ADMIN_ROUTES`, `route = get_request_route(request)`): it may keep
    admin-only routes in a list and check the caller's role there, which is not read."""
    for ev in route.auth.evidence:
        if ev.status is not AuthStatus.REQUIRED:
            continue
        symbol = ctx.index.lookup(ev.name)
        if symbol is not None and symbol.func is None and symbol.cls is not None:
            symbol = ctx.index.lookup(f"{symbol.qualname}.__call__")
        if symbol is None or symbol.func is None:
            continue
        for stmt in walk_stmts(symbol.func.body):
            for expr in stmt.own_exprs():
                if any(_tests_path(sub) or _route_of_request(sub) for sub in expr.walk()):
                    return ev.name.rsplit(".", 1)[-1]
    return None


def _tests_path(expr: Expr) -> bool:
    """A comparison that reads the request path (`request.url.path in ADMIN_ONLY`)."""
    if expr.kind != "compare":
        return False
    for sub in expr.walk():
        if sub.kind == "attr" and sub.text in _PATH_ATTRS and \
                (sub.args[0].dotted or "") in ("request", "request.url", "request.scope"):
            return True
    return False


def _route_of_request(expr: Expr) -> bool:
    """A call that derives the route from the request (`get_request_route(request=request)`)."""
    if expr.kind != "call" or expr.func.kind not in ("name", "attr") or "route" not in expr.func.text.lower():
        return False
    return any(mentions_any(a, {"request"}) for a in expr.arguments)
