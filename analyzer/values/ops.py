"""Operators and conversions on plain values: `+`, `%`, `|`, comparisons and casts, as Python
computes them, with `FAILED` where the result cannot be computed."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Final

from apilint.values.types import is_plain

_TRUE_WORDS: Final = frozenset({"true", "1", "yes", "on", "y", "t"})


class _Failed:
    """The type of `FAILED`."""

    def __repr__(self) -> str:
        return "FAILED"


FAILED: Final = _Failed()
"""What an operation returns when its result cannot be computed (None is a value)."""


def hashable(value: Any) -> bool:
    """True when the value can be a dict key."""
    try:
        hash(value)
    except TypeError:
        return False
    return True


def to_str(value: Any) -> str:
    """`str(value)`, as an f-string or `str()` renders it."""
    if isinstance(value, bool) or value is None:
        return str(value)
    return value if isinstance(value, str) else str(value)


def apply_binop(op: str, a: Any, b: Any) -> Any:
    """`a <op> b` for the operators the evaluator reads (`FAILED` when it cannot be computed)."""
    if op == "+" and isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) + list(b) if isinstance(a, list) else tuple(a) + tuple(b)  # objects inside are fine
    if not (is_plain(a) and is_plain(b)):
        return FAILED
    try:
        if op == "+":
            if isinstance(a, str) and isinstance(b, str):
                return a + b
            if isinstance(a, list | tuple) and isinstance(b, list | tuple):
                return list(a) + list(b) if isinstance(a, list) else tuple(a) + tuple(b)
            if isinstance(a, int | float) and isinstance(b, int | float):
                return a + b
        if op == "%" and isinstance(a, str):
            return a % (tuple(b) if isinstance(b, list | tuple) else b)
        if op == "|" and isinstance(a, dict) and isinstance(b, dict):
            return {**a, **b}
        if op in ("|", "-", "&") and isinstance(a, list | tuple) and isinstance(b, list | tuple):
            # set algebra (sets are read as lists: lists and tuples have no `|`, `-` or `&`)
            if op == "|":
                return list(dict.fromkeys([*a, *b]))
            return [x for x in a if (x in b) == (op == "&")]
        if op in ("*", "-", "//", "**", "/") and isinstance(a, int | float) and isinstance(b, int | float):
            if op == "**" and (not isinstance(b, int) or b > 64):
                return FAILED
            ops: dict[str, Callable[[Any, Any], Any]] = {
                "*": operator.mul, "-": operator.sub, "//": operator.floordiv, "**": operator.pow,
                "/": operator.truediv}
            return ops[op](a, b)
        if op == "*" and isinstance(a, str) and isinstance(b, int) and 0 <= b < 64:
            return a * b
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return FAILED
    return FAILED


_COMPARE: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq, "!=": operator.ne, "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
    "is": operator.is_, "is not": operator.is_not, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge,
}


def compare_values(op: str, left: Any, right: Any) -> bool:
    """Apply a comparison operator by its source text; KeyError for unsupported operators."""
    return bool(_COMPARE[op.strip()](left, right))


def cast_value(value: Any, cast: str) -> Any:
    """`bool(value)`, `int(value)`... as environment readers cast a default (`FAILED` when it cannot)."""
    if cast == "bool" and isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    if cast == "bool":
        return bool(value)
    if cast == "int" and isinstance(value, str | float | bool | int):
        try:
            return int(value)
        except ValueError:
            return FAILED
    if cast == "float" and isinstance(value, str | int | float):
        try:
            return float(value)
        except ValueError:
            return FAILED
    if cast in ("list", "tuple") and isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if cast in ("list", "tuple") and isinstance(value, list | tuple | dict):
        return list(value)
    if cast == "str":
        return to_str(value)
    return value

