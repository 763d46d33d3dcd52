"""Attributes: members of project classes and their instances (class fields and their defaults,
`self.x` set in `__init__`, properties, methods, the one override of an abstract method) and
the class hierarchy they are looked up in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import calls, environment, names
from apilint.values.scope import Scope
from apilint.values.types import MAX_DEPTH, MAX_OPTIONS, Instance, Opaque, Ref, Value, opaque

if TYPE_CHECKING:
    from apilint.project import Symbol
    from apilint.values.evaluator import Evaluator

_SETTINGS_BASES: Final = ("BaseSettings",)


def attribute_value(ev: Evaluator, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int,
                    owner: Value | None = None) -> Value:
    """`a.b`: a dotted name resolved through imports (a project definition, Django settings), else
    the attribute of the object `a` evaluates to (`owner`: the value of `a` when the caller has
    already read it)."""
    if expr.text == "value":
        registered = environment.registry_setting(ev, mod, expr.args[0], scope, depth)
        if registered is not None:
            return registered
    dotted = expr.dotted
    head, _, rest = dotted.partition(".") if dotted else ("", "", "")
    local = scope is not None and head and (
        head in scope.bound or head in scope.assignments() or scope.param(head) is not None)
    imported = scope.imports().get(head) if scope is not None and head and not local else None
    if dotted is not None and not local:
        qualified = f"{imported}.{rest}" if imported else ev.index.qualify(mod, dotted)
        if qualified.startswith("django.conf.settings."):
            return environment.django_setting(ev, mod, expr, qualified[len("django.conf.settings."):], depth)
        if qualified.startswith(("os.environ", "sys.")):
            return opaque(mod, expr, "read from the process at run time", qualified.startswith("os."))
        symbol = ev.index.lookup(qualified)
        if symbol is not None:
            return names.qualified_value(ev, mod, expr, qualified, depth)
    if owner is None:
        owner = ev.sub(mod, expr.args[0], scope, depth)
    return member_value(ev, owner, expr.text, mod, expr, depth)


def member_value(ev: Evaluator, owner: Value, attr: str, mod: ModuleSummary, expr: Expr, depth: int) -> Value:
    """The attribute `attr` of each possible value of `owner` (instances and classes of the project)."""
    options: list[Any] = []
    env = owner.from_env
    for item in owner.options:
        if isinstance(item, Instance):
            value = _instance_field(ev, item, attr, expr, depth)
        elif isinstance(item, Ref) and item.symbol.cls is not None:
            value = class_attribute_value(ev, item.symbol, attr, expr, depth)
        elif isinstance(item, Ref) and item.symbol.func is not None and attr in ("__name__", "__qualname__"):
            value = Value((item.symbol.func.name,))
        elif isinstance(item, Opaque):
            value = opaque(mod, expr, item.reason)
        else:
            value = opaque(mod, expr, f"attribute `{attr}` of a literal is not evaluated")
        env = env or value.from_env
        options += value.options
    return Value(tuple(options[:MAX_OPTIONS]) or opaque(mod, expr, "no value").options, env)


def class_attribute_value(ev: Evaluator, cls: Symbol, attr: str, expr: Expr, depth: int) -> Value:
    """A class's attribute, looked up along its bases: a field's default, a method, a nested class."""
    for owner in _class_chain(ev, cls):
        assert owner.cls is not None
        value = owner.cls.attribute(attr)
        if value is not None:
            return _field_default(ev, owner, value, depth)
        method = owner.cls.method(attr)
        if method is not None:
            if _abstract(method):
                override = _only_override(ev, owner, attr)
                if override is not None:
                    return Value((Ref(override),))
            return Value((Ref(_member_symbol(owner, method)),))
        inner = next((s.cls for s in owner.cls.body if s.cls is not None and s.cls.name == attr), None)
        if inner is not None:
            return Value((Ref(_class_symbol(owner, inner)),))
    return opaque(cls.module, expr, f"`{cls.qualname}` has no attribute `{attr}` apilint can read")


def _only_override(ev: Evaluator, base: Symbol, name: str) -> Symbol | None:
    """The one project subclass method that implements an abstract method (`self.build_routes()`
    called in a base class whose only concrete subclass defines it)."""
    found: list[Symbol] = []
    for sub in _subclasses(ev).get(base.qualname, ()):
        assert sub.cls is not None
        method = sub.cls.method(name)
        if method is not None and not _abstract(method):
            found.append(_member_symbol(sub, method))
    return found[0] if len(found) == 1 else None


def _subclasses(ev: Evaluator) -> dict[str, list[Symbol]]:
    if ev.subclass_map is None:
        from apilint.project import Symbol

        table: dict[str, list[Symbol]] = {}
        for mod in ev.index:
            for cls in mod.classes():
                if "<locals>" in cls.qualname or not cls.bases:
                    continue
                symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
                for base in ev.index.base_names(symbol):
                    table.setdefault(base, []).append(symbol)
        ev.subclass_map = table
    return ev.subclass_map


def _field_default(ev: Evaluator, owner: Symbol, value: Expr, depth: int) -> Value:
    """A class field's default: `x = "/api"`, `x: str = Field("/api")`, `Field(default_factory=C)`."""
    env = _is_settings(ev, owner)
    if value.kind == "call":
        callee = (ev.index.qualify_expr(owner.module, value.func) or "").rsplit(".", 1)[-1]
        if callee in ("Field", "field", "attrib", "attr.ib", "Setting"):
            factory = value.kwarg("default_factory") or value.kwarg("factory")
            if factory is not None:
                made = ev.sub(owner.module, Expr("call", args=(factory,)), None, depth)
                return Value(made.options, made.from_env or env)
            default = value.arg(0, "default")
            if default is None:
                return opaque(owner.module, value, "the field has no default")
            value = default
    # a class body reads its own earlier names first (`CRUD_SET = {ADD, LIST}` in the class)
    scope = Scope(owner.module, None, None, None, lambda name: _class_body_name(ev, owner, name, depth))
    got = ev.sub(owner.module, value, scope, depth)
    return Value(got.options, got.from_env or env)


def _class_body_name(ev: Evaluator, owner: Symbol, name: str, depth: int) -> Value | None:
    assert owner.cls is not None
    value = owner.cls.attribute(name)
    if value is None or depth > MAX_DEPTH:
        return None
    return _field_default(ev, owner, value, depth + 1)


def _is_settings(ev: Evaluator, cls: Symbol) -> bool:
    return any(base.rsplit(".", 1)[-1] in _SETTINGS_BASES for base in ev.index.base_names(cls))


def _instance_field(ev: Evaluator, item: Instance, attr: str, expr: Expr, depth: int) -> Value:
    given = item.call.kwarg(attr)
    if given is not None:
        return ev.sub(item.mod, given, item.scope, depth)
    for owner in _class_chain(ev, item.cls):
        assert owner.cls is not None
        method = owner.cls.method(attr)
        if method is not None and any((d.expr.dotted or "").endswith("property") for d in method.decorators):
            self_scope = Scope(owner.module, method, {"self": Value((item,))})
            return calls.function_returns(ev, owner, method, self_scope, expr, depth)
        init = owner.cls.method("__init__")
        if init is not None:
            assigned = _init_assignment(ev, item, owner, init, attr, depth)
            if assigned is not None:
                return assigned
    return class_attribute_value(ev, item.cls, attr, expr, depth)


def _init_assignment(ev: Evaluator, item: Instance, owner: Symbol, init: FunctionDef, attr: str,
                     depth: int) -> Value | None:
    """`self.attr = ...` in `__init__`, with the constructor's arguments bound."""
    for stmt in walk_stmts(init.body):
        if stmt.kind not in ("assign", "annassign") or stmt.value is None:
            continue
        for target in stmt.targets:
            if target.kind == "attr" and target.text == attr and target.args[0].dotted == "self":
                bound = ev.bind_arguments(item.mod, init, item.call, item.scope, skip_self=True, depth=depth)
                bound["self"] = Value((item,))
                return ev.sub(owner.module, stmt.value, Scope(owner.module, init, bound), depth)
    return None


def _class_chain(ev: Evaluator, cls: Symbol) -> Iterator[Symbol]:
    yield cls
    for base in ev.index.base_names(cls):
        parent = ev.index.lookup(base)
        if parent is not None and parent.cls is not None and parent.qualname != cls.qualname:
            yield parent


def find_method(ev: Evaluator, cls: Symbol, name: str) -> tuple[Symbol, FunctionDef] | None:
    """The method `name` of a class or its bases, with the class that defines it."""
    for owner in _class_chain(ev, cls):
        assert owner.cls is not None
        method = owner.cls.method(name)
        if method is not None:
            return owner, method
    return None


def _abstract(method: FunctionDef) -> bool:
    """An `@abstractmethod`, or a body that is only `...`, `pass` or `raise NotImplementedError`."""
    if any((d.expr.dotted or "").endswith("abstractmethod") for d in method.decorators):
        return True
    body = [s for s in method.body if not (s.kind == "expr" and s.value is not None and s.value.kind == "str")]
    if len(body) != 1:
        return False
    only = body[0]
    if only.kind == "pass" or (only.kind == "expr" and only.value is not None and only.value.text == "..."):
        return True
    return only.kind == "raise" and only.value is not None and "NotImplementedError" in only.value.render(60)


def _member_symbol(owner: Symbol, method: FunctionDef) -> Symbol:
    from apilint.project import Symbol

    return Symbol(f"{owner.qualname}.{method.name}", owner.module, func=method, line=method.line)


def _class_symbol(owner: Symbol, cls: Any) -> Symbol:
    from apilint.project import Symbol

    return Symbol(f"{owner.qualname}.{cls.name}", owner.module, cls=cls, line=cls.line)
