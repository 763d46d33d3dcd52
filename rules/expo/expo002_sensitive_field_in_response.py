"""EXPO002: a password hash, secret, token or card number reaches a response."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.class_facts import SERIALIZER, ClassInfo, model_facts
from apilint.model import Location
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.expo._helpers import model_secrets, routes_by_handler, sensitive_fields
from apilint.rules.expo._shapes import route_shapes
from apilint.summary import Expr, walk_stmts


class SensitiveFieldInResponse(Rule):
    """
    ## What it finds
    Responses that carry fields such as `password`, `hashed_password`, `password_hash`, `ssn`,
    `credit_card`, `otp_secret` (and the names in `exposure.sensitive-fields`) through:

    - a FastAPI `response_model` or return-annotation schema that declares them (unless the
      field is `Field(exclude=True)` or a `SecretStr`);
    - a whole ORM model, a `to_dict()` or a Marshmallow `dump()` that includes them;
    - a dict literal the handler returns, or one a project function or model method builds
      for it (`User.dump_all()` returning `[u.debug_view() for u in ...]`); a key whose value
      is a literal list, dict or number (`"password": []` filled with the password rules)
      carries no secret, nor does one the handler has just generated (`password =
      make_random_password(16)`, `secrets.token_urlsafe(32)`: a new secret for whoever asked);
    - a record of an in-memory store (`return jsonify(USERS[user_id])`), minus the keys the
      handler deletes or pops;
    - the rows of a hand-written `SELECT` the handler runs (`cur.fetchall()`, `dict(row)`,
      `[dict(r) for r in rows]`, or the rows formatted into a message: `f"Hello, {users}"`):
      the columns as the query lists them, or for `SELECT *` as the project's own
      `CREATE TABLE` declares them (no shape without it);
    - a DRF `ModelSerializer` whose `fields` (explicit, `"__all__"` or exclude-only) include
      them without `write_only` (fields `to_representation` pops are left out).

    Tokens and keys (`token`, `access_token`, `api_key`, `client_secret`) are reported only
    when a whole model or generated serializer carries them: a login endpoint returning the
    access token it issued is fine. A DRF serializer's foreign key named like a secret
    (`secret = ForeignKey(Secret)`) is a link, not a value; a token or signing secret of a
    shared, non-account model (a webhook, a project invite link) is reported at low confidence.
    So is a serializer nothing in the project names (no import, subclass, settings string or use
    in its own module): dead code until a view picks it up.

    Anchor: the handler's `def` line for findings about a route's response; the serializer's
    `class` line for DRF serializers (they are reported once, whichever views use them).

    ## Why it matters
    A password hash can be cracked offline, a reset token or API key lets anyone act as the
    user, and card numbers and SSNs are regulated data (CWE-200 Exposure of Sensitive
    Information to an Unauthorized Actor, OWASP API3:2023 Broken Object Property Level
    Authorization).

    ## Options
    - `exposure.sensitive-fields`: extra field names that must never be returned.

    ## Known limitations
    Field names are matched by name; a secret stored under an unusual name needs
    `exposure.sensitive-fields`. Plain (non-model) DRF serializers are taken to be input
    serializers and are not reported.

    ## References
    - https://cwe.mitre.org/data/definitions/200.html
    - https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/
    """

    code = "EXPO002"
    name = "sensitive-field-in-response"
    summary = "Response includes a password hash, secret or other sensitive field"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "flask", "django", "drf", "ninja"})
    cwe = (200,)
    owasp = ("API3:2023",)
    options = ("exposure.sensitive-fields",)

    bad = Example("""
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer
        from pydantic import BaseModel

        class UserRead(BaseModel):
            id: int
            email: str
            hashed_password: str

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI()


        @app.get("/users/{user_id}", response_model=UserRead)
        def read_user(user_id: int, token: str = Depends(oauth2_scheme)):  # expect: EXPO002
            ...
    """)

    good = Example("""
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer
        from pydantic import BaseModel

        class UserRead(BaseModel):
            id: int
            email: str

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI()


        @app.get("/users/{user_id}", response_model=UserRead)
        def read_user(user_id: int, token: str = Depends(oauth2_scheme)):
            ...
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report routes and serializers whose output carries sensitive fields."""
        for route, _methods in routes_by_handler(ctx):
            for shape in route_shapes(ctx, route):
                secrets = sensitive_fields(ctx, shape.fields, shape.wholesale)
                if secrets:
                    yield self.finding(
                        route, f"{route.display} returns {', '.join(secrets[:3])} through {shape.what}",
                        "Select only the columns the client needs, never the password or secret ones, and "
                        "return them by name" if shape.what.startswith("the rows of") else
                        "Leave the field out of the response schema (or mark it write-only / excluded)",
                        confidence=shape.confidence)
                    break
        facts = model_facts(ctx.index)
        for info in sorted(facts.classes.values(), key=lambda i: (i.module.path, i.cls.line)):
            if info.kind == SERIALIZER and info.model is not None:
                yield from self._serializer(ctx, info)

    def _serializer(self, ctx: RuleContext, info: ClassInfo) -> Iterator[Finding]:
        facts = model_facts(ctx.index)
        wholesale = info.meta_fields in (None, ("__all__",))
        dropped = _representation_drops(info)
        output = [f for f in facts.output_fields(info) if f not in dropped]
        secrets, confidence = model_secrets(ctx, facts, info.model, output, wholesale)
        if not secrets:
            return
        model = (info.model or "its model").rsplit(".", 1)[-1]
        unused = ""
        if not _referenced(ctx, info):
            confidence, unused = Confidence.LOW, " (nothing in the project uses this serializer yet)"
        yield self.finding(
            Location(info.module.path, info.cls.line),
            f"Serializer {info.short} returns {', '.join(secrets[:3])} of {model}{unused}",
            "List only public fields in `Meta.fields` and make secrets `write_only` (`extra_kwargs`)",
            confidence=confidence, symbol=info.qualname)


def _referenced(ctx: RuleContext, info: ClassInfo) -> bool:
    """Whether anything but the class itself names the serializer: another module's text (an import,
    a settings string, a subclass), or an expression of its own module outside its body."""
    word = info.short.lower()
    for mod in ctx.index:
        if mod.path == info.module.path or not mod.mentions(word):
            continue
        if not any(stmt.cls is not None and stmt.cls.name == info.short for stmt in mod.body):
            return True
        # the module has a serializer of the same name: only an import of this one counts
        home = info.module.module
        if any(target in (f"{home}.{info.short}", home) for target in mod.import_table().values()):
            return True
    own = {id(stmt) for stmt in walk_stmts(info.cls.body, into_defs=True)}
    for stmt in walk_stmts(info.module.body, into_defs=True):
        if id(stmt) in own or stmt.cls is info.cls:
            continue
        exprs = list(stmt.own_exprs())
        if stmt.func is not None:
            exprs += [d.expr for d in stmt.func.decorators]
            exprs += [e for p in stmt.func.params for e in (p.default, p.annotation) if e is not None]
            exprs += [stmt.func.returns] if stmt.func.returns is not None else []
        if stmt.cls is not None:
            exprs += [*stmt.cls.bases, *(k.value for k in stmt.cls.keywords), *(d.expr for d in stmt.cls.decorators)]
        if any(e.kind in ("name", "attr") and e.text == info.short for x in exprs for e in x.walk()):
            return True
    return False


def _representation_drops(info: ClassInfo) -> frozenset[str]:
    """Fields `to_representation` removes from the output (`data.pop("secret")`, or a loop popping
    the names of a class-level list such as `secure_fields = ["credentials"]`)."""
    method = info.cls.method("to_representation")
    if method is None:
        return frozenset()
    out: set[str] = set()
    loops: dict[str, Expr] = {}
    for stmt in walk_stmts(method.body):
        if stmt.kind == "for" and stmt.value is not None and len(stmt.targets) == 1:
            loops[stmt.targets[0].text] = stmt.value
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind != "attr" or call.func.text != "pop" or not call.positional:
                    continue
                key = call.positional[0]
                if key.kind == "str":
                    out.add(key.text)
                elif key.kind == "name" and key.text in loops:
                    source = loops[key.text]
                    values = info.cls.attribute(source.text) if source.kind == "attr" else None
                    items = values.args if values is not None and values.kind in ("list", "tuple", "set") else ()
                    out |= {e.text for e in items if e.kind == "str"}
    return frozenset(out)
