"""The 12 steps of the API security checklist, cell statuses, and which rule speaks for which step.

Every rule code maps to exactly one step: by a per-code override first, else by its family.
New codes of an existing family land on the family's step without a change here.
"""

from __future__ import annotations

import enum
import functools
from typing import Final


class Step(enum.Enum):
    """One step of the checklist; the value is its JSON key."""

    AUTHENTICATION = "authentication"
    AUTHORIZATION = "authorization"
    INPUT_VALIDATION = "input_validation"
    HTTPS = "https"
    RATE_LIMITING = "rate_limiting"
    ERROR_HANDLING = "error_handling"
    CONTENT_TYPE = "content_type"
    CORS = "cors"
    REQUEST_SIZE = "request_size"
    VERSIONING = "versioning"
    SECURITY_LOGGING = "security_logging"
    IDEMPOTENCY = "idempotency"

    @property
    def number(self) -> int:
        """1-based position in the checklist."""
        return STEPS.index(self) + 1

    @property
    def label(self) -> str:
        """Human title, e.g. `Input validation`."""
        return LABELS[self]


STEPS: Final = tuple(Step)
"""The steps in checklist order."""

LABELS: Final = {
    Step.AUTHENTICATION: "Authentication",
    Step.AUTHORIZATION: "Authorization",
    Step.INPUT_VALIDATION: "Input validation",
    Step.HTTPS: "HTTPS",
    Step.RATE_LIMITING: "Rate limiting",
    Step.ERROR_HANDLING: "Generic error messages",
    Step.CONTENT_TYPE: "Content-Type validation",
    Step.CORS: "Strict CORS",
    Step.REQUEST_SIZE: "Request size limits",
    Step.VERSIONING: "Versioning",
    Step.SECURITY_LOGGING: "Security logging",
    Step.IDEMPOTENCY: "Idempotency",
}

APP_LEVEL: Final = frozenset({Step.HTTPS, Step.CORS})
"""Steps decided once per application and shown on each of its routes. Rate limiting, request
size, error handling and security logging have app-level defaults a route can add to."""

CRITICAL: Final = (Step.AUTHENTICATION, Step.AUTHORIZATION, Step.INPUT_VALIDATION)
"""Steps whose failure puts data at risk directly: routes failing them sort first."""


class Status(enum.Enum):
    """A cell's verdict."""

    MET = "met"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NA = "n/a"


FAMILY_STEP: Final = {
    "AUTH": Step.AUTHENTICATION,
    "JWT": Step.AUTHENTICATION,
    "SECRET": Step.AUTHENTICATION,
    "AUTHZ": Step.AUTHORIZATION,
    "EXPO": Step.AUTHORIZATION,
    "MASS": Step.AUTHORIZATION,
    "GQL": Step.AUTHORIZATION,
    "INJ": Step.INPUT_VALIDATION,
    "INPUT": Step.INPUT_VALIDATION,
    "TLS": Step.HTTPS,
    "LIMIT": Step.RATE_LIMITING,
    "ERR": Step.ERROR_HANDLING,
    "CORS": Step.CORS,
    "VER": Step.VERSIONING,
    "LOG": Step.SECURITY_LOGGING,
    "IDEM": Step.IDEMPOTENCY,
}
"""Where a family's codes go unless `CODE_STEP` says otherwise (PARSE maps to no step)."""

CODE_STEP: Final = {
    "INPUT001": Step.CONTENT_TYPE,
    "LIMIT002": Step.REQUEST_SIZE,
    "LIMIT003": Step.REQUEST_SIZE,
    "GQL001": Step.ERROR_HANDLING,
    "GQL002": Step.REQUEST_SIZE,
    "GQL003": Step.AUTHENTICATION,
}
"""Per-code exceptions to the family mapping."""


def family_of(code: str) -> str:
    """`AUTHZ` for `AUTHZ001`."""
    return code.rstrip("0123456789")


@functools.cache
def step_of(code: str) -> Step | None:
    """The step a rule code speaks for; None for codes outside the checklist (PARSE001)."""
    return CODE_STEP.get(code) or FAMILY_STEP.get(family_of(code))


__all__ = ["APP_LEVEL", "CODE_STEP", "CRITICAL", "FAMILY_STEP", "LABELS", "STEPS", "Status", "Step",
           "family_of", "step_of"]
