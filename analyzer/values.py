"""The value evaluator: what an expression is worth when the app starts, read without running it.

One evaluator serves every adapter and rule (`ProjectIndex.values`). It follows names across
modules; module, class and function-local constants; f-strings, `+`, `%`, `.format`, joins and
the usual string methods; environment lookups with a default (`os.getenv`, `os.environ.get`,
django-environ, python-decouple), which count as their default and are marked `from_env`;
settings objects (a pydantic `BaseSettings`, dataclass or plain class whose field has a
default) reached through a module-level instance, a factory function that returns one, or
Django's `settings.X`; project functions, by reading their bodies with the arguments bound
(`get_authorizer(required=False)` returns the function its `if` picks; a function defined inside
the one read is a `Ref` to it); literal lists, tuples, dicts, their `.items()`/`.keys()`/`.values()`
and `**` merges, and lists changed in place (`.append`, `.extend`, `.insert`, `+=`): such a change
under an `if`, like an assignment under an `if` whose test is unknown, adds a possible value.

A result is a `Value`: the possible values in order (a name assigned unconditionally and then
reassigned under an `if` has two, the unconditional one first) and whether an environment
default took part. What cannot be read is an `Opaque` holding the expression and the reason,
never a guess; an object the project defines (a function, a class, a router built by a call)
is an `Opaque` too, or a `Ref` when it names a project definition, so adapters can resolve it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from apilint.summary import Expr, FunctionDef, ModuleSummary, Param, Stmt, walk_stmts

if TYPE_CHECKING:
    from apilint.project import ProjectIndex, Symbol

MAX_OPTIONS: Final = 4
"""At most this many possible values are kept for one expression."""
_MAX_DEPTH: Final = 24
_MAX_CALL_DEPTH: Final = 3

_ENV_FUNCS: Final = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "getenv", "environ.get",
                               "decouple.config", "config", "env", "get_env", "getenv_bool", "os.environ.pop"})
_ENV_CASTS: Final = frozenset({"bool", "int", "str", "list", "float", "tuple", "json", "dict", "get_value",
                               "url", "db", "path"})
_TRUE_WORDS: Final = frozenset({"true", "1", "yes", "on", "y", "t"})
_SETTINGS_BASES: Final = ("BaseSettings",)
_ENV_KEY: Final = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
"""An environment-variable-like key (`API_PREFIX`, `DATA_ROUTE`): at least one underscore."""
_STR_METHODS: Final = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title",
                                 "capitalize", "removeprefix", "removesuffix", "replace", "split", "rsplit",
                                 "format", "join", "startswith", "endswith"})


@dataclass(frozen=True, eq=False, slots=True)
class Opaque:
    """A value apilint cannot compute: the expression, where it is written, and why."""

    mod: ModuleSummary
    expr: Expr
    reason: str
    scope: Scope | None = None
    """The function scope the expression was read in (its local names, `self`), when any."""

    def render(self, limit: int = 40) -> str:
        """The expression's approximate source text."""
        return self.expr.render(limit)

    def __repr__(self) -> str:
        return f"Opaque({self.render()!r}: {self.reason})"


@dataclass(frozen=True, eq=False, slots=True)
class Ref:
    """A project definition used as a value: a function or a class (`Depends(get_user)`)."""

    symbol: Symbol

    def __repr__(self) -> str:
        return f"Ref({self.symbol.qualname})"


@dataclass(frozen=True, eq=False, slots=True)
class Instance:
    """An object of a project class built by a call (`Settings()`, `JWTBearer(auto_error=False)`)."""

    cls: Symbol
    call: Expr
    mod: ModuleSummary
    """The module the constructor call is written in (its arguments are read there)."""
    scope: Scope | None = None
    origin: tuple[ModuleSummary, Expr] | None = None
    """The name the object is bound to where it is made (`router = PrefectRouter(...)`), if any."""

    def __repr__(self) -> str:
        return f"Instance({self.cls.qualname})"


@dataclass(frozen=True, slots=True)
class Value:
    """The possible values of an expression, first the one the app most likely computes."""

    options: tuple[Any, ...]
    from_env: bool = False

    @property
    def first(self) -> Any:
        """The likeliest value (an `Opaque` when unknown)."""
        return self.options[0]

    @property
    def known(self) -> bool:
        """True when the first value is fully known (no `Opaque`, `Ref` or `Instance` inside)."""
        return is_plain(self.first)

    @property
    def conditional(self) -> bool:
        """True when more than one value is possible."""
        return len(self.options) > 1

    def reason(self) -> str:
        """Why the first value is unknown (empty when it is known)."""
        for item in _leaves(self.first):
            if isinstance(item, Opaque):
                return item.reason if item.reason.startswith("`") else f"`{item.render()}`: {item.reason}"
            if isinstance(item, Ref | Instance):
                return f"`{item!r}` is an object, not a literal"
        return ""


@dataclass(frozen=True, slots=True)
class Text:
    """A string as the app builds it, with `{?expr}` for each part apilint cannot read."""

    text: str
    unresolved: tuple[str, ...] = ()
    """The source text of every part that could not be read."""
    alternatives: tuple[str, ...] = ()
    """Other values the string may take (a name reassigned under an `if`)."""
    from_env: bool = False
    reasons: tuple[str, ...] = ()
    """Why each unresolved part cannot be read (same order as `unresolved`)."""

    @property
    def known(self) -> bool:
        """True when every part was read."""
        return not self.unresolved


def is_plain(value: Any) -> bool:
    """True for values made only of literals (str, numbers, bools, None, lists, tuples, dicts)."""
    return all(not isinstance(item, Opaque | Ref | Instance) for item in _leaves(value))


def _leaves(value: Any, depth: int = 0) -> Iterator[Any]:
    if depth > 8:
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item, depth + 1)
    else:
        yield value


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


_MUTATORS: Final = frozenset({"append", "extend", "insert"})


def mutated_name(stmt: Stmt) -> str | None:
    """The list a statement changes in place (`deps.append(x)`, `.extend(xs)`, `.insert(i, x)`), if any."""
    value = stmt.value
    if stmt.kind != "expr" or value is None or value.kind != "call":
        return None
    func = value.func
    if func.kind == "attr" and func.text in _MUTATORS and func.args[0].kind == "name":
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


@dataclass
class _Frame:
    """What a function call being read knows: its scope and the values it returned so far."""

    scope: Scope
    returns: list[Any] = field(default_factory=list)
    env: bool = False
    unknown_flow: bool = False


class Evaluator:
    """Evaluates expressions of one project (memoized; create one per `ProjectIndex`)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._module_assignments: dict[str, dict[str, list[tuple[Stmt, bool]]]] = {}
        self._memo: dict[tuple[str, int, str], Value] = {}
        self._busy: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._calls = 0
        self._subclass_map: dict[str, list[Symbol]] | None = None
        self._django_project = ""

    @contextmanager
    def django_project(self, project: str) -> Iterator[None]:
        """Inside, Django's `settings.X` is read from the settings module named `project` (the project
        whose ROOT_URLCONF reaches the URLconf being read) instead of the main project's."""
        saved, self._django_project = self._django_project, project
        try:
            yield
        finally:
            self._django_project = saved

    # --- public API ---------------------------------------------------------------------
    def value(self, mod: ModuleSummary, expr: Expr | None, scope: Scope | None = None) -> Value:
        """The possible values of `expr` written in `mod` (inside `scope`, when given)."""
        if expr is None:
            return Value((None,))
        if scope is None:
            key = (mod.path, id(expr), self._django_project)
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
        return self._text(mod, expr, scope, 0)

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

    # --- the evaluator --------------------------------------------------------------------
    def _eval(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        if depth > _MAX_DEPTH:
            return _opaque(mod, expr, "too deeply nested to read")
        kind = expr.kind
        if kind == "str":
            return Value((expr.text,))
        if kind == "const":
            lit = {"True": True, "False": False, "None": None}
            return Value((lit[expr.text],)) if expr.text in lit else _opaque(mod, expr, "not a value")
        if kind == "num":
            return self._number(mod, expr)
        if kind in ("list", "tuple", "set"):
            return self._sequence(mod, expr, scope, depth)
        if kind == "dict":
            return self._dict(mod, expr, scope, depth)
        if kind == "fstr":
            return self._fstring(mod, expr, scope, depth)
        if kind == "name":
            return self._name(mod, expr, scope, depth)
        if kind == "attr":
            return self._attribute(mod, expr, scope, depth)
        if kind == "subscript":
            return self._subscript(mod, expr, scope, depth)
        if kind == "call":
            return self._call(mod, expr, scope, depth)
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
            return self._sub(mod, expr.args[1], scope, depth)
        if kind == "await" and expr.args:
            return self._sub(mod, expr.args[0], scope, depth)
        return _opaque(mod, expr, f"a {kind} expression is not evaluated")

    def _sub(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
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
                return _opaque(mod, expr, "not a plain number")

    def _sequence(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        items: list[Any] = []
        env = False
        for element in expr.args:
            if element.kind == "starred":
                inner = self._sub(mod, element.args[0], scope, depth)
                env = env or inner.from_env
                if isinstance(inner.first, list | tuple | dict):
                    items.extend(inner.first)
                else:
                    items.append(_opaque(mod, element, "unpacks a value that cannot be read").first)
                continue
            value = self._sub(mod, element, scope, depth)
            env = env or value.from_env
            items.append(value.first)
        return Value((tuple(items) if expr.kind == "tuple" else items,), env)

    def _dict(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        out: dict[Any, Any] = {}
        env = False
        for key, item in zip(expr.args[::2], expr.args[1::2], strict=False):
            if key.kind == "starstar":
                merged = self._sub(mod, item, scope, depth)
                env = env or merged.from_env
                if isinstance(merged.first, dict):
                    out.update(merged.first)
                else:
                    return _opaque(mod, expr, f"merges `{item.render(30)}`, which cannot be read", env)
                continue
            key_value = self._sub(mod, key, scope, depth)
            if not key_value.known or not _hashable(key_value.first):
                return _opaque(mod, expr, f"key `{key.render(30)}` cannot be read", env or key_value.from_env)
            value = self._sub(mod, item, scope, depth)
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
            value = self._sub(mod, part, scope, depth)
            env = env or value.from_env
            if not value.known:
                return _opaque(mod, expr, value.reason() or "a formatted part cannot be read", env)
            pieces = [_to_str(o) for o in value.options[:2] if is_plain(o)]
            texts = list(dict.fromkeys(t + p for t in texts for p in pieces))[:MAX_OPTIONS]
        return Value(tuple(texts), env)

    # --- names ----------------------------------------------------------------------------
    def _name(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        name = expr.text
        if scope is not None:
            local = self._local(scope, name, expr, depth)
            if local is not None:
                return local
        return self._global(mod, name, expr, depth)

    def _local(self, scope: Scope, name: str, expr: Expr, depth: int) -> Value | None:
        if name in scope.bound:
            return scope.bound[name]
        if scope.lookup is not None:
            found = scope.lookup(name)
            if found is not None:
                return found
        assigns = scope.assignments().get(name)
        if assigns:
            return self._assigned(scope.mod, f"{id(scope)}:{name}", assigns, scope, depth)
        param = scope.param(name)
        if param is not None:
            if param.default is not None:
                return self._sub(scope.mod, param.default, None, depth)
            return _opaque(scope.mod, expr, f"parameter `{name}` is set by each caller")
        imported = scope.imports().get(name)
        if imported is not None:
            return self._qualified(scope.mod, expr, imported, depth)
        nested = scope.nested(name)
        if nested is not None:
            return Value((Ref(nested),))
        if scope.parent is not None:
            return self._local(scope.parent, name, expr, depth)
        return None

    def _global(self, mod: ModuleSummary, name: str, expr: Expr, depth: int) -> Value:
        assigns = self.module_assignments(mod).get(name)
        if assigns and not self._imported(mod, name):
            return self._assigned(mod, f"{mod.path}:{name}", assigns, None, depth)
        qualified = self.index.qualify(mod, name)
        return self._qualified(mod, expr, qualified, depth)

    def _imported(self, mod: ModuleSummary, name: str) -> bool:
        """True when the last binding of `name` in the module is an import (re-exported names)."""
        table = self.index.import_table(mod)
        if name not in table:
            return False
        assigns = self.module_assignments(mod).get(name, [])
        last_import = max((imp.line for imp in mod.imports if imp.asname == name), default=0)
        return all(stmt.line < last_import for stmt, _ in assigns)

    def _qualified(self, mod: ModuleSummary, expr: Expr, qualified: str, depth: int) -> Value:
        """A dotted name resolved to a project definition, a module constant or Django settings."""
        if qualified.startswith("django.conf.settings."):
            return self._django_setting(mod, expr, qualified[len("django.conf.settings."):], depth)
        symbol = self.index.lookup(qualified)
        if symbol is None:
            head, _, attr = qualified.rpartition(".")
            owner = self.index.lookup(head) if head else None
            if owner is not None and owner.cls is not None:
                return self._class_attribute(owner, attr, expr, depth)
            if owner is not None and owner.value is not None:
                return self._member(self._global(owner.module, owner.qualname.rsplit(".", 1)[-1], expr, depth + 1),
                                    attr, mod, expr, depth)
            return _opaque(mod, expr, f"`{qualified}` is not defined in the project")
        if symbol.func is not None or symbol.cls is not None:
            return Value((Ref(symbol),))
        short = symbol.qualname.rsplit(".", 1)[-1]
        assigns = self.module_assignments(symbol.module).get(short)
        if assigns:
            return self._assigned(symbol.module, f"{symbol.module.path}:{short}", assigns, None, depth)
        if symbol.value is not None:
            return self._sub(symbol.module, symbol.value, None, depth)
        return _opaque(mod, expr, f"`{qualified}` has no value")

    def module_assignments(self, mod: ModuleSummary) -> dict[str, list[tuple[Stmt, bool]]]:
        """Module-level assignments by name (see `collect_assignments`)."""
        found = self._module_assignments.get(mod.path)
        if found is None:
            found = collect_assignments(mod.body)
            self._module_assignments[mod.path] = found
        return found

    def _assigned(self, mod: ModuleSummary, key: str, assigns: list[tuple[Stmt, bool]], scope: Scope | None,
                  depth: int) -> Value:
        """Replay a name's assignments in order: an unconditional one replaces what came before,
        a conditional one adds a possible value; `X = X + ...` reads the values so far."""
        busy_key = (key, "")
        if busy_key in self._busy:
            current = self._busy[busy_key]
            return Value(current) if current else _opaque(mod, assigns[0][0].targets[0], "defined in terms of itself")
        options: list[Any] = []
        env = False
        try:
            for stmt, conditional in assigns:
                self._busy[busy_key] = tuple(options)
                assert stmt.value is not None
                if stmt.kind == "expr":
                    value = Value(tuple(self._mutated(mod, stmt.value, o, scope, depth) for o in options))
                elif stmt.kind == "augassign":
                    target = stmt.targets[0]
                    combined = self._sub(mod, Expr("binop", stmt.name or "+", (target, stmt.value)), scope, depth)
                    value = combined
                elif len(stmt.targets) > 1 or stmt.targets[0].kind != "name":
                    value = self._unpacked(mod, stmt, key.rsplit(":", 1)[-1], scope, depth)
                else:
                    value = self._sub(mod, stmt.value, scope, depth)
                env = env or value.from_env
                if conditional:
                    options += [v for v in value.options if not any(v is o for o in options)]
                else:
                    options = list(value.options)
                del options[MAX_OPTIONS:]  # a list appended to under many `if`s would double each time
        finally:
            self._busy.pop(busy_key, None)
        if not options:
            return _opaque(mod, assigns[0][0].targets[0], "never assigned unconditionally")
        # An object bound to a name keeps the name (`router = APIRouter()` is `router`, not the call), so
        # adapters can look it up where it is defined.
        name = key.rsplit(":", 1)[-1]
        line = assigns[0][0].line
        options = [Opaque(mod, Expr("name", name, line=line), o.reason)
                   if isinstance(o, Opaque) and o.expr.kind == "call" else
                   replace(o, origin=(mod, Expr("name", name, line=line)))
                   if isinstance(o, Instance) and o.origin is None and scope is None else o for o in options]
        return Value(tuple(options[:MAX_OPTIONS]), env)

    def _mutated(self, mod: ModuleSummary, call: Expr, current: Any, scope: Scope | None, depth: int) -> Any:
        """The list `current` after `.append(x)`, `.extend(xs)` or `.insert(i, x)` (a copy; unchanged
        when it is not a known list)."""
        if not isinstance(current, list | tuple):
            return current
        items = list(current)
        method = call.func.text
        args = [self._sub(mod, a, scope, depth).first for a in call.positional if a.kind != "starred"]
        if method == "append" and len(args) == 1:
            items.append(args[0])
        elif method == "extend" and len(args) == 1:
            if isinstance(args[0], list | tuple):
                items.extend(args[0])
            else:
                items.append(_opaque(mod, call, "extended with a value that cannot be read").first)
        elif method == "insert" and len(args) == 2 and isinstance(args[0], int):
            items.insert(args[0], args[1])
        else:
            items.append(_opaque(mod, call, f"`.{method}(...)` cannot be read").first)
        return tuple(items) if isinstance(current, tuple) else items

    def _unpacked(self, mod: ModuleSummary, stmt: Stmt, name: str, scope: Scope | None, depth: int) -> Value:
        """`a, b = 1, 2` and chained `a = b = value`: the part bound to `name`."""
        assert stmt.value is not None
        for target in stmt.targets:
            if target.kind == "name" and target.text == name:
                return self._sub(mod, stmt.value, scope, depth)
            if target.kind in ("tuple", "list"):
                value = self._sub(mod, stmt.value, scope, depth)
                for i, element in enumerate(target.args):
                    if element.kind == "name" and element.text == name:
                        first = value.first
                        if isinstance(first, list | tuple) and len(first) == len(target.args):
                            return Value((first[i],), value.from_env)
        return _opaque(mod, stmt.value, f"`{name}` is unpacked from a value that cannot be read")

    # --- attributes, subscripts ---------------------------------------------------------
    def _attribute(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        dotted = expr.dotted
        head, _, rest = dotted.partition(".") if dotted else ("", "", "")
        local = scope is not None and head and (
            head in scope.bound or head in scope.assignments() or scope.param(head) is not None)
        imported = scope.imports().get(head) if scope is not None and head and not local else None
        if dotted is not None and not local:
            qualified = f"{imported}.{rest}" if imported else self.index.qualify(mod, dotted)
            if qualified.startswith("django.conf.settings."):
                return self._django_setting(mod, expr, qualified[len("django.conf.settings."):], depth)
            if qualified.startswith(("os.environ", "sys.")):
                return _opaque(mod, expr, "read from the process at run time", qualified.startswith("os."))
            symbol = self.index.lookup(qualified)
            if symbol is not None:
                return self._qualified(mod, expr, qualified, depth)
        owner = self._sub(mod, expr.args[0], scope, depth)
        return self._member(owner, expr.text, mod, expr, depth)

    def _member(self, owner: Value, attr: str, mod: ModuleSummary, expr: Expr, depth: int) -> Value:
        options: list[Any] = []
        env = owner.from_env
        for item in owner.options:
            if isinstance(item, Instance):
                value = self._instance_field(item, attr, expr, depth)
            elif isinstance(item, Ref) and item.symbol.cls is not None:
                value = self._class_attribute(item.symbol, attr, expr, depth)
            elif isinstance(item, Ref) and item.symbol.func is not None and attr in ("__name__", "__qualname__"):
                value = Value((item.symbol.func.name,))
            elif isinstance(item, Opaque):
                value = _opaque(mod, expr, item.reason)
            else:
                value = _opaque(mod, expr, f"attribute `{attr}` of a literal is not evaluated")
            env = env or value.from_env
            options += value.options
        return Value(tuple(options[:MAX_OPTIONS]) or _opaque(mod, expr, "no value").options, env)

    def _class_attribute(self, cls: Symbol, attr: str, expr: Expr, depth: int) -> Value:
        for owner in self._class_chain(cls):
            assert owner.cls is not None
            value = owner.cls.attribute(attr)
            if value is not None:
                return self._field_default(owner, value, depth)
            method = owner.cls.method(attr)
            if method is not None:
                if _abstract(method):
                    override = self._only_override(owner, attr)
                    if override is not None:
                        return Value((Ref(override),))
                return Value((Ref(_member_symbol(owner, method)),))
            inner = next((s.cls for s in owner.cls.body if s.cls is not None and s.cls.name == attr), None)
            if inner is not None:
                return Value((Ref(_class_symbol(owner, inner)),))
        return _opaque(cls.module, expr, f"`{cls.qualname}` has no attribute `{attr}` apilint can read")

    def _only_override(self, base: Symbol, name: str) -> Symbol | None:
        """The one project subclass method that implements an abstract method (`self.build_routes()`
        called in a base class whose only concrete subclass defines it)."""
        found: list[Symbol] = []
        for sub in self._subclasses().get(base.qualname, ()):
            assert sub.cls is not None
            method = sub.cls.method(name)
            if method is not None and not _abstract(method):
                found.append(_member_symbol(sub, method))
        return found[0] if len(found) == 1 else None

    def _subclasses(self) -> dict[str, list[Symbol]]:
        if self._subclass_map is None:
            from apilint.project import Symbol

            table: dict[str, list[Symbol]] = {}
            for mod in self.index:
                for cls in mod.classes():
                    if "<locals>" in cls.qualname or not cls.bases:
                        continue
                    symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
                    for base in self.index.base_names(symbol):
                        table.setdefault(base, []).append(symbol)
            self._subclass_map = table
        return self._subclass_map

    def _field_default(self, owner: Symbol, value: Expr, depth: int) -> Value:
        """A class field's default: `x = "/api"`, `x: str = Field("/api")`, `Field(default_factory=C)`."""
        env = self._is_settings(owner)
        if value.kind == "call":
            callee = (self.index.qualify_expr(owner.module, value.func) or "").rsplit(".", 1)[-1]
            if callee in ("Field", "field", "attrib", "attr.ib", "Setting"):
                factory = value.kwarg("default_factory") or value.kwarg("factory")
                if factory is not None:
                    made = self._sub(owner.module, Expr("call", args=(factory,)), None, depth)
                    return Value(made.options, made.from_env or env)
                default = value.arg(0, "default")
                if default is None:
                    return _opaque(owner.module, value, "the field has no default")
                value = default
        # a class body reads its own earlier names first (`CRUD_SET = {ADD, LIST}` in the class)
        scope = Scope(owner.module, None, None, None, lambda name: self._class_body_name(owner, name, depth))
        got = self._sub(owner.module, value, scope, depth)
        return Value(got.options, got.from_env or env)

    def _class_body_name(self, owner: Symbol, name: str, depth: int) -> Value | None:
        assert owner.cls is not None
        value = owner.cls.attribute(name)
        if value is None or depth > _MAX_DEPTH:
            return None
        return self._field_default(owner, value, depth + 1)

    def _is_settings(self, cls: Symbol) -> bool:
        return any(base.rsplit(".", 1)[-1] in _SETTINGS_BASES for base in self.index.base_names(cls))

    def _instance_field(self, item: Instance, attr: str, expr: Expr, depth: int) -> Value:
        given = item.call.kwarg(attr)
        if given is not None:
            return self._sub(item.mod, given, item.scope, depth)
        for owner in self._class_chain(item.cls):
            assert owner.cls is not None
            method = owner.cls.method(attr)
            if method is not None and any((d.expr.dotted or "").endswith("property") for d in method.decorators):
                self_scope = Scope(owner.module, method, {"self": Value((item,))})
                return self._returns(owner, method, self_scope, expr, depth)
            init = owner.cls.method("__init__")
            if init is not None:
                assigned = self._init_assignment(item, owner, init, attr, depth)
                if assigned is not None:
                    return assigned
        return self._class_attribute(item.cls, attr, expr, depth)

    def _init_assignment(self, item: Instance, owner: Symbol, init: FunctionDef, attr: str,
                         depth: int) -> Value | None:
        """`self.attr = ...` in `__init__`, with the constructor's arguments bound."""
        for stmt in walk_stmts(init.body):
            if stmt.kind not in ("assign", "annassign") or stmt.value is None:
                continue
            for target in stmt.targets:
                if target.kind == "attr" and target.text == attr and target.args[0].dotted == "self":
                    bound = self.bind_arguments(item.mod, init, item.call, item.scope, skip_self=True)
                    bound["self"] = Value((item,))
                    return self._sub(owner.module, stmt.value, Scope(owner.module, init, bound), depth)
        return None

    def _class_chain(self, cls: Symbol) -> Iterator[Symbol]:
        yield cls
        for base in self.index.base_names(cls):
            parent = self.index.lookup(base)
            if parent is not None and parent.cls is not None and parent.qualname != cls.qualname:
                yield parent

    def _subscript(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        if len(expr.args) != 2:
            return _opaque(mod, expr, "a slice is not evaluated")
        owner_expr, key_expr = expr.args
        if (self.index.qualify_expr(mod, owner_expr) or "") in ("os.environ",):
            return _opaque(mod, expr, "environment variable without a default", True)
        owner = self._sub(mod, owner_expr, scope, depth)
        key = self._sub(mod, key_expr, scope, depth)
        env = owner.from_env or key.from_env
        container, index = owner.first, key.first
        try:
            if isinstance(container, dict) and _hashable(index) and index in container:
                return Value((container[index],), env)
            if isinstance(container, list | tuple | str) and isinstance(index, int) and -len(container) <= index < len(
                    container):
                return Value((container[index],), env)
        except TypeError:
            pass
        return _opaque(mod, expr, "the item cannot be read", env)

    # --- operators ------------------------------------------------------------------------
    def _binop(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        left = self._sub(mod, expr.args[0], scope, depth)
        right = self._sub(mod, expr.args[1], scope, depth)
        env = left.from_env or right.from_env
        options: list[Any] = []
        for a in left.options[:2]:
            for b in right.options[:2]:
                options.append(_apply_binop(expr.text, a, b))
        if options[0] is _FAILED:
            # The likeliest combination cannot be computed: unknown first, the others kept as alternatives.
            reason = left.reason() or right.reason() or f"`{expr.text}` of values that cannot be combined"
            others = [o for o in options if o is not _FAILED]
            return Value((Opaque(mod, expr, reason, scope), *others)[:MAX_OPTIONS], env)
        return Value(tuple(o for o in options if o is not _FAILED)[:MAX_OPTIONS], env)

    def _boolop(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        env = False
        result: Value = Value((None,))
        for operand in expr.args:
            result = self._sub(mod, operand, scope, depth)
            env = env or result.from_env
            if not result.known:
                if expr.text == "or" and isinstance(result.first, Ref | Instance):
                    return Value(result.options, env)  # `x or default_object`: an object is truthy
                return _opaque(mod, expr, result.reason(), env)
            if (expr.text == "or") == bool(result.first):
                return Value((result.first,), env)
        return Value((result.first,), env)

    def _unary(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        inner = self._sub(mod, expr.args[0], scope, depth)
        if not inner.known:
            return _opaque(mod, expr, inner.reason(), inner.from_env)
        value = inner.first
        if expr.text == "not":
            return Value((not value,), inner.from_env)
        if expr.text == "-" and isinstance(value, int | float) and not isinstance(value, bool):
            return Value((-value,), inner.from_env)
        if expr.text == "+" and isinstance(value, int | float):
            return Value((value,), inner.from_env)
        return _opaque(mod, expr, f"unary `{expr.text}` is not evaluated", inner.from_env)

    def _compare(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        values = [self._sub(mod, e, scope, depth) for e in expr.args]
        env = any(v.from_env for v in values)
        for v in values:
            if not v.known:
                return _opaque(mod, expr, v.reason(), env)
        try:
            for op, a, b in zip(expr.text.split(","), values, values[1:], strict=False):
                if not compare_values(op, a.first, b.first):
                    return Value((False,), env)
        except (KeyError, TypeError):
            return _opaque(mod, expr, f"comparison `{expr.text}` is not evaluated", env)
        return Value((True,), env)

    def _ifexp(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Value:
        test = self._sub(mod, expr.args[0], scope, depth)
        if test.known:
            chosen = self._sub(mod, expr.args[1] if test.first else expr.args[2], scope, depth)
            return Value(chosen.options, chosen.from_env or test.from_env)
        body = self._sub(mod, expr.args[1], scope, depth)
        orelse = self._sub(mod, expr.args[2], scope, depth)
        return Value((*body.options, *orelse.options)[:MAX_OPTIONS], body.from_env or orelse.from_env or test.from_env)

    # --- calls ----------------------------------------------------------------------------
    def _call(self, mod: ModuleSummary, call: Expr, scope: Scope | None, depth: int) -> Value:
        func = call.func
        if func.kind == "attr" and func.text in _MUTATORS:  # `x.append(...)` returns None: do not read `x`
            return Value((None,))
        if func.kind == "attr" and func.text in _STR_METHODS | {"items", "keys", "values", "get", "copy"}:
            target = self._sub(mod, func.args[0], scope, depth)
            if target.known or isinstance(target.first, dict):
                method = self._method(mod, call, target, scope, depth)
                if method is not None:
                    return method
        env = self._env_call(mod, call, scope, depth)
        if env is not None:
            return env
        dotted = func.dotted or ""
        qualified = self._qualify(mod, dotted, scope) if dotted and not self._is_local(scope, dotted) else dotted
        builtin = self._builtin(mod, call, dotted, qualified, scope, depth)
        if builtin is not None:
            return builtin
        receiver = self._sub(mod, func.args[0], scope, depth).first if func.kind == "attr" else None
        callee = self._sub(mod, func, scope, depth)
        target = callee.first
        if isinstance(target, Ref):
            symbol = target.symbol
            if symbol.cls is not None:
                return Value((Instance(symbol, call, mod, scope),))
            if symbol.func is not None:
                bound_self = self._receiver(receiver, symbol)
                return self._call_function(symbol, call, mod, scope, depth, bound_self)
        if isinstance(target, Instance):
            dunder = self._find_method(target.cls, "__call__")
            if dunder is not None:
                owner, fn = dunder
                bound = self.bind_arguments(mod, fn, call, scope, skip_self=True)
                bound["self"] = Value((target,))
                return self._returns(owner, fn, Scope(owner.module, fn, bound), call, depth)
        reason = f"call to `{func.render(30)}`" + ("" if isinstance(target, Opaque) else " is not evaluated")
        return Value((Opaque(mod, call, reason, scope),), callee.from_env)

    @staticmethod
    def _is_local(scope: Scope | None, dotted: str) -> bool:
        """True when the name's head is a local variable or parameter (not a local import)."""
        if scope is None:
            return False
        head = dotted.partition(".")[0]
        return head in scope.bound or head in scope.assignments() or scope.param(head) is not None

    def _qualify(self, mod: ModuleSummary, dotted: str, scope: Scope | None) -> str:
        """A dotted name's qualified name, through imports inside the function first."""
        head, _, rest = dotted.partition(".")
        imported = scope.imports().get(head) if scope is not None else None
        if imported:
            return f"{imported}.{rest}" if rest else imported
        return self.index.qualify(mod, dotted)

    def _find_method(self, cls: Symbol, name: str) -> tuple[Symbol, FunctionDef] | None:
        for owner in self._class_chain(cls):
            assert owner.cls is not None
            method = owner.cls.method(name)
            if method is not None:
                return owner, method
        return None

    def _method(self, mod: ModuleSummary, call: Expr, target: Value, scope: Scope | None, depth: int) -> Value | None:
        name = call.func.text
        value = target.first
        env = target.from_env
        args = [self._sub(mod, a, scope, depth) for a in call.positional if a.kind != "starred"]
        if len(args) != len(call.positional) or not all(a.known for a in args):
            if name not in ("format",) or not all(a.known for a in args if a is not None):
                return None
        env = env or any(a.from_env for a in args)
        plain = [a.first for a in args]
        if isinstance(value, dict):
            if name == "items":
                return Value(([(k, v) for k, v in value.items()],), env)
            if name == "keys":
                return Value((list(value),), env)
            if name == "values":
                return Value((list(value.values()),), env)
            if name == "copy":
                return Value((dict(value),), env)
            if name == "get" and plain and _hashable(plain[0]):
                return Value((value.get(plain[0], plain[1] if len(plain) > 1 else None),), env)
            return None
        if isinstance(value, str):
            if name == "format":
                kwargs: dict[str, Any] = {}
                for kw in call.keywords:
                    if kw.name is None:
                        return None
                    item = self._sub(mod, kw.value, scope, depth)
                    if not item.known:
                        return None
                    kwargs[kw.name] = item.first
                try:
                    return Value((value.format(*plain, **kwargs),), env)
                except (IndexError, KeyError, ValueError, AttributeError):
                    return None
            if name == "join" and len(plain) == 1 and isinstance(plain[0], list | tuple):
                if all(isinstance(p, str) for p in plain[0]):
                    return Value((value.join(plain[0]),), env)
                return None
            if name in ("split", "rsplit"):
                sep = plain[0] if plain and isinstance(plain[0], str) else None
                return Value(([p for p in getattr(value, name)(sep) if p] if sep is None
                              else getattr(value, name)(sep),), env)
            if name in ("startswith", "endswith") and plain and isinstance(plain[0], str | tuple):
                return Value((getattr(value, name)(plain[0]),), env)
            if name in ("replace", "removeprefix", "removesuffix", "strip", "lstrip", "rstrip") and all(
                    isinstance(p, str) for p in plain):
                return Value((getattr(value, name)(*plain),), env)
            if name in ("lower", "upper", "casefold", "title", "capitalize") and not plain:
                return Value((getattr(value, name)(),), env)
        return None

    def _builtin(self, mod: ModuleSummary, call: Expr, dotted: str, qualified: str, scope: Scope | None,
                 depth: int) -> Value | None:
        if dotted in ("str", "int", "bool", "float", "list", "tuple") and len(call.positional) == 1:
            inner = self._sub(mod, call.positional[0], scope, depth)
            if not inner.known:
                return None if dotted in ("list", "tuple") else _opaque(mod, call, inner.reason(), inner.from_env)
            cast = _cast(inner.first, dotted)
            return Value((cast,), inner.from_env) if cast is not _FAILED else None
        if dotted == "dict":
            merged: dict[Any, Any] = {}
            env = False
            for arg in call.positional[:1]:
                base = self._sub(mod, arg, scope, depth)
                if not isinstance(base.first, dict):
                    return None
                merged.update(base.first)
                env = env or base.from_env
            for kw in call.keywords:
                item = self._sub(mod, kw.value, scope, depth)
                env = env or item.from_env
                if kw.name is None:
                    if not isinstance(item.first, dict):
                        return None
                    merged.update(item.first)
                else:
                    merged[kw.name] = item.first
            return Value((merged,), env)
        if qualified in ("os.path.join", "posixpath.join") and call.positional:
            parts = [self._sub(mod, a, scope, depth) for a in call.positional]
            if all(p.known and isinstance(p.first, str) for p in parts):
                import posixpath

                return Value((posixpath.join(*(p.first for p in parts)),), any(p.from_env for p in parts))
        if qualified in ("functools.partial",) and call.positional:
            return self._sub(mod, call.positional[0], scope, depth)
        if qualified in ("typing.cast", "typing_extensions.cast") and len(call.positional) == 2:
            return self._sub(mod, call.positional[1], scope, depth)
        return None

    def _env_call(self, mod: ModuleSummary, call: Expr, scope: Scope | None, depth: int) -> Value | None:
        """`os.getenv("X", d)`, `env.bool("X", default=d)`, `config("X", default=d, cast=bool)`."""
        func = call.func
        dotted = func.dotted or ""
        if self._is_local(scope, dotted):
            return None
        qualified = self._qualify(mod, dotted, scope) if dotted else dotted
        cast = ""
        env_instance: Expr | None = None
        if func.kind == "attr" and func.text in _ENV_CASTS and func.args[0].kind == "name":
            owner = self._env_instance(mod, func.args[0])
            if owner is None and func.args[0].text not in ("env", "environ") and \
                    not self._setting_lookup(call, qualified):
                return None
            env_instance = owner
            cast = func.text
        elif qualified in _ENV_FUNCS or (dotted in _ENV_FUNCS and self.index.lookup(qualified) is None):
            env_instance = self._env_instance(mod, func) if func.kind == "name" else None
        elif func.kind == "name":
            env_instance = self._env_instance(mod, func)
            if env_instance is None:
                return None
        elif not self._setting_lookup(call, qualified):
            return None
        default = call.kwarg("default")
        if default is None and len(call.positional) >= 2:
            default = call.positional[1]
        key = call.positional[0].text if call.positional and call.positional[0].kind == "str" else ""
        if default is None and env_instance is not None and key:
            scheme = env_instance.kwarg(key)  # environ.Env(DEBUG=(bool, False))
            if scheme is not None and scheme.kind == "tuple" and len(scheme.args) == 2:
                cast = cast or (scheme.args[0].dotted or "")
                default = scheme.args[1]
        if default is None:
            # An unset variable reads as None, as the app sees it when nothing is configured.
            return Value((None,), True)
        value = self._sub(mod, default, scope, depth)
        if not value.known:
            return Value(value.options, True)
        cast_expr = call.kwarg("cast")
        if cast_expr is not None:
            cast = cast_expr.dotted or ("list" if cast_expr.kind == "call" and
                                        (cast_expr.func.dotted or "").endswith("Csv") else "")
        casted = _cast(value.first, cast)
        return Value((value.first if casted is _FAILED else casted,), True)

    def _setting_lookup(self, call: Expr, qualified: str) -> bool:
        """`confi.str("DATA_ROUTE", "/data")`, `cfg.get("API_PREFIX", "/api")`: a configuration
        library outside the project read by an environment-style key with a default."""
        if call.func.kind != "attr" or self.index.lookup(qualified) is not None:
            return False
        first = call.positional[0] if call.positional else None
        has_default = len(call.positional) >= 2 or call.kwarg("default") is not None
        return (first is not None and first.kind == "str" and has_default
                and _ENV_KEY.match(first.text) is not None)

    def _env_instance(self, mod: ModuleSummary, name: Expr) -> Expr | None:
        """The `environ.Env(...)` call a name is bound to, if it is one."""
        symbol = self.index.resolve(mod, name)
        if symbol is None or symbol.value is None or symbol.value.kind != "call":
            return None
        callee = self.index.qualify_expr(symbol.module, symbol.value.func) or ""
        if callee in ("environ.Env", "environ.environ.Env") or callee.endswith(".Env"):
            return symbol.value
        return None

    def _receiver(self, receiver: Any, method: Symbol) -> Instance | None:
        """The object a method is called on, as an instance of the class that defines the method (an
        override found for an abstract method runs on the subclass)."""
        if not isinstance(receiver, Instance):
            return None
        owner = self.index.lookup(method.qualname.rsplit(".", 1)[0])
        if owner is not None and owner.cls is not None and owner.qualname != receiver.cls.qualname:
            return Instance(owner, receiver.call, receiver.mod, receiver.scope)
        return receiver

    def _call_function(self, symbol: Symbol, call: Expr, mod: ModuleSummary, scope: Scope | None,
                       depth: int, receiver: Instance | None = None) -> Value:
        func = symbol.func
        assert func is not None
        if depth > _MAX_DEPTH - 4 or self._calls > 20000 or _call_depth(scope) >= _MAX_CALL_DEPTH:
            return _opaque(mod, call, f"call to `{symbol.qualname}` is nested too deeply to read")
        self._calls += 1
        bound = self.bind_arguments(mod, func, call, scope, skip_self=receiver is not None)
        if receiver is not None and func.params and func.params[0].name in ("self", "cls"):
            bound[func.params[0].name] = Value((receiver,))
        inner = Scope(symbol.module, func, bound, None)
        inner.bound["__caller__"] = Value((_call_depth(scope) + 1,))
        return self._returns(symbol, func, inner, call, depth)

    def bind_arguments(self, mod: ModuleSummary, func: FunctionDef, call: Expr, scope: Scope | None,
                       skip_self: bool) -> dict[str, Value]:
        """The values a call passes to a function's parameters, by position and keyword."""
        params = [p for p in func.params if p.kind in ("pos", "posonly")]
        if skip_self and params and params[0].name in ("self", "cls"):
            params = params[1:]
        bound: dict[str, Value] = {}
        for param, arg in zip(params, call.positional, strict=False):
            if arg.kind == "starred":
                break
            bound[param.name] = self._sub(mod, arg, scope, 0)
        names = {p.name for p in func.params}
        for kw in call.keywords:
            if kw.name is not None and kw.name in names:
                bound[kw.name] = self._sub(mod, kw.value, scope, 0)
        return bound

    def _returns(self, owner: Symbol, func: FunctionDef, scope: Scope, where: Expr, depth: int) -> Value:
        """The values a function returns, reading `if`s whose test is known and locals as assigned."""
        frame = _Frame(scope)
        self._run(owner.module, func.body, frame, depth)
        if not frame.returns:
            reason = "its body is not read" if frame.unknown_flow else "it returns nothing apilint can read"
            return _opaque(owner.module, where, f"`{owner.qualname}`: {reason}", frame.env)
        return Value(tuple(frame.returns[:MAX_OPTIONS]), frame.env)

    def _run(self, mod: ModuleSummary, body: tuple[Stmt, ...], frame: _Frame, depth: int, maybe: bool = False) -> bool:
        """Execute statements symbolically; True when the block always returns or raises. In a block
        that may not run (`maybe`: an `if` whose test is unknown, a loop), an assignment adds a
        possible value to the name instead of replacing it."""
        for stmt in body:
            kind = stmt.kind
            if kind == "return":
                value = self._sub(mod, stmt.value, frame.scope, depth) if stmt.value is not None else Value((None,))
                frame.env = frame.env or value.from_env
                frame.returns += [v for v in value.options if not any(v is r for r in frame.returns)]
                return True
            if kind == "raise":
                return True
            mutated = mutated_name(stmt)
            if mutated is not None and mutated in frame.scope.bound:
                assert stmt.value is not None
                current = frame.scope.bound[mutated]
                changed = Value(tuple(self._mutated(mod, stmt.value, o, frame.scope, depth) for o in current.options),
                                current.from_env)
                frame.scope.bound[mutated] = _merged(current, changed) if maybe else changed
            elif kind in ("assign", "annassign", "augassign") and stmt.value is not None and \
                    len(stmt.targets) == 1 and stmt.targets[0].kind == "name":
                name = stmt.targets[0].text
                value_expr = stmt.value if kind != "augassign" else Expr("binop", stmt.name or "+",
                                                                         (stmt.targets[0], stmt.value))
                value = self._sub(mod, value_expr, frame.scope, depth)
                previous = frame.scope.bound.get(name)
                frame.scope.bound[name] = _merged(previous, value) if maybe and previous is not None else value
            elif kind == "if" and stmt.value is not None:
                test = self._sub(mod, stmt.value, frame.scope, depth)
                frame.env = frame.env or test.from_env  # what it returns then depends on the environment
                if stmt.value.kind == "namedexpr" and stmt.value.args[0].kind == "name":
                    frame.scope.bound[stmt.value.args[0].text] = test
                if test.known:
                    if self._run(mod, stmt.body if test.first else stmt.orelse, frame, depth, maybe):
                        return True
                else:
                    done_body = self._run(mod, stmt.body, frame, depth, True)
                    done_else = self._run(mod, stmt.orelse, frame, depth, True)
                    if done_body and done_else:
                        return True
            elif kind in ("with", "try"):
                if self._run(mod, stmt.body, frame, depth, maybe):
                    return True
            elif kind in ("for", "while", "match"):
                frame.unknown_flow = True
                self._run(mod, stmt.body, frame, depth, True)
        return False

    # --- text mode -------------------------------------------------------------------------
    def _text(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Text:
        value = self.value(mod, expr, scope)
        if isinstance(value.first, str):
            others = tuple(dict.fromkeys(o for o in value.options[1:] if isinstance(o, str) and o != value.first))
            return Text(value.first, (), others, value.from_env)
        if depth < 8:
            if expr.kind == "fstr":
                pieces = [Text(p.text) if p.kind == "str" else self._text(mod, p, scope, depth + 1) for p in expr.args]
                return _join_texts(pieces, value.from_env)
            if expr.kind == "binop" and expr.text == "+":
                pieces = [self._text(mod, e, scope, depth + 1) for e in expr.args]
                return _join_texts(pieces, value.from_env)
            formatted = self._format_text(mod, expr, scope, depth)
            if formatted is not None:
                return formatted
            target = self._assigned_expr(mod, expr, scope)
            if target is not None:
                inner = self._text(target[0], target[1], target[2], depth + 1)
                return Text(inner.text, inner.unresolved, inner.alternatives, inner.from_env or value.from_env,
                            inner.reasons)
        source = expr.render(60)
        return Text(placeholder(expr.render(40)), (source,), (), value.from_env, (value.reason() or source,))

    def _format_text(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, depth: int) -> Text | None:
        """`"/{}/<id>/resource".format(kind)`: the template's text with each argument's text in place."""
        if expr.kind != "call" or expr.func.kind != "attr" or expr.func.text != "format":
            return None
        template = self.value(mod, expr.func.args[0], scope).first
        if not isinstance(template, str):
            return None
        import string

        pieces: list[Text] = []
        auto = 0
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            return None
        for literal, field_name, spec, _conversion in fields:
            pieces.append(Text(literal))
            if field_name is None:
                continue
            if spec:
                return None
            arg: Expr | None
            if field_name == "":
                arg = expr.positional[auto] if auto < len(expr.positional) else None
                auto += 1
            elif field_name.isdigit():
                index = int(field_name)
                arg = expr.positional[index] if index < len(expr.positional) else None
            else:
                arg = expr.kwarg(field_name)
            if arg is None:
                return None
            pieces.append(self._text(mod, arg, scope, depth + 1))
        return _join_texts(pieces, False)

    def _assigned_expr(self, mod: ModuleSummary, expr: Expr,
                       scope: Scope | None) -> tuple[ModuleSummary, Expr, Scope | None] | None:
        """The one expression a name is (first, unconditionally) assigned, to read its known parts."""
        if expr.kind == "name":
            if scope is not None:
                if expr.text in scope.bound or (scope.lookup is not None and scope.lookup(expr.text) is not None):
                    return None
                assigns = scope.assignments().get(expr.text)
                if assigns:
                    return _plain_assignment(scope.mod, assigns, scope)
                if scope.param(expr.text) is not None:
                    return None
            assigns = self.module_assignments(mod).get(expr.text)
            if assigns and not self._imported(mod, expr.text):
                return _plain_assignment(mod, assigns, None)
        if expr.kind in ("name", "attr") and not self._is_local(scope, expr.dotted or ""):
            symbol = self.index.resolve(mod, expr)
            if symbol is not None and symbol.value is not None:
                assigns = self.module_assignments(symbol.module).get(symbol.qualname.rsplit(".", 1)[-1])
                if assigns:
                    return _plain_assignment(symbol.module, assigns, None)
        return None

    def _django_setting(self, mod: ModuleSummary, expr: Expr, name: str, depth: int) -> Value:
        """`settings.X` of `django.conf`: the project's settings modules, read literally."""
        head, _, rest = name.partition(".")
        # Deferred import: the Django settings reader evaluates with this evaluator.
        from apilint.frameworks.django_settings import project_settings, settings_for

        settings = settings_for(self.index, self._django_project) if self._django_project else \
            project_settings(self.index)
        value = settings.value(head) if settings.module is not None else None
        if value is None:
            return _opaque(mod, expr, f"setting {head} is not assigned in the project's settings")
        if rest:
            return self._member(value, rest, mod, expr, depth)
        return value


def _merged(first: Value | None, more: Value) -> Value:
    """The possible values of both, `first`'s first (a value that may be replaced keeps its place)."""
    if first is None:
        return more
    options = list(first.options)
    options += [o for o in more.options if not any(o is p for p in options)]
    return Value(tuple(options[:MAX_OPTIONS]), first.from_env or more.from_env)


def _plain_assignment(mod: ModuleSummary, assigns: list[tuple[Stmt, bool]],
                      scope: Scope | None) -> tuple[ModuleSummary, Expr, Scope | None] | None:
    plain = [s for s, conditional in assigns if not conditional]
    if len(plain) == 1 and plain[0].kind in ("assign", "annassign") and plain[0].value is not None \
            and len(plain[0].targets) == 1:
        return mod, plain[0].value, scope
    return None


def _join_texts(pieces: list[Text], from_env: bool) -> Text:
    return Text("".join(p.text for p in pieces), tuple(u for p in pieces for u in p.unresolved), (),
                from_env or any(p.from_env for p in pieces), tuple(r for p in pieces for r in p.reasons))


def as_expr(mod: ModuleSummary, value: Any) -> tuple[ModuleSummary, Expr] | None:
    """An expression standing for a value, with its module: what an adapter can resolve."""
    if isinstance(value, Opaque):
        return value.mod, value.expr
    if isinstance(value, Instance):
        return value.origin if value.origin is not None else (value.mod, value.call)
    if isinstance(value, Ref):
        return value.symbol.module, Expr("name", value.symbol.qualname.rsplit(".", 1)[-1], line=value.symbol.line)
    if isinstance(value, str):
        return mod, Expr("str", value)
    return None


def _call_depth(scope: Scope | None) -> int:
    if scope is None:
        return 0
    marker = scope.bound.get("__caller__")
    return int(marker.first) if marker is not None and isinstance(marker.first, int) else 0


def _abstract(method: FunctionDef) -> bool:
    """An `@abstractmethod`, or a body that is only `...`, `pass` or `raise NotImplementedError`."""
    if any((d.expr.dotted or "").endswith("abstractmethod") for d in method.decorators):
        return True
    body = [s for s in method.body if not (s.kind == "expr" and s.value is not None and s.value.kind == "str")]
    if len(body) != 1:
        return False
    only = body[0]
    if only.kind == "pass" or (only.kind == "expr" and only.value is not None and only.value.text == "..."):
        return True
    return only.kind == "raise" and only.value is not None and "NotImplementedError" in only.value.render(60)


def _member_symbol(owner: Symbol, method: FunctionDef) -> Symbol:
    from apilint.project import Symbol

    return Symbol(f"{owner.qualname}.{method.name}", owner.module, func=method, line=method.line)


def _class_symbol(owner: Symbol, cls: Any) -> Symbol:
    from apilint.project import Symbol

    return Symbol(f"{owner.qualname}.{cls.name}", owner.module, cls=cls, line=cls.line)


def _opaque(mod: ModuleSummary, expr: Expr, reason: str, from_env: bool = False) -> Value:
    return Value((Opaque(mod, expr, reason),), from_env)


class _Failed:
    def __repr__(self) -> str:
        return "FAILED"


_FAILED: Final = _Failed()


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _to_str(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    return value if isinstance(value, str) else str(value)


def _apply_binop(op: str, a: Any, b: Any) -> Any:
    if op == "+" and isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) + list(b) if isinstance(a, list) else tuple(a) + tuple(b)  # objects inside are fine
    if not (is_plain(a) and is_plain(b)):
        return _FAILED
    try:
        if op == "+":
            if isinstance(a, str) and isinstance(b, str):
                return a + b
            if isinstance(a, list | tuple) and isinstance(b, list | tuple):
                return list(a) + list(b) if isinstance(a, list) else tuple(a) + tuple(b)
            if isinstance(a, int | float) and isinstance(b, int | float):
                return a + b
        if op == "%" and isinstance(a, str):
            return a % (tuple(b) if isinstance(b, list | tuple) else b)
        if op == "|" and isinstance(a, dict) and isinstance(b, dict):
            return {**a, **b}
        if op in ("|", "-", "&") and isinstance(a, list | tuple) and isinstance(b, list | tuple):
            # set algebra (sets are read as lists: lists and tuples have no `|`, `-` or `&`)
            if op == "|":
                return list(dict.fromkeys([*a, *b]))
            return [x for x in a if (x in b) == (op == "&")]
        if op in ("*", "-", "//", "**", "/") and isinstance(a, int | float) and isinstance(b, int | float):
            if op == "**" and (not isinstance(b, int) or b > 64):
                return _FAILED
            ops: dict[str, Callable[[Any, Any], Any]] = {
                "*": operator.mul, "-": operator.sub, "//": operator.floordiv, "**": operator.pow,
                "/": operator.truediv}
            return ops[op](a, b)
        if op == "*" and isinstance(a, str) and isinstance(b, int) and 0 <= b < 64:
            return a * b
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return _FAILED
    return _FAILED


_COMPARE: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq, "!=": operator.ne, "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
    "is": operator.is_, "is not": operator.is_not, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge,
}


def compare_values(op: str, left: Any, right: Any) -> bool:
    """Apply a comparison operator by its source text; KeyError for unsupported operators."""
    return bool(_COMPARE[op.strip()](left, right))


def _cast(value: Any, cast: str) -> Any:
    if cast == "bool" and isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    if cast == "bool":
        return bool(value)
    if cast == "int" and isinstance(value, str | float | bool | int):
        try:
            return int(value)
        except ValueError:
            return _FAILED
    if cast == "float" and isinstance(value, str | int | float):
        try:
            return float(value)
        except ValueError:
            return _FAILED
    if cast in ("list", "tuple") and isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if cast in ("list", "tuple") and isinstance(value, list | tuple | dict):
        return list(value)
    if cast == "str":
        return _to_str(value)
    return value


def render_value(value: Any) -> str:
    """Source-like text of a value (`True`, `5242880`, `["a", "b"]`, `<unknown>`)."""
    import json

    if isinstance(value, Opaque | Ref | Instance):
        return "<unknown>"
    if value is None or isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {render_value(v)}" for k, v in value.items()) + "}"
    return "<unknown>"


def placeholder(source: str) -> str:
    """`{?expr}`: how an unreadable part of a path is shown (slashes and braces kept out)."""
    cleaned = source.replace("/", "|").replace("{", "(").replace("}", ")")
    return "{?" + cleaned + "}"


def iter_items(values: Iterable[Any]) -> Iterator[Any]:
    """Flatten one level of possible values into items (helper for adapters)."""
    for value in values:
        if isinstance(value, list | tuple):
            yield from value
        else:
            yield value


__all__ = [
    "MAX_OPTIONS",
    "Evaluator",
    "Instance",
    "Opaque",
    "Ref",
    "Scope",
    "Text",
    "Value",
    "as_expr",
    "collect_assignments",
    "compare_values",
    "is_plain",
    "placeholder",
    "render_value",
]
