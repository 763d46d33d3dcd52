"""Find JWT library calls (PyJWT, python-jose, authlib) and read their literal arguments.

Calls are recognised by the qualified name the module's imports give them (`import jwt`,
`from jose import jwt`, `from jwt import decode`), never by a bare method name, so a
project's own `jwt.decode` helper or an unrelated `.decode()` is never taken for a library call.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.rules.secret._keys import class_attribute
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

PYJWT, JOSE, AUTHLIB = "PyJWT", "python-jose", "authlib"

_OPS: dict[str, tuple[str, str]] = {
    "jwt.decode": (PYJWT, "decode"),
    "jwt.decode_complete": (PYJWT, "decode"),
    "jwt.api_jwt.decode": (PYJWT, "decode"),
    "jwt.api_jwt.decode_complete": (PYJWT, "decode"),
    "jose.jwt.decode": (JOSE, "decode"),
    "authlib.jose.jwt.decode": (AUTHLIB, "decode"),
    "jwt.encode": (PYJWT, "encode"),
    "jwt.api_jwt.encode": (PYJWT, "encode"),
    "jose.jwt.encode": (JOSE, "encode"),
    "authlib.jose.jwt.encode": (AUTHLIB, "encode"),
    "jose.jwt.get_unverified_claims": (JOSE, "claims"),
    "jwt.get_unverified_header": (PYJWT, "header"),
    "jwt.api_jws.get_unverified_header": (PYJWT, "header"),
    "jose.jwt.get_unverified_header": (JOSE, "header"),
    "jose.jwt.get_unverified_headers": (JOSE, "header"),
    "jose.jws.get_unverified_header": (JOSE, "header"),
    "jose.jws.get_unverified_headers": (JOSE, "header"),
}
_ROOTS = ("jwt", "jose", "authlib.jose")
_TEST_PATH = ("tests/", "test/", "testing/", "conftest.py")


@dataclass(frozen=True, slots=True)
class JwtCall:
    """One call of a JWT library function, with the scope it sits in."""

    mod: ModuleSummary
    func: FunctionDef | None
    """The enclosing function; None at module level."""
    stmt: Stmt
    call: Expr
    lib: str
    op: str
    """`decode`, `encode`, `claims` (unverified claims) or `header` (unverified header)."""
    qualname: str

    @property
    def location(self) -> Location:
        """The statement line of the call."""
        return Location(self.mod.path, self.stmt.line)

    @property
    def symbol(self) -> str:
        """The enclosing function's qualified name (or the module) for fingerprints."""
        return f"{self.mod.module}.{self.func.qualname}" if self.func is not None else self.mod.module

    @property
    def where(self) -> str:
        """`in get_current_user()` or `at module level`, for messages."""
        return f"in {self.func.qualname.replace('<locals>.', '')}()" if self.func is not None else "at module level"

    @property
    def scope(self) -> tuple[Stmt, ...]:
        """The statements of the enclosing function (or module)."""
        return self.func.body if self.func is not None else self.mod.body

    def key(self) -> Expr | None:
        """The signing / verification key argument."""
        if self.lib == AUTHLIB:
            return self.call.arg(2 if self.op == "encode" else 1, "key")
        return self.call.arg(1, "key")

    def payload(self) -> Expr | None:
        """The claims passed to an encode call."""
        if self.lib == AUTHLIB:
            return self.call.arg(1, "payload")
        return self.call.arg(0, "claims" if self.lib == JOSE else "payload")


@functools.cache
def is_test_path(path: str) -> bool:
    """Test folders and files (only analysed with `include-tests`, and never judged by these rules).
    Memoized: several rules ask it of every module."""
    base = path.rsplit("/", 1)[-1]
    return base.startswith("test_") or base.endswith("_test.py") or base in ("tests.py", "conftest.py") or any(
        f"/{part}" in f"/{path}" for part in _TEST_PATH)


def _jwt_table(index: ProjectIndex, mod: ModuleSummary) -> dict[str, str]:
    table = {k: v for k, v in index.import_table(mod).items() if v.startswith(_ROOTS)}
    for stmt in walk_stmts(mod.body, into_defs=True):
        if stmt.kind == "import":
            for target, source in zip(stmt.targets, stmt.exprs, strict=False):
                if source.kind == "str" and source.text.startswith(_ROOTS) and target.kind == "name":
                    table[target.text] = source.text
    return {k: v for k, v in table.items() if v.split(".")[0] in ("jwt", "jose", "authlib")}


def _scopes(mod: ModuleSummary) -> Iterator[tuple[FunctionDef | None, tuple[Stmt, ...]]]:
    yield None, mod.body
    for func in mod.functions():
        yield func, func.body


_CACHE: weakref.WeakKeyDictionary[ProjectIndex, dict[str, list[JwtCall]]] = weakref.WeakKeyDictionary()


def jwt_calls(index: ProjectIndex, mod: ModuleSummary) -> list[JwtCall]:
    """Every JWT library call in a (non-test) module, computed once per index."""
    per_index = _CACHE.setdefault(index, {})
    found = per_index.get(mod.path)
    if found is not None:
        return found
    found = []
    if (mod.mentions("jwt") or mod.mentions("jose")) and not is_test_path(mod.path):
        table = _jwt_table(index, mod)
        if table:
            found = list(_find(mod, table))
    per_index[mod.path] = found
    return found


def all_jwt_calls(index: ProjectIndex) -> Iterator[JwtCall]:
    """JWT library calls of the whole project, module by module."""
    for mod in index:
        yield from jwt_calls(index, mod)


def _find(mod: ModuleSummary, table: dict[str, str]) -> Iterator[JwtCall]:
    for func, body in _scopes(mod):
        for stmt in walk_stmts(body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    dotted = call.func.dotted
                    if dotted is None:
                        continue
                    head, _, rest = dotted.partition(".")
                    if head not in table:
                        continue
                    qualname = table[head] + (f".{rest}" if rest else "")
                    op = _OPS.get(qualname)
                    if op is not None:
                        yield JwtCall(mod, func, stmt, call, op[0], op[1], qualname)


# --- reading literal arguments ----------------------------------------------------------
def local_value(scope: tuple[Stmt, ...], name: str, before: int) -> Expr | None:
    """The value of the only assignment to `name` in a function before line `before`."""
    values = [stmt.value for stmt in walk_stmts(scope)
              if stmt.kind in ("assign", "annassign") and stmt.line <= before and stmt.value is not None
              and any(t.kind == "name" and t.text == name for t in stmt.targets)]
    return values[0] if len(values) == 1 else None


def literal(index: ProjectIndex, jc: JwtCall, expr: Expr | None) -> Expr | None:
    """Follow a local variable or module constant to the literal it holds."""
    if expr is not None and expr.kind == "name":
        local = local_value(jc.scope, expr.text, jc.stmt.line) if jc.func is not None else None
        if local is not None:
            return local
    if expr is not None and expr.kind in ("name", "attr"):
        found = index.const_value(jc.mod, expr)
        if found is None and expr.kind == "attr":
            attribute = class_attribute(index, jc.mod, expr)  # `Settings.VERIFY_JWT`, `settings.VERIFY_JWT`
            if attribute is not None:
                return attribute[1] if attribute[1].kind not in ("name", "attr") else \
                    index.const_value(attribute[0], attribute[1])
        return found
    return expr


def dict_items(expr: Expr | None) -> dict[str, Expr] | None:
    """String-keyed entries of a dict literal or `dict(a=...)` call; None when not readable."""
    if expr is None:
        return None
    if expr.kind == "call" and expr.func.kind == "name" and expr.func.text == "dict" and not expr.positional:
        return {kw.name: kw.value for kw in expr.keywords if kw.name is not None}
    if expr.kind != "dict":
        return None
    out: dict[str, Expr] = {}
    for key, value in zip(expr.args[::2], expr.args[1::2], strict=False):
        if key.kind == "str":
            out[key.text] = value
    return out


def is_false(expr: Expr | None) -> bool:
    """The literal `False` (or `0`)."""
    return expr is not None and ((expr.kind == "const" and expr.text == "False") or (
        expr.kind == "num" and expr.text == "0"))


def option(index: ProjectIndex, jc: JwtCall, name: str) -> Expr | None:
    """The value of `options={name: ...}` of a decode call, followed through local variables and
    constants (`{"verify_signature": VERIFY}` with `VERIFY = False`)."""
    items = dict_items(literal(index, jc, jc.call.kwarg("options")))
    value = items.get(name) if items is not None else None
    return literal(index, jc, value) if value is not None and value.kind in ("name", "attr") else value


def verify_flag(index: ProjectIndex, jc: JwtCall) -> Expr | None:
    """PyJWT 1.x `verify=` of a decode call, followed through local variables and constants."""
    value = jc.call.kwarg("verify")
    return literal(index, jc, value) if value is not None and value.kind in ("name", "attr") else value


def algorithms(index: ProjectIndex, jc: JwtCall) -> tuple[Expr | None, list[str] | None]:
    """The `algorithms=` argument of a decode call and its literal strings (None when not literal)."""
    arg = jc.call.arg(2, "algorithms") if jc.lib != AUTHLIB else None
    value = literal(index, jc, arg)
    if value is None:
        return arg, None
    if value.kind == "str":
        return arg, [value.text]
    if value.kind in ("list", "tuple", "set"):
        out = []
        for item in value.args:
            item_value = item if item.kind == "str" else literal(index, jc, item)
            if item_value is None or item_value.kind != "str":
                return arg, None
            out.append(item_value.text)
        return arg, out
    return arg, None


def verifies(index: ProjectIndex, jc: JwtCall) -> bool:
    """True for a decode call that checks the signature (as far as the literal arguments show)."""
    if jc.op != "decode":
        return False
    if jc.lib == AUTHLIB:
        return True
    if is_false(verify_flag(index, jc)) or is_false(option(index, jc, "verify_signature")):
        return False
    _, algs = algorithms(index, jc)
    return not (algs is not None and any(a.lower() == "none" for a in algs))


__all__ = ["AUTHLIB", "JOSE", "PYJWT", "JwtCall", "algorithms", "all_jwt_calls", "dict_items", "is_false",
           "is_test_path", "jwt_calls", "literal", "local_value", "option", "verifies", "verify_flag"]
