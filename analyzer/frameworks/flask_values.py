"""Flask objects named by values the evaluator reads: a local bound to what a plugin's method returns
(`bp = plugin.get_blueprint()`), a blueprint a function builds and returns in a list
(`bp = Blueprint(...)`, `return [bp]`), and `isinstance(found, list)` on such a value."""

from __future__ import annotations

from typing import Any

from apilint.frameworks.flask_nodes import Env, Node
from apilint.frameworks.flask_objects import Objects
from apilint.summary import Expr, ModuleSummary, walk_stmts
from apilint.values import Opaque, as_expr


def evaluated_node(objects: Objects, mod: ModuleSummary, expr: Expr | None, env: Env) -> Node | None:
    """The object a local name holds by the evaluator's reading (`bp = plugin.get_blueprint()`)."""
    if expr is None or expr.kind != "name" or env.scope is None:
        return None
    found: list[Node] = []
    for option in objects.index.values.value(mod, expr, env.scope).options:
        where = as_expr(mod, option)
        node = option_node(objects, mod, option, env) if where is None or where[1] is not expr else None
        if node is not None and all(n.key != node.key for n in found):
            found.append(node)
    return found[0] if len(found) == 1 else None


def loop_items(objects: Objects, mod: ModuleSummary, expr: Expr, env: Env) -> list[Any] | None:
    """The items a `for` loop runs over: a known list, tuple or dict; or, in a function scope, a name
    that holds a list or a single app object (`if not isinstance(found, list): found = [found]`):
    the items of every such possible value. None when unknown."""
    value = objects.index.values.value(mod, expr, env.scope)
    first = value.first
    if isinstance(first, list | tuple | dict):
        return list(first)
    if env.scope is None or expr.kind != "name":
        return None
    out: list[Any] = []
    for option in value.options:
        if isinstance(option, list | tuple):
            out += [item for item in option if all(item is not o for o in out)]
        elif option_node(objects, mod, option, env) is not None:
            out.append(option)
        else:
            return None
    return out or None


def collection_test(objects: Objects, mod: ModuleSummary, test: Expr | None, env: Env) -> bool | None:
    """`isinstance(found, list)` on what a plugin returned, when the evaluator reads it: true when
    every possible value is a list or tuple, false when every one is an app object; else None."""
    if test is None or test.kind != "call" or test.func.dotted != "isinstance" or len(test.positional) != 2 \
            or env.scope is None:
        return None
    kinds = test.positional[1]
    names = {e.dotted for e in (kinds.args if kinds.kind == "tuple" else (kinds,))}
    if not names or not names <= {"list", "tuple"}:
        return None
    options = objects.index.values.value(mod, test.positional[0], env.scope).options
    if options and all(isinstance(o, list | tuple) for o in options):
        return True
    if options and all(option_node(objects, mod, o, env) is not None for o in options):
        return False
    return None


def option_node(objects: Objects, mod: ModuleSummary, option: object, env: Env) -> Node | None:
    """The object one value the evaluator read stands for, if any."""
    where = as_expr(mod, option)
    node = objects.node(where[0], where[1], Env() if where[0] is not mod else env) \
        if where is not None else None
    return node or built_local(objects, option)


def built_local(objects: Objects, item: object) -> Node | None:
    """A constructor call the evaluator read inside a function (`bp = Blueprint(...)`, then
    `return [bp]`): the object that function binds it to."""
    if not isinstance(item, Opaque) or item.scope is None or item.scope.func is None or item.expr.kind != "call":
        return None
    func = item.scope.func
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("assign", "annassign") and stmt.value == item.expr:
            for target in stmt.targets:
                node = objects.nodes.get(f"{item.mod.module}.{func.qualname}.<locals>.{target.text}") \
                    if target.kind == "name" else None
                if node is not None:
                    return node
    return None


__all__ = ["built_local", "collection_test", "evaluated_node", "loop_items", "option_node"]
