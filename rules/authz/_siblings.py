"""A change the rest of its resource keeps to a role: `PUT /menu` and `PUT /menu/{item_id}` require
staff while `DELETE /menu/{item_id}` only a login (the check forgotten on one method)."""

from __future__ import annotations

from apilint.lazy_regex import lazy_compile
from apilint.model import Route, RouteMap
from apilint.rules.authz._roles import restricting

_ROLE_KINDS = frozenset({"role", "permission", "permission_class", "superuser", "staff"})
_PARAM = lazy_compile(r"\{[^}]*\}")

_cache: dict[int, tuple[RouteMap, dict[tuple[str, str], list[Route]]]] = {}


def resource_of(path: str) -> str:
    """The collection a path acts on: `/menu/{id}` and `/menu` are one resource."""
    path = _PARAM.sub("{}", path.rstrip("/") or "/")
    return path[: -len("/{}")] if path.endswith("/{}") else path


def by_resource(routes: RouteMap) -> dict[tuple[str, str], list[Route]]:
    """The app's own routes by (app, resource), built once per route map."""
    key = id(routes)
    cached = _cache.get(key)
    if cached is not None and cached[0] is routes:
        return cached[1]
    groups: dict[tuple[str, str], list[Route]] = {}
    for route in routes:
        if not route.builtin:
            groups.setdefault((route.app, resource_of(route.path)), []).append(route)
    _cache.clear()
    _cache[key] = (routes, groups)
    return groups


def _role_gated(route: Route) -> bool:
    """A role gate on the way to the handler (a dependency, decorator, permission class), not a
    role test inside the handler's body, which may be one branch among others (admins may also...)."""
    own = route.handler
    return any(e.kind in _ROLE_KINDS and e.name != own and not e.name.startswith(own + ".") and
               not e.detail.startswith("the handler") for e in restricting(route.authz))


def _is_item(path: str) -> bool:
    return _PARAM.sub("{}", path.rstrip("/")).endswith("/{}")


def sibling_role_reason(route: Route, routes: RouteMap) -> str | None:
    """Why a change to one item without a role check is privileged: the collection's and the item's
    other changes all require a role (`POST /menu` and `PUT /menu/{id}` do, `DELETE /menu/{id}`
    does not); else None. A create open to every user beside edits checked per object is common."""
    if not route.is_unsafe or route.method == "ANY" or not _is_item(route.path) or \
            any(e.kind in _ROLE_KINDS for e in restricting(route.authz)):
        return None
    others = [r for r in by_resource(routes).get((route.app, resource_of(route.path)), [])
              if r.is_unsafe and r.method != "ANY" and r is not route and r.handler != route.handler]
    if not any(_is_item(r.path) for r in others) or all(_is_item(r.path) for r in others) or \
            not all(_role_gated(r) for r in others):
        return None
    named = ", ".join(sorted({f"{r.method} {r.path}" for r in others})[:2])
    return f"the other changes to `{resource_of(route.path)}` ({named}) require a role, this one does not"
