"""`ClassInfo`: a project class and its project ancestors, for reading attributes and methods
along the class chain (views, permission classes, middleware)."""

from __future__ import annotations

from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef


class ClassInfo:
    """A project class and its project ancestors (depth first, bases in order), and the names of its
    bases defined outside the project."""

    def __init__(self, index: ProjectIndex, symbol: Symbol) -> None:
        self.index = index
        self.symbol = symbol
        self.chain: list[Symbol] = []
        self.external: list[str] = []
        self._walk(symbol, 0)

    def _walk(self, symbol: Symbol, depth: int) -> None:
        if depth > 12 or any(s.qualname == symbol.qualname for s in self.chain) or symbol.cls is None:
            return
        self.chain.append(symbol)
        for base in symbol.cls.bases:
            target = base.args[0] if base.kind == "subscript" else base
            parent = self.index.resolve(symbol.module, target)
            if parent is not None and parent.cls is not None:
                self._walk(parent, depth + 1)
            else:
                qualified = self.index.qualify_expr(symbol.module, target)
                if qualified and qualified not in self.external:
                    self.external.append(qualified)

    @property
    def external_short(self) -> list[str]:
        """Short names of the bases defined outside the project."""
        return [q.rsplit(".", 1)[-1] for q in self.external]

    def attribute(self, name: str) -> tuple[Expr, Symbol] | None:
        """The first class attribute `name` along the chain, with the class defining it."""
        for symbol in self.chain:
            assert symbol.cls is not None
            value = symbol.cls.attribute(name)
            if value is not None:
                return value, symbol
        return None

    def method(self, name: str) -> tuple[FunctionDef, Symbol] | None:
        """The first method `name` along the chain, with the class defining it."""
        for symbol in self.chain:
            assert symbol.cls is not None
            found = symbol.cls.method(name)
            if found is not None:
                return found, symbol
        return None

    def defined_methods(self, names: tuple[str, ...] | frozenset[str]) -> list[str]:
        """Which of `names` some project class of the chain defines."""
        return [n for n in names if self.method(n) is not None]


__all__ = ["ClassInfo"]
