"""What a handler's local names hold: ORM instances, schemas, and what its returns serialize.

A small forward pass over one function body: parameters typed by their annotations,
assignments (`user = db.get(User, id)`, `users = User.query.all()`,
`User.objects.get(...)`, `await User.get(...)`, `crud.get_user(...)` with an annotated
return) and loop variables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from apilint.class_facts import ORM, ClassInfo, ModelFacts
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

FIELD_SELECTORS = frozenset({"values_list", "only", "defer", "with_entities", "load_only", "exclude", "count",
                             "exists", "delete", "update", "aggregate", "scalar_subquery", "subquery",
                             "paginate_query", "pluck", "distinct_values", "keys"})
"""Query methods after which the result is no longer whole model instances."""
SINGLE = frozenset({"get", "first", "one", "one_or_none", "scalar_one", "scalar_one_or_none", "get_or_404",
                    "first_or_404", "one_or_404", "get_or_none", "find_one", "get_by_id", "last", "latest",
                    "earliest", "create", "get_or_create", "save", "refresh", "scalar", "get_object_or_404"})
LOADERS = frozenset({"get", "get_or_404", "query", "select", "get_object_or_404", "get_list_or_404", "get_one",
                     "find", "find_one", "exec", "execute", "scalars", "scalar", "first_or_404", "one_or_404"})
CONVERTERS = frozenset({"model_validate", "from_orm", "parse_obj", "model_construct", "validate", "construct",
                        "parse_raw", "model_validate_json"})
SERIALIZERS = frozenset({"dumps"})
"""`json.dumps(data)` (and orjson, ujson, simplejson): the text of `data` goes out as it is."""
RESPONSE_WRAPPERS = frozenset({"jsonify", "JSONResponse", "JsonResponse", "Response", "ORJSONResponse",
                               "UJSONResponse", "make_response", "jsonable_encoder", "json_response"})


@dataclass(frozen=True, slots=True)
class Typed:
    """A value known to be an instance (or collection) of a project data class."""

    info: ClassInfo
    many: bool = False


class HandlerTypes:
    """Local names of one function mapped to the data classes they hold."""

    def __init__(self, facts: ModelFacts, mod: ModuleSummary, func: FunctionDef, depth: int = 0) -> None:
        self.facts = facts
        self.mod = mod
        self.func = func
        self.depth = depth
        self.vars: dict[str, Typed] = {}
        self.assigned: dict[str, Expr] = {}
        self.added: dict[str, list[Expr]] = {}
        """Entries added to a dict after it was built: `data["ssn"] = c.ssn`, `data.update(...)` (key, value, ...)."""
        for param in func.params:
            found = facts.annotated(mod, param.annotation)
            if found is not None:
                self.vars[param.name] = Typed(found[0], found[1])
        for stmt in walk_stmts(func.body):
            self._bind(stmt)

    def _bind(self, stmt: Stmt) -> None:
        self._grow(stmt)
        if stmt.kind in ("assign", "annassign") and stmt.value is not None:
            typed = self.infer(stmt.value)
            if typed is None and stmt.kind == "annassign" and stmt.exprs:
                found = self.facts.annotated(self.mod, stmt.exprs[0])
                typed = Typed(found[0], found[1]) if found is not None else None
            for target in stmt.targets:
                if target.kind == "name":
                    self.assigned[target.text] = stmt.value
                    self.added.pop(target.text, None)
                    if typed is not None:
                        self.vars[target.text] = typed
                    else:
                        self.vars.pop(target.text, None)
        elif stmt.kind == "for" and stmt.value is not None:
            typed = self.infer(stmt.value)
            for target in stmt.targets:
                if target.kind == "name" and typed is not None and typed.many:
                    self.vars[target.text] = Typed(typed.info)
        elif stmt.kind == "with":
            for target in stmt.targets:
                self.vars.pop(target.text, None)

    def _grow(self, stmt: Stmt) -> None:
        """Record keys added to a local dict: `data["k"] = v` and `data.update({"k": v})` / `data.update(k=v)`."""
        if stmt.kind == "assign" and stmt.value is not None:
            for target in stmt.targets:
                if target.kind == "subscript" and len(target.args) == 2 and target.args[0].kind == "name":
                    self.added.setdefault(target.args[0].text, []).extend((target.args[1], stmt.value))
        elif stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "call":
            call = stmt.value
            if call.func.kind == "attr" and call.func.text == "update" and call.func.args[0].kind == "name":
                entries = self.added.setdefault(call.func.args[0].text, [])
                if call.positional and call.positional[0].kind == "dict":
                    entries.extend(call.positional[0].args)
                for kw in call.keywords:
                    if kw.name is not None:
                        entries.extend((Expr("str", kw.name), kw.value))

    def infer(self, expr: Expr | None, depth: int = 0) -> Typed | None:
        """The data class an expression evaluates to an instance (or list) of, if known."""
        if expr is None or depth > 12:
            return None
        kind = expr.kind
        if kind in ("await", "starred") and expr.args:
            return self.infer(expr.args[0], depth + 1)
        if kind == "name":
            return self.vars.get(expr.text)
        if kind == "boolop" and expr.args:
            return self.infer(expr.args[0], depth + 1)
        if kind == "ifexp" and expr.args:
            return self.infer(expr.args[1], depth + 1)
        if kind == "subscript" and expr.args:
            inner = self.infer(expr.args[0], depth + 1)
            return Typed(inner.info) if inner is not None else None
        if kind == "attr" and expr.text in ("query", "objects"):
            owner = self.facts.resolve(self.mod, expr.args[0])
            return Typed(owner, True) if owner is not None and owner.kind == ORM else None
        if kind == "call":
            return self._call(expr, depth)
        return None

    def _call(self, call: Expr, depth: int) -> Typed | None:
        func = call.func
        cls = self.facts.resolve(self.mod, func)
        if cls is not None:
            return Typed(cls)
        method = func.text if func.kind == "attr" else (func.dotted or "")
        short = method.rsplit(".", 1)[-1]
        if short in FIELD_SELECTORS or (short == "values" and (call.positional or call.keywords)):
            return None
        if short == "list" and call.positional:
            inner = self.infer(call.positional[0], depth + 1)
            return Typed(inner.info, True) if inner is not None else None
        if func.kind == "attr":
            owner = self.facts.resolve(self.mod, func.args[0])
            if owner is not None and owner.kind == ORM:
                own = self._model_method(owner, short)
                if own is not None and own[1].returns is not None:
                    # `Config.get_all() -> dict`: a static or class method of the model says what it returns
                    found = self.facts.annotated(own[0], own[1].returns)
                    return Typed(found[0], found[1]) if found is not None else None
                if short in CONVERTERS or short not in ("values", "schema", "model_json_schema"):
                    return Typed(owner, short not in SINGLE and short not in CONVERTERS)
                return None
            if owner is not None and short in CONVERTERS:
                return Typed(owner)
            receiver = self.infer(func.args[0], depth + 1)
            if receiver is not None and receiver.info.kind == ORM:
                if short in ("to_dict", "as_dict", "dict", "model_dump", "json", "to_json", "serialize"):
                    return None
                if not receiver.many:
                    own = self._model_method(receiver.info, short)
                    if own is not None:  # `user.get_claims()`: what the model's own method returns
                        return self._method_result(receiver.info, *own)
                return Typed(receiver.info, receiver.many and short not in SINGLE)
        if short in LOADERS and call.positional:
            first = call.positional[0]
            target = self.facts.resolve(self.mod, first)
            if target is not None and target.kind == ORM:
                return Typed(target, short not in SINGLE)
            inner = self.infer(first, depth + 1) if first.kind == "call" else None
            if inner is not None:
                return inner
        return self._project_call(func)

    def _model_method(self, info: ClassInfo, name: str) -> tuple[ModuleSummary, FunctionDef] | None:
        """A method the model class (or a project base) defines, with its module."""
        method = info.cls.method(name)
        if method is not None:
            return info.module, method
        symbol = self.facts.index.lookup(info.qualname)
        for base in self.facts.index.base_names(symbol) if symbol is not None else ():
            found = self.facts.index.lookup(f"{base}.{name}")
            if found is not None and found.func is not None:
                return found.module, found.func
        return None

    def _method_result(self, info: ClassInfo, mod: ModuleSummary, method: FunctionDef) -> Typed | None:
        """What a model method returns: its annotation, else its `return` values (`self` is the model)."""
        if method.returns is not None:
            found = self.facts.annotated(mod, method.returns)
            return Typed(found[0], found[1]) if found is not None else None
        if self.depth >= 2:
            return None
        inner = HandlerTypes(self.facts, mod, method, self.depth + 1)
        inner.vars["self"] = Typed(info)
        for stmt in returned_values(method):
            typed = inner.infer(stmt.value)
            if typed is not None:
                return typed
        return None

    def _project_call(self, func: Expr) -> Typed | None:
        if self.depth >= 2 or func.kind not in ("name", "attr"):
            return None
        symbol = self.facts.index.resolve(self.mod, func)
        if symbol is None or symbol.func is None:
            return None
        found = self.facts.annotated(symbol.module, symbol.func.returns)
        if found is not None:
            return Typed(found[0], found[1])
        inner = HandlerTypes(self.facts, symbol.module, symbol.func, self.depth + 1)
        for stmt in walk_stmts(symbol.func.body):
            if stmt.kind == "return":
                typed = inner.infer(stmt.value)
                if typed is not None:
                    return typed
        return None

    def serialized(self, expr: Expr, depth: int = 0) -> Iterator[tuple[Expr, HandlerTypes]]:
        """Sub-expressions of a returned value that are serialized as they are."""
        if depth > 6:
            return
        kind = expr.kind
        if kind in ("await",) and expr.args:
            yield from self.serialized(expr.args[0], depth + 1)
        elif kind in ("list", "tuple", "set"):
            for element in expr.args:
                yield from self.serialized(element, depth + 1)
        elif kind == "dict":
            for key, value in zip(expr.args[::2], expr.args[1::2], strict=False):
                del key
                yield from self.serialized(value, depth + 1)
            yield expr, self
        elif kind == "comp" and expr.args:
            yield from self._comprehension(expr, depth)
        elif kind == "call" and _short(expr.func) in RESPONSE_WRAPPERS:
            payload = expr.arg(0, "content") or expr.kwarg("data") or expr.kwarg("obj")
            if payload is not None:
                yield from self.serialized(payload, depth + 1)
            elif _short(expr.func) == "jsonify" and expr.keywords:  # jsonify(user=..., token=...)
                pairs = [e for kw in expr.keywords if kw.name is not None for e in (Expr("str", kw.name), kw.value)]
                yield from self.serialized(Expr("dict", args=tuple(pairs)), depth + 1)
        elif kind == "call" and _short(expr.func) in SERIALIZERS and expr.positional:
            yield from self.serialized(expr.positional[0], depth + 1)
        elif kind == "call" and expr.func.kind == "attr" and expr.func.text == "encode" and not expr.positional:
            yield from self.serialized(expr.func.args[0], depth + 1)  # json.dumps(data).encode()
        elif kind == "name" and expr.text not in self.vars and expr.text in self.assigned:
            value = self.assigned[expr.text]
            extra = self.added.get(expr.text)
            if extra and value.kind == "dict":
                value = value._replace(args=(*value.args, *extra))
            yield from self.serialized(value, depth + 1)
        else:
            yield expr, self

    def _comprehension(self, expr: Expr, depth: int) -> Iterator[tuple[Expr, HandlerTypes]]:
        element = expr.args[0] if expr.text != "dict" else expr.args[1]
        source = self.infer(expr.args[2 if expr.text == "dict" else 1]) if len(expr.args) > 1 else None
        root = element
        while root.kind in ("attr", "call", "subscript") and root.args:
            root = root.args[0]
        scope = self
        if source is not None and source.many and root.kind == "name" and root.text not in self.vars:
            scope = _Scoped(self, root.text, Typed(source.info))
        yield from scope.serialized(element, depth + 1)


class _Scoped(HandlerTypes):
    """A comprehension scope: the parent's names plus the comprehension variable."""

    def __init__(self, parent: HandlerTypes, name: str, typed: Typed) -> None:
        self.facts = parent.facts
        self.mod = parent.mod
        self.func = parent.func
        self.depth = parent.depth
        self.vars = {**parent.vars, name: typed}
        self.assigned = dict(parent.assigned)
        self.added = parent.added


def _short(expr: Expr) -> str:
    return (expr.dotted or "").rsplit(".", 1)[-1]


def returned_values(func: FunctionDef) -> Iterator[Stmt]:
    """Return statements of a function (nested defs excluded) that return something."""
    for stmt in walk_stmts(func.body):
        if stmt.kind == "return" and stmt.value is not None:
            yield stmt


__all__ = ["CONVERTERS", "HandlerTypes", "Typed", "returned_values"]
