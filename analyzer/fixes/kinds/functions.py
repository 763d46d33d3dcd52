"""`copy-auth`: give a route what protects its siblings, copied from a sibling's own code.

AUTH004 names a sibling handler and what authenticates it; the codemod copies that construct
node for node (so the fix is written exactly as the project writes it) onto the forgotten
route: a handler parameter (`current_user: CurrentUser`), a decorator (`@login_required`,
`@permission_classes([IsAuthenticated])`), a class attribute (`permission_classes = [...]`),
or an item of the route decorator's `dependencies=[...]`. A sibling in another file brings
its names along: each free name is referenced in the target file's import style.

Parameters: `what` (`parameter` | `decorator` | `class-attribute` | `route-dependency`),
`source_file`, `source_line` (the sibling's `def`/`class` line), `name` (parameter or attribute
name), `index` (the decorator's, or the dependency's in the list), `names` (`local=qualified`
for every free name of the construct).
"""

from __future__ import annotations

import libcst as cst
from apilint.fixes import sequences
from apilint.fixes.document import Document, FixError, parse_expression
from apilint.fixes.edits import Edit
from apilint.fixes.kinds import FixContext
from apilint.fixes.kinds.calls import _Ops, apply_ops
from apilint.model import FixPlan


class _Rename(cst.CSTTransformer):
    """Replace free names (not attribute names, not keywords) by references in the target file."""

    def __init__(self, mapping: dict[str, str]) -> None:
        super().__init__()
        self.mapping = mapping
        self.skip: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def visit_Param(self, node: cst.Param) -> None:
        self.skip.add(id(node.name))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self.skip or original_node.value not in self.mapping:
            return updated_node
        return cst.parse_expression(self.mapping[original_node.value])


def _transplant(node: cst.CSTNode, plan: FixPlan, ctx: FixContext, edit: Edit, same_file: bool) -> cst.CSTNode:
    """A copy of `node` whose free names work in the target file (imports added to `edit`)."""
    copy = node.deep_clone()
    if same_file:
        return copy
    mapping: dict[str, str] = {}
    for item in plan.items("names"):
        local, _, qualified = item.partition("=")
        text, request = ctx.imports.reference(qualified)
        if request is not None and request not in edit.imports:
            edit.imports.append(request)
        if text != local:
            mapping[local] = text
    if not mapping:
        return copy
    renamed = copy.visit(_Rename(mapping))
    assert isinstance(renamed, cst.CSTNode)
    return renamed


def _sibling(plan: FixPlan, ctx: FixContext) -> tuple[Document, bool]:
    source = plan.param("source_file")
    same = source == ctx.doc.source.path
    return (ctx.doc if same else ctx.load(source)), same


def copy_auth(plan: FixPlan, ctx: FixContext) -> Edit:
    """The `copy-auth` codemod."""
    what = plan.param("what")
    source_doc, same = _sibling(plan, ctx)
    edit = ctx.edit()
    if what == "class-attribute":
        return _class_attribute(plan, ctx, source_doc, same, edit)
    target = ctx.doc.function_at(plan.line)
    source = source_doc.function_at(int(plan.param("source_line")))
    if what == "parameter":
        _parameter(plan, ctx, target, source, same, edit)
    elif what == "decorator":
        _decorator(plan, ctx, target, source, same, edit)
    elif what == "route-dependency":
        _route_dependency(plan, ctx, target, source, source_doc, same, edit)
    else:
        raise FixError(f"unknown copy-auth target {what!r}")
    return edit


def _parameter(plan: FixPlan, ctx: FixContext, target: cst.FunctionDef, source: cst.FunctionDef, same: bool,
               edit: Edit) -> None:
    name = plan.param("name")
    param = next((p for p in source.params.params if p.name.value == name), None)
    if param is None:
        param = next((p for p in source.params.kwonly_params if p.name.value == name), None)
    if param is None:
        raise FixError(f"the sibling has no parameter {name!r}")
    params = target.params
    if any(p.name.value == name for p in (*params.params, *params.kwonly_params, *params.posonly_params)):
        raise FixError(f"the handler already has a parameter {name!r}")
    if params.posonly_params or isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
        raise FixError("the handler's parameter list is too unusual to extend safely")
    new = _transplant(param, plan, ctx, edit, same)
    assert isinstance(new, cst.Param)
    new = new.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_param=cst.SimpleWhitespace(""))

    def transform(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.FunctionDef)
        ps = node.params
        if ps.kwonly_params or isinstance(ps.star_arg, cst.ParamStar):
            kwonly = sequences.insert(list(ps.kwonly_params), len(ps.kwonly_params), new)
            return node.with_changes(params=ps.with_changes(kwonly_params=kwonly))
        items = list(ps.params)
        at = len(items) if new.default is not None else next(
            (i for i, p in enumerate(items) if p.default is not None), len(items))
        return node.with_changes(params=ps.with_changes(params=sequences.insert(items, at, new,
                                                                                 node.whitespace_before_params)))

    edit.replace(target, transform)


def _decorator(plan: FixPlan, ctx: FixContext, target: cst.FunctionDef, source: cst.FunctionDef, same: bool,
               edit: Edit) -> None:
    index = int(plan.param("index"))
    if index >= len(source.decorators):
        raise FixError("the sibling's decorator is not there")
    decorator = _transplant(source.decorators[index], plan, ctx, edit, same)
    assert isinstance(decorator, cst.Decorator)
    decorator = decorator.with_changes(leading_lines=[])
    wanted = ctx.doc.code(decorator.decorator) if same else None
    if wanted is not None and any(ctx.doc.code(d.decorator) == wanted for d in target.decorators):
        raise FixError("the handler already has that decorator")
    innermost = index == len(source.decorators) - 1

    def transform(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.FunctionDef)
        decorators = list(node.decorators)
        at = len(decorators) if innermost else min(index, len(decorators))
        decorators.insert(at, decorator)
        return node.with_changes(decorators=decorators)

    edit.replace(target, transform)


def _route_dependency(plan: FixPlan, ctx: FixContext, target: cst.FunctionDef, source: cst.FunctionDef,
                      source_doc: Document, same: bool, edit: Edit) -> None:
    source_call = _route_call(source)
    dependencies = next((a.value for a in source_call.args if a.keyword is not None
                         and a.keyword.value == "dependencies"), None)
    index = int(plan.param("index"))
    if not isinstance(dependencies, cst.List) or index >= len(dependencies.elements):
        raise FixError("the sibling's route dependency is not there")
    element = _transplant(dependencies.elements[index].value, plan, ctx, edit, same)
    code = ctx.doc.module.code_for_node(element)
    call = _route_call(target)
    module = ctx.doc.module
    parse_expression(code, module)  # fails early on anything that does not survive the copy
    ops = _Ops(set=(), positional={}, arguments=(), remove=frozenset(), drop_keys=(), drop_items=(), append=(),
               extend=(("dependencies", code),))

    def transform(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        return apply_ops(node, ops, module)

    edit.replace(call, transform)


_ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "api_route", "head", "options", "route"})


def _route_call(func: cst.FunctionDef) -> cst.Call:
    """The function's route decorator (`@router.get(...)`)."""
    for decorator in func.decorators:
        node = decorator.decorator
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and node.func.attr.value in _ROUTE_METHODS:
            return node
    raise FixError("the route decorator is not there")


def _class_attribute(plan: FixPlan, ctx: FixContext, source_doc: Document, same: bool, edit: Edit) -> Edit:
    target = ctx.doc.statement_at(plan.line, cst.ClassDef)
    source = source_doc.statement_at(int(plan.param("source_line")), cst.ClassDef)
    assert isinstance(target, cst.ClassDef) and isinstance(source, cst.ClassDef)
    name = plan.param("name")
    if name in _class_names(target):
        raise FixError(f"the class already sets {name}")
    statement = next((s for s in _class_body(source) if name in _assigned(s)), None)
    if statement is None:
        raise FixError(f"the sibling class does not set {name}")
    copy = _transplant(statement, plan, ctx, edit, same)
    assert isinstance(copy, cst.SimpleStatementLine)
    edit.body_start.append((target, [copy.with_changes(leading_lines=[])]))
    if not isinstance(target.body, cst.IndentedBlock):
        raise FixError("a one-line class body cannot take another statement")
    return edit


def _class_body(cls: cst.ClassDef) -> list[cst.BaseStatement]:
    return list(cls.body.body) if isinstance(cls.body, cst.IndentedBlock) else []


def _assigned(statement: cst.BaseStatement) -> set[str]:
    names: set[str] = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                names |= {t.target.value for t in small.targets if isinstance(t.target, cst.Name)}
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                names.add(small.target.value)
    return names


def _class_names(cls: cst.ClassDef) -> set[str]:
    names: set[str] = set()
    for statement in _class_body(cls):
        names |= _assigned(statement)
    return names


KINDS = {"copy-auth": copy_auth}
