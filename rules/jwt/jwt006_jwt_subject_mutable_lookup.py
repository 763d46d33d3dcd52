"""JWT006: a token's subject resolved by username or email, with nothing that revokes tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.jwt._calls import all_jwt_calls, is_test_path
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_CLAIMS: Final = frozenset({"sub", "identity", "username", "email", "user", "login", "user_name"})
_FIELDS: Final = frozenset({"username", "email", "login", "user_name", "email_address", "name"})
_IDENTITY_CALLS: Final = frozenset({"get_jwt_identity", "get_raw_jwt_identity"})
_REVOCATION: Final = ("jti", "blacklist", "blocklist", "denylist", "revoke", "revocation", "token_version",
                      "tokens_valid_after", "password_changed", "session_version", "token_generation")


def _claim_read(expr: Expr, claims: set[str]) -> str | None:
    """`payload["sub"]` / `payload.get("sub")` on a claims variable: the claim's name."""
    for sub in expr.walk():
        if sub.kind == "subscript" and len(sub.args) == 2 and sub.args[0].kind == "name" \
                and sub.args[0].text in claims and sub.args[1].kind == "str" and sub.args[1].text in _CLAIMS:
            return sub.args[1].text
        if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text == "get" \
                and sub.func.args[0].kind == "name" and sub.func.args[0].text in claims:
            first = sub.arg(0)
            if first is not None and first.kind == "str" and first.text in _CLAIMS:
                return first.text
    return None


def _calls_any(expr: Expr, names: set[str] | frozenset[str]) -> bool:
    return any((c.func.dotted or "").rsplit(".", 1)[-1] in names for c in expr.calls())


class _Subjects:
    """Which functions decode tokens, and which return the token's subject."""

    def __init__(self, index: ProjectIndex) -> None:
        self.decoders = {jc.func.name for jc in all_jwt_calls(index) if jc.op == "decode" and jc.func is not None}
        self.functions = [(mod, f) for mod in index if not is_test_path(mod.path) for f in mod.functions()]
        self.returning: set[str] = set()
        for _ in range(3):
            grown = {f.name for mod, f in self.functions if self._returns_subject(f)}
            if grown <= self.returning:
                break
            self.returning |= grown

    def tainted(self, func: FunctionDef) -> tuple[set[str], set[str]]:
        """(names holding decoded claims, names holding the token's subject) in a function."""
        claims: set[str] = set()
        subject: set[str] = set()
        for stmt in walk_stmts(func.body):
            if stmt.kind not in ("assign", "annassign") or stmt.value is None:
                continue
            value = stmt.value
            names = {t.text for t in stmt.targets if t.kind == "name"}
            if _calls_any(value, _IDENTITY_CALLS | self.returning) or _claim_read(value, claims) is not None \
                    or any(n in subject for n in value.names()):
                subject |= names
            elif any(self._decodes(c) for c in value.calls()):
                claims |= names
        return claims, subject

    def _decodes(self, call: Expr) -> bool:
        dotted = call.func.dotted or ""
        return dotted.endswith("jwt.decode") or dotted.rsplit(".", 1)[-1] in self.decoders

    def _returns_subject(self, func: FunctionDef) -> bool:
        claims, subject = self.tainted(func)
        for stmt in walk_stmts(func.body):
            if stmt.kind == "return" and stmt.value is not None and (
                    _claim_read(stmt.value, claims) is not None or any(n in subject for n in stmt.value.names())
                    or _calls_any(stmt.value, _IDENTITY_CALLS | self.returning)):
                return True
        return False


def _lookup_field(stmt: Stmt, subject: set[str]) -> str | None:
    """The mutable field a statement looks a user up by, with the subject as the value."""
    for expr in stmt.own_exprs():
        for call in expr.calls():
            for kw in call.keywords:
                if kw.name in _FIELDS and any(n in subject for n in kw.value.names()):
                    return kw.name
            for arg in call.positional:
                if arg.kind == "compare" and len(arg.args) == 2 and arg.args[0].kind == "attr" \
                        and arg.args[0].text in _FIELDS and any(n in subject for n in arg.args[1].names()):
                    return arg.args[0].text
            short = (call.func.dotted or "").rsplit(".", 1)[-1].lower()
            if ("by_username" in short or "by_email" in short) and any(
                    n in subject for a in call.positional for n in a.names()):
                return "email" if "email" in short else "username"
    return None


class JwtSubjectMutableLookup(Rule):
    """
    ## What it finds
    Token checks that find the user by a field the user can change or that a new account can
    take over (`username`, `email`, `login`), taken from the token's `sub` (or `username`,
    `email`, `identity`) claim, in a project where nothing revokes tokens: no `jti` claim, no
    deny-list (`blocklist`, `blacklist`, Simple JWT's token blacklist), no token version or
    "valid after" timestamp. Recognised lookups: `filter_by(username=sub)`,
    `User.email == sub`, `get_user_by_username(db, sub)`, `objects.get(email=sub)`; the subject
    is followed from `jwt.decode(...)` claims and Flask-JWT-Extended's `get_jwt_identity()`
    through local variables, attributes of objects built from it (`token_data.username`) and
    project functions that return it (`token_validator()` returning `payload["sub"]`).

    This is a heuristic, reported at low confidence.

    ## Why it matters
    Once the account is renamed, deleted or its email changed, a still-valid token keeps
    acting as whoever holds that name or address next: a new account registered under a freed
    username inherits the old owner's sessions, and the old owner's tokens reach the new
    account. Without revocation nothing ends them before they expire (CWE-613 Insufficient
    Session Expiration, CWE-639 Authorization Bypass Through User-Controlled Key, OWASP
    API2:2023 Broken Authentication).

    ## Options
    None.

    ## Known limitations
    Lookups through helper layers more than three calls deep are not followed. A username
    that can never change or be reused is still reported; suppress the line if that is the
    design. Revocation is judged project-wide by name, so one mention of `jti` silences the rule.

    ## References
    - https://cwe.mitre.org/data/definitions/613.html
    - https://datatracker.ietf.org/doc/html/rfc7519#section-4.1.2
    - https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html#token-explicit-revocation-by-the-user
    """

    code = "JWT006"
    name = "jwt-subject-mutable-lookup"
    summary = "Token subject resolved by username or email, with no way to revoke tokens"
    severity = Severity.LOW
    confidence = Confidence.LOW
    cwe = (613, 639)
    owasp = ("API2:2023",)

    bad = Example("""
        import os

        import jwt

        from app.models import User

        KEY = os.environ["JWT_KEY"]


        def current_user(token: str) -> User:
            claims = jwt.decode(token, KEY, algorithms=["HS256"])
            username = claims["sub"]
            return User.query.filter_by(username=username).first()  # expect: JWT006
    """)

    good = Example("""
        import os

        import jwt

        from app.models import User

        KEY = os.environ["JWT_KEY"]


        def current_user(token: str) -> User:
            claims = jwt.decode(token, KEY, algorithms=["HS256"])
            return User.query.get(int(claims["sub"]))
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Subject-tainted user lookups by a mutable field, when nothing revokes tokens."""
        index = ctx.index
        if not any(jc.op == "decode" for jc in all_jwt_calls(index)) and not any(
                "get_jwt_identity" in m.words for m in index):
            return
        if any(any(r in w for r in _REVOCATION) for m in index for w in m.words if len(w) >= 3):
            return
        subjects = _Subjects(index)
        for mod, func in subjects.functions:
            found = self._function(mod, func, subjects)
            if found is not None:
                yield found

    def _function(self, mod: ModuleSummary, func: FunctionDef, subjects: _Subjects) -> Finding | None:
        _, subject = subjects.tainted(func)
        if not subject:
            return None
        for stmt in walk_stmts(func.body):
            field = _lookup_field(stmt, subject)
            if field is not None:
                return self.finding(
                    Location(mod.path, stmt.line),
                    f"{func.qualname.replace('<locals>.', '')}() finds the user by `{field}` taken from the token, "
                    f"and nothing in the project revokes tokens (no `jti`, deny-list or token version): after the "
                    f"account's {field} changes, or the account is deleted and the {field} registered again, old "
                    "tokens act as whoever holds it now",
                    "Put the immutable user id in `sub` and look the user up by id; to end tokens early, add a "
                    "`jti` with a deny-list or a per-user token version checked on every request",
                    symbol=f"{mod.module}.{func.qualname}")
        return None
