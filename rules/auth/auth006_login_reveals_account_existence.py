"""AUTH006: a login endpoint answers an unknown account differently from a wrong password."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Location, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.log._helpers import is_credential_endpoint
from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts

_LOGIN = lazy_compile(r"(^|/|_)(login|log-in|log_in|signin|sign-in|sign_in|authenticate|token|tokens|"
                    r"access[-_]token|sessions?)(/|$|_)", re.IGNORECASE)
"""Where the caller signs in (password reset and OTP flows answer other questions)."""
_RESET = lazy_compile(r"passw|reset|forgot|otp|2fa|mfa|verify", re.IGNORECASE)
_PASSWORD = lazy_compile(r"passw|passwd|pwd|secret|credential|authenticate|check_hash|verify_hash", re.IGNORECASE)
_ACCOUNT = lazy_compile(r"user|account|member|customer|profile|person|login|principal|record|row|existing|found",
                      re.IGNORECASE)
_NO_ACCOUNT_TEXT = lazy_compile(r"not exist|doesn't exist|not found|no such|unknown (user|account|email)|"
                              r"not registered|no (user|account)", re.IGNORECASE)
_EXITS = frozenset({"abort", "flask_abort"})


class LoginRevealsAccountExistence(Rule):
    """
    ## What it finds
    Login and token endpoints (judged by a path segment or handler name such as `login`,
    `signin`, `token`, `authenticate`) whose handler rejects an unknown account in one branch
    (`if not user:`, `if user is None:`, `elif not account:`) and a wrong password in another
    (`if not check_password_hash(user.password_hash, password):`, `user.password != password`;
    `if not password:` only checks that the field was sent),
    with different answers: another message (`"Username does not exist"` against
    `"Password is not correct"`), another status code (404 against 401), or both. The finding
    is on the unknown-account branch; confidence is high when that answer says the account
    does not exist, medium otherwise. The unknown-account test is on the looked-up name itself
    (`not user`, `user is None`, `not user_exists(email)`); a field of it (`not account.username`)
    is another question.

    Not reported when one condition covers both cases
    (`if user is None or not user.check_password(password):`) or both branches give the same
    answer (the same text and status), nor for password reset and OTP endpoints.

    ## Why it matters
    An attacker learns which usernames or email addresses have an account by trying them,
    then aims password guessing and phishing at those accounts alone (CWE-204 Observable
    Response Discrepancy, CWE-203; OWASP API2:2023 Broken Authentication).

    ## Options
    None.

    ## Known limitations
    Only the handler's own branches are read, not a service it calls; answers that differ in
    timing alone (hashing only when the account exists) are not seen. Answers are compared by
    their literal strings and status codes: two different exception classes raised with no
    text count as the same answer.

    ## References
    - https://cwe.mitre.org/data/definitions/204.html
    - https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#authentication-and-error-messages
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """

    code = "AUTH006"
    name = "login-reveals-account-existence"
    summary = "Login answers an unknown account differently from a wrong password"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (204, 203)
    owasp = ("API2:2023",)

    bad = Example(_BAD := """
        from fastapi import FastAPI, HTTPException, Request
        from pydantic import BaseModel
        from slowapi import Limiter
        from slowapi.util import get_remote_address

        from users import find_user, verify_password

        limiter = Limiter(key_func=get_remote_address)
        app = FastAPI()
        app.state.limiter = limiter


        class Credentials(BaseModel):
            email: str
            password: str


        @app.post("/auth/login")
        @limiter.limit("5/minute")
        def login(request: Request, credentials: Credentials) -> dict[str, str]:
            user = find_user(credentials.email)
            if user is None:  # expect: AUTH006
                raise HTTPException(status_code=404, detail="No account with this email")
            if not verify_password(credentials.password, user.password_hash):
                raise HTTPException(status_code=401, detail="Wrong password")
            return {"token": "..."}
    """, files=(("users.py", '''
        def find_user(email):
            return None


        def verify_password(password, hashed):
            return False
    '''),))

    good = Example(_BAD.replace("  # expect: AUTH006", "").replace(
        'raise HTTPException(status_code=404, detail="No account with this email")',
        'raise HTTPException(status_code=401, detail="Incorrect email or password")').replace(
        'raise HTTPException(status_code=401, detail="Wrong password")',
        'raise HTTPException(status_code=401, detail="Incorrect email or password")'), files=bad.files)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per login handler whose unknown-account answer differs from its wrong-password one."""
        done: set[str] = set()
        for route in ctx.routes:
            if route.handler in done or not _is_login(route):
                continue
            func = ctx.handler(route)
            if func is None:
                continue
            found = _discrepancy(func)
            if found is None:
                continue
            done.add(route.handler)
            missing, wrong = found
            says = _NO_ACCOUNT_TEXT.search(" ".join(sorted(_answer(missing)[0])))
            yield self.finding(
                Location(route.location.file, missing.line),
                f"{route.display} answers an unknown account (`{_test(missing)}`, line {missing.line}) differently "
                f"from a wrong password (`{_test(wrong)}`, line {wrong.line}): anyone can try usernames or emails "
                "and learn which ones have an account",
                "Give one answer for both cases (same status, same text such as \"Incorrect username or "
                "password\"), and check the password against a dummy hash when the account does not exist so "
                "that timing does not tell either",
                confidence=None if says else Confidence.MEDIUM,
                route=route,
                symbol=route.handler,
            )


def _is_login(route: Route) -> bool:
    if not is_credential_endpoint(route):
        return False
    where = f"{route.path}/{route.handler.rsplit('.', 1)[-1]}"
    return bool(_LOGIN.search(where)) and not _RESET.search(route.path)


def _discrepancy(func: FunctionDef) -> tuple[Stmt, Stmt] | None:
    """The first unknown-account branch and a wrong-password branch whose answers differ."""
    missing: list[Stmt] = []
    wrong: list[Stmt] = []
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None or not _exits(stmt.body):
            continue
        if _mentions_password(stmt.value):
            if _rejects_password(stmt.value):
                wrong.append(stmt)
        elif _absent(stmt.value):
            missing.append(stmt)
    for first in missing:
        for second in wrong:
            if _answer(first) != _answer(second):
                return first, second
    return None


def _absent(test: Expr) -> bool:
    """`not user`, `user is None`, `user == None`, `not account.exists()`: the account was not found."""
    if test.kind == "unary" and test.text == "not" and test.args:
        target = test.args[0]
        if target.kind == "call":  # `not user_exists(email)`
            return (target.func.dotted or "").endswith(("exists", "exist")) and _account(target.func)
        return target.kind == "name" and _account(target)
    if test.kind == "compare" and len(test.args) == 2 and test.text in ("is", "=="):
        left, right = test.args
        return right.kind == "const" and right.text == "None" and left.kind == "name" and _account(left)
    return False


def _account(expr: Expr) -> bool:
    """A name for the looked-up account; an attribute of it (`not account.username`) is a field check."""
    dotted = expr.dotted
    return dotted is not None and bool(_ACCOUNT.search(dotted)) and not _PASSWORD.search(dotted)


def _mentions_password(test: Expr) -> bool:
    return any(sub.kind in ("name", "attr") and _PASSWORD.search(sub.text) for sub in test.walk())


def _rejects_password(test: Expr) -> bool:
    """`not check_password(...)`, `user.password != password`: the branch taken when the password is
    wrong (`if user and check_password(...):` is the way in, not a rejection)."""
    for sub in test.walk():
        if sub.kind == "unary" and sub.text == "not" and sub.args and sub.args[0].kind == "call" and \
                _mentions_password(sub.args[0]):
            return True  # `not username or not password` only checks the field was sent
        if sub.kind == "compare" and any(op in ("!=", "is not") for op in sub.text.split(",")) and \
                _mentions_password(sub) and not any(a.kind == "const" for a in sub.args):
            return True
    return False


def _exits(block: tuple[Stmt, ...]) -> bool:
    """The branch ends the request (returns, raises or aborts)."""
    for stmt in walk_stmts(block):
        if stmt.kind in ("return", "raise"):
            return True
        if stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "call" and \
                (stmt.value.func.dotted or "").rsplit(".", 1)[-1] in _EXITS:
            return True
    return False


def _answer(stmt: Stmt) -> tuple[frozenset[str], frozenset[str]]:
    """The texts and status codes the branch answers with."""
    texts: set[str] = set()
    codes: set[str] = set()
    for inner in walk_stmts(stmt.body):
        if inner.value is None or not (inner.kind in ("return", "raise") or _tells(inner.value)):
            continue  # a log line may differ: the client never sees it
        for expr in inner.own_exprs():
            for sub in expr.walk():
                if sub.kind == "str" and sub.text.strip():
                    texts.add(sub.text)
                elif sub.kind == "num" and sub.text.isdigit() and 100 <= int(sub.text) <= 599:
                    codes.add(sub.text)
                elif sub.kind == "attr" and sub.text.startswith("HTTP_") and sub.text[5:8].isdigit():
                    codes.add(sub.text[5:8])
    return frozenset(texts), frozenset(codes)


def _tells(expr: Expr) -> bool:
    """A call that answers the client: `abort(...)`, `flash(...)`, Django's `messages.error(...)`."""
    if expr.kind != "call":
        return False
    dotted = expr.func.dotted or ""
    return dotted.rsplit(".", 1)[-1] in _EXITS or dotted.endswith("flash") or dotted.startswith("messages.")


def _test(stmt: Stmt) -> str:
    return stmt.value.render(50) if stmt.value is not None else ""
