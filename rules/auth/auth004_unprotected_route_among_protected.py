"""AUTH004: one unauthenticated route in a router whose other routes all require authentication."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Route
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.auth._body import public_by_handler
from apilint.rules.auth._delegate import delegated_auth
from apilint.rules.auth._fixes import sibling_auth_fix
from apilint.rules.auth._helpers import forgotten_among_protected, only_redirects


class UnprotectedRouteAmongProtected(Rule):
    """
    ## What it finds
    A route that needs no authentication while every other route of the same router,
    blueprint, viewset or module requires it (at least two authenticated siblings). This is
    the typical forgotten `Depends(get_current_user)`, `@login_required` or
    `permission_classes`: the pattern is right everywhere around it.

    Routes that are public by design (login, token, register, password reset, health, docs,
    static files, signed webhooks, `auth.public-paths`; see AUTH001) neither count as siblings
    nor are reported; nor is a handler that only redirects or verifies a webhook signature.

    Such a route is reported by this rule *instead of* AUTH001 (which skips it), because
    the sibling evidence makes it near certain and names the fix: do what the siblings do.

    ## Why it matters
    The endpoint is reachable by anyone, and since its siblings handle the same resource it
    usually reads or changes the same protected data (CWE-306 Missing Authentication for
    Critical Function, OWASP API2:2023 Broken Authentication).

    ## Options
    - `auth.public-paths`: path globs that are public by design.

    ## Known limitations
    The group is the object the route is declared on; routes split over several routers that
    share one prefix are judged per router. A group where two or more routes lack
    authentication is left to AUTH001.

    ## References
    - https://cwe.mitre.org/data/definitions/306.html
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """

    code = "AUTH004"
    name = "unprotected-route-among-protected"
    summary = "Unauthenticated route whose sibling routes all require authentication"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (306,)
    owasp = ("API2:2023",)
    options = ("auth.public-paths",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.UNSAFE})
    fix_note = ("Copies what protects the siblings onto the route, exactly as a sibling writes it: its "
                "handler parameter (`current_user: CurrentUser`), its `dependencies=[Depends(...)]` entry, its "
                "decorator (`@login_required`, `@permission_classes([...])`) or its view class's "
                "`permission_classes`, with the imports a sibling in another file needs. Unsafe: callers "
                "that used the route without credentials are refused.")

    bad = Example("""
        from fastapi import APIRouter, Depends
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        router = APIRouter(prefix="/notes")


        @router.get("/")
        def list_notes(token: str = Depends(oauth2_scheme)) -> list[str]:
            return []


        @router.post("/")
        def create_note(text: str, token: str = Depends(oauth2_scheme)) -> str:
            return text


        @router.delete("/{note_id}")
        def delete_note(note_id: int) -> None:  # expect: AUTH004
            ...
    """)

    good = Example("""
        from fastapi import APIRouter, Depends
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        router = APIRouter(prefix="/notes", dependencies=[Depends(oauth2_scheme)])


        @router.get("/")
        def list_notes() -> list[str]:
            return []


        @router.post("/")
        def create_note(text: str) -> str:
            return text
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report each lone unauthenticated route of an otherwise authenticated group."""
        for route in ctx.routes:
            siblings = forgotten_among_protected(route, ctx.routes, ctx.config, ctx.handler)
            handler = ctx.handler(route)
            if not siblings or only_redirects(handler) or public_by_handler(handler, route.method):
                continue
            if delegated_auth(route, ctx) is not None:
                continue  # hands the request to a function whose own protection applies (or cannot be read)
            names = ", ".join(sorted({s.display for s in siblings})[:3])
            more = f" and {len(siblings) - 3} more" if len(siblings) > 3 else ""
            how = _sibling_auth(siblings)
            yield self.finding(
                route,
                f"{route.display} needs no authentication, while its {len(siblings)} sibling routes "
                f"({names}{more}) all require it",
                f"Protect it the way its siblings are protected{how}",
                fix_plan=sibling_auth_fix(ctx, route, siblings),
            )


def _sibling_auth(siblings: tuple[Route, ...]) -> str:
    """` (with X)` naming the evidence most siblings share, or an empty string."""
    counts: dict[str, int] = {}
    for sibling in siblings:
        for ev in sibling.auth.evidence[:1]:
            counts[ev.name] = counts.get(ev.name, 0) + 1
    if not counts:
        return ""
    best = max(sorted(counts), key=lambda n: counts[n])
    return f" (with `{best.rsplit('.', 1)[-1]}`)"
