"""Helpers shared by the AUTH rules: which routes are public by design."""

from __future__ import annotations

import fnmatch
import re

from apilint.config import Config
from apilint.model import AuthStatus, Route, RouteMap

_AUTH_FLOW_SEGMENTS = re.compile(
    r"(^|[/_.-])(login|log-in|signin|sign-in|logout|signup|sign-up|register|registration|token|tokens|refresh|"
    r"oauth2?|callback|authorize|sso|saml|verify-email|verify_email|confirm|activate|activation|"
    r"password-reset|password_reset|reset-password|reset_password|forgot-password|forgot_password|"
    r"recover|recovery|magic-link|otp|webhooks?|csrf)($|[/_.-])",
    re.IGNORECASE,
)
"""Authentication flows: public whatever the method."""
_READ_ONLY_SEGMENTS = re.compile(
    r"(^|[/_.-])(health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|ping|"
    r"status|version|docs|redoc|openapi|openapi\.json|swagger|schema|static|favicon\.ico|robots\.txt|"
    r"metrics|\.well-known|public)($|[/_.-])",
    re.IGNORECASE,
)
"""Probes, docs and static files: public when read-only."""
_PUBLIC_HANDLERS = re.compile(
    r"(login|signin|sign_in|logout|signup|sign_up|register|token|refresh|oauth|callback|authorize|"
    r"password_reset|reset_password|forgot_password|recover|verify_email|confirm_email|activate|"
    r"health|healthz|healthcheck|readiness|liveness|ping|openapi|swagger|docs|redoc|webhook|csrf)",
    re.IGNORECASE,
)


def is_public_by_design(route: Route, config: Config) -> bool:
    """Login, token, register, password reset, health, docs, static and configured public paths."""
    for pattern in config.auth_public_paths:
        if fnmatch.fnmatchcase(route.path, pattern) or fnmatch.fnmatchcase(route.raw_path, pattern):
            return True
    static_path = re.sub(r"\{[^}]*\}", "", route.path)
    if static_path.strip("/") == "" and route.method in ("GET", "HEAD", "ANY"):
        return True  # the site root
    if _AUTH_FLOW_SEGMENTS.search(static_path):
        return True
    if route.method in ("GET", "HEAD", "OPTIONS") and _READ_ONLY_SEGMENTS.search(static_path):
        return True
    handler = route.handler.rsplit(".", 1)[-1]
    return bool(_PUBLIC_HANDLERS.search(handler))


def project_has_auth(routes: RouteMap) -> bool:
    """True when at least one route requires authentication (the project knows about users)."""
    return any(r.auth.status is AuthStatus.REQUIRED for r in routes)
