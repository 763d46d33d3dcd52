"""Helpers shared by the AUTH rules: which routes are public by design, and sibling checks."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from apilint.config import Config
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Route, RouteMap
from apilint.rule import RuleContext
from apilint.rules._views import view_class
from apilint.rules.auth._body import answers_status, caller_scoped
from apilint.summary import FunctionDef

_AUTH_FLOW_SEGMENTS = lazy_compile(
    r"(^|[/_.-])(login|log-in|signin|sign-in|logout|log-out|logged-out|logged_out|signout|sign-out|signup|sign-up|"
    r"register|authenticate|authentication|"
    r"registration|token|tokens|refresh|oauth2?|callback|authorize|sso|saml|verify-email|verify_email|"
    r"confirm-email|confirm_email|activate|activation|password[-_/](reset|reminder)|reset[-_/]password|"
    r"forgot|forgot-password|forgot_password|password-recovery|password_recovery|recover-password|"
    r"magic-link|otp|mfa|2fa|two-factor|two_factor|totp|webauthn|passkeys?|webhooks?|csrf|csrf-token|"
    r"setlang|set-language|set_language|set-locale|set_locale)($|[/_.-])",
    re.IGNORECASE,
)
"""Authentication flows (and the visitor's language switch): public whatever the method."""
_READ_ONLY_SEGMENTS = lazy_compile(
    r"^/?(api/)?(v\d+/)?(health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|"
    r"ping|status|version|info|docs|redoc|openapi|openapi\.(json|ya?ml)|swagger|swagger\.(json|ya?ml)|schema|static|"
    r"favicon\.ico|robots\.txt|sitemap\.xml|sitemap|jsi18n|i18n|manifest\.json|metrics|\.well-known|public|"
    r"[a-z][\w-]*[_-]version)($|/)",
    re.IGNORECASE,
)
"""Probes, docs and static files (first segment after an optional `/api/vN`; `/app_version` too): public
when read-only."""
_DISCOVERY_DOCUMENTS = lazy_compile(
    r"/(opensearch\.xml|changelog|release-notes|scim/v2/(ServiceProviderConfig|ResourceTypes|Schemas))/?$",
    re.IGNORECASE,
)
"""Discovery documents clients fetch before they authenticate (SCIM's are public by RFC 7644)."""
_STATIC_FILE = lazy_compile(r"\.(js|mjs|css|map|ico|webmanifest|woff2?|ttf|eot|md)$|"
                          r"^(robots|llms|humans|security)\.txt$|^(favicon|logo|apple-touch-icon)(\.\w+)?$|"
                          r"^(service-worker|serviceworker|sw|manifest)\.(js|json)$|^[\w.-]+\.(png|svg|jpe?g|gif|webp)$|"
                          r"^avatar$",
                          re.IGNORECASE)
"""Last path segments that name a static asset: scripts, styles, icons, fonts, a web manifest, a Markdown
document (`/auth.md`), an image file
(named literally: `/exports/og.png`, not `/reports/{id}.png`), an avatar."""
_INFO_PAGE = lazy_compile(r"^(imprint|impressum|about|about[-_]us|terms|terms[-_]of[-_](service|use)|tos|"
                          r"privacy|privacy[-_]policy|legal|contact|contact[-_]us|faq|help|pricing|credits|"
                          r"changelog)$", re.IGNORECASE)
"""Last path segments of a site's information pages (imprint, terms, privacy policy, about, FAQ):
public by design when read, unless a path parameter other than the language picks an object."""
_CODE_ASSET = lazy_compile(r"\.(js|mjs|css|map|webmanifest)$", re.IGNORECASE)
"""Extensions of code assets, public even when a parameter names the file (`/manifest/{user}.webmanifest`)."""
_STATIC_DIRS = lazy_compile(r"^(assets|static|dist|fonts|icons|css|js|public|avatars)$", re.IGNORECASE)
_WEBHOOK = lazy_compile(r"(^|/)(slack|teams|msteams|discord|telegram|stripe|github|gitlab|bitbucket|twilio|sendgrid|"
                      r"mailgun|postmark|paypal|shopify|zoom|whatsapp|messenger|intercom|hubspot|twitch)/"
                      r"(events?|hooks?|webhooks?|callbacks?|interactions?|incoming|notifications?|updates|commands|"
                      r"actions|messages)(/|$)", re.IGNORECASE)
"""Webhook endpoints of services that sign their requests (the SDK handler verifies the signature)."""
_PREFERENCES = lazy_compile(r"(^|/)((set|change|switch|select)[-_]?(language|lang|locale|timezone|tz)|setlang|"
                            r"language|lang|locale|i18n|timezone)(/|$)", re.IGNORECASE)
_PREFERENCE_PARAMS = lazy_compile(r"^(locale|lang|language|language_code|lang_code|code|tz|timezone)$")
"""A visitor's language or time zone choice (Django's `set_language`, `/change-timezone`): stored in
the session, public by design."""
_TOKEN_PARAMS = lazy_compile(r"^(token|code|key|uid|uidb64|signature|sig|provider|backend|nonce|state)$")
"""Path parameters an auth flow may carry (`/reset-password/{token}`), unlike an object ID."""
_PUBLIC_HANDLERS = lazy_compile(
    r"^(login|signin|sign_in|logout|signout|sign_out|signup|sign_up|register|register_user|authenticate(_user)?|"
    r"(login|issue|get|create|refresh)_(access_)?tokens?|login_for_access_token|token|refresh|"
    r"oauth\w*|\w*_callback|authorize|(ldap|saml|oidc|sso|kerberos|cas)_(auth|login|signin|sign_in|authenticate)|(request_|send_)?password_reset(_request)?|reset_password|"
    r"forgot_password|recover_password|verify_email|confirm_email|activate(_account)?|"
    r"(log_?in|log_?out|password_?reset(_?(done|confirm|complete))?)_?view|"
    r"health|healthz|health_check|healthcheck|readiness|liveness|ready|ping|openapi|swagger\w*|docs|redoc|"
    r"\w*webhook|csrf\w*)$",
    re.IGNORECASE,
)
_PERMISSIVE_NAMES = ("AllowAny", "login_not_required")
_STATIC_PAGE_VIEWS = frozenset({"django.views.generic.TemplateView", "django.views.generic.base.TemplateView"})
"""Django's own view that renders a template with nothing but the URL's values: a static page."""
_LEADING_FLOW = lazy_compile(
    r"^(auth|reset|forgot|recover|recovery|invite|invites|invitation|invitations|accept-invite|accept_invite|verify|"
    r"password|passwords|magic)$",
    re.IGNORECASE,
)
"""Words that name an auth flow when they open the path (`/reset/{uidb64}/{token}`, `/invite/{code}`)."""
_VERSION_SEGMENT = lazy_compile(r"^(api|v\d+(\.\d+)*)$", re.IGNORECASE)


def is_public_by_design(route: Route, config: Config) -> bool:
    """Login, token, register, password reset, health, docs, static files, redirects, API indexes and configured
    public paths."""
    if route.builtin or any(e.kind in ("redirect", "static_files") for e in route.auth.evidence):
        return True  # the framework's API docs or index describe endpoints that answer for themselves; a
        # redirect serves nothing itself; a file server serves what its folder holds
    for pattern in config.auth_public_paths:
        if fnmatch.fnmatchcase(route.path, pattern) or fnmatch.fnmatchcase(route.raw_path, pattern):
            return True
    static_path = re.sub(r"\{[^}]*\}", "", route.path)
    if static_path.strip("/") == "" and route.method in ("GET", "HEAD", "ANY"):
        return True  # the site root
    # An auth-flow word next to an object ID (`/orders/{order_id}/confirm`) is not an auth flow; parameters
    # before the first literal segment scope the whole app (`/{tenant_slug}/forgot`), they pick no object.
    scope = _leading_params(route.path)
    ids_only_tokens = all(_TOKEN_PARAMS.match(p) or p in scope for p in route.path_params)
    if ids_only_tokens and _AUTH_FLOW_SEGMENTS.search(static_path):
        return True
    # A path that opens with an auth flow carries the flow's own tokens, whatever they are named
    # (`/signup/{uuid}/` is an invitation link; `/users/{id}/activate` does not open with one).
    first = next((seg for seg in static_path.split("/")
                  if seg and not _VERSION_SEGMENT.match(seg) and not seg.startswith("{?")), "")  # unread prefix
    if first and (_LEADING_FLOW.match(first) or _AUTH_FLOW_SEGMENTS.fullmatch(first)):
        return True
    if _WEBHOOK.search(static_path) or (
            _PREFERENCES.search(static_path) and all(_PREFERENCE_PARAMS.match(p) for p in route.path_params)):
        return True
    if route.method in ("GET", "HEAD", "OPTIONS") and public_read(route):
        return True
    if route.method in ("GET", "HEAD") and route.handler in _STATIC_PAGE_VIEWS:
        return True  # `TemplateView.as_view(template_name="help.html")`: a template and nothing read for it
    if route.method == "ANY" and route.handler_ref is None and public_read(route):
        return True  # a library's view (API docs, a static file) at a docs or asset path
    handler = route.handler.rsplit(".", 1)[-1]
    return ids_only_tokens and bool(_PUBLIC_HANDLERS.match(handler))


def _leading_params(path: str) -> frozenset[str]:
    """Names of the path parameters that come before the first literal segment (a tenant, a locale)."""
    names = []
    for seg in path.split("/"):
        if not seg:
            continue
        if not (seg.startswith("{") and seg.endswith("}")) or seg.startswith("{?"):
            break
        names.append(seg[1:-1])
    return frozenset(names)


def public_read(route: Route) -> bool:
    """Probes, docs, discovery documents, static assets and what a `public` segment names, also
    below a prefix apilint could not read or a tenant parameter (`/{?base_url}/health`,
    `/{tenant}/.well-known/jwks.json`)."""
    path = route.path
    segments = [seg for seg in path.split("/") if seg]
    local = "/" + "/".join(segments[next((i for i, seg in enumerate(segments) if not seg.startswith("{")),
                                         len(segments)):])
    if any(_READ_ONLY_SEGMENTS.search(p) or _DISCOVERY_DOCUMENTS.search(p) for p in (path, local)):
        return True
    if ".well-known" in segments or any(seg.lower() == "public" for seg in segments):
        return True  # (`/node/public/api/v1/info`: what the app names public, read-only)
    last = segments[-1] if segments else ""
    if "{" not in last and _STATIC_FILE.search(last):
        return True
    if not route.path_params and last in ("translations", "locales"):
        return True  # the UI's strings (`/project/translations`), not a collection of records
    if _CODE_ASSET.search(last):
        return True
    if _INFO_PAGE.match(last) and all(_PREFERENCE_PARAMS.match(p) for p in route.path_params):
        return True  # `/{language}/imprint`; not `/users/{user_id}/privacy`, one user's settings
    static_dirs = [seg for seg in local.split("/") if seg and not seg.startswith("{")]
    return bool(static_dirs) and _STATIC_DIRS.match(static_dirs[0]) is not None


def project_has_auth(routes: RouteMap) -> bool:
    """True when at least one route requires authentication (the project knows about users)."""
    return any(r.auth.status is AuthStatus.REQUIRED for r in routes)


def explicitly_permissive(route: Route) -> bool:
    """True when the route itself declares it is public (`AllowAny`, `auth=None`, empty permissions)."""
    for ev in route.auth.evidence:
        if ev.status is not AuthStatus.NONE:
            continue
        short = ev.name.rsplit(".", 1)[-1]
        if short in _PERMISSIVE_NAMES or ev.kind in ("permission_class", "auth_argument", "permissions_empty"):
            if "default" not in ev.detail.lower() and ev.kind != "setting":
                return True
    return False


def unauthenticated_locally(route: Route) -> bool:
    """True when nothing on the way from the route's own router authenticates it: its status is
    `none`, or `unknown` only because no application is seen mounting its router."""
    if route.auth.status is AuthStatus.NONE:
        return True
    return (not route.linked and route.auth.status is AuthStatus.UNKNOWN
            and all(e.kind == "unlinked" for e in route.auth.evidence if e.status is AuthStatus.UNKNOWN))


def forgotten_among_protected(route: Route, routes: RouteMap, config: Config,
                              handler_of: Callable[[Route], FunctionDef | None] | None = None) -> tuple[Route, ...]:
    """The authenticated siblings, when `route` is the one unauthenticated route of its group.

    Empty unless the route needs no authentication (on its own router, for a router no app is seen
    mounting), is not public by design, and at least two other routes of the same router,
    blueprint, viewset or module all require authentication. With `handler_of`, siblings that only
    redirect to another route, or that answer a fixed status unauthenticated, do not count.
    """
    if not route.group or not unauthenticated_locally(route) or explicitly_permissive(route):
        return ()
    if is_public_by_design(route, config):
        return ()
    siblings = [r for r in routes.in_group(route.group)
                if r.handler != route.handler and not is_public_by_design(r, config)
                and not (handler_of is not None and (only_redirects(handler_of(r)) or (
                    r.auth.status is not AuthStatus.REQUIRED and r.method in ("GET", "HEAD")
                    and answers_status(handler_of(r)))))]
    if len(siblings) < 2 or any(r.auth.status is not AuthStatus.REQUIRED for r in siblings):
        return ()
    if len({r.handler for r in siblings}) < 2:
        return ()
    return tuple(siblings)


_REDIRECT_CALLS = lazy_compile(r"^(redirect|redirect_to|RedirectResponse|HttpResponseRedirect|"
                             r"HttpResponsePermanentRedirect)$")
_REDIRECT_HELPERS = lazy_compile(r"^(url_for|reverse|sanitize\w*|dict|str|int|quote\w*|urlencode|get|format|dumps|join|"
                               r"encode|lower|upper|strip)$")


def only_redirects(handler: FunctionDef | None) -> bool:
    """True for a handler that only sends the caller to another route of the app
    (`return redirect(url_for("Views.grid", **sanitize_args(request.args)))`): it reads and changes
    nothing, and the route it sends to applies its own authentication."""
    if handler is None or not handler.body:
        return False
    body = list(handler.body)
    if body[0].kind == "expr" and body[0].value is not None and body[0].value.kind == "str":
        body = body[1:]  # the docstring
    if not body or body[-1].kind != "return" or any(s.kind not in ("assign", "return") for s in body):
        return False
    final = body[-1].value
    if final is None or final.kind != "call" or final.func.kind not in ("name", "attr") \
            or not _REDIRECT_CALLS.match(final.func.text):
        return False
    target = final.positional[0] if final.positional else None
    if target is None or not (target.kind == "call" or (target.kind == "str" and target.text.startswith("/"))):
        return False
    for stmt in body:
        for expr in stmt.own_exprs():
            for call in expr.calls():
                name = call.func.last_name
                if not (_REDIRECT_CALLS.match(name) or _REDIRECT_HELPERS.match(name)):
                    return False
    return True


def view_scoped(ctx: RuleContext, route: Route) -> str | None:
    """For a route served by a method of a view class (DRF generics, class-based views): the call in
    one of the class's methods, or its project bases', that limits its data to the caller
    (`get_queryset()` filtering by `self.request.user`), if any."""
    owner = view_class(ctx.index, route)
    if owner is None:
        return None
    for symbol in ctx.index.class_chain(owner):
        assert symbol.cls is not None
        for method in symbol.cls.methods():
            scoped = caller_scoped(method)
            if scoped is not None:
                return scoped
    return None
