"""Which roles a route's role check admits: a gate that lets every ordinary account through
(`RoleChecker([Role.CUSTOMER])`, `@roles_required("user")`) tells customers from staff, not one
customer from another, so it restricts neither whose objects a caller reaches nor what they may do
beyond what any user may."""

from __future__ import annotations

import re
from collections.abc import Iterable

from apilint.model import Evidence

ORDINARY_ROLES = frozenset({
    "customer", "customers", "user", "users", "client", "clients", "buyer", "buyers",
    "shopper", "shoppers", "basic", "regular", "default", "standard", "authenticated", "consumer", "consumers",
})
"""Role names every signed-up account holds."""


def admitted_roles(evidence: Evidence) -> frozenset[str] | None:
    """The role names a role check admits, lower-case, when the code names them (the adapters read
    them from the check: `RoleChecker([Role.CUSTOMER])`, `roles_required("user")`,
    `user.role != Role.CUSTOMER`); else None."""
    return frozenset(evidence.roles) or None


_QUALIFIERS = frozenset({"end", "normal", "registered", "plain", "free", "app", "site"})
"""Words that qualify an ordinary role without raising it (`BASIC_USER`, `END_USER`, `registered-user`)."""


def _ordinary(role: str) -> bool:
    parts = [p for p in re.split(r"[_\-\s]+", role) if p]
    return role in ORDINARY_ROLES or (bool(parts) and any(p in ORDINARY_ROLES for p in parts) and
                                      all(p in ORDINARY_ROLES or p in _QUALIFIERS for p in parts))


def ordinary_gate(evidence: Evidence) -> bool:
    """True for a role check that admits only the roles every account holds."""
    if evidence.kind != "role":
        return False
    roles = admitted_roles(evidence)
    return roles is not None and all(_ordinary(r) for r in roles)


def restricting(authz: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """The authorization evidence that restricts who may call: all but ordinary-role gates."""
    return tuple(e for e in authz if not ordinary_gate(e))
