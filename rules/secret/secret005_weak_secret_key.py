"""SECRET005: session and signing keys generated with too little randomness."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.jwt._calls import is_test_path
from apilint.rules.jwt._keys import key_uses
from apilint.rules.secret._keys import origins, weakness
from apilint.rules.secret._values import KEY_NAMES, KEY_WORDS, Where, is_non_prod_class, is_non_prod_file, walk
from apilint.summary import Expr, ModuleSummary, Stmt


def _key_values(stmt: Stmt, where: Where) -> Iterator[tuple[str, Expr]]:
    """(label, value) of every signing-key setting in a statement."""
    if stmt.kind in ("assign", "annassign") and stmt.value is not None:
        for target in stmt.targets:
            if (target.kind == "name" and where.func is None and target.text.upper() in KEY_NAMES) or (
                    target.kind == "attr" and target.text in ("secret_key", "SECRET_KEY")) or (
                    target.kind == "subscript" and len(target.args) == 2 and target.args[1].kind == "str"
                    and target.args[1].text in KEY_NAMES):
                yield f"`{target.render(60)}`", stmt.value
    for expr in stmt.own_exprs():
        for call in expr.calls():
            for kw in call.keywords:
                if kw.name is not None and kw.name.upper() in KEY_NAMES:
                    yield f"`{kw.name}=` of `{call.func.render(40)}(...)`", kw.value


class WeakSecretKey(Rule):
    """
    ## What it finds
    Signing keys (`SECRET_KEY`, `app.secret_key`, `SESSION_SECRET`, `secret_key=` of
    `SessionMiddleware`, and the other names SECRET001 knows) generated at start-up with too
    little randomness: Python's predictable `random` module (`random.choices(...)`,
    `random.randint(...)`), or fewer than 64 bits (`"".join(secrets.choice(chars) for _ in
    range(6))`, `secrets.token_hex(4)`, `os.urandom(6)`). Generators in project functions
    and `os.getenv("SECRET_KEY", default)` fallbacks are followed. Hard-coded keys are
    SECRET001's; keys that sign JWTs are JWT004's (one finding per key).

    Confidence: high; low when the generated value is only an environment fallback.

    ## Why it matters
    A session cookie signed with a short key can be brute-forced offline from one cookie
    (tools such as flask-unsign do it in minutes), and `random` output can be predicted from
    the process's other outputs. With the key, an attacker signs a session for any user
    (CWE-330 Use of Insufficiently Random Values, CWE-326 Inadequate Encryption Strength,
    OWASP API2:2023 Broken Authentication).

    ## Options
    None.

    ## Known limitations
    Keys built by functions that take arguments, or read from files, are not judged. A key
    generated at every start also logs every user out at each restart; that is not reported.

    ## References
    - https://cwe.mitre.org/data/definitions/330.html
    - https://docs.python.org/3/library/secrets.html
    - https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY
    """

    code = "SECRET005"
    name = "weak-secret-key"
    summary = "Session or signing key generated with too little randomness"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (330, 326)
    owasp = ("API2:2023",)

    bad = Example("""
        import random
        import string

        from flask import Flask

        app = Flask(__name__)
        app.secret_key = "".join(random.choice(string.ascii_letters) for _ in range(8))  # expect: SECRET005
    """)

    good = Example("""
        import os

        from flask import Flask

        app = Flask(__name__)
        app.secret_key = os.environ["FLASK_SECRET_KEY"]
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Signing-key settings whose generated value is weak, except keys JWT004 reports."""
        index = ctx.index
        jwt_keys = {(o.location.file, o.location.line) for use in key_uses(index) for o in use.origins}
        seen: set[tuple[str, int]] = set(jwt_keys)
        for mod in index:
            if is_test_path(mod.path) or is_non_prod_file(mod.path) or mod.words.isdisjoint(KEY_WORDS):
                continue
            for finding in self._module(index, mod):
                spot = (finding.location.file, finding.location.line)
                if spot not in seen:
                    seen.add(spot)
                    yield finding

    def _module(self, index: ProjectIndex, mod: ModuleSummary) -> Iterator[Finding]:
        for stmt, where in walk(mod.body, Where(None, (), Confidence.HIGH, False)):
            if any(is_non_prod_class(c) for c in where.classes):
                continue
            for label, value in _key_values(stmt, where):
                for origin in origins(index, mod, value, stmt.line, where.func):
                    found = weakness(index, origin)
                    if found is None or not found.generated:
                        continue
                    fallback = " when the environment does not set it" if origin.env else ""
                    yield self.finding(
                        origin.anchor or Location(mod.path, stmt.line),
                        f"{label} is {found.reason}{fallback}: a session cookie or signed value lets an attacker "
                        "recover the key offline and sign sessions for any user",
                        "Generate the key once with `secrets.token_urlsafe(32)` and read it from the environment "
                        "or a secret store",
                        confidence=Confidence.LOW if origin.env else None, symbol=f"{mod.path}:{label}")
                    break
