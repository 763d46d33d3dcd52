"""EXPO004: the process environment, the app's settings or system details returned to clients."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.class_facts import model_facts
from apilint.model import AuthStatus, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.expo._dumps import Dump, response_dumps
from apilint.rules.expo._helpers import routes_by_handler
from apilint.summary import FunctionDef, walk_stmts

_PASSTHROUGH_MODELS = frozenset({"dict", "Dict", "Any", "list", "List", "object", "Mapping", "JSONResponse",
                                 "Response", "None"})


class EnvironmentDumpInResponse(Rule):
    """
    ## What it finds
    Handlers whose response (or rendered template) carries a whole copy of:

    - the process environment: `os.environ`, `dict(os.environ)`, `os.environ.copy()`,
      `{**os.environ}`, `{k: v for k, v in os.environ.items()}`;
    - the application's settings: Django `settings.__dict__` / `vars(settings)` /
      `{k: getattr(settings, k) for k in dir(settings)}`, Flask `app.config` /
      `current_app.config` (whole, `dict(...)`, `.items()`), a pydantic `BaseSettings`
      instance dumped (`settings.model_dump()`, `.dict()`, `vars(settings)`) or returned bare
      from a FastAPI handler;
    - the request's server environment: Django `request.META`, WSGI `request.environ`;
    - system details, at low severity: `sys.path`, `sys.version`, `sys.modules`,
      `platform.*()`, `os.uname()`, `os.getcwd()`, installed distributions, and the
      `__version__` of frameworks and libraries (not the application's own version).

    Values are followed through response wrappers (`jsonify`, `JSONResponse`, `Response`),
    `json.dumps`, `str()`, f-strings, containers, local variables (also dicts filled key by
    key) and project helpers the handler returns the result of. Reading one variable
    (`os.environ.get("REGION")`) or one setting is not a dump.

    Confidence is lowered to medium when the handler checks a debug flag or a role first, or
    when the dump is the request's server environment (it holds the environment only under
    some servers). System details are low severity, and low confidence unless the route is
    open to anonymous callers. FastAPI routes with a declared response model are filtered by it and are
    not reported. Anchor: the handler's `def` line.

    ## Why it matters
    Environment variables and settings hold the database password, the signing key, cloud and
    payment credentials: one request hands them to the caller, and with them the whole system
    (CWE-526 Exposure of Sensitive Information Through Environmental Variables, CWE-215
    Insertion of Sensitive Information Into Debugging Code, OWASP API8:2023 Security
    Misconfiguration). Paths and exact versions tell an attacker which known exploits apply
    (CWE-200).

    ## Options
    None.

    ## Known limitations
    A dump assembled in a helper the handler does not return (stored in a global, sent
    through a background task) is not followed, nor is a debug route registered only when a
    debug setting is on: suppress the line if the route never exists in production.

    ## References
    - https://cwe.mitre.org/data/definitions/526.html
    - https://cwe.mitre.org/data/definitions/215.html
    - https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/
    """

    code = "EXPO004"
    name = "environment-dump-in-response"
    summary = "Response includes the process environment, the app's settings or system details"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (526, 215, 200)
    owasp = ("API8:2023",)

    bad = Example("""
        import os

        from flask import Flask, jsonify
        from flask_login import login_required

        app = Flask(__name__)


        @app.get("/internal/diagnostics")
        @login_required
        def diagnostics():  # expect: EXPO004
            return jsonify({"status": "ok", "environment": dict(os.environ)})
    """)

    good = Example("""
        import os

        from flask import Flask, jsonify
        from flask_login import login_required

        app = Flask(__name__)


        @app.get("/internal/diagnostics")
        @login_required
        def diagnostics():
            return jsonify({"status": "ok", "region": os.environ.get("REGION", "unknown")})
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report each handler whose response carries a dump."""
        facts = model_facts(ctx.index)
        for route, _methods in routes_by_handler(ctx):
            func, mod = ctx.handler(route), ctx.module_of(route)
            if func is None or mod is None or _filtered(route, func):
                continue
            dumps = list(response_dumps(facts, mod, func))
            if not dumps:
                continue
            dumps.sort(key=lambda d: not d.secret)
            yield self._report(route, func, dumps)

    def _report(self, route: Route, func: FunctionDef, dumps: list[Dump]) -> Finding:
        first = dumps[0]
        via = f" through {first.via}" if first.via else ""
        kinds = sorted({d.kind for d in dumps}, key=lambda k: k == "system details")
        shown = ", ".join(dict.fromkeys(d.what for d in dumps[:3]))
        guarded = _guarded(route, func)
        confidence = Confidence.HIGH
        if guarded or first.kind == "request environment":
            confidence = Confidence.MEDIUM
        if not first.secret:
            message = (f"{route.display} returns {', '.join(kinds)} ({shown}){via}: exact versions and paths "
                       "tell an attacker which known exploits apply")
            public = route.auth.status is AuthStatus.NONE and not guarded
            return self.finding(route, message, _FIX_SYSTEM, severity=Severity.LOW,
                                confidence=Confidence.MEDIUM if public else Confidence.LOW)
        note = f" ({guarded})" if guarded else ""
        message = (f"{route.display} returns the {' and '.join(kinds)} ({shown}){via}{note}: database passwords, "
                   "signing keys and API credentials kept there go to the caller")
        return self.finding(route, message, _FIX, confidence=confidence)


_FIX = ("Return only the few values the client needs, by name (`{\"region\": settings.REGION}`), "
        "and remove debug endpoints from production builds")
_FIX_SYSTEM = "Leave versions and paths out of responses (log them, or show them in an authenticated admin page)"


def _filtered(route: Route, func: FunctionDef) -> bool:
    """FastAPI/Ninja filter the response through a declared project schema."""
    if route.framework not in ("fastapi", "ninja"):
        return False
    declared = route.response_model or (func.returns.render(60) if func.returns is not None else None)
    if declared is None:
        return False
    return declared.split("[")[0].rsplit(".", 1)[-1] not in _PASSTHROUGH_MODELS


def _guarded(route: Route, func: FunctionDef) -> str:
    """Why the dump is less exposed: a role check on the route, or a debug flag checked in the handler."""
    if route.authz:
        return "behind a role check"
    for stmt in walk_stmts(func.body):
        if stmt.kind == "if" and stmt.value is not None and \
                any(e.kind in ("name", "attr") and "debug" in e.text.lower() for e in stmt.value.walk()):
            return "when a debug flag is on"
    return ""


__all__ = ["EnvironmentDumpInResponse"]
