"""The view class behind a route served by one of its methods (DRF generics and viewsets, Django
class-based views, Flask `MethodView`s), for rules that read what the class itself does."""

from __future__ import annotations

from apilint.model import Route
from apilint.project import ProjectIndex, Symbol


def view_class(index: ProjectIndex, route: Route) -> Symbol | None:
    """The class whose method handles the route, or None for a function handler."""
    ref = route.handler_ref
    if ref is None or "." not in ref.qualname:
        return None
    mod = index.by_path.get(ref.file)
    if mod is None:
        return None
    symbol = index.lookup(f"{mod.module}.{ref.qualname.rsplit('.', 1)[0]}")
    return symbol if symbol is not None and symbol.cls is not None else None
