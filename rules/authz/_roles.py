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

_GIVEN = re.compile(r"; given \w[\w.]*\((?P<args>.*)\)$")
_CALL = re.compile(r"^\w[\w.]*\((?P<args>.*)\)$")
_COMPARED = re.compile(r"\brole\w*\s*(?:==|!=|not in|in)\s*(?P<args>.+)$", re.IGNORECASE)
_STRING = re.compile(r"""["']([\w-]+)["']""")
_NAME = re.compile(r"\b[A-Za-z_][\w.]*")
_NOT_ROLES = frozenset({"value", "name", "self", "true", "false", "none", "list", "set", "tuple"})


def admitted_roles(evidence: Evidence) -> frozenset[str] | None:
    """The role names a role check admits, lower-case, when its detail names them: the call that
    built the checker (`...; given RoleChecker([Role.CUSTOMER])`), a decorator call
    (`roles_required("user")`) or a comparison (`user.role != Role.CUSTOMER`); else None."""
    detail = evidence.detail.strip()
    match = _GIVEN.search(detail) or _CALL.match(detail) or _COMPARED.search(detail)
    if match is None:
        return None
    args = match.group("args")
    roles = {s.lower() for s in _STRING.findall(args)}
    bare = _STRING.sub(" ", args)
    for name in _NAME.findall(bare):
        parts = [p for p in name.split(".") if p.lower() not in _NOT_ROLES]
        if parts and (len(parts) > 1 or parts[0].isupper()):
            roles.add(parts[-1].lower())  # `Role.CUSTOMER`, `CUSTOMER`: the member names the role
    return frozenset(roles) or None


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
