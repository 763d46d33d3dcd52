"""LIMIT001: no rate limiting in the project, or none on the authentication endpoints."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.limit._helpers import (
    graphql_credential_operations,
    has_rate_limiter,
    is_auth_endpoint,
    limits_every_route,
    limits_in_code,
    reads_password,
)


class NoRateLimiting(Rule):
    """
    ## What it finds
    Two things, never both for the same project:

    - **No rate limiter anywhere**: no slowapi, fastapi-limiter, flask-limiter or
      django-ratelimit limiter, no limit decorator or dependency on any route, and no DRF
      `DEFAULT_THROTTLE_CLASSES`, in a project that has login, token, register, password reset
      or OTP endpoints. Reported once, at the first application object (the
      `FastAPI()`/`Flask()` call or the Django project), not on every route. Low confidence:
      the limit may live in a proxy or gateway.
    - **Authentication endpoints left out**: the project limits some routes, but a login, token,
      register, password reset or OTP endpoint has no limit of its own and no default limit
      covers every route. Reported on each such route's handler.

    In a project with no endpoint named for logging in, registering or resetting, a write
    endpoint whose handler reads a `password` field (`body.get("password")`) counts for the
    first case (the app-level finding) whatever its path is called.
    GraphQL operations count as authentication endpoints when they take a password or code
    argument (`password`, `otp`, `pin`, `verification_code`...) or are named for signing in
    (`login`, `tokenAuth`, `resetPassword`...), but not those that set a password (`register`,
    `createUser`, `changePassword`); left out of the project's limits, they are
    reported on the resolver (`POST /graphql (query systemDiagnostics)`), unless the GraphQL
    endpoint itself is limited.

    ## Why it matters
    Without a limit, an attacker can try passwords, OTP codes and reset tokens as fast as the
    server answers, enumerate accounts, and exhaust the service (CWE-307 Improper Restriction
    of Excessive Authentication Attempts, CWE-770 Allocation of Resources Without Limits,
    OWASP API4:2023 Unrestricted Resource Consumption).

    ## Options
    None.

    ## Known limitations
    Projects without authentication endpoints are not reported: there the missing limiter is a
    capacity concern rather than a brute-force hole, and it is usually handled by the proxy.
    Limits enforced by a reverse proxy, API gateway or WAF are invisible; suppress the
    app-level finding when that is where limiting happens. Home-grown limiters are recognised
    only when their decorator or dependency name contains `limit`; when the project calls a
    rate-limit check in code no route reaches directly (a login form's `clean()` calling
    `check_rate_limit`), unlimited auth endpoints are reported with low confidence.

    ## References
    - https://cwe.mitre.org/data/definitions/307.html
    - https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/
    """

    code = "LIMIT001"
    name = "no-rate-limiting"
    summary = "No rate limiting, globally or on authentication endpoints"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (307, 770)
    owasp = ("API4:2023",)

    bad = Example("""
        from fastapi import FastAPI
        from pydantic import BaseModel


        class Credentials(BaseModel):
            username: str
            password: str


        app = FastAPI()  # expect: LIMIT001


        @app.post("/login")
        def login(credentials: Credentials) -> dict[str, str]:
            return {"token": "..."}
    """)

    good = Example("""
        from fastapi import FastAPI, Request
        from pydantic import BaseModel
        from slowapi import Limiter
        from slowapi.util import get_remote_address


        class Credentials(BaseModel):
            username: str
            password: str


        limiter = Limiter(key_func=get_remote_address)
        app = FastAPI()
        app.state.limiter = limiter


        @app.post("/login")
        @limiter.limit("5/minute")
        def login(request: Request, credentials: Credentials) -> dict[str, str]:
            return {"token": "..."}
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One app-level finding without any limiter; else one per unlimited auth endpoint."""
        routes = ctx.routes
        if not len(routes) or not ctx.facts.apps:
            return
        auth_routes = [r for r in routes if is_auth_endpoint(r)]
        operations = graphql_credential_operations(ctx)
        if not auth_routes and not operations:
            if has_rate_limiter(routes, ctx.facts):
                return
            # No endpoint named for logging in: one that reads a password still takes guesses.
            auth_routes = [r for r in routes if r.method in ("POST", "PUT", "PATCH", "ANY")
                           and reads_password(ctx.handler(r))][:3]
            if not auth_routes:
                return
        if not has_rate_limiter(routes, ctx.facts):
            app = ctx.facts.apps[0]
            first = _most_guessable(auth_routes) if auth_routes else operations[0][0]
            yield self.finding(app.location, f"No rate limiting anywhere in the project, not even on {first}",
                               "Add a rate limiter (slowapi, flask-limiter, django-ratelimit or DRF throttling) "
                               "with a default limit and stricter limits on login and reset endpoints",
                               confidence=Confidence.LOW, symbol=app.name)
            return
        if limits_every_route(ctx.facts):
            return
        # Limits checked in code no route reaches directly (a login form's clean()) are invisible.
        in_code = Confidence.LOW if limits_in_code(ctx.index) else None
        for route in auth_routes:
            if route.rate_limit:
                continue
            yield self.finding(route, f"{route.display} accepts credentials or codes with no rate limit, "
                               "although the project limits other routes",
                               "Apply the project's limiter to this endpoint with a strict limit "
                               "(for example 5 attempts a minute)", confidence=in_code)
        if any(r.rate_limit for r in routes if r.framework == "graphql"):
            return  # the GraphQL endpoint itself is limited
        for display, location in operations:
            yield self.finding(location, f"{display} accepts credentials or codes with no rate limit, although "
                               "the project limits other routes; one batched or aliased request can try many",
                               "Limit the GraphQL endpoint (or this operation in its resolver) with the project's "
                               "limiter, and cap batching and aliases", confidence=in_code or Confidence.MEDIUM)


_GUESSED = (lazy_compile(r"reset|otp|2fa|mfa|verif|code|pin|new[-_]?password|recover", re.IGNORECASE),
            lazy_compile(r"login|log[-_]?in|sign[-_]?in|token|session|auth", re.IGNORECASE))
"""What an attacker guesses fastest: a short code first (a reset PIN, an OTP), then a password."""


def _most_guessable(routes: list[Route]) -> str:
    """Up to three auth endpoints, code checks first, then logins, then the rest (`register`)."""
    def rank(route: Route) -> int:
        return next((i for i, words in enumerate(_GUESSED) if words.search(route.path)), len(_GUESSED))
    ordered = sorted(routes, key=rank)  # stable: routes of one rank keep the route map's order
    shown = list(dict.fromkeys(r.display for r in ordered))[:3]  # one route served by two apps is named once
    return ", ".join(shown[:-1]) + f" or {shown[-1]}" if len(shown) > 1 else shown[0]
