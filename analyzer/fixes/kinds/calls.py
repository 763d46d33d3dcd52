"""`call-arguments`: change the arguments of one call (add, replace or drop keywords, drop a key
of a dict argument or an item of a list argument, append a positional argument or a list item).

Used by JWT001 (drop `options={"verify_signature": False}`), JWT002 (`algorithms=[...]`),
TLS001 (`secure=True`, `httponly=True`, `samesite`), outbound `verify=False`, LIMIT003
(`Query(le=...)`), EXPO001 (`response_model=`), ERR002 (`debug=`), CORS001 (`allow_origins=`)
and AUTHZ001 (a caller condition in `.filter(...)`, `owner=request.user`).

Plan parameters (values are code templates, see `FixContext.render`):

| key | meaning |
|---|---|
| `callee`, `ordinal` | which call: the `ordinal`-th call to `callee` in the statement |
| `decorators` | `1`: look in the decorators of the function defined on the line |
| `set` | `name=code`: give the keyword this value, replacing the old one |
| `positional` | `index:name`: where `name` sits when passed positionally (replaced there) |
| `arguments` | `index=code`: replace the `index`-th positional argument (0-based) |
| `remove` | keyword names to drop |
| `drop_keys` | `keyword:key`: drop a string key from a dict literal argument (the keyword too when empty) |
| `drop_items` | `keyword:text`: drop string items from a list literal argument (`#2` names the 3rd positional) |
| `append` | code appended as the last positional argument |
| `extend` | `keyword=code`: append an item to a list literal argument, creating `keyword=[code]` |
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from apilint.fixes import sequences
from apilint.fixes.document import FixError, parse_expression
from apilint.fixes.edits import Edit
from apilint.fixes.kinds import FixContext
from apilint.model import FixPlan


@dataclass(frozen=True)
class _Ops:
    set: tuple[tuple[str, str], ...]
    positional: dict[str, int]
    arguments: tuple[tuple[int, str], ...]
    remove: frozenset[str]
    drop_keys: tuple[tuple[str, str], ...]
    drop_items: tuple[tuple[str, str], ...]
    append: tuple[str, ...]
    extend: tuple[tuple[str, str], ...]


def _pairs(values: tuple[str, ...], sep: str) -> tuple[tuple[str, str], ...]:
    out = []
    for value in values:
        key, found, rest = value.partition(sep)
        if not found:
            raise FixError(f"malformed fix parameter {value!r}")
        out.append((key, rest))
    return tuple(out)


def call_arguments(plan: FixPlan, ctx: FixContext) -> Edit:
    """The `call-arguments` codemod."""
    call = ctx.doc.call(plan.line, plan.param("callee"), int(plan.param("ordinal", "0")),
                        decorators_only=plan.param("decorators") == "1")
    edit = ctx.edit()
    module = ctx.doc.module
    ops = _Ops(
        set=tuple((k, ctx.render(v, edit)) for k, v in _pairs(plan.items("set"), "=")),
        positional={name: int(index) for index, name in _pairs(plan.items("positional"), ":")},
        arguments=tuple((int(i), ctx.render(v, edit)) for i, v in _pairs(plan.items("arguments"), "=")),
        remove=frozenset(plan.items("remove")),
        drop_keys=_pairs(plan.items("drop_keys"), ":"),
        drop_items=_pairs(plan.items("drop_items"), ":"),
        append=tuple(ctx.render(v, edit) for v in plan.items("append")),
        extend=tuple((k, ctx.render(v, edit)) for k, v in _pairs(plan.items("extend"), "=")),
    )
    _check(call, ops)

    def transform(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        return apply_ops(node, ops, module)

    edit.replace(call, transform)
    return edit


def _check(call: cst.Call, ops: _Ops) -> None:
    """Refuse calls whose arguments apilint cannot see whole, and edits with nothing to do."""
    if any(arg.star for arg in call.args) and (ops.set or ops.extend or ops.append):
        raise FixError("the call passes *args or **kwargs: its arguments cannot be edited safely")
    for index, _ in ops.arguments:
        if _positional(list(call.args), index) is None:
            raise FixError(f"the call has no positional argument {index}")
    for keyword, key in ops.drop_keys:
        value = _argument(call, keyword)
        if not isinstance(value, cst.Dict) or not any(_key_is(e, key) for e in value.elements):
            raise FixError(f"`{keyword}` is not a dict literal with the key {key!r}")
    for keyword, item in ops.drop_items:
        value = _argument(call, keyword)
        if not isinstance(value, (cst.List, cst.Tuple)) or not any(_string_is(e.value, item) for e in value.elements):
            raise FixError(f"`{keyword}` is not a list literal holding {item!r}")


def apply_ops(call: cst.Call, ops: _Ops, module: cst.Module) -> cst.Call:
    """The call with every operation applied."""
    args = list(call.args)
    opening = call.whitespace_before_args
    for name, code in ops.set:
        value = parse_expression(code, module)
        index = _keyword_index(args, name)
        position = ops.positional.get(name)
        at = _positional(args, position) if index is None and position is not None else None
        if at is not None:
            args[at] = args[at].with_changes(value=value)
        elif index is not None:
            args[index] = args[index].with_changes(value=value)
        else:
            args = _add_keyword(args, name, value, opening)
    for position, code in ops.arguments:
        at = _positional(args, position)
        assert at is not None
        args[at] = args[at].with_changes(value=parse_expression(code, module))
    for keyword, key in ops.drop_keys:
        index = _argument_index(args, keyword)
        assert index is not None
        value = args[index].value
        assert isinstance(value, cst.Dict)
        elements = list(value.elements)
        for i in reversed(range(len(elements))):
            if _key_is(elements[i], key):
                elements = sequences.remove(elements, i)
        if elements:
            args[index] = args[index].with_changes(value=value.with_changes(elements=elements))
        else:
            args = sequences.remove(args, index)
    for keyword, item in ops.drop_items:
        index = _argument_index(args, keyword)
        assert index is not None
        value = args[index].value
        assert isinstance(value, (cst.List, cst.Tuple))
        items = list(value.elements)
        for i in reversed(range(len(items))):
            if _string_is(items[i].value, item):
                items = sequences.remove(items, i)
        args[index] = args[index].with_changes(value=value.with_changes(elements=items))
    for name in sorted(ops.remove):
        index = _keyword_index(args, name)
        if index is not None:
            args = sequences.remove(args, index)
    for code in ops.append:
        last_positional = max((i for i, a in enumerate(args) if a.keyword is None and not a.star), default=-1)
        args = sequences.insert(args, last_positional + 1, cst.Arg(value=parse_expression(code, module)), opening)
    for keyword, code in ops.extend:
        element = cst.Element(value=parse_expression(code, module))
        index = _keyword_index(args, keyword)
        if index is None:
            args = _add_keyword(args, keyword, cst.List(elements=[element]), opening)
            continue
        value = args[index].value
        if not isinstance(value, cst.List):
            raise FixError(f"`{keyword}` is not a list literal")
        items = sequences.insert(list(value.elements), len(value.elements), element, value.lbracket.whitespace_after)
        args[index] = args[index].with_changes(value=value.with_changes(elements=items))
    return call.with_changes(args=args)


def _add_keyword(args: list[cst.Arg], name: str, value: cst.BaseExpression,
                 opening: cst.BaseParenthesizableWhitespace) -> list[cst.Arg]:
    new = cst.Arg(value=value, keyword=cst.Name(name),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                        whitespace_after=cst.SimpleWhitespace("")))
    at = next((i for i, a in enumerate(args) if a.star == "**"), len(args))
    return sequences.insert(args, at, new, opening)


def _keyword_index(args: list[cst.Arg], name: str) -> int | None:
    return next((i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == name), None)


def _positional(args: list[cst.Arg], position: int) -> int | None:
    """The index in `args` of the `position`-th positional argument (none after a `*args`)."""
    for i, arg in enumerate(args):
        if arg.keyword is not None or arg.star:
            return None
        if i == position:
            return i
    return None


def _argument_index(args: list[cst.Arg], keyword: str) -> int | None:
    if keyword.startswith("#"):
        return _positional(args, int(keyword[1:]))
    return _keyword_index(args, keyword)


def _argument(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    index = _argument_index(list(call.args), keyword)
    return call.args[index].value if index is not None else None


def _string_is(node: cst.BaseExpression, text: str) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == text


def _key_is(element: cst.BaseDictElement, key: str) -> bool:
    return isinstance(element, cst.DictElement) and _string_is(element.key, key)


KINDS = {"call-arguments": call_arguments}
