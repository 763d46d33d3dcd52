"""What the body of a project callable (a dependency, a callable class's `__call__`, a handler)
does about authentication, following the project callables it hands the request to.

`body_auth.body_auth` reads one function. FastAPI code often splits the check: a dependency builds
a checker object and awaits it (`check = KeyChecker(api_key=key); return await check(request)`),
a `__call__` calls `self._extract_key(request)`, a WebSocket handler asks a validator object
(`if not await validator.validate_auth(): return`). Those callees are found with the value
evaluator (locals, `self`, instances, module functions) and judged the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from apilint.body_auth import (
    body_auth,
    body_checks_role,
    guarded_rejections,
    is_rejection,
    issues_credentials,
    outside_swallowing_try,
    reads_credential,
)
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Instance, Ref, Scope, Value

_MAX_DEPTH = 3
_MAX_CALLEES = 40
"""At most this many calls of one body are followed (large handlers call many helpers)."""


@dataclass(frozen=True, slots=True)
class BodyVerdict:
    """What a body does: the status it implies and why, in words for the evidence."""

    status: AuthStatus
    detail: str
    delegated: bool = False
    """True when the verdict comes from a project callable the body hands the request to."""
    weak: bool = False
    """True for an optional verdict read from a `return None` alone (no test of a credential)."""


class BodyJudge:
    """Judges project function bodies (memoized per function and `self` class)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._cache: dict[tuple[str, int, str], BodyVerdict | None] = {}
        self._busy: set[tuple[str, int, str]] = set()

    def verdict(self, mod: ModuleSummary, func: FunctionDef, this: Instance | Ref | None = None,
                depth: int = 0, credentials: frozenset[str] = frozenset()) -> BodyVerdict | None:
        """REQUIRED when the body (or a project callable it calls) reads a credential and rejects
        without it, or rejects every request; OPTIONAL when it reads a credential and returns None
        without one; None when it says nothing about authentication. `this` is what `self` is;
        `credentials` names parameters filled by a dependency that reads a credential."""
        key = (mod.path, func.line, _this_key(this) + "|" + ",".join(sorted(credentials)))
        if key in self._cache:
            return self._cache[key]
        if key in self._busy or depth > _MAX_DEPTH:
            return None
        self._busy.add(key)
        try:
            found = self._verdict(mod, func, this, depth, credentials)
        finally:
            self._busy.discard(key)
        self._cache[key] = found
        return found

    def _verdict(self, mod: ModuleSummary, func: FunctionDef, this: Instance | Ref | None,
                 depth: int, credentials: frozenset[str]) -> BodyVerdict | None:
        if issues_credentials(func) or _starts_a_session(func) or _calls_an_issuer(func):
            return None  # a login or token endpoint: where callers become authenticated
        held = credentials | _credential_params(func)
        if _lets_anonymous_through(func, held):
            return BodyVerdict(AuthStatus.OPTIONAL, "returns None when no credential is sent")
        guards = [g for g, _reject in guarded_rejections(func.body, self.index, mod, func)]
        if guards and all(_role_test(g) for g in guards):
            return None  # rejects callers of the wrong role and lets the others (anonymous ones too) through
        if body_auth(self.index, mod, func) is AuthStatus.REQUIRED and not (
                guards and all(_tests_configuration(g, func) for g in guards)):
            return BodyVerdict(AuthStatus.REQUIRED, "checks credentials and rejects without them")
        for guard in guards:
            if guard.value is not None and held & set(guard.value.names()):
                return BodyVerdict(AuthStatus.REQUIRED, "checks credentials and rejects without them")
        if any(_demands_role(g) for g in guards):
            return BodyVerdict(AuthStatus.REQUIRED, "rejects callers without the required role (anonymous ones too)")
        if _verifies_signature(func):
            return BodyVerdict(AuthStatus.REQUIRED, "verifies the request's signature")
        if self.always_rejects(mod, func):
            return BodyVerdict(AuthStatus.REQUIRED, "rejects every request")
        delegated = self._delegation(mod, func, this, depth)
        if delegated is not None:
            return delegated
        if _returns_none(func) and (held or reads_credential(self.index, mod, func)):
            return BodyVerdict(AuthStatus.OPTIONAL, "returns None when no credential is sent", weak=True)
        return None

    def shared_secret(self, func: FunctionDef, credentials: frozenset[str]) -> bool:
        """True when the body compares the credential with one configured secret
        (`compare_digest(token.credentials, self._token)`, `key != settings.API_KEY`): the caller
        is a trusted service holding that secret, not one user among many."""
        held = credentials | _credential_params(func)
        for stmt in walk_stmts(func.body):
            for expr in stmt.own_exprs():
                for sub in expr.walk():
                    if sub.kind == "compare" and any(op.strip() in ("==", "!=") for op in sub.text.split(",")):
                        operands = sub.args
                    elif sub.kind == "call" and sub.func.last_name \
                            == "compare_digest":
                        operands = sub.positional
                    else:
                        continue
                    if any(held & set(o.names()) for o in operands) and any(_configured_secret(o) for o in operands):
                        return True
        return False

    def always_rejects(self, mod: ModuleSummary, func: FunctionDef) -> bool:
        """True when the body's own first statements end in a rejection (`raise error_forbidden()`)."""
        for stmt in func.body:
            if stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "str":
                continue  # docstring
            if stmt.kind == "raise":
                return is_rejection(stmt, self.index, mod, func)
            if stmt.kind in ("if", "for", "while", "try", "with", "match", "return"):
                return False
        return False

    def _delegation(self, mod: ModuleSummary, func: FunctionDef, this: Instance | Ref | None,
                    depth: int) -> BodyVerdict | None:
        """What the project callables the body hands the request to say: REQUIRED when one that
        authenticates is called on every path; UNKNOWN when it is called on some paths only (in
        one branch of an `if`); OPTIONAL when one that lets anonymous callers through is called."""
        every = {id(stmt) for stmt in _on_every_path(func.body)}
        scope = Scope(mod, func, {"self": Value((this,))} if this is not None else None)
        seen = 0
        partial: BodyVerdict | None = None
        optional: BodyVerdict | None = None
        for stmt in outside_swallowing_try(func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if not _followable(call.func):
                        continue
                    seen += 1
                    if seen > _MAX_CALLEES:
                        return partial or optional
                    for callee, owner, callee_this in self._callees(mod, call.func, scope):
                        if callee.func is func or callee.func is None:
                            continue
                        found = self.verdict(callee.module, callee.func, callee_this, depth + 1)
                        if found is None:
                            continue
                        said = f"hands the request to `{owner}`, which {_short(found.detail)}"
                        if found.status is AuthStatus.REQUIRED and id(stmt) in every:
                            return BodyVerdict(AuthStatus.REQUIRED, said, delegated=True)
                        if found.status in (AuthStatus.REQUIRED, AuthStatus.UNKNOWN) and partial is None:
                            partial = BodyVerdict(AuthStatus.UNKNOWN, f"{said}, on some paths only", delegated=True)
                        elif found.status is AuthStatus.OPTIONAL and not found.weak and not found.delegated \
                                and optional is None and _passes_the_request(call):
                            optional = BodyVerdict(AuthStatus.OPTIONAL, said, delegated=True)
        return partial or optional

    def authorization_call(self, mod: ModuleSummary, func: FunctionDef,
                           this: Instance | Ref | None = None) -> str | None:
        """The project function a handler hands the caller to for an authorization decision
        (`await authorize(current_user, UserPolicy.list)`, `check_project_member(user, project)`):
        one that rejects with 403 or checks a role. Its name, else None."""
        scope = Scope(mod, func, {"self": Value((this,))} if this is not None else None)
        seen = 0
        for stmt in outside_swallowing_try(func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if (not call.positional and not call.keywords) or not _followable(call.func):
                        continue
                    seen += 1
                    if seen > _MAX_CALLEES:
                        return None
                    for callee, name, _this in self._callees(mod, call.func, scope):
                        if callee.func is not None and callee.func is not func and \
                                self._forbids(callee.module, callee.func):
                            return name
        return None

    def _forbids(self, mod: ModuleSummary, func: FunctionDef) -> bool:
        """True when the function checks a role, or rejects with 403 / a "forbidden" error under a test."""
        key = (mod.path, func.line, "forbids")
        if key not in self._cache:
            found = body_checks_role(func) is not None
            for _guard, reject in guarded_rejections(func.body, self.index, mod, func):
                text = reject.value.render(120).lower() if reject.value is not None else ""
                if any(w in text for w in _FORBIDDING):
                    found = True
            self._cache[key] = BodyVerdict(AuthStatus.REQUIRED, "forbids") if found else None
        return self._cache[key] is not None

    def _callees(self, mod: ModuleSummary, func_expr: Expr,
                 scope: Scope) -> list[tuple[Symbol, str, Instance | Ref | None]]:
        """Project functions a call may run: (function symbol, name to show, what `self` is in it)."""
        value = self.index.values.value(mod, func_expr, scope)
        out: list[tuple[Symbol, str, Instance | Ref | None]] = []
        for option in value.options:
            if isinstance(option, Ref) and option.symbol.func is not None:
                owner = self._owner_class(option.symbol)
                this: Instance | Ref | None = owner
                head = (func_expr.dotted or "").split(".", 1)[0]
                if head == "self" and scope.bound.get("self") is not None:
                    bound_self = scope.bound["self"].first
                    if isinstance(bound_self, Instance | Ref):
                        this = bound_self
                out.append((option.symbol, option.symbol.qualname.rsplit(".", 1)[-1], this))
            elif isinstance(option, Instance):
                method = find_method(self.index, option.cls, "__call__")
                if method is not None:
                    out.append((method, option.cls.qualname.rsplit(".", 1)[-1], option))
        return out

    def _owner_class(self, symbol: Symbol) -> Ref | None:
        head = symbol.qualname.rsplit(".", 1)[0]
        owner = self.index.lookup(head)
        return Ref(owner) if owner is not None and owner.cls is not None else None


_REQUEST_NAMES = frozenset({"request", "req", "websocket", "ws", "scope", "conn", "connection"})


def _passes_the_request(call: Expr) -> bool:
    """`optional_key(request)`: the helper reads the caller's credential from the request itself."""
    return any(arg.kind == "name" and arg.text in _REQUEST_NAMES
               for arg in call.arguments)


_ISSUER = lazy_compile(r"^_?(create|issue|generate|mint|make|grant)_\w*(auth|token|jwt|login|user_session|"
                     r"auth_session|login_session)\w*$")
_PASSWORD_CHECK = lazy_compile(r"^_?(verify|check|is_valid|validate)_password(_hash)?$|^check_password_hash$")


def _calls_an_issuer(func: FunctionDef) -> bool:
    """`return await _create_auth_response(request, user)`, `issue_session(user)`: hands out credentials."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind in ("name", "attr") and _ISSUER.match(call.func.text):
                    return True
    return False


def looks_like_login(func: FunctionDef) -> bool:
    """A handler that checks a password (or hands out credentials): the login endpoint itself,
    where callers become authenticated; its 401s are not a check of an existing credential."""
    if _calls_an_issuer(func) or issues_credentials(func) or _starts_a_session(func):
        return True
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind in ("name", "attr") and _PASSWORD_CHECK.match(sub.text):
                    return True
    return False


def _starts_a_session(func: FunctionDef) -> bool:
    """`request.session["user"] = ...`: a login callback storing who logged in."""
    for stmt in walk_stmts(func.body):
        if stmt.kind == "assign":
            for target in stmt.targets:
                if target.kind == "subscript" and (target.args[0].dotted or "").endswith("session"):
                    key = target.args[1] if len(target.args) > 1 else None
                    if key is not None and key.kind == "str" and any(
                            w in key.text.lower() for w in ("user", "account", "login", "auth", "token")):
                        return True
    return False


def _on_every_path(body: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """Statements that run whatever the request: not the branches of an `if` or a loop (their
    tests run, so `if not await validator.check(): return` counts), nor a `try` that swallows."""
    for stmt in body:
        if stmt.func is not None or stmt.cls is not None:
            continue
        yield stmt
        if stmt.kind == "with":
            yield from _on_every_path(stmt.body)
        elif stmt.kind == "try" and not any(inner.kind == "raise" for inner in walk_stmts(stmt.handlers)):
            continue  # failures are swallowed
        elif stmt.kind == "try":
            yield from _on_every_path(stmt.body)


def find_method(index: ProjectIndex, cls: Symbol, name: str) -> Symbol | None:
    """The method `name` of a project class or its nearest project base that defines it."""
    chain = [cls] + [b for b in (index.lookup(n) for n in index.base_names(cls)) if b is not None]
    for owner in chain:
        if owner.cls is None:
            continue
        method = owner.cls.method(name)
        if method is not None:
            return Symbol(f"{owner.qualname}.{method.name}", owner.module, func=method, line=method.line)
    return None


def _followable(func_expr: Expr) -> bool:
    """Calls worth resolving: a name, `self.x`, `obj.x`, `module.func` (not long attribute chains),
    and objects used as soon as they are built (`await KeyChecker(key)(request)`, `Validator(ws).check()`)."""
    node, parts = func_expr, 0
    while node.kind in ("call", "attr") and parts <= 3:
        if node.kind == "attr":
            parts += 1
        node = node.args[0]
    return node.kind == "name" and parts <= 2


def _this_key(this: Instance | Ref | None) -> str:
    if isinstance(this, Instance):
        return f"{this.cls.qualname}({this.call.render(60)})"
    if isinstance(this, Ref):
        return this.symbol.qualname
    return ""


def _short(detail: str) -> str:
    return detail.split("; ", 1)[0]


_FORBIDDING = ("403", "forbidden", "permission", "notallowed", "not_allowed", "accessdenied", "access_denied",
               "notauthorized", "not_authorized", "unauthorized_operation")
"""Words of a rejection that says the caller is known but not allowed."""
_CREDENTIAL_NAMES = ("token", "credential", "api_key", "apikey", "authorization", "session_id", "sessionid",
                     "session_token", "session_key", "cookie", "bearer", "jwt")


_NOT_A_CREDENTIAL = lazy_compile(r"(page|next|prev|continuation|pagination|cursor|csrf|xsrf|sync|resume|upload|"
                               r"push|device|fcm)_?tokens?$|tokens?_(count|limit|usage)|max_tokens")
"""Names with `token` that are not credentials (pagination cursors, CSRF tokens, LLM token counts)."""


def _credential_params(func: FunctionDef) -> frozenset[str]:
    """Parameters that hold a credential: by name, or filled from a credential header or cookie
    (`key: str = Header(alias="X-API-Key")`, `sid: str = Cookie(None, alias="session")`)."""
    out = set()
    for param in func.params:
        name = param.name.lower()
        if _NOT_A_CREDENTIAL.search(name):
            continue
        if any(w in name for w in _CREDENTIAL_NAMES):
            out.add(param.name)
            continue
        default = param.default
        if default is not None and default.kind == "call" and \
                (default.func.dotted or "").rsplit(".", 1)[-1] in ("Header", "Cookie"):
            text = default.render(120).lower()
            if any(w in text for w in (*_CREDENTIAL_NAMES, "session", "api-key", "x-api", "auth")):
                out.add(param.name)
    return frozenset(out)


_ROLE_TEST = lazy_compile(r"^(is_)?(admin|viewer|member|owner|staff|superuser|editor|guest|read_?only|manager|"
                        r"moderator)s?$|role|permission|scope", re.IGNORECASE)


def _role_test(guard: Stmt) -> bool:
    """True for a test that turns away callers of some role (`if user.is_viewer: raise`,
    `if user.role == "guest": raise`): a deny list, which lets anonymous callers through. A test
    that demands a role (`if not user.is_admin`, `"admin" not in roles`) turns them away too."""
    test = guard.value
    if guard.kind != "if" or test is None:
        return False
    if not any(sub.kind == "attr" and _ROLE_TEST.search(sub.text) for sub in test.walk()):
        return False
    parts = test.args if test.kind == "boolop" and test.text == "and" else (test,)
    for part in parts:
        if part.kind == "unary" and part.text == "not":
            return False
        if part.kind == "compare" and any(op.strip() in ("!=", "not in", "is") for op in part.text.split(",")):
            return False
    return True


def _tests_configuration(guard: Stmt, func: FunctionDef) -> bool:
    """True for a test that reads nothing of the request (`if get_env_disable_basic_auth(): raise
    403`, `if not settings.FEATURE: raise`): a feature switch, not a check of the caller."""
    test = guard.value
    if test is None:
        return False
    local = {p.name for p in func.params} | {t.text for s in walk_stmts(func.body) if s.kind in (
        "assign", "annassign", "for", "with") for t in s.targets if t.kind == "name"}
    return not (local & set(test.names()))


_USERISH = frozenset({"user", "current_user", "principal", "caller", "actor", "account", "me", "claims", "payload",
                      "identity", "member", "operator"})


def _demands_role(guard: Stmt) -> bool:
    """`if not user.is_admin: raise 403`, `if "admin" not in user.roles: raise`: a role the caller
    must have, read from the caller (anonymous callers have none, so they are turned away too)."""
    test = guard.value
    if guard.kind != "if" or test is None or _role_test(guard):
        return False
    for sub in test.walk():
        if sub.kind == "attr" and _ROLE_TEST.search(sub.text):
            root = (sub.dotted or "").split(".")
            if root[0] in _USERISH or (root[0] == "request" and len(root) > 2 and root[-2] == "user"):
                return True
    return False


_SIGNATURE_CALLS = lazy_compile(r"^(construct_event|verify_signature|verify_webhook\w*|validate_signature|"
                              r"verify_request_signature|verify_slack_signature|compare_digest|verify_hmac\w*|"
                              r"check_signature|validate_webhook\w*)$")


def _verifies_signature(func: FunctionDef) -> bool:
    """A webhook handler that verifies the sender's signature (`stripe.Webhook.construct_event`,
    `hmac.compare_digest(expected, request.headers[...])`) outside a `try` that swallows failures."""
    for stmt in outside_swallowing_try(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                name = call.func.last_name
                if _SIGNATURE_CALLS.match(name):
                    return True
    return False


_SECRET_WORDS = ("token", "secret", "key", "password")


def _configured_secret(expr: Expr) -> bool:
    """`self._token`, `settings.API_KEY`, `API_TOKEN` (possibly `.encode()`d): one configured secret."""
    while expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in ("encode", "strip"):
        expr = expr.func.args[0]
    dotted = expr.dotted or ""
    last = dotted.rsplit(".", 1)[-1]
    if not any(w in last.lower() for w in _SECRET_WORDS):
        return False
    root = dotted.split(".", 1)[0]
    return root in ("self", "settings", "config", "conf") or (expr.kind == "name" and last.isupper())


def _lets_anonymous_through(func: FunctionDef, held: frozenset[str]) -> bool:
    """`if token is None: return None` before anything else: a missing credential is let through
    (a bad one may still be rejected further down), so authentication is optional."""
    names = set(held)
    for stmt in func.body:
        if stmt.kind in ("assign", "annassign") and stmt.value is not None and len(stmt.targets) == 1 and \
                stmt.targets[0].kind == "name" and not _NOT_A_CREDENTIAL.search(stmt.targets[0].text.lower()):
            read = stmt.value.render(120).lower()  # token = request.headers.get("Authorization")
            from_request = any(w in read for w in ("request", "headers", "cookies", "websocket", "query_params"))
            if from_request and any(w in read for w in _CREDENTIAL_NAMES):
                names.add(stmt.targets[0].text)
        if stmt.kind != "if" or stmt.value is None or stmt.orelse:
            if stmt.kind in ("raise", "return"):
                return False
            continue
        test = stmt.value
        negated = test.kind == "unary" and test.text == "not"
        absent = test.kind == "compare" and test.text == "is" and len(test.args) == 2 and test.args[1].is_none
        subject = test.args[0] if (negated or absent) else None
        if subject is not None and subject.kind == "name" and subject.text in names and \
                any(inner.kind == "return" and (inner.value is None or inner.value.is_none) for inner in stmt.body):
            return True
    return False


def _returns_none(func: FunctionDef) -> bool:
    """`return None` somewhere in the body (`if not token: return None`): the caller may be anonymous."""
    return any(stmt.kind == "return" and (stmt.value is None or stmt.value.is_none)
               for stmt in walk_stmts(func.body))


__all__ = ["BodyJudge", "BodyVerdict", "find_method", "looks_like_login"]
