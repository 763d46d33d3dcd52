"""Reading Django settings modules: assignments, star imports and list changes in statement order,
branch by branch under an `if` (see `DjangoSettings`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary, Stmt
from apilint.values import Scope, Value, is_plain


@dataclass(frozen=True, slots=True)
class ConditionalItem:
    """A list setting's item added under a condition."""

    item: str
    condition: str
    """Why it may or may not be there (the `if` test)."""
    applied: bool
    """True when the settings as read include it (the test is unreadable, or its environment default
    takes that branch); False when only another environment would add it."""
    env: bool
    """True when the test's value is an environment default (else it cannot be read at all)."""


def _list_items(call: Expr) -> Expr | None:
    """The items `X.append(item)`, `X.insert(i, item)` or `X.extend(items)` add to a settings name `X`."""
    func = call.func
    if func.kind != "attr" or func.args[0].kind != "name" or not func.args[0].text.isupper():
        return None
    if func.text == "append" and len(call.positional) == 1:
        return Expr("list", args=(call.positional[0],))
    if func.text == "insert" and len(call.positional) == 2:
        return Expr("list", args=(call.positional[1],))
    if func.text == "extend" and len(call.positional) == 1:
        return call.positional[0]
    return None


@dataclass
class SettingValue:
    """One setting: its assignment and any later `+=`/`append` parts, and subscript writes."""

    name: str
    mod: ModuleSummary
    line: int
    parts: list[tuple[Expr, ModuleSummary]] = field(default_factory=list)
    keys: dict[str, tuple[Expr, ModuleSummary]] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    previous: SettingValue | None = None
    """The value this assignment replaced (what `X = {**X, ...}` reads as `X`)."""


class SettingsReader:
    """The reading half of `DjangoSettings`: fills `values` and `conditional` from the modules."""

    index: ProjectIndex
    values: dict[str, SettingValue]
    conditional: dict[str, list[ConditionalItem]]
    _evaluated: dict[str, Value]

    def _eval(self, mod: ModuleSummary, expr: Expr) -> Value:
        raise NotImplementedError

    def _read(self, mod: ModuleSummary, seen: set[str]) -> None:
        if mod.path in seen or len(seen) > 20:
            return
        seen.add(mod.path)
        self._block(mod, mod.body, seen, "", True)

    def _block(self, mod: ModuleSummary, body: tuple[Stmt, ...], seen: set[str], condition: str,
               applied: bool, env: bool = False) -> None:
        """Read statements in order. Under an `if` whose test is known (and not taken from the
        environment) only the branch that runs is read; with an environment default, the default's
        branch is applied and the other recorded as possible; an unreadable test applies both. Items
        added under a condition are recorded in `conditional` with it."""
        stars = {imp.line: imp.module for imp in mod.imports if imp.star}
        for stmt in body:
            kind = stmt.kind
            if kind == "if" and stmt.value is not None:
                taken, from_env = self._decide(mod, stmt.value)
                text = stmt.value.render(60)
                if taken is None:
                    self._block(mod, stmt.body, seen, condition or f"`{text}` (cannot be read)", applied, env)
                    self._block(mod, stmt.orelse, seen, condition or f"not `{text}` (cannot be read)", applied, env)
                elif not from_env:
                    self._block(mod, stmt.body if taken else stmt.orelse, seen, condition, applied, env)
                else:
                    suffix = " (set from the environment)"
                    self._block(mod, stmt.body, seen, condition or f"`{text}`{suffix}", applied and taken, True)
                    self._block(mod, stmt.orelse, seen, condition or f"not `{text}`{suffix}", applied and not taken,
                                True)
            elif kind in ("try", "with", "for", "while"):
                self._block(mod, stmt.body + stmt.handlers + stmt.orelse + stmt.finalbody, seen, condition, applied,
                            env)
            elif kind == "except":
                self._block(mod, stmt.body, seen, condition, applied, env)
            elif kind == "import" and stmt.line in stars:
                target = self.index.module(stars[stmt.line])
                if target is not None and applied:
                    self._read(target, seen)
            elif kind in ("assign", "annassign") and stmt.value is not None:
                self._note(mod, stmt.targets, stmt.value, condition, applied, env)
                if applied:
                    self._assign(mod, stmt)
            elif kind == "augassign" and stmt.value is not None and stmt.targets:
                self._note(mod, stmt.targets, stmt.value, condition, applied, env)
                current = self.values.get(stmt.targets[0].text)
                if applied and current is not None and stmt.targets[0].kind == "name":
                    current.parts.append((stmt.value, mod))
            elif kind == "expr" and stmt.value is not None and stmt.value.kind == "call":
                items = _list_items(stmt.value)
                if items is not None:
                    self._note(mod, (stmt.value.func.args[0],), items, condition, applied, env)
                if applied:
                    self._list_call(mod, stmt.value)

    def _decide(self, mod: ModuleSummary, test: Expr) -> tuple[bool | None, bool]:
        """(whether an `if` test is true, whether the environment decides it), with the settings read so far."""
        self._evaluated.clear()
        value = self._eval(mod, test)
        self._evaluated.clear()
        if not value.known:
            return None, value.from_env
        first = bool(value.first)
        # Other possible values (a branch the evaluator could not decide): the first is the default,
        # the others depend on how the app is run, as an environment lookup does.
        varies = any(not is_plain(o) or bool(o) != first for o in value.options[1:])
        return first, value.from_env or varies

    def _note(self, mod: ModuleSummary, targets: tuple[Expr, ...], value: Expr, condition: str,
              applied: bool, env: bool) -> None:
        """Record the string items a conditional statement adds to (or sets on) a list setting."""
        if not condition:
            return
        for target in targets:
            if target.kind != "name" or not target.text.isupper():
                continue
            items = self.index.values.value(mod, value, Scope(mod)).first
            if isinstance(items, list | tuple):
                found = self.conditional.setdefault(target.text, [])
                found += [ConditionalItem(i, condition, applied, env) for i in items if isinstance(i, str)]

    def _assign(self, mod: ModuleSummary, stmt: Stmt) -> None:
        assert stmt.value is not None
        for target in stmt.targets:
            if target.kind == "name" and target.text.isupper():
                self.values[target.text] = SettingValue(target.text, mod, stmt.line, [(stmt.value, mod)],
                                                        previous=self.values.get(target.text))
            elif target.kind == "subscript" and len(target.args) == 2 and target.args[0].kind == "name":
                current = self.values.get(target.args[0].text)
                key = target.args[1]
                if current is not None and key.kind == "str":
                    current.keys[key.text] = (stmt.value, mod)
                    current.key_lines[key.text] = stmt.line

    def conditions(self, name: str, item: str) -> list[ConditionalItem]:
        """How `item` may be added to list setting `name` under a condition (empty: unconditionally
        or never)."""
        return [c for c in self.conditional.get(name, []) if c.item == item]

    def possible(self, name: str) -> list[ConditionalItem]:
        """Items of list setting `name` that only a non-default environment adds."""
        return [c for c in self.conditional.get(name, []) if not c.applied]

    def _list_call(self, mod: ModuleSummary, call: Expr) -> None:
        func = call.func
        if func.kind != "attr" or func.args[0].kind != "name" or not call.positional:
            return
        current = self.values.get(func.args[0].text)
        if current is None:
            return
        if func.text == "append":
            current.parts.append((Expr("list", args=(call.positional[0],)), mod))
        elif func.text == "extend":
            current.parts.append((call.positional[0], mod))
        elif func.text == "insert" and len(call.positional) == 2:
            current.parts.append((Expr("list", args=(call.positional[1],)), mod))


__all__ = ["ConditionalItem", "SettingValue", "SettingsReader"]
