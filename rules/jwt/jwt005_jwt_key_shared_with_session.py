"""JWT005: JWTs signed with the same key that signs the app's sessions."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.jwt._calls import all_jwt_calls, local_value
from apilint.rules.jwt._keys import is_hmac, key_uses
from apilint.summary import Expr, ModuleSummary, walk_exprs

_FIX = ("Give tokens their own key (`JWT_SECRET_KEY`, read from the environment or a secret store) so that "
        "a leak of one key does not break the other, and rotating one does not log everyone out of both")


def _session_key(index: ProjectIndex, mod: ModuleSummary, key: Expr, session_keys: set[str]) -> str:
    """What the session key a JWT key expression names is called, or "" when it is none."""
    if key.kind == "subscript" and len(key.args) == 2 and key.args[1].kind == "str" \
            and key.args[1].text == "SECRET_KEY" and key.args[0].kind == "attr" and key.args[0].text == "config":
        return "the Flask `SECRET_KEY`, which signs the session cookie"
    if key.kind == "call" and key.func.kind == "attr" and key.func.text == "get" and key.func.args[0].kind == "attr" \
            and key.func.args[0].text == "config":
        first = key.arg(0)
        if first is not None and first.kind == "str" and first.text == "SECRET_KEY":
            return "the Flask `SECRET_KEY`, which signs the session cookie"
    if key.kind == "attr" and key.text == "secret_key" and key.args[0].kind in ("name", "attr"):
        return "the Flask `secret_key`, which signs the session cookie"
    if key.kind == "attr" and key.text == "SECRET_KEY":
        owner = index.qualify_expr(mod, key.args[0]) or ""
        if owner == "django.conf.settings" or owner.endswith(".conf.settings"):
            return "Django's `SECRET_KEY`, which also signs sessions, password-reset links and signed cookies"
    qualified = index.qualify_expr(mod, key) if key.kind in ("name", "attr") else None
    if qualified is not None and qualified in session_keys:
        return f"the `secret_key` of the session middleware (`{key.render(40)}`)"
    return ""


def _session_middleware_keys(index: ProjectIndex) -> set[str]:
    """Qualified names passed as `secret_key=` to Starlette's `SessionMiddleware`."""
    out: set[str] = set()
    for mod in index:
        if "sessionmiddleware" not in mod.words:
            continue
        for _stmt, expr in walk_exprs(mod.body, into_defs=True):
            if expr.kind != "call":
                continue
            names = [expr.func, *expr.positional[:1]]
            if not any((n.dotted or "").endswith("SessionMiddleware") for n in names):
                continue
            value = expr.kwarg("secret_key")
            qualified = index.qualify_expr(mod, value) if value is not None and value.kind in ("name", "attr") \
                else None
            if qualified is not None:
                out.add(qualified)
    return out


def _flask_sessions(index: ProjectIndex) -> bool:
    """The Flask app keeps sessions: `flask.session`, Flask-Login or Flask-Session is imported."""
    for mod in index:
        for imp in mod.imports:
            if (imp.module == "flask" and imp.name == "session") or imp.module.split(".")[0] in (
                    "flask_login", "flask_session"):
                return True
    return False


class JwtKeySharedWithSession(Rule):
    """
    ## What it finds
    JWTs signed or checked with the key that also signs the app's sessions: PyJWT / python-jose
    `jwt.encode` / `jwt.decode` with Flask's `app.config["SECRET_KEY"]`,
    `app.config.get("SECRET_KEY")` or `app.secret_key`, with Django's `settings.SECRET_KEY`, or
    with the value passed as `secret_key=` to Starlette's `SessionMiddleware`; and
    Flask-JWT-Extended, Flask-GraphQL-Auth or Flask-JWT set up with no `JWT_SECRET_KEY`, so that
    they fall back to the app's `SECRET_KEY`. Local variables and module constants holding the
    key are followed one step. A Flask key is reported only when the project keeps sessions
    (`flask.session`, Flask-Login, Flask-Session): otherwise the key signs tokens alone.

    Reported at low confidence: sharing is a hardening gap, not a hole by itself, and reusing
    the session key is the documented default of several JWT packages.

    ## Why it matters
    One leak then breaks two things: whoever learns the key from a token brute force, a debug
    page or a leaked config can forge both session cookies and API tokens, and rotating the key
    after an incident logs everyone out of both (CWE-323 Reusing a Nonce, Key Pair in
    Encryption, CWE-1391 Use of Weak Credentials, OWASP API2:2023 Broken Authentication).

    ## Options
    None.

    ## Known limitations
    Keys passed through function parameters or settings objects the summary cannot resolve
    are not followed; a key shared with another purpose (CSRF, password reset) is not seen
    unless it is one of the session keys above.

    ## References
    - https://cwe.mitre.org/data/definitions/323.html
    - https://flask-jwt-extended.readthedocs.io/en/stable/options.html#JWT_SECRET_KEY
    - https://docs.djangoproject.com/en/stable/ref/settings/#secret-key
    """

    code = "JWT005"
    name = "jwt-key-shared-with-session"
    summary = "JWTs signed with the key that also signs the app's sessions"
    severity = Severity.LOW
    confidence = Confidence.LOW
    cwe = (323, 1391)
    owasp = ("API2:2023",)

    bad = Example("""
        import jwt
        from flask import current_app, session


        def issue_token(user_id: int) -> str:
            session["uid"] = user_id
            claims = {"sub": str(user_id), "exp": 1700000000}
            return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm="HS256")  # expect: JWT005
    """)

    good = Example("""
        import jwt
        from flask import current_app, session


        def issue_token(user_id: int) -> str:
            session["uid"] = user_id
            claims = {"sub": str(user_id), "exp": 1700000000}
            return jwt.encode(claims, current_app.config["JWT_SECRET_KEY"], algorithm="HS256")
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Library calls whose key is a session key, then extensions that fall back to one."""
        index = ctx.index
        session_keys = _session_middleware_keys(index)
        flask_sessions = _flask_sessions(index)
        for jc in all_jwt_calls(index):
            key = jc.key()
            if key is None or jc.op not in ("encode", "decode") or not is_hmac(index, jc):
                continue
            if key.kind == "name":
                local = local_value(jc.scope, key.text, jc.stmt.line) if jc.func is not None else None
                symbol = index.resolve(jc.mod, key) if local is None else None
                key = local or (symbol.value if symbol is not None and symbol.value is not None else key)
            what = _session_key(index, jc.mod, key, session_keys)
            if not what or ("Flask" in what and not flask_sessions):
                continue
            yield self.finding(
                jc.location,
                f"`{jc.call.func.render(40)}(...)` {jc.where} uses {what}: one leaked or brute-forced key then "
                "forges both sessions and API tokens",
                _FIX, symbol=jc.symbol)
        for use in key_uses(index):
            if use.extension and "no `JWT_SECRET_KEY`" in use.where and use.origins and flask_sessions:
                yield self.finding(
                    use.location,
                    f"{use.where.split(',')[0]} is set up without a `JWT_SECRET_KEY`, so it signs tokens with the "
                    "app's `SECRET_KEY`, which also signs the session cookie: one leaked key forges both",
                    _FIX, confidence=Confidence.LOW, symbol=f"{use.location.file}:jwt-extension")
