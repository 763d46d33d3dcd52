"""App-level readings, decided once per application and shown on each of its routes: HTTPS,
CORS, and the defaults of rate limiting, request size, error handling and security logging."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from apilint.checklist.cells import Reading, met, unknown
from apilint.checklist.scan import calls_named, strings_matching
from apilint.lazy_regex import lazy_compile
from apilint.model import AppFact, CorsPolicy, Evidence, Location, ProjectFacts, SettingFact
from apilint.project import ProjectIndex
from apilint.summary import Expr

FAMILY = {"fastapi": "asgi", "starlette": "asgi", "flask": "flask", "connexion": "flask", "django": "django",
          "drf": "django", "ninja": "django"}
"""Framework -> the family whose settings and defaults apply."""
_CORS_FAMILY = {"starlette": "asgi", "flask-cors": "flask", "django-cors-headers": "django"}
_HTTPS_MIDDLEWARE = lazy_compile(r"https|hsts|ssl|talisman|strict_?transport", re.IGNORECASE)
_RATE_MIDDLEWARE = lazy_compile(r"rate_?limit|throttl|slowapi", re.IGNORECASE)
_SIZE_MIDDLEWARE = lazy_compile(r"(size|body|content_?length|upload|payload).*(limit|max)|(limit|max).*(size|body|"
                              r"content_?length|upload|payload)", re.IGNORECASE)
_LOG_CONFIG = frozenset({"logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig",
                         "structlog.configure", "dictConfig", "fileConfig", "basicConfig"})
_DECLARE = "declare it under [tool.apilint.checklist] (docs/checklist.md)"


@dataclass(frozen=True, slots=True)
class AppReadings:
    """The app-level readings of one application (or of the project when the app is unknown)."""

    https: Reading
    cors: Reading
    rate_limiting: Reading
    """The default for routes without their own limit."""
    request_size: Reading
    """The default for routes that take a body and set no limit of their own."""
    error_handling: Reading
    security_logging: Reading


class AppReader:
    """Reads the app-level steps of every application of a project."""

    def __init__(self, facts: ProjectFacts, index: ProjectIndex) -> None:
        self.facts = facts
        self.index = index
        self.apps = {app.name: app for app in facts.apps}
        self._https_calls = [h for h in calls_named(index, ("talisman", "sslify"), frozenset({"Talisman", "SSLify"}))
                             if not _kw_false(h.expr, "force_https")]
        self._hsts = list(strings_matching(index, "strict-transport-security", "Strict-Transport-Security"))
        self._log_config = [h for h in calls_named(index, ("basicconfig", "dictconfig", "fileconfig", "structlog"),
                                                   _LOG_CONFIG) if _app_module(h.module.path)]
        self._cache: dict[str, AppReadings] = {}

    def readings(self, app_name: str) -> AppReadings:
        """The readings of the named app; the whole project's when the app is unknown."""
        if app_name not in self._cache:
            app = self.apps.get(app_name)
            self._cache[app_name] = AppReadings(
                self._https(app), self._cors(app), self._rate_limit(app), self._request_size(app),
                self._errors(app), self._logging(app))
        return self._cache[app_name]

    # --- attribution --------------------------------------------------------------
    def _owns(self, app: AppFact | None, file: str, family: str = "") -> bool:
        """True when a fact found in `file` (of a framework family) applies to `app`."""
        if app is None or len(self.apps) <= 1:
            return True
        claimed = [a for a in self.apps.values() if a.location.file == file]
        if claimed:
            return app in claimed
        if family:
            same = [a for a in self.apps.values() if FAMILY.get(a.framework) == family]
            if same:
                return app in same
        return True

    def _settings(self, app: AppFact | None, name: str) -> SettingFact | None:
        found = None
        family = FAMILY.get(app.framework, "") if app is not None else ""
        for fact in self.facts.settings:
            if fact.name == name and (not family or not fact.framework or FAMILY.get(fact.framework) == family):
                found = fact
        return found

    def _family(self, app: AppFact | None) -> str:
        if app is not None:
            return FAMILY.get(app.framework, "")
        families = {FAMILY.get(f, "") for f in self.facts.frameworks} - {""}
        return families.pop() if len(families) == 1 else ""

    def _middleware(self, app: AppFact | None, pattern: re.Pattern[str], detail: str) -> list[Evidence]:
        apps = [app] if app is not None else list(self.apps.values())
        return [Evidence("middleware", name, detail=detail, location=a.location)
                for a in apps for name in a.middleware
                if pattern.search(name.rsplit(".", 1)[-1]) and not name.endswith(".SecurityMiddleware")]

    # --- steps --------------------------------------------------------------------
    def _https(self, app: AppFact | None) -> Reading:
        evidence = self._middleware(app, _HTTPS_MIDDLEWARE, "redirects HTTP to HTTPS or sends HSTS")
        if self._family(app) == "django":
            redirect = self._settings(app, "SECURE_SSL_REDIRECT")
            hsts = self._settings(app, "SECURE_HSTS_SECONDS")
            chosen = [f for f in (redirect, hsts) if f is not None and _on(f)]
            middleware = self._settings(app, "MIDDLEWARE")
            if chosen and middleware is not None and "SecurityMiddleware" not in middleware.value:
                return unknown(f"{chosen[0].name} is set but django.middleware.security.SecurityMiddleware, "
                               f"which applies it, is not in MIDDLEWARE")
            evidence += [_setting_evidence(f) for f in chosen]
        evidence += [Evidence("extension", h.qualname or h.expr.render(40), detail="forces HTTPS and sends HSTS",
                              location=h.location) for h in self._https_calls if self._owns(app, h.module.path)]
        evidence += [Evidence("header", "Strict-Transport-Security", detail="HSTS header set in code",
                              location=h.location) for h in self._hsts if self._owns(app, h.module.path)]
        if evidence:
            return met(*_unique(evidence))
        return unknown("no HTTPS redirect or HSTS in the code: TLS may be terminated by a proxy or the "
                       f"platform; if so, {_DECLARE}")

    def _cors(self, app: AppFact | None) -> Reading:
        policies = [p for p in self.facts.cors if self._owns(app, p.location.file, _CORS_FAMILY.get(p.source, ""))]
        if not policies:
            where = app.location if app is not None else None
            return met(Evidence("default", "no CORS policy", detail="browsers keep cross-origin reads blocked",
                                location=where))
        for policy in policies:
            if _permissive(policy):
                return unknown(f"the {policy.source} CORS policy allows every origin", _cors_evidence(policy))
        unresolved = [p for p in policies if not p.resolved or not p.origins]
        if unresolved:
            p = unresolved[0]
            return unknown(f"the {p.source} CORS origins come from values apilint cannot read "
                           f"({p.location.file}:{p.location.line})", _cors_evidence(p))
        return met(*(_cors_evidence(p) for p in policies))

    def _rate_limit(self, app: AppFact | None) -> Reading:
        defaults = [e for e in self.facts.rate_limiters if _is_default(e)]
        defaults += self._middleware(app, _RATE_MIDDLEWARE, "rate-limit middleware")
        if defaults:
            return met(*_unique(defaults))
        if self.facts.rate_limiters:
            first = self.facts.rate_limiters[0]
            return unknown(f"a rate limiter is set up ({first.describe()}) but no limit covers this route")
        return unknown(f"no rate limiter in the code: a gateway or proxy may limit requests; if so, {_DECLARE}")

    def _request_size(self, app: AppFact | None) -> Reading:
        evidence = self._middleware(app, _SIZE_MIDDLEWARE, "request size middleware")
        family = self._family(app)
        if family == "flask":
            fact = self._settings(app, "MAX_CONTENT_LENGTH")
            if fact is not None and fact.value not in ("None", "<unknown>", "0"):
                evidence.append(_setting_evidence(fact))
            elif not evidence:
                why = "comes from a value apilint cannot read" if fact is not None and fact.value == "<unknown>" \
                    else "is not set: Flask reads bodies of any size"
                return unknown(f"MAX_CONTENT_LENGTH {why}")
        elif family == "django":
            fact = self._settings(app, "DATA_UPLOAD_MAX_MEMORY_SIZE")
            if fact is None:
                evidence.append(Evidence("default", "DATA_UPLOAD_MAX_MEMORY_SIZE",
                                         detail="Django's default limit of 2.5 MB applies",
                                         location=app.location if app is not None else None))
            elif fact.value not in ("None", "<unknown>"):
                evidence.append(_setting_evidence(fact))
            elif not evidence:
                return unknown(f"DATA_UPLOAD_MAX_MEMORY_SIZE = {fact.value}: no limit apilint can see")
        if evidence:
            return met(*evidence)
        if family == "asgi":
            return unknown("FastAPI and Starlette set no body size limit; the ASGI server or a proxy may: "
                           f"if so, {_DECLARE}")
        return unknown(f"no request size limit found; if a proxy sets one, {_DECLARE}")

    def _errors(self, app: AppFact | None) -> Reading:
        evidence: list[Evidence] = []
        family = self._family(app)
        where = app.location if app is not None else None
        if family == "django":
            debug = self._settings(app, "DEBUG")
            if debug is not None and debug.value not in ("False", "false", "0"):
                if debug.value == "True":
                    return unknown(f"DEBUG = True ({debug.location.file}:{debug.location.line})")
                return unknown(f"DEBUG comes from a value apilint cannot read ({debug.location.file}:"
                               f"{debug.location.line}): it must be off in production")
            evidence.append(_setting_evidence(debug) if debug is not None else Evidence(
                "default", "DEBUG", detail="Django's default is False: errors answer a generic 500",
                location=where))
        else:
            name = {"asgi": "debug off", "flask": "debug off"}.get(family, "no debug mode")
            evidence.append(Evidence("default", name, detail="no debug mode found: unhandled errors answer a "
                                     "generic 500", location=where))
        for ref in self.facts.exception_handlers:
            if self._owns(app, ref.file):
                evidence.append(Evidence("exception_handler", ref.qualname, location=Location(
                    ref.file, _def_line(self.index, ref.file, ref.qualname))))
        return met(*evidence, needs_rules=True)

    def _logging(self, app: AppFact | None) -> Reading:
        evidence = [Evidence("logging_config", h.qualname or h.expr.render(40), location=h.location)
                    for h in self._log_config if self._owns(app, h.module.path)]
        fact = self._settings(app, "LOGGING") if self._family(app) == "django" else None
        if fact is not None and fact.value not in ("None", "{}"):
            evidence.insert(0, _setting_evidence(fact))
        if evidence:
            return met(*evidence[:3])
        return unknown("no logging configuration found (logging.basicConfig, dictConfig, Django LOGGING): the "
                       f"server's defaults decide what is kept; if logs are shipped elsewhere, {_DECLARE}")


_NOT_APP = lazy_compile(r"(^|/)(alembic|migrations?|tests?|testing|scripts?|examples?|docs|integrations|"
                      r"contrib|vendor|plugins?|tools|benchmarks?)/")
_APP_MODULE = lazy_compile(r"(^|/)(settings|config|conf|configuration|logging|log|logs|logger|log_config|"
                         r"logging_config|_logging|main|app|application|server|wsgi|asgi|__main__|manage|run|"
                         r"__init__|factory|create_app|bootstrap|startup)\.py$")


def _app_module(path: str) -> bool:
    """A module that sets up the application (not a migration, test, script or integration):
    where a logging configuration applies to the running server."""
    return not _NOT_APP.search(path) and bool(_APP_MODULE.search(path))


def _kw_false(call: Expr, name: str) -> bool:
    if call.kind != "call":
        return False
    value = call.kwarg(name)
    return value is not None and value.kind == "const" and value.text == "False"


def _on(fact: SettingFact) -> bool:
    value = fact.value.strip()
    if value == "True":
        return True
    return value.isdigit() and int(value) > 0


def _setting_evidence(fact: SettingFact) -> Evidence:
    default = " (default of an environment lookup)" if fact.from_env_default else ""
    return Evidence("setting", fact.name, detail=f"{fact.value[:60]}{default}", location=fact.location)


def _permissive(policy: CorsPolicy) -> bool:
    regex = policy.origin_regex or ""
    return "*" in policy.origins or policy.reflects_origin or regex.strip("^$") in (".*", ".+", "*")


def _cors_evidence(policy: CorsPolicy) -> Evidence:
    origins = ", ".join(policy.origins[:4]) + (" ..." if len(policy.origins) > 4 else "")
    detail = f"origins: {origins}" if origins else (f"origin regex {policy.origin_regex}" if policy.origin_regex
                                                    else "origins not readable")
    return Evidence("cors", policy.source, detail=detail, location=policy.location)


def _is_default(evidence: Evidence) -> bool:
    text = f"{evidence.kind} {evidence.detail}".lower()
    return "global" in text or "default_limits" in text or "default_throttle" in text


def _unique(evidence: Iterable[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str, Location | None]] = set()
    out = []
    for e in evidence:
        key = (e.kind, e.name, e.location)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def _def_line(index: ProjectIndex, file: str, qualname: str) -> int:
    mod = index.by_path.get(file)
    if mod is not None:
        for func in mod.functions():
            if func.qualname == qualname:
                return func.line
    return 1


__all__ = ["FAMILY", "AppReader", "AppReadings"]
