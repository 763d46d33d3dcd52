"""JWT003: tokens issued without an expiry, or decoded without checking it."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.jwt._calls import JwtCall, all_jwt_calls, dict_items, is_false, local_value, option
from apilint.summary import Expr, walk_exprs

_ISSUING_WORDS = ("access", "login", "signin", "sign_in", "auth", "token", "jwt", "issue", "refresh", "credential")


def _mentions_exp(jc: JwtCall) -> bool:
    """Any `"exp"` string or `exp=` keyword in the function: the claim may be added on the way."""
    for _stmt, expr in walk_exprs(jc.scope):
        if (expr.kind == "str" and expr.text == "exp") or any(kw.name == "exp" for kw in expr.keywords):
            return True
    return False


def _unsigned(jc: JwtCall) -> bool:
    """`algorithm="none"` or `key=None`: an unsigned assertion for another service, not a credential."""
    alg = jc.call.kwarg("algorithm")
    key = jc.key()
    return (alg is not None and alg.kind == "str" and alg.text.lower() == "none") or (key is not None and key.is_none)


def _claims_without_exp(index: ProjectIndex, jc: JwtCall) -> Expr | None:
    """The claims dict built in plain sight in this function (or inline) when it has no `exp`."""
    payload = jc.payload()
    if payload is None or _unsigned(jc):
        return None
    if payload.kind == "name":
        if jc.func is None:
            return None
        payload = local_value(jc.scope, payload.text, jc.stmt.line)
        if payload is None:
            return None
    items = dict_items(payload)
    if items is None or not items:
        return None
    if payload.kind == "dict" and len(items) * 2 != len(payload.args):
        return None  # `**other` or computed keys: the claims are not all visible
    if payload.kind == "call" and any(kw.name is None for kw in payload.keywords):
        return None
    if "exp" in items or _mentions_exp(jc):
        return None
    return payload


class JwtWithoutExpiry(Rule):
    """
    ## What it finds
    Tokens that never expire: `jwt.encode(claims, ...)` (PyJWT, python-jose, authlib) where the
    claims are a dict literal written inline or built in the same function and no `exp` claim
    is set anywhere in that function; and decoding with `options={"verify_exp": False}`, which
    accepts tokens whose expiry has passed.

    Only claims that are visible in full are judged: a dict with `**extra`, a dict received as
    a parameter, or a function that mentions `"exp"` anywhere (`claims["exp"] = ...`,
    `claims.update(exp=...)`) is not reported, nor are unsigned assertions for another service
    (`algorithm="none"`, `key=None`). Issuing without `exp` has medium confidence in a function
    named for issuing credentials (`create_access_token`, `login`) and low elsewhere (some
    tokens are bound to a session or revoked by other means); switching the expiry check off
    has high confidence; when the decode still requires the claim (`"require": ["exp"]`), it is
    not reported if the function compares the expiry with the clock itself
    (`return now < claims.exp`), and low confidence otherwise (a caller may compare it).

    ## Why it matters
    A token without expiry is a password that cannot be changed: once it leaks (logs, browser
    storage, a proxy), it works forever, and logging out or resetting the password does not
    stop it (CWE-613 Insufficient Session Expiration, OWASP API2:2023 Broken Authentication).

    ## Options
    None.

    ## Known limitations
    Claims assembled by a helper function, or received as a parameter, are not followed.
    Tokens that expire through a server-side deny-list or session table are still reported
    when they carry no `exp`; suppress the line if that is the design.

    ## References
    - https://cwe.mitre.org/data/definitions/613.html
    - https://datatracker.ietf.org/doc/html/rfc7519#section-4.1.4
    - https://pyjwt.readthedocs.io/en/stable/usage.html#expiration-time-claim-exp
    """

    code = "JWT003"
    name = "jwt-without-expiry"
    summary = "JWT issued without an expiry, or decoded without checking it"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (613,)
    owasp = ("API2:2023",)

    bad = Example("""
        import os

        import jwt

        JWT_KEY = os.environ["JWT_KEY"]


        def issue_token(user_id: int) -> str:
            claims = {"sub": str(user_id), "scope": "user"}
            return jwt.encode(claims, JWT_KEY, algorithm="HS256")  # expect: JWT003
    """)

    good = Example("""
        import os
        from datetime import datetime, timedelta, timezone

        import jwt

        JWT_KEY = os.environ["JWT_KEY"]


        def issue_token(user_id: int) -> str:
            claims = {"sub": str(user_id), "scope": "user",
                      "exp": datetime.now(timezone.utc) + timedelta(minutes=30)}
            return jwt.encode(claims, JWT_KEY, algorithm="HS256")
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Judge the claims of every encode and the options of every decode."""
        for jc in all_jwt_calls(ctx.index):
            call = jc.call.func.render(40)
            if jc.op == "decode" and is_false(option(ctx.index, jc, "verify_exp")) and \
                    (own := _own_expiry_check(ctx.index, jc)) is not True:
                yield self.finding(
                    jc.location,
                    f"`{call}(...)` {jc.where} passes `options={{\"verify_exp\": False}}`: expired tokens are "
                    "still accepted, so a leaked or logged-out token keeps working forever",
                    "Remove `verify_exp: False`; to tolerate clock skew pass a small `leeway=` instead",
                    confidence=Confidence.LOW if own is None else Confidence.HIGH, symbol=jc.symbol)
            elif jc.op == "encode" and _claims_without_exp(ctx.index, jc) is not None:
                yield self.finding(
                    jc.location,
                    f"`{call}(...)` {jc.where} issues a token whose claims have no `exp`: it never expires, "
                    "so a leaked token works forever and logging out cannot end it",
                    "Add an expiry claim, e.g. `\"exp\": datetime.now(timezone.utc) + timedelta(minutes=30)`",
                    confidence=_issuing_confidence(jc), symbol=jc.symbol)


def _own_expiry_check(index: ProjectIndex, jc: JwtCall) -> bool | None:
    """Whether a decode that switches the library's expiry check off checks expiry itself: True when
    it still demands the claim (`options={"verify_exp": False, "require": ["exp", ...]}`) and its
    function compares the expiry with the clock (`return now < claims.exp`); None when it demands
    the claim but the comparison is not in sight (a caller may make it); False otherwise."""
    required = option(index, jc, "require")
    if required is None or required.kind not in ("list", "tuple", "set") or \
            not any(item.kind == "str" and item.text == "exp" for item in required.args):
        return False
    for _stmt, expr in walk_exprs(jc.scope):
        if expr.kind != "compare":
            continue
        for side in expr.args:
            if (side.kind == "attr" and side.text == "exp") or \
                    (side.kind == "subscript" and len(side.args) == 2 and side.args[1].kind == "str"
                     and side.args[1].text == "exp"):
                return True
    return None


def _issuing_confidence(jc: JwtCall) -> Confidence:
    """Medium in a function named for issuing credentials (`create_access_token`, `login`), else low."""
    name = jc.func.name.lower() if jc.func is not None else ""
    return Confidence.MEDIUM if any(w in name for w in _ISSUING_WORDS) else Confidence.LOW
