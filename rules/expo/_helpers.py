"""Helpers shared by the EXPO rules: sensitive-field selection and per-handler deduplication."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from apilint.class_facts import ModelFacts
from apilint.field_names import is_account_like, sensitive_kind
from apilint.model import Route
from apilint.rule import Confidence, RuleContext


def sensitive_fields(ctx: RuleContext, fields: Iterable[str], wholesale: bool) -> list[str]:
    """Sensitive names among `fields`; issued credentials (tokens, keys) count only in wholesale dumps."""
    out = []
    for name in fields:
        kind = sensitive_kind(name, ctx.config.exposure_sensitive_fields)
        if kind == "secret" or (kind == "credential" and wholesale):
            out.append(name)
    return out


def model_secrets(ctx: RuleContext, facts: ModelFacts, model: str | None, fields: Iterable[str],
                  wholesale: bool) -> tuple[list[str], Confidence | None]:
    """Sensitive fields a serializer of `model` outputs, and the confidence to report them with.

    A foreign key named `secret` is a link to another row, not a value. A credential (a token,
    a signing secret) on a shared object such as a project, webhook or organization is shown to
    whoever may manage that object by design, unlike one on an account: low confidence.
    """
    relations = facts.relation_fields(model)
    secrets = sensitive_fields(ctx, [f for f in fields if f not in relations], wholesale)
    if not secrets:
        return secrets, None
    only_credentials = all(sensitive_kind(f, ctx.config.exposure_sensitive_fields) == "credential" for f in secrets)
    if only_credentials and not is_account_like(model or "", facts.model_fields(model)):
        return secrets, Confidence.LOW
    return secrets, None


def routes_by_handler(ctx: RuleContext) -> Iterator[tuple[Route, str]]:
    """Each handler once (a Flask view serving GET and POST is one function), with its methods."""
    seen: dict[tuple[str, int], list[Route]] = {}
    for route in ctx.routes:
        seen.setdefault((route.location.file, route.location.line), []).append(route)
    for routes in seen.values():
        methods = ", ".join(sorted({r.method for r in routes}))
        yield routes[0], methods
