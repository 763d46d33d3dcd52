"""JWT001: JWT decoded without checking its signature."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import FixPlan
from apilint.project import ProjectIndex
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.jwt._calls import (
    JOSE,
    JwtCall,
    algorithms,
    all_jwt_calls,
    dict_items,
    is_false,
    jwt_calls,
    literal,
    option,
    verifies,
    verify_flag,
)
from apilint.rules.jwt._fixes import verify_signature


def _why_unverified(index: ProjectIndex, jc: JwtCall) -> str | None:
    """What switches signature checking off in this call, in words; None when it is checked."""
    if jc.op == "claims":
        return "reads the claims with `jwt.get_unverified_claims()`"
    if jc.op == "encode":
        alg = literal(index, jc, jc.call.arg(2, "algorithm"))
        if alg is not None and alg.kind == "str" and alg.text.lower() == "none":
            return ('issues tokens with `algorithm="none"`, which carry no signature: whatever accepts them '
                    "accepts tokens anyone can write")
        return None
    if jc.op != "decode" or verifies(index, jc):
        return None
    if is_false(option(index, jc, "verify_signature")):
        raw = (dict_items(jc.call.kwarg("options")) or {}).get("verify_signature")
        named = f" (`{raw.render(40)}` is False)" if raw is not None and raw.kind in ("name", "attr") else ""
        return f'passes `options={{"verify_signature": False}}`{named}'
    if is_false(verify_flag(index, jc)):
        raw = jc.call.kwarg("verify")
        named = f" (`{raw.render(40)}` is False)" if raw is not None and raw.kind in ("name", "attr") else ""
        return f"passes `verify=False`{named}"
    _, algs = algorithms(index, jc)
    if algs is not None and any(a.lower() == "none" for a in algs):
        return 'accepts the `"none"` algorithm'
    return None


class JwtSignatureNotVerified(Rule):
    """
    ## What it finds
    JSON Web Tokens decoded without checking their signature: PyJWT or python-jose
    `jwt.decode(...)` with `options={"verify_signature": False}`, `verify=False` (PyJWT 1.x),
    or an `algorithms` list that accepts `"none"`, and python-jose
    `jwt.get_unverified_claims(token)`. The options dict, its values
    (`{"verify_signature": VERIFY}` with `VERIFY = False`), the `verify` flag and the algorithms
    list are followed through local variables, module constants and settings-class attributes.
    Calls are recognised through the module's imports (`import jwt`, `from jose import jwt`),
    never by method name.

    Issuing unsigned tokens (`jwt.encode(claims, key, algorithm="none")`) is reported with
    medium confidence, low when no key is passed (an unsigned assertion on purpose): whatever
    accepts them must accept forgeries.

    A function that peeks at the unverified token and then decodes it again with signature
    checking (to pick the key by `kid` or issuer) is not reported. Reading the claims with
    `get_unverified_claims()` is reported with medium confidence, because the claims may be
    used only for display.

    Where the code says the token is the identity provider's, confidence is lower: an OpenID
    Connect `id_token` (a value so named), which a client that received it straight from the
    provider's token endpoint over TLS may read unverified (OpenID Connect Core 3.1.3.7), and a
    helper named for reading unverified claims (`get_unverified_claims`) are low; other tokens
    decoded in single sign-on code (a module or function named for SSO, OIDC or OAuth) are
    medium.

    ## Why it matters
    The signature is the only thing that ties a token to the server that issued it. Without
    it, anyone can write a token with any `sub`, role or tenant and be accepted as that user
    (CWE-347 Improper Verification of Cryptographic Signature, OWASP API2:2023 Broken
    Authentication).

    ## Options
    None.

    ## Known limitations
    Options built at run time (`options=self.options`) are not read. Decoding without
    verification is reported even when the token was checked by another service just before
    (an introspection call); suppress the line if that is the design. Tokens checked by
    authlib are always verified and never reported.

    ## References
    - https://cwe.mitre.org/data/definitions/347.html
    - https://pyjwt.readthedocs.io/en/stable/usage.html#reading-the-claimset-without-validation
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """

    code = "JWT001"
    name = "jwt-signature-not-verified"
    summary = "JWT decoded without verifying its signature"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (347,)
    owasp = ("API2:2023",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.SAFE})
    fix_note = ("Removes what turns verification off (the `verify_signature` option, `verify=False`, the "
                "`\"none\"` algorithm) and pins `algorithms=` when the call has none. Offered when the call "
                "passes a key and the algorithm is known (the call's own list, or the one the project signs "
                "that key's tokens with); never for `get_unverified_claims()`.")

    bad = Example("""
        import os

        import jwt

        JWT_KEY = os.environ["JWT_KEY"]


        def current_user_id(token: str) -> str:
            claims = jwt.decode(token, JWT_KEY, options={"verify_signature": False})  # expect: JWT001
            return claims["sub"]
    """)

    good = Example("""
        import os

        import jwt

        JWT_KEY = os.environ["JWT_KEY"]


        def current_user_id(token: str) -> str:
            claims = jwt.decode(token, JWT_KEY, algorithms=["HS256"])
            return claims["sub"]
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report unverified decodes, unless the same function verifies the token as well."""
        for jc in all_jwt_calls(ctx.index):
            why = _why_unverified(ctx.index, jc)
            if why is None or (jc.op != "encode" and _verified_nearby(ctx.index, jc)):
                continue
            call = jc.call.func.render(40)
            if jc.op == "encode":
                key = jc.key()
                yield self.finding(
                    jc.location, f"`{call}(...)` {jc.where} {why}",
                    "Sign tokens with a key and an algorithm such as HS256 or RS256, and make every verifier "
                    "reject `none`", symbol=jc.symbol,
                    confidence=Confidence.LOW if key is None or key.is_none else Confidence.MEDIUM)
                continue
            confidence, context = _context(jc)
            yield self.finding(
                jc.location,
                f"`{call}(...)` {jc.where} {why}: the token's signature is never checked, so anyone can "
                f"forge a token with any user id or role and it will be accepted{context}",
                "Decode with the signing key and a pinned algorithm (`jwt.decode(token, KEY, "
                "algorithms=[\"HS256\"])`) and remove the option that turns verification off",
                confidence=confidence,
                symbol=jc.symbol,
                fix_plan=_fix(ctx.index, jc),
            )


_PROVIDER_WORDS = ("sso", "oidc", "openid", "oauth")


def _context(jc: JwtCall) -> tuple[Confidence | None, str]:
    """The finding's confidence (None: the rule's) and what the code says about the token.

    An OpenID Connect `id_token` (a value so named) is read from the identity provider's token
    response: received straight from the provider over TLS it may be read without checking
    its signature (OpenID Connect Core 3.1.3.7), so the finding is low confidence. So is a
    helper whose name says it reads unverified claims: the risk is in callers that trust them.
    Other tokens decoded in single sign-on code (a module or function named for SSO, OIDC or
    OAuth) are usually the provider's too: medium.
    """
    token = jc.call.arg(0, "token" if jc.lib == JOSE else "jwt")
    names = " ".join(e.text.lower() for e in token.walk() if e.kind in ("name", "attr")) if token else ""
    func = (jc.func.qualname if jc.func is not None else "").lower()
    if "id_token" in names or "idtoken" in names:
        return Confidence.LOW, (" (if this `id_token` comes straight from the identity provider's token endpoint "
                                "over TLS, reading it unverified is allowed; make sure no client can hand one in)")
    if "unverified" in func.rsplit(".", 1)[-1]:
        return Confidence.LOW, " (this helper is named for reading unverified claims: check that no caller trusts them)"
    if any(word in f"{jc.mod.path.lower()} {func}" for word in _PROVIDER_WORDS):
        return Confidence.MEDIUM, (" (in single sign-on code: if the token comes from the identity provider "
                                   "over TLS rather than from a client, this is by design)")
    return (Confidence.MEDIUM if jc.op == "claims" else None), ""


def _fix(index: ProjectIndex, jc: JwtCall) -> FixPlan | None:
    """Drop the switch that turns verification off, when the call then verifies for sure."""
    if jc.op != "decode":
        return None
    drop_keys = ["options:verify_signature"] if is_false(option(index, jc, "verify_signature")) else []
    options = jc.call.kwarg("options")
    if drop_keys and (options is None or options.kind != "dict"):
        return None  # the options come from a variable: not edited here
    remove = ["verify"] if is_false(jc.call.kwarg("verify")) else []
    _, algs = algorithms(index, jc)
    drop_none = bool(algs) and any(a.lower() == "none" for a in algs or ())
    return verify_signature(index, jc, drop_keys, remove, drop_none)


def _verified_nearby(index: ProjectIndex, jc: JwtCall) -> bool:
    """The enclosing function also decodes with signature checking (peek first, then verify)."""
    if jc.func is None:
        return False
    return any(other.func is jc.func and other is not jc and verifies(index, other)
               for other in jwt_calls(index, jc.mod))
