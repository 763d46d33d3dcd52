"""The HMAC keys JWTs are signed with: keys passed to library calls, and keys JWT extensions read
from the app's configuration (Flask-JWT-Extended, Flask-GraphQL-Auth, Flask-JWT, Simple JWT)."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Final, NamedTuple

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.rules.jwt._calls import AUTHLIB, JwtCall, algorithms, all_jwt_calls, literal, verifies
from apilint.rules.secret._keys import Origin, config_origins, origins
from apilint.summary import Expr, ModuleSummary, walk_exprs

_ASYMMETRIC: Final = ("RS", "ES", "PS", "ED")
_FLASK_EXTENSIONS: Final = {
    "flask_jwt_extended": "Flask-JWT-Extended", "flask_graphql_auth": "Flask-GraphQL-Auth",
    "flask_jwt": "Flask-JWT", "flask_jwt_simple": "Flask-JWT-Simple", "flask_praetorian": "Flask-Praetorian",
}
_EXTENSION_SETUP: Final = frozenset({"JWTManager", "GraphQLAuth", "JWT", "Praetorian"})


class KeyUse(NamedTuple):
    """One place that signs or checks JWTs with an HMAC key, and the values that key can take."""

    where: str
    """`jwt.encode(...) in issue_token() (app/auth.py:12)` or `Flask-JWT-Extended`."""
    location: Location
    """The call, or the extension's set-up call."""
    key: Expr | None
    origins: tuple[Origin, ...]
    extension: bool = False


def is_hmac(index: ProjectIndex, jc: JwtCall) -> bool:
    """False when the call's algorithm is a public-key one (its key is a key pair, not a secret)."""
    if jc.lib == AUTHLIB:
        return False
    if jc.op == "encode":
        alg = literal(index, jc, jc.call.arg(2, "algorithm"))
        return not (alg is not None and alg.kind == "str" and alg.text[:2].upper() in _ASYMMETRIC)
    _, algs = algorithms(index, jc)
    return not (algs and all(a[:2].upper() in _ASYMMETRIC for a in algs))


_CACHE: weakref.WeakKeyDictionary[ProjectIndex, list[KeyUse]] = weakref.WeakKeyDictionary()


def key_uses(index: ProjectIndex) -> list[KeyUse]:
    """Every HMAC JWT key use of the project (computed once per index)."""
    found = _CACHE.get(index)
    if found is None:
        found = list(_call_uses(index)) + list(_extension_uses(index))
        _CACHE[index] = found
    return found


def _call_uses(index: ProjectIndex) -> Iterator[KeyUse]:
    for jc in all_jwt_calls(index):
        if jc.op not in ("encode", "decode") or not is_hmac(index, jc):
            continue
        if jc.op == "decode" and not verifies(index, jc):
            continue  # an unverified decode ignores its key: JWT001's finding
        key = jc.key()
        if key is None:
            continue
        where = f"`{jc.call.func.render(40)}(...)` {jc.where} ({jc.mod.path}:{jc.stmt.line})"
        yield KeyUse(where, jc.location, key, tuple(origins(index, jc.mod, key, jc.stmt.line, jc.func)))


def _extension_uses(index: ProjectIndex) -> Iterator[KeyUse]:
    """Flask JWT extensions sign with `JWT_SECRET_KEY`, else with the app's `SECRET_KEY`;
    Simple JWT with `SIMPLE_JWT["SIGNING_KEY"]`, else with Django's `SECRET_KEY`."""
    seen: set[str] = set()
    for mod in index:
        for imp in mod.imports:
            top = imp.module.split(".")[0]
            if top in _FLASK_EXTENSIONS and top not in seen:
                setup = _setup_call(index, mod)
                if setup is None:
                    continue
                seen.add(top)
                found = config_origins(index, "JWT_SECRET_KEY")
                via = "`JWT_SECRET_KEY`"
                if not found:
                    found, via = config_origins(index, "SECRET_KEY"), "`SECRET_KEY` (no `JWT_SECRET_KEY` is set)"
                yield KeyUse(f"{_FLASK_EXTENSIONS[top]}, which signs tokens with {via}", setup, None,
                             tuple(found), extension=True)
            elif top == "rest_framework_simplejwt" and top not in seen:
                seen.add(top)
                found = list(_simple_jwt_key(index))
                if found:
                    yield KeyUse("Simple JWT, which signs tokens with `SIMPLE_JWT[\"SIGNING_KEY\"]`",
                                 found[0].location, None, tuple(found), extension=True)


def _setup_call(index: ProjectIndex, mod: ModuleSummary) -> Location | None:
    """`JWTManager(app)` / `GraphQLAuth(app)`: where the extension is set up."""
    for stmt, expr in walk_exprs(mod.body, into_defs=True):
        if expr.kind == "call":
            qualified = index.qualify_expr(mod, expr.func) or ""
            if qualified.split(".")[0] in _FLASK_EXTENSIONS and qualified.rsplit(".", 1)[-1] in _EXTENSION_SETUP:
                return Location(mod.path, stmt.line)
    return None


def _simple_jwt_key(index: ProjectIndex) -> Iterator[Origin]:
    for mod in index:
        if "simple_jwt" not in mod.words:
            continue
        for stmt in mod.body:
            if stmt.kind in ("assign", "annassign") and stmt.value is not None and stmt.value.kind == "dict" \
                    and any(t.kind == "name" and t.text == "SIMPLE_JWT" for t in stmt.targets):
                pairs = zip(stmt.value.args[::2], stmt.value.args[1::2], strict=False)
                for k, v in pairs:
                    if k.kind == "str" and k.text == "SIGNING_KEY":
                        yield from origins(index, mod, v, stmt.line)


__all__ = ["KeyUse", "is_hmac", "key_uses"]
