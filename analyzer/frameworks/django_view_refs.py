"""What a Django URL points at: a function view (with the decorators applied by rebinding its
name), a class-based view (`X.as_view(...)`), an inline lambda or something outside the project,
and whether it is a DRF view. Shared by the Django and DRF adapters."""

from __future__ import annotations

from dataclasses import dataclass

from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, ModuleSummary

DRF_CLASS_NAMES = frozenset({
    "APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet", "ReadOnlyModelViewSet",
    "ViewSetMixin", "ListAPIView", "CreateAPIView", "RetrieveAPIView", "DestroyAPIView", "UpdateAPIView",
    "ListCreateAPIView", "RetrieveUpdateAPIView", "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView",
})


@dataclass(frozen=True, slots=True)
class ViewRef:
    """A resolved URL target."""

    framework: str
    """`django` or `drf`."""
    kind: str
    """`function`, `class`, `lambda` (written inline in the URLconf) or `external`."""
    qualname: str
    symbol: Symbol | None = None
    as_view: Expr | None = None
    """The `X.as_view(...)` call, for class-based views."""
    rebound: tuple[Expr, ...] = ()
    """Decorators applied by rebinding the function's name (`view = login_required(view)` in the
    function's module), outermost first."""


def classify_view(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> ViewRef:
    """Tell what a URL's view expression is: function view, class-based view, DRF view."""
    as_view: Expr | None = None
    target = expr
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "as_view":
        as_view, target = expr, expr.func.args[0]
    if target.kind == "lambda":  # an inline view: its code is in the URLconf, nothing decorates it
        return ViewRef("django", "lambda", f"{mod.module}.<lambda>")
    qualified = index.qualify_expr(mod, target) or target.render(60)
    symbol = index.resolve(mod, target)
    if symbol is not None and symbol.cls is not None:
        bases = index.base_names(symbol)
        drf = any(_is_drf_name(b) for b in bases)
        return ViewRef("drf" if drf else "django", "class", symbol.qualname, symbol, as_view)
    if as_view is None and symbol is not None and symbol.value is not None and symbol.value.kind == "call" and \
            symbol.value.func.kind == "attr" and symbol.value.func.text == "as_view":
        return classify_view(index, symbol.module, symbol.value)  # `ca_list = CaListView.as_view()` in views.py
    rebound: list[Expr] = []
    if symbol is not None and symbol.func is None and symbol.cls is None:
        symbol = _rebound_function(symbol, rebound)
    if symbol is not None and symbol.func is not None:
        drf = any((index.qualify_expr(symbol.module, d.expr) or "").endswith("api_view")
                  for d in symbol.func.decorators)
        return ViewRef("drf" if drf else "django", "function", symbol.qualname, symbol, rebound=tuple(rebound))
    return ViewRef("drf" if _is_drf_name(qualified) else "django", "external", qualified, None, as_view)


def _rebound_function(symbol: Symbol, rebound: list[Expr]) -> Symbol:
    """`view = staff_required(view)` after `def view(...)`: the function, its rebinding decorators
    added to `rebound` (outermost first); `symbol` itself when its value is not such a call."""
    value = symbol.value
    name = symbol.qualname.rsplit(".", 1)[-1]
    while value is not None and value.kind == "call" and value.positional and len(rebound) < 4:
        layers, arg = [value], value.positional[0]
        while arg.kind == "call" and arg.positional and len(layers) < 4:  # `view = a(b(view))`
            layers.append(arg)
            arg = arg.positional[0]
        if arg.kind != "name" or arg.text != name:
            break
        rebound.extend(layers)
        earlier = _earlier_value(symbol.module, name, value)
        if earlier is None:
            func = next((f for f in symbol.module.functions() if f.qualname == name), None)
            return Symbol(symbol.qualname, symbol.module, func=func, line=func.line) if func is not None else symbol
        value = earlier
    return symbol


def _earlier_value(mod: ModuleSummary, name: str, value: Expr) -> Expr | None:
    """The value `name` was assigned at module level before the assignment of `value` (None: none)."""
    previous: Expr | None = None
    for stmt in mod.top_level():
        if stmt.kind == "assign" and stmt.value is value:
            return previous
        if stmt.kind == "assign" and stmt.value is not None and any(
                t.kind == "name" and t.text == name for t in stmt.targets):
            previous = stmt.value
    return None


def _is_drf_name(qualified: str) -> bool:
    return qualified.startswith(("rest_framework.", "rest_framework_simplejwt.")) or (
        qualified.rsplit(".", 1)[-1] in DRF_CLASS_NAMES and "." not in qualified)


__all__ = ["DRF_CLASS_NAMES", "ViewRef", "classify_view"]
