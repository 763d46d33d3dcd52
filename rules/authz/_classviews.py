"""Object access in class-based views: DRF generic views and viewsets, Django generic detail views.

These views load the object themselves (`self.get_object()` over `queryset` or
`get_queryset()`), so the load is implied by the base class, and ownership lives in
`get_queryset`, `get_object` or an object permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from apilint.model import Route
from apilint.project import ProjectIndex, Symbol
from apilint.rule import RuleContext
from apilint.rules._views import view_class
from apilint.rules.authz._names import is_framework_model, is_owner_field, is_user_model, looks_public, mentions_user
from apilint.summary import ClassDef, Expr, FunctionDef, walk_stmts

DETAIL_BASES = frozenset({
    "ModelViewSet", "ReadOnlyModelViewSet", "GenericViewSet", "RetrieveModelMixin", "UpdateModelMixin",
    "DestroyModelMixin", "RetrieveAPIView", "RetrieveUpdateAPIView", "RetrieveDestroyAPIView",
    "RetrieveUpdateDestroyAPIView", "UpdateAPIView", "DestroyAPIView", "GenericAPIView",
    "DetailView", "UpdateView", "DeleteView", "SingleObjectMixin", "BaseDetailView", "BaseUpdateView",
    "BaseDeleteView",
})
_USERS = {"user", "current_user", "owner"}
_QUERY_CALLS = frozenset({"objects", "all", "filter", "exclude", "get", "none", "order_by", "select_related",
                          "prefetch_related", "using", "distinct", "annotate", "only", "defer"})


@dataclass(frozen=True)
class ClassAccess:
    """How a class-based view reaches the object behind a detail route."""

    owned: bool
    model: Expr | None
    model_module: Symbol | None
    source: str
    """`get_object()`, `queryset` or `model`, for the message."""


def class_access(index: ProjectIndex, route: Route, handler: FunctionDef | None) -> ClassAccess | None:
    """The implied object load of a class-based detail view, or None when there is none."""
    symbol = view_class(index, route)
    if symbol is None or not any(b.rsplit(".", 1)[-1] in DETAIL_BASES for b in index.base_names(symbol)):
        return None
    if handler is not None and not _calls_get_object(handler):
        return None  # an overridden action that loads on its own: the plain scan handles it
    chain = index.class_chain(symbol)
    for method_name in ("get_queryset", "get_object"):
        method = _method(chain, method_name)
        if method is not None and (_mentions_caller(chain, method, 0) or _parent_scoped(method)):
            return ClassAccess(True, None, None, method_name)
    dispatch = _method(chain, "dispatch")
    if dispatch is not None and _turns_away_others(dispatch):
        return ClassAccess(True, None, None, "dispatch")
    model, owner = _model(chain)
    if model is None:
        return None  # the model cannot be read (a computed queryset): no basis for a finding
    return ClassAccess(False, model, owner, "queryset")


def model_owner(index: ProjectIndex, access: ClassAccess) -> tuple[str | None, bool | None, bool, bool]:
    """(model name, has an owner field, is a user model, looks like public content) of the view's model."""
    if access.model is None or access.model_module is None:
        return None, None, False, False
    short = (access.model.dotted or "").rsplit(".", 1)[-1] or None
    if short is not None and is_user_model(short):
        return short, None, True, False
    target = index.resolve(access.model_module.module, access.model)
    if target is None or target.cls is None:
        shared = is_framework_model(index.qualify_expr(access.model_module.module, access.model))
        return short, (False if shared else None), False, False
    fields = list(target.cls.field_names())
    for base in index.base_names(target):
        if base.endswith(("AbstractUser", "AbstractBaseUser")):
            return short, None, True, False
        parent = index.lookup(base)
        if parent is not None and parent.cls is not None:
            fields += parent.cls.field_names()
    return short, any(is_owner_field(f) for f in fields), False, looks_public(fields)


def _calls_get_object(func: FunctionDef) -> bool:
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind == "attr" and call.func.text in ("get_object", "get_queryset"):
                    return True
    return False


def _method(chain: list[Symbol], name: str) -> FunctionDef | None:
    for symbol in chain:
        assert symbol.cls is not None
        found = symbol.cls.method(name)
        if found is not None:
            return found
    return None


def _mentions_caller(chain: list[Symbol], func: FunctionDef, depth: int) -> bool:
    """True when the method uses the caller, itself or in a method of the view it calls
    (`return self.get_scoped_queryset(alias)` filtering by `self.request.user`)."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            if mentions_user(expr, _USERS):
                return True
            if depth >= 2:
                continue
            for call in expr.calls():
                callee = call.func
                if callee.kind != "attr":
                    continue
                method: FunctionDef | None = None
                if callee.args[0].kind == "name" and callee.args[0].text == "self":
                    method = _method(chain, callee.text)
                elif callee.args[0].kind == "call" and callee.args[0].func.dotted == "super":
                    method = _after(chain, func, callee.text)  # `super().get_queryset()`: the next class's
                if method is not None and method is not func and _mentions_caller(chain, method, depth + 1):
                    return True
    return False


def _turns_away_others(func: FunctionDef) -> bool:
    """A project `dispatch()` (often in a shared mixin) that compares the object's owner with the
    caller and answers before the view runs: `if obj.user != self.request.user: return
    HttpResponseForbidden()`, `if owner.owner_id != request.user.id: raise PermissionDenied`."""
    for stmt in walk_stmts(func.body):
        if stmt.kind != "if" or stmt.value is None or not any(s.kind in ("return", "raise") for s in stmt.body):
            continue
        for expr in stmt.value.walk():
            if expr.kind != "compare" or len(expr.args) != 2 or expr.text not in ("!=", "is not"):
                continue
            mine = [mentions_user(side, _USERS) or _is_request_user(side) for side in expr.args]
            other = [side for side, m in zip(expr.args, mine, strict=True) if not m]
            if any(mine) and (not other or other[0].kind in ("attr", "name")):
                return True
    return False


def _is_request_user(expr: Expr) -> bool:
    dotted = expr.dotted or ""
    return dotted.endswith(("request.user", "request.user.id", "request.user.pk"))


def _after(chain: list[Symbol], func: FunctionDef, name: str) -> FunctionDef | None:
    """The method `name` of the classes after the one defining `func` (what `super()` reaches)."""
    for i, symbol in enumerate(chain):
        assert symbol.cls is not None
        if any(m is func for m in symbol.cls.methods()):
            return _method(chain[i + 1:], name)
    return None


def _parent_scoped(func: FunctionDef) -> bool:
    """`return self.project.font_set.all()`: the queryset is a relation of an object the view loaded
    for the request (and checked there), so the lookup is scoped to that parent."""
    for stmt in walk_stmts(func.body):
        if stmt.kind != "return" or stmt.value is None:
            continue
        node = stmt.value
        attrs: list[str] = []
        for _ in range(12):
            if node.kind == "call":
                node = node.func
            elif node.kind == "attr":
                attrs.append(node.text)
                node = node.args[0]
            else:
                break
        # self.<parent>.<relation>...: at least two attributes below `self`, the first not the view's own queryset
        if node.kind == "name" and node.text == "self" and len(attrs) >= 2 and \
                attrs[-1] not in ("queryset", "model", "request", "kwargs", "args") and attrs[-2] not in _QUERY_CALLS:
            return True
    return False


def _model(chain: list[Symbol]) -> tuple[Expr | None, Symbol | None]:
    """The model of `queryset = Model.objects...`, `model = Model` or `get_queryset`, and where it is named."""
    for symbol in chain:
        cls: ClassDef | None = symbol.cls
        assert cls is not None
        model = cls.attribute("model")
        if model is not None and model.dotted:
            return model, symbol
        queryset = cls.attribute("queryset")
        if queryset is not None:
            root = _root(queryset)
            if root is not None:
                return root, symbol
        method = cls.method("get_queryset")
        if method is not None:
            for stmt in walk_stmts(method.body):
                if stmt.kind == "return" and stmt.value is not None:
                    root = _root(stmt.value)
                    if root is not None:
                        return root, symbol
    return None, None


def _root(expr: Expr) -> Expr | None:
    node = expr
    for _ in range(12):
        if node.kind == "call":
            node = node.func
        elif node.kind == "attr":
            if node.text == "objects":
                return node.args[0]
            node = node.args[0]
        else:
            return None
    return None


_DELEGATING_ACTIONS = {"partial_update": "update"}
"""DRF actions whose inherited implementation calls another action (`partial_update` calls
`self.update(request, partial=True)`), so a project override of the latter decides."""


def route_handler(ctx: RuleContext, route: Route) -> FunctionDef | None:
    """The route's handler, or for an inherited DRF `partial_update` the `update` its class (or a
    base in the same module) defines."""
    handler = ctx.handler(route)
    ref = route.handler_ref
    if handler is not None or ref is None or "." not in ref.qualname:
        return handler
    target = _DELEGATING_ACTIONS.get(ref.qualname.rsplit(".", 1)[1])
    cls = view_class(ctx.index, route) if target is not None else None
    method = ctx.index.find_method(cls, target) if cls is not None and target is not None else None
    return method.func if method is not None and method.module is ctx.index.by_path.get(ref.file) else None
