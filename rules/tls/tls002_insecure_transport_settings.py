"""TLS002: production settings that switch off secure cookies, HTTPS redirects or HSTS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from apilint.model import ProjectFacts, SettingFact
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.tls._helpers import enclosing_classes, local_class, local_file


class _Insecure(NamedTuple):
    values: tuple[str, ...]
    severity: Severity
    confidence: Confidence
    why: str
    fix: str


_TRUE_FIX = "Set it to True in production settings"
_SETTINGS = {
    "SESSION_COOKIE_SECURE": _Insecure(("False", "0"), Severity.MEDIUM, Confidence.HIGH,
                                       "the session cookie is also sent over plain HTTP", _TRUE_FIX),
    "SESSION_COOKIE_HTTPONLY": _Insecure(("False", "0"), Severity.MEDIUM, Confidence.HIGH,
                                         "scripts on the page can read the session cookie", _TRUE_FIX),
    "REMEMBER_COOKIE_SECURE": _Insecure(("False", "0"), Severity.MEDIUM, Confidence.HIGH,
                                        "the remember-me cookie is also sent over plain HTTP", _TRUE_FIX),
    "REMEMBER_COOKIE_HTTPONLY": _Insecure(("False", "0"), Severity.MEDIUM, Confidence.HIGH,
                                          "scripts on the page can read the remember-me cookie", _TRUE_FIX),
    "CSRF_COOKIE_SECURE": _Insecure(("False", "0"), Severity.LOW, Confidence.HIGH,
                                    "the CSRF cookie is also sent over plain HTTP", _TRUE_FIX),
    "SECURE_HSTS_SECONDS": _Insecure(("0",), Severity.LOW, Confidence.MEDIUM,
                                     "browsers are never told to insist on HTTPS (HSTS is off)",
                                     "Set it to at least 31536000 in production settings once the site is HTTPS-only"),
    "SECURE_SSL_REDIRECT": _Insecure(("False",), Severity.LOW, Confidence.LOW,
                                     "plain HTTP requests are served instead of redirected to HTTPS "
                                     "(fine only if a proxy in front redirects)",
                                     "Set it to True in production settings, or redirect to HTTPS at the proxy"),
}


class InsecureTransportSettings(Rule):
    """
    ## What it finds
    Production settings that explicitly turn off transport protections:
    Django `SESSION_COOKIE_SECURE = False`, `SESSION_COOKIE_HTTPONLY = False`,
    `CSRF_COOKIE_SECURE = False`, `SECURE_HSTS_SECONDS = 0` and `SECURE_SSL_REDIRECT = False`
    in the settings module production uses (split and environment-driven settings are followed);
    Flask `SESSION_COOKIE_SECURE`, `SESSION_COOKIE_HTTPONLY`, `REMEMBER_COOKIE_SECURE` and
    `REMEMBER_COOKIE_HTTPONLY` set to `False` in `app.config` or a config class.

    Local settings are skipped (and Django's own `global_settings.py` defaults): files named
    for development, tests or examples, config classes
    named for development or testing, and Django settings with `DEBUG = True`. Confidence is
    high when Django's `DEBUG` is literally `False`, low when the insecure value is only the
    default of an environment variable or `DEBUG` itself comes from the environment.
    `SECURE_SSL_REDIRECT = False` is always low confidence: many sites redirect at the proxy.
    A default that a later `from local_config import *` (a module outside the project) may
    override is low confidence too.
    Settings that are simply absent are not reported.

    ## Why it matters
    A session cookie without `Secure` travels over any plain-HTTP request (a mistyped link, a
    captive portal), where it can be read and replayed; without `HttpOnly` an injected script
    steals it; without HSTS or a redirect, a network attacker can keep the user on HTTP
    (CWE-614 Sensitive Cookie Without 'Secure' Attribute, CWE-319 Cleartext Transmission of
    Sensitive Information, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Which settings module production uses is inferred (`DJANGO_SETTINGS_MODULE` in wsgi.py,
    else the file name). Values computed at run time are not judged.

    ## References
    - https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#https
    - https://flask.palletsprojects.com/en/stable/security/#set-cookie-options
    - https://cwe.mitre.org/data/definitions/614.html
    """

    code = "TLS002"
    name = "insecure-transport-settings"
    summary = "Settings switch off secure cookies, HTTPS redirect or HSTS"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"flask", "django", "drf"})
    cwe = (614, 319)
    owasp = ("API8:2023",)

    bad = Example("""
        from flask import Flask

        app = Flask(__name__)
        app.config["SESSION_COOKIE_SECURE"] = False  # expect: TLS002


        @app.get("/health")
        def health() -> dict[str, str]:
            return {"status": "ok"}
    """)

    good = Example("""
        from flask import Flask

        app = Flask(__name__)
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")


        @app.get("/health")
        def health() -> dict[str, str]:
            return {"status": "ok"}
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report each insecure transport setting outside local-only configuration."""
        seen: set[tuple[str, int, str]] = set()
        for fact in ctx.facts.settings:
            rule = _SETTINGS.get(fact.name)
            key = (fact.location.file, fact.location.line, fact.name)
            if rule is None or fact.value.strip() not in rule.values or key in seen:
                continue
            seen.add(key)
            if local_file(fact.location.file) or fact.location.file.endswith("conf/global_settings.py"):
                continue
            classes = enclosing_classes(ctx.index, fact.location.file, fact.location.line)
            if local_class(classes):
                continue
            judged = _confidence(ctx.facts, fact, classes)
            if judged is None:
                continue
            confidence, note = judged
            mod = ctx.index.by_path.get(fact.location.file)
            if mod is not None and any(imp.star and imp.line > fact.location.line and
                                       ctx.index.module(imp.module) is None for imp in mod.imports):
                confidence, note = Confidence.LOW, " unless a later `import *` of local settings overrides it"
            if confidence.rank > rule.confidence.rank:
                confidence = rule.confidence
            owner = f" in {classes[-1]}" if classes else ""
            yield self.finding(fact.location, f"{fact.name} = {fact.value.strip()}{owner}{note}: {rule.why}",
                               rule.fix, confidence=confidence,
                               severity=rule.severity, symbol=fact.name)


def _confidence(facts: ProjectFacts, fact: SettingFact, classes: list[str]) -> tuple[Confidence, str] | None:
    """How production-like the setting is; None for settings that are clearly for development."""
    if fact.from_env_default:
        return Confidence.LOW, " when the environment variable is not set"
    if fact.framework in ("django", "drf"):
        debug = facts.setting("DEBUG")
        if debug is None:
            return Confidence.MEDIUM, ""
        if debug.value.strip() == "True":
            return None if not debug.from_env_default else (Confidence.LOW, " (DEBUG defaults to on)")
        if debug.from_env_default or debug.value.strip() != "False":
            return Confidence.LOW, " unless DEBUG is on"
        return Confidence.HIGH, " while DEBUG = False"
    others = [f for f in facts.settings if f.name == fact.name and f.location != fact.location]
    if any(f.value.strip() not in ("False", "0") for f in others):
        return Confidence.LOW, " unless another configuration sets it"
    if any("prod" in name.lower() for name in classes):
        return Confidence.HIGH, ""
    return Confidence.MEDIUM, ""


__all__ = ["InsecureTransportSettings"]
