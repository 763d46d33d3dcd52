"""The `Evaluator`: the entry point of value evaluation, memoized per project, and the reading of
literals, containers, f-strings, operators and subscripts. Names, attributes, calls and text
are read by the package's other modules (`names`, `classes`, `calls`, `text`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt
from apilint.values import calls, classes, names, text
from apilint.values.ops import FAILED, apply_binop, compare_values, hashable, to_str
from apilint.values.scope import Scope, collect_assignments
from apilint.values.types import MAX_DEPTH, MAX_OPTIONS, Instance, Opaque, Ref, Text, Value, as_expr, is_plain, opaque

if TYPE_CHECKING:
    from apilint.project import ProjectIndex, Symbol


class Evaluator:
    """Evaluates expressions of one project (memoized; create one per `ProjectIndex`)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._module_assignments: dict[str, dict[str, list[tuple[Stmt, bool]]]] = {}
        self._memo: dict[tuple[str, int, str], Value] = {}
        self.busy: dict[tuple[str, str], tuple[Any, ...]] = {}
        """Names whose assignments are being replayed, with the values so far (`X = X + ...`)."""
        self.calls_read = 0
        """Project function calls read so far (a budget against runaway recursion)."""
        self.subclass_map: dict[str, list[Symbol]] | None = None
        """Project classes by the qualified names of their bases, built on first use."""
        self.django_project_name = ""
        """The Django settings module `settings.X` is read from ("" = the main project's)."""

    @contextmanager
    def django_project(self, project: str) -> Iterator[None]:
        """Inside, Django's `settings.X` is read from the settings module named `project` (the project
        whose ROOT_URLCONF reaches the URLconf being read) instead of the main project's."""
        saved, self.django_project_name = self.django_project_name, project
        try:
            yield
        finally:
            self.django_project_name = saved

    # --- public API ---------------------------------------------------------------------
    def value(self, mod: ModuleSummary, expr: Expr | None, scope: Scope | None = None) -> Value:
        """The possible values of `expr` written in `mod` (inside `scope`, when given)."""
        if expr is None:
            return Value((None,))
        if scope is None:
            key = (mod.path, id(expr), self.django_project_name)
            found = self._memo.get(key)
            if found is None:
                found = self._eval(mod, expr, None, 0)
                self._memo[key] = found
            return found
        return self._eval(mod, expr, scope, 0)

    def string(self, mod: ModuleSummary, expr: Expr | None, scope: Scope | None = None) -> str | None:
        """The expression's likeliest value when it is a fully known string, else None."""
        if expr is None:
            return None
        first = self.value(mod, expr, scope).first
        return first if isinstance(first, str) else None

    def text(self, mod: ModuleSummary, expr: Expr | None, scope: Scope | None = None) -> Text:
        """The string `expr` builds, with `{?expr}` placeholders for the parts that cannot be read."""
        if expr is None:
            return Text("")
        return text.build_text(self, mod, expr, scope, 0)

    def elements(self, mod: ModuleSummary, expr: Expr | None, scope: Scope | None = None) -> list[Any] | None:
        """The items of a list, tuple, set or dict-view value (None when it is not a known collection)."""
        if expr is None:
            return None
        first = self.value(mod, expr, scope).first
        if isinstance(first, list | tuple):
            return list(first)
        if isinstance(first, dict):
            return list(first)
        return None

    def element_exprs(self, mod: ModuleSummary, expr: Expr | None,
                      scope: Scope | None = None) -> list[tuple[ModuleSummary, Expr]]:
        """The elements of a list or tuple value as expressions, each with the module it is written in
        (objects as written or by the name they are bound to; literals as literal expressions), for
        adapters that read lists of routers, routes, middleware or dependencies."""
        if expr is None:
            return []
        first = self.value(mod, expr, scope).first
        if not isinstance(first, list | tuple):
            return []
        return [found for item in first if (found := as_expr(mod, item)) is not None]

    def element_items(self, mod: ModuleSummary, expr: Expr | None,
                      scope: Scope | None = None) -> list[tuple[ModuleSummary, Expr, Scope | None]]:
        """Like `element_exprs`, over every possible value of the list (a builder whose `if` returns
        one list or another gives both), each element with the scope it was read in."""
        if expr is None:
            return []
        out: list[tuple[ModuleSummary, Expr, Scope | None]] = []
        seen: set[int] = set()
        for option in self.value(mod, expr, scope).options:
            if not isinstance(option, list | tuple):
                continue
            for item in option:
                if id(item) in seen:
                    continue
                seen.add(id(item))
                found = as_expr(mod, item)
                if found is not None:
                    item_scope = item.scope if isinstance(item, Opaque) else (
                        item.scope if isinstance(item, Instance) else None)
                    out.append((found[0], found[1], item_scope))
        return out

    def truth(self, mod: ModuleSummary, expr: Expr | None, scope: Scope | None = None) -> bool | None:
        """The truth of a known value (None when unknown)."""
        if expr is None:
            return None
        value = self.value(mod, expr, scope)
        return bool(value.first) if value.known else None

    def function_scope(self, mod: ModuleSummary, func: FunctionDef, bound: dict[str, Value] | None = None) -> Scope:
        """A scope for reading expressions written inside `func`."""
        return Scope(mod, func, bound)

    def module_assignments(self, mod: ModuleSummary) -> dict[str, list[tuple[Stmt, bool]]]:
        """Module-level assignments by name (see `collect_assignments`)."""
        found = self._module_assignments.get(mod.path)
        if found is None:
            found = collect_assignments(mod.body)
            self._module_assignments[mod.path] = found
        return found

    def bind_arguments(self, mod: ModuleSummary, func: FunctionDef, call: Expr, scope: Scope | None,
                       skip_self: bool, depth: int = 0) -> dict[str, Value]:
        """The values a call passes to a function's parameters, by position and keyword, read at the
        caller's `depth` (a call read while reading another value stays within the same budget)."""
        params = [p for p in func.params if p.kind in ("pos", "posonly")]
        if skip_self and params and params[0].name in ("self", "cls"):
            params = params[1:]
        bound: dict[str, Value] = {}
        for param, arg in zip(params, call.positional, strict=False):
            if arg.kind == "starred":
                break
            bound[param.name] = self.sub(mod, arg, scope, depth)
        names = {p.name for p in func.params}
        for kw in call.keywords:
            if kw.name is not None and kw.name in names:
                bound[kw.name] = self.sub(mod, kw.value, scope, depth)
        return bound

    # --- literals, containers, operators, subscripts (names, attributes, calls: other modules) ----
    def _eval(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        if depth > MAX_DEPTH:
            return opaque(mod, expr, "too deeply nested to read")
        kind = expr.kind
        if kind == "str":
            return Value((expr.text,))
        if kind == "const":
            lit = {"True": True, "False": False, "None": None}
            return Value((lit[expr.text],)) if expr.text in lit else opaque(mod, expr, "not a value")
        if kind == "num":
            return self._number(mod, expr)
        if kind in ("list", "tuple", "set"):
            return self._sequence(mod, expr, scope, depth)
        if kind == "dict":
            return self._dict(mod, expr, scope, depth)
        if kind == "fstr":
            return self._fstring(mod, expr, scope, depth)
        if kind == "name":
            return names.name_value(self, mod, expr, scope, depth)
        if kind == "attr":
            return classes.attribute_value(self, mod, expr, scope, depth)
        if kind == "subscript":
            return self._subscript(mod, expr, scope, depth)
        if kind == "call":
            return calls.call_value(self, mod, expr, scope, depth)
        if kind == "binop":
            return self._binop(mod, expr, scope, depth)
        if kind == "boolop":
            return self._boolop(mod, expr, scope, depth)
        if kind == "unary":
            return self._unary(mod, expr, scope, depth)
        if kind == "compare":
            return self._compare(mod, expr, scope, depth)
        if kind == "ifexp":
            return self._ifexp(mod, expr, scope, depth)
        if kind == "namedexpr" and len(expr.args) == 2:
            return self.sub(mod, expr.args[1], scope, depth)
        if kind == "await" and expr.args:
            return self.sub(mod, expr.args[0], scope, depth)
        return opaque(mod, expr, f"a {kind} expression is not evaluated")

    def sub(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        """The value of a part of an expression being read at `depth` (the step every reader recurses with)."""
        return self._eval(mod, expr, scope, depth + 1)

    @staticmethod
    def _number(mod: ModuleSummary, expr: Expr) -> Value:
        text = expr.text.replace("_", "")
        try:
            return Value((int(text, 0),))
        except ValueError:
            try:
                return Value((float(text),))
            except ValueError:
                return opaque(mod, expr, "not a plain number")

    def _sequence(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        items: list[Any] = []
        env = False
        for element in expr.args:
            if element.kind == "starred":
                inner = self.sub(mod, element.args[0], scope, depth)
                env = env or inner.from_env
                if isinstance(inner.first, list | tuple | dict):
                    items.extend(inner.first)
                else:
                    items.append(opaque(mod, element, "unpacks a value that cannot be read").first)
                continue
            value = self.sub(mod, element, scope, depth)
            env = env or value.from_env
            items.append(value.first)
        return Value((tuple(items) if expr.kind == "tuple" else items,), env)

    def _dict(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        out: dict[Any, Any] = {}
        env = False
        for key, item in zip(expr.args[::2], expr.args[1::2], strict=False):
            if key.kind == "starstar":
                merged = self.sub(mod, item, scope, depth)
                env = env or merged.from_env
                if isinstance(merged.first, dict):
                    out.update(merged.first)
                else:
                    return opaque(mod, expr, f"merges `{item.render(30)}`, which cannot be read", env)
                continue
            key_value = self.sub(mod, key, scope, depth)
            if not key_value.known or not hashable(key_value.first):
                return opaque(mod, expr, f"key `{key.render(30)}` cannot be read", env or key_value.from_env)
            value = self.sub(mod, item, scope, depth)
            env = env or value.from_env or key_value.from_env
            out[key_value.first] = value.first
        return Value((out,), env)

    def _fstring(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        """The formatted string; a part that may take other values (a name reassigned under an `if`)
        gives other possible strings, as `+` does, the all-first one first."""
        texts: list[str] = [""]
        env = False
        for part in expr.args:
            if part.kind == "str":
                texts = [t + part.text for t in texts]
                continue
            value = self.sub(mod, part, scope, depth)
            env = env or value.from_env
            if not value.known:
                return opaque(mod, expr, value.reason() or "a formatted part cannot be read", env)
            pieces = [to_str(o) for o in value.options[:2] if is_plain(o)]
            texts = list(dict.fromkeys(t + p for t in texts for p in pieces))[:MAX_OPTIONS]
        return Value(tuple(texts), env)

    def _subscript(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        if len(expr.args) != 2:
            return opaque(mod, expr, "a slice is not evaluated")
        owner_expr, key_expr = expr.args
        if (self.index.qualify_expr(mod, owner_expr) or "") in ("os.environ",):
            return opaque(mod, expr, "environment variable without a default", True)
        owner = self.sub(mod, owner_expr, scope, depth)
        key = self.sub(mod, key_expr, scope, depth)
        env = owner.from_env or key.from_env
        container, index = owner.first, key.first
        try:
            if isinstance(container, dict) and hashable(index) and index in container:
                return Value((container[index],), env)
            if isinstance(container, list | tuple | str) and isinstance(index, int) and -len(container) <= index < len(
                    container):
                return Value((container[index],), env)
        except TypeError:
            pass
        return opaque(mod, expr, "the item cannot be read", env)

    def _binop(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        left = self.sub(mod, expr.args[0], scope, depth)
        right = self.sub(mod, expr.args[1], scope, depth)
        env = left.from_env or right.from_env
        options: list[Any] = []
        for a in left.options[:2]:
            for b in right.options[:2]:
                options.append(apply_binop(expr.text, a, b))
        if options[0] is FAILED:
            # The likeliest combination cannot be computed: unknown first, the others kept as alternatives.
            reason = left.reason() or right.reason() or f"`{expr.text}` of values that cannot be combined"
            others = [o for o in options if o is not FAILED]
            return Value((Opaque(mod, expr, reason, scope), *others)[:MAX_OPTIONS], env)
        return Value(tuple(o for o in options if o is not FAILED)[:MAX_OPTIONS], env)

    def _boolop(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        env = False
        result: Value = Value((None,))
        for operand in expr.args:
            result = self.sub(mod, operand, scope, depth)
            env = env or result.from_env
            if not result.known:
                if expr.text == "or" and isinstance(result.first, Ref | Instance):
                    return Value(result.options, env)  # `x or default_object`: an object is truthy
                return opaque(mod, expr, result.reason(), env)
            if (expr.text == "or") == bool(result.first):
                return Value((result.first,), env)
        return Value((result.first,), env)

    def _unary(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        inner = self.sub(mod, expr.args[0], scope, depth)
        if not inner.known:
            return opaque(mod, expr, inner.reason(), inner.from_env)
        value = inner.first
        if expr.text == "not":
            return Value((not value,), inner.from_env)
        if expr.text == "-" and isinstance(value, int | float) and not isinstance(value, bool):
            return Value((-value,), inner.from_env)
        if expr.text == "+" and isinstance(value, int | float):
            return Value((value,), inner.from_env)
        return opaque(mod, expr, f"unary `{expr.text}` is not evaluated", inner.from_env)

    def _compare(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        values = [self.sub(mod, e, scope, depth) for e in expr.args]
        env = any(v.from_env for v in values)
        for v in values:
            if not v.known:
                return opaque(mod, expr, v.reason(), env)
        try:
            for op, a, b in zip(expr.text.split(","), values, values[1:], strict=False):
                if not compare_values(op, a.first, b.first):
                    return Value((False,), env)
        except (KeyError, TypeError):
            return opaque(mod, expr, f"comparison `{expr.text}` is not evaluated", env)
        return Value((True,), env)

    def _ifexp(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        test = self.sub(mod, expr.args[0], scope, depth)
        if test.known:
            chosen = self.sub(mod, expr.args[1] if test.first else expr.args[2], scope, depth)
            return Value(chosen.options, chosen.from_env or test.from_env)
        body = self.sub(mod, expr.args[1], scope, depth)
        orelse = self.sub(mod, expr.args[2], scope, depth)
        return Value((*body.options, *orelse.options)[:MAX_OPTIONS], body.from_env or orelse.from_env or test.from_env)
