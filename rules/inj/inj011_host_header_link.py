"""INJ011: the request's Host header written into a link the server sends out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from apilint.lazy_regex import lazy_compile
from apilint.model import Location
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts

_HOST_KEYS: Final = frozenset({"host", "x-forwarded-host", "http_host", "http_x_forwarded_host", "x-host",
                               "x-original-host"})
_HEADER_MAPS: Final = frozenset({"headers", "META", "environ", "scope"})
_LINK: Final = lazy_compile(r"href\s*=|src\s*=|://|^\s*https?:|/reset|/verify|/confirm|/activate|/invite",
                          re.IGNORECASE)
_SEND: Final = lazy_compile(r"mail|send|message|notify|render", re.IGNORECASE)
_CHECK_CALL: Final = lazy_compile(r"allow|valid|trust|safe|known|permit|verify|check", re.IGNORECASE)
_WORDS: Final = ("host", "http_host")


def _headers(expr: Expr, maps: set[str]) -> bool:
    """`request.headers`, `request.META`, `self.request.headers`, or a local name bound to one."""
    if expr.kind == "attr":
        return expr.text in _HEADER_MAPS
    return expr.kind == "name" and expr.text in maps


def _host_read(expr: Expr, maps: set[str]) -> bool:
    """`headers["Host"]`, `headers.get("X-Forwarded-Host")`, `request.META["HTTP_HOST"]`."""
    if expr.kind == "subscript" and len(expr.args) == 2:
        key = expr.args[1]
        return key.kind == "str" and key.text.lower() in _HOST_KEYS and _headers(expr.args[0], maps)
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "get" and expr.positional:
        key = expr.positional[0]
        return key.kind == "str" and key.text.lower() in _HOST_KEYS and _headers(expr.func.args[0], maps)
    return False


def _link_parts(expr: Expr) -> Iterator[tuple[str, Expr]]:
    """(literal text around, value) of the values an f-string, `+` chain or `.format()` writes into text."""
    if expr.kind == "fstr":
        text = "".join(a.text for a in expr.args if a.kind == "str")
        for a in expr.args:
            if a.kind != "str":
                yield text, a
    elif expr.kind == "binop" and expr.text == "+":
        text = "".join(a.text for a in expr.walk() if a.kind == "str")
        for a in expr.args:
            yield text, a
    elif expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "format" \
            and expr.func.args[0].kind == "str":
        for a in expr.arguments:
            yield expr.func.args[0].text, a


class _Handler:
    """One function's Host reads: the names bound to them and whether any is checked."""

    def __init__(self, func: FunctionDef) -> None:
        self.maps: set[str] = set()
        self.hosts: set[str] = set()
        self.stmts = list(walk_stmts(func.body))
        for stmt in self.stmts:
            if stmt.kind != "assign" or stmt.value is None:
                continue
            names = {t.text for t in stmt.targets if t.kind == "name"}
            if _headers(stmt.value, set()) and stmt.value.kind == "attr":
                self.maps |= names
            elif any(self.is_host(sub) for sub in stmt.value.walk()):
                self.hosts |= names  # also what is derived from it: `host_domain = host.split(":")[0]`

    def is_host(self, expr: Expr) -> bool:
        """The expression reads the Host header, directly or through a name bound to it."""
        if expr.kind == "name":
            return expr.text in self.hosts
        if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in ("strip", "lower", "rstrip"):
            return self.is_host(expr.func.args[0])
        if expr.kind == "boolop":  # `headers.get("X-Forwarded-Host") or headers["Host"]`
            return any(self.is_host(a) for a in expr.args)
        return _host_read(expr, self.maps)

    def checked(self) -> bool:
        """A host name compared or handed to a check (`if host not in ALLOWED_HOSTS`, `is_allowed(host)`)."""
        for stmt in self.stmts:
            for expr in stmt.own_exprs():
                for sub in expr.walk():
                    if sub.kind == "compare" and any(self.is_host(a) for a in sub.args):
                        return True
                    if sub.kind == "call" and sub.func.kind in ("name", "attr") and (
                            _CHECK_CALL.search(sub.func.text) or sub.func.text in ("endswith", "match",
                                                                                     "fullmatch")) and any(
                            self.is_host(a) for a in (*sub.positional, sub.func.args[0] if sub.func.kind == "attr"
                                                      else sub.func)):
                        return True
        return False

    def links(self) -> Iterator[Stmt]:
        """Statements that build a link out of the Host and send it: return it, or hand it to a call."""
        built: set[str] = set()
        for stmt in self.stmts:
            for expr in stmt.own_exprs():
                for sub in expr.walk():
                    if not any(_LINK.search(text) and self.is_host(value) for text, value in _link_parts(sub)):
                        continue
                    if stmt.kind == "return" or (stmt.kind == "expr" and _sent(stmt)):
                        yield stmt
                        break
                    if stmt.kind == "assign":
                        built |= {t.text for t in stmt.targets if t.kind == "name"}
            if built and stmt.kind in ("return", "expr") and stmt.value is not None \
                    and (stmt.kind == "return" or _sent(stmt)) and built & set(stmt.value.names()):
                yield stmt


def _sent(stmt: Stmt) -> bool:
    """An expression statement calling something that sends or renders (`send_mail(...)`, `mail.send(msg)`)."""
    value = stmt.value
    return value is not None and value.kind == "call" and value.func.kind in ("name", "attr") \
        and bool(_SEND.search(value.func.text))


class HostHeaderLink(Rule):
    """
    ## What it finds
    Handlers that read the `Host` header themselves (`request.headers["Host"]`,
    `request.headers.get("X-Forwarded-Host")`, Django's `request.META["HTTP_HOST"]`, also
    through a local name such as `headers = request.headers`) and write it into a link they send
    out: an f-string, `+` chain or `.format()` holding `href=`, `src=`, `://` or a reset,
    verify, confirm, activate or invite path, returned in the response or handed to a call
    that sends or renders (`send_mail`, `mail.send`, `render_template`), directly or through a
    local name. Not reported when the handler compares the host with something
    (`if host not in ALLOWED_HOSTS`) or hands it to a check (`is_allowed_host(host)`,
    `host.endswith(".example.com")`). Anchor: the statement that sends the link.

    ## Why it matters
    The client writes the Host header. A password-reset or invitation link built from it points
    wherever the attacker says: the victim gets a genuine e-mail whose link carries their
    token to the attacker's site, and a cached page with the poisoned link serves it to everyone
    (CWE-644 Improper Neutralization of HTTP Headers for Scripting Syntax, CWE-640 Weak Password
    Recovery Mechanism; OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Framework helpers that also derive from the Host header (Flask's `request.host_url` and
    `url_for(..., _external=True)`, Starlette's `request.base_url`, Django's
    `build_absolute_uri()`, which checks `ALLOWED_HOSTS`) are not reported: whether the
    deployment pins the host (`SERVER_NAME`, `TRUSTED_HOSTS`, a proxy) is not in the code. Only
    the handler's own body is read, not helpers it calls.

    ## References
    - https://cwe.mitre.org/data/definitions/640.html
    - https://portswigger.net/web-security/host-header/exploiting/password-reset-poisoning
    - https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
    """

    code = "INJ011"
    name = "host-header-link"
    summary = "Link built from the request's Host header and sent to the client or by e-mail"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (644, 640)
    owasp = ("API8:2023",)

    bad = Example("""
        from flask import Flask, request
        from flask_login import current_user, login_required
        from flask_mail import Mail, Message

        app = Flask(__name__)
        mail = Mail(app)


        @app.post("/teams/invitations")
        @login_required
        def invite():
            email = request.form["email"]
            host = request.headers.get("Host")
            link = f"https://{host}/join?token={issue_invite(current_user, email)}"
            mail.send(Message("You are invited", recipients=[email], body=link))  # expect: INJ011
            return {"status": "sent"}


        def issue_invite(user, email):
            return "..."
    """)

    good = Example("""
        import os

        from flask import Flask, request
        from flask_login import current_user, login_required
        from flask_mail import Mail, Message

        app = Flask(__name__)
        mail = Mail(app)
        PUBLIC_URL = os.environ["PUBLIC_URL"]


        @app.post("/teams/invitations")
        @login_required
        def invite():
            email = request.form["email"]
            link = f"{PUBLIC_URL}/join?token={issue_invite(current_user, email)}"
            mail.send(Message("You are invited", recipients=[email], body=link))
            return {"status": "sent"}


        def issue_invite(user, email):
            return "..."
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report each handler that sends a link built from an unchecked Host header."""
        seen: set[tuple[str, int]] = set()
        for route in ctx.routes:
            key = (route.location.file, route.location.line)
            if key in seen:
                continue
            seen.add(key)
            mod = ctx.module_of(route)
            if mod is None or not any(mod.mentions(w) for w in _WORDS):
                continue
            func = ctx.handler(route)
            if func is None:
                continue
            handler = _Handler(func)
            if not handler.hosts and not any(_host_read(e, handler.maps) for s in handler.stmts
                                             for x in s.own_exprs() for e in x.walk()):
                continue
            if handler.checked():
                continue
            for stmt in handler.links():
                yield self.finding(
                    Location(route.location.file, stmt.line),
                    f"{route.display} builds a link from the request's Host header, which the client writes: "
                    "a reset or invitation link can point to the attacker's site and carry the token there",
                    "Build links from a configured public URL (`PUBLIC_URL` in settings), or check the host "
                    "against an allow-list before using it", route=route, confidence=Confidence.MEDIUM)
                break
