"""EXPO003: a serializer or schema that takes every field of a model."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from apilint.class_facts import MARSHMALLOW, ORM, SCHEMA, SERIALIZER, ClassInfo, model_facts
from apilint.model import Location
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.expo._helpers import model_secrets
from apilint.summary import Expr, ModuleSummary, Stmt

GENERATORS = frozenset({"pydantic_model_creator", "pydantic_queryset_creator", "sqlalchemy_to_pydantic",
                        "sqlmodel_to_pydantic", "model_to_pydantic", "create_schema"})
"""Functions that build a Pydantic model from an ORM class."""
_SELECTING = frozenset({"exclude", "include", "fields", "exclude_fields", "include_fields", "exclude_readonly"})


class AllFieldsSerializer(Rule):
    """
    ## What it finds
    Serializers and schemas whose fields are "whatever the model has":

    - DRF `ModelSerializer` with `fields = "__all__"` or only `exclude`;
    - Marshmallow `SQLAlchemyAutoSchema` / `ModelSchema` without `Meta.fields` or `exclude`;
    - Ninja `ModelSchema` with `fields = "__all__"`;
    - Pydantic models generated wholesale from an ORM class: `pydantic_model_creator(User)`
      (Tortoise), `sqlalchemy_to_pydantic(User)`, `create_schema(User)` without `exclude` /
      `include` / `fields`.

    Anchor: the `fields = "__all__"` (or `exclude = ...`) line, the class line of an auto
    schema, or the line of the generating call. Severity and confidence are high when the
    model has a sensitive field the serializer does not hide (`write_only`, `extra_kwargs`,
    a `to_representation` that pops it); otherwise the finding is low severity and low
    confidence: nothing leaks today, but every column added later will. Foreign keys are not
    values (`secret = ForeignKey(Secret)`), and a credential on a shared, non-account model
    (a webhook's signing `secret`, a project's invite `token`) is reported at low confidence.

    ## Why it matters
    The API's contract silently follows the table: a column added for internal use (a password
    hash, an admin flag, a reset token) is published, and writable on input, the day it is
    added (CWE-213, OWASP API3:2023 Broken Object Property Level Authorization).

    ## Options
    - `exposure.sensitive-fields`: extra field names that raise the severity.

    ## Known limitations
    Tortoise `PydanticMeta` include/exclude lists on the model are honoured; other ways of
    restricting a generated schema after the fact are not seen.

    ## References
    - https://cwe.mitre.org/data/definitions/213.html
    - https://www.django-rest-framework.org/api-guide/serializers/#specifying-which-fields-to-include
    """

    code = "EXPO003"
    name = "all-fields-serializer"
    summary = "Serializer or schema exposes every field of its model"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"drf", "django", "flask", "fastapi", "ninja"})
    cwe = (213,)
    owasp = ("API3:2023",)
    options = ("exposure.sensitive-fields",)

    bad = Example("""
        from django.db import models
        from rest_framework import serializers

        class Invoice(models.Model):
            number = models.CharField(max_length=20)
            total = models.DecimalField(max_digits=10, decimal_places=2)

        class InvoiceSerializer(serializers.ModelSerializer):
            class Meta:
                model = Invoice
                fields = "__all__"  # expect: EXPO003
    """)

    good = Example("""
        from django.db import models
        from rest_framework import serializers

        class Invoice(models.Model):
            number = models.CharField(max_length=20)
            total = models.DecimalField(max_digits=10, decimal_places=2)

        class InvoiceSerializer(serializers.ModelSerializer):
            class Meta:
                model = Invoice
                fields = ["id", "number", "total"]
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report all-fields serializers, auto schemas and generated schemas."""
        facts = model_facts(ctx.index)
        for info in sorted(facts.classes.values(), key=lambda i: (i.module.path, i.cls.line)):
            line = self._all_fields_line(info)
            if line:
                model = info.model.rsplit(".", 1)[-1] if info.model else "its model"
                shown = tuple(f for f in facts.model_fields(info.model) if f not in info.hidden)
                yield self._report(ctx, Location(info.module.path, line), shown,
                                   f"{info.short} serializes every field of {model}", info.qualname, info.model)
        for mod in ctx.index:
            for line, call in ctx.per_module(f"{self.code}:generators", mod, "", partial(_generator_calls, mod)):
                target = facts.resolve(mod, call.positional[0]) if call.positional else None
                if target is None or target.kind != ORM or _restricted_by_meta(target):
                    continue
                yield self._report(ctx, Location(mod.path, line), target.fields,
                                   f"{call.func.render(40)}({target.short}) builds a schema of every field",
                                   f"{mod.module}:{line}", target.qualname)

    def _all_fields_line(self, info: ClassInfo) -> int:
        if info.kind == SERIALIZER and info.model is not None:
            if info.meta_fields == ("__all__",):
                return info.meta_fields_line
            if info.meta_fields is None and info.meta_exclude is not None:
                return info.meta_exclude_line
        if info.kind == SCHEMA and info.auto and info.meta_fields == ("__all__",):
            return info.meta_fields_line
        if info.kind == MARSHMALLOW and info.auto and info.model is not None:
            if info.meta_fields is None and info.meta_exclude is None:
                return info.cls.line
        return 0

    def _report(self, ctx: RuleContext, where: Location, fields: tuple[str, ...], what: str,
                symbol: str, model: str | None = None) -> Finding:
        secrets, confidence = model_secrets(ctx, model_facts(ctx.index), model, fields, wholesale=True)
        extra = f", including {', '.join(secrets[:3])}" if secrets else (
            "; no field is sensitive today, but every column added later will be exposed too")
        # Without a sensitive field this is a hygiene problem, not a leak: keep it quiet.
        return self.finding(where, f"{what}{extra}",
                            "List the public fields explicitly (`fields = [...]`, `include=`)",
                            severity=Severity.HIGH if secrets else Severity.LOW,
                            confidence=confidence if secrets else Confidence.LOW, symbol=symbol)


def _generator_calls(mod: ModuleSummary) -> tuple[tuple[int, Expr], ...]:
    """(line, call) of the module's top-level schema generator calls that select no fields."""
    out: list[tuple[int, Expr]] = []
    for stmt in mod.top_level():
        call = _generator_call(stmt)
        if call is not None and not any(kw.name in _SELECTING for kw in call.keywords):
            out.append((stmt.line, call))
    return tuple(out)


def _generator_call(stmt: Stmt) -> Expr | None:
    if stmt.kind not in ("assign", "annassign", "expr") or stmt.value is None:
        return None
    value = stmt.value
    if value.kind == "call" and (value.func.dotted or "").rsplit(".", 1)[-1] in GENERATORS:
        return value
    return None


def _restricted_by_meta(info: ClassInfo) -> bool:
    for stmt in info.cls.body:
        if stmt.cls is not None and stmt.cls.name == "PydanticMeta":
            return any(stmt.cls.attribute(k) is not None for k in ("include", "exclude"))
    return False
