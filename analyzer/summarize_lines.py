"""Statement line numbers for the summarize walk. CPython's `ast` (about 0.1 parse) hands out
statement lines in pre-order, paired with libcst's statements as the walk meets them and checked
for agreeing kinds; `PosLines` reads libcst's `PositionProvider` instead for files where the two
trees do not pair up (syntax this interpreter's `ast` cannot read).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst


class LineMismatch(Exception):
    """The ast and libcst statement sequences did not pair up."""


class AstLines:
    """Hands out (line, end_line, decorator lines) for statements in pre-order."""

    def __init__(self, tree: ast.Module) -> None:
        self._it: Iterator[ast.AST] = self._flatten(tree.body)

    def _flatten(self, body: list[Any]) -> Iterator[ast.AST]:
        node: Any
        for node in body:
            yield node
            if type(node).__name__ in ("Try", "TryStar"):
                yield from self._flatten(node.body)
                for handler in node.handlers:
                    yield handler
                    yield from self._flatten(handler.body)
                yield from self._flatten(node.orelse)
                yield from self._flatten(node.finalbody)
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    yield case
                    yield from self._flatten(case.body)
            else:
                yield from self._flatten(getattr(node, "body", []))
                yield from self._flatten(getattr(node, "orelse", []))

    def next(self, kind: str) -> tuple[int, int, tuple[int, ...]]:
        """(line, end line, decorator lines) of the next statement, which must be of `kind`."""
        node = next(self._it, None)
        if node is None:
            raise LineMismatch(kind)
        expected = _AST_KINDS.get(kind)
        if expected is not None and type(node).__name__ not in expected:
            raise LineMismatch(f"{kind} vs {type(node).__name__}")
        if isinstance(node, ast.match_case):
            line = node.pattern.lineno
            end = node.body[-1].end_lineno if node.body else line
            return line, end or line, ()
        decorators = tuple(d.lineno for d in getattr(node, "decorator_list", ()))
        line = node.lineno  # type: ignore[attr-defined]
        return line, getattr(node, "end_lineno", line) or line, decorators

    def finish(self) -> None:
        """Check that every ast statement was handed out."""
        if next(self._it, None) is not None:
            raise LineMismatch("ast has more statements")


_AST_KINDS: dict[str, tuple[str, ...]] = {
    "def": ("FunctionDef", "AsyncFunctionDef"),
    "class": ("ClassDef",),
    "if": ("If",),
    "for": ("For", "AsyncFor"),
    "while": ("While",),
    "with": ("With", "AsyncWith"),
    "try": ("Try", "TryStar"),
    "except": ("ExceptHandler",),
    "return": ("Return",),
    "assign": ("Assign",),
    "annassign": ("AnnAssign",),
    "augassign": ("AugAssign",),
    "match": ("Match",),
    "case": ("match_case",),
}


class PosLines:
    """Fallback: lines from libcst's PositionProvider (slower, always agrees with libcst)."""

    def __init__(self, module: cst.Module) -> None:
        from libcst.metadata import MetadataWrapper, PositionProvider

        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self._pos = wrapper.resolve(PositionProvider)

    def at(self, node: cst.CSTNode) -> tuple[int, int]:
        """(line, end line) of a node ((0, 0) when it has no position)."""
        rng = self._pos.get(node)
        if rng is None:
            return 0, 0
        return rng.start.line, rng.end.line
