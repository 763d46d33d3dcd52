"""VER001: an API whose routes carry no version, or a few routes left out of a versioned API."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Location, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.ver._helpers import is_api_route, static_segments, version_index, versioned_elsewhere

_MIN_ROUTES = 3
_AUTH = """
    from fastapi import Depends
    from fastapi.security import OAuth2PasswordBearer

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


    def current_user(token: str = Depends(oauth2_scheme)) -> str:
        return token
"""
"""An API smaller than this is too small to call unversioned with any confidence."""


class UnversionedApi(Rule):
    """
    ## What it finds
    Two things, never both for the same project:

    - **No version anywhere**: none of the project's API routes (at least three) has a
      version segment (`/v1/`, `/api/v2/`, `/2.0/`, `/{version}/`), and nothing negotiates a
      version otherwise: no `Accept-Version`/`API-Version` header, no DRF
      `DEFAULT_VERSIONING_CLASS` or `versioning_class`, no `NinjaAPI(version=...)`, no
      fastapi-versioning. Reported once, on the application object (`FastAPI()`, `Flask()`,
      connexion's app) or, for Django, on the root `urlpatterns`. Low confidence.
    - **Routes left out of a versioned API**: most routes under a prefix are versioned
      (`/api/v1/orders`), but some under the same prefix are not (`/api/users`). Reported once
      per router, blueprint or view module, on the first such route's handler. Medium
      confidence.

    ## Why it matters
    Without a version, every change to a request or response shape breaks existing clients
    at once, and old, weaker behaviour cannot be retired on a schedule: teams keep
    deprecated endpoints alive unmonitored, or ship breaking fixes untested by clients.
    Unversioned stragglers in a versioned API are usually forgotten routers that escape the
    review, deprecation and documentation of the versioned surface (CWE-1059 Insufficient
    Technical Documentation; OWASP API9:2023 Improper Inventory Management).

    ## Options
    None.

    ## Known limitations
    Off by default: many well-run internal APIs ship with their clients and need no version.
    Versions negotiated by a gateway or a media type (`application/vnd.acme.v2+json`) set
    outside the project are not seen; a project that mentions a version header or a
    versioning class anywhere is taken as versioned. A prefix apilint cannot read
    (`settings.API_PREFIX` built at run time) silences the rule for the project. Pages,
    docs, health checks, metrics and GraphQL endpoints are not counted as API routes.

    ## References
    - https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/
    - https://cwe.mitre.org/data/definitions/1059.html
    """

    code = "VER001"
    name = "unversioned-api"
    summary = "API routes carry no version"
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (1059,)
    owasp = ("API9:2023",)
    enabled_by_default = False

    bad = Example("""
        from fastapi import APIRouter, Depends, FastAPI

        from auth import current_user

        router = APIRouter(prefix="/api/orders", dependencies=[Depends(current_user)])


        @router.get("/")
        def list_orders() -> list[dict[str, int]]:
            return []


        @router.get("/{order_id}")
        def read_order(order_id: int) -> dict[str, int]:
            return {"id": order_id}


        @router.post("/{order_id}/cancel")
        def cancel_order(order_id: int) -> dict[str, int]:
            return {"id": order_id}


        app = FastAPI()  # expect: VER001
        app.include_router(router)
    """, files=(("auth.py", _AUTH),), config='extend-select = ["VER001"]')

    good = Example("""
        from fastapi import APIRouter, Depends, FastAPI

        from auth import current_user

        router = APIRouter(prefix="/api/v1/orders", dependencies=[Depends(current_user)])


        @router.get("/")
        def list_orders() -> list[dict[str, int]]:
            return []


        @router.get("/{order_id}")
        def read_order(order_id: int) -> dict[str, int]:
            return {"id": order_id}


        @router.post("/{order_id}/cancel")
        def cancel_order(order_id: int) -> dict[str, int]:
            return {"id": order_id}


        app = FastAPI()
        app.include_router(router)
    """, files=(("auth.py", _AUTH),), config='extend-select = ["VER001"]')

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One app-level finding for an unversioned API, else one per unversioned router of a versioned one."""
        api = [r for r in ctx.routes if is_api_route(r)]
        versioned = [r for r in api if version_index(r) is not None]
        if not versioned:
            if len({r.path for r in api}) < _MIN_ROUTES or versioned_elsewhere(ctx):
                return
            where, symbol = self._anchor(ctx, api)
            sample = ", ".join(r.display for r in api[:2])
            yield self.finding(where, f"None of the {len({r.path for r in api})} API routes ({sample}, ...) carries a "
                               "version: no /v1 path segment, version header or versioning class",
                               "Serve the API under a version prefix (`/api/v1`) on the app or its routers, or "
                               "negotiate versions with a header or the framework's versioning class",
                               confidence=Confidence.LOW, symbol=symbol)
            return
        yield from self._stragglers(api, versioned)

    def _stragglers(self, api: list[Route], versioned: list[Route]) -> Iterator[Finding]:
        bases: dict[str, int] = {}
        for route in versioned:
            index = version_index(route)
            assert index is not None
            base = "/" + "/".join(static_segments(route)[:index])
            bases[base] = bases.get(base, 0) + 1
        by_group: dict[str, list[tuple[Route, str]]] = {}
        for route in api:
            if version_index(route) is not None:
                continue
            path = route.path.rstrip("/")
            for base, count in sorted(bases.items(), key=lambda kv: -len(kv[0])):
                if base == "/" or not path.startswith(base + "/"):
                    continue
                unversioned = sum(1 for r in api if version_index(r) is None
                                  and r.path.rstrip("/").startswith(base + "/"))
                if count >= 2 * unversioned:
                    by_group.setdefault(route.group or route.handler, []).append((route, base))
                break
        for group in sorted(by_group):
            routes = sorted(by_group[group], key=lambda rb: (rb[0].location.file, rb[0].location.line))
            first, base = routes[0]
            others = len({r.path for r, _ in routes}) - 1
            more = f" and {others} other route{'s' if others != 1 else ''} of the same router" if others else ""
            verb = "carry" if others else "carries"
            yield self.finding(first, f"{first.display}{more} {verb} no version, while {bases[base]} routes under "
                               f"{base} are versioned", "Mount this router under the same version prefix as the "
                               "rest of the API, or retire it")

    @staticmethod
    def _anchor(ctx: RuleContext, api: list[Route]) -> tuple[Location, str]:
        frameworks = {r.framework for r in api}
        for app in ctx.facts.apps:
            if app.framework in frameworks and app.framework != "django":
                return app.location, app.name
        if frameworks & {"django", "drf", "ninja"}:
            roots = [m for m in ctx.index if m.mentions("urlpatterns") and m.mentions("include")]
            for mod in sorted(roots, key=lambda m: (m.module.count("."), m.path)):
                for stmt in mod.top_level():
                    if stmt.kind in ("assign", "annassign") and any(
                            t.kind == "name" and t.text == "urlpatterns" for t in stmt.targets):
                        return Location(mod.path, stmt.line), f"{mod.module}.urlpatterns"
        first = api[0]
        return first.location, first.handler
