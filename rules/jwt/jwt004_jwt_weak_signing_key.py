"""JWT004: JWTs signed with a short, guessable or weakly generated HMAC key."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Location
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.jwt._keys import key_uses
from apilint.rules.secret._keys import Origin, Weakness, weakness

_FIX = ("Use a random key of at least 32 bytes from a secret store or the environment, with no fallback "
        "(`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`), and rotate the current one")


class JwtWeakSigningKey(Rule):
    """
    ## What it finds
    The HMAC key that signs or checks JSON Web Tokens (`HS256`, `HS384`, `HS512`) when it is weak:

    - a literal (or constant, settings default, `app.config` entry, environment fallback) that is
      a common word (`"secret"`, `"random"`, `"changeme"`), made of a few repeated characters
      (`"aaaaaaa"`), under 16 characters, or a short run of digits;
    - a key generated at start-up with Python's predictable `random` module
      (`"".join(random.choices(digits, k=6))`) or with too little randomness
      (`secrets.token_hex(4)`, six `secrets.choice` picks).

    Keys are followed from the `key` argument of PyJWT / python-jose `jwt.encode` / `jwt.decode`
    through local variables, module constants, settings-class attributes, Flask config
    (`app.config["JWT_SECRET_KEY"]`, `app.config.get("SECRET_KEY")`, `app.secret_key`), Django
    settings, `os.getenv("KEY", default)` fallbacks and project functions that generate the key.
    Keys of Flask-JWT-Extended, Flask-GraphQL-Auth and Flask-JWT (`JWT_SECRET_KEY`, else
    `SECRET_KEY`) and Simple JWT (`SIMPLE_JWT["SIGNING_KEY"]`) are judged too. Calls that use a
    public-key algorithm (`RS256`, `ES256`) are not judged. The finding is reported once per key,
    where the weak value is written.

    Confidence: a guessable or weakly generated key is high; one that is only the fallback of an
    environment variable is low (medium when generated).

    ## Why it matters
    Anyone holding one token can search for its HMAC key offline, at billions of guesses a
    second, with no request to the server; a dictionary word or a key from a few random digits
    falls in seconds. With the key, the attacker signs tokens for any user or role (CWE-326
    Inadequate Encryption Strength, CWE-330 Use of Insufficiently Random Values, CWE-1391 Use of
    Weak Credentials, OWASP API2:2023 Broken Authentication).

    ## Options
    None.

    ## Known limitations
    Keys read from files or secret stores at run time are not judged. Keys built by functions
    that take arguments, or passed through several calls, are not followed. Whether a
    hard-coded key is committed is SECRET001's finding; this rule judges its strength, and does
    not report a random-looking literal only for being shorter than the 32 bytes RFC 7518 asks
    for HS256.

    ## References
    - https://cwe.mitre.org/data/definitions/326.html
    - https://cwe.mitre.org/data/definitions/1391.html
    - https://datatracker.ietf.org/doc/html/rfc7518#section-3.2
    - https://pyjwt.readthedocs.io/en/stable/usage.html#encoding-decoding-tokens-with-hs256
    """

    code = "JWT004"
    name = "jwt-weak-signing-key"
    summary = "JWTs signed with a short, guessable or weakly generated HMAC key"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (326, 330, 1391)
    owasp = ("API2:2023",)

    bad = Example("""
        import os
        import random
        import string

        import jwt

        JWT_KEY = os.getenv("JWT_KEY", "".join(random.choices(string.digits, k=6)))  # expect: JWT004


        def issue_token(user_id: int) -> str:
            return jwt.encode({"sub": str(user_id), "exp": 1700000000}, JWT_KEY, algorithm="HS256")
    """)

    good = Example("""
        import os

        import jwt

        JWT_KEY = os.environ["JWT_KEY"]


        def issue_token(user_id: int) -> str:
            return jwt.encode({"sub": str(user_id), "exp": 1700000000}, JWT_KEY, algorithm="HS256")
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Judge every value each HMAC key use can take; report each weak value once."""
        reported: dict[tuple[str, int], list[str]] = {}
        weak: dict[tuple[str, int], tuple[Origin, Weakness]] = {}
        for use in key_uses(ctx.index):
            for origin in use.origins:
                found = weakness(ctx.index, origin)
                if found is None:
                    continue
                spot = (origin.location.file, origin.location.line)
                weak.setdefault(spot, (origin, found))
                if use.where not in reported.setdefault(spot, []):
                    reported[spot].append(use.where)
        for spot in sorted(weak):
            origin, found = weak[spot]
            uses = reported[spot]
            used_by = uses[0] + (f" and {len(uses) - 1} more" if len(uses) > 1 else "")
            name = f"`{origin.via}`" if origin.via and not origin.via.startswith("`") else "The key"
            fallback = " when the environment does not set it" if origin.env else ""
            yield self.finding(
                Location(*spot),
                f"{name}, the HMAC key used by {used_by}, is {found.reason}{fallback}: anyone holding one token "
                "can recover the key offline and sign tokens for any user",
                _FIX, confidence=_confidence(origin, found), symbol=f"{spot[0]}:{origin.via or 'jwt-key'}")


def _confidence(origin: Origin, found: Weakness) -> Confidence:
    if origin.env:
        return Confidence.MEDIUM if found.generated else Confidence.LOW
    return Confidence.HIGH
