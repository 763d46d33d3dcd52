"""Parse one file with libcst and reduce it to a `ModuleSummary` in one hand-written walk.

Why not a `CSTVisitor` and `PositionProvider`: in libcst every visitor pass rebuilds every
node (about 3 parses of cost) and positions cost 2-3 parses more (shared/PERF-NOTES.md).
The walk here reads node fields directly. Statement line numbers come from CPython's `ast`
(about 0.1 parse), paired with libcst statements in source order; when the two trees do not
pair up (syntax `ast` of this interpreter cannot read), the file falls back to libcst's
`PositionProvider`.
"""

from __future__ import annotations

import ast
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from apilint.summary import (
    ClassDef,
    Decorator,
    Expr,
    FunctionDef,
    Import,
    Keyword,
    ModuleSummary,
    Param,
    Stmt,
)

if TYPE_CHECKING:
    import libcst as cst

MAX_EXPR_DEPTH = 60
"""Deeper expressions are summarized as `other`: nothing a rule reads nests that deep."""

_WORD_RE = re.compile(r"[a-z_][a-z0-9_-]*")
_SUPPRESS_RE = re.compile(r"#\s*apilint:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


def module_name_for(path: str) -> tuple[str, bool]:
    """Dotted module name and is-package flag for a posix path relative to the import base.

    A leading `src/` folder (the src layout) is not part of the module name.
    """
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    return ".".join(p for p in parts if p and p != "."), is_package


def find_suppressions(text: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """(line, codes) of every `# apilint: ignore[...]` comment in the text."""
    if "apilint" not in text:
        return ()
    out = []
    for match in _SUPPRESS_RE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        codes = match.group(1)
        parsed = tuple(sorted({c.strip().upper() for c in codes.split(",") if c.strip()})) if codes else ()
        out.append((line, parsed))
    return tuple(out)


class _LineMismatch(Exception):
    """The ast and libcst statement sequences did not pair up."""


class _AstLines:
    """Hands out (line, end_line, decorator lines) for statements in pre-order."""

    def __init__(self, tree: ast.Module) -> None:
        self._it: Iterator[ast.AST] = self._flatten(tree.body)

    def _flatten(self, body: list[Any]) -> Iterator[ast.AST]:
        node: Any
        for node in body:
            yield node
            if type(node).__name__ in ("Try", "TryStar"):
                yield from self._flatten(node.body)
                for handler in node.handlers:
                    yield handler
                    yield from self._flatten(handler.body)
                yield from self._flatten(node.orelse)
                yield from self._flatten(node.finalbody)
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    yield case
                    yield from self._flatten(case.body)
            else:
                yield from self._flatten(getattr(node, "body", []))
                yield from self._flatten(getattr(node, "orelse", []))

    def next(self, kind: str) -> tuple[int, int, tuple[int, ...]]:
        node = next(self._it, None)
        if node is None:
            raise _LineMismatch(kind)
        expected = _AST_KINDS.get(kind)
        if expected is not None and type(node).__name__ not in expected:
            raise _LineMismatch(f"{kind} vs {type(node).__name__}")
        if isinstance(node, ast.match_case):
            line = node.pattern.lineno
            end = node.body[-1].end_lineno if node.body else line
            return line, end or line, ()
        decorators = tuple(d.lineno for d in getattr(node, "decorator_list", ()))
        line = node.lineno  # type: ignore[attr-defined]
        return line, getattr(node, "end_lineno", line) or line, decorators

    def finish(self) -> None:
        if next(self._it, None) is not None:
            raise _LineMismatch("ast has more statements")


_AST_KINDS: dict[str, tuple[str, ...]] = {
    "def": ("FunctionDef", "AsyncFunctionDef"),
    "class": ("ClassDef",),
    "if": ("If",),
    "for": ("For", "AsyncFor"),
    "while": ("While",),
    "with": ("With", "AsyncWith"),
    "try": ("Try", "TryStar"),
    "except": ("ExceptHandler",),
    "return": ("Return",),
    "assign": ("Assign",),
    "annassign": ("AnnAssign",),
    "augassign": ("AugAssign",),
    "match": ("Match",),
    "case": ("match_case",),
}


class _PosLines:
    """Fallback: lines from libcst's PositionProvider (slower, always agrees with libcst)."""

    def __init__(self, module: cst.Module) -> None:
        from libcst.metadata import MetadataWrapper, PositionProvider

        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self._pos = wrapper.resolve(PositionProvider)

    def at(self, node: cst.CSTNode) -> tuple[int, int]:
        rng = self._pos.get(node)
        if rng is None:
            return 0, 0
        return rng.start.line, rng.end.line


class _Converter:
    """Converts libcst statements and expressions to the summary's compact tree."""

    def __init__(self, cst_mod: Any, module_name: str, is_package: bool, lines: Any) -> None:
        self.cst = cst_mod
        self.module_name = module_name
        self.is_package = is_package
        self.lines = lines
        self.imports: list[Import] = []
        # Leaves are immutable: one object per distinct (kind, text) in a module. Pickle keeps
        # the sharing, so summaries cross the process pool and the cache with fewer objects.
        self._leaves: dict[tuple[str, str], Expr] = {}
        m = cst_mod
        self._expr_dispatch: dict[type, Callable[[Any, int], Expr]] = {
            m.Name: self._name,
            m.Attribute: self._attr,
            m.Call: self._call,
            m.SimpleString: self._simple_string,
            m.ConcatenatedString: self._concat_string,
            m.FormattedString: self._fstring,
            m.Integer: self._num,
            m.Float: self._num,
            m.Imaginary: self._num,
            m.Ellipsis: lambda n, d: self.leaf("const", "..."),
            m.List: lambda n, d: Expr("list", args=self._elements(n.elements, d)),
            m.Tuple: lambda n, d: Expr("tuple", args=self._elements(n.elements, d)),
            m.Set: lambda n, d: Expr("set", args=self._elements(n.elements, d)),
            m.Dict: self._dict,
            m.Subscript: self._subscript,
            m.BinaryOperation: self._binop,
            m.BooleanOperation: self._boolop,
            m.UnaryOperation: self._unary,
            m.Comparison: self._compare,
            m.Await: lambda n, d: Expr("await", args=(self.expr(n.expression, d),)),
            m.IfExp: lambda n, d: Expr(
                "ifexp", args=(self.expr(n.test, d), self.expr(n.body, d), self.expr(n.orelse, d))
            ),
            m.Lambda: lambda n, d: Expr("lambda", args=(self.expr(n.body, d),)),
            m.ListComp: lambda n, d: self._comp("list", n, d),
            m.SetComp: lambda n, d: self._comp("set", n, d),
            m.GeneratorExp: lambda n, d: self._comp("gen", n, d),
            m.DictComp: lambda n, d: self._comp("dict", n, d),
            m.Yield: self._yield,
            m.NamedExpr: lambda n, d: Expr(
                "namedexpr", args=(self.expr(n.target, d), self.expr(n.value, d))
            ),
            m.StarredElement: lambda n, d: Expr("starred", "*", (self.expr(n.value, d),)),
        }

    # --- expressions ---------------------------------------------------------------
    def expr(self, node: Any, depth: int = 0) -> Expr:
        if depth > MAX_EXPR_DEPTH:
            return self.leaf("other")
        handler = self._expr_dispatch.get(type(node))
        if handler is None:
            return self.leaf("other")
        return handler(node, depth + 1)

    def leaf(self, kind: str, text: str = "") -> Expr:
        key = (kind, text)
        found = self._leaves.get(key)
        if found is None:
            found = self._leaves[key] = Expr(kind, text)
        return found

    def _name(self, node: Any, depth: int) -> Expr:
        value = node.value
        if value in ("True", "False", "None"):
            return self.leaf("const", value)
        return self.leaf("name", value)

    def _attr(self, node: Any, depth: int) -> Expr:
        return Expr("attr", node.attr.value, (self.expr(node.value, depth),))

    def _call(self, node: Any, depth: int) -> Expr:
        args = [self.expr(node.func, depth)]
        keywords = []
        for arg in node.args:
            value = self.expr(arg.value, depth)
            if arg.keyword is not None:
                keywords.append(Keyword(arg.keyword.value, value))
            elif arg.star == "**":
                keywords.append(Keyword(None, value))
            elif arg.star == "*":
                args.append(Expr("starred", "*", (value,)))
            else:
                args.append(value)
        return Expr("call", args=tuple(args), keywords=tuple(keywords))

    def _simple_string(self, node: Any, depth: int) -> Expr:
        # libcst's evaluated_value runs ast.literal_eval (a compile() per literal): read
        # literals without escapes directly and only evaluate the rest.
        prefix = node.prefix.lower()
        raw = node.raw_value
        if "\\" not in raw or "r" in prefix:
            return self.leaf("str", raw) if len(raw) <= 64 else Expr("str", raw)
        if "b" not in prefix and raw.isascii():
            try:  # the escapes of an ASCII str literal are exactly unicode_escape's
                return Expr("str", raw.encode("ascii").decode("unicode_escape"))
            except UnicodeDecodeError:
                pass
        try:
            value = node.evaluated_value
        except Exception:
            return self.leaf("other")
        if isinstance(value, bytes):
            return Expr("str", value.decode("latin-1"))
        return Expr("str", value)

    def _concat_string(self, node: Any, depth: int) -> Expr:
        left = self.expr(node.left, depth)
        right = self.expr(node.right, depth)
        if left.kind == "str" and right.kind == "str":
            return Expr("str", left.text + right.text)
        parts = [*(left.args if left.kind == "fstr" else (left,))]
        parts += [*(right.args if right.kind == "fstr" else (right,))]
        return Expr("fstr", args=tuple(parts))

    def _fstring(self, node: Any, depth: int) -> Expr:
        parts = []
        for part in node.parts:
            if isinstance(part, self.cst.FormattedStringText):
                parts.append(Expr("str", part.value))
            else:
                parts.append(self.expr(part.expression, depth))
        return Expr("fstr", args=tuple(parts))

    def _num(self, node: Any, depth: int) -> Expr:
        return self.leaf("num", node.value)

    def _elements(self, elements: Any, depth: int) -> tuple[Expr, ...]:
        return tuple(self.expr(el.value, depth) if not isinstance(el, self.cst.StarredElement)
                     else Expr("starred", "*", (self.expr(el.value, depth),)) for el in elements)

    def _dict(self, node: Any, depth: int) -> Expr:
        args: list[Expr] = []
        for el in node.elements:
            if isinstance(el, self.cst.StarredDictElement):
                args += [Expr("starstar"), self.expr(el.value, depth)]
            else:
                args += [self.expr(el.key, depth), self.expr(el.value, depth)]
        return Expr("dict", args=tuple(args))

    def _subscript(self, node: Any, depth: int) -> Expr:
        args = [self.expr(node.value, depth)]
        for el in node.slice:
            inner = el.slice
            if isinstance(inner, self.cst.Index):
                args.append(self.expr(inner.value, depth))
            else:
                args.append(Expr("other"))
        return Expr("subscript", args=tuple(args))

    def _binop(self, node: Any, depth: int) -> Expr:
        op = _OPERATORS.get(type(node.operator).__name__, "?")
        return Expr("binop", op, (self.expr(node.left, depth), self.expr(node.right, depth)))

    def _boolop(self, node: Any, depth: int) -> Expr:
        op = "and" if type(node.operator).__name__ == "And" else "or"
        return Expr("boolop", op, (self.expr(node.left, depth), self.expr(node.right, depth)))

    def _unary(self, node: Any, depth: int) -> Expr:
        op = _OPERATORS.get(type(node.operator).__name__, "?")
        return Expr("unary", op, (self.expr(node.expression, depth),))

    def _compare(self, node: Any, depth: int) -> Expr:
        ops = [_OPERATORS.get(type(c.operator).__name__, "?") for c in node.comparisons]
        args = [self.expr(node.left, depth)] + [self.expr(c.comparator, depth) for c in node.comparisons]
        return Expr("compare", ",".join(ops), tuple(args))

    def _comp(self, kind: str, node: Any, depth: int) -> Expr:
        if kind == "dict":
            args = [self.expr(node.key, depth), self.expr(node.value, depth)]
        else:
            args = [self.expr(node.elt, depth)]
        comp = node.for_in
        while comp is not None:
            args.append(self.expr(comp.iter, depth))
            args += [self.expr(cond.test, depth) for cond in comp.ifs]
            comp = comp.inner_for_in
        return Expr("comp", kind, tuple(args))

    def _yield(self, node: Any, depth: int) -> Expr:
        value = node.value
        if value is None:
            return Expr("yield")
        if isinstance(value, self.cst.From):
            return Expr("yield", "from", (self.expr(value.item, depth),))
        return Expr("yield", args=(self.expr(value, depth),))

    # --- statements ----------------------------------------------------------------
    def _lines(self, node: Any, kind: str) -> tuple[int, int, tuple[int, ...]]:
        if isinstance(self.lines, _AstLines):
            return self.lines.next(kind)
        start, end = self.lines.at(node)
        decorators = tuple(self.lines.at(d)[0] for d in getattr(node, "decorators", ()))
        return start, end, decorators

    def block(self, body: Any, scope: str) -> tuple[Stmt, ...]:
        out: list[Stmt] = []
        for node in body:
            if isinstance(node, (self.cst.SimpleStatementLine, self.cst.SimpleStatementSuite)):
                out += [self.small(small, scope) for small in node.body]
            else:
                out.append(self.compound(node, scope))
        return tuple(out)

    def suite(self, node: Any, scope: str) -> tuple[Stmt, ...]:
        if isinstance(node, self.cst.SimpleStatementSuite):
            return tuple(self.small(small, scope) for small in node.body)
        return self.block(node.body, scope)

    def small(self, node: Any, scope: str) -> Stmt:
        m = self.cst
        t = type(node)
        if t is m.Expr:
            line, end, _ = self._lines(node, "expr")
            return Stmt("expr", line, end, value=self.expr(node.value))
        if t is m.Assign:
            line, end, _ = self._lines(node, "assign")
            targets = tuple(self.expr(target.target) for target in node.targets)
            return Stmt("assign", line, end, value=self.expr(node.value), targets=targets)
        if t is m.AnnAssign:
            line, end, _ = self._lines(node, "annassign")
            value = self.expr(node.value) if node.value is not None else None
            return Stmt("annassign", line, end, value=value, targets=(self.expr(node.target),),
                        exprs=(self.expr(node.annotation.annotation),))
        if t is m.AugAssign:
            line, end, _ = self._lines(node, "augassign")
            op = _OPERATORS.get(type(node.operator).__name__, "?")
            return Stmt("augassign", line, end, value=self.expr(node.value),
                        targets=(self.expr(node.target),), name=op)
        if t is m.Return:
            line, end, _ = self._lines(node, "return")
            value = self.expr(node.value) if node.value is not None else None
            return Stmt("return", line, end, value=value)
        if t is m.Raise:
            line, end, _ = self._lines(node, "raise")
            exc = self.expr(node.exc) if node.exc is not None else None
            cause = (self.expr(node.cause.item),) if node.cause is not None else ()
            return Stmt("raise", line, end, value=exc, exprs=cause)
        if t is m.Assert:
            line, end, _ = self._lines(node, "assert")
            return Stmt("assert", line, end, value=self.expr(node.test))
        if t is m.Del:
            line, end, _ = self._lines(node, "del")
            return Stmt("del", line, end, targets=(self.expr(node.target),))
        if t is m.Import:
            line, end, _ = self._lines(node, "import")
            for alias in node.names:
                dotted = _dotted_cst(alias.name)
                asname = alias.asname.name.value if alias.asname is not None else dotted.split(".")[0]
                if scope == "":
                    self.imports.append(Import(dotted, None, asname, line))
            if scope:
                return _local_import(self._local_imports(node, line), line, end)
            return Stmt("import", line, end)
        if t is m.ImportFrom:
            line, end, _ = self._lines(node, "import")
            if scope == "":
                self._import_from(node, line)
                return Stmt("import", line, end)
            return _local_import(self._local_imports(node, line), line, end)
        line, end, _ = self._lines(node, "other")
        kind = {"Pass": "pass", "Break": "break", "Continue": "continue", "Global": "global",
                "Nonlocal": "global"}.get(t.__name__, "other")
        return Stmt(kind, line, end)

    def _local_imports(self, node: Any, line: int) -> tuple[Import, ...]:
        """The names an `import` inside a function or class binds (module imports stay untouched)."""
        kept = self.imports
        self.imports = []
        try:
            if isinstance(node, self.cst.Import):
                for alias in node.names:
                    dotted = _dotted_cst(alias.name)
                    asname = alias.asname.name.value if alias.asname is not None else dotted.split(".")[0]
                    self.imports.append(Import(dotted, None, asname, line))
            else:
                self._import_from(node, line)
            return tuple(self.imports)
        finally:
            self.imports = kept

    def _import_from(self, node: Any, line: int) -> None:
        level = len(node.relative)
        module = _dotted_cst(node.module) if node.module is not None else ""
        if level:
            base = self.module_name.split(".") if self.module_name else []
            drop = level - 1 if self.is_package else level
            base = base[: len(base) - drop] if drop <= len(base) else []
            module = ".".join([*base, module] if module else base)
        if isinstance(node.names, self.cst.ImportStar):
            self.imports.append(Import(module, "*", "*", line, star=True))
            return
        for alias in node.names:
            name = _dotted_cst(alias.name)
            asname = alias.asname.name.value if alias.asname is not None else name
            self.imports.append(Import(module, name, asname, line))

    def compound(self, node: Any, scope: str) -> Stmt:
        m = self.cst
        t = type(node)
        if t is m.FunctionDef:
            line, end, dec_lines = self._lines(node, "def")
            fn = self.function(node, scope, line, end, dec_lines)
            return Stmt("def", line, end, name=fn.name, func=fn)
        if t is m.ClassDef:
            line, end, dec_lines = self._lines(node, "class")
            qualname = f"{scope}.{node.name.value}" if scope else node.name.value
            bases, keywords = [], []
            for arg in node.bases:
                bases.append(self.expr(arg.value))
            for arg in node.keywords:
                if arg.keyword is not None:
                    keywords.append(Keyword(arg.keyword.value, self.expr(arg.value)))
            decorators = self._decorators(node, dec_lines)
            body = self.suite(node.body, qualname)
            cls = ClassDef(node.name.value, qualname, line, end, tuple(bases), tuple(keywords),
                           decorators, body)
            return Stmt("class", line, end, name=cls.name, cls=cls)
        if t is m.If:
            return self._if(node, scope)
        if t is m.For:
            line, end, _ = self._lines(node, "for")
            body = self.suite(node.body, scope)
            orelse = self.suite(node.orelse.body, scope) if node.orelse is not None else ()
            return Stmt("for", line, end, value=self.expr(node.iter), targets=(self.expr(node.target),),
                        body=body, orelse=orelse)
        if t is m.While:
            line, end, _ = self._lines(node, "while")
            body = self.suite(node.body, scope)
            orelse = self.suite(node.orelse.body, scope) if node.orelse is not None else ()
            return Stmt("while", line, end, value=self.expr(node.test), body=body, orelse=orelse)
        if t is m.With:
            line, end, _ = self._lines(node, "with")
            items = tuple(self.expr(item.item) for item in node.items)
            targets = tuple(self.expr(item.asname.name) if item.asname is not None else Expr("const", "None")
                            for item in node.items)
            return Stmt("with", line, end, exprs=items, targets=targets, body=self.suite(node.body, scope))
        if t is m.Try or t.__name__ == "TryStar":
            line, end, _ = self._lines(node, "try")
            body = self.suite(node.body, scope)
            handlers = []
            for handler in node.handlers:
                h_line, h_end, _ = self._lines(handler, "except")
                exc_type = self.expr(handler.type) if handler.type is not None else None
                name = handler.name.name.value if handler.name is not None and isinstance(
                    handler.name.name, m.Name) else ""
                handlers.append(Stmt("except", h_line, h_end, value=exc_type, name=name,
                                     body=self.suite(handler.body, scope)))
            orelse = self.suite(node.orelse.body, scope) if node.orelse is not None else ()
            finalbody = self.suite(node.finalbody.body, scope) if node.finalbody is not None else ()
            return Stmt("try", line, end, body=body, handlers=tuple(handlers), orelse=orelse,
                        finalbody=finalbody)
        if t.__name__ == "Match":
            line, end, _ = self._lines(node, "match")
            cases = []
            for case in node.cases:
                c_line, c_end, _ = self._lines(case, "case")
                cases.append(Stmt("case", c_line, c_end, body=self.suite(case.body, scope)))
            return Stmt("match", line, end, value=self.expr(node.subject), handlers=tuple(cases))
        line, end, _ = self._lines(node, "other")
        return Stmt("other", line, end)

    def _if(self, node: Any, scope: str) -> Stmt:
        line, end, _ = self._lines(node, "if")
        body = self.suite(node.body, scope)
        orelse: tuple[Stmt, ...] = ()
        if isinstance(node.orelse, self.cst.If):
            orelse = (self._if(node.orelse, scope),)
        elif node.orelse is not None:
            orelse = self.suite(node.orelse.body, scope)
        return Stmt("if", line, end, value=self.expr(node.test), body=body, orelse=orelse)

    def _decorators(self, node: Any, lines: tuple[int, ...]) -> tuple[Decorator, ...]:
        out = []
        for i, dec in enumerate(node.decorators):
            line = lines[i] if i < len(lines) else 0
            out.append(Decorator(self.expr(dec.decorator), line))
        return tuple(out)

    def function(self, node: Any, scope: str, line: int, end: int, dec_lines: tuple[int, ...]) -> FunctionDef:
        name = node.name.value
        qualname = f"{scope}.{name}" if scope else name
        params: list[Param] = []
        p = node.params
        for kind, group in (("posonly", p.posonly_params), ("pos", p.params), ("kwonly", p.kwonly_params)):
            for param in group:
                params.append(self._param(param, kind))
        if isinstance(p.star_arg, self.cst.Param):
            params.insert(len(p.posonly_params) + len(p.params), self._param(p.star_arg, "vararg"))
        if p.star_kwarg is not None:
            params.append(self._param(p.star_kwarg, "kwarg"))
        returns = self.expr(node.returns.annotation) if node.returns is not None else None
        decorators = self._decorators(node, dec_lines)
        body = self.suite(node.body, f"{qualname}.<locals>")
        return FunctionDef(name, qualname, line, end, decorators, tuple(params), returns,
                           node.asynchronous is not None, body)

    def _param(self, param: Any, kind: str) -> Param:
        annotation = self.expr(param.annotation.annotation) if param.annotation is not None else None
        default = self.expr(param.default) if param.default is not None else None
        return Param(param.name.value, kind, annotation, default)


_OPERATORS = {
    "Add": "+", "Subtract": "-", "Multiply": "*", "Divide": "/", "FloorDivide": "//",
    "Modulo": "%", "Power": "**", "BitOr": "|", "BitAnd": "&", "BitXor": "^",
    "LeftShift": "<<", "RightShift": ">>", "MatrixMultiply": "@",
    "AddAssign": "+", "SubtractAssign": "-", "MultiplyAssign": "*", "DivideAssign": "/",
    "ModuloAssign": "%", "BitOrAssign": "|", "BitAndAssign": "&", "FloorDivideAssign": "//",
    "PowerAssign": "**", "BitXorAssign": "^", "LeftShiftAssign": "<<", "RightShiftAssign": ">>",
    "MatrixMultiplyAssign": "@",
    "Not": "not", "Minus": "-", "Plus": "+", "BitInvert": "~",
    "Equal": "==", "NotEqual": "!=", "LessThan": "<", "LessThanEqual": "<=",
    "GreaterThan": ">", "GreaterThanEqual": ">=", "In": "in", "NotIn": "not in",
    "Is": "is", "IsNot": "is not",
}


def _local_import(imports: tuple[Import, ...], line: int, end: int) -> Stmt:
    """An `import` inside a def or class: bound names as `targets`, what they name as `str` exprs."""
    table = ModuleSummary("", "", imports=imports).import_table()
    return Stmt("import", line, end, targets=tuple(Expr("name", name, line=line) for name in table),
                exprs=tuple(Expr("str", table[name], line=line) for name in table))


def _dotted_cst(node: Any) -> str:
    parts = []
    while type(node).__name__ == "Attribute":
        parts.append(node.attr.value)
        node = node.value
    parts.append(getattr(node, "value", ""))
    return ".".join(reversed(parts))


def summarize_source(source: bytes, path: str, module_path: str | None = None) -> ModuleSummary:
    """Summarize one file's bytes. Never raises for bad input: errors go in `parse_error`.

    `path` is the reported path (relative to the project root); `module_path`, relative to the
    folder imports are resolved from, gives the module name (defaults to `path`).
    """
    module_name, is_package = module_name_for(module_path if module_path is not None else path)
    line_count = source.count(b"\n") + (1 if source and not source.endswith(b"\n") else 0)
    text = source.decode("utf-8", errors="replace")
    suppressions = find_suppressions(text)
    if b"\x00" in source:
        nul = source.index(b"\x00")
        line, column = source.count(b"\n", 0, nul) + 1, nul - source.rfind(b"\n", 0, nul)
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=("file contains NUL bytes (binary file?)", line, column),
                             line_count=line_count)
    tree, ast_error = _ast_parse(source)
    if ast_error is not None and _too_deep(ast_error):
        message, line, column = _error_position(ast_error, "file is nested too deeply to parse")
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=(message, line, column), line_count=line_count)
    import libcst as cst

    try:
        # Input CPython parsed under its nesting limits is safe for libcst on a normal stack;
        # only what CPython could not pre-check (newer syntax) needs the big-stack thread.
        guard = _with_big_stack if tree is None else _direct
        module = guard(lambda: _parse_unvalidated(cst, _libcst_source(source, ast_error)))
    except cst.ParserSyntaxError as exc:
        if ast_error is not None:  # CPython's message and position are the ones users know
            parse_error = _error_position(ast_error, "syntax error")
        else:
            message = str(exc).splitlines()[0] if str(exc) else "syntax error"
            parse_error = (f"syntax error: {message}", exc.raw_line, exc.raw_column + 1)
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=parse_error, line_count=line_count)
    except (RecursionError, MemoryError):
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=("file is nested too deeply to parse", 1, 1),
                             line_count=line_count)
    except Exception as exc:  # libcst raises a few other types on odd encodings
        parse_error = (_error_position(ast_error, "syntax error") if ast_error is not None else
                       (f"could not parse: {type(exc).__name__}: {exc}".splitlines()[0], 1, 1))
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=parse_error, line_count=line_count)
    try:
        body, imports = guard(lambda: _convert(cst, module, tree, module_name, is_package))
    except (RecursionError, MemoryError):
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=("file is nested too deeply to analyze", 1, 1),
                             line_count=line_count)
    words = frozenset(_WORD_RE.findall(text.lower()))
    return ModuleSummary(path, module_name, is_package, imports, body, suppressions, None, line_count, words)


_AST_FRAME_BUDGET = 350
"""Recursion budget for `ast.parse` (CPython allows 3 nesting levels a frame, so about 1,000
levels). Deeper files are reported without handing them to libcst, whose native parser
overflows the C stack (a segfault, not an exception) and slows quadratically with depth."""

_PARSE_STACK_BYTES = 256 * 1024 * 1024
"""Stack of the thread libcst parses in: the default 8 MB overflows near 1,500 nesting levels,
which syntax CPython 3.11 cannot read (and so cannot pre-check) may still reach."""

_DEPTH_MESSAGES = ("too many nested parentheses", "too many levels of indentation", "too complex")

_T = TypeVar("_T")


def _ast_parse(source: bytes) -> tuple[ast.Module | None, BaseException | None]:
    """CPython's parse with a bounded nesting depth: (tree, None) or (None, the error)."""
    depth = 0
    frame: Any = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + _AST_FRAME_BUDGET)
    try:
        return ast.parse(source), None
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return None, exc
    finally:
        sys.setrecursionlimit(old_limit)


def _parse_unvalidated(cst: Any, source: bytes) -> Any:
    """`cst.parse_module` without re-validating what the native parser built.

    Every libcst node runs `_validate()` from `__post_init__`, a check meant for trees that
    code assembles by hand (libcst's own comment there suggests moving it out of parsing).
    The native parser's output is valid by construction, and apilint builds no nodes, so the
    check is switched off while parsing: a seventh of the parse time on Django's tree.
    """
    node_class = cst.CSTNode
    validate = node_class.__dict__["__post_init__"]
    node_class.__post_init__ = _no_validation
    try:
        return cst.parse_module(source)
    finally:
        node_class.__post_init__ = validate


def _no_validation(self: Any) -> None:
    return None


def _libcst_source(source: bytes, ast_error: BaseException | None) -> bytes:
    """The bytes to give libcst: CPython accepts a file ending in a line continuation, libcst does
    not, so drop a final backslash (nothing follows it; line numbers do not change)."""
    if ast_error is None:
        stripped = source.rstrip(b" \t\x0c\r\n")
        if stripped.endswith(b"\\") and not stripped.endswith(b"\\\\"):
            return stripped[:-1] + source[len(stripped):]
    return source


def _too_deep(error: BaseException) -> bool:
    if isinstance(error, (RecursionError, MemoryError, OverflowError)):
        return True
    return isinstance(error, SyntaxError) and any(m in str(error.msg) for m in _DEPTH_MESSAGES)


def _error_position(error: BaseException, fallback: str) -> tuple[str, int, int]:
    """(message, line, column) of a CPython parse error; 1-based, never below 1."""
    if isinstance(error, SyntaxError):
        detail = str(error.msg).splitlines()[0] if error.msg else ""
        text = f"{fallback}: {detail}" if detail else fallback
        return text, max(error.lineno or 1, 1), max(error.offset or 1, 1)
    if isinstance(error, (RecursionError, MemoryError, OverflowError)):
        return fallback, 1, 1
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{fallback}: {detail}", 1, 1


def _direct(work: Callable[[], _T]) -> _T:
    return work()


def _with_big_stack(work: Callable[[], _T]) -> _T:
    """Run `work` in a thread with a large stack; directly where the platform refuses one."""
    box: list[_T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    try:
        old_size = threading.stack_size(_PARSE_STACK_BYTES)
    except (ValueError, RuntimeError):
        return work()
    try:
        thread = threading.Thread(target=target, name="apilint-parse", daemon=True)
        thread.start()
    except RuntimeError:
        return work()
    finally:
        threading.stack_size(old_size)
    thread.join()
    if errors:
        raise errors[0]
    return box[0]


def _convert(cst_mod: Any, module: Any, tree: ast.Module | None, module_name: str,
             is_package: bool) -> tuple[tuple[Stmt, ...], tuple[Import, ...]]:
    lines: Any
    try:
        if tree is None:
            raise _LineMismatch("CPython could not parse the file")
        lines = _AstLines(tree)
        conv = _Converter(cst_mod, module_name, is_package, lines)
        body = conv.block(module.body, "")
        lines.finish()
    except (_LineMismatch, RecursionError, MemoryError):
        lines = _PosLines(module)
        conv = _Converter(cst_mod, module_name, is_package, lines)
        body = conv.block(module.body, "")
    return body, tuple(conv.imports)
