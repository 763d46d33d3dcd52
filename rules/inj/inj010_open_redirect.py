"""INJ010: request data choosing where a redirect sends the browser."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import HEAD, FlowHit, Hit, Kind
from apilint.rules.inj._sources import SESSION_OBJECTS, is_request_object
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

# Callee -> (positional index, keyword) of the target URL.
_SINKS: dict[str, tuple[int, str]] = {
    "flask.redirect": (0, "location"), "flask.helpers.redirect": (0, "location"),
    "werkzeug.utils.redirect": (0, "location"), "quart.redirect": (0, "location"),
    "django.shortcuts.redirect": (0, "to"), "django.http.HttpResponseRedirect": (0, "redirect_to"),
    "django.http.response.HttpResponseRedirect": (0, "redirect_to"),
    "django.http.HttpResponsePermanentRedirect": (0, "redirect_to"),
    "fastapi.responses.RedirectResponse": (0, "url"), "starlette.responses.RedirectResponse": (0, "url"),
    "aiohttp.web.HTTPFound": (0, "location"), "pyramid.httpexceptions.HTTPFound": (0, "location"),
}
# Request attributes naming this same request (its own URL, path or referring page): not an open redirect.
_OWN_URL = frozenset({"url", "full_path", "path", "referrer", "base_url", "url_root", "get_full_path",
                      "build_absolute_uri", "HTTP_REFERER"})
_REFERER_HEADERS = frozenset({"referer", "referrer", "http_referer"})
_MODEL_CALLS = frozenset({"save", "create", "get", "first", "last", "get_or_create", "get_object",
                          "get_object_or_404", "refresh_from_db"})
_KIND = Kind("redirect", sanitizers=frozenset({"url_for", "reverse", "resolve_url", "url_path_for"}), url_checks=True)
_WORDS = ("redirect", "httpresponseredirect", "redirectresponse", "httpfound")


def _with_bindings(frame: Frame, arg: Expr, depth: int) -> Iterator[Expr]:
    """The argument's nodes, and those of the expressions its locals were bound to."""
    for e in arg.walk():
        yield e
        if depth and e.kind == "name" and e.text in frame.defs and frame.defs[e.text] is not arg:
            yield from _with_bindings(frame, frame.defs[e.text], depth - 1)


def _model(frame: Frame, arg: Expr) -> bool:
    """A model object (`moved = form.save()`, `get_object_or_404(...)`): Django redirects to its
    `get_absolute_url()`, not to a URL the client wrote."""
    bound = frame.defs.get(arg.text) if arg.kind == "name" else None
    if bound is not None and bound.kind == "await" and bound.args:
        bound = bound.args[0]
    if bound is None or bound.kind != "call":
        return False
    if bound.func.kind == "attr":  # `form.save()`, `Order.objects.get(...)`, not `request.GET.get("next")`
        return bound.func.text in _MODEL_CALLS and not frame.level(bound.func.args[0])
    return (bound.func.dotted or "").rsplit(".", 1)[-1] in _MODEL_CALLS


def _own_url(frame: Frame, arg: Expr) -> bool:
    """The request's own URL or referrer, or a value the app kept in the session (which it
    stores after its own checks): not a target the client picks for this redirect."""
    for e in _with_bindings(frame, arg, 3):
        if (e.kind == "attr" and e.text in _OWN_URL) or (e.kind == "str" and e.text.lower() in _REFERER_HEADERS):
            return True  # `request.referrer`, `request.headers.get("Referer")`, `META["HTTP_REFERER"]`
        if e.kind == "attr" and e.text == "session" and is_request_object(e.args[0]):
            return True
        if e.kind == "name" and e.text.endswith("session") and (
                frame.index.qualify(frame.mod, e.text) in SESSION_OBJECTS):
            return True
    return False


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    spec = _SINKS.get(name)
    if spec is None:
        return
    arg = call.arg(*spec)
    if arg is not None and (lv := frame.level(arg)) & HEAD and not _own_url(frame, arg) and not _model(frame, arg):
        yield Hit(f"{name.rsplit('.', 1)[-1]}()", arg, lv)


class OpenRedirect(FlowRule):
    """
    ## What it finds
    Redirects whose target (its scheme and host, not only a path after a fixed prefix)
    comes from the client: `redirect(request.args["next"])` in Flask, Django's
    `redirect(...)` / `HttpResponseRedirect(...)` / `HttpResponsePermanentRedirect(...)`,
    Starlette's and FastAPI's `RedirectResponse(url=...)`, with the value taken from query,
    form, body or cookie data and followed through locals and project functions.
    Not reported: targets checked with `url_has_allowed_host_and_scheme` / `is_safe_url` or
    another `is_safe_*` / `validate_*` function, a host allow-list
    (`urlparse(url).netloc in ALLOWED_HOSTS`), a relative-URL check
    (`if urlparse(url).netloc: abort(400)`, `url.startswith("/")`), targets built by
    `url_for` / `reverse`, and `f"/items/{slug}"` or `urlparse(url).path`, whose host is fixed.
    Redirects back to the request's own URL or referring page (`request.referrer`, the `Referer`
    header), or to a URL the app kept in the session, are not reported either. Anchor: the line of the
    redirect.

    Sinks fed by request data in functions no route reaches (views the route map does not
    link, scripts) are reported too, named by function, at medium confidence.

    ## Why it matters
    A login link `https://app.example.com/login?next=https://evil.example/` looks like the
    real site; after signing in the victim lands on the attacker's copy, which asks for the
    password again or a payment. Open redirects also carry OAuth codes and tokens to other
    hosts (CWE-601 URL Redirection to Untrusted Site; OWASP API8:2023 Security
    Misconfiguration).

    ## Options
    None.

    ## Known limitations
    A check that only looks at the scheme (`url.startswith("https://")`) does not stop a
    redirect to another host and is still reported; `startswith("/")` is trusted although
    `//evil.example` passes it in some browsers. Redirects made by setting a `Location`
    header by hand are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/601.html
    - https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
    - https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.http.url_has_allowed_host_and_scheme
    """

    code = "INJ010"
    name = "open-redirect"
    summary = "Request data choosing the target of a redirect"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (601,)
    owasp = ("API8:2023",)

    bad = Example("""
        from flask import Flask, redirect, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.get("/settings/language")
        @login_required
        def switch_language():
            response = redirect(request.args.get("next", "/"))  # expect: INJ010
            response.set_cookie("lang", "fr", secure=True, httponly=True, samesite="Lax")
            return response
    """)

    good = Example("""
        from urllib.parse import urlparse

        from flask import Flask, abort, redirect, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.get("/settings/language")
        @login_required
        def switch_language():
            target = request.args.get("next", "/")
            if urlparse(target).netloc:
                abort(400)
            response = redirect(target)
            response.set_cookie("lang", "fr", secure=True, httponly=True, samesite="Lax")
            return response
    """)

    kind = _KIND
    words = _WORDS
    sinks = _sinks
    fix = ("Redirect only to relative paths (reject targets whose `urlparse(url).netloc` is set) or to hosts on an "
           "allow-list (`url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})`)")

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """Which redirect the client steers, and what an attacker gains."""
        return (f"{flow.subject} redirects to a URL the client chooses (`{arg}`) in {flow.hit.sink}{via}: "
                "a link to this site can send users to a look-alike that collects their password")
