"""AUTH002: a state-changing route where the caller may be anonymous."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import AuthStatus
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.auth._body import caller_scoped, first_write, rejects_anonymous
from apilint.rules.auth._helpers import is_public_by_design, view_scoped


class OptionalAuthOnMutation(Rule):
    """
    ## What it finds
    Routes that change state while authentication is only optional: a POST, PUT, PATCH or
    DELETE (or a GET whose handler writes: `db.add`, `db.commit`, `.save()`, `.delete()`,
    `.update(...)`) guarded by an optional scheme (`OAuth2PasswordBearer(auto_error=False)`,
    `HTTPBearer(auto_error=False)`, `jwt_required(optional=True)`, fastapi-users
    `current_user(optional=True)`, DRF `IsAuthenticatedOrReadOnly` where the adapter reads it
    as optional). A handler that itself rejects the anonymous caller
    (`if user is None: raise HTTPException(401)`) is not reported. When the handler, or a method
    of its view class, limits its data to the caller (`Doc.objects.filter(owner=request.user)`,
    `visible_to(user)`, an ACL `restrict_queryset(..., user=request.user)`), an anonymous
    caller finds nothing to change, and the finding is low confidence.

    ## Why it matters
    When the token is missing the dependency returns `None` and the handler runs anyway, so
    anonymous callers can create, change or delete data; handlers that branch on
    `if current_user:` usually still write in the other branch (CWE-306, CWE-862,
    OWASP API2:2023 Broken Authentication).

    ## Options
    - `auth.optional-dependencies`: dependency names that authenticate optionally.

    ## Known limitations
    Endpoints meant for anonymous writes (a public contact form, anonymous feedback) are
    reported too; suppress them or list their paths in `auth.public-paths`.

    ## References
    - https://cwe.mitre.org/data/definitions/306.html
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """

    code = "AUTH002"
    name = "optional-auth-on-mutation"
    summary = "State-changing route where authentication is optional"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (306, 862)
    owasp = ("API2:2023",)
    options = ("auth.optional-dependencies",)

    bad = Example("""
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
        app = FastAPI()


        @app.delete("/posts/{post_id}")
        def delete_post(post_id: int, token: str | None = Depends(oauth2_scheme)) -> None:  # expect: AUTH002
            ...
    """)

    good = Example("""
        from fastapi import Depends, FastAPI, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
        app = FastAPI()


        @app.delete("/posts/{post_id}")
        def delete_post(post_id: int, token: str | None = Depends(oauth2_scheme)) -> None:
            if token is None:
                raise HTTPException(status_code=401, detail="Not authenticated")
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report optional-auth routes that change state and let the anonymous caller through."""
        for route in ctx.routes:
            if route.auth.status is not AuthStatus.OPTIONAL or is_public_by_design(route, ctx.config):
                continue
            handler = ctx.handler(route)
            if handler is not None and rejects_anonymous(handler):
                continue
            optional = [e.name.rsplit(".", 1)[-1] for e in route.auth.evidence if e.status is AuthStatus.OPTIONAL]
            via = f" (`{optional[0]}`)" if optional else ""
            fix = "Require authentication on this route (a non-optional auth dependency or decorator)"
            if route.is_unsafe:
                scoped = caller_scoped(handler) or view_scoped(ctx, route)
                if scoped is not None:
                    # what it reads or changes is limited to the caller's data: an anonymous caller finds nothing
                    yield self.finding(route, f"{route.display} changes state but its authentication{via} is "
                                       f"optional: anonymous callers reach the handler, though it limits its data "
                                       f"to what the caller may see (`{scoped}`)", fix, confidence=Confidence.LOW)
                    continue
                yield self.finding(route, f"{route.display} changes state but its authentication{via} is "
                                   "optional: anonymous callers reach the handler", fix)
                continue
            write = first_write(handler, route.method) if handler is not None else None
            if write is not None:
                yield self.finding(route, f"{route.display} writes ({write[1].render(50)}, line {write[0]}) but "
                                   f"its authentication{via} is optional", fix,
                                   confidence=Confidence.MEDIUM, severity=Severity.MEDIUM)
