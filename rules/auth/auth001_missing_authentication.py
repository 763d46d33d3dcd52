"""AUTH001: endpoint reachable without authentication."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.auth._body import (
    caller_scoped,
    cookie_only,
    public_by_handler,
    reads_only,
    renders_page_data,
    sends_to_login,
    serves_anonymous_on_purpose,
    static_page,
)
from apilint.rules.auth._delegate import delegated_auth
from apilint.rules.auth._helpers import (
    explicitly_permissive,
    forgotten_among_protected,
    is_public_by_design,
    only_redirects,
    project_has_auth,
    public_read,
)
from apilint.rules.authz._siblings import by_resource, resource_of
from apilint.summary import FunctionDef

_PROBE = lazy_compile(r"(^|/)(health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|"
                    r"ping|status)(/|$)", re.IGNORECASE)
"""Probe path segments: a view there that renders a template with data is a page, not a probe."""


class MissingAuthentication(Rule):
    """
    ## What it finds
    Routes that nothing authenticates: no auth dependency, security scheme, decorator,
    permission class, middleware or project-wide default covers them. Routes that are public
    by design (login, logout, token, register, `/authenticate`, a directory or single sign-on
    login named as one (`ldap_auth`, `saml_login`), password reset, `/forgot` and
    `/password-reminder`, the language and time zone switches (`/set-language/{locale}`,
    `/lang/{lang}`, `/change-timezone`), health and readiness probes (also
    `/app_version`, and a `GET` whose handler only answers a fixed status such as
    `{"status": True}`), Django's `TemplateView` (a template and nothing read for it), reads
    below a segment named `public`, a site's information pages
    (`/{language}/imprint`, `/terms-of-service`, `/privacy-policy`), API docs (also
    served by a view of every method that only reads; at a probe path, one that renders no HTML
    template with data of its own: `/health/` rendering every user's records is a page),
    Markdown documents (`/auth.md`), OIDC
    discovery under `/.well-known/`, static files and assets such as `sw.js` or `*.webmanifest`,
    the site root, also below a prefix apilint cannot read or a tenant parameter
    (`/{tenant_slug}/forgot`); paths that open with an auth flow such as `/reset/{uidb64}/{token}`
    or `/signup/{uuid}/`; webhooks of services that sign their requests (`/slack/events`) and
    handlers that verify a webhook signature themselves
    (`stripe.Webhook.construct_event`, `hmac.compare_digest`)), handlers that exchange a password
    sent by the client for a key or token under any name (`key = keygen(data["username"],
    data["password"])` then `if not key: return ..., 403`) or compare or verify it and then sign
    the caller in (`if request.POST.get("password") == ...:` or `if check_password_hash(stored,
    form.admin_password.data):` then `set_cookie`, `login()`, a `session` write or a call given
    the session), handlers that only redirect
    (to another route of the app, `return redirect(url_for("dashboard"))`, or to the same URL
    with a trailing slash) and paths listed in `auth.public-paths` are not reported.

    State-changing routes (POST, PUT, PATCH, DELETE) are reported with high confidence; so is
    a view that serves every method (a Django function view) unless its body only reads (it
    never looks at the submitted body or the method and calls nothing that writes), which is
    judged as a read.
    Read-only routes are reported with medium confidence when other routes of the project do
    require authentication (this one was probably forgotten), and low confidence otherwise or
    when the route's own router, or the resource it reads (`GET /menu` beside a protected
    `PUT /menu/{id}` declared in another router), protects its writes but none of its reads (a
    catalogue whose reads are public by design), or when it reads a shop's catalogue
    (`/products`, `/categories`, `/catalog`, `/menu` and what lies below them: a search, a
    product's stock), which stores show every visitor.
    Routes whose handler limits its data to what the caller may see
    (`get_permitted_dag_ids(user=g.user)`, a `visible_to(request.user)` queryset) are reported
    with low confidence: an anonymous caller gets nothing. So are handlers that test
    `request.user.is_authenticated` (or `current_user.is_authenticated`) and carry on for anonymous
    callers (public on purpose), and reads that only render a template with no data of their own
    (`render_template("catalog.html", title="Catalog")`: a page shell whose data comes from other
    routes), and handlers that send the caller to the login page once their work is done
    (`return redirect("/user/login")` after creating an account: a sign-up, logout or reset step
    under a path that does not say so), and handlers whose only effect is a cookie on their own
    answer (`resp.set_cookie("theme", "dark")`: a preference the client keeps, with no stored data
    read and the session left alone).
    A handler that only hands the request to another function (`return get_details(dag_id=dag_id)`,
    `return user_endpoint.get_user(**kwargs)`) takes that function's protection: not reported when
    the function's own decorators authenticate it, low confidence when the function belongs to the
    project's package but is not in the analyzed code.
    Reads mounted only when a run-time package walk finds their blueprint (route condition
    `if discovered at run time by ...`) are low confidence: apilint cannot confirm the walk mounts
    them, and such apps route their public pages the same way. Writes keep their confidence.
    Routes whose protection apilint cannot read (a dependency imported from outside the
    project, custom auth middleware) are reported with low confidence, and only with
    `--min-confidence low` (AUTH005 names the mechanism once). In a project where no
    route requires authentication at all, state-changing routes are reported with medium
    confidence (the app may sit behind a gateway that authenticates). Routes mounted only
    under a debug or development switch (`if settings.debug: app.include_router(...)`) are
    low confidence.

    Two cases are left to other rules so that one forgotten route is not reported twice:
    a route that is the only unauthenticated one among at least two authenticated siblings
    (same router, blueprint, viewset or module) is reported by AUTH004 instead, and a route
    that explicitly declares itself public (`AllowAny`, `auth=None`, empty
    `permission_classes`) is a deliberate choice, reported by AUTH003 when it changes state.

    ## Why it matters
    Anyone who can reach the server can call the endpoint: read other people's data, create
    or delete records. AI-generated handlers often get the auth dependency on some routes and
    forget it on others (CWE-306 Missing Authentication for Critical Function,
    OWASP API2:2023 Broken Authentication).

    ## Options
    - `auth.public-paths`: path globs that are public by design.
    - `auth.dependencies`: extra dependency or function names that authenticate.
    - `auth.decorators`: extra decorator names that authenticate.
    - `auth.permissions`: what a mechanism apilint cannot read does (`required`, `optional`, `none`).

    ## Known limitations
    Authentication done by a reverse proxy or API gateway is invisible to apilint; list such
    paths in `auth.public-paths` or suppress the finding. Home-grown auth middleware makes a
    route's auth `unknown`, because which paths it exempts cannot be read: AUTH005 names such a
    mechanism once, and the per-route findings on those routes (low confidence) are listed only
    with `--min-confidence low`.
    GraphQL endpoints are left to the GQL rules: one URL serves every query and mutation, and
    public endpoints whose resolvers check the caller are normal (GQL003 reports mutations
    that nothing authenticates).

    ## References
    - https://cwe.mitre.org/data/definitions/306.html
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """

    code = "AUTH001"
    name = "missing-authentication"
    summary = "Endpoint reachable without authentication"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (306,)
    owasp = ("API2:2023",)
    options = ("auth.public-paths", "auth.dependencies", "auth.decorators", "auth.permissions")

    bad = Example("""
        from fastapi import FastAPI

        app = FastAPI()


        @app.delete("/notes/{note_id}")
        def delete_note(note_id: int) -> None:  # expect: AUTH001
            ...
    """)

    good = Example("""
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI()


        @app.delete("/notes/{note_id}")
        def delete_note(note_id: int, token: str = Depends(oauth2_scheme)) -> None:
            ...
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report unauthenticated routes, most certain first."""
        has_auth = project_has_auth(ctx.routes)
        for route in ctx.routes:
            status = route.auth.status
            if status in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL):
                continue
            if route.framework == "graphql":
                continue  # one endpoint for every operation: GQL003 judges each mutation's resolver
            if is_public_by_design(route, ctx.config) or explicitly_permissive(route) or \
                    public_by_handler(ctx.handler(route), route.method):
                continue
            handler = ctx.handler(route)
            if only_redirects(handler):
                continue  # sends the caller on to a route that applies its own authentication
            if route.method == "ANY" and public_read(route) and _serves_reads_only(route, handler, ctx) \
                    and not (_PROBE.search(route.path) and renders_page_data(handler)):
                continue  # API docs or a probe served by a view of every method that only reads
            if forgotten_among_protected(route, ctx.routes, ctx.config, ctx.handler):
                continue  # AUTH004 reports it, naming the protected siblings
            fix = ("Add the project's authentication (an auth dependency, decorator or permission class) "
                   "to this route or to the router it belongs to")
            delegated = delegated_auth(route, ctx)
            if delegated is not None and delegated[0] in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL):
                continue  # the function it hands the request to authenticates it
            if delegated is not None:
                yield self.finding(route, f"{route.display} may be reachable without authentication: "
                                   f"{delegated[1]}", fix, confidence=Confidence.LOW)
                continue
            if status is AuthStatus.UNKNOWN:
                what = "; ".join(e.describe() for e in route.auth.evidence[:2])
                yield self.finding(route, f"{route.display} may be reachable without authentication: "
                                   f"apilint cannot tell whether {what or 'its protection'} authenticates it",
                                   fix, confidence=Confidence.LOW, quiet=True)
                continue
            if route.method in ("GET", "HEAD", "OPTIONS", "WEBSOCKET") or (
                    route.method == "ANY" and reads_only(ctx.handler(route))):
                confidence = Confidence.MEDIUM if has_auth and not _public_reads(route, ctx) and \
                    not _storefront_read(route) else Confidence.LOW
                severity = Severity.MEDIUM
            else:
                confidence = Confidence.HIGH if has_auth else Confidence.MEDIUM
                severity = Severity.HIGH
            if _DEVELOPMENT_ONLY.search(route.condition):
                confidence = Confidence.LOW  # mounted only in debug or development mode
            elif severity is Severity.MEDIUM and route.condition.startswith(_DISCOVERED):
                confidence = Confidence.LOW  # a read the app may mount: its package walk is not evaluated
            scoped = caller_scoped(handler)
            why = "nothing on the route, its routers or the app checks who the caller is"
            if scoped is not None:
                # what it serves is limited to what the caller may see: an anonymous caller gets nothing
                confidence = Confidence.LOW
                why += f", though the handler limits its data to what the caller may see (`{scoped}`)"
            elif (tested := serves_anonymous_on_purpose(handler)) is not None:
                confidence = Confidence.LOW  # the handler has an answer for anonymous callers: public on purpose
                why = (f"nothing on the route, its routers or the app requires a signed-in caller; the handler "
                       f"tests `{tested}` and serves anonymous callers on purpose")
            elif (target := sends_to_login(handler)) is not None:
                confidence = Confidence.LOW  # a sign-up, logout or reset step: public by design, under any path
                why += f", though the handler then sends the caller to log in (`{target}`), as a sign-up does"
            elif (cookie := cookie_only(handler)) is not None:
                confidence = Confidence.LOW  # a preference toggle: the client keeps what it chose
                why += f", though all the handler does is set the `{cookie}` cookie on its own answer"
            elif severity is Severity.MEDIUM and (page := static_page(handler)) is not None:
                confidence = Confidence.LOW  # a page shell: the data it shows comes from other routes
                why += f", though it only renders `{page}` with no data of its own"
            yield self.finding(route, f"{route.display} is reachable without authentication: {why}",
                               fix, confidence=confidence, severity=severity)


_DISCOVERED = "if discovered at run time by "
"""The condition the Flask adapter gives routes of blueprints a run-time package walk may mount."""

_DEVELOPMENT_ONLY = lazy_compile(r"^if [^;]*\b(debug|development|dev_mode|testing|local_dev)\b", re.IGNORECASE)
"""A route whose mount condition is a debug or development switch (`if settings.DEBUG`)."""


_WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def _serves_reads_only(route: Route, handler: FunctionDef | None, ctx: RuleContext) -> bool:
    """True when the route's view only reads: a function view whose body only reads, or a view
    class that defines no `post`/`put`/`patch`/`delete` of its own (a documentation view
    subclassing a library's: `class RedocView(SpectacularRedocView)`)."""
    if handler is not None:
        return reads_only(handler)
    symbol = ctx.index.lookup(route.handler)
    if symbol is None or symbol.cls is None:
        return symbol is None  # a library view
    return not any(method.name in _WRITE_METHODS for method in symbol.cls.methods())


_STOREFRONT = lazy_compile(r"^(products?|catalog|catalogue|categories|category|menus?|brands?|collections|"
                         r"listings?|storefront)$", re.IGNORECASE)
"""Collections a shop shows to every visitor: the product list, a product, its stock, a search."""


def _storefront_read(route: Route) -> bool:
    """A read of a shop's catalogue (`GET /api/products/search`, `/products/{id}/stock`): public in
    almost every store, even where its writes are (wrongly) as open as its reads."""
    for segment in route.path.split("/"):
        if not segment or segment.startswith("{") or _API_PREFIX.match(segment):
            continue
        return _STOREFRONT.match(segment) is not None  # the first segment names the collection
    return False


_API_PREFIX = lazy_compile(r"^(api|rest|public|v\d+(\.\d+)*)$", re.IGNORECASE)


def _public_reads(route: Route, ctx: RuleContext) -> bool:
    """True when the route's group, or the resource it reads (`GET /menu` beside `PUT /menu` and
    `DELETE /menu/{id}`, each in a router of its own), protects its writes and leaves every read open."""
    group = ctx.routes.in_group(route.group) if route.group else ()
    same = tuple(by_resource(ctx.routes).get((route.app, resource_of(route.path)), ()))
    for routes in (group, same):
        writes_protected = any(r.is_unsafe and r.auth.status is AuthStatus.REQUIRED for r in routes)
        reads_open = all(r.auth.status is not AuthStatus.REQUIRED for r in routes if not r.is_unsafe)
        if writes_protected and reads_open:
            return True
    return False
