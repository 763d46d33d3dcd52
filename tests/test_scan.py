"""`rules._scan`: the one walk per module the pattern rules read instead of walking it themselves.

The scan may only skip statements no check can report on, and must give each statement the
context `rules.secret._values.walk` gives it; these tests hold it to the walks it replaced, on
every fixture app and on small sources made for each flag.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from apilint.model import Confidence
from apilint.project import ProjectIndex
from apilint.rules import _scan
from apilint.rules.inj._sources import is_request_object, is_request_read
from apilint.rules.secret import _credentials as cred
from apilint.rules.secret._values import Where, walk
from apilint.summarize import summarize_source
from apilint.summary import FunctionDef, ModuleSummary, walk_stmts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
APPS = sorted(p for p in FIXTURES.glob("*/*") if p.is_dir())
_TOP = Where(None, (), Confidence.HIGH, False)


def _project(files: dict[str, bytes]) -> ProjectIndex:
    return ProjectIndex(summarize_source(src, path) for path, src in sorted(files.items()))


def _app(root: Path) -> ProjectIndex:
    return _project({p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.py")})


def _source(src: str) -> tuple[ProjectIndex, ModuleSummary]:
    index = _project({"app/main.py": textwrap.dedent(src).encode()})
    return index, next(iter(index))


def _reference_facts(func: FunctionDef) -> tuple[frozenset[str], bool]:
    """What `rules.inj._sources` computed for each function before the scan."""
    calls: set[str] = set()
    request = False
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind == "call" and sub.func.kind in ("attr", "name"):
                    calls.add(sub.func.text)
                elif sub.kind in ("attr", "name") and (is_request_object(sub) or is_request_read(sub)):
                    request = True
    return frozenset(calls), request


def _reference_hits(index: ProjectIndex, mod: ModuleSummary) -> dict[int, int]:
    """The statements (by id) each credential check reports on when run on every statement, with
    the flags that must be set there."""
    wanted: dict[int, int] = {}
    for stmt, where in walk(mod.body, _TOP):
        checks = (
            (_scan.CRED, lambda s=stmt, w=where: cred._assignment_hits(index, mod, s, w)),
            (_scan.CRED | _scan.AUTH | _scan.LOGIN, lambda s=stmt, w=where: cred._call_hits(index, mod, s, w)),
            (_scan.COMPARE, lambda s=stmt, w=where: cred._compare_hits(mod, s, w)),
            (_scan.LITERAL, lambda s=stmt, w=where: cred._literal_hits(mod, s, w, False)),
            (_scan.LITERAL, lambda s=stmt, w=where: cred._literal_hits(mod, s, w, True)),
        )
        for flags, check in checks:
            if any(True for _ in check()):
                wanted[id(stmt)] = wanted.get(id(stmt), 0) | flags
        if stmt.func is not None and any(True for _ in cred._default_hits(mod, stmt, where)):
            wanted[id(stmt)] = wanted.get(id(stmt), 0) | _scan.DEFAULT
    return wanted


@pytest.mark.parametrize("app", APPS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_scan_agrees_with_the_walks_it_replaces(app: Path) -> None:
    index = _app(app)
    for mod in index:
        scan = _scan.module_scan(index, mod)
        # the functions, in `ModuleSummary.functions()` order after the top-level code, with their facts
        top = FunctionDef("<module>", "<module>", 1, mod.line_count, body=mod.body)
        assert [f.qualname for f, _ in scan.entries] == [f.qualname for f in (top, *mod.functions())]
        for func, facts in scan.entries:
            assert (facts.calls, facts.request) == _reference_facts(func), (mod.path, func.qualname)
        # every spot in walk order, with walk's context and the main-block mark
        order = {id(stmt): (i, where) for i, (stmt, where) in enumerate(walk(mod.body, _TOP))}
        positions = [order[id(spot.stmt)][0] for spot in scan.spots]
        assert positions == sorted(positions)
        for spot in scan.spots:
            assert spot.context.where() == order[id(spot.stmt)][1]
        main = {id(s) for top_stmt in mod.body if _scan._is_main_block(top_stmt) for s, _ in walk((top_stmt,), _TOP)}
        for spot in scan.spots:
            assert spot.main == (id(spot.stmt) in main)
        # no statement a check reports on is left out, nor its flag
        flags = {id(spot.stmt): spot.flags for spot in scan.spots}
        for stmt_id, needed in _reference_hits(index, mod).items():
            assert flags.get(stmt_id, 0) & needed, (mod.path, needed)


@pytest.mark.parametrize(("src", "flag"), [
    ('SMTP_PASSWORD = "9f3kD82mQz7"\n', _scan.CRED),
    ('conn = connect(host="db", password=PW)\n', _scan.CRED),
    ('server.login(user, "hunter2")\n', _scan.LOGIN),
    ('requests.get(url, auth=("bob", "x"))\n', _scan.AUTH),
    ('def check(form):\n    if form["password"] == "letmein":\n        return True\n', _scan.COMPARE),
    ('def connect(host, db_password="hunter22"):\n    pass\n', _scan.DEFAULT),
    ('KEY = "AKIAIOSFODNN7ABCDEFG"\n', _scan.LITERAL),
    ('URL = "postgresql://app:s3cret@db.internal/app"\n', _scan.LITERAL),
    ('User.objects.create_user("admin", "a@b.c", "admin123")\n', _scan.LITERAL_ARG),
    ('User(name="admin", password=make_password("pw"))\n', _scan.PASSWORD_KEYWORD),
    ('def seed(user):\n    user.password = "pw"\n', _scan.PASSWORD_ATTR),
    ('def seed(rows):\n    for name, pw in rows:\n        pass\n', _scan.LOOP),
])
def test_flags(src: str, flag: int) -> None:
    index, mod = _source(src)
    assert any(spot.flags & flag for spot in _scan.module_scan(index, mod).spots)


def test_plain_statements_are_not_spots() -> None:
    index, mod = _source('''
        """A module docstring that mentions a password and https://example.com/docs."""
        import os

        CACHE_KEY = "users"
        TOKEN_URL = BASE_URL + "/login"
        total = len(items) + 1
    ''')
    assert _scan.module_scan(index, mod).spots == ()


def test_request_facts() -> None:
    index, mod = _source('''
        def view(request):
            return render(request.GET.get("q"))

        class Handler:
            def get(self):
                return self.request.body

        def helper(client):
            return client().request
    ''')
    facts = {func.qualname: facts for func, facts in _scan.module_scan(index, mod).entries}
    assert facts["view"] == _scan.Facts(frozenset({"render", "get"}), True)
    assert facts["Handler.get"].request
    assert facts["helper"] == _scan.Facts(frozenset({"client"}), False)
    assert facts["view"].may_reach(frozenset()) and not facts["view"].may_reach(frozenset(), request=False)
    assert facts["helper"].may_reach(frozenset({"client"}), request=False)


def test_credential_name_matches_is_credential_name() -> None:
    from apilint.rules.secret._names import is_credential_name, is_password_name

    names = ["DB_PASSWORD", "dbPassword", "stripe_api_key", "SENDGRID_KEY", "CACHE_KEY", "api-key", "apiKey",
             "PASSWORD_RESET_TIMEOUT", "password_", "token!", " secret ", "my secret", "signing_secret",
             "AWS_SECRET_ACCESS_KEY", "pass", "DB_PASS", "raw_pwd", "passphrase", "x", "", "Key\u00e9"]
    for name in names:
        assert _scan.credential_name(name) == is_credential_name(name), name
        assert _scan.password_name(name) == is_password_name(name), name


@pytest.mark.parametrize("app", APPS[:12], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_scan_made_beside_the_summary_is_the_one_made_on_use(app: Path) -> None:
    """The summarize workers attach the scan (`with_scan`); it survives the cache's pickling and
    equals the one a rule would build, down to each statement's context."""
    import pickle

    index = _app(app)
    for mod in index:
        attached = pickle.loads(pickle.dumps(_scan.with_scan(mod), protocol=5))
        assert isinstance(attached.scan, _scan.ModuleScan)
        made = _scan.module_scan(index, mod)
        assert attached.scan == made
        assert [spot.context.where() for spot in attached.scan.spots] == [spot.context.where() for spot in made.spots]
        assert _scan.module_scan(ProjectIndex([attached]), attached) is attached.scan
