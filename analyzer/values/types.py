"""What the value evaluator returns: possible values (`Value`), what cannot be read (`Opaque`),
project objects used as values (`Ref`, `Instance`), strings with unreadable parts (`Text`), and
helpers that present or convert them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from apilint.summary import Expr, ModuleSummary

if TYPE_CHECKING:
    from apilint.project import Symbol
    from apilint.values.scope import Scope

MAX_OPTIONS: Final = 4
"""At most this many possible values are kept for one expression."""
MAX_DEPTH: Final = 24
"""Expressions nested deeper than this (counting names followed and calls read) are not read."""


@dataclass(frozen=True, eq=False, slots=True)
class Opaque:
    """A value apilint cannot compute: the expression, where it is written, and why."""

    mod: ModuleSummary
    expr: Expr
    reason: str
    scope: Scope | None = None
    """The function scope the expression was read in (its local names, `self`), when any."""

    def render(self, limit: int = 40) -> str:
        """The expression's approximate source text."""
        return self.expr.render(limit)

    def __repr__(self) -> str:
        return f"Opaque({self.render()!r}: {self.reason})"


@dataclass(frozen=True, eq=False, slots=True)
class Ref:
    """A project definition used as a value: a function or a class (`Depends(get_user)`)."""

    symbol: Symbol

    def __repr__(self) -> str:
        return f"Ref({self.symbol.qualname})"


@dataclass(frozen=True, eq=False, slots=True)
class Instance:
    """An object of a project class built by a call (`Settings()`, `JWTBearer(auto_error=False)`)."""

    cls: Symbol
    call: Expr
    mod: ModuleSummary
    """The module the constructor call is written in (its arguments are read there)."""
    scope: Scope | None = None
    origin: tuple[ModuleSummary, Expr] | None = None
    """The name the object is bound to where it is made (`router = PrefectRouter(...)`), if any."""

    def __repr__(self) -> str:
        return f"Instance({self.cls.qualname})"


@dataclass(frozen=True, slots=True)
class Value:
    """The possible values of an expression, first the one the app most likely computes."""

    options: tuple[Any, ...]
    from_env: bool = False

    @property
    def first(self) -> Any:
        """The likeliest value (an `Opaque` when unknown)."""
        return self.options[0]

    @property
    def known(self) -> bool:
        """True when the first value is fully known (no `Opaque`, `Ref` or `Instance` inside)."""
        return is_plain(self.first)

    @property
    def conditional(self) -> bool:
        """True when more than one value is possible."""
        return len(self.options) > 1

    def reason(self) -> str:
        """Why the first value is unknown (empty when it is known)."""
        for item in _leaves(self.first):
            if isinstance(item, Opaque):
                return item.reason if item.reason.startswith("`") else f"`{item.render()}`: {item.reason}"
            if isinstance(item, Ref | Instance):
                return f"`{item!r}` is an object, not a literal"
        return ""


@dataclass(frozen=True, slots=True)
class Text:
    """A string as the app builds it, with `{?expr}` for each part apilint cannot read."""

    text: str
    unresolved: tuple[str, ...] = ()
    """The source text of every part that could not be read."""
    alternatives: tuple[str, ...] = ()
    """Other values the string may take (a name reassigned under an `if`)."""
    from_env: bool = False
    reasons: tuple[str, ...] = ()
    """Why each unresolved part cannot be read (same order as `unresolved`)."""

    @property
    def known(self) -> bool:
        """True when every part was read."""
        return not self.unresolved


def is_plain(value: Any) -> bool:
    """True for values made only of literals (str, numbers, bools, None, lists, tuples, dicts)."""
    return all(not isinstance(item, Opaque | Ref | Instance) for item in _leaves(value))


def _leaves(value: Any, depth: int = 0) -> Iterator[Any]:
    if depth > 8:
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item, depth + 1)
    else:
        yield value



def opaque(mod: ModuleSummary, expr: Expr, reason: str, from_env: bool = False) -> Value:
    """A value that cannot be read: `expr` in `mod`, with the reason."""
    return Value((Opaque(mod, expr, reason),), from_env)


def as_expr(mod: ModuleSummary, value: Any) -> tuple[ModuleSummary, Expr] | None:
    """An expression standing for a value, with its module: what an adapter can resolve."""
    if isinstance(value, Opaque):
        return value.mod, value.expr
    if isinstance(value, Instance):
        return value.origin if value.origin is not None else (value.mod, value.call)
    if isinstance(value, Ref):
        return value.symbol.module, Expr("name", value.symbol.qualname.rsplit(".", 1)[-1], line=value.symbol.line)
    if isinstance(value, str):
        return mod, Expr("str", value)
    return None



def render_value(value: Any) -> str:
    """Source-like text of a value (`True`, `5242880`, `["a", "b"]`, `<unknown>`)."""
    import json

    if isinstance(value, Opaque | Ref | Instance):
        return "<unknown>"
    if value is None or isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {render_value(v)}" for k, v in value.items()) + "}"
    return "<unknown>"


def placeholder(source: str) -> str:
    """`{?expr}`: how an unreadable part of a path is shown (slashes and braces kept out)."""
    cleaned = source.replace("/", "|").replace("{", "(").replace("}", ")")
    return "{?" + cleaned + "}"


def iter_items(values: Iterable[Any]) -> Iterator[Any]:
    """Flatten one level of possible values into items (helper for adapters)."""
    for value in values:
        if isinstance(value, list | tuple):
            yield from value
        else:
            yield value

