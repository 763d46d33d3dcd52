"""INPUT002: a mutating endpoint takes its body as a bare dict or stores raw request JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.class_facts import ModelFacts, model_facts
from apilint.lazy_regex import lazy_compile
from apilint.model import Location
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.input._body import dict_body_params, document_writes, validated_names
from apilint.rules.mass._sources import RequestData

_WEBHOOK = lazy_compile(r"hook|callback|event|notify|notification", re.IGNORECASE)
_FREE_FORM = lazy_compile(r"^(labels?|tags|metadata|meta|extra|extras|attributes|attrs|properties|props|settings|"
                        r"config|configuration|variables|vars|context|parameters|params|headers|annotations|"
                        r"options|preferences|prefs|overrides|values|json_schema|schema|custom_fields)$")


class UnvalidatedRequestBody(Rule):
    """
    ## What it finds
    Mutating routes (POST, PUT, PATCH, DELETE) whose request body no schema checks:

    - a FastAPI or Ninja body parameter typed as a bare `dict`, `Dict[str, Any]`, `Mapping`,
      `list[dict]`, or `Any` with `Body(...)`, that the handler never passes to a schema
      (`Item(**payload)`, `Item.model_validate(payload)`, a Marshmallow `load`) — reported on
      the `def` line at low confidence, since nothing shows where the values go (proxies and
      pass-through endpoints take bare bodies by design), and at low severity on webhook-style
      paths, which receive third-party payloads, and for parameters whose name says they are
      free-form maps: `labels`, `metadata`, `settings`, `variables`...;
    - raw request data (`request.json`, `request.get_json()`, `await request.json()`,
      `request.data`, a `dict` body) written whole into an ORM model (`Item(**data)`,
      `Item.objects.create(**data)`, `obj.update(data)`) or a document collection
      (`collection.insert_one(data)`, `{"$set": data}`) — reported on the writing line.

    When the model has privileged fields the data can set, MASS001 reports the write instead
    (mass assignment); this rule then stays silent for that handler, so one line carries one
    finding.

    ## Why it matters
    Unvalidated bodies store whatever the client sends: wrong types, unknown keys, huge
    strings and nested objects. That corrupts data, crashes handlers with 500s that leak
    details, and opens the door to injection in whatever reads the values later (CWE-20
    Improper Input Validation, CWE-1287 Improper Validation of Specified Type of Input,
    OWASP API8:2023 Security Misconfiguration, API3:2023 Broken Object Property Level
    Authorization).

    ## Options
    None.

    ## Known limitations
    Validation done by hand (`if "name" not in data: abort(400)`) is not recognised as a
    schema. Writes inside helper functions the handler calls are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/20.html
    - https://fastapi.tiangolo.com/tutorial/body/
    - https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html
    """

    code = "INPUT002"
    name = "unvalidated-request-body"
    summary = "Mutating endpoint accepts a request body no schema validates"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (20, 1287)
    owasp = ("API8:2023", "API3:2023")

    bad = Example("""
        from typing import Any

        from fastapi import Depends, FastAPI

        from app.auth import current_user

        app = FastAPI()
        SETTINGS: dict[str, Any] = {}


        @app.put("/preferences", dependencies=[Depends(current_user)])
        def update_preferences(payload: dict[str, Any]) -> dict[str, str]:  # expect: INPUT002
            SETTINGS.update(payload)
            return {"status": "saved"}
    """, files=(("app/__init__.py", ""), ("app/auth.py", '''
        from fastapi import Header, HTTPException


        def current_user(authorization: str = Header(...)) -> str:
            if not authorization:
                raise HTTPException(status_code=401)
            return authorization
    ''')))

    good = Example("""
        from typing import Any

        from fastapi import Depends, FastAPI
        from pydantic import BaseModel, Field

        from app.auth import current_user

        app = FastAPI()
        SETTINGS: dict[str, Any] = {}


        class Preferences(BaseModel):
            theme: str = Field(max_length=20)
            language: str = Field(max_length=8)


        @app.put("/preferences", dependencies=[Depends(current_user)])
        def update_preferences(payload: Preferences) -> dict[str, str]:
            SETTINGS.update(payload.model_dump())
            return {"status": "saved"}
    """, files=(("app/__init__.py", ""), ("app/auth.py", '''
        from fastapi import Header, HTTPException


        def current_user(authorization: str = Header(...)) -> str:
            if not authorization:
                raise HTTPException(status_code=401)
            return authorization
    ''')))

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Read each mutating route's handler once."""
        facts: ModelFacts | None = None
        extra = ctx.config.mass_privileged_fields
        seen: set[tuple[str, int]] = set()
        for route in ctx.routes:
            if not route.is_unsafe:
                continue
            func, mod = ctx.handler(route), ctx.module_of(route)
            if func is None or mod is None or (mod.path, func.line) in seen:
                continue
            seen.add((mod.path, func.line))
            if facts is None:
                facts = model_facts(ctx.index)
            data = RequestData(facts, mod, func)
            symbol = f"{mod.module}.{func.qualname}"
            role_checked = any(e.kind in ("role", "scopes") for e in route.authz)
            written: set[str] = set()
            findings: list[Finding] = []
            mass = False
            for stmt, source, model, how in data.sinks():
                if source.schema is not None:
                    continue
                if not role_checked and source.privileged(facts, model, extra):
                    mass = True  # MASS001's finding: the write is mass assignment
                    break
                written |= _roots(source.what)
                name = model.short if model is not None else "a model"
                findings.append(self.finding(
                    Location(mod.path, stmt.line),
                    f"{route.display}: {source.what} is written into {name} through {how} without a schema: "
                    "any key and any type the client sends is stored",
                    "Declare an input schema (a Pydantic model, a serializer, a Marshmallow schema) and "
                    "write only its validated fields", route=route, symbol=symbol))
            if mass:
                continue
            for stmt, what, how in document_writes(data):
                written |= _roots(what)
                findings.append(self.finding(
                    Location(mod.path, stmt.line),
                    f"{route.display}: {what} is stored through {how} without a schema: any key and any "
                    "type the client sends is stored",
                    "Validate the body with a schema first and store only its fields", route=route,
                    symbol=symbol))
            yield from findings
            if route.framework not in ("fastapi", "ninja"):
                continue
            validated = validated_names(facts, mod, func)
            for param in dict_body_params(ctx.index, mod, func, route.path_params):
                if param in written or param in validated:
                    continue
                note = ""
                if _WEBHOOK.search(route.path):
                    note = " (a webhook payload?)"
                elif _FREE_FORM.match(param):
                    note = " (free-form by design?)"
                yield self.finding(
                    route, f"{route.display} takes its body `{param}` as a bare dict: nothing checks its "
                    f"keys, types or sizes{note}",
                    f"Type `{param}` with a Pydantic model that lists the accepted fields",
                    confidence=Confidence.LOW, symbol=symbol,
                    severity=Severity.LOW if note else None)


def _roots(what: str) -> set[str]:
    """Body parameter names a source description mentions (`body payload: dict` -> payload)."""
    return {w for w in re.findall(r"[A-Za-z_]\w*", what)}


__all__ = ["UnvalidatedRequestBody"]
