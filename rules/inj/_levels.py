"""Taint levels and the plain types the injection rules share.

A taint level is a bit set (0 = clean):

- `ANY`: the value holds client input somewhere;
- `HEAD`: the value *starts* with client input (the scheme and host of a URL are the
  client's, not only a path suffix after a fixed base);
- `FREE`: the input can hold `/` (query, body and request reads, `path` converters),
  unlike a single path segment the router matched;
- `SESSION`: the value comes (at least partly) from the session, which the app itself filled
  on earlier requests: such findings are low confidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.model import Location, Route
from apilint.summary import Expr

if TYPE_CHECKING:
    from apilint.rules.inj._taint import Frame

ANY, HEAD, FREE, SESSION = 1, 2, 4, 8
FULL = ANY | HEAD | FREE
MAX_DEPTH = 2
"""How many project calls deep a flow is followed."""

_ORIGIN_FIXED = lazy_compile(r"^[a-z][a-z0-9+.-]*://[^/?#]*[/?#]", re.IGNORECASE)
_SCHEME_ONLY = lazy_compile(r"^([a-z][a-z0-9+.-]*(:/{0,2})?)?$", re.IGNORECASE)
DYNAMIC = "\x00"
"""Stands for an untainted dynamic piece (a configured base URL) in a literal prefix."""


@dataclass(frozen=True)
class Kind:
    """What one rule counts as clean: sanitizer calls and whether path/URL checks clear a value."""

    name: str
    sanitizers: frozenset[str] = frozenset()
    """Qualified names (or last segments) of calls whose result is clean for this kind."""
    path_checks: bool = False
    """Containment checks (`startswith`, `is_relative_to`, `..` tests) and `Path(...).name` clear."""
    url_checks: bool = False
    """Host allow-lists (`urlparse(u).hostname in ALLOWED`, `u.startswith("https://host/")`) clear."""


class Hit(NamedTuple):
    """A sink a rule recognised: what it is called, the argument at fault and its taint."""

    sink: str
    arg: Expr
    level: int
    variant: str = ""
    """A rule's own sub-kind of sink, when it words or weighs them differently."""


class FlowHit(NamedTuple):
    """A value reaching a sink: where, from which route (or function), through which function."""

    route: Route | None
    """The route whose handler starts the flow; None for a function no route reaches."""
    location: Location
    hit: Hit
    via: str
    """The project function holding the sink when it is not the entry function itself."""
    function: str = ""
    """The entry function (`module.qualname`) when no route reaches it."""
    also: tuple[str, ...] = ()
    """Other routes whose client input reaches the same sink line (a shared helper)."""
    error_handler: bool = False
    """The entry function is a registered error handler: every request that fails (an unknown
    URL, for a 404 handler) reaches it, though no route names it."""
    request_hook: bool = False
    """The entry function is a request hook (`before_request`): every request runs it."""

    @property
    def proven(self) -> bool:
        """True when client input reaches the sink; False for a value apilint cannot trace."""
        return bool(self.hit.level & ANY)

    @property
    def subject(self) -> str:
        """What the finding is about: the route (`GET /items`), or the function no route reaches."""
        if self.route is not None:
            return self.route.display if self.route.linked else f"{self.route.display} (on no app apilint knows)"
        if self.error_handler:
            return f"{self.function}() (an error handler: any request that fails reaches it)"
        if self.request_hook:
            return f"{self.function}() (a request hook: every request runs it)"
        return f"{self.function}() (reached by no route apilint knows)"

    def rank(self) -> tuple[int, int, int]:
        """Which of several flows to one sink line to report: proven input first, then a route's."""
        return (0 if self.proven else 1, 0 if self.route is not None else 1, 1 if self.via else 0)


SinkMatcher = Callable[["Frame", Expr], Iterator[Hit]]


def flatten_plus(e: Expr) -> list[Expr]:
    """The operands of a chain of `+` (`a + b + c` -> [a, b, c])."""
    if e.kind == "binop" and e.text == "+":
        return [*flatten_plus(e.args[0]), *flatten_plus(e.args[1])]
    return [e]


def fixed_origin(prefix: str) -> bool:
    """True when a URL prefix already fixes scheme and host (`https://api.x.com/`, `{BASE_URL}/`).

    `prefix` is the literal text before the input, with untainted dynamic pieces written as
    `DYNAMIC`: a prefix that starts with one (and names no scheme itself) is a configured base.
    """
    if prefix.startswith(DYNAMIC) and "://" not in prefix:
        return True
    prefix = prefix.replace(DYNAMIC, "x")
    if _ORIGIN_FIXED.match(prefix):
        return True
    return "://" not in prefix and not _SCHEME_ONLY.match(prefix)


def or_levels(levels: Iterable[int]) -> int:
    """The union of taint levels."""
    out = 0
    for lv in levels:
        out |= lv
    return out


def merge_envs(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """Two branches' environments joined: a local is as tainted as on either path."""
    return {k: a.get(k, 0) | b.get(k, 0) for k in a.keys() | b.keys()}


_OFFLINE_DIRS = frozenset({"migrations", "alembic", "examples", "example_dags"})


def offline(path: str) -> bool:
    """Files that never serve a request (schema migrations, shipped examples): a value apilint
    cannot trace there is not reported."""
    return any(part in _OFFLINE_DIRS for part in path.split("/")[:-1])
