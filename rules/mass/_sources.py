"""Where client data lives in a handler, and where it is poured into a model wholesale.

A `Source` is client-controlled data: raw (`request.json`, `request.get_json()`,
`request.data`, `request.POST`, `await request.json()`, a `dict` body parameter) or shaped by a
schema (a Pydantic body parameter, `body.model_dump(exclude=...)`, `schema.load(...)`, a bound
WTForms form's `form.data`), in which case only the schema's fields can be set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from apilint.class_facts import MARSHMALLOW, ORM, SCHEMA, ClassInfo, ModelFacts
from apilint.field_names import is_privileged
from apilint.rules.expo._flow import HandlerTypes
from apilint.rules.expo._stores import Store, store_lookup
from apilint.rules.mass._forms import bound_form, caller_model, is_caller
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

REQUEST_NAMES = ("request", "req", "self.request", "flask.request")
RAW_ATTRS = frozenset({"json", "form", "data", "values", "POST", "get_json", "body", "media", "json_body"})
DUMPS = frozenset({"dict", "model_dump", "to_dict", "copy", "items", "model_copy"})
POSITIONAL_SINKS = frozenset({"update", "sqlmodel_update", "model_validate", "parse_obj", "populate_obj",
                              "from_dict", "bulk_update_mappings"})


@dataclass(frozen=True, slots=True)
class Source:
    """Client-controlled data: raw, or limited to a schema's fields."""

    schema: ClassInfo | None = None
    excluded: frozenset[str] = frozenset()
    included: frozenset[str] | None = None
    what: str = "request data"

    def privileged(self, facts: ModelFacts, model: ClassInfo | None, extra: tuple[str, ...]) -> list[str]:
        """Privileged fields of `model` this data can set."""
        model_fields = facts.model_fields(model.qualname) if model is not None else ()
        if self.schema is None or self.schema.extra_allowed:
            candidates = model_fields
        else:
            candidates = tuple(f for f in facts.writable_fields(self.schema)
                               if not model_fields or f in model_fields)
        owner = model.qualname if model is not None else (self.schema.qualname if self.schema else None)
        return [f for f in candidates if is_privileged(f, extra, owner, model_fields) and f not in self.excluded
                and (self.included is None or f in self.included)]


class RequestData:
    """Names of one function bound to client data."""

    def __init__(self, facts: ModelFacts, mod: ModuleSummary, func: FunctionDef,
                 bound: dict[str, Source] | None = None) -> None:
        self.facts = facts
        self.mod = mod
        self.func = func
        self.types = HandlerTypes(facts, mod, func)
        self.vars: dict[str, Source] = dict(bound or {})
        self.forms: dict[str, ClassInfo] = {}
        """Locals holding a WTForms form bound to the request (`form = ProfileForm(request.form)`)."""
        if bound is None:
            for param in func.params:
                if param.default is not None and param.default.kind == "call" and \
                        (param.default.func.dotted or "").rsplit(".", 1)[-1] in ("Depends", "Security"):
                    continue
                found = facts.annotated(mod, param.annotation)
                if found is not None and found[0].kind == SCHEMA and not found[1]:
                    self.vars[param.name] = Source(found[0], what=f"body {param.name}: {found[0].short}")
                elif param.annotation is not None and (param.annotation.dotted or param.annotation.render(20)
                                                       ).split("[")[0] in ("dict", "Dict", "typing.Dict"):
                    self.vars[param.name] = Source(what=f"body {param.name}: dict")
        for stmt in walk_stmts(func.body):
            if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                source = self.source(stmt.value)
                form = bound_form(facts, mod, stmt.value, self.source)
                for target in stmt.targets:
                    if target.kind == "name":
                        if source is not None:
                            self.vars[target.text] = source
                        else:
                            self.vars.pop(target.text, None)
                        if form is not None:
                            self.forms[target.text] = form
                        else:
                            self.forms.pop(target.text, None)

    def source(self, expr: Expr | None, depth: int = 0) -> Source | None:
        """The client data an expression evaluates to, if any."""
        if expr is None or depth > 8:
            return None
        kind = expr.kind
        if kind in ("await", "starred") and expr.args:
            return self.source(expr.args[0], depth + 1)
        if kind == "boolop" and expr.args:
            return self.source(expr.args[0], depth + 1)
        if kind == "name":
            return self.vars.get(expr.text)
        if kind == "attr":
            base = expr.args[0].dotted
            if base in REQUEST_NAMES and expr.text in RAW_ATTRS:
                return Source(what=expr.render(40))
            owner = expr.args[0]
            form = self.forms.get(owner.text) if owner.kind == "name" else \
                bound_form(self.facts, self.mod, owner, self.source) if owner.kind == "call" else None
            if form is not None and expr.text == "data":
                return Source(form, what=f"{form.short}.data")
            return None
        if kind == "comp" and expr.text == "dict" and len(expr.args) >= 3:
            return _filtered(self.source(expr.args[2], depth + 1), expr)
        if kind == "dict":
            for key, value in zip(expr.args[::2], expr.args[1::2], strict=False):
                if key.kind == "starstar":
                    found = self.source(value, depth + 1)
                    if found is not None:
                        return found
            return None
        if kind != "call":
            return None
        func = expr.func
        short = func.text if func.kind == "attr" else (func.dotted or "")
        loads = func.dotted in ("json.loads", "ujson.loads", "orjson.loads")
        if (short == "dict" or loads) and expr.positional:
            found = self.source(expr.positional[0], depth + 1)
            if found is None and loads and _request_field(expr.positional[0]):
                return Source(what=expr.render(40))  # a form field or query parameter holding JSON
            return found
        if func.kind != "attr":
            return None
        receiver = func.args[0]
        if receiver.dotted in REQUEST_NAMES and short in RAW_ATTRS:
            return Source(what=expr.render(40))
        if short == "load":
            local = self.types.infer(receiver)
            schema = local.info if local is not None else _module_instance(self.facts, self.mod, receiver)
            if schema is not None and schema.kind == MARSHMALLOW:
                return Source(schema, what=f"{schema.short}.load()")
            return None
        inner = self.source(receiver, depth + 1)
        if inner is None or short not in DUMPS:
            return None
        excluded = inner.excluded | _names(expr.kwarg("exclude"))
        include = expr.kwarg("include")
        included = _names(include) if include is not None else inner.included
        return Source(inner.schema, excluded, included, inner.what)

    def sinks(self) -> Iterator[tuple[Stmt, Source, ClassInfo | None, str]]:
        """(statement, data, target model, how) for every wholesale write of client data."""
        for stmt in walk_stmts(self.func.body):
            if stmt.kind == "for" and stmt.value is not None:
                data = self.source(stmt.value)
                if data is not None:
                    for inner in walk_stmts(stmt.body):
                        call = inner.value if inner.kind == "expr" else None
                        if call is not None and call.kind == "call" and call.func.dotted == "setattr" and \
                                len(call.positional) >= 2 and call.positional[1].kind == "name":
                            yield inner, data, self._model_of(call.positional[0]), "a setattr loop"
                continue
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    func = call.func
                    form = self.forms.get(func.args[0].text) if func.kind == "attr" and \
                        func.text == "populate_obj" and func.args[0].kind == "name" else None
                    if form is not None and call.positional:
                        yield stmt, Source(form, what=f"{form.short} (a form bound to the request)"), \
                            self._model_of(call.positional[0]), call.render(50)
                        break
                    found = self._call_sink(call)
                    if found is not None:
                        yield stmt, found[0], found[1], found[2]
                        break

    def store_sinks(self) -> Iterator[tuple[Stmt, Source, Store, str]]:
        """(statement, data, store, how) for `record.update(data)` on a record of an in-memory store."""
        records: dict[str, Store] = {}
        for stmt in walk_stmts(self.func.body):
            if stmt.kind == "assign" and stmt.value is not None:
                store = store_lookup(self.facts.index, self.mod, stmt.value)
                for target in stmt.targets:
                    if target.kind == "name":
                        if store is not None:
                            records[target.text] = store
                        else:
                            records.pop(target.text, None)
            if stmt.kind != "expr" or stmt.value is None or stmt.value.kind != "call":
                continue
            call = stmt.value
            if call.func.kind != "attr" or call.func.text != "update" or not call.positional:
                continue
            receiver = call.func.args[0]
            store = records.get(receiver.text) if receiver.kind == "name" else \
                store_lookup(self.facts.index, self.mod, receiver)
            data = self.source(call.positional[0])
            if store is not None and data is not None:
                yield stmt, data, store, call.render(50)

    def field_sinks(self) -> Iterator[tuple[Stmt, str, ClassInfo, str]]:
        """(statement, field, model, how) where a privileged field is set from raw client data.

        The value counts as the client's when it reads raw request data (`data["is_admin"]`), is
        a local assigned from it, or is assigned under a test that reads the same-named key
        (`if data["admin"]: admin = True`).
        """
        yield from self._field_sinks(self.func.body, set(), frozenset())

    def _field_sinks(self, body: tuple[Stmt, ...], tainted: set[str],
                     keys: frozenset[str]) -> Iterator[tuple[Stmt, str, ClassInfo, str]]:
        for stmt in body:
            if stmt.func is not None or stmt.cls is not None:
                continue
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    target = self.facts.resolve(self.mod, call.func) if call.func.kind in ("name", "attr") else None
                    if target is None or target.kind != ORM:
                        continue
                    for kw in call.keywords:
                        if kw.name is not None and self._raw(kw.value, tainted):
                            yield stmt, kw.name, target, call.render(50)
            if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                direct = self._raw(stmt.value, tainted)
                for target_expr in stmt.targets:
                    if target_expr.kind == "name":
                        if direct or target_expr.text in keys:
                            tainted.add(target_expr.text)
                        else:
                            tainted.discard(target_expr.text)
                    elif target_expr.kind == "attr" and (direct or target_expr.text in keys):
                        typed = self.types.infer(target_expr.args[0])
                        if typed is not None and typed.info is not None and typed.info.kind == ORM:
                            yield stmt, target_expr.text, typed.info, f"{target_expr.render(40)} = ..."
            inner = keys
            if stmt.kind == "if" and stmt.value is not None and self._raw(stmt.value, tainted):
                inner = keys | {e.text for e in stmt.value.walk() if e.kind == "str"}
            yield from self._field_sinks(stmt.body + stmt.orelse, tainted, inner)
            yield from self._field_sinks(stmt.handlers + stmt.finalbody, tainted, keys)

    def _raw(self, expr: Expr, tainted: set[str]) -> bool:
        """True when the expression reads raw (schema-less) client data or a name derived from it."""
        for sub in expr.walk():
            if sub.kind == "name" and sub.text in tainted:
                return True
            if sub.kind in ("name", "attr", "call"):
                found = self.source(sub)
                if found is not None and found.schema is None:
                    return True
        return False

    def _call_sink(self, call: Expr) -> tuple[Source, ClassInfo | None, str] | None:
        func = call.func
        short = func.text if func.kind == "attr" else (func.dotted or "").rsplit(".", 1)[-1]
        data: Source | None = None
        for kw in call.keywords:
            if kw.name is None:
                data = data or self.source(kw.value)
        if data is None and short in POSITIONAL_SINKS and call.positional:
            data = self.source(call.positional[0])
        if data is None:
            return None
        target = self.facts.resolve(self.mod, func)
        if target is None and func.kind == "attr":
            receiver = func.args[0]
            attributes = _attributes_of(receiver)
            if attributes is not None:  # `obj.__dict__.update(data)`, `vars(obj).update(data)`
                model = self._model_of(attributes)
                if model is None and data.schema is None:
                    return None  # raw data into an object of unknown type: its fields are unknown
                return data, model, call.render(50)
            target = self.facts.resolve(self.mod, receiver)
            if target is None:
                typed = self.types.infer(receiver)
                target = typed.info if typed is not None else None
        if target is None or target.kind != ORM:
            return None
        return data, target, call.render(50)

    def _model_of(self, expr: Expr) -> ClassInfo | None:
        """The ORM class of an object written to: a typed local, or the signed-in user (`current_user`)."""
        typed = self.types.infer(expr)
        if typed is not None:
            return typed.info
        return caller_model(self.facts) if is_caller(expr) else None


def _attributes_of(receiver: Expr) -> Expr | None:
    """`obj` of `obj.__dict__` or `vars(obj)`: the object whose attributes a `.update()` sets."""
    if receiver.kind == "attr" and receiver.text == "__dict__":
        return receiver.args[0]
    if receiver.kind == "call" and receiver.func.dotted == "vars" and len(receiver.positional) == 1:
        return receiver.positional[0]
    return None


def _filtered(inner: Source | None, comp: Expr) -> Source | None:
    """The data a dict comprehension over `data.items()` keeps: `key != "password"` and
    `key not in (...)` drop keys, `key in (...)` keeps only those (an allow-list whose
    members cannot be read keeps nothing apilint can name)."""
    if inner is None:
        return None
    key = comp.args[0]
    if key.kind != "name":
        return inner
    excluded, included = set(inner.excluded), inner.included
    for cond in comp.args[3:]:
        for test in cond.walk():
            if test.kind != "compare" or len(test.args) != 2 or test.args[0].kind != "name" or \
                    test.args[0].text != key.text:
                continue
            right = test.args[1]
            if test.text in ("!=", "is not") and right.kind == "str":
                excluded.add(right.text)
            elif test.text == "not in":
                excluded.update(_names(right))
            elif test.text == "in":
                kept = _names(right)
                included = kept if included is None else included & kept
            elif test.text == "==" and right.kind == "str":
                included = frozenset({right.text})
    return Source(inner.schema, frozenset(excluded), included, inner.what)


_FIELD_STORES = frozenset({"POST", "GET", "form", "args", "values", "query_params", "data", "json"})


def _request_field(expr: Expr) -> bool:
    """`request.POST.get("payload")`, `request.form["data"]`, `request.body`: one request value."""
    if expr.kind == "attr":
        return expr.text == "body" and expr.args[0].dotted in REQUEST_NAMES
    holder: Expr | None = None
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in ("get", "getlist"):
        holder = expr.func.args[0]
    elif expr.kind == "subscript" and expr.args:
        holder = expr.args[0]
    return holder is not None and holder.kind == "attr" and holder.text in _FIELD_STORES and \
        holder.args[0].dotted in REQUEST_NAMES


def _module_instance(facts: ModelFacts, mod: ModuleSummary, expr: Expr) -> ClassInfo | None:
    if expr.kind == "call":
        return facts.resolve(mod, expr.func)
    symbol = facts.index.resolve(mod, expr) if expr.kind in ("name", "attr") else None
    if symbol is not None and symbol.value is not None and symbol.value.kind == "call":
        return facts.resolve(symbol.module, symbol.value.func)
    return None


def _names(expr: Expr | None) -> frozenset[str]:
    if expr is None:
        return frozenset()
    if expr.kind in ("set", "list", "tuple"):
        return frozenset(e.text for e in expr.args if e.kind == "str")
    if expr.kind == "dict":
        return frozenset(k.text for k in expr.args[::2] if k.kind == "str")
    return frozenset()


def reaches(facts: ModelFacts, mod: ModuleSummary, func: FunctionDef, name: str, fields: list[str],
            depth: int = 0) -> bool:
    """True when parameter/local `name` is used wholesale or its privileged fields are read."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind == "attr" and sub.args and sub.args[0].kind == "name" and sub.args[0].text == name:
                    if sub.text in fields or sub.text == "__dict__":
                        return True
                if sub.kind != "call":
                    continue
                callee = sub.func
                if callee.kind == "attr" and callee.text in DUMPS and callee.args[0].kind == "name" and \
                        callee.args[0].text == name:
                    excluded = _names(sub.kwarg("exclude"))
                    include = sub.kwarg("include")
                    included = _names(include) if include is not None else None
                    if any(f not in excluded and (included is None or f in included) for f in fields):
                        return True
                args = sub.arguments
                if not any(a.kind == "name" and a.text == name for a in args):
                    continue
                short = (sub.func.dotted or "").rsplit(".", 1)[-1] if sub.func.kind != "attr" else sub.func.text
                if short in ("vars", "model_validate", "from_orm", "parse_obj", "sqlmodel_update", "jsonable_encoder"):
                    return True
                if depth < 2 and sub.func.kind in ("name", "attr"):
                    symbol = facts.index.resolve(mod, sub.func)
                    if symbol is not None and symbol.func is not None:
                        for param in _bound_params(symbol.func, sub, name):
                            if reaches(facts, symbol.module, symbol.func, param, fields, depth + 1):
                                return True
    return False


def _bound_params(func: FunctionDef, call: Expr, name: str) -> list[str]:
    params = [p.name for p in func.params if p.kind in ("pos", "posonly") and p.name not in ("self", "cls")]
    out = [params[i] for i, a in enumerate(call.positional)
           if i < len(params) and a.kind == "name" and a.text == name]
    out += [kw.name for kw in call.keywords if kw.name and kw.value.kind == "name" and kw.value.text == name]
    return out


def bind_call(func: FunctionDef, call: Expr, sources: dict[str, Source]) -> dict[str, Source]:
    """Map a project function's parameters to the client data a call passes them."""
    params = [p.name for p in func.params if p.kind in ("pos", "posonly") and p.name not in ("self", "cls")]
    out: dict[str, Source] = {}
    for i, arg in enumerate(call.positional):
        if i < len(params) and arg.kind == "name" and arg.text in sources:
            out[params[i]] = sources[arg.text]
    for kw in call.keywords:
        if kw.name and kw.value.kind == "name" and kw.value.text in sources:
            out[kw.name] = sources[kw.value.text]
    return out


__all__ = ["RequestData", "Source", "bind_call", "reaches"]
