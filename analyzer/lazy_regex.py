"""Regular expressions compiled on first use (`lazy_compile`).

The rules and adapters define about 200 patterns at module level. Compiling them all when they
are imported costs 20 ms, a tenth of a run that reuses most per-module rule results, and such a
run uses about 16 of them. A lazy pattern compiles itself on the first attribute read, then keeps
the compiled pattern's methods in its slots, so later calls cost what a compiled pattern's do.
"""

from __future__ import annotations

import re
from typing import Any, cast

_METHODS = ("search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer")


class _LazyPattern:
    """Stands for `re.compile(source, flags)` until first used."""

    __slots__ = ("_compiled", "_flags", "_source", *_METHODS)

    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only reached for what the slots do not hold yet: the first use (which fills them), or an
        # attribute such as `pattern` or `groups` that is read from the compiled pattern.
        if name == "_compiled":
            compiled = re.compile(self._source, self._flags)
            self._compiled = compiled
            for method in _METHODS:
                setattr(self, method, getattr(compiled, method))
            return compiled
        return getattr(self._compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self._source!r}, {self._flags})"


def lazy_compile(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used (for patterns defined at import)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, int(flags)))


__all__ = ["lazy_compile"]
