"""DRF viewset actions: the standard actions a viewset's bases give it, its `@action` methods (with
their `.mapping` extras), the methods `http_method_names` allows, and whether a route loads one
object (so the permissions' `has_object_permission` runs)."""

from __future__ import annotations

from dataclasses import dataclass

from apilint.frameworks.django_views import ClassInfo
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_exprs

VIEWSET_ACTIONS: dict[str, tuple[str, ...]] = {
    "ModelViewSet": ("list", "create", "retrieve", "update", "partial_update", "destroy"),
    "ReadOnlyModelViewSet": ("list", "retrieve"),
    "ListModelMixin": ("list",), "CreateModelMixin": ("create",), "RetrieveModelMixin": ("retrieve",),
    "UpdateModelMixin": ("update", "partial_update"), "DestroyModelMixin": ("destroy",),
}
ACTION_ROUTES: dict[str, tuple[str, bool]] = {
    "list": ("GET", False), "create": ("POST", False), "retrieve": ("GET", True),
    "update": ("PUT", True), "partial_update": ("PATCH", True), "destroy": ("DELETE", True),
}
_DETAIL_ACTIONS = ("retrieve", "update", "partial_update", "destroy")


@dataclass
class Action:
    """An `@action` method: its HTTP methods (with `.mapping` extras), detail flag, URL part and the
    permission and throttle classes its decorator sets (None when it sets none)."""

    name: str
    methods: tuple[tuple[str, FunctionDef, Symbol], ...]
    detail: bool
    url_path: str
    permissions: tuple[Expr, ...] | None
    throttles: tuple[Expr, ...] | None
    decorator_mod: ModuleSummary


def standard_actions(info: ClassInfo) -> list[str]:
    """The standard actions (list, create, retrieve...) the viewset defines or inherits, in route order."""
    found: set[str] = set(info.defined_methods(tuple(ACTION_ROUTES)))
    for short in info.external_short:
        found |= set(VIEWSET_ACTIONS.get(short, ()))
    allowed = allowed_methods(info)
    return [a for a in ACTION_ROUTES if a in found and (allowed is None or ACTION_ROUTES[a][0] in allowed)]


def allowed_methods(info: ClassInfo) -> set[str] | None:
    """The HTTP methods a literal `http_method_names` allows (None when it is not set or not literal)."""
    allowed = info.attribute("http_method_names")
    if allowed is None or allowed[0].kind not in ("list", "tuple"):
        return None
    return {e.text.upper() for e in allowed[0].args if e.kind == "str"}


def extra_actions(index: ProjectIndex, info: ClassInfo) -> list[Action]:
    """The viewset's `@action` (and older `@detail_route`/`@list_route`) methods along its class
    chain, a subclass's overriding its base's, sorted by name."""
    out: dict[str, Action] = {}
    mappings: list[tuple[str, str, FunctionDef, Symbol]] = []
    for symbol in reversed(info.chain):
        assert symbol.cls is not None
        for func in symbol.cls.methods():
            for dec in func.decorators:
                expr = dec.expr
                callee = expr.func if expr.kind == "call" else expr
                name = (index.qualify_expr(symbol.module, callee) or "").rsplit(".", 1)[-1]
                if callee.kind == "attr" and callee.args[0].kind == "attr" and callee.args[0].text == "mapping":
                    mappings.append((callee.args[0].args[0].text, callee.text.upper(), func, symbol))
                elif name in ("action", "detail_route", "list_route"):
                    out[func.name] = _action(index, func, symbol, expr, name)
    allowed = allowed_methods(info)
    for target, method, func, symbol in mappings:
        if target in out:
            act = out[target]
            act.methods = (*act.methods, (method, func, symbol))
    for act in out.values():
        if allowed is not None:
            act.methods = tuple(m for m in act.methods if m[0] in allowed)
    return sorted(out.values(), key=lambda a: a.name)


def _action(index: ProjectIndex, func: FunctionDef, symbol: Symbol, expr: Expr, name: str) -> Action:
    call = expr if expr.kind == "call" else Expr("call", args=(expr,))
    detail_expr = call.kwarg("detail")
    detail = name == "detail_route" or (detail_expr is not None and detail_expr.is_true)
    methods_expr = index.const_value(symbol.module, call.kwarg("methods"))
    methods: tuple[str, ...] = ("GET",)
    if methods_expr is not None and methods_expr.kind in ("list", "tuple"):
        methods = tuple(e.text.upper() for e in methods_expr.args if e.kind == "str") or ("GET",)
    url_path = index.const_str(symbol.module, call.kwarg("url_path")) or func.name
    perms = call.kwarg("permission_classes")
    throttles = call.kwarg("throttle_classes")
    return Action(func.name, tuple((m, func, symbol) for m in methods), detail, url_path.strip("/"),
                  literal_items(perms), literal_items(throttles), symbol.module)


def loads_object(info: ClassInfo, action: str | None, method: str,
                 found: tuple[FunctionDef, Symbol] | None) -> bool:
    """True when the route's handler loads one object through `get_object()` (which runs the
    permissions' `has_object_permission`)."""
    if found is not None:
        return any(call.func.kind == "attr" and call.func.text in ("get_object", "check_object_permissions")
                   for _stmt, call in walk_exprs(found[0].body) if call.kind == "call")
    if action in _DETAIL_ACTIONS:
        return True
    return method in ("GET", "PUT", "PATCH", "DELETE") and action is None and any(
        short.startswith(("Retrieve", "Update", "Destroy")) for short in info.external_short)


def literal_items(expr: Expr | None) -> tuple[Expr, ...] | None:
    """The items of a literal list or tuple (starred items left out); None for anything else."""
    if expr is None:
        return None
    if expr.kind in ("list", "tuple"):
        return tuple(e for e in expr.args if e.kind != "starred")
    return None


__all__ = ["ACTION_ROUTES", "VIEWSET_ACTIONS", "Action", "allowed_methods", "extra_actions", "literal_items",
           "loads_object", "standard_actions"]
