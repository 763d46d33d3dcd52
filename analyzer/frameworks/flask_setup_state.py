"""Blueprint subclasses whose setup state lets a marked rule escape the blueprint's `url_prefix`.

Flask registers a blueprint's rules through the `BlueprintSetupState` its `make_setup_state`
returns. A project can override that state's `add_url_rule` so that a rule starting with a
marker (`"!/admin/users"`) is registered without the prefix:

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        if rule.startswith("!/"):
            with self._unprefixed():  # sets self.url_prefix = None, then restores it
                super().add_url_rule(rule[1:], endpoint, view_func, **options)

`unprefixed_marker` reads that override (on the class or its project bases) and returns the
marker; the emitter then registers such rules at the app's root, without the marker.
"""

from __future__ import annotations

from collections.abc import Iterator

from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts


def unprefixed_marker(index: ProjectIndex, blueprint_class: Symbol | None) -> str:
    """The rule prefix (`"!/"`) that escapes the `url_prefix` of blueprints of this class, else ``."""
    if blueprint_class is None or blueprint_class.cls is None:
        return ""
    for owner in _class_chain(index, blueprint_class):
        assert owner.cls is not None
        make = owner.cls.method("make_setup_state")
        if make is None:
            continue
        for stmt in walk_stmts(make.body):
            if stmt.kind == "return" and stmt.value is not None and stmt.value.kind == "call":
                state = index.resolve(owner.module, stmt.value.func)
                if state is not None and state.cls is not None:
                    return _state_marker(index, state)
        return ""
    return ""


def marker_cut(marker: str) -> int:
    """How much of a marked rule is dropped: the marker up to its `/` (`"!/x"` -> `"/x"`)."""
    return marker.index("/") if "/" in marker else len(marker)


def _class_chain(index: ProjectIndex, symbol: Symbol) -> Iterator[Symbol]:
    yield symbol
    for base in index.base_names(symbol):
        parent = index.lookup(base)
        if parent is not None and parent.cls is not None:
            yield parent


def _state_marker(index: ProjectIndex, state: Symbol) -> str:
    for owner in _class_chain(index, state):
        assert owner.cls is not None
        method = owner.cls.method("add_url_rule")
        if method is None:
            continue
        params = [p.name for p in method.params if p.name not in ("self", "cls")]
        if not params:
            return ""
        rule = params[0]
        for stmt in walk_stmts(method.body):
            if stmt.kind != "if" or stmt.value is None:
                continue
            marker = _startswith(stmt.value, rule)
            if marker and _registers_sliced(stmt.body, rule) and _drops_prefix(index, owner, method, stmt.body):
                return marker
        return ""
    return ""


def _startswith(test: Expr, rule: str) -> str:
    """`rule.startswith("!/")` -> `!/`."""
    if test.kind != "call" or test.func.kind != "attr" or test.func.text != "startswith":
        return ""
    if test.func.args[0].kind != "name" or test.func.args[0].text != rule:
        return ""
    first = test.positional[0] if test.positional else None
    return first.text if first is not None and first.kind == "str" and first.text else ""


def _registers_sliced(body: tuple[Stmt, ...], rule: str) -> bool:
    """`super().add_url_rule(rule[1:], ...)`: the rule is registered with its marker cut off."""
    for stmt in walk_stmts(body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind != "attr" or call.func.text != "add_url_rule" or not call.positional:
                    continue
                first = call.positional[0]
                if first.kind == "subscript" and first.args[0].kind == "name" and first.args[0].text == rule:
                    return True
    return False


def _drops_prefix(index: ProjectIndex, owner: Symbol, method: FunctionDef, body: tuple[Stmt, ...]) -> bool:
    """The branch clears `self.url_prefix` itself or through a method it enters (`with self._unprefixed():`)."""
    if _clears_prefix(body):
        return True
    for stmt in walk_stmts(body):
        if stmt.kind != "with":
            continue
        for item in stmt.exprs:
            if item.kind == "call" and item.func.kind == "attr" and item.func.args[0].dotted == "self":
                helper = index.find_method(owner, item.func.text, besides=method)
                if helper is not None and helper.func is not None and _clears_prefix(helper.func.body):
                    return True
    return False


def _clears_prefix(body: tuple[Stmt, ...]) -> bool:
    for stmt in walk_stmts(body):
        if stmt.kind == "assign" and stmt.value is not None and (stmt.value.is_none or stmt.value.text == "") \
                and stmt.value.kind in ("const", "str") \
                and any(t.kind == "attr" and t.dotted == "self.url_prefix" for t in stmt.targets):
            return True
    return False


__all__ = ["marker_cut", "unprefixed_marker"]
