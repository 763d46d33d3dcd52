"""CORS001: any origin may read the API's responses."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.cors._fixes import origins_fix
from apilint.rules.cors._helpers import cors_issues


class WildcardOrigin(Rule):
    """
    ## What it finds
    CORS policies that accept every origin: Starlette/FastAPI `CORSMiddleware` with
    `allow_origins=["*"]` (also when the list comes from an environment default such as
    `os.getenv("CORS_ORIGINS", "*").split(",")`) or an `allow_origin_regex` that matches any
    origin (`.*`, `https?://.*`); flask-cors `CORS(app)` and `@cross_origin()` with their
    default `*` origins; django-cors-headers `CORS_ALLOW_ALL_ORIGINS = True` (or the old
    `CORS_ORIGIN_ALLOW_ALL`); and handlers or middleware that set `Access-Control-Allow-Origin`
    to `*` or to the request's own `Origin` header without comparing it to an allow-list. The
    `null` origin counts as every origin (`Access-Control-Allow-Origin: null`, or `"null"` in
    a library's origin list): any page can send it from a sandboxed iframe or a `data:` URL.

    A `*` set by one view on its own response (widget assets, OpenID discovery documents) is
    usually a deliberate public resource and is reported at low confidence; set by middleware
    or a response hook it is medium confidence.

    The finding is on the middleware call, the setting, or the header assignment. When the same
    policy also allows credentials, CORS002 reports it instead (one policy, one finding).

    ## Why it matters
    Any website a user visits can call the API from the browser and read the answers. That is
    harmless for truly public data, but APIs reachable only from a private network, or that
    authenticate by IP or client certificate, are exposed to every page the user opens
    (CWE-942 Permissive Cross-domain Policy with Untrusted Domains, OWASP API8:2023 Security
    Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Origins read from configuration apilint cannot evaluate (a settings property, a file) are
    not judged. A reflected origin counts as allow-listed when any condition in the same
    function compares it to something; the quality of that comparison is not checked.

    ## References
    - https://cwe.mitre.org/data/definitions/942.html
    - https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/
    - https://portswigger.net/web-security/cors
    """

    code = "CORS001"
    name = "wildcard-origin"
    summary = "CORS policy allows every origin"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (942,)
    owasp = ("API8:2023",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.UNSAFE})
    fix_note = ("Reads the allowed origins from the `CORS_ALLOWED_ORIGINS` environment variable (a "
                "comma-separated list) instead of `*`: `allow_origins=` of `CORSMiddleware`, `origins=` of "
                "flask-cors, or `CORS_ALLOW_ALL_ORIGINS = False` plus `CORS_ALLOWED_ORIGINS` for "
                "django-cors-headers; a wildcard default of an environment lookup becomes empty. Unsafe: "
                "browsers are refused until the variable lists the front-end origins. Origins echoed or set "
                "by hand in a header get no fix.")

    bad = Example("""
        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware

        app = FastAPI()
        app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"])  # expect: CORS001
    """)

    good = Example("""
        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware

        ALLOWED_ORIGINS = ["https://app.example.com", "https://admin.example.com"]

        app = FastAPI()
        app.add_middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS, allow_methods=["GET", "POST"])
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report permissive policies that do not allow credentials (CORS002 takes those)."""
        for issue in cors_issues(ctx.facts, ctx.index):
            if issue.credentials:
                continue
            yield self.finding(issue.location, f"Every origin may read API responses: {issue.what}",
                               "List the front-end origins that need access explicitly instead of `*` "
                               "or the echoed Origin", confidence=issue.confidence,
                               fix_plan=origins_fix(ctx.index, ctx.facts, issue.location))
