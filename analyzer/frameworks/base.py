"""The framework adapter contract (the "hookspec").

The summarize pass is framework-neutral: it keeps each file's compact syntax tree, so an
adapter needs no per-file hook. An adapter has two parts, both run once per project in the
link step:

- `detect(index)`: cheap; true when the project uses the framework (it imports it).
- `link(index, config, out)`: read the summaries, and add the framework's routes and
  app-level facts (apps, CORS policies, settings, rate limiters, exception handlers) to `out`.

Adapters never raise on odd input; the linker still isolates them, so that an exception in
one adapter becomes a diagnostic and the others' routes are kept.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from apilint.model import (
    AppFact,
    CorsPolicy,
    Diagnostic,
    Evidence,
    GraphQLEndpoint,
    GraphQLResolver,
    HandlerRef,
    Route,
    SettingFact,
)

if TYPE_CHECKING:
    from apilint.config import Config
    from apilint.project import ProjectIndex


@dataclass
class LinkOutput:
    """What the adapters produce, collected across adapters."""

    routes: list[Route] = field(default_factory=list)
    apps: list[AppFact] = field(default_factory=list)
    cors: list[CorsPolicy] = field(default_factory=list)
    settings: list[SettingFact] = field(default_factory=list)
    rate_limiters: list[Evidence] = field(default_factory=list)
    exception_handlers: list[HandlerRef] = field(default_factory=list)
    request_hooks: list[HandlerRef] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    frameworks: set[str] = field(default_factory=set)
    graphql: list[GraphQLEndpoint] = field(default_factory=list)
    graphql_resolvers: list[GraphQLResolver] = field(default_factory=list)
    inputs: set[str] = field(default_factory=set)
    """Absolute paths of non-Python files read (OpenAPI specs): part of the result cache key."""


class FrameworkAdapter(Protocol):
    """One framework's knowledge: how its routes, auth and settings are written."""

    name: str
    """Adapter name used in `Route.framework` and rule `frameworks` (e.g. `fastapi`)."""

    def detect(self, index: ProjectIndex) -> bool:
        """True when the project uses this framework."""
        ...

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Add this framework's routes and facts to `out`."""
        ...


def imports_any(index: ProjectIndex, prefixes: tuple[str, ...]) -> bool:
    """True when some module imports a module starting with one of `prefixes` (`flask` matches
    `flask` and `flask.views`, not `flask_cors`)."""
    imported = _IMPORTED.get(index)
    if imported is None:
        # every dotted prefix of every imported module, once per index: each adapter asks
        imported = set()
        for mod in index:
            for imp in mod.imports:
                parts = imp.module.split(".")
                imported.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        _IMPORTED[index] = imported
    return any(p in imported for p in prefixes)


_IMPORTED: weakref.WeakKeyDictionary[ProjectIndex, set[str]] = weakref.WeakKeyDictionary()
