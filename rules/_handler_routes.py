"""The route map split by handler module, for rules whose work on a module is kept between runs
(`RuleContext.per_module`): a module's share is what such work may read of the map."""

from __future__ import annotations

from apilint.model import Route
from apilint.rule import RuleContext


def routes_by_module(ctx: RuleContext) -> dict[str, dict[tuple[str, str], Route]]:
    """`RuleContext.route_of_handlers`, split by the handler's module: a module's share is what a
    per-module result that names routes reads of the route map."""
    out: dict[str, dict[tuple[str, str], Route]] = {}
    for key, route in ctx.route_of_handlers().items():
        out.setdefault(key[0], {})[key] = route
    return out


def routes_inputs(routes: dict[tuple[str, str], Route]) -> str:
    """A module's routes as a per-module result's inputs: every field of every route, so a route
    that changes in any way (its path, its auth, its line) makes the result be made again."""
    return repr(sorted(routes.items(), key=lambda item: item[0]))


__all__ = ["routes_by_module", "routes_inputs"]
