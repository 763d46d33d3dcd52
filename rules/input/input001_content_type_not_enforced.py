"""INPUT001: Flask `request.get_json(force=True)` parses bodies of any Content-Type."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Location
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.summary import FunctionDef, walk_stmts

_FLASK_REQUEST = frozenset({"flask.request", "flask.globals.request"})
_CONTENT_TYPE_WORDS = frozenset({"content_type", "mimetype", "is_json", "mimetype_params"})
_SESSION_AUTH = ("login_required", "flask_login", "session", "fresh_login_required")


class ContentTypeNotEnforced(Rule):
    """
    ## What it finds
    Flask `request.get_json(force=True)` (also `get_json(True)`), which parses the body as
    JSON whatever its `Content-Type` says. `request` must resolve to `flask.request` through
    the module's imports. The finding is on the call; severity is raised to medium when the
    route it is in authenticates with the session cookie (`flask_login.login_required`),
    which is what makes the cross-site request below work. Functions that check
    `request.content_type`, `mimetype` or `is_json` themselves, and after-request hooks (they
    receive the response, once the view has run), are skipped.

    ## Why it matters
    Browsers send `text/plain` and form posts to other sites without a CORS preflight. An
    endpoint that parses such a body as JSON lets any web page the user visits send it a
    well-formed JSON request carrying the user's cookies: a cross-site request forgery that a
    `Content-Type: application/json` check would have stopped (CWE-352 Cross-Site Request
    Forgery, CWE-20 Improper Input Validation, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Bodies parsed by hand (`json.loads(request.data)`, Django `json.loads(request.body)`,
    Starlette `await request.json()`) are not reported: whether the view checks the content
    type elsewhere cannot be told reliably.

    ## References
    - https://cwe.mitre.org/data/definitions/352.html
    - https://flask.palletsprojects.com/en/stable/api/#flask.Request.get_json
    - https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/
    """

    code = "INPUT001"
    name = "content-type-not-enforced"
    summary = "Request body parsed as JSON whatever its Content-Type"
    severity = Severity.LOW
    confidence = Confidence.HIGH
    frameworks = frozenset({"flask"})
    cwe = (352, 20)
    owasp = ("API8:2023",)

    bad = Example("""
        from flask import Flask, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.post("/echo")
        @login_required
        def echo():
            data = request.get_json(force=True)  # expect: INPUT001
            return {"message": str(data.get("message", ""))[:100]}
    """)

    good = Example("""
        from flask import Flask, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.post("/echo")
        @login_required
        def echo():
            data = request.get_json()
            return {"message": str(data.get("message", ""))[:100]}
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Read the functions of modules that mention `get_json` and `force`."""
        routes = ctx.route_of_handlers()
        for mod in ctx.index:
            if mod.words and not (mod.mentions("get_json") and (mod.mentions("force") or mod.mentions("true"))):
                continue
            for func in mod.functions():
                route = routes.get((mod.path, func.qualname))
                if _after_request_or_checked(func):
                    continue
                for stmt in walk_stmts(func.body):
                    for expr in stmt.own_exprs():
                        for call in expr.calls():
                            if call.func.kind != "attr" or call.func.text != "get_json":
                                continue
                            force = call.arg(0, "force")
                            if force is None or not force.is_true:
                                continue
                            if ctx.index.qualify_expr(mod, call.func.args[0]) not in _FLASK_REQUEST:
                                continue
                            where = route.display if route is not None else f"function {func.qualname}"
                            cookie = route is not None and any(
                                any(word in dep for word in _SESSION_AUTH) for dep in route.dependencies)
                            yield self.finding(
                                Location(mod.path, stmt.line),
                                f"{where} parses the body as JSON whatever its Content-Type "
                                "(get_json(force=True)): a cross-site form post can reach it",
                                "Drop force=True, so that Flask rejects bodies not sent as application/json",
                                route=route, symbol=f"{mod.module}.{func.qualname}",
                                severity=Severity.MEDIUM if cookie else None)


def _after_request_or_checked(func: FunctionDef) -> bool:
    """An after-request hook (it receives the response) or a helper that checks the content type itself."""
    for param in func.params:
        if param.name in ("resp", "response") or (
                param.annotation is not None and (param.annotation.dotted or "").endswith("Response")):
            return True
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if (sub.kind in ("attr", "name") and sub.text in _CONTENT_TYPE_WORDS) or \
                        (sub.kind == "name" and "content_type" in sub.text):
                    return True
    return False


__all__ = ["ContentTypeNotEnforced"]
