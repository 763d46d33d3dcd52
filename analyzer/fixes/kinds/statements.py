"""Statement-level codemods.

- `statement-value`: replace the value of the statement on the plan's line (an assignment's
  value, an `if`/`while` test, a `return` value) with a template over the old one
  (`@{value}`); optionally insert statements after it unless a module-level name exists
  (ERR002 `DEBUG = ...`, LIMIT003 `min(..., 100)`, CORS001 settings, AUTHZ001 guards).
- `insert-statements`: statements before or after the statement on the line, first in the
  body of the function defined there, or last in the class defined there (LIMIT003
  `limit = min(limit, 100)`, AUTHZ001 guards and `get_queryset` overrides).
- `dict-entries`: entries added to the dict literal assigned on the line (LIMIT003's DRF
  pagination settings), in the dict's layout.

Parameters: `template`, `code` (statements, four-space indents), `where`
(`before` | `after` | `body` | `class-end`), `unless_defined` (a module-level name), `entries`
(`key=code`).
"""

from __future__ import annotations

import libcst as cst
from apilint.fixes import sequences
from apilint.fixes.document import FixError, parse_expression
from apilint.fixes.edits import Edit
from apilint.fixes.kinds import FixContext
from apilint.model import FixPlan

_VALUED = (cst.Assign, cst.AnnAssign, cst.Return, cst.If, cst.While, cst.Expr)
_LOOSE = (cst.IfExp, cst.Lambda, cst.NamedExpr, cst.Yield)


def _value_node(statement: cst.CSTNode) -> cst.BaseExpression:
    if isinstance(statement, (cst.If, cst.While)):
        return statement.test
    value = getattr(statement, "value", None)
    if not isinstance(value, cst.BaseExpression):
        raise FixError("the statement has no value to rewrite")
    return value


def statement_value(plan: FixPlan, ctx: FixContext) -> Edit:
    """The `statement-value` codemod."""
    statement = ctx.doc.statement_at(plan.line, _VALUED)
    old = _value_node(statement)
    old_code = ctx.doc.code(old)
    if isinstance(old, _LOOSE):
        old_code = f"({old_code})"
    edit = ctx.edit()
    new_code = ctx.render(plan.param("template"), edit, value=old_code)
    module = ctx.doc.module
    replacement = parse_expression(new_code, module)

    def transform(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.BaseExpression)
        return replacement

    edit.replace(old, transform, wholesale=True)
    code = plan.param("code")
    unless = plan.param("unless_defined")
    if code and not (unless and unless in ctx.doc.module_names()):
        edit.insert_after(statement, ctx.render(code, edit))
    return edit


def insert_statements(plan: FixPlan, ctx: FixContext) -> Edit:
    """The `insert-statements` codemod."""
    edit = ctx.edit()
    unless = plan.param("unless_defined")
    if unless and unless in ctx.doc.module_names():
        raise FixError(f"`{unless}` is already defined")
    code = ctx.render(plan.param("code"), edit)
    where = plan.param("where", "after")
    if where == "body":
        edit.insert_at_body_start(ctx.doc.function_at(plan.line), code)
        return edit
    if where == "class-end":
        owner = ctx.doc.statement_at(plan.line, cst.ClassDef)
        assert isinstance(owner, cst.ClassDef)
        if not isinstance(owner.body, cst.IndentedBlock):
            raise FixError("a one-line class body cannot take a method")
        statements = [s.with_changes(leading_lines=[cst.EmptyLine(indent=False)]) if i == 0 else s
                      for i, s in enumerate(edit.statements(code))]

        def append(node: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(node, cst.ClassDef) and isinstance(node.body, cst.IndentedBlock)
            return node.with_changes(body=node.body.with_changes(body=[*node.body.body, *statements]))

        edit.replace(owner, append)
        return edit
    statement = ctx.doc.statements_at(plan.line)
    if not statement:
        raise FixError(f"{ctx.doc.source.path}:{plan.line}: no statement there")
    if where == "before":
        edit.insert_before(statement[0], code)
    else:
        edit.insert_after(statement[0], code)
    return edit


def dict_entries(plan: FixPlan, ctx: FixContext) -> Edit:
    """The `dict-entries` codemod."""
    statement = ctx.doc.statement_at(plan.line, (cst.Assign, cst.AnnAssign))
    value = _value_node(statement)
    if not isinstance(value, cst.Dict):
        raise FixError("the assigned value is not a dict literal")
    edit = ctx.edit()
    existing = {e.key.evaluated_value for e in value.elements
                if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)}
    module = ctx.doc.module
    entries = []
    for item in plan.items("entries"):
        key, _, code = item.partition("=")
        if key in existing:
            raise FixError(f"the dict already sets {key!r}")
        entries.append(cst.DictElement(key=cst.SimpleString(repr(key).replace("'", '"')),
                                       value=parse_expression(ctx.render(code, edit), module)))

    def transform(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Dict)
        elements = list(node.elements)
        for entry in entries:
            elements = sequences.insert(elements, len(elements), entry, node.lbrace.whitespace_after)
        return node.with_changes(elements=elements)

    edit.replace(value, transform)
    return edit


KINDS = {"statement-value": statement_value, "insert-statements": insert_statements, "dict-entries": dict_entries}
