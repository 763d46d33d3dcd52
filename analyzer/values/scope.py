"""Names visible where an expression is read (`Scope`), and the assignments that bind them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from apilint.summary import FunctionDef, ModuleSummary, Param, Stmt, walk_stmts
from apilint.values.types import Value

if TYPE_CHECKING:
    from apilint.project import Symbol


class Scope:
    """Names visible inside a function: its parameters (bound to arguments or defaults), its local
    assignments (every one, the unconditional first) and names an adapter binds (loop variables)."""

    def __init__(self, mod: ModuleSummary, func: FunctionDef | None = None,
                 bound: dict[str, Value] | None = None, parent: Scope | None = None,
                 lookup: Callable[[str], Value | None] | None = None) -> None:
        self.mod = mod
        self.func = func
        self.bound: dict[str, Value] = dict(bound or {})
        self.parent = parent
        self.lookup = lookup
        """Resolves names lazily before module-level names (Django settings reading each other)."""
        self._assignments: dict[str, list[tuple[Stmt, bool]]] | None = None
        self._imports: dict[str, str] | None = None
        self._nested: dict[str, Symbol] | None = None

    def child(self, bound: dict[str, Value]) -> Scope:
        """This scope with more names bound (a loop body's variables)."""
        return Scope(self.mod, self.func, {**self.bound, **bound}, self.parent, self.lookup)

    def assignments(self) -> dict[str, list[tuple[Stmt, bool]]]:
        """Local assignments of the function by name, in source order, with `conditional`."""
        if self._assignments is None:
            self._assignments = collect_assignments(self.func.body) if self.func is not None else {}
        return self._assignments

    def param(self, name: str) -> Param | None:
        """The function's parameter of that name, if any."""
        return self.func.param(name) if self.func is not None else None

    def imports(self) -> dict[str, str]:
        """Names bound by `import` statements inside the function (and the scopes around it)."""
        if self._imports is None:
            found = dict(self.parent.imports()) if self.parent is not None else {}
            if self.func is not None:
                for stmt in walk_stmts(self.func.body):
                    if stmt.kind == "import":
                        for target, value in zip(stmt.targets, stmt.exprs, strict=False):
                            found[target.text] = value.text
            self._imports = found
        return self._imports

    def binds(self, name: str) -> bool:
        """True when the name is local to this scope (bound, assigned, a parameter or imported)."""
        return (name in self.bound or name in self.assignments() or self.param(name) is not None
                or name in self.imports())

    def nested(self, name: str) -> Symbol | None:
        """A function or class defined inside the function (`def checker(...)` a factory returns)."""
        if self.func is None:
            return None
        if self._nested is None:
            from apilint.project import Symbol

            self._nested = {}
            for stmt in walk_stmts(self.func.body):
                if stmt.func is not None:
                    self._nested[stmt.func.name] = Symbol(f"{self.mod.module}.{stmt.func.qualname}", self.mod,
                                                          func=stmt.func, line=stmt.line)
                elif stmt.cls is not None:
                    self._nested[stmt.cls.name] = Symbol(f"{self.mod.module}.{stmt.cls.qualname}", self.mod,
                                                         cls=stmt.cls, line=stmt.line)
        return self._nested.get(name)



MUTATORS: Final = frozenset({"append", "extend", "insert"})
"""List methods that change a list in place (read as assignments to it)."""


def mutated_name(stmt: Stmt) -> str | None:
    """The list a statement changes in place (`deps.append(x)`, `.extend(xs)`, `.insert(i, x)`), if any."""
    value = stmt.value
    if stmt.kind != "expr" or value is None or value.kind != "call":
        return None
    func = value.func
    if func.kind == "attr" and func.text in MUTATORS and func.args[0].kind == "name":
        return func.args[0].text
    return None


def collect_assignments(body: tuple[Stmt, ...]) -> dict[str, list[tuple[Stmt, bool]]]:
    """Every assignment to a bare name in `body` (entering `if`/`try`/`with`/`for`, not defs), in
    source order, each marked `conditional` when it sits under an `if`, a loop or an `except`.
    In-place list changes (`x.append(...)`, `x.extend(...)`, `x.insert(i, ...)`) after an
    assignment of the same name count as assignments too."""
    out: dict[str, list[tuple[Stmt, bool]]] = {}

    def visit(stmts: tuple[Stmt, ...], conditional: bool) -> None:
        for stmt in stmts:
            mutated = mutated_name(stmt)
            if mutated is not None:
                if mutated in out:  # a list changed before it is assigned here is someone else's
                    out[mutated].append((stmt, conditional))
            elif stmt.kind in ("assign", "annassign", "augassign") and stmt.value is not None:
                for target in stmt.targets:
                    if target.kind == "name":
                        out.setdefault(target.text, []).append((stmt, conditional))
            elif stmt.kind in ("if", "while", "for", "match", "case"):
                visit(stmt.body, True)
                visit(stmt.orelse, True)
                visit(stmt.handlers, True)
            elif stmt.kind in ("with", "try"):
                visit(stmt.body, conditional)
                visit(stmt.handlers, True)
                visit(stmt.orelse, True)
                visit(stmt.finalbody, conditional)
            elif stmt.kind == "except":
                visit(stmt.body, True)

    visit(body, False)
    return out



def is_local(scope: Scope | None, dotted: str) -> bool:
    """True when the name's head is a local variable or parameter (not a local import)."""
    if scope is None:
        return False
    head = dotted.partition(".")[0]
    return head in scope.bound or head in scope.assignments() or scope.param(head) is not None
