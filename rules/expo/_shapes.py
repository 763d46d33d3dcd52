"""The shapes a route's responses take: declared response models and what handlers return.

A `Shape` is a set of field names that reach the client, whether it is the whole model
(`wholesale`: every column, including ones added later) and how it was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apilint.class_facts import MARSHMALLOW, ORM, SCHEMA, ClassInfo, ModelFacts, model_facts
from apilint.field_names import sensitive_kind
from apilint.lazy_regex import lazy_compile
from apilint.model import Confidence, Route
from apilint.rule import RuleContext
from apilint.rules.expo._flow import HandlerTypes, returned_values
from apilint.rules.expo._sql_rows import sql_rows
from apilint.rules.expo._stores import store_lookup
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

AUTO_SERIALIZING = frozenset({"fastapi"})
"""Frameworks that serialize any returned object (FastAPI's `jsonable_encoder`)."""
DECLARED_RESPONSE = frozenset({"fastapi", "ninja"})
"""Frameworks that filter a response through a declared schema (`response_model=`, `response=`)."""
DUMP_METHODS = frozenset({"to_dict", "as_dict", "to_json", "serialize", "to_mongo", "dict", "model_dump", "json",
                          "model_dump_json", "todict", "asdict"})
_ALL_COLUMNS = frozenset({"columns", "__dict__", "column_attrs", "get_fields", "c", "__table__", "_fields",
                          "model_fields", "__fields__", "attrs", "mapper"})


@dataclass(frozen=True, slots=True)
class Shape:
    """Fields that reach the client through one response path."""

    fields: tuple[str, ...]
    wholesale: bool
    what: str
    """How the data is sent, for messages: `the ORM model User`, `response_model UserOut`."""
    confidence: Confidence = Confidence.HIGH
    store: bool = False
    """A record of an in-memory store: whole only while it carries sensitive keys."""
    sql_rows: bool = False
    """Rows of a hand-written `SELECT`: EXPO002 reads their columns, EXPO001 leaves them (a `SELECT *`
    of plain columns is how raw-SQL handlers are written, not a model dumped whole)."""


def route_shapes(ctx: RuleContext, route: Route) -> list[Shape]:
    """Every response shape apilint can read for a route."""
    func = ctx.handler(route)
    mod = ctx.module_of(route)
    if func is None or mod is None:
        return []
    facts = model_facts(ctx.index)
    if route.framework in DECLARED_RESPONSE:
        declared, filtered = _declared(facts, mod, func, route)
        if filtered:
            return [declared] if declared is not None else []
    types = HandlerTypes(facts, mod, func)
    shapes: list[Shape] = []
    removed = _removed_keys(func)
    for stmt in returned_values(func):
        assert stmt.value is not None
        for expr, scope in types.serialized(stmt.value):
            shape = _classify(facts, route, scope, expr) or _rows_shape(scope, expr, stmt.value)
            if shape is not None and removed:
                kept = tuple(f for f in shape.fields if f not in removed)
                wholesale = any(sensitive_kind(f) is not None for f in kept) if shape.store else shape.wholesale
                shape = Shape(kept, wholesale, shape.what, shape.confidence, shape.store, shape.sql_rows)
            if shape is not None and shape not in shapes:
                shapes.append(shape)
    return shapes


def _rows_shape(scope: HandlerTypes, expr: Expr, returned: Expr) -> Shape | None:
    """Rows of hand-written SQL, returned as they are, one by one (`[dict(r) for r in rows]`) or
    formatted into a message (`f"Hello, {rows}"`)."""
    parts = [a for a in expr.args if a.kind != "str"] if expr.kind == "fstr" else [expr]
    if _whole_row(expr):
        parts += [c.args[1] for c in returned.walk() if c.kind == "comp" and c.text != "dict" and len(c.args) > 1
                  and c.args[0] is expr]
    for part in parts:
        found = sql_rows(scope, part)
        if found is not None:
            columns, star, what, confidence = found
            return Shape(columns, star, what, confidence, sql_rows=True)
    return None


def _whole_row(expr: Expr) -> bool:
    """`row`, `dict(row)`, `tuple(row)`: a comprehension element that is the whole row."""
    if expr.kind == "call" and expr.func.kind == "name" and expr.func.text in ("dict", "list", "tuple") \
            and len(expr.positional) == 1:
        expr = expr.positional[0]
    return expr.kind == "name"


def _declared(facts: ModelFacts, mod: ModuleSummary, func: FunctionDef, route: Route) -> tuple[Shape | None, bool]:
    """The response model FastAPI filters through, and whether there is one."""
    expr: Expr | None = None
    for dec in func.decorators:
        if dec.expr.kind == "call" and any(kw.name in ("response_model", "response") for kw in dec.expr.keywords):
            expr = dec.expr.kwarg("response_model") or dec.expr.kwarg("response")
    label = "response_model"
    if expr is None and route.response_model is None:
        expr, label = func.returns, "return annotation"
    if expr is None:
        if route.response_model is None:
            return None, False
        symbol = facts.classes.get(route.response_model)
        return (_model_shape(facts, symbol, label) if symbol else None), True
    if expr.is_none:
        return None, False
    found = facts.annotated(mod, expr)
    if found is None:
        # An external or generic type (dict, Any, a Response class): FastAPI does not filter
        # through a project schema, so read the returns instead; unknown classes do filter.
        text = expr.render(60)
        passthrough = text.split("[")[0].rsplit(".", 1)[-1] in ("dict", "Dict", "Any", "list", "List", "JSONResponse",
                                                                 "Response", "object", "Mapping", "None")
        return None, not passthrough
    return _model_shape(facts, found[0], label), True


def _model_shape(facts: ModelFacts, info: ClassInfo, label: str) -> Shape:
    if info.kind == ORM:
        return Shape(info.fields, True, f"{label} {info.short}, an ORM model")
    return Shape(facts.output_fields(info), info.auto and info.meta_fields is None, f"{label} {info.short}")


def _classify(facts: ModelFacts, route: Route, scope: HandlerTypes, expr: Expr, depth: int = 0) -> Shape | None:
    shape = _classify_here(facts, route, scope, expr)
    if shape is None and expr.kind == "call" and depth < 2:
        shape = _project_returns(facts, route, scope, expr, depth)
    return shape


def _project_returns(facts: ModelFacts, route: Route, scope: HandlerTypes, call: Expr, depth: int) -> Shape | None:
    """What a project function or model method builds and returns (`User.get_all_users_debug()`
    returning `[u.json_debug() for u in ...]`, a helper returning a dict literal)."""
    if call.func.kind not in ("name", "attr"):
        return None
    if call.func.kind == "attr":  # `user.export()`: a project method of the model
        typed = scope.infer(call.func.args[0])
        if typed is not None and typed.info.kind == ORM and _find_method(facts, typed.info, call.func.text):
            return _dump_method(facts, typed.info, call.func.text, call)
    symbol = facts.index.resolve(scope.mod, call.func)
    if symbol is None or symbol.func is None:
        return None
    inner = HandlerTypes(facts, symbol.module, symbol.func, scope.depth + 1)
    for stmt in returned_values(symbol.func):
        assert stmt.value is not None
        for expr, sub_scope in inner.serialized(stmt.value):
            shape = _classify(facts, route, sub_scope, expr, depth + 1)
            if shape is not None:
                return Shape(shape.fields, shape.wholesale, f"{call.func.render(40)}() ({shape.what})",
                             shape.confidence)
    return None


def _removed_keys(func: FunctionDef) -> frozenset[str]:
    """Keys the handler deletes from the data it returns (`del data["password"]`, `data.pop("password")`)."""
    out: set[str] = set()
    for stmt in walk_stmts(func.body):
        if stmt.kind == "del":
            out |= {t.args[1].text for t in stmt.targets
                    if t.kind == "subscript" and len(t.args) == 2 and t.args[1].kind == "str"}
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind == "attr" and call.func.text == "pop" and call.positional and \
                        call.positional[0].kind == "str":
                    out.add(call.positional[0].text)
    return frozenset(out)


def _store_shape(facts: ModelFacts, scope: HandlerTypes, expr: Expr) -> Shape | None:
    """A whole record of an in-memory store (`USERS[user_id]`): whole when it holds secrets."""
    store = store_lookup(facts.index, scope.mod, expr)
    if store is None:
        return None
    sensitive = any(sensitive_kind(f) is not None for f in store.fields)
    return Shape(store.fields, sensitive, f"the {store.name} record", store=True)


def _classify_here(facts: ModelFacts, route: Route, scope: HandlerTypes, expr: Expr) -> Shape | None:
    store = _store_shape(facts, scope, expr)
    if store is not None:
        return store
    if expr.kind == "dict":
        fresh = _fresh_keys(scope, expr)
        keys = tuple(k for k in dict_fields(expr) if k not in fresh)
        return Shape(keys, False, "the returned dict") if keys else None
    if expr.kind == "attr" and expr.text == "__dict__":
        return _whole(scope, expr.args[0], f"{expr.render(40)}")
    if expr.kind == "name" or expr.kind == "await" or (expr.kind == "call" and _short(expr.func) not in DUMP_METHODS):
        typed = scope.infer(expr)
        if typed is not None and typed.info.kind == ORM and route.framework in AUTO_SERIALIZING:
            return Shape(typed.info.fields, True, f"the ORM model {typed.info.short}")
        if typed is not None and typed.info.kind == SCHEMA:
            return Shape(facts.output_fields(typed.info), False, f"schema {typed.info.short}")
    if expr.kind != "call":
        return None
    short = _short(expr.func)
    first = expr.positional[0] if expr.positional else None
    if short == "vars" and first is not None:
        return _whole(scope, first, expr.render(40))
    if short == "dict" and first is not None and expr.func.kind == "name":
        typed = scope.infer(first)
        return _whole(scope, first, expr.render(40)) if typed is not None and typed.info.kind == ORM else None
    if short == "model_to_dict" and first is not None and expr.kwarg("fields") is None:
        shape = _whole(scope, first, expr.render(40))
        return shape if shape.confidence is not Confidence.LOW else Shape((), True, expr.render(40),
                                                                          Confidence.MEDIUM)
    if short == "serialize" and expr.func.kind == "attr" and (expr.func.args[0].dotted or "") == "serializers" \
            and len(expr.positional) >= 2 and expr.kwarg("fields") is None:
        typed = scope.infer(expr.positional[1])
        fields = typed.info.fields if typed is not None else ()
        return Shape(fields, True, expr.render(40), Confidence.HIGH if typed else Confidence.MEDIUM)
    if short == "jsonable_encoder" and first is not None:
        typed = scope.infer(first)
        if typed is not None and typed.info.kind == ORM:
            return Shape(typed.info.fields, True, expr.render(40))
        return None
    if expr.func.kind == "attr" and short == "dump" and first is not None:
        schema = _schema_of(facts, scope, expr.func.args[0])
        if schema is not None:
            wholesale = schema.auto and schema.meta_fields is None
            return Shape(facts.output_fields(schema), wholesale, f"schema {schema.short}")
        return None
    if expr.func.kind == "attr" and short in DUMP_METHODS:
        typed = scope.infer(expr.func.args[0])
        if typed is None or typed.info.kind != ORM:
            return None
        return _dump_method(facts, typed.info, short, expr)
    return None


_FRESH = lazy_compile(r"^(token_(urlsafe|hex|bytes)|get_random_string|make_random_password|uuid4|"
                      r"(make|generate|gen|random|new|create)_?(random_)?(password|passwd|pwd|passphrase|secret|key|"
                      r"api_key|token|otp|code)s?)$", re.IGNORECASE)
"""Calls that mint a new secret (`secrets.token_urlsafe(32)`, a project's `make_password()`)."""


def _fresh_keys(scope: HandlerTypes, expr: Expr) -> frozenset[str]:
    """Keys of a returned dict whose value the handler has just generated (`password =
    make_password()`, `{"api_key": secrets.token_urlsafe(32)}`): a new secret handed to whoever
    asked for it, once, is no stored one leaking."""
    out: set[str] = set()
    for key, value in zip(expr.args[::2], expr.args[1::2], strict=False):
        if value.kind == "name":
            value = scope.assigned.get(value.text, value)
        if key.kind == "str" and value.kind == "call" and _FRESH.match(value.func.last_name) and \
                all(arg.kind == "num" for arg in value.positional):  # Django's make_password(raw) hashes
            out.add(key.text)
    return frozenset(out)


def dict_fields(expr: Expr) -> tuple[str, ...]:
    """The keys of a dict literal that carry a value, plus the attribute a value is read from when
    that alone names a secret (`{"pw": user.password}`); masked values (`"****"`, `None`,
    `card[-4:]`, `mask(card)`) carry nothing."""
    out: list[str] = []
    for key, value in zip(expr.args[::2], expr.args[1::2], strict=False):
        if key.kind != "str" or masked(value) or value.kind in ("list", "tuple", "set", "dict", "num"):
            continue  # a literal container or number (`"password": []` filled with the rules) holds no secret
        out.append(key.text)
        source = value
        if source.kind == "call" and source.func.dotted in ("str", "int") and source.positional:
            source = source.positional[0]
        if source.kind == "attr" and sensitive_kind(source.text) == "secret" and sensitive_kind(key.text) is None:
            out.append(source.text)
    return tuple(out)


_MASKING = ("mask", "redact", "obfuscate", "last4", "last_four", "hide", "censor", "anonymi", "truncat")


def masked(value: Expr) -> bool:
    """A value that does not carry the secret it is named for. A string literal carries none either
    (`{"status": "success", "password": "updated"}`, a validation message keyed by its field): a
    secret written in the code is SECRET002's."""
    if value.kind in ("const", "str"):
        return True
    if value.kind == "fstr":
        return any(part.kind == "str" and "*" in part.text for part in value.args)
    if value.kind == "subscript":
        return any(part.kind == "other" for part in value.args[1:])  # card[-4:]
    if value.kind in ("compare", "boolop", "unary"):
        return True  # `user.password is not None`, `bool(...)` reads as a yes/no
    if value.kind == "call":
        name = (value.func.dotted or value.func.text or "").lower()
        return name in ("bool", "len") or any(word in name for word in _MASKING)
    return False


def _whole(scope: HandlerTypes, target: Expr, what: str) -> Shape:
    typed = scope.infer(target)
    if typed is not None and typed.info.kind == ORM:
        return Shape(typed.info.fields, True, what)
    return Shape((), True, what, Confidence.LOW)


def _dump_method(facts: ModelFacts, info: ClassInfo, name: str, call: Expr) -> Shape | None:
    method = _find_method(facts, info, name)
    what = f"{info.short}.{name}()"
    if method is None:
        if name in ("model_dump", "dict", "json", "model_dump_json", "to_mongo", "to_json"):
            excluded = call.kwarg("exclude") or call.kwarg("include")
            return None if excluded is not None else Shape(info.fields, True, what)
        return None
    literals: set[str] = set()
    dumps_all = False
    keys: list[str] = []
    for stmt in walk_stmts(method.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if (sub.kind == "attr" and sub.text in _ALL_COLUMNS) or \
                        (sub.kind == "call" and _short(sub.func) in ("vars", "model_to_dict", "inspect")):
                    dumps_all = True
                elif sub.kind == "str":
                    literals.add(sub.text)
        if stmt.kind == "return" and stmt.value is not None and stmt.value.kind == "dict":
            keys += dict_fields(stmt.value)
    if keys and not dumps_all:
        return Shape(tuple(keys), False, what)
    if dumps_all:
        return Shape(tuple(f for f in info.fields if f not in literals), True, what)
    return None


def method_fields(facts: ModelFacts, info: ClassInfo, name: str, call: Expr) -> tuple[str, ...] | None:
    """Fields a model method (`user.to_dict()`, `User.json(user)`) puts in what it returns."""
    shape = _dump_method(facts, info, name, call)
    return shape.fields if shape is not None else None


def _find_method(facts: ModelFacts, info: ClassInfo, name: str) -> FunctionDef | None:
    method = info.cls.method(name)
    if method is not None:
        return method
    symbol = facts.index.lookup(info.qualname)
    if symbol is None:
        return None
    for base in facts.index.base_names(symbol):
        parent = facts.index.lookup(base)
        if parent is not None and parent.cls is not None:
            method = parent.cls.method(name)
            if method is not None:
                return method
    return None


def _schema_of(facts: ModelFacts, scope: HandlerTypes, receiver: Expr) -> ClassInfo | None:
    typed = scope.infer(receiver)
    if typed is not None:
        return typed.info if typed.info.kind == MARSHMALLOW else None
    symbol = facts.index.resolve(scope.mod, receiver) if receiver.kind in ("name", "attr") else None
    if symbol is not None and symbol.value is not None and symbol.value.kind == "call":
        info = facts.resolve(symbol.module, symbol.value.func)
        if info is not None and info.kind == MARSHMALLOW:
            return info
    return None


def _short(expr: Expr) -> str:
    if expr.kind == "attr":
        return expr.text
    return (expr.dotted or "").rsplit(".", 1)[-1]


__all__ = ["Shape", "dict_fields", "masked", "method_fields", "route_shapes"]
