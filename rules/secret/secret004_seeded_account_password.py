"""SECRET004: seed and set-up code that creates accounts with literal passwords."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules._scan import (
    LITERAL_ARG,
    LOOP,
    PASSWORD_ATTR,
    PASSWORD_KEYWORD,
    module_scan,
    password_name,
    words_text,
)
from apilint.rules.jwt._calls import is_test_path
from apilint.rules.secret._credentials import is_account_call, is_seed_context
from apilint.rules.secret._names import is_password_name
from apilint.rules.secret._sql_seed import sql_seed_inserts
from apilint.rules.secret._values import Where, is_non_prod_file, usable
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_exprs

_DJANGO_POSITIONS = {"create_user": 2, "create_superuser": 2, "_create_user": 2, "set_password": 0}
_HASHERS = ("hash", "make_password", "encrypt", "bcrypt", "hashpw", "crypt", "digest")
_ENV_CALLS = ("getenv", "environ.get", "environ.setdefault")
_TO_TEXT = frozenset({"decode", "hexdigest"})
"""Methods that turn a hash into text: `hashpw(...).decode()`, `sha256(...).hexdigest()`."""
_TEST_DATA = ("test", "demo", "fake", "sample", "dummy", "example")
_FLAGS = PASSWORD_ATTR | PASSWORD_KEYWORD | LITERAL_ARG | LOOP
"""The scan flags of the statements this rule can report on (`rules._scan`)."""


def _literal_password(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> tuple[bool, bool] | None:
    """(is literal, only an environment fallback) for a password argument; None when not a literal."""
    if expr.kind == "str":
        return (True, False) if usable(expr.text) else None
    if expr.kind != "call":
        return None
    if expr.func.kind == "attr" and expr.func.text in _TO_TEXT and expr.func.args[0].kind == "call":
        return _literal_password(index, mod, expr.func.args[0])  # bcrypt.hashpw(b"pw", salt).decode()
    callee = (index.qualify_expr(mod, expr.func) or expr.func.render(40)).lower()
    if callee.endswith(_ENV_CALLS):
        default = expr.arg(1, "default")
        return (True, True) if default is not None and default.kind == "str" and usable(default.text) else None
    if any(h in callee.rsplit(".", 1)[-1] for h in _HASHERS) and expr.positional:
        inner = expr.positional[0]
        if inner.kind == "call" and inner.func.kind == "attr" and inner.func.text == "encode":
            inner = inner.func.args[0]  # bcrypt.hashpw("pw".encode(), ...)
        return _literal_password(index, mod, inner)
    return None


def _literal_argument(call: Expr) -> bool:
    """A call with an argument `_literal_password` can accept: a string or a call, given by position
    or as a password-named keyword."""
    return any(a.kind in ("str", "call") for a in call.positional) or any(
        kw.value.kind in ("str", "call") and kw.name is not None and password_name(kw.name) for kw in call.keywords)


def _password_args(index: ProjectIndex, mod: ModuleSummary, call: Expr) -> Iterator[tuple[str, Expr]]:
    """(how it is passed, value) of every argument of `call` that is an account's password."""
    for kw in call.keywords:
        if kw.name is not None and is_password_name(kw.name):
            yield f"`{kw.name}=`", kw.value
    short = (call.func.dotted or call.func.render(40)).rsplit(".", 1)[-1]
    target = index.resolve(mod, call.func)
    func: FunctionDef | None = target.func if target is not None else None
    if target is not None and target.cls is not None:  # `User("admin@x.io", "admin")`: the constructor's parameters
        init = index.find_method(target, "__init__")
        func = init.func if init is not None else None
    if func is not None and func.params:
        offset = 1 if func.params[0].name in ("self", "cls") else 0
        for position, arg in enumerate(call.positional):
            index_ = position + offset
            if index_ < len(func.params) and is_password_name(func.params[index_].name) and arg.kind != "starred":
                yield f"parameter `{func.params[index_].name}`", arg
    elif short in _DJANGO_POSITIONS and len(call.positional) > _DJANGO_POSITIONS[short]:
        yield "the password argument", call.positional[_DJANGO_POSITIONS[short]]


class SeededAccountPassword(Rule):
    """
    ## What it finds
    Code that creates user accounts with a password written into it: Django
    `User.objects.create_user("admin", "a@b.c", "admin")` / `create_superuser(...)`,
    `user.set_password("...")`, model constructors (`User(username="admin", password="...")`,
    also wrapped in a hash call: `password=generate_password_hash("...")`), project helpers whose
    parameter is a password (`create_user_if_not_exists(db, username="mike", password="...")`,
    `User.register_user("admin", "pass1", ...)`), `user.password = "..."` assignments, and a
    literal table of accounts a seed loop inserts (`users = [("admin", "SuperSecret")]` then
    `for name, pw in users: cursor.execute("INSERT INTO users (username, password) ...")`); a
    password that is only the fallback of an environment variable counts too.

    Hand-written SQL that inserts into an account table (`users`, `app_accounts`, `agents`) counts
    when the value of its password column is a literal: in the SQL text
    (`INSERT INTO users (username, password) VALUES ('admin', 'admin')`), or in the parameters
    of the execute call (`VALUES (?, ?)` with `("ops", generate_password_hash("ops-2024"))`, a
    dict for `:name` placeholders, the rows of an `executemany` list). Without a column list
    (`INSERT INTO users VALUES (...)`) the columns are read from the project's own
    `CREATE TABLE users (...)`; with neither, nothing is reported. Stored hashes (`'$2b$12$...'`),
    `NULL` and environment values are not typed passwords.

    Calls are judged when the called function creates accounts (its name says so:
    `create_user`, `register_user`, `add_admin`, or it is a `User`/`Account`/`Admin` class) or
    when they sit in seed and set-up code (`seed.py`, `init_db()`, `load_users()`, a management
    command). Confidence is medium in seed code and low elsewhere, for an environment fallback,
    or in a function that makes test or demo data (`create_test_data()`). Test code is not
    analyzed.

    ## Why it matters
    Every installation of the application then starts with accounts whose passwords anyone who
    reads the code knows, often an administrator; they are the first thing attackers try
    (CWE-798 Use of Hard-coded Credentials, CWE-1392 Use of Default Credentials, OWASP API2:2023
    Broken Authentication). Its severity is lower than a leaked service credential's because the
    account can be, and sometimes is, changed after installation.

    ## Options
    None.

    ## Known limitations
    Passwords read from fixture files are not followed; a literal table of accounts
    (`users = [("admin", "SuperSecret")]`) is judged only when a loop in the same seed function
    passes its entries to a password argument or an SQL statement that writes a `password`
    column. A demo instance that is reset on purpose is still reported;
    suppress the line if that is the design.

    ## References
    - https://cwe.mitre.org/data/definitions/1392.html
    - https://cwe.mitre.org/data/definitions/798.html
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """

    code = "SECRET004"
    name = "seeded-account-password"
    summary = "Seed or set-up code creates accounts with hard-coded passwords"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (798, 1392)
    owasp = ("API2:2023",)

    bad = Example("""
        from django.contrib.auth.models import User


        def seed_admin() -> None:
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser("admin", "admin@example.com", "admin123")  # expect: SECRET004
    """)

    good = Example("""
        import os

        from django.contrib.auth.models import User


        def seed_admin() -> None:
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser("admin", "admin@example.com", os.environ["ADMIN_PASSWORD"])
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Account-creating calls and password assignments with literal passwords."""
        for mod in ctx.index:
            yield from ctx.per_module(self.code, mod, "", partial(self._module, ctx.index, mod))

    def _module(self, index: ProjectIndex, mod: ModuleSummary) -> tuple[Finding, ...]:
        """One module's findings, one a line."""
        if is_test_path(mod.path) or is_non_prod_file(mod.path):
            return ()
        words = words_text(index, mod)
        if not ("password" in words or "passwd" in words or "pwd" in words or "create_" in words
                or "hashpw" in words):
            return ()
        out: list[Finding] = []
        seen: set[int] = set()
        for stmt, context, flags, _main in module_scan(index, mod).spots:
            if not flags & _FLAGS:
                continue  # no password attribute, password argument or loop: nothing to find
            where = context.where()
            if where.confidence is Confidence.HIGH:
                where = where._replace(confidence=Confidence.MEDIUM)  # this rule's walk starts at medium
            for finding in self._statement(index, mod, stmt, where):
                if finding.location.line not in seen:
                    seen.add(finding.location.line)
                    out.append(finding)
        for insert in sql_seed_inserts(index, mod, partial(_literal_password, index, mod)):
            if insert.stmt.line not in seen:
                seen.add(insert.stmt.line)
                out.append(self._sql_finding(mod, insert.stmt, insert.where, insert.table))
        return tuple(out)

    def _statement(self, index: ProjectIndex, mod: ModuleSummary, stmt: Stmt, where: Where) -> Iterator[Finding]:
        test_data = where.func is not None and any(w in where.func.name.lower() for w in _TEST_DATA)
        seed = is_seed_context(mod, where) and not test_data
        func = f" in {where.func.qualname.replace('<locals>.', '')}()" if where.func is not None else ""
        for target in stmt.targets if stmt.kind == "assign" and stmt.value is not None else ():
            if target.kind == "attr" and is_password_name(target.text) and target.args[0].dotted not in (
                    "self", "cls", None) and stmt.value is not None:
                literal = _literal_password(index, mod, stmt.value)
                if literal is not None and (seed or where.func is not None):
                    yield self._finding(mod, stmt, f"`{target.render(40)} = ...`{func} sets",
                                        seed and not literal[1])
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if not _literal_argument(call):
                    continue  # `_password_args` finds a literal (or a call wrapping one) or nothing
                callee = index.qualify_expr(mod, call.func) or call.func.render(40)
                short = callee.rsplit(".", 1)[-1]
                if not (seed or is_account_call(callee) or short in _DJANGO_POSITIONS):
                    continue
                for how, value in _password_args(index, mod, call):
                    literal = _literal_password(index, mod, value)
                    if literal is None:
                        continue
                    yield self._finding(mod, stmt, f"`{call.func.render(40)}(...)`{func} creates an account with "
                                        f"a hard-coded password given as {how};", seed and not literal[1])
                    break

        if seed and stmt.kind == "for" and where.func is not None:
            yield from self._seed_table(mod, stmt, where.func, func)

    def _seed_table(self, mod: ModuleSummary, loop: Stmt, func: FunctionDef, where: str) -> Iterator[Finding]:
        """`users = [("admin", "SuperSecret"), ...]` then `for name, pw in users:` inserting `pw` as a password."""
        if loop.value is None or loop.value.kind != "name" or len(loop.targets) != 1 \
                or loop.targets[0].kind != "tuple":
            return
        table = _local_table(func.body, loop.value.text, loop.line)
        if table is None:
            return
        names = [t.text if t.kind == "name" else "" for t in loop.targets[0].args]
        for position, name in enumerate(names):
            if not name or not all(position < len(row.args) and row.args[position].kind == "str"
                                   and usable(row.args[position].text) for row in table[0].args):
                continue
            if _used_as_password(loop.body, name):
                yield self._finding(mod, Stmt("assign", table[1]),
                                    f"`{loop.value.text}`{where} lists accounts whose passwords are written in "
                                    "the code (inserted by the loop below);", True)
                return

    def _sql_finding(self, mod: ModuleSummary, stmt: Stmt, where: Where, table: str) -> Finding:
        test_data = where.func is not None and any(w in where.func.name.lower() for w in _TEST_DATA)
        func = f" in {where.func.qualname.replace('<locals>.', '')}()" if where.func is not None else ""
        return self._finding(mod, stmt, f"SQL{func} inserts an account into `{table}` with a hard-coded "
                             "password;", is_seed_context(mod, where) and not test_data)

    def _finding(self, mod: ModuleSummary, stmt: Stmt, what: str, seed: bool) -> Finding:
        if what.endswith(" sets"):
            what = f"{what} a hard-coded password on an account;"
        return self.finding(
            Location(mod.path, stmt.line),
            f"{what} every installation starts with an account whose password anyone who reads the code knows",
            "Create seed accounts with a random password shown once, or one read from the environment with no "
            "default, and make the first login change it",
            confidence=Confidence.MEDIUM if seed else Confidence.LOW, symbol=f"{mod.path}:{stmt.line}")


def _local_table(body: tuple[Stmt, ...], name: str, before: int) -> tuple[Expr, int] | None:
    """A literal list of tuples assigned to `name` before line `before`, with its line."""
    for stmt in body:
        if stmt.line >= before:
            break
        if stmt.kind == "assign" and stmt.value is not None and stmt.value.kind in ("list", "tuple") \
                and stmt.value.args and all(row.kind == "tuple" for row in stmt.value.args) \
                and any(t.kind == "name" and t.text == name for t in stmt.targets):
            return stmt.value, stmt.line
    return None


def _used_as_password(body: tuple[Stmt, ...], name: str) -> bool:
    """The loop hands `name` to a password argument, or into SQL that writes a `password` column."""
    for _stmt, expr in walk_exprs(body):
        if expr.kind != "call":
            continue
        if any(kw.name is not None and is_password_name(kw.name) and name in kw.value.names() for kw in expr.keywords):
            return True
        texts = [e.text.lower() for e in expr.walk() if e.kind == "str"]
        if any("password" in t and ("insert" in t or "update" in t) for t in texts) and name in expr.names():
            return True
    return False
