"""`ProjectIndex`: all module summaries, with cross-module name resolution.

Names are resolved with the engine's own import table (never by importing anything):
a local name maps through the module's imports to a qualified name, and a qualified name
maps back to the summary and definition it names, following re-exports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, walk_stmts

if TYPE_CHECKING:
    from apilint.rule_units import RuleUnits
    from apilint.values import Evaluator

T = TypeVar("T")
MAX_HOPS = 12
"""How many re-exports name resolution follows from one name (a loop of them ends there)."""


@dataclass(frozen=True, slots=True)
class Symbol:
    """A resolved top-level (or class-member) definition."""

    qualname: str
    module: ModuleSummary
    func: FunctionDef | None = None
    cls: ClassDef | None = None
    value: Expr | None = None
    """For assignments: the assigned expression."""
    annotation: Expr | None = None
    line: int = 0


class ProjectIndex:
    """Every summary of the project, indexed for name lookups."""

    def __init__(self, summaries: Iterable[ModuleSummary]) -> None:
        self.modules: tuple[ModuleSummary, ...] = tuple(sorted(summaries, key=lambda s: s.path))
        self.by_path: dict[str, ModuleSummary] = {m.path: m for m in self.modules}
        self._by_suffix: dict[str, list[ModuleSummary]] = {}
        for mod in self.modules:
            parts = mod.module.split(".") if mod.module else []
            for i in range(len(parts)):
                self._by_suffix.setdefault(".".join(parts[i:]), []).append(mod)
        self._tables: dict[str, dict[str, str]] = {}
        self._defs: dict[str, dict[str, Symbol]] = {}
        # The index never changes after construction, so name resolution is memoized: rules
        # ask the same questions for every route (hundreds of thousands on large projects).
        self._modules: dict[str, ModuleSummary | None] = {}
        self._lookups: dict[str, Symbol | None] = {}
        self._qualified: dict[tuple[str, str], str] = {}
        self._values: Evaluator | None = None
        self.scan_loader: Callable[[ModuleSummary], object] | None = None
        """Where a module's scan (`ModuleSummary.scan`) kept apart from its cached summary is read
        from (set by the engine when a cache is in use)."""
        self.units: RuleUnits | None = None
        """Per-module rule results of the last run (`apilint.rule_units`), set by the engine when
        a cache is in use; None: every `per_module` result is computed."""

    @property
    def values(self) -> Evaluator:
        """The project's value evaluator (`apilint.values`), created on first use."""
        if self._values is None:
            from apilint.values import Evaluator

            self._values = Evaluator(self)
        return self._values

    def per_module(self, name: str, mod: ModuleSummary, inputs: str, compute: Callable[[], T]) -> T:
        """`compute()`: the work called `name` (a rule's code, or a shared table's name) on one
        module, which reads only that module, what it reaches by name and `inputs` (anything else
        it reads, as a string); reused from the last run when none of that changed
        (`apilint.rule_units`). The result must be picklable and must not hold summaries."""
        if self.units is None:
            return compute()
        return self.units.result(name, mod, inputs, compute)

    def __iter__(self) -> Iterator[ModuleSummary]:
        return iter(self.modules)

    # --- modules -------------------------------------------------------------------
    def module(self, dotted: str) -> ModuleSummary | None:
        """The summary for a dotted module name (exact, or by unique-enough suffix)."""
        if dotted in self._modules:
            return self._modules[dotted]
        found = self._module(dotted)
        self._modules[dotted] = found
        return found

    def _module(self, dotted: str) -> ModuleSummary | None:
        candidates = self._by_suffix.get(dotted)
        if not candidates:
            return None
        exact = [m for m in candidates if m.module == dotted]
        if exact:
            return exact[0]
        return min(candidates, key=lambda m: (len(m.module), m.path))

    def import_table(self, mod: ModuleSummary) -> dict[str, str]:
        """Cached local-name -> qualified-name table of a module."""
        table = self._tables.get(mod.path)
        if table is None:
            table = mod.import_table()
            self._tables[mod.path] = table
        return table

    def definitions(self, mod: ModuleSummary) -> dict[str, Symbol]:
        """Top-level definitions of a module by name (last one wins, as at run time)."""
        defs = self._defs.get(mod.path)
        if defs is not None:
            return defs
        defs = {}
        for stmt in walk_stmts(mod.body):
            if stmt.func is not None:
                defs[stmt.func.name] = Symbol(f"{mod.module}.{stmt.func.name}", mod, func=stmt.func,
                                              line=stmt.line)
            elif stmt.cls is not None:
                defs[stmt.cls.name] = Symbol(f"{mod.module}.{stmt.cls.name}", mod, cls=stmt.cls,
                                             line=stmt.line)
            elif stmt.kind in ("assign", "annassign"):
                for target in stmt.targets:
                    if target.kind == "name" and (stmt.value is not None or target.text not in defs):
                        annotation = stmt.exprs[0] if stmt.kind == "annassign" and stmt.exprs else None
                        defs[target.text] = Symbol(f"{mod.module}.{target.text}", mod, value=stmt.value,
                                                   annotation=annotation, line=stmt.line)
        self._defs[mod.path] = defs
        return defs

    # --- names ---------------------------------------------------------------------
    def qualify(self, mod: ModuleSummary, dotted: str) -> str:
        """The qualified name a dotted name in `mod` refers to.

        Local definitions become `module.name`; imported names follow the import;
        unknown names (builtins, globals from star imports) stay as written.
        """
        key = (mod.path, dotted)
        found = self._qualified.get(key)
        if found is None:
            found = self._qualify(mod, dotted)
            self._qualified[key] = found
        return found

    def _qualify(self, mod: ModuleSummary, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        table = self.import_table(mod)
        if head in table:
            base = table[head]
        elif head in self.definitions(mod):
            base = f"{mod.module}.{head}" if mod.module else head
        else:
            star = self._from_star(mod, head)
            base = star if star is not None else head
        return f"{base}.{rest}" if rest else base

    def qualify_expr(self, mod: ModuleSummary, expr: Expr | None) -> str | None:
        """Qualified name of a name/attribute expression (or the callee of a call)."""
        if expr is None:
            return None
        if expr.kind == "call":
            expr = expr.func
        dotted = expr.dotted
        return self.qualify(mod, dotted) if dotted is not None else None

    def _from_star(self, mod: ModuleSummary, name: str) -> str | None:
        for imp in mod.imports:
            if imp.star:
                target = self.module(imp.module)
                if target is not None and name in self.definitions(target):
                    return f"{target.module}.{name}"
        return None

    def lookup(self, qualname: str, _hops: int = 0) -> Symbol | None:
        """The definition a qualified name refers to, following re-exports."""
        if _hops == 0:
            if qualname in self._lookups:
                return self._lookups[qualname]
            found = self._lookup(qualname, 0)
            self._lookups[qualname] = found
            return found
        return self._lookup(qualname, _hops)

    def _lookup(self, qualname: str, _hops: int) -> Symbol | None:
        if _hops > MAX_HOPS or not qualname:
            return None
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            mod = self.module(".".join(parts[:cut]))
            if mod is None:
                continue
            return self._member(mod, parts[cut:], _hops)
        return None

    def _member(self, mod: ModuleSummary, names: list[str], hops: int) -> Symbol | None:
        head = names[0]
        symbol = self.definitions(mod).get(head)
        if symbol is None:
            table = self.import_table(mod)
            if head in table and table[head] != f"{mod.module}.{head}":
                rest = ".".join(names[1:])
                target = table[head] + (f".{rest}" if rest else "")
                return self.lookup(target, hops + 1)
            star = self._from_star(mod, head)
            if star is not None:
                return self.lookup(star + "".join(f".{n}" for n in names[1:]), hops + 1)
            sub = self.module(f"{mod.module}.{head}") if mod.is_package else None
            if sub is not None and len(names) > 1:
                return self._member(sub, names[1:], hops + 1)
            return None
        if len(names) == 1:
            return symbol
        if symbol.cls is not None:
            return self._class_member(symbol, names[1:])
        return None

    def _class_member(self, symbol: Symbol, names: list[str]) -> Symbol | None:
        cls = symbol.cls
        assert cls is not None
        for stmt in cls.body:
            if stmt.func is not None and stmt.func.name == names[0]:
                return Symbol(f"{symbol.qualname}.{names[0]}", symbol.module, func=stmt.func, line=stmt.line)
            if stmt.cls is not None and stmt.cls.name == names[0]:
                inner = Symbol(f"{symbol.qualname}.{names[0]}", symbol.module, cls=stmt.cls, line=stmt.line)
                return inner if len(names) == 1 else self._class_member(inner, names[1:])
        return None

    def resolve(self, mod: ModuleSummary, expr: Expr | None) -> Symbol | None:
        """The definition a name/attribute expression in `mod` refers to."""
        qualname = self.qualify_expr(mod, expr)
        return self.lookup(qualname) if qualname else None

    # --- classes -------------------------------------------------------------------
    def base_names(self, symbol: Symbol, _depth: int = 0) -> list[str]:
        """Qualified names of a class's bases, transitively through project classes."""
        if symbol.cls is None or _depth > 10:
            return []
        out: list[str] = []
        for base in symbol.cls.bases:
            qualname = self.qualify_expr(symbol.module, base if base.kind != "subscript" else base.args[0])
            if qualname is None:
                continue
            out.append(qualname)
            parent = self.lookup(qualname)
            if parent is not None and parent.cls is not None and parent.qualname != symbol.qualname:
                out += [b for b in self.base_names(parent, _depth + 1) if b not in out]
        return out

    def class_chain(self, symbol: Symbol) -> list[Symbol]:
        """The class and its project base classes (`base_names` order) that the index can read."""
        bases = (self.lookup(b) for b in self.base_names(symbol))
        return [symbol, *(b for b in bases if b is not None and b.cls is not None)]

    def find_method(self, cls: Symbol | None, name: str, *, besides: FunctionDef | None = None) -> Symbol | None:
        """The method `name` of a class: its own, else the first project base's (in `base_names` order).

        `besides` skips one function (a method looking for the one it overrides).
        """
        if cls is None or cls.cls is None:
            return None
        for qualname in (cls.qualname, *self.base_names(cls)):
            found = self.lookup(f"{qualname}.{name}")
            if found is not None and found.func is not None and found.func is not besides:
                return found
        return None

    def instance_class(self, symbol: Symbol | None) -> Symbol | None:
        """The project class a module-level instance (`settings = Settings()`) or a factory's result
        (`def get_settings(): return Settings()`, or its return annotation) stands for, following up
        to three such steps; None for a class itself or when a step cannot be read."""
        if symbol is None or symbol.cls is not None:
            return None
        for _ in range(3):
            made: Expr | None = None
            if symbol.value is not None and symbol.value.kind == "call":
                made = symbol.value.func
            elif symbol.func is not None:
                returns = [s.value for s in walk_stmts(symbol.func.body) if s.kind == "return" and s.value is not None]
                made = returns[0].func if returns and returns[0].kind == "call" else symbol.func.returns
            if made is None:
                return None
            found = self.resolve(symbol.module, made)
            if found is None or found.cls is not None:
                return found
            symbol = found
        return None

    # --- constants -----------------------------------------------------------------
    def const_str(self, mod: ModuleSummary, expr: Expr | None) -> str | None:
        """The string an expression evaluates to (`apilint.values`), None when it is not a known string."""
        return self.values.string(mod, expr)

    def const_value(self, mod: ModuleSummary, expr: Expr | None, _depth: int = 0) -> Expr | None:
        """Follow names to the literal expression they are bound to (lists, bools, numbers)."""
        if expr is None or _depth > 8:
            return None
        if expr.kind in ("name", "attr"):
            symbol = self.resolve(mod, expr)
            if symbol is not None and symbol.value is not None:
                return self.const_value(symbol.module, symbol.value, _depth + 1)
            return None
        return expr

