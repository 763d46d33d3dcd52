"""Calls whose meaning is known without the project: string and dict methods (`.format`, `.join`,
`.split`, `.items()`, `.get`...), the builtins `str()`, `int()`, `bool()`, `list()`, `dict()`,
`os.path.join`, `functools.partial` and `typing.cast`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from apilint.summary import Expr, ModuleSummary
from apilint.values.ops import FAILED, cast_value, hashable
from apilint.values.scope import Scope
from apilint.values.types import Value, opaque

if TYPE_CHECKING:
    from apilint.values.evaluator import Evaluator

STR_METHODS: Final = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title",
                                 "capitalize", "removeprefix", "removesuffix", "replace", "split", "rsplit",
                                 "format", "join", "startswith", "endswith"})
"""String methods `method_call` reads."""


def method_call(ev: Evaluator, mod: ModuleSummary, call: Expr, target: Value, scope: Scope | None,
                depth: int) -> Value | None:
    """A string or dict method called on a known value (`target`), None when it cannot be computed."""
    name = call.func.text
    value = target.first
    env = target.from_env
    args = [ev.sub(mod, a, scope, depth) for a in call.positional if a.kind != "starred"]
    if len(args) != len(call.positional) or not all(a.known for a in args):
        if name not in ("format",) or not all(a.known for a in args if a is not None):
            return None
    env = env or any(a.from_env for a in args)
    plain = [a.first for a in args]
    if isinstance(value, dict):
        if name == "items":
            return Value(([(k, v) for k, v in value.items()],), env)
        if name == "keys":
            return Value((list(value),), env)
        if name == "values":
            return Value((list(value.values()),), env)
        if name == "copy":
            return Value((dict(value),), env)
        if name == "get" and plain and hashable(plain[0]):
            return Value((value.get(plain[0], plain[1] if len(plain) > 1 else None),), env)
        return None
    if isinstance(value, str):
        if name == "format":
            kwargs: dict[str, Any] = {}
            for kw in call.keywords:
                if kw.name is None:
                    return None
                item = ev.sub(mod, kw.value, scope, depth)
                if not item.known:
                    return None
                kwargs[kw.name] = item.first
            try:
                return Value((value.format(*plain, **kwargs),), env)
            except (IndexError, KeyError, ValueError, AttributeError):
                return None
        if name == "join" and len(plain) == 1 and isinstance(plain[0], list | tuple):
            if all(isinstance(p, str) for p in plain[0]):
                return Value((value.join(plain[0]),), env)
            return None
        if name in ("split", "rsplit"):
            sep = plain[0] if plain and isinstance(plain[0], str) else None
            return Value(([p for p in getattr(value, name)(sep) if p] if sep is None
                          else getattr(value, name)(sep),), env)
        if name in ("startswith", "endswith") and plain and isinstance(plain[0], str | tuple):
            return Value((getattr(value, name)(plain[0]),), env)
        if name in ("replace", "removeprefix", "removesuffix", "strip", "lstrip", "rstrip") and all(
                isinstance(p, str) for p in plain):
            return Value((getattr(value, name)(*plain),), env)
        if name in ("lower", "upper", "casefold", "title", "capitalize") and not plain:
            return Value((getattr(value, name)(),), env)
    return None


def builtin_call(ev: Evaluator, mod: ModuleSummary, call: Expr, dotted: str, qualified: str, scope: Scope | None,
             depth: int) -> Value | None:
    """A builtin or standard-library call the evaluator knows (`dotted` as written, `qualified`
    through imports), None when it is not one or cannot be computed."""
    if dotted in ("str", "int", "bool", "float", "list", "tuple") and len(call.positional) == 1:
        inner = ev.sub(mod, call.positional[0], scope, depth)
        if not inner.known:
            return None if dotted in ("list", "tuple") else opaque(mod, call, inner.reason(), inner.from_env)
        cast = cast_value(inner.first, dotted)
        return Value((cast,), inner.from_env) if cast is not FAILED else None
    if dotted == "dict":
        merged: dict[Any, Any] = {}
        env = False
        for arg in call.positional[:1]:
            base = ev.sub(mod, arg, scope, depth)
            if not isinstance(base.first, dict):
                return None
            merged.update(base.first)
            env = env or base.from_env
        for kw in call.keywords:
            item = ev.sub(mod, kw.value, scope, depth)
            env = env or item.from_env
            if kw.name is None:
                if not isinstance(item.first, dict):
                    return None
                merged.update(item.first)
            else:
                merged[kw.name] = item.first
        return Value((merged,), env)
    if qualified in ("os.path.join", "posixpath.join") and call.positional:
        parts = [ev.sub(mod, a, scope, depth) for a in call.positional]
        if all(p.known and isinstance(p.first, str) for p in parts):
            import posixpath

            return Value((posixpath.join(*(p.first for p in parts)),), any(p.from_env for p in parts))
    if qualified in ("functools.partial",) and call.positional:
        return ev.sub(mod, call.positional[0], scope, depth)
    if qualified in ("typing.cast", "typing_extensions.cast") and len(call.positional) == 2:
        return ev.sub(mod, call.positional[1], scope, depth)
    return None
