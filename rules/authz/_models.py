"""What apilint can read of the model a handler loads: its name, whether it has an owner field
(its own, its project bases', or through a parent row), whether it is the user model, whether it
looks like content others may read, its public/private flags, and whether the class is a plain
service class rather than an ORM/ODM model."""

from __future__ import annotations

from apilint.project import ProjectIndex, Symbol
from apilint.rules.authz._names import (
    is_framework_model,
    is_owner_field,
    is_user_model,
    looks_public,
    visibility_flags,
)
from apilint.summary import Expr, ModuleSummary

_PLAIN_BASES = frozenset({"object", "ABC", "Generic", "Protocol"})
_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "relationship", "ReferenceField", "ForeignKeyField",
                        "Link"})


class ModelReader:
    """Reads loaded models' classes through the project index."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def plain_class(self, symbol: Symbol | None, depth: int = 0) -> bool:
        """True for a project class with no data-model base anywhere up its project bases (no base,
        `object`, `ABC`, `Generic[...]`) and no mapping decorator: a service or in-memory registry,
        not an ORM/ODM model."""
        if symbol is None or symbol.cls is None or symbol.cls.keywords or depth > 8:
            return False
        for dec in symbol.cls.decorators:  # `@registry.mapped` maps a class with no base
            target = dec.expr.func if dec.expr.kind == "call" else dec.expr
            if (target.dotted or "").rsplit(".", 1)[-1] not in ("dataclass", "total_ordering"):
                return False
        for base in symbol.cls.bases:
            expr = base.args[0] if base.kind == "subscript" and base.args else base
            if (expr.dotted or "").rsplit(".", 1)[-1] in _PLAIN_BASES:
                continue
            if not self.plain_class(self.index.resolve(symbol.module, expr), depth + 1):
                return False
        return True

    def info(self, mod: ModuleSummary, model: Expr | None) -> tuple[str | None, bool | None, bool, bool]:
        """(name, has an owner field, is a user model, looks like public content)."""
        if model is None:
            return None, None, False, False
        short = (model.dotted or model.render(30)).rsplit(".", 1)[-1]
        if is_user_model(short):
            return short, None, True, False
        symbol = self.index.resolve(mod, model)
        if symbol is None or symbol.cls is None:
            return short, (False if is_framework_model(self.index.qualify_expr(mod, model)) else None), False, False
        fields = list(symbol.cls.field_names())
        bases = self.index.base_names(symbol)
        if any(is_user_model(b.rsplit(".", 1)[-1]) or b.endswith(("AbstractUser", "AbstractBaseUser")) for b in bases):
            return short, None, True, False
        for base in bases:
            parent = self.index.lookup(base)
            if parent is not None and parent.cls is not None:
                fields += parent.cls.field_names()
        owned: bool | None = any(is_owner_field(f) for f in fields)
        if not owned and self._owned_parent(symbol):
            owned = None  # owned through a parent row (`ServiceRequest.vehicle` -> `Vehicle.owner`): likely
        return short, owned, False, looks_public(fields)

    def owner_fields(self, mod: ModuleSummary, model: Expr | None) -> tuple[str, ...]:
        """The model's own owner-like fields (`user`, `owner_id`), if its class can be read."""
        symbol = self.index.resolve(mod, model) if model is not None else None
        if symbol is None or symbol.cls is None:
            return ()
        return tuple(f for f in symbol.cls.field_names() if is_owner_field(f))

    def flags(self, mod: ModuleSummary, model: Expr | None) -> frozenset[str]:
        """The public/private flag fields of the model (its own and its project bases')."""
        symbol = self.index.resolve(mod, model) if model is not None and model.kind in ("name", "attr") else None
        if symbol is None or symbol.cls is None:
            return frozenset()
        return visibility_flags([f for cls in self.index.class_chain(symbol) if cls.cls is not None
                                 for f in cls.cls.field_names()])

    def _owned_parent(self, symbol: Symbol) -> bool:
        """True when a foreign key of the model points at a project model with an owner field."""
        assert symbol.cls is not None
        for name in symbol.cls.field_names():
            value = symbol.cls.attribute(name)
            if value is None or value.kind != "call" or not value.positional:
                continue
            if (value.func.dotted or "").rsplit(".", 1)[-1] not in _RELATIONS:
                continue
            target = value.positional[0]
            parent = self.index.resolve(symbol.module, target) if target.kind in ("name", "attr") else \
                self.index.lookup(f"{symbol.module.module}.{target.text}") if target.kind == "str" else None
            if parent is not None and parent.cls is not None and parent.cls is not symbol.cls and \
                    any(is_owner_field(f) for f in parent.cls.field_names()):
                return True
        return False
