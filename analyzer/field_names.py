"""Field names that matter for exposure and mass assignment: sensitive ones (secrets never fit for a
response, credentials returned only when issued) and privileged ones (fields only the server or an
administrator should set), and account-like class names they are judged against."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from apilint.lazy_regex import lazy_compile

_SECRET_RE: Final = lazy_compile(
    r"^(hashed_|encrypted_|plain_|raw_|current_|old_)?(password|passwd|pwd|pass_hash|passhash)(_hash|_hashed|_digest)?$"
    r"|^password_(hash|salt|digest)$|^(ssn|social_security(_number|_no)?|sin_number|national_id(_number|_no)?|"
    r"national_insurance_number|passport(_number|_no)|tax_payer_id|aadhaar(_number)?)$"
    r"|^(credit_?card(_?(number|num|no))?|card_?(number|num|no)|cc_?(number|num|no)|ccn|cvv2?|cvc2?|card_(cvv|cvc)|"
    r"card_security_code|bank_account_number|account_pin|card_pin)$"
    r"|^(otp|otp_code|otp_secret|totp_secret|mfa_secret|two_factor_secret|security_answer)$",
    re.IGNORECASE,
)
_CREDENTIAL_RE: Final = lazy_compile(
    r"^(token|access_token|refresh_token|auth_token|api_key|apikey|api_secret|secret|secret_key|client_secret|"
    r"private_key|reset_token|password_reset_token|verification_token|session_token|session_key|"
    r"[a-z_]*_secret|[a-z_]*_api_key|[a-z_]*_token|[a-z_]*_credentials)$",
    re.IGNORECASE,
)
_PRIVILEGED: Final = frozenset({
    "is_admin", "admin", "is_superuser", "superuser", "is_superadmin", "is_staff", "staff", "is_moderator",
    "role", "roles", "user_role", "permissions", "user_permissions", "groups", "scopes", "balance",
    "account_balance", "credits", "owner_id", "owner", "verified", "is_verified", "email_verified",
})


def sensitive_kind(name: str, extra: Iterable[str] = ()) -> str | None:
    """`secret` for names never fit for a response (password hashes, SSNs, card numbers, OTP
    secrets and configured names), `credential` for tokens and keys that are legitimately
    returned when issued, None otherwise."""
    if name in extra:
        return "secret"
    name = _snake(name)
    if _SECRET_RE.match(name):
        return "secret"
    if _CREDENTIAL_RE.match(name) and not name.endswith(("_type", "_expires")):
        return "credential"
    return None


def _snake(name: str) -> str:
    """`passwordHash`, `cardNumber`, `CC-Number` -> `password_hash`, `card_number`, `cc_number` (JSON keys)."""
    if name.isidentifier() and (name.islower() or name.isupper()):
        return name
    return _CAMEL.sub(r"\1_\2", name).replace("-", "_").replace(" ", "_").lower()


_CAMEL: Final = lazy_compile(r"([a-z0-9])([A-Z])")
_ACCOUNT_SCOPED: Final = frozenset({
    "admin", "staff", "role", "roles", "user_role", "permissions", "user_permissions", "groups", "scopes",
    "verified", "is_verified", "email_verified", "credits",
})
"""Privileged only on accounts: a device's `role` or a rack's `groups` are ordinary data."""
_ACCOUNT_RE: Final = lazy_compile(
    r"^(\w*(User|Account|Member|Membership|Customer|Person|Staff|Employee|Admin|Principal|Identity|Operator|"
    r"Subscriber|Player|Student|Teacher|Seller|Buyer|Patient)s?|(User|Member|Customer|Account)?Profile)"
    r"(Create|Update|In|Input|Base|Schema|Serializer|Form|Model|Request|Payload|Data|Write|Patch)*$")


_CONNECTION_FIELDS: Final = frozenset({"host", "hostname", "port", "dsn", "server_url", "endpoint_url"})
"""Fields of a saved connection to another system: its `password` logs in there, it is no account here."""


def is_account_like(name: str | None, fields: Iterable[str] = ()) -> bool:
    """True for classes that describe a person or account (by name, or by a password field on a
    class that is not a saved connection: a `Server` with `host`, `port`, `username`, `password`
    and `role` holds a database login, and its `role` grants nothing in this application)."""
    if name is None:
        return True  # unknown target: keep the cautious reading
    short = name.rsplit(".", 1)[-1]
    if _ACCOUNT_RE.search(short):
        return True
    names = [f.lower() for f in fields]
    if any(f in _CONNECTION_FIELDS for f in names):
        return False
    return any(_SECRET_RE.match(f) for f in names)


def is_privileged(name: str, extra: Iterable[str] = (), owner: str | None = None,
                  owner_fields: Iterable[str] = ()) -> bool:
    """True for fields only the server or an administrator should set (`is_admin`, `role`).

    `owner` is the class the field belongs to, when known: role-like names count only on
    account-like classes.
    """
    lowered = name.lower()
    if name in extra:
        return True
    if lowered not in _PRIVILEGED:
        return False
    return lowered not in _ACCOUNT_SCOPED or is_account_like(owner, owner_fields)


__all__ = ["is_account_like", "is_privileged", "sensitive_kind"]
