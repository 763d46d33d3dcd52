"""Per-module rule results kept between runs: a rule's work on one module is done again only
when the module, something it reaches by name, or the rule's own inputs for it changed.

A rule hands `RuleContext.per_module` (or a shared table `ProjectIndex.per_module`) a name for
the work (`INJ002:orphans`), the module, a string of whatever else the work reads (the functions
of the module that routes enter, say) and a function that does it. The result is reused when the
module's key (`apilint.module_keys`: the module and everything it reaches by name), the module's
own file content (its words and comments) and that string are the same as when it was stored.
Work that reads more than that (the route map as a whole, another module's words, app-wide
facts) must not go through here, or must put what it reads into the string.

The results live in one file of the summary cache (`SummaryCache.load_units`), verified like
every entry and dropped whole when apilint's code or the result-changing config changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar, cast

from apilint.module_keys import ModuleKeys
from apilint.summary import ModuleSummary

T = TypeVar("T")

UnitEntries = dict[str, tuple[str, dict[str, tuple[str, object]]]]
"""module path -> (module key, work name -> (the work's own inputs, result))."""


class RuleUnits:
    """The per-module results stored by the last run, and those made in this one."""

    def __init__(self, keys: ModuleKeys, stored: Mapping[str, tuple[str, Mapping[str, tuple[str, object]]]],
                 sources: Mapping[str, str]) -> None:
        self.keys = keys
        self.stored = stored
        self.sources = sources
        """Each file's content key by path (the summary cache's): a module's own results also
        read what no other module's analysis sees of it (its words, its comments)."""
        self._module_keys: dict[str, str | None] | None = None
        self._valid: dict[str, Mapping[str, tuple[str, object]]] = {}
        """The stored results of the modules whose key is unchanged, by path."""
        self.fresh: UnitEntries = {}
        """Results made in this run (only for modules that have a key)."""
        self.reused = 0

    def result(self, name: str, mod: ModuleSummary, inputs: str, compute: Callable[[], T]) -> T:
        """The stored result of `name` on `mod` when it still holds, else `compute()` (kept)."""
        if self._module_keys is None:
            self._prepare()
        entries = self._valid.get(mod.path)
        if entries is not None:  # (the hot path: every rule asks this of every module)
            entry = entries.get(name)
            if entry is not None and entry[0] == inputs:
                self.reused += 1
                return cast(T, entry[1])
        value = compute()
        key = self.module_key(mod)
        if key is not None:
            self.fresh.setdefault(mod.path, (key, {}))[1][name] = (inputs, value)
        return value

    def module_key(self, mod: ModuleSummary) -> str | None:
        """The key of the module's own results: its key (`ModuleKeys`) and its file's content."""
        if self._module_keys is None:
            self._prepare()
        assert self._module_keys is not None
        return self._module_keys.get(mod.path)

    def _prepare(self) -> None:
        keys: dict[str, str | None] = {}
        for mod in self.keys.index.modules:
            closure = self.keys.key(mod)
            source = self.sources.get(mod.path)
            key = keys[mod.path] = f"{closure}|{source}" if closure is not None and source is not None else None
            found = self.stored.get(mod.path)
            if key is not None and found is not None and found[0] == key:
                self._valid[mod.path] = found[1]
        self._module_keys = keys

    def reusable_share(self) -> float:
        """The share of the project's modules whose stored results still hold (their key is unchanged)."""
        modules = self.keys.index.modules
        if not modules:
            return 0.0
        if self._module_keys is None:
            self._prepare()
        return len(self._valid) / len(modules)

    def add(self, fresh: UnitEntries) -> None:
        """Take results made in another process (a forked rule worker)."""
        for path, (key, results) in fresh.items():
            self.fresh.setdefault(path, (key, {}))[1].update(results)

    def merged(self, paths: set[str]) -> UnitEntries | None:
        """What to store for the next run: this run's results over the stored ones, for the
        modules that still exist; None when that is what is stored already."""
        if not self.fresh and all(path in paths for path in self.stored):
            return None
        out: UnitEntries = {}
        for path, (key, results) in self.stored.items():
            if path in paths:
                out[path] = (key, dict(results))
        for path, (key, results) in self.fresh.items():
            kept = out.get(path)
            if kept is None or kept[0] != key:
                out[path] = (key, dict(results))
            else:
                kept[1].update(results)
        return out


__all__ = ["RuleUnits", "UnitEntries"]
