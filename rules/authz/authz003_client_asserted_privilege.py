"""AUTHZ003: a handler that grants privilege, or takes the caller's identity, from a cookie or header the
client sets itself."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Location, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.authz._client_claims import decisions
from apilint.rules.authz._fixed_sessions import FixedSession, fixed_sessions, module_constants

_WORDS = ("cookies", "cookie", "headers", "header", "meta", "environ", "access_route", "user_agent", "get_cookie")


class ClientAssertedPrivilege(Rule):
    """
    ## What it finds
    Route handlers that decide who the caller is, or what it may do, from a value the client
    sends and can set to anything: a cookie or a request header compared with a role
    (`request.COOKIES.get("admin") == "1"`, `request.headers.get("X-User-Role") == "admin"`,
    `request.META["HTTP_USER_AGENT"] == "internal_admin"`, an unsigned `user|expiry` cookie
    whose first part is compared with `"admin"`), a cookie or header named for a role tested
    for truth (`if request.cookies.get("is_admin"):`, FastAPI's `is_admin: bool = Cookie(False)`),
    and a forwarding header (`X-Forwarded-For`, `X-Real-IP`, Flask's `access_route`) compared
    with a loopback address to let "local" callers in; and account lookups keyed by a cookie or
    header naming the user (`User.objects.get(pk=request.COOKIES["user_id"])`,
    `filter_by(user_id=x_user_id)` with `x_user_id: Annotated[int, Header()]`) unless the same
    lookup also matches a secret (a password, OTP or token field). Also session cookies
    checked against a value written in the code (`request.COOKIES.get(SESSION_COOKIE) ==
    "1337"`, a module constant counts), in the handler or in a function of its module it hands
    the request to (`if not is_authenticated(request): return redirect(...)`): one finding per
    comparison, naming the routes that reach it.

    The value is followed through local variables, indexing, string methods and decoding
    (`cookie.split("|")[0]`, `json.loads(base64.b64decode(...))`). Signed stores (Django's and
    Flask's `session`, `get_signed_cookie`), values passed through a project function (which may
    verify them), the peer address (`REMOTE_ADDR`, `request.remote_addr`) and credentials
    compared with a literal (an `Authorization` or API-key header: SECRET002's finding) are not
    reported. Role claims are reported with high confidence; loopback trust with medium, since a
    proxy in front may overwrite the header.

    ## Why it matters
    The client writes its own cookies and headers: anyone can send `admin=1`, `X-Role: admin`
    or `X-Forwarded-For: 127.0.0.1` and get the administrator's data or actions (CWE-565
    Reliance on Cookies without Validation and Integrity Checking in a Security Decision,
    CWE-807 Reliance on Untrusted Inputs in a Security Decision, CWE-290 Authentication Bypass
    by Spoofing; OWASP API5:2023 Broken Function Level Authorization).

    ## Options
    None.

    ## Known limitations
    Only the handler's own body is read (and, for fixed session values, the module functions
    it passes the request to); a role claim read in a helper the handler calls is not
    followed. Query and body parameters compared with role names are not reported (they are
    most often filters, such as `?role=admin` to list administrators).

    ## References
    - https://cwe.mitre.org/data/definitions/565.html
    - https://cwe.mitre.org/data/definitions/807.html
    - https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/
    """

    code = "AUTHZ003"
    name = "client-asserted-privilege"
    summary = "Privilege decided by a cookie or header the client sets"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (565, 807)
    owasp = ("API5:2023",)

    bad = Example("""
        from flask import Flask, jsonify, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.get("/reports/revenue")
        @login_required
        def revenue_report():
            if request.headers.get("X-User-Role") == "admin":  # expect: AUTHZ003
                return jsonify({"revenue": 1200000})
            return jsonify({"error": "forbidden"}), 403
    """)

    good = Example("""
        from flask import Flask, jsonify
        from flask_login import current_user, login_required

        app = Flask(__name__)


        @app.get("/reports/revenue")
        @login_required
        def revenue_report():
            if current_user.role == "admin":
                return jsonify({"revenue": 1200000})
            return jsonify({"error": "forbidden"}), 403
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Read the handlers of modules that read cookies or headers."""
        routes = ctx.route_of_handlers()
        handled = {path for path, _ in routes}
        for mod in ctx.index:
            if mod.path not in handled or (mod.words and not any(mod.mentions(w) for w in _WORDS)):
                continue  # no handler here, or no cookie or header read
            for func in mod.functions():
                route = routes.get((mod.path, func.qualname))
                if route is None:
                    continue
                for found in decisions(func):
                    claim = found.claim
                    what = f"the {claim.store} `{claim.key}`"
                    if found.identity:
                        message = (f"{route.display} takes the caller's identity from {what} (`{found.test}`): "
                                   "the client sets its own cookies and headers, so anyone can act as any user")
                        fix = ("Identify the caller from a server-side session or a signed, verified token "
                               "(request.user, a session id, a JWT checked with its key), never from a raw id")
                    elif found.loopback:
                        message = (f"{route.display} trusts {what} to tell a local caller (`{found.test}`): "
                                   "the client sets this header, so anyone can claim to be 127.0.0.1")
                        fix = ("Use the connection's peer address (REMOTE_ADDR, request.client.host), or read "
                               "forwarding headers only through a proxy-aware setting with a trusted hop count")
                    else:
                        message = (f"{route.display} decides privilege on {what} (`{found.test}`): the client "
                                   "sets its own cookies and headers, so anyone can claim the role")
                        fix = ("Decide roles from the authenticated user stored on the server (request.user, "
                               "the session, a verified token's claims) and reject others with 403")
                    yield self.finding(
                        Location(mod.path, found.line), message, fix,
                        confidence=Confidence.MEDIUM if found.loopback else None,
                        route=route, symbol=f"{mod.module}.{func.qualname}")
        yield from self._fixed_sessions(ctx, routes)

    def _fixed_sessions(self, ctx: RuleContext, routes: dict[tuple[str, str], Route]) -> Iterator[Finding]:
        """Session cookies compared with a value written in the code: one finding per comparison,
        naming the routes whose handlers reach it."""
        reached: dict[tuple[str, int], tuple[FixedSession, list[Route]]] = {}
        for mod in ctx.index:
            if mod.words and not mod.mentions("cookies"):
                continue
            consts = module_constants(mod)
            for func in mod.functions():
                route = routes.get((mod.path, func.qualname))
                if route is None:
                    continue
                for found in fixed_sessions(mod, func, consts):
                    reached.setdefault((mod.path, found.line), (found, []))[1].append(route)
        for (path, line), (found, hit) in sorted(reached.items()):
            shown = ", ".join(r.display for r in hit[:2]) + (f" and {len(hit) - 2} more" if len(hit) > 2 else "")
            yield self.finding(
                Location(path, line),
                f"{found.function}() lets in every client that sends the cookie `{found.cookie}` with the fixed "
                f"value `{found.value}` written in the code ({shown}): the session is a constant anyone can "
                "send, not a secret issued at login",
                "Issue a random session id per login and keep it on the server (Django's or Flask's session, "
                "`secrets.token_urlsafe()` stored with the user), then check the caller against that store",
                route=hit[0], symbol=found.function)
