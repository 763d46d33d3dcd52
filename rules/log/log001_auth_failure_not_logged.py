"""LOG001: a login, token or password reset endpoint rejects bad credentials without logging it."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.body_auth import is_rejection
from apilint.lazy_regex import lazy_compile
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.log._helpers import calls_in, failure_messages, is_credential_endpoint, is_log_call, reachable
from apilint.summary import walk_stmts

_FAILED_LOGIN_HOOKS = ("user_login_failed", "login_failed", "on_login_failed", "failed_login")
"""Words that show an app-wide failed-login receiver (Django's `user_login_failed` signal ...)."""
_LOCKOUT_APPS = ("axes", "defender")
"""django-axes and django-defender log and count every failed login once installed."""
_LOGGING_MIDDLEWARE = lazy_compile(r"audit|log(?!in|out|ic)")


class AuthFailureNotLogged(Rule):
    """
    ## What it finds
    Login, token, password reset and OTP endpoints (judged by path segments such as `login`,
    `token`, `signin`, `password`, or handler names such as `login_for_access_token`) that
    reject the caller themselves (`raise HTTPException(401)`, `abort(401)`,
    `return ..., 401`, `raise AuthenticationFailed`, or a password check answered with a
    failure text such as `render_template(..., error="Invalid credentials")`) while no logging call (`logger.*`,
    `logging.*`, `app.logger.*`, `structlog`, audit or failed-attempt helpers) runs anywhere
    on that path: in the handler, its dependencies, or the project functions they call (two
    calls deep). Reported on the handler's `def` line.

    Nothing is reported when the project has an app-wide mechanism: a receiver of Django's
    `user_login_failed` signal (or another failed-login hook), django-axes or
    django-defender in `INSTALLED_APPS`, a logging or audit middleware, or (for rejections
    raised as exceptions) an exception handler that logs.

    ## Why it matters
    Credential stuffing, password spraying and OTP guessing show up first as a stream of
    failed logins. When the application never records them, nobody can alert on the attack,
    lock the targeted account or reconstruct an intrusion afterwards (CWE-778 Insufficient
    Logging, CWE-223 Omission of Security-relevant Information; OWASP API2:2023 Broken
    Authentication, whose prevention asks for detection of brute force).

    ## Options
    None.

    ## Known limitations
    Off by default: the access log of the server or proxy does record the 401, only without
    the account and the reason, and some teams accept that. Endpoints that delegate the
    password check to a form (Django's `LoginView`, `AuthenticationForm`) are not examined.
    Logging done by a decorator or
    middleware whose name does not mention logging or auditing is not seen, and any call
    whose name contains `log`, `audit`, `fail` or `attempt` counts as logging.

    ## References
    - https://cwe.mitre.org/data/definitions/778.html
    - https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """

    code = "LOG001"
    name = "auth-failure-not-logged"
    summary = "Login or token endpoint rejects bad credentials without logging the failure"
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (778, 223)
    owasp = ("API2:2023",)
    enabled_by_default = False

    bad = Example("""
        from fastapi import FastAPI, HTTPException, Request
        from pydantic import BaseModel
        from slowapi import Limiter
        from slowapi.util import get_remote_address

        limiter = Limiter(key_func=get_remote_address)
        app = FastAPI()
        app.state.limiter = limiter
        USERS = {"ada": "correct horse"}


        class Credentials(BaseModel):
            username: str
            password: str


        @app.post("/auth/login")
        @limiter.limit("5/minute")
        def login(request: Request, credentials: Credentials) -> dict[str, str]:  # expect: LOG001
            if USERS.get(credentials.username) != credentials.password:
                raise HTTPException(status_code=401, detail="Invalid username or password")
            return {"token": "..."}
    """, config='extend-select = ["LOG001"]')

    good = Example("""
        import logging

        from fastapi import FastAPI, HTTPException, Request
        from pydantic import BaseModel
        from slowapi import Limiter
        from slowapi.util import get_remote_address

        security_log = logging.getLogger("security")
        limiter = Limiter(key_func=get_remote_address)
        app = FastAPI()
        app.state.limiter = limiter
        USERS = {"ada": "correct horse"}


        class Credentials(BaseModel):
            username: str
            password: str


        @app.post("/auth/login")
        @limiter.limit("5/minute")
        def login(request: Request, credentials: Credentials) -> dict[str, str]:
            if USERS.get(credentials.username) != credentials.password:
                security_log.warning("failed login for %s from %s", credentials.username, request.client)
                raise HTTPException(status_code=401, detail="Invalid username or password")
            return {"token": "..."}
    """, config='extend-select = ["LOG001"]')

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per credential endpoint whose rejections are never logged."""
        candidates = [r for r in ctx.routes if is_credential_endpoint(r)]
        if not candidates or self._app_wide_mechanism(ctx):
            return
        handlers_log = self._exception_handlers_log(ctx)
        done: set[str] = set()
        for route in candidates:
            if route.handler in done:
                continue
            rejections: list[str] = []
            logged = False
            for _mod, func in reachable(ctx, route):
                for stmt in walk_stmts(func.body):
                    if is_rejection(stmt):
                        rejections.append(stmt.kind)
                if failure_messages(func):
                    rejections.append("message")
                if any(is_log_call(call) for call in calls_in(func)):
                    logged = True
                    break
            if logged or not rejections:
                continue
            if handlers_log and all(kind == "raise" for kind in rejections):
                continue
            done.add(route.handler)
            yield self.finding(route, f"{route.display} rejects bad credentials but no failed attempt "
                               "is logged, in the handler or anything it calls",
                               "Log each failed attempt (account, client address, reason, never the password) "
                               "to a security logger, or install an app-wide hook such as a "
                               "`user_login_failed` receiver")

    @staticmethod
    def _app_wide_mechanism(ctx: RuleContext) -> bool:
        for app in ctx.facts.apps:
            if any(_LOGGING_MIDDLEWARE.search(m.rsplit(".", 1)[-1].lower()) for m in app.middleware):
                return True
        for mod in ctx.index:
            if any(mod.mentions(word) for word in _FAILED_LOGIN_HOOKS):
                return True
            if mod.mentions("installed_apps") and any(mod.mentions(app) for app in _LOCKOUT_APPS):
                return True
        return False

    @staticmethod
    def _exception_handlers_log(ctx: RuleContext) -> bool:
        for ref in ctx.facts.exception_handlers:
            mod = ctx.index.by_path.get(ref.file)
            if mod is None:
                continue
            for func in mod.functions():
                if func.qualname == ref.qualname and any(is_log_call(c) for c in calls_in(func)):
                    return True
        return False
