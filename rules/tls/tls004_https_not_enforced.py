"""TLS004: an application that neither redirects plain HTTP to HTTPS nor sends HSTS."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Final

from apilint.model import AppFact, ProjectFacts
from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.tls._helpers import local_file
from apilint.summary import walk_exprs

_HTTPS_LIBRARIES: Final = frozenset({"flask_talisman", "talisman", "flask_sslify", "sslify", "django_sslify",
                                     "secure", "fastapi_security_headers", "starlette_secure_headers"})
_HTTPS_WORDS: Final = frozenset({"strict-transport-security", "httpsredirectmiddleware", "hsts", "sslify",
                                 "talisman", "force_https"})
_MIDDLEWARE_HINTS: Final = ("https", "hsts", "ssl", "talisman", "securityheaders", "secureheaders",
                            "strict_transport", "stricttransport")


class HttpsNotEnforced(Rule):
    """
    ## What it finds
    Applications with no sign in the code that plain HTTP is refused:

    - Django projects whose production settings set neither `SECURE_SSL_REDIRECT` nor
      `SECURE_HSTS_SECONDS` (settings set to off are TLS002's);
    - Flask and connexion apps with no Flask-Talisman or Flask-SSLify, no
      `Strict-Transport-Security` header and no `before_request` redirect on `request.is_secure`;
    - FastAPI and Starlette apps with no `HTTPSRedirectMiddleware`, no HSTS middleware and no
      `Strict-Transport-Security` header.

    Reported once per application, at low severity and low confidence, and off by default:
    most deployments terminate TLS at a load balancer or ingress that redirects and adds
    HSTS, which the code cannot show. Turn it on (`select = ["TLS004"]`) for services that
    are exposed directly. Django settings with `DEBUG = True` and local settings files are
    skipped. Anchor: where the app is created (Django: the `MIDDLEWARE` setting).

    ## Why it matters
    Without a redirect and HSTS, a browser's first request goes out in clear text and a network
    attacker can keep the whole session on HTTP (SSL stripping), reading credentials and
    cookies (CWE-319 Cleartext Transmission of Sensitive Information, OWASP API8:2023 Security
    Misconfiguration).

    ## Options
    - `checklist`: declare `https = "..."` there when a proxy or platform enforces HTTPS for the
      whole app; the app is then not reported.

    ## Known limitations
    HTTPS enforced outside the code (proxy, ingress, platform) is invisible unless declared; a redirect written
    as custom middleware under another name is not recognised.

    ## References
    - https://cwe.mitre.org/data/definitions/319.html
    - https://docs.djangoproject.com/en/stable/ref/middleware/#http-strict-transport-security
    - https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html
    """

    code = "TLS004"
    name = "https-not-enforced"
    summary = "Application neither redirects HTTP to HTTPS nor sends HSTS"
    severity = Severity.LOW
    confidence = Confidence.LOW
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf"})
    cwe = (319,)
    owasp = ("API8:2023",)
    options = ("checklist",)
    enabled_by_default = False

    bad = Example("""
        from fastapi import FastAPI

        app = FastAPI(title="Orders")  # expect: TLS004


        @app.get("/health")
        def health() -> dict[str, str]:
            return {"status": "ok"}
    """, config='extend-select = ["TLS004"]')

    good = Example("""
        from fastapi import FastAPI
        from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware

        app = FastAPI(title="Orders")
        app.add_middleware(HTTPSRedirectMiddleware)


        @app.get("/health")
        def health() -> dict[str, str]:
            return {"status": "ok"}
    """, config='extend-select = ["TLS004"]')

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report each application without HTTPS evidence."""
        project_wide = _code_evidence(ctx.index)
        for app in ctx.facts.apps:
            if local_file(app.location.file) or _declared(ctx, app):
                continue
            if app.framework in ("django", "drf"):
                if not _django_enforces(ctx.facts):
                    yield self._report(app, "neither SECURE_SSL_REDIRECT nor SECURE_HSTS_SECONDS is set")
            elif not project_wide and not _middleware_enforces(app):
                yield self._report(app, "no HTTPS redirect, HSTS header or Talisman-like extension is set up")

    def _report(self, app: AppFact, why: str) -> Finding:
        message = (f"The {app.framework} app `{app.name}` serves plain HTTP as well: {why}, so browsers can be kept "
                   "on HTTP by a network attacker (fine if a proxy in front redirects and sends HSTS)")
        fix = {
            "django": "Set SECURE_SSL_REDIRECT = True and SECURE_HSTS_SECONDS = 31536000 in production settings",
            "drf": "Set SECURE_SSL_REDIRECT = True and SECURE_HSTS_SECONDS = 31536000 in production settings",
            "flask": "Use Flask-Talisman (`Talisman(app)`), or redirect and send HSTS at the proxy",
            "connexion": "Use Flask-Talisman on the Flask app, or redirect and send HSTS at the proxy",
        }.get(app.framework, "Add `HTTPSRedirectMiddleware` and a `Strict-Transport-Security` header, "
                             "or do both at the proxy")
        return self.finding(app.location, message, fix, symbol=f"{app.framework}:{app.name}")


def _declared(ctx: RuleContext, app: AppFact) -> bool:
    """The configuration says a gateway or platform provides HTTPS for the whole app
    (`[tool.apilint.checklist] https = "..."`, see docs/checklist.md)."""
    return any(d.step.value == "https" and not d.paths and (not d.apps or any(fnmatch.fnmatchcase(app.name, a)
                                                                              for a in d.apps))
               for d in ctx.config.checklist)


def _django_enforces(facts: ProjectFacts) -> bool:
    debug = facts.setting("DEBUG")
    if debug is not None and debug.value.strip() == "True" and not debug.from_env_default:
        return True  # development settings: nothing to say
    return any(f.name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS") for f in facts.settings)


def _middleware_enforces(app: AppFact) -> bool:
    return any(hint in m.rsplit(".", 1)[-1].lower() for m in app.middleware for hint in _MIDDLEWARE_HINTS)


def _code_evidence(index: ProjectIndex) -> bool:
    """An HTTPS library, an HSTS header, or a `request.is_secure` redirect anywhere in the project."""
    for mod in index:
        if any(imp.module.split(".")[0] in _HTTPS_LIBRARIES for imp in mod.imports):
            return True
        if mod.words and not (mod.words & _HTTPS_WORDS or {"is_secure", "x-forwarded-proto"} & mod.words):
            continue
        for func in mod.functions():
            names = {e.text.lower() for _, e in walk_exprs(func.body) if e.kind in ("name", "attr", "str")}
            if "strict-transport-security" in names or "httpsredirectmiddleware" in names:
                return True
            if ("is_secure" in names or "x-forwarded-proto" in names) and \
                    any("redirect" in n for n in names):
                return True
        if "strict-transport-security" in mod.words:
            return True
    return False


__all__ = ["HttpsNotEnforced"]
