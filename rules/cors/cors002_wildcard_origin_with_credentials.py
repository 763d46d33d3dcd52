"""CORS002: any origin may send credentialed requests and read the responses."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.cors._helpers import cors_issues


class WildcardOriginWithCredentials(Rule):
    """
    ## What it finds
    The policies CORS001 looks for (a `*` origin, an origin regex that matches everything, the
    `null` origin that sandboxed iframes send, or a reflected `Origin` header), or an origin
    regex written for the app's own domains that also accepts a domain an attacker can
    register (`.*example.com` accepts
    `https://evilexample.com`; an unescaped dot in `api.example.com` accepts `apixexample.com`;
    without `$`, flask-cors and django-cors-headers accept `https://example.com.attacker.test`),
    combined with credentials: `allow_credentials=True`
    (Starlette/FastAPI), `supports_credentials=True` (flask-cors), `CORS_ALLOW_CREDENTIALS = True`
    (django-cors-headers), or a handler that also sends `Access-Control-Allow-Credentials: true`.

    Starlette, flask-cors and django-cors-headers answer a credentialed request to such a policy
    by echoing the caller's origin, so the browser sends cookies. This rule replaces CORS001 for
    the policy: one permissive policy is one finding.

    ## Why it matters
    Any website the victim visits can call the API with the victim's cookies and read the
    answers: profile data, CSRF tokens, API keys, anything a logged-in user can see
    (CWE-942 Permissive Cross-domain Policy with Untrusted Domains, CWE-346 Origin Validation
    Error, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Credentials flags read from configuration apilint cannot evaluate count as off. APIs that
    authenticate only with bearer tokens are less exposed, but the policy is still wrong.

    ## References
    - https://cwe.mitre.org/data/definitions/942.html
    - https://cwe.mitre.org/data/definitions/346.html
    - https://portswigger.net/web-security/cors
    """

    code = "CORS002"
    name = "wildcard-origin-with-credentials"
    summary = "CORS policy allows every origin together with credentials"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (942, 346)
    owasp = ("API8:2023",)

    bad = Example("""
        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware

        app = FastAPI()
        app.add_middleware(  # expect: CORS002
            CORSMiddleware,
            allow_origins=["*"],
            allow_credentials=True,
        )
    """)

    good = Example("""
        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware

        app = FastAPI()
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["https://app.example.com"],
            allow_credentials=True,
        )
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report permissive policies that allow credentials."""
        for issue in cors_issues(ctx.facts, ctx.index):
            if not issue.credentials:
                continue
            yield self.finding(issue.location, f"{issue.who} can make credentialed requests and read the "
                               f"responses: {issue.what} with credentials allowed",
                               "Replace the wildcard, echoed origin or loose regex with an explicit list of "
                               "trusted origins (or a regex anchored with `^...$` whose dots are escaped)",
                               confidence=issue.confidence)
