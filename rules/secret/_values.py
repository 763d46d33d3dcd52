"""Where signing keys are set, and whether the value is a literal, an env fallback or unknown."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Final, NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.model import Confidence, Location
from apilint.project import ProjectIndex
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, Stmt

KEY_NAMES: Final = frozenset({
    "SECRET_KEY", "JWT_SECRET_KEY", "JWT_SECRET", "JWT_SIGNING_KEY", "JWT_KEY", "SIGNING_KEY",
    "TOKEN_SECRET", "TOKEN_SECRET_KEY", "AUTH_SECRET", "AUTH_SECRET_KEY", "ACCESS_TOKEN_SECRET",
    "ACCESS_TOKEN_SECRET_KEY", "REFRESH_TOKEN_SECRET", "REFRESH_TOKEN_SECRET_KEY", "JWT_REFRESH_SECRET_KEY",
    "SESSION_SECRET", "SESSION_SECRET_KEY", "APP_SECRET_KEY", "FLASK_SECRET_KEY", "DJANGO_SECRET_KEY",
})
KEY_WORDS: Final = frozenset(n.lower() for n in KEY_NAMES)

_NON_PROD_FILE = lazy_compile(
    r"(^|[/_])(local|locals|dev|develop|development|test|tests|testing|settings_test|test_settings|conftest|"
    r"local_settings|debug|build|ci|example|examples|sample|demo_settings)(_[a-z0-9]+)?\.py$"
    r"|(^|/)(tests?|testing|docs?|examples?|samples?|project_template|app_template)/|(^|/)test_[^/]*\.py$")
_NON_PROD_CLASS = lazy_compile(r"dev|local|test|debug|ci$", re.IGNORECASE)
_PLACEHOLDER = lazy_compile(r"change|replace|your[-_ ]|placeholder|example|fixme|todo|generate|set[-_ ]?me|"
                          r"^<.*>$|^x+$|^\*+$|^\.+$", re.IGNORECASE)
_TEMPLATE = lazy_compile(r"\{\{|\{%|\$\{|%\(")
_ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "getenv", "environ.get"})
_ENV_DEFAULT_SHORT = frozenset({"env", "config", "get_env", "getenv", "env_str"})
_DEBUG_WORDS = ("debug", "dev", "local", "test")
_FALLBACK_WORDS = KEY_WORDS | {"environ", "getenv"}


class Value(NamedTuple):
    """A key's value as the source shows it."""

    env: bool
    """True when the literal is only a fallback for an environment variable (or setting)."""
    text: str
    """The literal key (never shown to users)."""
    location: Location | None = None
    """Where the literal is, when it is not on the statement being judged (a constant elsewhere)."""


@functools.cache
def is_non_prod_file(path: str) -> bool:
    """Development, test, build, example and template files: keys there are not production keys.
    Memoized: several rules ask it of every module."""
    return bool(_NON_PROD_FILE.search(path))


def is_non_prod_class(cls: ClassDef) -> bool:
    """`DevelopmentConfig`, `TestSettings`, `LocalConfig`."""
    return bool(_NON_PROD_CLASS.search(cls.name))


def usable(text: str) -> bool:
    """A non-empty string that is not a template placeholder (`{{ secret_key }}`)."""
    return bool(text.strip()) and not _TEMPLATE.search(text)


def is_placeholder(text: str) -> bool:
    """`change-me`, `your-secret-key`, `<secret>`: a value that asks to be replaced."""
    return bool(_PLACEHOLDER.search(text.strip()))


def judge(index: ProjectIndex, mod: ModuleSummary, expr: Expr | None, depth: int = 0) -> Value | None:
    """Whether an expression is a hard-coded key (None: not a literal, or not readable)."""
    if expr is None or depth > 6:
        return None
    kind = expr.kind
    if kind == "str":
        return Value(False, expr.text) if usable(expr.text) else None
    if kind == "boolop" and expr.text == "or" and len(expr.args) >= 2:
        last = judge(index, mod, expr.args[-1], depth + 1)  # os.environ.get("KEY") or "fallback"
        return last._replace(env=True) if last is not None else None
    if kind == "call":
        return _env_default(index, mod, expr, depth)
    if kind in ("name", "attr"):
        symbol = index.resolve(mod, expr)
        if symbol is None or symbol.value is None:
            return None
        found = judge(index, symbol.module, symbol.value, depth + 1)
        if found is None or is_non_prod_file(symbol.module.path):
            return None
        return found._replace(location=found.location or Location(symbol.module.path, symbol.line))
    return None


def _env_default(index: ProjectIndex, mod: ModuleSummary, call: Expr, depth: int) -> Value | None:
    """`os.environ.get("KEY", "fallback")`, `env("KEY", default="fallback")`, `config("KEY", default=...)`."""
    callee = index.qualify_expr(mod, call.func) or ""
    short = callee.rsplit(".", 1)[-1]
    default: Expr | None = None
    if callee in _ENV_CALLS or callee.endswith((".getenv", "environ.get", "environ.setdefault")):
        default = call.arg(1, "default")
    elif short in _ENV_DEFAULT_SHORT or callee.startswith(("decouple.", "environ.")) or (
            call.func.kind == "attr" and call.func.args[0].dotted == "env"):
        default = call.kwarg("default")
    if default is None:
        return None
    found = judge(index, mod, default, depth + 1)
    return found._replace(env=True) if found is not None else None


class Where(NamedTuple):
    """The context of a statement: enclosing function, classes, and how conditional it is."""

    func: FunctionDef | None
    classes: tuple[ClassDef, ...]
    confidence: Confidence
    fallback: bool
    """Inside an `except` handler or an `if` that tests for a missing key: an env fallback."""


def walk(body: tuple[Stmt, ...], where: Where) -> Iterator[tuple[Stmt, Where]]:
    """Every statement with its context, entering functions, classes and branches."""
    for stmt in body:
        yield stmt, where
        if stmt.func is not None:
            yield from walk(stmt.func.body, where._replace(func=stmt.func))
        elif stmt.cls is not None:
            yield from walk(stmt.cls.body, where._replace(classes=(*where.classes, stmt.cls)))
        elif stmt.kind == "if" and stmt.value is not None:
            then, other, fallback = branch(stmt.value)
            yield from walk(stmt.body, narrow(where, then, fallback))
            yield from walk(stmt.orelse, narrow(where, other, False))
        elif stmt.kind == "try":
            yield from walk(stmt.body, where)
            yield from walk(stmt.handlers, where._replace(fallback=True))
            yield from walk(stmt.orelse + stmt.finalbody, where)
        else:
            yield from walk(tuple(stmt.children()), where)


def narrow(where: Where, confidence: Confidence, fallback: bool) -> Where:
    """The context inside a branch: the lower confidence of the two, and a fallback once inside one."""
    conf = confidence if confidence.rank < where.confidence.rank else where.confidence
    return where._replace(confidence=conf, fallback=where.fallback or fallback)


def branch(test: Expr) -> tuple[Confidence, Confidence, bool]:
    """Confidence inside the `if` body and inside its `else`, and whether the body is a fallback."""
    words = [(e.text or "").lower() for e in test.walk() if e.kind in ("name", "attr", "str")]
    if not _FALLBACK_WORDS.isdisjoint(words):
        return Confidence.MEDIUM, Confidence.MEDIUM, True
    negated = (test.kind == "unary" and test.text == "not") or (
        test.kind == "compare" and test.text in ("!=", "not in"))
    text = "\n".join(words)  # no debug word holds a line break: a match is inside one word
    if any(d in text for d in _DEBUG_WORDS):
        return (Confidence.MEDIUM, Confidence.LOW, False) if negated else (Confidence.LOW, Confidence.MEDIUM, False)
    return Confidence.MEDIUM, Confidence.MEDIUM, False


__all__ = ["KEY_NAMES", "KEY_WORDS", "Value", "Where", "branch", "is_non_prod_class", "is_non_prod_file",
           "is_placeholder", "judge", "narrow", "usable", "walk"]
