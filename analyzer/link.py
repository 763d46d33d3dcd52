"""The link step: run every adapter over the project and assemble the route map and facts."""

from __future__ import annotations

import traceback

from apilint.config import Config
from apilint.frameworks import LinkOutput, adapters
from apilint.model import Diagnostic, Location, ProjectFacts, Route, RouteMap
from apilint.project import ProjectIndex


def link_project(index: ProjectIndex, config: Config,
                 inputs: set[str] | None = None) -> tuple[RouteMap, ProjectFacts, tuple[Diagnostic, ...]]:
    """Build the route map and app-level facts; an adapter that fails becomes a diagnostic."""
    out = LinkOutput()
    for adapter in adapters():
        try:
            if adapter.detect(index):
                adapter.link(index, config, out)
        except Exception as exc:  # an adapter bug must not take the run down
            frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
            out.diagnostics.append(Diagnostic(
                "INTERNAL", f"framework adapter '{adapter.name}' failed: {type(exc).__name__}: {exc}{where}",
                Location(".", 0), internal=True))
    if inputs is not None:
        inputs.update(out.inputs)
    routes = _unique_routes(out.routes)
    facts = ProjectFacts(
        apps=tuple(sorted(set(out.apps), key=lambda a: (a.location, a.name))),
        cors=tuple(sorted(set(out.cors), key=lambda c: (c.location, c.source))),
        settings=tuple(sorted(set(out.settings), key=lambda s: (s.location, s.name))),
        rate_limiters=tuple(sorted(set(out.rate_limiters), key=lambda e: (e.name, str(e.location)))),
        exception_handlers=tuple(sorted(set(out.exception_handlers), key=lambda h: (h.file, h.qualname))),
        frameworks=tuple(sorted(out.frameworks)),
        graphql=tuple(sorted(set(out.graphql), key=lambda g: (g.location, g.path))),
        graphql_resolvers=tuple(sorted(set(out.graphql_resolvers), key=lambda r: (r.location, r.field))),
    )
    return RouteMap(routes), facts, tuple(out.diagnostics)


def _unique_routes(routes: list[Route]) -> tuple[Route, ...]:
    """One route per (method, path, handler); canonical order."""
    seen: dict[tuple[str, str, str, str], Route] = {}
    for route in routes:
        key = (route.method, route.path, route.location.file, route.handler)
        if key not in seen:
            seen[key] = route
    return tuple(sorted(seen.values(), key=Route.sort_key))
