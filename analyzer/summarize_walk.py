"""The summarize walk: libcst statements and expressions reduced to the summary's compact tree
(`Stmt`, `Expr`, `FunctionDef`, `ClassDef`, imports), reading node fields directly in one pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apilint.summarize_lines import AstLines
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

MAX_EXPR_DEPTH = 60
"""Deeper expressions are summarized as `other`: nothing a rule reads nests that deep."""


class Converter:
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

    def release(self) -> None:
        """Break the converter's reference cycle (its dispatch table holds its own methods), so
        that it, the line table and the syntax tree it read are freed as soon as the summary is
        made: summarizing runs with the cyclic GC paused, and otherwise every file's would wait
        for the next collection (twice the memory of a one-process run on Django's tree)."""
        self._expr_dispatch = {}
        self._leaves = {}
        self.lines = None

    # --- expressions ---------------------------------------------------------------
    def expr(self, node: Any, depth: int = 0) -> Expr:
        """A libcst expression as an `Expr` (`other` for what the summary does not keep)."""
        if depth > MAX_EXPR_DEPTH:
            return self.leaf("other")
        handler = self._expr_dispatch.get(type(node))
        if handler is None:
            return self.leaf("other")
        return handler(node, depth + 1)

    def leaf(self, kind: str, text: str = "") -> Expr:
        """The module's one `Expr` leaf of that kind and text."""
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
        if isinstance(self.lines, AstLines):
            return self.lines.next(kind)
        start, end = self.lines.at(node)
        decorators = tuple(self.lines.at(d)[0] for d in getattr(node, "decorators", ()))
        return start, end, decorators

    def block(self, body: Any, scope: str) -> tuple[Stmt, ...]:
        """The statements of a body (`scope`: the qualified-name prefix of definitions in it)."""
        out: list[Stmt] = []
        for node in body:
            if isinstance(node, (self.cst.SimpleStatementLine, self.cst.SimpleStatementSuite)):
                out += [self.small(small, scope) for small in node.body]
            else:
                out.append(self.compound(node, scope))
        return tuple(out)

    def suite(self, node: Any, scope: str) -> tuple[Stmt, ...]:
        """The statements of an indented block or of a one-line suite."""
        if isinstance(node, self.cst.SimpleStatementSuite):
            return tuple(self.small(small, scope) for small in node.body)
        return self.block(node.body, scope)

    def small(self, node: Any, scope: str) -> Stmt:
        """A simple statement (assignment, return, import, expression...)."""
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
        """A compound statement (def, class, if, for, while, with, try, match)."""
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
        """A function definition with its decorators, parameters and body."""
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
