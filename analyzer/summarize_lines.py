"""Statement line numbers for the summarize walk. CPython's `ast` (about 0.1 parse) hands out
statement lines in pre-order, paired with libcst's statements as the walk meets them and checked
for agreeing kinds; `PosLines` reads libcst's `PositionProvider` instead for files where the two
trees do not pair up (syntax this interpreter's `ast` cannot read).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst


class LineMismatch(Exception):
    """The ast and libcst statement sequences did not pair up."""


class AstLines:
    """Hands out (line, end_line, decorator lines) for statements in pre-order."""

    def __init__(self, tree: ast.Module) -> None:
        self._nodes: list[Any] = []
        _flatten(tree.body, self._nodes)
        self._at = 0

    def next(self, kind: str) -> tuple[int, int, tuple[int, ...]]:
        """(line, end line, decorator lines) of the next statement, which must be of `kind`."""
        at = self._at
        if at >= len(self._nodes):
            raise LineMismatch(kind)
        node = self._nodes[at]
        self._at = at + 1
        node_type = type(node)
        expected = _AST_KINDS.get(kind)
        if expected is not None and node_type not in expected:
            raise LineMismatch(f"{kind} vs {node_type.__name__}")
        if node_type is ast.match_case:
            line = node.pattern.lineno
            end = node.body[-1].end_lineno if node.body else line
            return line, end or line, ()
        decorators = tuple(d.lineno for d in node.decorator_list) if node_type in _DECORATED else ()
        line = node.lineno
        return line, node.end_lineno or line, decorators

    def finish(self) -> None:
        """Check that every ast statement was handed out."""
        if self._at < len(self._nodes):
            raise LineMismatch("ast has more statements")


def _types(*names: str) -> frozenset[type]:
    """The `ast` classes of these names that this interpreter has (`TryStar` is 3.11+)."""
    return frozenset(getattr(ast, name) for name in names if hasattr(ast, name))


_TRY = _types("Try", "TryStar")
_WITH_BODY = _types("FunctionDef", "AsyncFunctionDef", "ClassDef", "If", "For", "AsyncFor", "While", "With",
                    "AsyncWith")
_DECORATED = _types("FunctionDef", "AsyncFunctionDef", "ClassDef")


def _flatten(body: list[Any], out: list[Any]) -> None:
    """Statements (and except handlers, match cases) in the order the libcst walk meets them."""
    for node in body:
        out.append(node)
        node_type = type(node)
        if node_type in _WITH_BODY:
            _flatten(node.body, out)
            orelse = getattr(node, "orelse", None)
            if orelse:
                _flatten(orelse, out)
        elif node_type in _TRY:
            _flatten(node.body, out)
            for handler in node.handlers:
                out.append(handler)
                _flatten(handler.body, out)
            _flatten(node.orelse, out)
            _flatten(node.finalbody, out)
        elif node_type is ast.Match:
            for case in node.cases:
                out.append(case)
                _flatten(case.body, out)


_AST_KINDS: dict[str, frozenset[type]] = {
    "def": _types("FunctionDef", "AsyncFunctionDef"),
    "class": _types("ClassDef"),
    "if": _types("If"),
    "for": _types("For", "AsyncFor"),
    "while": _types("While"),
    "with": _types("With", "AsyncWith"),
    "try": _TRY,
    "except": _types("ExceptHandler"),
    "return": _types("Return"),
    "assign": _types("Assign"),
    "annassign": _types("AnnAssign"),
    "augassign": _types("AugAssign"),
    "match": _types("Match"),
    "case": _types("match_case"),
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
