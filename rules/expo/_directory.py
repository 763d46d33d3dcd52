"""List responses that publish every account's contact details (a user directory).

A `Listing` is one response path that serializes many records of an account-like model
(`User`, `Customer`, `Member`...) loaded without a filter, with the contact fields (email,
phone, address, birth date) that reach the client. Scoped queries (`filter(team=...)`,
`where(...)`, a DRF `get_queryset` that filters) are someone's colleagues or contacts and
are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final, NamedTuple

from apilint.class_facts import ORM, SCHEMA, SERIALIZER, ClassInfo, ModelFacts
from apilint.field_names import is_account_like
from apilint.lazy_regex import lazy_compile
from apilint.model import Route
from apilint.rules.expo._flow import HandlerTypes, Typed, returned_values
from apilint.rules.expo._shapes import dict_fields, method_fields
from apilint.summary import Expr, FunctionDef, ModuleSummary

CONTACT: Final = lazy_compile(
    r"^(e_?mail|email_address|primary_email|contact_email|personal_email|phone|phone_?number|phone_no|mobile|"
    r"mobile_?number|mobile_phone|cell_?phone|telephone|tel|home_phone|work_phone|whatsapp|address|home_address|"
    r"street|street_address|postal_address|address_line1|date_of_birth|dob|birth_?date|birthday)$", re.IGNORECASE)
_SCOPING: Final = frozenset({"filter", "filter_by", "where", "exclude", "get", "get_or_404", "first", "one",
                             "having", "search", "with_parent", "for_user", "visible_to", "owned_by", "scoped",
                             "limit_to", "join"})
_MAX_DEPTH: Final = 8


class Listing(NamedTuple):
    """Contact fields of many accounts in one response."""

    model: str
    fields: tuple[str, ...]
    source: str
    """The unscoped query, as written."""


def contact_fields(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The contact-detail names among `fields`, with camelCase keys understood."""
    return tuple(f for f in fields if CONTACT.match(re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", f)))


def unscoped(expr: Expr) -> bool:
    """True when no call along a query chain narrows it (`User.query.all()`, `select(User)`)."""
    for sub in expr.walk():
        if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text in _SCOPING:
            return False
        if sub.kind == "call" and (sub.func.dotted or "").rsplit(".", 1)[-1] in ("filter", "get_object_or_404"):
            return False
    return True


def handler_listings(facts: ModelFacts, mod: ModuleSummary, func: FunctionDef, depth: int = 0) -> Iterator[Listing]:
    """Listings in what a function returns (project helpers it returns the result of included)."""
    walker = _Walker(facts, mod, func, depth, _declared_schema(facts, mod, func) if depth == 0 else None)
    for stmt in returned_values(func):
        assert stmt.value is not None
        yield from walker.visit(stmt.value, 0)


def drf_listing(facts: ModelFacts, route: Route) -> Listing | None:
    """A DRF list action: the view's unfiltered `queryset` of accounts through a serializer with contact fields."""
    if route.response_model is None or route.path_params:
        return None
    view_name, _, action = route.handler.rpartition(".")
    if action not in ("list", "get"):
        return None
    view = facts.index.lookup(view_name)
    serializer = facts.classes.get(route.response_model)
    if view is None or view.cls is None or serializer is None or serializer.kind != SERIALIZER:
        return None
    if action == "get" and not any("List" in b for b in facts.index.base_names(view)):
        return None
    if view.cls.method("get_queryset") is not None or view.cls.method("list") is not None:
        return None  # a queryset computed per request is usually scoped to the caller
    queryset = view.cls.attribute("queryset")
    if queryset is None or not unscoped(queryset):
        return None
    model = serializer.model or ""
    if not is_account_like(model, facts.model_fields(model)):
        return None
    fields = contact_fields(facts.output_fields(serializer))
    return Listing(model.rsplit(".", 1)[-1], fields, queryset.render(50)) if fields else None


class _Walker:
    def __init__(self, facts: ModelFacts, mod: ModuleSummary, func: FunctionDef, depth: int,
                 declared: ClassInfo | None = None) -> None:
        self.declared = declared
        self.facts = facts
        self.mod = mod
        self.func = func
        self.depth = depth
        self.types = HandlerTypes(facts, mod, func, depth=min(depth, 2))
        self.fastapi = any(imp.module.split(".")[0] in ("fastapi", "ninja") for imp in mod.imports)

    def visit(self, expr: Expr, depth: int) -> Iterator[Listing]:
        if depth > _MAX_DEPTH:
            return
        kind = expr.kind
        whole = self._whole(expr)
        if whole is not None:
            yield whole
        elif kind == "comp" and len(expr.args) > 1:
            found = self._comprehension(expr)
            if found is not None:
                yield found
        elif kind in ("list", "tuple", "await"):
            for part in expr.args:
                yield from self.visit(part, depth + 1)
        elif kind == "dict":
            for value in expr.args[1::2]:
                yield from self.visit(value, depth + 1)
        elif kind == "name" and expr.text in self.types.assigned:
            yield from self.visit(self.types.assigned[expr.text], depth + 1)
        elif kind == "call":
            yield from self._call(expr, depth)

    def _whole(self, expr: Expr) -> Listing | None:
        """Accounts returned as objects (FastAPI serializes them, through the declared schema if any) or
        through a DRF serializer (`UserSerializer(User.objects.all(), many=True).data`)."""
        if expr.kind == "attr" and expr.text == "data":
            made = expr.args[0]
            if made.kind == "name":
                made = self.types.assigned.get(made.text, made)
            serializer = self.facts.resolve(self.mod, made.func) if made.kind == "call" else None
            if serializer is None or serializer.kind != SERIALIZER or not made.positional:
                return None
            return self._listing(made.positional[0], self.facts.output_fields(serializer))
        if expr.kind not in ("name", "call", "await") or not (self.fastapi or self.declared is not None):
            return None
        if self.declared is not None:
            fields = self.facts.output_fields(self.declared) if self.declared.kind != ORM else self.declared.fields
        else:
            typed = self.types.infer(expr)
            fields = typed.info.fields if typed is not None else ()
        return self._listing(expr, fields)

    def _listing(self, source: Expr, fields: tuple[str, ...]) -> Listing | None:
        query = self.types.assigned.get(source.text, source) if source.kind == "name" else source
        typed = self.types.infer(source)
        if typed is None or not typed.many or not self._accounts(typed.info) or not unscoped(query):
            return None
        found = contact_fields(fields)
        return Listing(typed.info.short, found, query.render(50)) if found else None

    def _call(self, call: Expr, depth: int) -> Iterator[Listing]:
        short = (call.func.dotted or call.func.text or "").rsplit(".", 1)[-1]
        if short in ("jsonify", "JSONResponse", "JsonResponse", "Response", "make_response", "dumps", "list",
                     "ORJSONResponse", "jsonable_encoder"):
            for arg in (*call.positional[:1], *(kw.value for kw in call.keywords if kw.name in (None, "content"))):
                yield from self.visit(arg, depth + 1)
            return
        if self.depth >= 2 or call.func.kind not in ("name", "attr"):
            return
        symbol = self.facts.index.resolve(self.mod, call.func)
        if symbol is not None and symbol.func is not None and symbol.func is not self.func:
            yield from handler_listings(self.facts, symbol.module, symbol.func, self.depth + 1)

    def _comprehension(self, comp: Expr) -> Listing | None:
        first = 2 if comp.text == "dict" else 1
        if len(comp.args) != first + 1:
            return None  # a condition (`if u.show_email`) or a second loop: not a plain dump of every row
        element, source = comp.args[first - 1], comp.args[first]
        query = self.types.assigned.get(source.text, source) if source.kind == "name" else source
        typed = self.types.infer(source)
        if typed is None or not typed.many or not self._accounts(typed.info) or not unscoped(query):
            return None
        fields = self._element_fields(element, typed)
        found = contact_fields(fields)
        return Listing(typed.info.short, found, query.render(50)) if found else None

    def _element_fields(self, element: Expr, typed: Typed) -> tuple[str, ...]:
        if element.kind == "dict":
            return dict_fields(element)
        if element.kind == "call":
            func = element.func
            schema = self.facts.resolve(self.mod, func.args[0] if func.kind == "attr" else func)
            if schema is not None and schema.kind == SCHEMA:  # UserOut.model_validate(u), UserOut(**u.dict())
                return self.facts.output_fields(schema)
            name = func.text if func.kind == "attr" else ""
            fields = method_fields(self.facts, typed.info, name, element)
            return fields or ()
        if element.kind == "name" and self.fastapi:
            return typed.info.fields
        return ()

    def _accounts(self, info: ClassInfo) -> bool:
        return info.kind == ORM and is_account_like(info.short, info.fields)


def _declared_schema(facts: ModelFacts, mod: ModuleSummary, func: FunctionDef) -> ClassInfo | None:
    """The schema FastAPI/Ninja filter a list response through (`response_model=list[UserOut]`)."""
    declared: Expr | None = None
    for dec in func.decorators:
        if dec.expr.kind == "call":
            declared = dec.expr.kwarg("response_model") or dec.expr.kwarg("response") or declared
    found = facts.annotated(mod, declared or func.returns)
    return found[0] if found is not None and found[1] else None


__all__ = ["CONTACT", "Listing", "contact_fields", "drf_listing", "handler_listings", "unscoped"]
