"""`apilint routes` as a table: method, path, auth, handler, app, mount condition, location, and
the coverage line; `--why` lists the chain behind each route's auth instead."""

from __future__ import annotations

import io

from apilint.model import Coverage, Route
from rich.console import Console
from rich.table import Table


def deciding_evidence(route: Route) -> str:
    """The name of the first fact whose status is the route's (a `csrf_exempt` listed before the
    handler's own check does not name what authenticates it), else of the first fact."""
    evidence = route.auth.evidence
    for fact in evidence:
        if fact.status is route.auth.status:
            return fact.name
    return evidence[0].name if evidence else ""


def render_routes_table(route_list: tuple[object, ...], why: bool = False, color: bool = False) -> str:
    """The route map as a table (or, with `why`, each route with the chain that decided its auth),
    ending with the coverage line."""
    routes = tuple(r for r in route_list if isinstance(r, Route))
    several = len({r.app for r in routes if r.app}) > 1 or any(not r.linked for r in routes)
    conditional = any(r.condition for r in routes)
    table = Table(show_lines=False, box=None, pad_edge=False)
    for column in ("method", "path", "auth", "handler", *(("app",) if several else ()),
                   *(("mounted",) if conditional else ()), "location"):
        # a mount condition can be long; it wraps so the location stays whole
        table.add_column(column, max_width=32 if column == "mounted" else None,
                         overflow="fold" if column == "mounted" else "ellipsis")
    for route in routes:
        evidence = deciding_evidence(route)
        auth = route.auth.status.value + (f" ({evidence})" if evidence else "")
        app_cell = (route.app if route.linked else "(unlinked)",) if several else ()
        condition_cell = (route.condition or "always",) if conditional else ()
        table.add_row(route.method, route.path, auth, route.handler, *app_cell, *condition_cell,
                      f"{route.location.file}:{route.location.line}")
    buffer = io.StringIO()
    if why:
        from apilint.why import chain, reason

        for route in routes:
            where = f"{route.location.file}:{route.location.line}"
            app_note = f"  [{route.app if route.linked else 'unlinked'}]" if several else ""
            buffer.write(f"{route.method} {route.path}  {route.handler}  {where}{app_note}\n")
            buffer.write(f"    {reason(route)}\n")
            for step in chain(route):
                buffer.write(f"      {step.render()}\n")
            if route.condition:
                buffer.write(f"      mounted {route.condition}\n")
    else:
        Console(file=buffer, width=200, no_color=not color, force_terminal=color).print(table)
    buffer.write(Coverage.of(routes).line() + "\n")
    return buffer.getvalue()
