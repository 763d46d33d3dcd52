"""The link step: run every adapter over the project and assemble the route map and facts."""

from __future__ import annotations

import traceback
from dataclasses import replace

from apilint.config import Config
from apilint.frameworks import LinkOutput, adapters
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthEvidence, AuthStatus, Diagnostic, Evidence, Location, ProjectFacts, Route, RouteMap
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
    routes = _unique_routes(out.routes, dict(config.auth_permissions))
    facts = ProjectFacts(
        apps=tuple(sorted(set(out.apps), key=lambda a: (a.location, a.name))),
        cors=tuple(sorted(set(out.cors), key=lambda c: (c.location, c.source))),
        settings=tuple(sorted(set(out.settings), key=lambda s: (s.location, s.name))),
        rate_limiters=tuple(sorted(set(out.rate_limiters), key=lambda e: (e.name, str(e.location)))),
        exception_handlers=tuple(sorted(set(out.exception_handlers), key=lambda h: (h.file, h.qualname))),
        request_hooks=tuple(sorted(set(out.request_hooks), key=lambda h: (h.file, h.qualname))),
        frameworks=tuple(sorted(out.frameworks)),
        graphql=tuple(sorted(set(out.graphql), key=lambda g: (g.location, g.path))),
        graphql_resolvers=tuple(sorted(set(out.graphql_resolvers), key=lambda r: (r.location, r.field))),
    )
    return RouteMap(routes), facts, tuple(out.diagnostics)


_PLACEHOLDER = lazy_compile(r"\{\?([^}]*)\}")


def _unique_routes(routes: list[Route], declared: dict[str, str] | None = None) -> tuple[Route, ...]:
    """One route per (method, path, handler, app), a linked one over an unlinked one; canonical order."""
    seen: dict[tuple[str, str, str, str, str], Route] = {}
    for route in routes:
        route = _settled(route, declared or {})
        key = (route.method, route.path, route.location.file, route.handler, route.app if route.linked else "")
        if key not in seen or (route.linked and not seen[key].linked):
            seen[key] = route
    linked_handlers = {(r.location.file, r.handler, r.method) for r in seen.values() if r.linked}
    kept = [r for r in seen.values() if r.linked or (r.location.file, r.handler, r.method) not in linked_handlers]
    return tuple(sorted(_branch_alternatives(kept), key=Route.sort_key))


def _branch_alternatives(routes: list[Route]) -> list[Route]:
    """A handler mounted in both branches of an `if` (`if BASE_PATH: mount(BASE_PATH, api) else:
    mount("/api", api)`) where one branch's prefix cannot be read: the readable path is the route,
    and the other branch is named in its condition, rather than a second copy with `{?expr}`."""
    readable: dict[tuple[str, str, str, str], Route] = {}
    for route in routes:
        if not route.unresolved and route.condition:
            readable.setdefault((route.location.file, route.handler, route.method, route.app), route)
    out: list[Route] = []
    merged: dict[int, list[str]] = {}
    for route in routes:
        other = readable.get((route.location.file, route.handler, route.method, route.app))
        if route.unresolved and route.condition and other is not None and other.condition != route.condition:
            merged.setdefault(id(other), []).append(f"{route.condition}: at {route.path}")
            continue
        out.append(route)
    return [replace(r, condition=f"{r.condition}; " + "; ".join(merged[id(r)]))
            if id(r) in merged else r for r in out]


_STATUS = {"required": AuthStatus.REQUIRED, "optional": AuthStatus.OPTIONAL, "none": AuthStatus.NONE}


def _settled(route: Route, declared: dict[str, str]) -> Route:
    """What every adapter's route owes the model: the unresolved parts of its path listed, the
    mechanisms the configuration declares judged as declared, and no `none` auth on a route
    nothing mounts (whatever mounts it may add authentication)."""
    unresolved = tuple(dict.fromkeys(_PLACEHOLDER.findall(route.raw_path) + _PLACEHOLDER.findall(route.path)))
    if unresolved != route.unresolved:
        route = replace(route, unresolved=unresolved)
    if declared and route.auth.status is AuthStatus.UNKNOWN:
        route = replace(route, auth=_declared(route.auth, declared))
    if not route.linked and route.auth.status is AuthStatus.NONE:
        why = Evidence("unlinked", route.group or route.handler, AuthStatus.UNKNOWN,
                       "no application mounts this route's router or view; the app that does may add authentication",
                       route.location)
        route = replace(route, auth=AuthEvidence(AuthStatus.UNKNOWN, (*route.auth.evidence, why)))
    return route


def _declared(auth: AuthEvidence, declared: dict[str, str]) -> AuthEvidence:
    """Unknown evidence the configuration declares (`[tool.apilint.auth] permissions`) takes the declared
    status; the route is then judged from its evidence: required over optional over unknown over none."""
    evidence = []
    for item in auth.evidence:
        name = declared.get(item.name) or declared.get(item.name.rsplit(".", 1)[-1])
        if item.status is AuthStatus.UNKNOWN and name is not None:
            item = replace(item, status=_STATUS[name], detail=f"declared {name} in the configuration")
        evidence.append(item)
    statuses = {e.status for e in evidence}
    for status in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN):
        if status in statuses:
            return AuthEvidence(status, tuple(evidence))
    return AuthEvidence(AuthStatus.NONE, tuple(evidence))
