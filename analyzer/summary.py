"""`ModuleSummary`: a file reduced to plain, picklable data by one walk over its libcst tree.

The summary keeps a compact syntax tree (`Stmt` and `Expr`) of everything adapters and rules
read: imports, assignments, calls, classes, functions with decorators, parameters and bodies.
It carries statement line numbers but no libcst nodes, so it can be cached and sent between
processes. Expression kinds:

| kind | text | args |
|---|---|---|
| name | identifier | |
| attr | attribute name | (value,) |
| call | | (func, *positional) with `keywords` for keyword and `**` arguments |
| str | the string's value | |
| fstr | | parts: `str` pieces and formatted expressions |
| num | source text | |
| const | `True`, `False`, `None` or `...` | |
| list, tuple, set | | elements |
| dict | | (key, value, key, value, ...); a `**x` entry has key kind `starstar` |
| subscript | | (value, *index elements) |
| binop, boolop, unary | operator (`+`, `|`, `and`, `not`, ...) | operands |
| compare | operators joined by `,` | (left, *comparators) |
| starred | `*` | (value,) |
| await, yield | | (value,) or () |
| ifexp | | (test, body, orelse) |
| lambda | | (body,) |
| comp | `list`, `set`, `gen`, `dict` | (element, *iterables, *conditions) |
| namedexpr | | (target, value) |
| other | | anything not modelled (kept so walkers see the tree is not empty) |
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple, TypeVar

_T = TypeVar("_T")
_tuple_new = tuple.__new__


def _reduce(self: tuple[Any, ...]) -> tuple[Any, ...]:
    return (_tuple_new, (type(self), tuple(self)))


def fast_pickle(cls: type[_T]) -> type[_T]:
    """Unpickle with `tuple.__new__(cls, values)`, a call into C, rather than through the
    named tuple's generated `__new__`: loading the summaries of a large project from the cache
    or from the worker processes is a quarter of the cost of frozen dataclasses."""
    cls.__reduce__ = _reduce  # type: ignore[assignment]
    return cls


@fast_pickle
class Keyword(NamedTuple):
    """A keyword argument; `name` is None for `**value`."""

    name: str | None
    value: Expr


@fast_pickle
class Expr(NamedTuple):
    """A simplified expression (see the module docstring for the kinds)."""

    kind: str
    text: str = ""
    args: tuple[Expr, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    line: int = 0

    # --- reading helpers -------------------------------------------------------------
    @property
    def dotted(self) -> str | None:
        """`a.b.c` for a name/attribute chain, else None."""
        if self.kind == "name":
            return self.text
        if self.kind == "attr":
            base = self.args[0].dotted
            return f"{base}.{self.text}" if base is not None else None
        return None

    @property
    def func(self) -> Expr:
        """The called expression of a call."""
        return self.args[0]

    @property
    def last_name(self) -> str:
        """The last name of a name or attribute chain (`escape` for `html.escape`); "" otherwise."""
        return self.text if self.kind == "name" or self.kind == "attr" else ""

    @property
    def positional(self) -> tuple[Expr, ...]:
        """Positional arguments of a call."""
        return self.args[1:]

    @property
    def arguments(self) -> tuple[Expr, ...]:
        """Every argument value of a call: the positional ones, then the keyword ones (`**` too)."""
        return (*self.args[1:], *(kw.value for kw in self.keywords))

    def kwarg(self, name: str) -> Expr | None:
        """The value of keyword argument `name` of a call, if given."""
        for kw in self.keywords:
            if kw.name == name:
                return kw.value
        return None

    def arg(self, index: int, name: str | None = None) -> Expr | None:
        """A call argument by position, or by keyword when `name` is given."""
        if name is not None:
            value = self.kwarg(name)
            if value is not None:
                return value
        pos = self.positional
        if 0 <= index < len(pos) and pos[index].kind != "starred":
            return pos[index]
        return None

    @property
    def str_value(self) -> str | None:
        """The value of a string literal, else None."""
        return self.text if self.kind == "str" else None

    @property
    def is_true(self) -> bool:
        """True for the literal `True`."""
        return self.kind == "const" and self.text == "True"

    @property
    def is_none(self) -> bool:
        """True for the literal `None`."""
        return self.kind == "const" and self.text == "None"

    def walk(self) -> Iterator[Expr]:
        """This expression and every sub-expression, depth first, in source order."""
        stack = [self]
        pop, extend = stack.pop, stack.extend
        while stack:
            node = pop()
            yield node
            _, _, args, keywords, _ = node  # tuple unpacking: the cheapest field access
            if keywords:
                extend(reversed((*args, *(kw[1] for kw in keywords))))
            elif args:
                extend(reversed(args))

    def calls(self) -> Iterator[Expr]:
        """Every call inside this expression (including itself)."""
        return (e for e in self.walk() if e.kind == "call")

    def names(self) -> Iterator[str]:
        """Every bare name used in this expression."""
        return (e.text for e in self.walk() if e.kind == "name")

    def render(self, limit: int = 80) -> str:
        """Approximate source text, for messages and fingerprints."""
        text = _render(self, 0)
        return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(e: Expr, depth: int) -> str:
    if depth > 12:
        return "..."

    def r(x: Expr) -> str:
        return _render(x, depth + 1)

    k = e.kind
    if k in ("name", "num", "const"):
        return e.text
    if k == "attr":
        return f"{r(e.args[0])}.{e.text}"
    if k == "str":
        return repr(e.text)
    if k == "call":
        parts = [r(a) for a in e.positional]
        parts += [f"{kw.name}={r(kw.value)}" if kw.name else f"**{r(kw.value)}" for kw in e.keywords]
        return f"{r(e.func)}({', '.join(parts)})"
    if k in ("list", "tuple", "set"):
        inner = ", ".join(r(a) for a in e.args)
        return {"list": f"[{inner}]", "tuple": f"({inner})", "set": f"{{{inner}}}"}[k]
    if k == "dict":
        pairs = zip(e.args[::2], e.args[1::2], strict=False)
        items = [f"**{r(v)}" if key.kind == "starstar" else f"{r(key)}: {r(v)}" for key, v in pairs]
        return "{" + ", ".join(items) + "}"
    if k == "subscript":
        return f"{r(e.args[0])}[{', '.join(r(a) for a in e.args[1:])}]"
    if k in ("binop", "boolop"):
        return f" {e.text} ".join(r(a) for a in e.args)
    if k == "unary":
        sep = " " if e.text == "not" else ""
        return f"{e.text}{sep}{r(e.args[0])}"
    if k == "compare":
        out = r(e.args[0])
        for op, right in zip(e.text.split(","), e.args[1:], strict=False):
            out += f" {op} {r(right)}"
        return out
    if k == "fstr":
        inner = "".join(a.text if a.kind == "str" else "{" + r(a) + "}" for a in e.args)
        return f"f{inner!r}"
    if k == "starred":
        return f"*{r(e.args[0])}"
    if k in ("await", "yield"):
        return f"{k} {r(e.args[0])}" if e.args else k
    return "..."


@fast_pickle
class Param(NamedTuple):
    """A function parameter."""

    name: str
    kind: str
    """`pos`, `posonly`, `kwonly`, `vararg` or `kwarg`."""
    annotation: Expr | None = None
    default: Expr | None = None


@fast_pickle
class Decorator(NamedTuple):
    """A decorator expression and the line of its `@`."""

    expr: Expr
    line: int


@fast_pickle
class FunctionDef(NamedTuple):
    """A function or method."""

    name: str
    qualname: str
    """Dotted name inside the module, e.g. `UserView.get` or `outer.<locals>.inner`."""
    line: int
    """The line of `def`."""
    end_line: int
    decorators: tuple[Decorator, ...] = ()
    params: tuple[Param, ...] = ()
    returns: Expr | None = None
    is_async: bool = False
    body: tuple[Stmt, ...] = ()

    def param(self, name: str) -> Param | None:
        """The parameter called `name`, if any."""
        for p in self.params:
            if p.name == name:
                return p
        return None


@fast_pickle
class ClassDef(NamedTuple):
    """A class."""

    name: str
    qualname: str
    line: int
    end_line: int
    bases: tuple[Expr, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    decorators: tuple[Decorator, ...] = ()
    body: tuple[Stmt, ...] = ()

    def methods(self) -> Iterator[FunctionDef]:
        """Functions defined directly in the class body."""
        for stmt in self.body:
            if stmt.func is not None:
                yield stmt.func

    def method(self, name: str) -> FunctionDef | None:
        """The method called `name` defined in this class body, if any."""
        for fn in self.methods():
            if fn.name == name:
                return fn
        return None

    def attribute(self, name: str) -> Expr | None:
        """The value last assigned to class attribute `name` in the class body."""
        found = None
        for stmt in self.body:
            if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                for target in stmt.targets:
                    if target.kind == "name" and target.text == name:
                        found = stmt.value
        return found

    def field_names(self) -> tuple[str, ...]:
        """Names assigned or annotated in the class body (model fields, serializer fields)."""
        out: list[str] = []
        for stmt in self.body:
            if stmt.kind in ("assign", "annassign"):
                for target in stmt.targets:
                    if target.kind == "name" and target.text not in out:
                        out.append(target.text)
        return tuple(out)


@fast_pickle
class Stmt(NamedTuple):
    """A simplified statement.

    kinds: expr, assign, annassign, augassign, return, raise, assert, del, if, while, for,
    with, try, except, match, case, def, class, import, pass, break, continue, global, other.
    `value` holds the main expression (assigned value, returned value, test, iterable,
    raised exception, except type, match subject); `targets` the assignment, loop or `as`
    targets; `exprs` extra expressions (annotation, raise cause, with-items).
    An `import` inside a def or class (module-level ones are in `ModuleSummary.imports`) has
    the bound names as `name` targets and the qualified names they refer to as `str` exprs.
    """

    kind: str
    line: int
    end_line: int = 0
    value: Expr | None = None
    targets: tuple[Expr, ...] = ()
    exprs: tuple[Expr, ...] = ()
    body: tuple[Stmt, ...] = ()
    orelse: tuple[Stmt, ...] = ()
    handlers: tuple[Stmt, ...] = ()
    finalbody: tuple[Stmt, ...] = ()
    name: str = ""
    func: FunctionDef | None = None
    cls: ClassDef | None = None

    def children(self) -> Iterator[Stmt]:
        """Nested statements (not descending into functions or classes)."""
        yield from self.body
        yield from self.handlers
        yield from self.orelse
        yield from self.finalbody

    def own_exprs(self) -> Iterator[Expr]:
        """Expressions that belong to this statement itself."""
        if self.value is not None:
            yield self.value
        yield from self.targets
        yield from self.exprs


def walk_stmts(body: tuple[Stmt, ...], into_defs: bool = False) -> Iterator[Stmt]:
    """Every statement in `body`, depth first in source order.

    Nested function and class bodies are entered only when `into_defs` is true.
    """
    stack = list(reversed(body))
    pop, extend = stack.pop, stack.extend
    while stack:
        stmt = pop()
        yield stmt
        if into_defs and stmt.func is not None:
            nested = stmt.func.body
        elif into_defs and stmt.cls is not None:
            nested = stmt.cls.body
        else:
            nested = stmt.body
            if stmt.handlers or stmt.orelse or stmt.finalbody:  # the order of `children()`
                nested = (*nested, *stmt.handlers, *stmt.orelse, *stmt.finalbody)
        if nested:
            extend(reversed(nested))


def walk_exprs(body: tuple[Stmt, ...], into_defs: bool = False) -> Iterator[tuple[Stmt, Expr]]:
    """Every (statement, expression) pair under `body`, sub-expressions included."""
    for stmt in walk_stmts(body, into_defs):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                yield stmt, sub


@fast_pickle
class Import(NamedTuple):
    """One imported name: `from module import name as asname` or `import module as asname`."""

    module: str
    """The absolute module (relative imports already resolved against this file)."""
    name: str | None
    """The imported name for `from` imports; None for `import module`."""
    asname: str
    """The local name bound."""
    line: int
    star: bool = False


@fast_pickle
class ModuleSummary(NamedTuple):
    """Everything apilint knows about one file after the summarize pass."""

    path: str
    """Path relative to the project root, with `/` separators."""
    module: str
    """Dotted module name derived from the path (`app.api.routes.items`)."""
    is_package: bool = False
    imports: tuple[Import, ...] = ()
    body: tuple[Stmt, ...] = ()
    suppressions: tuple[tuple[int, tuple[str, ...]], ...] = ()
    """(line, codes) of `# apilint: ignore[...]` comments; empty codes = every code."""
    parse_error: tuple[str, int, int] | None = None
    """(message, line, column) when the file could not be parsed."""
    line_count: int = 0
    words: frozenset[str] = frozenset()
    """Every lower-cased word (`[a-z_][a-z0-9_-]*`) of the source, comments included: a cheap
    "may mention" pre-filter for rules that would otherwise walk every module."""
    scan: object = None
    """The pattern rules' walk of this module (`apilint.rules._scan.ModuleScan`), made where the
    summary is made (in a worker process) and cached with it; None when it was not made there."""
    digest: str = ""
    """Digest of what other modules' analyses can read of this one (path, name, imports, body,
    parse error; not its words, line count or suppressions), made beside the summary
    (`apilint.module_keys`); "" when it was not made, and then no rule result of this module or
    of a module reaching it is reused from an earlier run."""
    refs: tuple[str, ...] = ()
    """Qualified names the module refers to through its imports, with every prefix of each
    (`django`, `django.utils`, `django.utils.html`, `django.utils.html.escape`), sorted: the names
    whose modules its analyses may read (`apilint.module_keys`)."""

    def mentions(self, word: str) -> bool:
        """True when the lower-cased word occurs anywhere in the file's text."""
        return word in self.words

    def import_table(self) -> dict[str, str]:
        """Local name -> qualified name it refers to."""
        table: dict[str, str] = {}
        for imp in self.imports:
            if imp.star:
                continue
            if imp.name is None:
                # `import a.b` binds `a` (to the package a); `import a.b as c` binds c -> a.b
                first = imp.module.split(".")[0]
                table[imp.asname] = first if imp.asname == first else imp.module
            else:
                table[imp.asname] = f"{imp.module}.{imp.name}" if imp.module else imp.name
        return table

    def functions(self) -> Iterator[FunctionDef]:
        """Every function and method defined anywhere in the module."""
        for stmt in walk_stmts(self.body, into_defs=True):
            if stmt.func is not None:
                yield stmt.func

    def classes(self) -> Iterator[ClassDef]:
        """Every class defined anywhere in the module."""
        for stmt in walk_stmts(self.body, into_defs=True):
            if stmt.cls is not None:
                yield stmt.cls

    def top_level(self) -> Iterator[Stmt]:
        """Module-level statements, entering `if`/`try`/`with` blocks but not defs."""
        return walk_stmts(self.body, into_defs=False)
