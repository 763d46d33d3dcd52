"""Why a route's authentication is what it is: its evidence as a chain, route first.

Adapters record every fact on the way to a handler as `Evidence`; this module orders those facts
by where they apply (the route itself, its router/blueprint/viewset, the app, the project's
settings, the configuration) and words them, for `apilint routes --why` and the route JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from apilint.model import AuthStatus, Evidence, Route

LEVELS: Final = ("route", "router", "app", "settings", "declared", "unlinked")
"""Where a fact applies, innermost first."""

_ROUTER_WORDS: Final = ("router dependencies", "router auth", ".permission_classes", "get_permissions",
                        "blueprint", "viewset", "class")
_APP_WORDS: Final = ("include_router dependencies", "ninjaapi auth", "global security", "app ")
_SETTINGS_KINDS: Final = frozenset({"setting", "default"})
_ROUTER_KINDS: Final = frozenset({"mixin", "custom_permission", "hook"})
_APP_KINDS: Final = frozenset({"middleware", "urlconf", "admin_site"})


@dataclass(frozen=True, slots=True)
class Step:
    """One fact of the chain: where it applies and what it says."""

    level: str
    evidence: Evidence

    def render(self) -> str:
        """`router  required  dependency app.deps.get_user (router dependencies; ...) app/deps.py:12`."""
        e = self.evidence
        where = f" {e.location.file}:{e.location.line}" if e.location else ""
        detail = f" ({e.detail})" if e.detail else ""
        return f"{self.level:<8} {e.status.value:<8} {e.kind.replace('_', ' ')} {e.name}{detail}{where}"


def level_of(evidence: Evidence) -> str:
    """Where one fact applies: `route`, `router`, `app`, `settings`, `declared` or `unlinked`."""
    detail = evidence.detail.lower()
    if evidence.kind == "unlinked":
        return "unlinked"
    if detail.startswith("declared "):
        return "declared"
    if evidence.kind in _SETTINGS_KINDS or "rest_framework." in detail or "settings" in detail:
        return "settings"
    if evidence.kind in _APP_KINDS or any(w in detail for w in _APP_WORDS):
        return "app"
    if evidence.kind in _ROUTER_KINDS or any(w in detail for w in _ROUTER_WORDS):
        return "router"
    return "route"


def chain(route: Route) -> tuple[Step, ...]:
    """The route's auth evidence, innermost first (stable within a level)."""
    steps = [Step(level_of(e), e) for e in route.auth.evidence]
    return tuple(sorted(steps, key=lambda s: LEVELS.index(s.level)))


def reason(route: Route) -> str:
    """One sentence: the route's status and the fact that decided it."""
    status = route.auth.status
    deciding = [s for s in chain(route) if s.evidence.status is status] or list(chain(route))
    if not deciding:
        if status is AuthStatus.NONE:
            return "none: nothing on the route, its routers or its app checks who the caller is"
        return f"{status.value}: no evidence recorded"
    first = deciding[0]
    e = first.evidence
    where = f" at {e.location.file}:{e.location.line}" if e.location else ""
    if first.level == "unlinked":
        return (f"{status.value}: no app apilint can see mounts {e.name}{where}; "
                "the one that does may add authentication")
    return f"{status.value}: {first.level} {e.kind.replace('_', ' ')} {e.name}{where}"


__all__ = ["LEVELS", "Step", "chain", "level_of", "reason"]
