"""Discover rule classes under `apilint.rules`, validate them, sort them by code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import lru_cache

from apilint.rule import Rule


class RegistryError(Exception):
    """A rule module breaks the naming or uniqueness conventions."""


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code."""
    import apilint.rules as package

    found: dict[str, type[Rule]] = {}
    for family in pkgutil.iter_modules(package.__path__):
        if not family.ispkg or family.name.startswith("_"):
            continue
        fam_pkg = importlib.import_module(f"apilint.rules.{family.name}")
        for info in pkgutil.iter_modules(fam_pkg.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"apilint.rules.{family.name}.{info.name}")
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if not issubclass(obj, Rule) or obj is Rule or obj.__module__ != module.__name__:
                    continue
                if obj.code[:-3].lower() != family.name:
                    raise RegistryError(f"{obj.code} is in folder rules/{family.name}")
                if not info.name.startswith(obj.code.lower() + "_"):
                    raise RegistryError(f"{obj.code} must live in a module named {obj.code.lower()}_*.py")
                if obj.code in found:
                    raise RegistryError(f"duplicate rule code {obj.code}")
                found[obj.code] = obj
    return tuple(found[code] for code in sorted(found))


def rule_by_code(code: str) -> type[Rule] | None:
    """The rule class for a code, case-insensitively."""
    code = code.upper()
    for rule in all_rules():
        if rule.code == code:
            return rule
    return None


def known_codes() -> frozenset[str]:
    """Every rule code plus the engine's own diagnostic codes."""
    return frozenset(r.code for r in all_rules())


def matches(code: str, selectors: tuple[str, ...]) -> bool:
    """True when a selector is the code, its family, a code prefix, or `ALL`."""
    return any(sel == "ALL" or code.startswith(sel) for sel in selectors)


def selector_is_valid(selector: str) -> bool:
    """A selector must name at least one rule (or be `ALL`)."""
    selector = selector.upper()
    return selector == "ALL" or any(r.code.startswith(selector) for r in all_rules())
