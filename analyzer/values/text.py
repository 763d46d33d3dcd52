"""Text mode: the string an expression builds (f-strings, `+`, `.format`, names assigned once),
with a `{?expr}` placeholder and its reason for each part that cannot be read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apilint.summary import Expr, ModuleSummary, Stmt
from apilint.values import names
from apilint.values.scope import Scope, is_local
from apilint.values.types import Text, placeholder

if TYPE_CHECKING:
    from apilint.values.evaluator import Evaluator


def build_text(ev: Evaluator, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Text:
    """The string `expr` builds, its unreadable parts as placeholders (`Evaluator.text`)."""
    value = ev.value(mod, expr, scope)
    if isinstance(value.first, str):
        others = tuple(dict.fromkeys(o for o in value.options[1:] if isinstance(o, str) and o != value.first))
        return Text(value.first, (), others, value.from_env)
    if depth < 8:
        if expr.kind == "fstr":
            pieces = [Text(p.text) if p.kind == "str" else build_text(ev, mod, p, scope, depth + 1) for p in expr.args]
            return _join_texts(pieces, value.from_env)
        if expr.kind == "binop" and expr.text == "+":
            pieces = [build_text(ev, mod, e, scope, depth + 1) for e in expr.args]
            return _join_texts(pieces, value.from_env)
        formatted = _format_text(ev, mod, expr, scope, depth)
        if formatted is not None:
            return formatted
        target = _assigned_expr(ev, mod, expr, scope)
        if target is not None:
            inner = build_text(ev, target[0], target[1], target[2], depth + 1)
            return Text(inner.text, inner.unresolved, inner.alternatives, inner.from_env or value.from_env,
                        inner.reasons)
    source = expr.render(60)
    return Text(placeholder(expr.render(40)), (source,), (), value.from_env, (value.reason() or source,))


def _format_text(ev: Evaluator, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Text | None:
    """`"/{}/<id>/resource".format(kind)`: the template's text with each argument's text in place."""
    if expr.kind != "call" or expr.func.kind != "attr" or expr.func.text != "format":
        return None
    template = ev.value(mod, expr.func.args[0], scope).first
    if not isinstance(template, str):
        return None
    import string

    pieces: list[Text] = []
    auto = 0
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for literal, field_name, spec, _conversion in fields:
        pieces.append(Text(literal))
        if field_name is None:
            continue
        if spec:
            return None
        arg: Expr | None
        if field_name == "":
            arg = expr.positional[auto] if auto < len(expr.positional) else None
            auto += 1
        elif field_name.isdigit():
            index = int(field_name)
            arg = expr.positional[index] if index < len(expr.positional) else None
        else:
            arg = expr.kwarg(field_name)
        if arg is None:
            return None
        pieces.append(build_text(ev, mod, arg, scope, depth + 1))
    return _join_texts(pieces, False)


def _assigned_expr(ev: Evaluator, mod: ModuleSummary, expr: Expr,
                   scope: Scope | None) -> tuple[ModuleSummary, Expr, Scope | None] | None:
    """The one expression a name is (first, unconditionally) assigned, to read its known parts."""
    if expr.kind == "name":
        if scope is not None:
            if expr.text in scope.bound or (scope.lookup is not None and scope.lookup(expr.text) is not None):
                return None
            assigns = scope.assignments().get(expr.text)
            if assigns:
                return _plain_assignment(scope.mod, assigns, scope)
            if scope.param(expr.text) is not None:
                return None
        assigns = ev.module_assignments(mod).get(expr.text)
        if assigns and not names.is_imported(ev, mod, expr.text):
            return _plain_assignment(mod, assigns, None)
    if expr.kind in ("name", "attr") and not is_local(scope, expr.dotted or ""):
        symbol = ev.index.resolve(mod, expr)
        if symbol is not None and symbol.value is not None:
            assigns = ev.module_assignments(symbol.module).get(symbol.qualname.rsplit(".", 1)[-1])
            if assigns:
                return _plain_assignment(symbol.module, assigns, None)
    return None


def _plain_assignment(mod: ModuleSummary, assigns: list[tuple[Stmt, bool]],
                      scope: Scope | None) -> tuple[ModuleSummary, Expr, Scope | None] | None:
    plain = [s for s, conditional in assigns if not conditional]
    if len(plain) == 1 and plain[0].kind in ("assign", "annassign") and plain[0].value is not None \
            and len(plain[0].targets) == 1:
        return mod, plain[0].value, scope
    return None


def _join_texts(pieces: list[Text], from_env: bool) -> Text:
    return Text("".join(p.text for p in pieces), tuple(u for p in pieces for u in p.unresolved), (),
                from_env or any(p.from_env for p in pieces), tuple(r for p in pieces for r in p.reasons))
