"""In-memory record stores: module-level dicts of records (`USERS = {1: {"id": 1, "password": ...}}`).

Small apps, demos and prototypes keep their data this way; a lookup `USERS[user_id]` is then
the load of one record, and the record's keys are its fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary

_USER_STORE_FIELDS = frozenset({"password", "password_hash", "hashed_password", "username"})


@dataclass(frozen=True, slots=True)
class Store:
    """A module-level dict whose values are dict literals."""

    name: str
    fields: tuple[str, ...]

    @property
    def holds_users(self) -> bool:
        """Records that are accounts (they have a password or a username)."""
        return bool(_USER_STORE_FIELDS & set(self.fields))


def record_store(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> Store | None:
    """The store an expression names (`USERS`, `db.USERS`), if it is a dict of record literals."""
    if expr.kind not in ("name", "attr"):
        return None
    symbol = index.resolve(mod, expr)
    if symbol is None or symbol.value is None or symbol.value.kind != "dict":
        return None
    fields: list[str] = []
    for value in symbol.value.args[1::2]:
        if value.kind != "dict":
            return None
        fields += [k.text for k in value.args[::2] if k.kind == "str" and k.text not in fields]
    return Store(expr.render(40), tuple(fields)) if fields else None


def store_lookup(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> Store | None:
    """The store a single-record lookup reads: `STORE[key]`, `STORE.get(key)`, and `.copy()` of those."""
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "copy" and not expr.positional:
        return store_lookup(index, mod, expr.func.args[0])
    if expr.kind == "subscript" and len(expr.args) == 2:
        return record_store(index, mod, expr.args[0])
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "get" and expr.positional:
        return record_store(index, mod, expr.func.args[0])
    return None


__all__ = ["Store", "record_store", "store_lookup"]
