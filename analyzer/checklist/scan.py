"""Project-wide look-ups the checklist needs: calls of known library functions and literal
strings, found through the summaries' word pre-filter so that only candidate modules are walked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary, walk_exprs


@dataclass(frozen=True, slots=True)
class Hit:
    """A call or literal found in the project."""

    module: ModuleSummary
    line: int
    expr: Expr
    qualname: str = ""

    @property
    def location(self) -> Location:
        """Where it is."""
        return Location(self.module.path, self.line)


def calls_named(index: ProjectIndex, words: Iterable[str], wanted: frozenset[str]) -> Iterator[Hit]:
    """Calls whose callee's qualified name, or its last one or two parts, is in `wanted`.

    `words` are lower-cased words one of which a module must contain to be walked at all.
    """
    words = tuple(words)
    for mod in index:
        if not any(mod.mentions(w) for w in words):
            continue
        for stmt, expr in walk_exprs(mod.body, into_defs=True):
            if expr.kind != "call":
                continue
            qualname = index.qualify_expr(mod, expr.func) or ""
            parts = qualname.split(".")
            if qualname in wanted or parts[-1] in wanted or ".".join(parts[-2:]) in wanted:
                yield Hit(mod, stmt.line, expr, qualname)


def strings_matching(index: ProjectIndex, word: str, text: str) -> Iterator[Hit]:
    """String literals equal to `text` (case-insensitive) in modules that mention `word`."""
    lowered = text.lower()
    for mod in index:
        if not mod.mentions(word):
            continue
        for stmt, expr in walk_exprs(mod.body, into_defs=True):
            if expr.kind == "str" and expr.text.lower() == lowered:
                yield Hit(mod, stmt.line, expr)


__all__ = ["Hit", "calls_named", "strings_matching"]
