"""A file parsed for editing: its libcst tree, node positions and the lookups codemods need.

Only files that have a fix plan are parsed here, so positions come from libcst's
`PositionProvider` (the summarize pass never pays for them). Plans name a statement by its
first line (the `def` line for functions, as the summaries do) and a call inside it by its
callee and its order among calls to that callee.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, ParentNodeProvider, PositionProvider

STATEMENT = (cst.BaseSmallStatement, cst.BaseCompoundStatement)


class FixError(Exception):
    """A plan that cannot be written into this file (what the codemod expected is not there)."""


@dataclass(frozen=True)
class Source:
    """A file's bytes and where it is: the project-relative path and the dotted module name."""

    path: str
    data: bytes
    module_name: str = ""


class Document:
    """One parsed file with positions, parents and statement lookups (built once per pass)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        try:
            self.module = cst.parse_module(source.data)
        except cst.ParserSyntaxError as exc:
            raise FixError(f"cannot parse {source.path}: {str(exc).splitlines()[0]}") from None
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.positions = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self._by_line: dict[int, list[cst.CSTNode]] = {}
        for node, where in self.positions.items():
            if isinstance(node, STATEMENT):
                self._by_line.setdefault(where.start.line, []).append(node)

    @property
    def newline(self) -> str:
        """The file's line ending."""
        return self.module.default_newline

    def range(self, node: cst.CSTNode) -> CodeRange:
        """Where a node of the original tree is (1-based lines, 0-based columns)."""
        return self.positions[node]

    def statements_at(self, line: int) -> list[cst.CSTNode]:
        """Small and compound statements that start on `line`, outermost first."""
        found = self._by_line.get(line, [])
        return sorted(found, key=lambda n: (self.range(n).start.column, -self.range(n).end.line))

    def statement_at(self, line: int, kind: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...] | None = None
                     ) -> cst.CSTNode:
        """The statement starting on `line` (of `kind`, when given); FixError when there is none."""
        for node in self.statements_at(line):
            if kind is None or isinstance(node, kind):
                return node
        raise FixError(f"{self.source.path}:{line}: the statement the fix expects is not there")

    def function_at(self, line: int) -> cst.FunctionDef:
        """The function whose `def` is on `line`."""
        node = self.statement_at(line, cst.FunctionDef)
        assert isinstance(node, cst.FunctionDef)
        return node

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The node's parent in the original tree (None for the module)."""
        return self.parents.get(node)

    def line_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The statement that sits in a block for `node`: a small statement's line, else itself."""
        parent = self.parent(node)
        if isinstance(node, cst.BaseSmallStatement) and isinstance(parent, cst.SimpleStatementLine):
            return parent
        return node

    def enclosing(self, node: cst.CSTNode, kind: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]
                  ) -> cst.CSTNode | None:
        """The nearest ancestor of `kind`."""
        current = self.parent(node)
        while current is not None and not isinstance(current, kind):
            current = self.parent(current)
        return current

    def calls(self, statement: cst.CSTNode, callee: str, decorators_only: bool = False) -> list[cst.Call]:
        """Calls to `callee` (dotted as the summary renders it, or `.method`) in a statement, in
        source order.

        Compound statements are searched in their header only (decorators, test, iterable,
        with-items), never in their body.
        """
        roots: list[cst.CSTNode]
        if decorators_only and isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            roots = list(statement.decorators)
        else:
            roots = list(_header(statement))
        out: list[cst.Call] = []
        for root in roots:
            for node in _preorder(root):
                if isinstance(node, cst.Call) and _matches(node, callee):
                    out.append(node)
        return out

    def call(self, line: int, callee: str, ordinal: int = 0, decorators_only: bool = False) -> cst.Call:
        """The `ordinal`-th call to `callee` in the statement starting on `line`."""
        for statement in self.statements_at(line):
            found = self.calls(statement, callee, decorators_only)
            if len(found) > ordinal:
                return found[ordinal]
        raise FixError(f"{self.source.path}:{line}: no call to {callee} where the fix expects it")

    def module_names(self) -> set[str]:
        """Names bound at module level: assignments, defs, classes and imports."""
        names: set[str] = set()
        for statement in self.module.body:
            names |= bound_names(statement)
        return names

    def code(self, node: cst.CSTNode) -> str:
        """Source text of a node (as libcst writes it in this module)."""
        return self.module.code_for_node(node)


def _matches(call: cst.Call, callee: str) -> bool:
    """`callee` is a dotted name, or `.method` for that method called on anything."""
    if callee.startswith("."):
        return isinstance(call.func, cst.Attribute) and call.func.attr.value == callee[1:]
    return dotted(call.func) == callee


def dotted(node: cst.CSTNode) -> str | None:
    """`a.b.c` for a chain of names and attributes, else None (as the summaries' `Expr.dotted`)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base is not None else None
    return None


def parse_statements(code: str, module: cst.Module) -> list[cst.BaseStatement]:
    """Statements parsed from `code` (four-space indents, `\n` line ends) in `module`'s indent and
    line ending, so what a fix inserts looks like the code around it."""
    indent = module.default_indent
    lines = code.strip("\n").splitlines()
    if indent != "    ":
        lines = [_reindent(line, indent) for line in lines]
    text = module.default_newline.join(lines) + module.default_newline
    parsed = cst.parse_module(text, config=module.config_for_parsing)
    return list(parsed.body)


def parse_expression(code: str, module: cst.Module) -> cst.BaseExpression:
    """An expression parsed in `module`'s configuration."""
    return cst.parse_expression(code, config=module.config_for_parsing)


def _reindent(line: str, indent: str) -> str:
    stripped = line.lstrip(" ")
    return indent * ((len(line) - len(stripped)) // 4) + stripped


def bound_names(statement: cst.CSTNode) -> set[str]:
    """Names a top-level statement binds (entering if/try blocks, not functions or classes)."""
    names: set[str] = set()
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        names.add(statement.name.value)
    elif isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    names |= _target_names(target.target)
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                names |= _target_names(small.target)
            elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    names.add(_bound_alias(alias))
    elif isinstance(statement, (cst.If, cst.Try, cst.With)):
        for child in _blocks(statement):
            for inner in child:
                names |= bound_names(inner)
    return names


def _bound_alias(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    full = dotted(alias.name) or ""
    return full.split(".")[0]


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        out: set[str] = set()
        for element in target.elements:
            out |= _target_names(element.value)
        return out
    return set()


def _blocks(statement: cst.CSTNode) -> Iterator[tuple[cst.BaseStatement, ...]]:
    """The statement lists directly inside an if/try/with statement."""
    for name in ("body", "orelse", "finalbody"):
        part = getattr(statement, name, None)
        while part is not None:
            body = getattr(part, "body", None)
            if isinstance(body, cst.BaseSuite) and isinstance(body.body, (list, tuple)):
                yield tuple(s for s in body.body if isinstance(s, cst.BaseStatement))
            elif isinstance(body, (list, tuple)):
                yield tuple(s for s in body if isinstance(s, cst.BaseStatement))
            part = getattr(part, "orelse", None) if isinstance(part, cst.If) else None
    for handler in getattr(statement, "handlers", ()):
        if isinstance(handler.body, cst.IndentedBlock):
            yield tuple(handler.body.body)


def _header(statement: cst.CSTNode) -> Iterator[cst.CSTNode]:
    if isinstance(statement, cst.FunctionDef):
        yield from statement.decorators
        yield statement.params
        if statement.returns is not None:
            yield statement.returns
    elif isinstance(statement, cst.ClassDef):
        yield from statement.decorators
        yield from statement.bases
        yield from statement.keywords
    elif isinstance(statement, (cst.If, cst.While)):
        yield statement.test
    elif isinstance(statement, cst.For):
        yield statement.target
        yield statement.iter
    elif isinstance(statement, cst.With):
        yield from statement.items
    elif isinstance(statement, cst.BaseCompoundStatement):
        return
    else:
        yield statement


def _preorder(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))
