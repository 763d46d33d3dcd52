"""Names: local, module-level and imported names read as the values they are assigned, every
assignment replayed in order (reassignments under an `if` add possible values, in-place list
changes and unpacking included)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from apilint.summary import Expr, ModuleSummary, Stmt
from apilint.values import classes, environment
from apilint.values.scope import Scope
from apilint.values.types import MAX_OPTIONS, Instance, Opaque, Ref, Value, opaque

if TYPE_CHECKING:
    from apilint.values.evaluator import Evaluator


def name_value(ev: Evaluator, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
    """A bare name: local to `scope` first (bound, assigned, a parameter, imported in the function,
    a nested definition), then the module's and the project's."""
    name = expr.text
    if scope is not None:
        local = _local(ev, scope, name, expr, depth)
        if local is not None:
            return local
    return _global(ev, mod, name, expr, depth)


def _local(ev: Evaluator, scope: Scope, name: str, expr: Expr, depth: int) -> Value | None:
    if name in scope.bound:
        return scope.bound[name]
    if scope.lookup is not None:
        found = scope.lookup(name)
        if found is not None:
            return found
    assigns = scope.assignments().get(name)
    param = scope.param(name)
    if assigns:
        before = None
        if param is not None:  # `settings = settings or Settings()` reads the parameter itself
            before = ev.sub(scope.mod, param.default, None, depth) if param.default is not None else \
                opaque(scope.mod, expr, f"parameter `{name}` is set by each caller")
        return _assigned(ev, scope.mod, f"{id(scope)}:{name}", assigns, scope, depth, before)
    if param is not None:
        if param.default is not None:
            return ev.sub(scope.mod, param.default, None, depth)
        return opaque(scope.mod, expr, f"parameter `{name}` is set by each caller")
    imported = scope.imports().get(name)
    if imported is not None:
        return qualified_value(ev, scope.mod, expr, imported, depth)
    nested = scope.nested(name)
    if nested is not None:
        return Value((Ref(nested),))
    if scope.parent is not None:
        return _local(ev, scope.parent, name, expr, depth)
    return None


def _global(ev: Evaluator, mod: ModuleSummary, name: str, expr: Expr, depth: int) -> Value:
    assigns = ev.module_assignments(mod).get(name)
    if assigns and not is_imported(ev, mod, name):
        return _assigned(ev, mod, f"{mod.path}:{name}", assigns, None, depth)
    qualified = ev.index.qualify(mod, name)
    return qualified_value(ev, mod, expr, qualified, depth)


def is_imported(ev: Evaluator, mod: ModuleSummary, name: str) -> bool:
    """True when the last binding of `name` in the module is an import (re-exported names)."""
    table = ev.index.import_table(mod)
    if name not in table:
        return False
    assigns = ev.module_assignments(mod).get(name, [])
    last_import = max((imp.line for imp in mod.imports if imp.asname == name), default=0)
    return all(stmt.line < last_import for stmt, _ in assigns)


def qualified_value(ev: Evaluator, mod: ModuleSummary, expr: Expr, qualified: str, depth: int) -> Value:
    """A dotted name resolved to a project definition, a module constant or Django settings."""
    if qualified.startswith("django.conf.settings."):
        return environment.django_setting(ev, mod, expr, qualified[len("django.conf.settings."):], depth)
    symbol = ev.index.lookup(qualified)
    if symbol is None:
        head, _, attr = qualified.rpartition(".")
        owner = ev.index.lookup(head) if head else None
        if owner is not None and owner.cls is not None:
            return classes.class_attribute_value(ev, owner, attr, expr, depth)
        if owner is not None and owner.value is not None:
            owner_value = _global(ev, owner.module, owner.qualname.rsplit(".", 1)[-1], expr, depth + 1)
            return classes.member_value(ev, owner_value, attr, mod, expr, depth)
        return opaque(mod, expr, f"`{qualified}` is not defined in the project")
    if symbol.func is not None or symbol.cls is not None:
        return Value((Ref(symbol),))
    short = symbol.qualname.rsplit(".", 1)[-1]
    assigns = ev.module_assignments(symbol.module).get(short)
    if assigns:
        return _assigned(ev, symbol.module, f"{symbol.module.path}:{short}", assigns, None, depth)
    if symbol.value is not None:
        return ev.sub(symbol.module, symbol.value, None, depth)
    return opaque(mod, expr, f"`{qualified}` has no value")


def _assigned(ev: Evaluator, mod: ModuleSummary, key: str, assigns: list[tuple[Stmt, bool]], scope: Scope | None,
              depth: int, before: Value | None = None) -> Value:
    """Replay a name's assignments in order: an unconditional one replaces what came before,
    a conditional one adds a possible value; `X = X + ...` reads the values so far (`before`:
    the parameter's own value, for a parameter reassigned from itself)."""
    busy_key = (key, "")
    if busy_key in ev.busy:
        current = ev.busy[busy_key]
        if current:
            return Value(current)
        return before if before is not None else opaque(mod, assigns[0][0].targets[0], "defined in terms of itself")
    options: list[Any] = []
    env = False
    try:
        for stmt, conditional in assigns:
            ev.busy[busy_key] = tuple(options)
            assert stmt.value is not None
            if stmt.kind == "expr":
                value = Value(tuple(mutated_list(ev, mod, stmt.value, o, scope, depth) for o in options))
            elif stmt.kind == "augassign":
                target = stmt.targets[0]
                combined = ev.sub(mod, Expr("binop", stmt.name or "+", (target, stmt.value)), scope, depth)
                value = combined
            elif len(stmt.targets) > 1 or stmt.targets[0].kind != "name":
                value = _unpacked(ev, mod, stmt, key.rsplit(":", 1)[-1], scope, depth)
            else:
                value = ev.sub(mod, stmt.value, scope, depth)
            env = env or value.from_env
            if conditional:
                options += [v for v in value.options if not any(v is o for o in options)]
            else:
                options = list(value.options)
            del options[MAX_OPTIONS:]  # a list appended to under many `if`s would double each time
    finally:
        ev.busy.pop(busy_key, None)
    if not options:
        return opaque(mod, assigns[0][0].targets[0], "never assigned unconditionally")
    # An object bound to a name keeps the name (`router = APIRouter()` is `router`, not the call), so
    # adapters can look it up where it is defined.
    name = key.rsplit(":", 1)[-1]
    line = assigns[0][0].line
    options = [Opaque(mod, Expr("name", name, line=line), o.reason)
               if isinstance(o, Opaque) and o.expr.kind == "call" else
               replace(o, origin=(mod, Expr("name", name, line=line)))
               if isinstance(o, Instance) and o.origin is None and scope is None else o for o in options]
    return Value(tuple(options[:MAX_OPTIONS]), env)


def mutated_list(ev: Evaluator, mod: ModuleSummary, call: Expr, current: Any, scope: Scope | None, depth: int) -> Any:
    """The list `current` after `.append(x)`, `.extend(xs)` or `.insert(i, x)` (a copy; unchanged
    when it is not a known list)."""
    if not isinstance(current, list | tuple):
        return current
    items = list(current)
    method = call.func.text
    args = [ev.sub(mod, a, scope, depth).first for a in call.positional if a.kind != "starred"]
    if method == "append" and len(args) == 1:
        items.append(args[0])
    elif method == "extend" and len(args) == 1:
        if isinstance(args[0], list | tuple):
            items.extend(args[0])
        else:
            items.append(opaque(mod, call, "extended with a value that cannot be read").first)
    elif method == "insert" and len(args) == 2 and isinstance(args[0], int):
        items.insert(args[0], args[1])
    else:
        items.append(opaque(mod, call, f"`.{method}(...)` cannot be read").first)
    return tuple(items) if isinstance(current, tuple) else items


def _unpacked(ev: Evaluator, mod: ModuleSummary, stmt: Stmt, name: str, scope: Scope | None, depth: int) -> Value:
    """`a, b = 1, 2` and chained `a = b = value`: the part bound to `name`."""
    assert stmt.value is not None
    for target in stmt.targets:
        if target.kind == "name" and target.text == name:
            return ev.sub(mod, stmt.value, scope, depth)
        if target.kind in ("tuple", "list"):
            value = ev.sub(mod, stmt.value, scope, depth)
            for i, element in enumerate(target.args):
                if element.kind == "name" and element.text == name:
                    first = value.first
                    if isinstance(first, list | tuple) and len(first) == len(target.args):
                        return Value((first[i],), value.from_env)
    return opaque(mod, stmt.value, f"`{name}` is unpacked from a value that cannot be read")


def qualify_name(ev: Evaluator, mod: ModuleSummary, dotted: str, scope: Scope | None) -> str:
    """A dotted name's qualified name, through imports inside the function first."""
    head, _, rest = dotted.partition(".")
    imported = scope.imports().get(head) if scope is not None else None
    if imported:
        return f"{imported}.{rest}" if rest else imported
    return ev.index.qualify(mod, dotted)
