"""Where a signing key's value comes from, and whether that value is strong enough.

`origins()` follows a key expression to the values that can reach it: literals, module
constants, settings-class attributes (`Settings.JWT_SECRET`, `settings.SECRET_KEY`), Flask
config entries (`app.config["SECRET_KEY"]`, `app.config.get(...)`, `app.secret_key`), Django
settings (`settings.SECRET_KEY`), environment fallbacks (`os.getenv("KEY", default)`), and the
return values of project functions that generate the key. `weakness()` then judges one value:
a literal that is short, a common word or made of a few characters, or a key generated with
too little randomness or with the predictable `random` module.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from math import log2
from typing import Final, NamedTuple

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.rules.secret._names import shannon_bits
from apilint.rules.secret._values import is_non_prod_class, is_non_prod_file, is_placeholder, usable
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_ENV_CALLS: Final = ("os.getenv", "os.environ.get", "getenv", "environ.get", "os.environ.setdefault")
_ENV_SHORT: Final = frozenset({"env", "config", "get_env", "getenv", "env_str"})
_CONFIG_LOADERS: Final = frozenset({"update", "from_mapping", "setdefault"})
_ALPHABETS: Final = {
    "string.ascii_lowercase": 26, "string.ascii_uppercase": 26, "string.ascii_letters": 52, "string.digits": 10,
    "string.hexdigits": 22, "string.octdigits": 8, "string.punctuation": 32, "string.printable": 100,
    "string.whitespace": 6,
}
_BYTE_SOURCES: Final = {"secrets.token_hex": 32, "secrets.token_urlsafe": 32, "secrets.token_bytes": 32,
                        "os.urandom": 0, "Crypto.Random.get_random_bytes": 0, "get_random_bytes": 0}
_GUESSABLE: Final = frozenset({
    "secret", "secretkey", "secret_key", "secret-key", "mysecret", "mysecretkey", "supersecret", "topsecret",
    "password", "changeme", "change_me", "random", "key", "jwt", "jwtsecret", "jwt_secret", "jwt-secret",
    "token", "test", "dev", "development", "admin", "default", "qwerty", "123456", "1234567890", "abc123",
    "letmein", "your-256-bit-secret", "your_secret_key", "flask", "django", "fastapi", "api", "app", "hello",
    "s3cr3t", "secret123", "private", "hs256", "shhhhh", "keyboard cat", "notasecret", "insecure",
})
MIN_LITERAL_CHARS: Final = 16
"""Shorter literal keys fall to a brute force even when they look random."""
MIN_GENERATED_BITS: Final = 64
"""Generated keys with less randomness than this fall to an offline brute force of one token."""


class Origin(NamedTuple):
    """One value that can reach a key, and where it is written."""

    expr: Expr
    mod: ModuleSummary
    """The module the expression is written in (its names are qualified there)."""
    line: int
    env: bool = False
    """Only a fallback: the environment (or a config file loaded later) normally supplies the key."""
    via: str = ""
    """The setting it came through (`SECRET_KEY`), for messages; empty for a literal in place."""
    anchor: Location | None = None
    """Where to report it, when not where it is written (a generator function's `return`)."""

    @property
    def location(self) -> Location:
        """Where to report the value."""
        return self.anchor or Location(self.mod.path, self.line)


class Weakness(NamedTuple):
    """Why a key is weak, in words."""

    reason: str
    generated: bool
    """Made at run time (a weak generator), not a literal."""


# --- following a key to its values -------------------------------------------------------
def origins(index: ProjectIndex, mod: ModuleSummary, expr: Expr | None, line: int,
            func: FunctionDef | None = None, depth: int = 0) -> list[Origin]:
    """Every value that can reach `expr` (written at `line` in `mod`, inside `func`)."""
    if expr is None or depth > 6:
        return []
    kind = expr.kind
    if kind == "str":
        return [Origin(expr, mod, line)] if usable(expr.text) else []
    if kind in ("fstr", "binop"):
        text = index.const_str(mod, expr)
        return [Origin(Expr("str", text), mod, line)] if text is not None and usable(text) else []
    if kind == "boolop" and expr.text == "or" and expr.args:
        found = origins(index, mod, expr.args[-1], line, func, depth + 1)
        return [o._replace(env=True) for o in found]
    if kind == "name" and func is not None:
        local = _local(func.body, expr.text, line)
        if local is not None:
            return origins(index, mod, local[0], local[1], func, depth + 1)
    if kind in ("name", "attr"):
        return _named(index, mod, expr, depth)
    if kind == "subscript" and len(expr.args) == 2 and expr.args[1].kind == "str" and _is_config(expr.args[0]):
        return config_origins(index, expr.args[1].text, depth)
    if kind == "call":
        return _call(index, mod, expr, line, func, depth)
    return []


def _local(body: tuple[Stmt, ...], name: str, before: int) -> tuple[Expr, int] | None:
    found = [(s.value, s.line) for s in walk_stmts(body) if s.kind in ("assign", "annassign")
             and s.value is not None and s.line <= before and any(t.kind == "name" and t.text == name
                                                                 for t in s.targets)]
    return found[-1] if len(found) == 1 else None


def _is_config(expr: Expr) -> bool:
    """`app.config`, `current_app.config`, `self.app.config`, `vuln_app.app.config`."""
    return expr.kind == "attr" and expr.text == "config"


def _named(index: ProjectIndex, mod: ModuleSummary, expr: Expr, depth: int) -> list[Origin]:
    if expr.kind == "attr" and expr.text == "secret_key" and expr.args[0].kind in ("name", "attr"):
        return config_origins(index, "SECRET_KEY", depth)
    symbol = index.resolve(mod, expr)
    if symbol is not None and symbol.value is not None:
        if is_non_prod_file(symbol.module.path):
            return []
        return [o._replace(via=o.via or expr.last_name) for o in
                origins(index, symbol.module, symbol.value, symbol.line, None, depth + 1)]
    if expr.kind != "attr":
        return []
    owner = expr.args[0]
    qualified = index.qualify_expr(mod, owner) or ""
    if qualified in ("django.conf.settings", "settings") or qualified.endswith(".conf.settings"):
        return config_origins(index, expr.text, depth, settings_only=True)
    found = class_attribute(index, mod, expr)
    if found is not None:
        cls_mod, value, line, settings_class = found
        return [o._replace(env=o.env or settings_class, via=o.via or expr.last_name)
                for o in origins(index, cls_mod, value, line, None, depth + 1)]
    return []


def class_attribute(index: ProjectIndex, mod: ModuleSummary,
                    expr: Expr) -> tuple[ModuleSummary, Expr, int, bool] | None:
    """`Settings.JWT_SECRET` or `settings.JWT_SECRET` (`settings = Settings()`, `get_settings()`):
    (module, value, line, is a pydantic settings class whose fields the environment overrides)."""
    owner = index.resolve(mod, expr.args[0])
    if owner is None:
        return None
    cls_symbol = owner if owner.cls is not None else None
    if cls_symbol is None and owner.value is not None and owner.value.kind == "call":
        cls_symbol = index.resolve(owner.module, owner.value.func)
        if cls_symbol is not None and cls_symbol.func is not None:
            returned = [s.value for s in walk_stmts(cls_symbol.func.body) if s.kind == "return"
                        and s.value is not None and s.value.kind == "call"]
            cls_symbol = index.resolve(cls_symbol.module, returned[0].func) if returned else None
    if cls_symbol is None or cls_symbol.cls is None or is_non_prod_class(cls_symbol.cls):
        return None
    stmt = _class_stmt(cls_symbol.cls, expr.text)
    if stmt is None or stmt.value is None:
        return None
    value = stmt.value
    if value.kind == "call" and (value.func.dotted or "").endswith("Field"):
        value = value.arg(0, "default") or value
    bases = index.base_names(cls_symbol)
    return cls_symbol.module, value, stmt.line, any(b.rsplit(".", 1)[-1] == "BaseSettings" for b in bases)


def _class_stmt(cls: ClassDef, name: str) -> Stmt | None:
    found = None
    for stmt in cls.body:
        if stmt.kind in ("assign", "annassign") and any(t.kind == "name" and t.text == name for t in stmt.targets):
            found = stmt
    return found


def _call(index: ProjectIndex, mod: ModuleSummary, call: Expr, line: int, func: FunctionDef | None,
          depth: int) -> list[Origin]:
    callee = index.qualify_expr(mod, call.func) or ""
    short = callee.rsplit(".", 1)[-1]
    if call.func.kind == "attr" and call.func.text == "get" and _is_config(call.func.args[0]):
        key = call.arg(0)
        if key is not None and key.kind == "str":
            found = config_origins(index, key.text, depth)
            default = call.arg(1, "default")
            return found + [o._replace(env=True) for o in origins(index, mod, default, line, func, depth + 1)]
        return []
    if callee in _ENV_CALLS or callee.endswith(("environ.get", ".getenv", "environ.setdefault")):
        return [o._replace(env=True) for o in origins(index, mod, call.arg(1, "default"), line, func, depth + 1)]
    if short in _ENV_SHORT or callee.startswith(("decouple.", "environ.")) or (
            call.func.kind == "attr" and call.func.args[0].dotted == "env"):
        return [o._replace(env=True) for o in origins(index, mod, call.kwarg("default"), line, func, depth + 1)]
    if generation(index, mod, call) is not None:
        return [Origin(call, mod, line)]
    if call.func.kind == "attr" and call.func.text in ("encode", "strip") and not call.positional[1:]:
        return origins(index, mod, call.func.args[0], line, func, depth + 1)  # "key".encode()
    symbol = index.resolve(mod, call.func)
    if symbol is not None and symbol.func is not None and not call.args[1:] and not call.keywords:
        out: list[Origin] = []
        for stmt in walk_stmts(symbol.func.body):
            if stmt.kind == "return" and stmt.value is not None:
                out += origins(index, symbol.module, stmt.value, stmt.line, symbol.func, depth + 1)
        here = Location(mod.path, line)
        return [o._replace(anchor=o.anchor or here) for o in out]
    return []


# --- Flask config and Django settings -----------------------------------------------------
_CONFIG_CACHE: weakref.WeakKeyDictionary[ProjectIndex, dict[tuple[str, bool], list[Origin]]] = \
    weakref.WeakKeyDictionary()


def config_origins(index: ProjectIndex, key: str, depth: int = 0, settings_only: bool = False) -> list[Origin]:
    """Values the project gives config key `key`: `app.config["KEY"] = ...`, `config.update(KEY=...)`,
    `app.secret_key = ...` (for `SECRET_KEY`), `KEY = ...` in a config class or a settings module."""
    if depth > 6:
        return []
    per_index = _CONFIG_CACHE.setdefault(index, {})
    cached = per_index.get((key, settings_only))
    if cached is not None:
        return cached
    per_index[(key, settings_only)] = []  # a cycle through config ends here
    found: list[Origin] = []
    word = key.lower()
    for mod in index:
        if word not in mod.words or is_non_prod_file(mod.path):
            continue
        for value, line, where_func in _config_assignments(mod, key, settings_only):
            for origin in origins(index, mod, value, line, where_func, depth + 1):
                found.append(origin._replace(via=origin.via or key))
    per_index[(key, settings_only)] = found
    return found


def _config_assignments(mod: ModuleSummary, key: str,
                        settings_only: bool) -> Iterator[tuple[Expr, int, FunctionDef | None]]:
    settings_module = mod.path.rsplit("/", 1)[-1].startswith(("settings", "config", "base"))
    for stmt, func, classes in _walk(mod.body, None, ()):
        if stmt.kind not in ("assign", "annassign", "expr") or stmt.value is None:
            continue
        if any(is_non_prod_class(c) for c in classes):
            continue
        for target in stmt.targets:
            if target.kind == "name" and target.text == key and func is None and (
                    (not classes and (settings_module or settings_only)) or (classes and not settings_only)):
                yield stmt.value, stmt.line, None
            if settings_only:
                continue
            if target.kind == "subscript" and len(target.args) == 2 and target.args[1].kind == "str" \
                    and target.args[1].text == key and _is_config(target.args[0]):
                yield stmt.value, stmt.line, func
            if key == "SECRET_KEY" and target.kind == "attr" and target.text == "secret_key":
                yield stmt.value, stmt.line, func
        if settings_only:
            continue
        value = stmt.value
        if value.kind == "call" and value.func.kind == "attr" and value.func.text in _CONFIG_LOADERS \
                and _is_config(value.func.args[0]):
            keyword = value.kwarg(key)
            if keyword is not None:
                yield keyword, stmt.line, func
            for arg in value.positional:
                if arg.kind == "dict":
                    for k, v in zip(arg.args[::2], arg.args[1::2], strict=False):
                        if k.kind == "str" and k.text == key:
                            yield v, stmt.line, func


def _walk(body: tuple[Stmt, ...], func: FunctionDef | None,
          classes: tuple[ClassDef, ...]) -> Iterator[tuple[Stmt, FunctionDef | None, tuple[ClassDef, ...]]]:
    for stmt in body:
        yield stmt, func, classes
        if stmt.func is not None:
            yield from _walk(stmt.func.body, stmt.func, classes)
        elif stmt.cls is not None:
            yield from _walk(stmt.cls.body, func, (*classes, stmt.cls))
        else:
            yield from _walk(tuple(stmt.children()), func, classes)


# --- judging a value -----------------------------------------------------------------------
def generation(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> tuple[float | None, bool] | None:
    """(bits of randomness or None when not countable, uses the `random` module) of a key made at
    run time; None when `expr` does not generate anything."""
    uses_random = False
    generates = False
    bits: float | None = None
    for sub in expr.walk():
        if sub.kind != "call":
            continue
        callee = index.qualify_expr(mod, sub.func) or ""
        if callee.startswith("random.") or callee in ("choices", "randint", "getrandbits", "randrange"):
            uses_random = generates = True
            if callee.endswith(("choices", "sample")):
                size = sub.arg(1, "k")
                count = _int(size)
                alphabet = _alphabet(index, mod, sub.arg(0))
                if count is not None and alphabet:
                    bits = count * log2(alphabet)
            elif callee.endswith("getrandbits"):
                count = _int(sub.arg(0))
                bits = float(count) if count is not None else None
            elif callee.endswith(("randint", "randrange")):
                high = _int(sub.arg(1) or sub.arg(0))
                bits = log2(high) if high else None
        elif callee in _BYTE_SOURCES or callee.endswith((".token_hex", ".token_urlsafe", ".token_bytes")):
            generates = True
            count = _int(sub.arg(0, "nbytes"))
            default = _BYTE_SOURCES.get(callee, 32)
            if count is None and sub.arg(0, "nbytes") is None and default:
                count = default
            if count is not None:
                bits = 8.0 * count
        elif sub.func.kind == "attr" and sub.func.text == "join" and sub.positional \
                and sub.positional[0].kind == "comp":
            comp = sub.positional[0]
            picked = comp.args[0]
            if picked.kind == "call" and (picked.func.dotted or "").rsplit(".", 1)[-1] == "choice":
                generates = True
                choice_callee = index.qualify_expr(mod, picked.func) or ""
                uses_random = uses_random or choice_callee.startswith("random.")
                count = _range_count(comp.args[1]) if len(comp.args) > 1 else None
                alphabet = _alphabet(index, mod, picked.arg(0))
                if count is not None and alphabet:
                    bits = count * log2(alphabet)
    if not generates:
        return None
    return bits, uses_random


def _int(expr: Expr | None) -> int | None:
    if expr is not None and expr.kind == "num" and expr.text.isdigit():
        return int(expr.text)
    return None


def _range_count(expr: Expr) -> int | None:
    if expr.kind == "call" and expr.func.dotted == "range":
        args = [_int(a) for a in expr.positional]
        if len(args) == 1:
            return args[0]
        if len(args) >= 2 and args[0] is not None and args[1] is not None:
            return args[1] - args[0]
    return None


def _alphabet(index: ProjectIndex, mod: ModuleSummary, expr: Expr | None, depth: int = 0) -> int | None:
    """Number of distinct symbols a generator picks from."""
    if expr is None or depth > 4:
        return None
    qualified = index.qualify_expr(mod, expr) if expr.kind in ("name", "attr") else None
    if qualified in _ALPHABETS:
        return _ALPHABETS[qualified]
    if expr.kind == "binop" and expr.text == "+":
        parts = [_alphabet(index, mod, a, depth + 1) for a in expr.args]
        return sum(p for p in parts if p is not None) if all(p is not None for p in parts) else None
    if expr.kind == "str":
        return len(set(expr.text)) or None
    if expr.kind in ("name", "attr"):
        symbol = index.resolve(mod, expr)
        if symbol is not None and symbol.value is not None:
            return _alphabet(index, symbol.module, symbol.value, depth + 1)
    if expr.kind in ("list", "tuple"):
        return len(expr.args) or None
    return None


def weakness(index: ProjectIndex, origin: Origin) -> Weakness | None:
    """Why the value is a weak key; None when it is not (or cannot be judged).

    Literals are weak when they can be guessed or searched without the source: common words,
    a few repeated characters, under 16 characters, or short runs of digits. A literal that is
    only shorter than the 32 bytes RFC 7518 asks for HS256 is not reported: it is hard-coded,
    which SECRET001 reports, and its length is not what makes it known.
    """
    expr = origin.expr
    if expr.kind == "str":
        text = expr.text
        if origin.via and text.strip("`").upper() == origin.via.strip("`").upper():
            return None  # `SECRET_KEY = "SECRET_KEY"`: the name of a config key, not a key
        if origin.env and is_placeholder(text):
            return None  # `os.getenv("JWT_SECRET", "change-me")`: meant to be replaced, SECRET001's call
        squashed = text.strip().lower()
        if squashed in _GUESSABLE or squashed.replace("-", "").replace("_", "") in _GUESSABLE:
            return Weakness(f"the common word `{_mask(text)}`", False)
        if len(set(text)) <= 4 or shannon_bits(text) < 2.0:
            return Weakness(f"{len(text)} characters drawn from only {len(set(text))} distinct ones", False)
        if len(text.encode()) < MIN_LITERAL_CHARS or (text.isdigit() and len(text) < 20):
            return Weakness(f"only {len(text.encode())} characters long", False)
        return None
    found = generation(index, origin.mod, expr) if expr.kind == "call" else None
    if found is None:
        return None
    bits, uses_random = found
    if uses_random:
        size = f" (about {bits:.0f} bits)" if bits is not None else ""
        return Weakness(f"generated with Python's `random` module{size}, whose output can be predicted and "
                        "whose small key space can be searched", True)
    if bits is not None and bits < MIN_GENERATED_BITS:
        return Weakness(f"generated with only about {bits:.0f} bits of randomness, which an offline brute "
                        "force of one token or cookie recovers", True)
    return None


def _mask(text: str) -> str:
    """A short weak key is shown (it is a dictionary word); anything longer is not."""
    return text if len(text) <= 12 else text[:3] + "..."


__all__ = ["MIN_GENERATED_BITS", "MIN_LITERAL_CHARS", "Origin", "Weakness", "class_attribute", "config_origins",
           "generation", "origins", "weakness"]
