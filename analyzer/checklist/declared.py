"""`[tool.apilint.checklist]`: evidence apilint cannot see in the code, declared by the user.

A gateway, load balancer or platform often provides TLS termination, rate limiting or size
limits. Declarations turn such a step's `unknown` cells into `met (declared)`; they never
override a finding.

```toml
[tool.apilint.checklist]
https = "TLS terminated at the load balancer"            # every route of every app

[[tool.apilint.checklist.declare]]
paths = ["/api/*"]                                       # optional: path globs
apps = ["app.main.app"]                                  # optional: app names or globs
steps = { rate_limiting = "Kong rate-limit plugin", request_size = "nginx client_max_body_size 1m" }
```
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from apilint.checklist.steps import STEPS, Step
from apilint.model import Route

_STEP_KEYS = tuple(s.value for s in STEPS)
_DECLARE_KEYS = ("apps", "paths", "steps")


class DeclarationError(ValueError):
    """A malformed `[tool.apilint.checklist]` table; the message names the key."""


@dataclass(frozen=True, slots=True)
class Declaration:
    """One declared step, for the routes it covers."""

    step: Step
    text: str
    """What provides the step, in the user's words."""
    paths: tuple[str, ...] = ()
    """Path globs the declaration covers; empty for every path."""
    apps: tuple[str, ...] = ()
    """App names or globs the declaration covers; empty for every app."""
    where: str = "[tool.apilint.checklist]"

    def covers(self, route: Route) -> bool:
        """True when the declaration applies to the route."""
        if self.paths and not any(fnmatch.fnmatchcase(route.path, p) or fnmatch.fnmatchcase(route.raw_path, p)
                                  for p in self.paths):
            return False
        return not self.apps or any(fnmatch.fnmatchcase(route.app, a) for a in self.apps)


def _hint(key: str, options: Sequence[str]) -> str:
    match = difflib.get_close_matches(key, list(options), n=1)
    return f" (did you mean '{match[0]}'?)" if match else f" (valid keys: {', '.join(sorted(options))})"


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DeclarationError(f"{where}: expected a non-empty string saying what provides the step, got "
                               f"{type(value).__name__} {value!r}")
    return value.strip()


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DeclarationError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)


def _steps(value: object, where: str) -> list[tuple[Step, str]]:
    if not isinstance(value, dict) or not value:
        raise DeclarationError(f"{where}: expected a table of step = \"what provides it\"")
    out = []
    for key, text in value.items():
        if key not in _STEP_KEYS:
            raise DeclarationError(f"{where}: unknown step '{key}'{_hint(str(key), _STEP_KEYS)}")
        out.append((Step(key), _text(text, f"{where}.{key}")))
    return out


def parse_declarations(raw: object) -> tuple[Declaration, ...]:
    """Validate the `checklist` table; raises DeclarationError naming the offending key."""
    if not isinstance(raw, dict):
        raise DeclarationError("'checklist' must be a table")
    out: list[Declaration] = []
    for key, value in raw.items():
        if key == "declare":
            if not isinstance(value, list):
                raise DeclarationError("'checklist.declare' must be an array of tables ([[tool.apilint.checklist."
                                       "declare]])")
            for number, entry in enumerate(value, start=1):
                where = f"'checklist.declare' entry {number}"
                if not isinstance(entry, dict):
                    raise DeclarationError(f"{where}: expected a table")
                for sub in entry:
                    if sub not in _DECLARE_KEYS:
                        raise DeclarationError(f"{where}: unknown key '{sub}'{_hint(str(sub), _DECLARE_KEYS)}")
                if "steps" not in entry:
                    raise DeclarationError(f"{where}: 'steps' is required")
                paths = _strings(entry.get("paths", []), f"{where}: 'paths'")
                apps = _strings(entry.get("apps", []), f"{where}: 'apps'")
                label = f"[[tool.apilint.checklist.declare]] #{number}"
                out += [Declaration(step, text, paths, apps, label)
                        for step, text in _steps(entry["steps"], f"{where}: 'steps'")]
        elif key in _STEP_KEYS:
            out.append(Declaration(Step(key), _text(value, f"'checklist.{key}'")))
        else:
            raise DeclarationError(f"unknown key 'checklist.{key}'{_hint(str(key), (*_STEP_KEYS, 'declare'))}")
    return tuple(out)


def declaration_for(declarations: Sequence[Declaration], route: Route, step: Step) -> Declaration | None:
    """The first declaration of `step` that covers `route`; entries with paths or apps win over
    the table-wide ones, so the most specific text is shown."""
    specific = [d for d in declarations if d.step is step and (d.paths or d.apps) and d.covers(route)]
    if specific:
        return specific[0]
    return next((d for d in declarations if d.step is step and d.covers(route)), None)


__all__ = ["Declaration", "DeclarationError", "declaration_for", "parse_declarations"]
