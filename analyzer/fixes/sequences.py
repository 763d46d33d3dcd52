"""Insert into and remove from comma-separated sequences (call arguments, parameters, list and
dict elements, import names) keeping their layout: one line or one item a line, with or
without a trailing comma.

libcst keeps the space after a separator on the comma (`Comma.whitespace_after`) and the
space before the closing bracket on the last item (`whitespace_after_arg`,
`whitespace_after_param`, or nowhere for list elements), so these helpers move exactly those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import libcst as cst

T = TypeVar("T", bound=cst.CSTNode)

_AFTER = ("whitespace_after_arg", "whitespace_after_param")
_SPACE = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _trailing(item: cst.CSTNode) -> str | None:
    for name in _AFTER:
        if hasattr(item, name):
            return name
    return None


def separator(items: Sequence[cst.CSTNode], opening: cst.BaseParenthesizableWhitespace | None = None) -> cst.Comma:
    """The comma style between items: the first real separator, else one like the opening
    bracket's whitespace (one item a line), else `, `."""
    for item in items[:-1]:
        comma = getattr(item, "comma", None)
        if isinstance(comma, cst.Comma):
            return comma
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=opening)
    return _SPACE


def insert(items: Sequence[T], index: int, new: T,
           opening: cst.BaseParenthesizableWhitespace | None = None) -> list[T]:
    """`items` with `new` inserted at `index`, commas and closing whitespace moved as needed."""
    out = list(items)
    sep = separator(out, opening)
    new = new.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if not out:
        return [new]
    if index < len(out):
        return [*out[:index], new.with_changes(comma=sep), *out[index:]]
    last = out[-1]
    trailing = _trailing(last)
    if isinstance(getattr(last, "comma", None), cst.Comma):  # a trailing comma: the new item gets it
        return [*out[:-1], last.with_changes(comma=sep), new.with_changes(comma=last.comma)]  # type: ignore[attr-defined]
    changes: dict[str, object] = {"comma": sep}
    if trailing is not None:
        new = new.with_changes(**{trailing: getattr(last, trailing)})
        changes[trailing] = cst.SimpleWhitespace("")
    return [*out[:-1], last.with_changes(**changes), new]


def remove(items: Sequence[T], index: int) -> list[T]:
    """`items` without the item at `index`, keeping a trailing comma and closing whitespace."""
    out = list(items)
    gone = out.pop(index)
    if index == len(out) and out:  # the last item went: its predecessor becomes last
        prev = out[-1]
        changes: dict[str, object] = {"comma": getattr(gone, "comma", cst.MaybeSentinel.DEFAULT)}
        trailing = _trailing(prev)
        if trailing is not None:
            changes[trailing] = getattr(gone, trailing)
        out[-1] = prev.with_changes(**changes)
    return out
