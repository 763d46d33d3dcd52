"""django-rules permissions: which predicate decides a permission name, found without running code.

Permissions come from `rules.add_perm("app.action_model", predicate)` calls and from models'
`Meta.rules_permissions = {"action": predicate}` (named `<app label>.<action>_<model>`, as
`rules.contrib.models.RulesModelMixin` names them). The anonymous reader
(`apilint.frameworks.anonymous`) evaluates the predicate for an anonymous user, so a permission
only logged-in members hold turns anonymous callers away while one a public predicate grants
(`is_agenda_visible`) leaves the route's status to what cannot be read.
"""

from __future__ import annotations

import weakref
from typing import Final

from apilint.project import ProjectIndex
from apilint.summary import ClassDef, Expr, ModuleSummary, walk_stmts

RULES_BACKEND: Final = "rules.permissions.ObjectPermissionBackend"
BUILTIN_PREDICATES: Final[dict[str, bool]] = {
    # django-rules' own predicates, for an anonymous user
    "is_authenticated": False, "is_superuser": False, "is_staff": False, "is_active": False,
    "always_allow": True, "always_true": True, "always_deny": False, "always_false": False,
}


def rule_for(index: ProjectIndex, permission: str) -> tuple[Expr, ModuleSummary] | None:
    """The predicate expression django-rules checks for `permission`, with the module it is written in."""
    table = _TABLES.get(index)
    if table is None:
        table = _collect(index)
        _TABLES[index] = table
    return table.get(permission)


def _collect(index: ProjectIndex) -> dict[str, tuple[Expr, ModuleSummary]]:
    table: dict[str, tuple[Expr, ModuleSummary]] = {}
    for mod in index:
        if not mod.mentions("rules") and not mod.mentions("rules_permissions"):
            continue
        for stmt in walk_stmts(mod.body, into_defs=True):
            if stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "call":
                call = stmt.value
                name = (call.func.dotted or "").rsplit(".", 1)[-1]
                first = call.arg(0, "name")
                if name == "add_perm" and first is not None and first.kind == "str" and len(call.positional) >= 2:
                    table[first.text] = (call.positional[1], mod)
            if stmt.cls is not None:
                _model_rules(mod, stmt.cls, table)
    return table


def _model_rules(mod: ModuleSummary, cls: ClassDef, table: dict[str, tuple[Expr, ModuleSummary]]) -> None:
    for stmt in cls.body:
        if stmt.cls is None or stmt.cls.name != "Meta":
            continue
        rules = stmt.cls.attribute("rules_permissions")
        if rules is None or rules.kind != "dict":
            continue
        label = _app_label(mod.module)
        for key, value in zip(rules.args[::2], rules.args[1::2], strict=False):
            if key.kind == "str":
                table[f"{label}.{key.text}_{cls.name.lower()}"] = (value, mod)


def _app_label(module: str) -> str:
    """Django's default app label: the package that holds `models` (`shop.orders.models.order` -> `orders`)."""
    parts = module.split(".")
    if "models" in parts[1:]:
        return parts[parts.index("models", 1) - 1]
    return parts[-2] if len(parts) > 1 else parts[0]


_TABLES: weakref.WeakKeyDictionary[ProjectIndex, dict[str, tuple[Expr, ModuleSummary]]] = \
    weakref.WeakKeyDictionary()


__all__ = ["BUILTIN_PREDICATES", "RULES_BACKEND", "rule_for"]
