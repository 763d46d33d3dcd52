"""Fix facts of EXPO001: the project's public schema for an ORM model, as a FastAPI `response_model`.

A schema is the model's public one when FastAPI can build it from the model object and it
leaks nothing: a Pydantic class with `from_attributes` (or `orm_mode`), whose every field the
model has (or that has a default) and none of which is sensitive. Among those, the one other
routes already declare as `response_model` for the same model wins, else the one named for
it (`UserOut`, `UserPublic`, `UserRead`, `UserResponse`, `UserSchema`); when that is not one
class, there is no fix (a fix never guesses).
"""

from __future__ import annotations

import weakref

from apilint.class_facts import ORM, SCHEMA, ClassInfo, ModelFacts, model_facts
from apilint.fixes import plan
from apilint.model import FixPlan, Route
from apilint.project import ProjectIndex
from apilint.rule import RuleContext
from apilint.rules.expo._flow import HandlerTypes, Typed, returned_values
from apilint.rules.expo._helpers import sensitive_fields
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_SUFFIXES = ("Out", "Public", "Read", "Response", "Schema", "Detail", "View")
_ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "api_route", "head", "options"})


def returned_model(facts: ModelFacts, mod: ModuleSummary, func: FunctionDef) -> Typed | None:
    """The ORM class every `return` of the handler gives back whole (one object or a list)."""
    types = HandlerTypes(facts, mod, func)
    found: Typed | None = None
    for stmt in returned_values(func):
        typed = types.infer(stmt.value)
        if typed is None or typed.info.kind != ORM or (found is not None and found != typed):
            return None
        found = typed
    return found


def _from_attributes(facts: ModelFacts, info: ClassInfo, depth: int = 0) -> bool:
    """`model_config = ConfigDict(from_attributes=True)` or `class Config: orm_mode = True`, here or
    in a project base class."""
    for stmt in walk_stmts(info.cls.body, into_defs=True):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind == "call" and any(kw.name in ("from_attributes", "orm_mode") and kw.value.is_true
                                              for kw in sub.keywords):
                    return True
        if stmt.kind == "assign" and stmt.value is not None and stmt.value.is_true and any(
                t.kind == "name" and t.text in ("orm_mode", "from_attributes") for t in stmt.targets):
            return True
    if depth > 4:
        return False
    symbol = facts.index.lookup(info.qualname)
    for base in facts.index.base_names(symbol) if symbol is not None else ():
        parent = facts.classes.get(base)
        if parent is not None and _from_attributes(facts, parent, depth + 1):
            return True
    return False


def _defaults(info: ClassInfo) -> set[str]:
    return {t.text for stmt in info.cls.body if stmt.kind == "annassign" and stmt.value is not None
            for t in stmt.targets if t.kind == "name"}


def _fits(ctx: RuleContext, facts: ModelFacts, schema: ClassInfo, model: ClassInfo) -> bool:
    fields = facts.output_fields(schema)
    if not fields or schema.model is not None:
        return False
    model_fields = set(model.fields)
    if any(f not in model_fields and f not in _defaults(schema) for f in fields):
        return False
    return not sensitive_fields(ctx, fields, wholesale=True) and _from_attributes(facts, schema)


_DECLARED: weakref.WeakKeyDictionary[ProjectIndex, dict[str, set[str]]] = weakref.WeakKeyDictionary()


def _declared_for(ctx: RuleContext, facts: ModelFacts, model: ClassInfo) -> set[str]:
    """Schemas other FastAPI routes declare as `response_model` while returning `model`
    (worked out once per project for every model)."""
    declared = _DECLARED.get(ctx.index)
    if declared is None:
        declared = _DECLARED[ctx.index] = {}
        for route in ctx.routes:
            if route.framework != "fastapi" or not route.response_model:
                continue
            mod, func = ctx.module_of(route), ctx.handler(route)
            typed = returned_model(facts, mod, func) if mod is not None and func is not None else None
            if typed is not None:
                declared.setdefault(typed.info.qualname, set()).add(route.response_model)
    return declared.get(model.qualname, set())


_PUBLIC: weakref.WeakKeyDictionary[ProjectIndex, dict[str, ClassInfo | None]] = weakref.WeakKeyDictionary()


def public_schema(ctx: RuleContext, model: ClassInfo) -> ClassInfo | None:
    """The project's one public schema for `model`, if there is exactly one (once per model)."""
    known = _PUBLIC.setdefault(ctx.index, {})
    if model.qualname not in known:
        known[model.qualname] = _public_schema(ctx, model)
    return known[model.qualname]


def _public_schema(ctx: RuleContext, model: ClassInfo) -> ClassInfo | None:
    facts = model_facts(ctx.index)
    candidates = [c for c in facts.classes.values() if c.kind == SCHEMA and _fits(ctx, facts, c, model)]
    declared = _declared_for(ctx, facts, model)
    used = [c for c in candidates if c.qualname in declared]
    if len(used) == 1:
        return used[0]
    names = {model.short + suffix for suffix in _SUFFIXES}
    named = [c for c in (used or candidates) if c.short in names
             or (c.short == model.short and c.module.path != model.module.path)]
    return named[0] if len(named) == 1 else None


def _route_decorator(func: FunctionDef) -> Expr | None:
    for dec in func.decorators:
        expr = dec.expr
        if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in _ROUTE_DECORATORS:
            return expr
    return None


def response_model_fix(ctx: RuleContext, route: Route) -> FixPlan | None:
    """`response_model=` the model's public schema on a FastAPI route that returns the model whole."""
    mod, func = ctx.module_of(route), ctx.handler(route)
    if route.framework != "fastapi" or mod is None or func is None:
        return None
    facts = model_facts(ctx.index)
    typed = returned_model(facts, mod, func)
    decorator = _route_decorator(func)
    if typed is None or decorator is None or any(kw.name is None for kw in decorator.keywords):
        return None
    schema = public_schema(ctx, typed.info)
    where = plan.locate_in_header(func, decorator)
    if schema is None or where is None:
        return None
    reference = f"@{{{schema.qualname}}}"
    if typed.many:
        generic = "List" if any(i.module == "typing" and i.name == "List" for i in mod.imports) else "list"
        reference = f"{generic}[{reference}]"
    return plan.call_arguments(f"Declare `response_model={plan.display(reference)}`, the public schema of "
                               f"{typed.info.short}", plan.UNSAFE, mod.path, func.line, where[0], ordinal=where[1],
                               decorators=True, set=[f"response_model={reference}"])
