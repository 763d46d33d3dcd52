"""Values the client asserts about itself: cookies and request headers read in a handler.

A handler that compares such a value with a role (`request.COOKIES.get("admin") == "1"`,
`request.headers.get("X-Role") == "admin"`) or with a loopback address taken from a forwarding
header (`X-Forwarded-For == "127.0.0.1"`) lets the client decide its own privilege. Signed
stores (Django's and Flask's `session`) and the peer address (`REMOTE_ADDR`,
`request.remote_addr`, `request.client.host`) are not client assertions and are not read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.rules.inj._sources import is_request_object
from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts

_COOKIE_STORES = frozenset({"COOKIES", "cookies"})
_HEADER_STORES = frozenset({"headers", "META", "environ"})
_KEYED_CALLS = {"get_cookie": "cookie", "get_header": "header", "get_signed_cookie": ""}
"""Request methods taking the cookie or header name (`get_signed_cookie` is verified: not a claim)."""
_PARAM_MARKERS = {"Cookie": "cookie", "Header": "header"}
"""FastAPI parameter defaults that bind a cookie or header to a handler parameter."""

_ROLE_KEY = lazy_compile(r"admin|(?:^|[-_])(?:is[-_]?)?(?:roles?|superuser|staff|privileges?|moderator|"
                       r"user[-_]?(?:type|level|group)|access[-_]?level|root)(?:[-_]|$)", re.IGNORECASE)
"""Cookie and header names that carry a role: `admin`, `is_admin`, `X-User-Role`, `access_level`."""
_CREDENTIAL_KEY = lazy_compile(r"authorization|api[-_]?key|token|secret|passw|signature|csrf|xsrf|session|"
                             r"(?:^|[-_])key$", re.IGNORECASE)
"""Names of credentials: comparing one with a literal is a hard-coded secret (SECRET002), not a claim."""
_ROLE_VALUE = lazy_compile(r"admin|^(?:root|superuser|super[-_]user|staff|moderator|owner)$", re.IGNORECASE)
_FORWARD_HEADERS = frozenset({"x-forwarded-for", "x-real-ip", "x-client-ip", "forwarded", "true-client-ip",
                              "cf-connecting-ip", "x-originating-ip", "x-remote-addr", "x-cluster-client-ip"})
_IDENTITY_KEY = lazy_compile(r"^(?:x[-_])?(?:user[-_]?(?:id|name)?|uid|username|login|email|"
                           r"(?:account|member|customer)[-_]?id)$", re.IGNORECASE)
"""Cookie and header names that carry who the caller is: `userid`, `user_id`, `X-User-Id`, `email`."""
_LOOKUPS = frozenset({"get", "filter", "filter_by", "get_or_none", "get_object_or_404", "get_list_or_404"})
_SECRET_FIELD = lazy_compile(r"passw|otp|token|code|secret|pin|hash|key", re.IGNORECASE)
"""A lookup that also matches one of these fields checks a secret: the claim alone does not identify."""
_DECIDING = frozenset({"return", "raise", "assign", "annassign", "augassign"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_DECODERS = frozenset({"str", "int", "bool", "float", "loads", "b64decode", "urlsafe_b64decode", "unquote",
                       "decode", "split", "rsplit", "strip", "lower", "upper", "get", "partition", "casefold"})
"""Calls through which a claim stays a claim: conversions, decoding and string methods (a
verifier such as `signing.loads(...)` of Django is a call on another module, not one of these
methods on the value, and `loads` only counts as a method or `json.loads`)."""


class Claim(NamedTuple):
    """A client-controlled value: where it comes from and the cookie or header name."""

    store: str
    """`cookie` or `header`."""
    key: str
    """The cookie name, or the header name lower-cased with dashes (`x-forwarded-for`)."""


class Decision(NamedTuple):
    """A comparison that decides privilege on a claim, or a lookup that takes the caller's identity
    from one."""

    line: int
    claim: Claim
    test: str
    """The comparison or lookup as source text."""
    loopback: bool = False
    """True when the claim is a forwarding header compared with a loopback address."""
    identity: bool = False
    """True when an account is looked up by a cookie or header naming the user."""


def _header_key(store: str, key: str) -> str:
    if store in ("META", "environ"):
        if not key.startswith("HTTP_"):
            return ""  # REMOTE_ADDR, SERVER_NAME...: set by the server, not by the client
        key = key[5:]
    return key.lower().replace("_", "-")


def _read(e: Expr) -> Claim | None:
    """The claim this expression reads directly: `request.COOKIES["admin"]`, `request.headers.get("X-Role")`,
    `request.META["HTTP_USER_AGENT"]`, `request.access_route[0]`, `request.user_agent`."""
    if e.kind == "subscript" and len(e.args) == 2:
        holder, index = e.args
        if holder.kind == "attr" and is_request_object(holder.args[0]) and index.kind == "str":
            return _stored(holder.text, index.text)
        if holder.kind == "attr" and holder.text == "access_route" and is_request_object(holder.args[0]):
            return Claim("header", "x-forwarded-for")
    if e.kind == "call" and e.func.kind == "attr":
        name, recv = e.func.text, e.func.args[0]
        first = e.arg(0)
        key = first.text if first is not None and first.kind == "str" else None
        if key is None:
            return None
        if name == "get" and recv.kind == "attr" and is_request_object(recv.args[0]):
            return _stored(recv.text, key)
        if name in _KEYED_CALLS and _KEYED_CALLS[name] and (is_request_object(recv) or recv.dotted == "self"):
            store = _KEYED_CALLS[name]
            return Claim(store, key if store == "cookie" else key.lower())
    if e.kind == "attr" and e.text in ("access_route", "user_agent") and is_request_object(e.args[0]):
        return Claim("header", "x-forwarded-for" if e.text == "access_route" else "user-agent")
    return None


def _stored(store: str, key: str) -> Claim | None:
    if store in _COOKIE_STORES:
        return Claim("cookie", key)
    if store in _HEADER_STORES:
        header = _header_key(store, key)
        return Claim("header", header) if header else None
    return None


def _param_claims(func: FunctionDef) -> dict[str, Claim]:
    """FastAPI parameters bound to a cookie or header: `is_admin: bool = Cookie(False)`,
    `x_role: str = Header(None)` (named by `alias=` when given)."""
    out: dict[str, Claim] = {}
    for param in func.params:
        marker = _marker(param.default)
        if marker is None and param.annotation is not None and param.annotation.kind == "subscript":
            for part in param.annotation.args[1:]:  # Annotated[str, Header()]
                marker = marker or _marker(part)
        if marker is None:
            continue
        store, call = marker
        alias = call.kwarg("alias")
        key = alias.text if alias is not None and alias.kind == "str" else param.name
        out[param.name] = Claim(store, key if store == "cookie" else key.lower().replace("_", "-"))
    return out


def _marker(e: Expr | None) -> tuple[str, Expr] | None:
    if e is None or e.kind != "call":
        return None
    short = (e.func.dotted or "").rsplit(".", 1)[-1]
    store = _PARAM_MARKERS.get(short)
    return (store, e) if store is not None else None


def _claim_of(e: Expr, local: dict[str, Claim]) -> Claim | None:
    """The claim an expression carries: a direct read, a local holding one, or either passed through
    conversions, decoding, indexing and string methods (`cookie.split("|")[0]`)."""
    direct = _read(e)
    if direct is not None:
        return direct
    if e.kind == "name":
        return local.get(e.text)
    if e.kind in ("subscript", "attr") and e.args:
        return _claim_of(e.args[0], local)
    if e.kind == "await" and e.args:
        return _claim_of(e.args[0], local)
    if e.kind in ("ifexp", "boolop"):  # `xff.split(",")[0] if xff else ...`, `headers.get("X-Role") or "viewer"`
        for part in (e.args[1:] if e.kind == "ifexp" else e.args):
            found = _claim_of(part, local)
            if found is not None:
                return found
        return None
    if e.kind == "call":
        callee = e.func
        if callee.kind == "attr" and callee.text in _DECODERS:
            found = _claim_of(callee.args[0], local)
            if found is not None:
                return found
            if callee.dotted not in ("json.loads", "base64.b64decode", "base64.urlsafe_b64decode"):
                return None
        elif callee.kind != "name" or callee.text not in _DECODERS:
            return None
        for arg in e.positional:
            found = _claim_of(arg, local)
            if found is not None:
                return found
    return None


def _locals(func: FunctionDef) -> dict[str, Claim]:
    """Local names that hold a claim, assignments followed to a fixed point (flow-insensitive: a name
    assigned a claim on one branch holds it, as `ip = xff.split(",")[0]` / `else: ip = REMOTE_ADDR`)."""
    local = _param_claims(func)
    assigns = [s for s in walk_stmts(func.body) if s.kind in ("assign", "annassign") and s.value is not None]
    for _ in range(4):
        changed = False
        for stmt in assigns:
            assert stmt.value is not None
            claim = _claim_of(stmt.value, local)
            if claim is None:
                continue
            for target in stmt.targets:
                if target.kind == "name" and target.text not in local:
                    local[target.text] = claim
                    changed = True
        if not changed:
            break
    return local


def _literals(e: Expr) -> list[str]:
    if e.kind in ("str", "num"):
        return [e.text]
    if e.kind in ("tuple", "list", "set"):
        return [a.text for a in e.args if a.kind in ("str", "num")]
    return []


def _judge(claim: Claim, values: list[str]) -> bool | None:
    """True (loopback trust), False (role claim), None (not a privilege decision). An address
    (`admin@example.com`) names an account, not a role."""
    if _CREDENTIAL_KEY.search(claim.key):
        return None
    if _ROLE_KEY.search(claim.key) or any(_ROLE_VALUE.search(v) and "@" not in v for v in values):
        return False
    if claim.key in _FORWARD_HEADERS and any(v in _LOOPBACK for v in values):
        return True
    return None


def _compare(e: Expr, local: dict[str, Claim]) -> tuple[Claim, bool] | None:
    ops = e.text.split(",")
    if len(ops) != 1 or ops[0] not in ("==", "!=", "in", "not in") or len(e.args) != 2:
        return None
    left, right = e.args
    for side, other in ((left, right), (right, left)):
        values = _literals(other)
        if not values:
            continue
        claim = _claim_of(side, local)
        if claim is None:
            continue
        verdict = _judge(claim, values)
        if verdict is not None:
            return claim, verdict
    return None


def _truth_tests(test: Expr) -> Iterator[Expr]:
    """The operands an `if` tests for truth: `a`, `not a`, each side of `and`/`or`."""
    if test.kind == "boolop":
        for arg in test.args:
            yield from _truth_tests(arg)
    elif test.kind == "unary" and test.text == "not" and test.args:
        yield from _truth_tests(test.args[0])
    else:
        yield test


def decisions(func: FunctionDef) -> Iterator[Decision]:
    """Comparisons in the handler that decide privilege on a cookie or header the client sends, and
    account lookups keyed by one (`User.objects.get(pk=request.COOKIES["user_id"])`)."""
    local = _locals(func)
    seen: set[int] = set()
    for stmt in walk_stmts(func.body):
        found = _in_statement(stmt, local) or _identity_lookup(stmt, local)
        if found is not None and stmt.line not in seen:
            seen.add(stmt.line)
            yield found


def _decides(stmt: Stmt) -> bool:
    """An `if` whose branches return, raise or set a value (`if ip != "127.0.0.1": log.warning(...)`
    only chooses what to log)."""
    if stmt.kind != "if":
        return False
    return any(s.kind in _DECIDING for s in walk_stmts((*stmt.body, *stmt.orelse)))


def _in_statement(stmt: Stmt, local: dict[str, Claim]) -> Decision | None:
    if not _decides(stmt) or stmt.value is None:
        return None
    for sub in stmt.value.walk():
        if sub.kind != "compare":
            continue
        judged = _compare(sub, local)
        if judged is not None:
            return Decision(stmt.line, judged[0], sub.render(70), judged[1])
    for operand in _truth_tests(stmt.value):
        claim = _claim_of(operand, local)
        if claim is not None and not _CREDENTIAL_KEY.search(claim.key) and _ROLE_KEY.search(claim.key):
            return Decision(stmt.line, claim, operand.render(70), False)
    return None


def _identity_lookup(stmt: Stmt, local: dict[str, Claim]) -> Decision | None:
    """An ORM lookup (`.get`, `.filter`, `filter_by`, `get_object_or_404`) whose keyword argument is a
    cookie or header naming the user, with no secret field (password, OTP, token) matched beside it."""
    for expr in stmt.own_exprs():
        for call in expr.calls():
            callee = call.func
            name = callee.text if callee.kind == "attr" else (callee.dotted or "").rsplit(".", 1)[-1]
            if name not in _LOOKUPS or not call.keywords:
                continue
            if any(kw.name is not None and _SECRET_FIELD.search(kw.name) for kw in call.keywords):
                continue
            for kw in call.keywords:
                if kw.name is None:
                    continue
                claim = _claim_of(kw.value, local)
                if claim is not None and _IDENTITY_KEY.match(claim.key) and not _CREDENTIAL_KEY.search(claim.key):
                    return Decision(stmt.line, claim, call.render(70), identity=True)
    return None
