"""JWT002: JWT decoded without a fixed list of accepted algorithms."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.project import ProjectIndex
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.jwt._calls import JOSE, PYJWT, JwtCall, algorithms, all_jwt_calls, jwt_calls, verifies
from apilint.rules.jwt._fixes import pin_algorithms, signing_algorithm
from apilint.summary import Expr, walk_stmts

_SYMMETRIC = ("HS",)
_ASYMMETRIC = ("RS", "ES", "PS", "ED")


def _reads_alg(expr: Expr) -> bool:
    """`header["alg"]` or `header.get("alg")`."""
    for sub in expr.walk():
        if sub.kind == "subscript" and any(a.kind == "str" and a.text == "alg" for a in sub.args[1:]):
            return True
        if (sub.kind == "call" and sub.func.kind == "attr" and sub.func.text == "get" and sub.positional
                and sub.positional[0].kind == "str" and sub.positional[0].text == "alg"):
            return True
    return False


def _from_header(index: ProjectIndex, jc: JwtCall, arg: Expr) -> bool:
    """The algorithms come from the token's own header, with no allow-list check in between."""
    header_calls = [other.call for other in jwt_calls(index, jc.mod) if other.func is jc.func and other.op == "header"]

    def derived(expr: Expr, names: set[str]) -> bool:
        return _reads_alg(expr) or any(n in names for n in expr.names()) or any(
            call in header_calls for call in expr.calls())

    tainted: set[str] = set()
    for stmt in walk_stmts(jc.scope):
        if stmt.kind in ("assign", "annassign") and stmt.value is not None and derived(stmt.value, tainted):
            tainted.update(t.text for t in stmt.targets if t.kind == "name")
    if not derived(arg, tainted):
        return False
    for stmt in walk_stmts(jc.scope):
        if stmt.kind in ("if", "assert", "while") and stmt.value is not None:
            for sub in stmt.value.walk():
                if sub.kind == "compare" and any(op in ("in", "not in", "==", "!=") for op in sub.text.split(",")) \
                        and any(n in tainted for n in sub.names()):
                    return False  # checked against an allow-list before use
    return True


class JwtAlgorithmsUnpinned(Rule):
    """
    ## What it finds
    Token decoding that lets the token choose its own algorithm: `jwt.decode(token, key)`
    without `algorithms=` (or with `algorithms=None`), and `algorithms` taken from the token's
    unverified header (`algorithms=[jwt.get_unverified_header(token)["alg"]]`) without an
    allow-list check. Lists that mix HMAC (`HS256`) with public-key algorithms (`RS256`) are
    reported with low confidence.

    Confidence follows the library: python-jose without `algorithms` accepts whatever the
    header names (medium); PyJWT 2 refuses to decode without `algorithms`, so there the call
    is a crash rather than a hole unless PyJWT 1.x is installed (low). An algorithm read from
    the header is high in either library.

    ## Why it matters
    When the token picks the algorithm, an attacker can switch an RS256 deployment to HS256
    and sign tokens with the server's *public* key as the HMAC secret (algorithm confusion),
    or pick a weak algorithm the server never meant to accept (CWE-347 Improper Verification
    of Cryptographic Signature, CWE-757 Selection of Less-Secure Algorithm During Negotiation,
    OWASP API2:2023 Broken Authentication).

    ## Options
    None.

    ## Known limitations
    The installed PyJWT version is not read, so PyJWT calls without `algorithms` stay low
    confidence. Algorithms computed at run time (from configuration) are trusted. Decodes that
    do not check the signature at all are JWT001's, not reported here.

    ## References
    - https://cwe.mitre.org/data/definitions/347.html
    - https://cwe.mitre.org/data/definitions/757.html
    - https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode
    - https://auth0.com/blog/critical-vulnerabilities-in-json-web-token-libraries/
    """

    code = "JWT002"
    name = "jwt-algorithms-unpinned"
    summary = "JWT decoded without pinning the accepted algorithms"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (347, 757)
    owasp = ("API2:2023",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.SAFE})
    fix_note = ("Sets `algorithms=[...]` to the one algorithm the project's own `encode` calls sign tokens "
                "with the same key (the constant they use, such as `ALGORITHM`, when there is one). Offered "
                "only when every such call agrees: tokens signed elsewhere (a partner's public key) get no fix.")

    bad = Example("""
        import os

        from jose import jwt

        PUBLIC_KEY = os.environ["JWT_PUBLIC_KEY"]


        def current_user_id(token: str) -> str:
            claims = jwt.decode(token, PUBLIC_KEY)  # expect: JWT002
            return claims["sub"]
    """)

    good = Example("""
        import os

        from jose import jwt

        PUBLIC_KEY = os.environ["JWT_PUBLIC_KEY"]


        def current_user_id(token: str) -> str:
            claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"])
            return claims["sub"]
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Read the `algorithms` argument of every verifying PyJWT / python-jose decode."""
        for jc in all_jwt_calls(ctx.index):
            if jc.op != "decode" or jc.lib not in (PYJWT, JOSE) or not verifies(ctx.index, jc):
                continue
            found = self._judge(ctx.index, jc)
            if found is not None:
                message, confidence = found
                pinned = signing_algorithm(ctx.index, jc)
                yield self.finding(
                    jc.location, f"`{jc.call.func.render(40)}(...)` {jc.where} {message}",
                    "Pass the one algorithm your tokens are issued with as a literal list "
                    "(`algorithms=[\"HS256\"]` or `[\"RS256\"]`), never a value read from the token",
                    confidence=confidence, symbol=jc.symbol,
                    fix_plan=pin_algorithms(jc, pinned) if pinned is not None else None)

    def _judge(self, index: ProjectIndex, jc: JwtCall) -> tuple[str, Confidence] | None:
        arg, algs = algorithms(index, jc)
        if arg is None or arg.is_none:
            if jc.lib == JOSE:
                return ("has no `algorithms=`: python-jose then accepts whatever algorithm the token's header "
                        "names, which opens algorithm-confusion forgeries", Confidence.MEDIUM)
            return ("has no `algorithms=`: PyJWT 2 refuses such a call, and PyJWT 1.x accepts whatever algorithm "
                    "the token's header names, which opens algorithm-confusion forgeries", Confidence.LOW)
        if algs is None:
            if _from_header(index, jc, arg):
                return ("takes `algorithms` from the token's own unverified header: the attacker chooses how the "
                        "signature is checked (for example HS256 with your public key as the secret)",
                        Confidence.HIGH)
            return None
        families = {a[:2].upper() for a in algs}
        if families & set(_SYMMETRIC) and families & set(_ASYMMETRIC):
            return (f"accepts both HMAC and public-key algorithms ({', '.join(algs)}): a token signed with HS256 "
                    "using the public key as the secret may pass", Confidence.LOW)
        return None
