"""AUTH005: an auth mechanism apilint cannot read decides authentication for some routes; said once."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import AuthStatus, Evidence, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.auth._helpers import is_public_by_design

_KINDS = {
    "middleware": "middleware",
    "dependency": "dependency",
    "decorator": "decorator",
    "permission_class": "permission class",
    "auth": "auth class",
    "setting": "setting",
    "view": "view",
    "urlconf": "URLconf",
    "get_permissions": "get_permissions()",
    "hook": "before-request hook",
}


class UnreadableAuthMechanism(Rule):
    """
    ## What it finds
    One finding per authentication mechanism whose effect apilint cannot read, naming every route
    it decides: project middleware that checks the user (which paths it exempts cannot be read
    statically), a dependency, decorator, permission class or auth backend defined outside the
    project or too dynamic to evaluate, a `REST_FRAMEWORK` default computed at run time, a URLconf
    included by a plugin hook. The finding says where the mechanism is installed, how many routes
    it covers, and the exact configuration that tells apilint what it does.

    Routes that are public by design (login, health checks, `auth.public-paths`) are left out:
    they are public whatever the mechanism does. Routes whose authentication is unknown are not
    reported one by one by default (AUTH001 lists
    them at low confidence with `--min-confidence low`): this finding stands for all of them.
    Routes that no application mounts are counted in the coverage line of `apilint routes`
    instead.

    ## Why it matters
    A route whose protection cannot be verified is a route nobody has verified: if the mechanism
    exempts a path by mistake, that endpoint is open (CWE-306 Missing Authentication for Critical
    Function, OWASP API2:2023 Broken Authentication). Declaring what the mechanism does lets
    apilint judge those routes, and the AUTH rules then report the ones that are really open.

    ## Options
    - `auth.permissions`: what each mechanism does, `required`, `optional` or `none`.
    - `auth.dependencies`: dependency or function names that authenticate.
    - `auth.public-paths`: path globs that are public by design.

    ## Known limitations
    One declaration covers the mechanism everywhere; a middleware that exempts some paths is
    declared `required` and its public paths listed in `auth.public-paths`.

    ## References
    - https://cwe.mitre.org/data/definitions/306.html
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """

    code = "AUTH005"
    name = "unreadable-auth-mechanism"
    summary = "Auth mechanism whose effect cannot be read decides authentication for some routes"
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (306,)
    owasp = ("API2:2023",)
    options = ("auth.permissions", "auth.dependencies", "auth.public-paths")

    bad = Example("""
        from fastapi import FastAPI, Request

        from middleware import TokenMiddleware

        app = FastAPI()
        app.add_middleware(TokenMiddleware)  # expect: AUTH005


        @app.get("/reports")
        def list_reports() -> list[str]:
            return []


        @app.delete("/reports/{report_id}")
        def delete_report(report_id: int) -> None:
            ...
    """, files=(("middleware.py", '''
        from fastapi import HTTPException
        from starlette.middleware.base import BaseHTTPMiddleware


        class TokenMiddleware(BaseHTTPMiddleware):
            async def dispatch(self, request, call_next):
                if request.url.path not in PUBLIC and not request.headers.get("Authorization"):
                    raise HTTPException(status_code=401)
                return await call_next(request)


        PUBLIC = {"/health"}
    '''),))
    good = Example("""
        from fastapi import FastAPI

        from middleware import TokenMiddleware

        app = FastAPI()
        app.add_middleware(TokenMiddleware)


        @app.get("/reports")
        def list_reports() -> list[str]:
            return []
    """, files=(("middleware.py", '''
        from fastapi import HTTPException
        from starlette.middleware.base import BaseHTTPMiddleware


        class TokenMiddleware(BaseHTTPMiddleware):
            async def dispatch(self, request, call_next):
                if not request.headers.get("Authorization"):
                    raise HTTPException(status_code=401)
                return await call_next(request)
    '''),), config='auth = { permissions = { "middleware.TokenMiddleware" = "required" } }')

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per unreadable mechanism, with the routes it decides."""
        covered: dict[tuple[str, str], tuple[Evidence, list[Route]]] = {}
        for route in ctx.routes:
            if route.auth.status is not AuthStatus.UNKNOWN or route.framework == "graphql":
                continue
            if is_public_by_design(route, ctx.config):
                continue  # public either way (login, health, or the configuration's public paths)
            for item in route.auth.evidence:
                if item.status is not AuthStatus.UNKNOWN or item.kind == "unlinked":
                    continue
                key = (item.kind, item.name)
                if key not in covered:
                    covered[key] = (item, [])
                covered[key][1].append(route)
        for (kind, name), (item, routes) in sorted(covered.items()):
            where = item.location or routes[0].location
            described = _KINDS.get(kind, kind.replace("_", " "))
            examples = ", ".join(sorted({r.display for r in routes})[:3])
            more = f" and {len(routes) - 3} more" if len(routes) > 3 else ""
            why = f" ({item.detail})" if item.detail else ""
            declare = f'[tool.apilint.auth] permissions = {{"{name}" = "required"}}'
            yield self.finding(
                where,
                f"{described} `{name}` decides authentication for {len(routes)} route"
                f"{'' if len(routes) == 1 else 's'} ({examples}{more}) and apilint cannot read what it "
                f"does{why}; their AUTH findings are held back until it is declared",
                f"If it requires a logged-in caller, declare it in pyproject.toml: {declare} "
                f"(or \"optional\" / \"none\"), and list its public paths in `auth.public-paths`",
                symbol=f"{kind}:{name}",
            )


__all__ = ["UnreadableAuthMechanism"]
