"""`Edit`: what one fix plan changes in a file, and the one transformer pass that applies many.

An edit is built against the original tree: node transforms (a function from the node as
rewritten so far to its replacement), statements to insert before or after a statement or at
the start of a function or class body, module-level statements to place after the imports,
and imports. Edits of different plans are applied together in one pass when they do not
overlap; two transforms overlap when one node contains the other and the outer one replaces
its node wholesale (the inner edit would be lost), or when one node gets a wholesale
replacement and another edit. Such a plan waits for the next pass (`apilint.fixes.apply`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst
from apilint.fixes.document import Document, FixError, parse_statements
from apilint.fixes.imports import ImportRequest, add_imports, leading_import_end

Transform = Callable[[cst.CSTNode], cst.CSTNode]


@dataclass
class Edit:
    """The changes one plan makes to one document."""

    doc: Document
    transforms: list[tuple[cst.CSTNode, Transform, bool]] = field(default_factory=list)
    """(original node, transform, wholesale) in the order they apply."""
    before: list[tuple[cst.CSTNode, list[cst.BaseStatement]]] = field(default_factory=list)
    after: list[tuple[cst.CSTNode, list[cst.BaseStatement]]] = field(default_factory=list)
    body_start: list[tuple[cst.CSTNode, list[cst.BaseStatement]]] = field(default_factory=list)
    prologue: list[tuple[str, str]] = field(default_factory=list)
    """(name it binds, statement code) placed once after the imports unless the name exists."""
    imports: list[ImportRequest] = field(default_factory=list)

    def replace(self, node: cst.CSTNode, transform: Transform, wholesale: bool = False) -> None:
        """Rewrite `node` (of the original tree) with `transform`."""
        self.transforms.append((node, transform, wholesale))

    def statements(self, code: str) -> list[cst.BaseStatement]:
        """Statements parsed from `code` (four-space indents) in this file's indent and line ending."""
        return parse_statements(code, self.doc.module)

    def insert_before(self, statement: cst.CSTNode, code: str) -> None:
        """Insert statements before the statement holding `statement` (same block)."""
        self.before.append((self._placeable(statement), self.statements(code)))

    def insert_after(self, statement: cst.CSTNode, code: str) -> None:
        """Insert statements after the statement holding `statement` (same block)."""
        self.after.append((self._placeable(statement), self.statements(code)))

    def insert_at_body_start(self, owner: cst.FunctionDef | cst.ClassDef, code: str) -> None:
        """Insert statements first in a function or class body (after its docstring)."""
        if not isinstance(owner.body, cst.IndentedBlock):
            raise FixError(f"{self.doc.source.path}: a one-line body cannot take another statement")
        self.body_start.append((owner, self.statements(code)))

    def _placeable(self, statement: cst.CSTNode) -> cst.CSTNode:
        line = self.doc.line_of(statement)
        parent = self.doc.parent(line)
        if not isinstance(parent, (cst.Module, cst.IndentedBlock)):
            raise FixError(f"{self.doc.source.path}: a statement on a one-line block cannot get a neighbour")
        return line

    def ranges(self) -> list[tuple[tuple[int, int, int, int], bool, cst.CSTNode]]:
        """(start line, start column, end line, end column) of each transformed node."""
        out = []
        for node, _, wholesale in self.transforms:
            where = self.doc.range(node)
            out.append(((where.start.line, where.start.column, where.end.line, where.end.column), wholesale, node))
        return out


def overlaps(first: Edit, second: Edit) -> bool:
    """True when applying both in one pass could lose or corrupt one of them."""
    for a, a_whole, a_node in first.ranges():
        for b, b_whole, b_node in second.ranges():
            if a_node is b_node:
                if a_whole or b_whole:
                    return True
                continue
            if (_contains(a, b) and a_whole) or (_contains(b, a) and b_whole):
                return True
            if not (_contains(a, b) or _contains(b, a) or _disjoint(a, b)):
                return True
    return False


def _contains(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
    return (outer[0], outer[1]) <= (inner[0], inner[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


def _disjoint(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return (a[2], a[3]) <= (b[0], b[1]) or (b[2], b[3]) <= (a[0], a[1])


class _Apply(cst.CSTTransformer):
    def __init__(self, edits: Sequence[Edit]) -> None:
        super().__init__()
        self.transforms: dict[cst.CSTNode, list[Transform]] = {}
        self.before: dict[cst.CSTNode, list[cst.BaseStatement]] = {}
        self.after: dict[cst.CSTNode, list[cst.BaseStatement]] = {}
        self.body_start: dict[cst.CSTNode, list[cst.BaseStatement]] = {}
        for edit in edits:
            for node, transform, _ in edit.transforms:
                self.transforms.setdefault(node, []).append(transform)
            for target, items in ((self.before, edit.before), (self.after, edit.after),
                                  (self.body_start, edit.body_start)):
                for node, statements in items:
                    target.setdefault(node, []).extend(statements)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        node = updated_node
        if isinstance(original_node, (cst.Module, cst.IndentedBlock)) and (self.before or self.after):
            node = self._neighbours(original_node, node)
        if original_node in self.body_start:
            node = _prepend_body(node, self.body_start[original_node])
        for transform in self.transforms.get(original_node, ()):
            node = transform(node)
        return node

    def _neighbours(self, original: cst.Module | cst.IndentedBlock, updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, (cst.Module, cst.IndentedBlock))
        if not any(s in self.before or s in self.after for s in original.body):
            return updated
        if len(original.body) != len(updated.body):
            raise FixError("a block changed shape while statements were inserted")
        body: list[cst.BaseStatement] = []
        for old, new in zip(original.body, updated.body, strict=True):
            body += self.before.get(old, [])
            body.append(new)
            body += self.after.get(old, [])
        return updated.with_changes(body=body)


def _prepend_body(node: cst.CSTNode, statements: list[cst.BaseStatement]) -> cst.CSTNode:
    assert isinstance(node, (cst.FunctionDef, cst.ClassDef)) and isinstance(node.body, cst.IndentedBlock)
    body = list(node.body.body)
    at = 1 if body and _is_docstring(body[0]) else 0
    body[at:at] = statements
    return node.with_changes(body=node.body.with_changes(body=body))


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(
        statement.body[0], cst.Expr) and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def apply_edits(doc: Document, edits: Sequence[Edit], package: str) -> cst.Module:
    """The document's new module with every edit applied (in one pass)."""
    module = doc.module.visit(_Apply(edits))
    assert isinstance(module, cst.Module)
    module = add_imports(module, [r for e in edits for r in e.imports], package, doc.source.module_name)
    prologue: list[tuple[str, str]] = []
    for edit in edits:
        prologue += [p for p in edit.prologue if p not in prologue]
    if prologue:
        module = _add_prologue(doc, module, prologue)
    return module


def _add_prologue(doc: Document, module: cst.Module, prologue: list[tuple[str, str]]) -> cst.Module:
    existing = doc.module_names()
    body: list[cst.BaseStatement] = list(module.body)
    at = leading_import_end(body)
    new: list[cst.BaseStatement] = []
    for name, code in prologue:
        if name in existing:
            continue
        existing.add(name)
        statement = parse_statements(code, module)[0]
        if not new and isinstance(statement, cst.SimpleStatementLine):
            statement = statement.with_changes(leading_lines=[cst.EmptyLine()])
        new.append(statement)
    body[at:at] = new
    return module.with_changes(body=body)
