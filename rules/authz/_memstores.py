"""In-memory lookups whose store apilint cannot read as a dict of record literals.

Demo apps, prototypes and pluggable-backend apps keep records in dicts and lists reached through
a module, a backend object or a module `__getattr__` proxy (`db.db_orders_by_id.get(order_id)`),
or in typed empty dicts filled at run time (`ITEMS: dict[int, Item] = {}`). Two shapes pick
records by a caller-supplied ID:

- `STORE.get(id)` / `STORE[id]` on a store named like a record collection (`orders`,
  `db_addresses_by_id`, `fake_items_db`) or annotated `dict[K, Model]`;
- a comprehension or generator filtering records by the ID (`[a for a in store if a.user_id ==
  user_id]`, `next((o for o in orders if o.id == order_id), None)`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apilint.lazy_regex import lazy_compile
from apilint.project import ProjectIndex
from apilint.rules.authz._names import is_owner_field, is_user_model
from apilint.summary import Expr, ModuleSummary

_COLLECTION = lazy_compile(r"^(?:[a-z0-9]+_)*(?:db|store|table|records)$"
                         r"|^(?:[a-z0-9]+_)*(?:[a-z]+[a-rtv-z]s)(?:_by_[a-z0-9_]+)?$")
"""Names of record collections: `fake_items_db`, `orders`, `db_addresses_by_id` (a plural, not
`status` or `address`)."""
_NOT_STORES = frozenset({"headers", "cookies", "args", "params", "query_params", "path_params", "form", "files",
                         "values", "kwargs", "environ", "settings", "sessions", "options", "extras", "claims",
                         "results", "keys", "attrs", "fields", "errors", "choices", "defaults", "locals",
                         "globals", "vars", "flags", "permissions", "scopes", "roles", "translations", "messages"})
"""Mappings named like collections that hold no records."""
_USER_COLLECTIONS = lazy_compile(r"(^|_)(users|accounts|profiles|customers|members)($|_)")
_BY_OWNER = lazy_compile(r"_by_([a-z0-9_]+)$")


@dataclass(frozen=True, slots=True)
class Lookup:
    """Records picked by an ID: what the message calls them and what apilint knows of their owner."""

    call: str
    key: str
    """The caller-supplied name the records are picked by."""
    model: str | None
    owned: bool | None
    user_model: bool


def store_get(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> Lookup | None:
    """`STORE.get(id)` / `STORE[id]` on a collection of records apilint cannot read (the caller made
    sure the key carries a caller-supplied ID)."""
    if expr.kind == "subscript" and len(expr.args) == 2:
        store, key = expr.args
    elif expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "get" and expr.positional:
        store, key = expr.func.args[0], expr.positional[0]
    else:
        return None
    if store.kind not in ("name", "attr") or key.kind != "name":
        # `STORE[new.id] = new` files a record built here; only a bare ID picks one
        return None
    last = store.text.lower()
    symbol = index.resolve(mod, store)
    model_expr = _annotated_model(symbol.annotation) if symbol is not None and symbol.annotation is not None \
        else None
    model_cls = index.resolve(symbol.module, model_expr) if symbol is not None and model_expr is not None else None
    if model_cls is None or model_cls.cls is None:
        model_expr = None  # `dict[str, Action]` of a type alias or protocol: a registry, not records
    model = (model_expr.dotted or "").rsplit(".", 1)[-1] if model_expr is not None else None
    if model is None and (last in _NOT_STORES or not _COLLECTION.match(last)):
        return None
    if model is None and symbol is not None and symbol.value is not None and symbol.value.kind not in ("dict", "list"):
        return None  # a module constant or an object that is not an empty dict/list being filled
    by = _BY_OWNER.search(last)
    owned = True if by is not None and is_owner_field(by.group(1)) else None
    users = bool(_USER_COLLECTIONS.search(last.lower())) or (model is not None and is_user_model(model))
    if model_cls is not None and model_cls.cls is not None and model_expr is not None and not users:
        owned = any(is_owner_field(f) for f in model_cls.cls.field_names())  # False: shared records
    return Lookup(expr.render(70), "", model or _describe(last), None if users else owned, users)


def filtered(expr: Expr, tainted: set[str]) -> list[Lookup]:
    """Comprehensions that keep the records whose ID field equals a caller-supplied ID."""
    out: list[Lookup] = []
    for sub in expr.walk():
        if sub.kind != "comp" or len(sub.args) < 3:
            continue
        source = _collection(sub.args[1])
        for cond in sub.args[2:]:
            match = _id_match(cond, tainted)
            if match is None:
                continue
            field, key = match
            name = (source.dotted or source.render(40)).rsplit(".", 1)[-1]
            users = bool(_USER_COLLECTIONS.search(name.lower()))
            owned = True if is_owner_field(field) and not users else None
            call = f"{source.render(40)} filtered on {_condition(cond, key).render(50)}"
            out.append(Lookup(call, key, _describe(name) if name else None, owned, users))
            break
    return out


def _collection(expr: Expr) -> Expr:
    """The collection a comprehension iterates: `store` in `store.values()`, `list(store)`, `store.all()`."""
    for _ in range(4):
        if expr.kind != "call":
            break
        if expr.func.kind == "attr" and expr.func.text in ("values", "items", "all", "copy") and not expr.positional:
            expr = expr.func.args[0]
        elif expr.func.kind == "name" and expr.func.text in ("list", "tuple", "sorted", "reversed") and expr.positional:
            expr = expr.positional[0]
        else:
            break
    return expr


def _id_match(cond: Expr, tainted: set[str]) -> tuple[str, str] | None:
    """The record field a condition compares with a tainted name (`a.user_id == user_id`), also inside
    `and`; `!=` keeps other records and does not count."""
    if cond.kind == "boolop" and cond.text == "and":
        for part in cond.args:
            found = _id_match(part, tainted)
            if found is not None:
                return found
        return None
    if cond.kind != "compare" or cond.text != "==" or len(cond.args) != 2:
        return None
    left, right = cond.args
    for field, other in ((left, right), (right, left)):
        if field.kind == "attr" and field.args[0].kind == "name" and other.kind == "name" and \
                other.text in tainted and field.args[0].text not in tainted:
            return field.text, other.text
    return None


def _condition(cond: Expr, key: str) -> Expr:
    """The comparison inside an `and` that picks records by `key`."""
    if cond.kind == "boolop":
        for part in cond.args:
            if key in set(part.names()):
                return _condition(part, key)
    return cond


def _annotated_model(annotation: Expr) -> Expr | None:
    """`Item` in `dict[int, Item]` / `Dict[UUID, Item]` / `list[Item]`."""
    if annotation.kind != "subscript" or len(annotation.args) < 2:
        return None
    base = (annotation.args[0].dotted or "").rsplit(".", 1)[-1]
    items = annotation.args[1:]
    if len(items) == 1 and items[0].kind == "tuple":
        items = items[0].args
    if base.lower() in ("dict", "defaultdict", "mapping", "mutablemapping") and len(items) == 2:
        value = items[1]
    elif base.lower() in ("list", "sequence") and len(items) == 1:
        value = items[0]
    else:
        return None
    name = (value.dotted or "").rsplit(".", 1)[-1]
    return value if name[:1].isupper() and name not in ("Any", "Dict", "List", "Optional") else None


def _describe(name: str) -> str:
    """`db_addresses_by_id` -> `addresses`, `fake_items_db` -> `items`: what the message calls the records."""
    stem = _BY_OWNER.sub("", name)
    stem = re.sub(r"^(db|fake|_+)_?|_db$", "", stem) or name
    return f"{stem} records"


__all__ = ["Lookup", "filtered", "store_get"]
