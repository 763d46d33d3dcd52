"""MASS001: client data poured into a model that has privileged fields."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.class_facts import SERIALIZER, ModelFacts, model_facts
from apilint.field_names import is_privileged
from apilint.model import Location, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.authz.authz002_missing_role_check import unchecked_privileged
from apilint.rules.mass._params import param_sinks, privileged_params
from apilint.rules.mass._pollution import pollution_source
from apilint.rules.mass._sources import RequestData, bind_call, reaches
from apilint.summary import walk_stmts

READ_ONLY_VIEWS = ("ReadOnlyModelViewSet", "ListAPIView", "RetrieveAPIView", "ListModelMixin",
                   "RetrieveModelMixin")
_FUNCTION_LEVEL = frozenset({"role", "scopes", "permission", "superuser", "staff"})
"""Route authz evidence that limits who may call the route at all (a role, a named permission such as
`authorize(current_user, UserPolicy.create)` or `has_perm("auth.add_user")`): administrators may set roles."""
ADMIN_PERMISSIONS = ("IsAdminUser", "IsSuperUser", "IsSuperuser", "IsStaff", "DjangoModelPermissions")


class MassAssignment(Rule):
    """
    ## What it finds
    Client data written into an ORM model wholesale when the model has privileged fields
    (`is_admin`, `role`, `is_staff`, `is_superuser`, `balance`, `owner_id`, `verified`,
    `permissions`, and the names in `mass.privileged-fields`) the data can set:

    - `User(**request.json)`, `User(**body.dict())`, `User.objects.create(**request.data)`,
      `obj.update(**data)`, `query.update(data)`, `obj.sqlmodel_update(data)`,
      `User.model_validate(body)`, in the handler or in a project function it passes the data to;
    - `for key, value in data.items(): setattr(obj, key, value)`;
    - a WTForms form bound to the request (`ProfileForm(request.form)`, a flask-wtf
      `FlaskForm()`) that declares a privileged field, written wholesale:
      `form.populate_obj(user)`, `current_user.__dict__.update(form.data)`,
      `vars(user).update({k: v for k, v in form.data.items() if k != "password"})` (the keys a
      comprehension drops or keeps are honoured; `current_user` is the project's flask-login
      user model);
    - a privileged field set from raw request data: `User(..., is_admin=data["is_admin"])`,
      `user.role = data.get("role")`, or a local the client decides
      (`if data["admin"]: admin = True` ... `User(..., admin=admin)`); on a privileged route
      without a role check this is AUTHZ002's finding instead;
    - a privileged field set from the handler's own query, form or header parameter named
      like it (`is_admin: bool | None = Query(None)`, also under an alias
      `Query(None, alias="is_admin")`), or `internal_*` (`internal_status`, staff data by its
      name): `user.is_admin = is_admin`, `changes["is_admin"] = flag` then a `setattr` loop or
      `**changes`, `update_account(user, is_admin=flag)`;
    - `record.update(request.get_json())` on a record of an in-memory store (a module-level
      dict of records such as `USERS = {1: {"role": "user", ...}}`);
    - a request-body schema that declares a privileged field, in a create or update handler
      that uses the body wholesale or reads that field;
    - a writable DRF `ModelSerializer` (used with `data=` or by a writable view) whose fields
      (`"__all__"` or listed) include a privileged field not in `read_only_fields`;
    - raw client data (also `json.loads(request.POST["settings"])`) handed to a recursive merge
      that follows the client's keys into attributes and sets them (`for k, v in src.items():`
      ... `merge(v, getattr(dst, k))` ... `setattr(dst, k, v)`), whatever the target object:
      `__class__` and `__init__.__globals__` reach class attributes and module globals (class
      pollution). A merge that skips private names (`k.startswith("_")`) is not reported.

    Raw request data can set any column; schema-shaped data (a Pydantic body, a
    `model_dump(exclude=...)`, a Marshmallow `load()`) can set only the fields it declares, so
    it is reported only when the schema itself has privileged fields, or keeps unknown fields
    (`model_config = ConfigDict(extra="allow")` or `{"extra": "allow"}`,
    `class In(BaseModel, extra=Extra.allow)`, `class Config: extra = "allow"`), which makes it raw.
    Routes with a role, admin or named-permission check (`authorize(current_user, UserPolicy.create)`) are skipped:
    administrators may set roles. Role-like fields (`role`, `groups`) count only on accounts: a
    saved connection (a class with `host` or `port` beside its `password`) is not one.

    Anchor: the statement that writes (the `setattr` line for loops); the handler's `def`
    line for a body schema; the `fields = ...` line for DRF serializers.

    ## Why it matters
    A client adds `"is_admin": true` or `"balance": 1000000` to the JSON and the server stores
    it (CWE-915 Improperly Controlled Modification of Dynamically-Determined Object Attributes,
    OWASP API3:2023 Broken Object Property Level Authorization).

    ## Options
    - `mass.privileged-fields`: extra field names clients must not set.

    ## Known limitations
    The model must be a project class apilint can follow to; raw data written into an object
    of unknown type is not reported. Privileged fields are matched by name. A serializer that no
    route apilint linked is served by (views on routers built at run time, permissions from
    access-policy libraries) is reported with medium confidence: it may be admin-only.

    ## References
    - https://cwe.mitre.org/data/definitions/915.html
    - https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/
    - https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html
    """

    code = "MASS001"
    name = "mass-assignment"
    summary = "Client data assigned wholesale to a model with privileged fields"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "flask", "django", "drf", "ninja"})
    cwe = (915,)
    owasp = ("API3:2023",)
    options = ("mass.privileged-fields",)

    bad = Example("""
        from flask import Flask, request
        from flask_login import login_required
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)


        class Account(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String(120))
            is_admin = db.Column(db.Boolean, default=False)


        @app.route("/accounts", methods=["POST"])
        @login_required
        def create_account():
            account = Account(**request.get_json())  # expect: MASS001
            db.session.add(account)
            db.session.commit()
            return {"id": account.id}, 201
    """)

    good = Example("""
        from flask import Flask, request
        from flask_login import login_required
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)


        class Account(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String(120))
            is_admin = db.Column(db.Boolean, default=False)


        @app.route("/accounts", methods=["POST"])
        @login_required
        def create_account():
            data = request.get_json()
            account = Account(email=data["email"])
            db.session.add(account)
            db.session.commit()
            return {"id": account.id}, 201
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report wholesale writes of client data, privileged body schemas and writable serializers."""
        facts = model_facts(ctx.index)
        extra = ctx.config.mass_privileged_fields
        seen: set[tuple[str, int]] = set()
        for route in ctx.routes:
            if any(e.kind in _FUNCTION_LEVEL for e in route.authz):
                continue
            func, mod = ctx.handler(route), ctx.module_of(route)
            if func is None or mod is None or (mod.path, func.line) in seen:
                continue
            seen.add((mod.path, func.line))
            data = RequestData(facts, mod, func)
            reported = False
            # a privileged route with no role check is AUTHZ002's: setting a field there is that one issue
            explicit = unchecked_privileged(route, ctx) is None
            for finding in self._sinks(facts, data, extra, route, seen, 0, explicit):
                reported = True
                yield finding
            if not reported and route.is_unsafe:
                yield from self._body_schema(facts, data, extra, route)
            yield from self._pollution(ctx, data, route)
        yield from self._serializers(ctx, facts, extra)

    def _pollution(self, ctx: RuleContext, data: RequestData, route: Route) -> Iterator[Finding]:
        """Client data handed to a recursive setattr merge (class pollution), whatever the target object."""
        for stmt in walk_stmts(data.func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.func.kind not in ("name", "attr"):
                        continue
                    target = ctx.index.resolve(data.mod, call.func)
                    position = pollution_source(target.func) if target is not None and target.func else None
                    if target is None or position is None or position >= len(call.positional):
                        continue
                    source = data.source(call.positional[position])
                    if source is None or source.schema is not None:
                        continue
                    yield self.finding(
                        Location(data.mod.path, stmt.line),
                        f"{route.display} merges {source.what} into an object with {call.func.render(30)}(), which "
                        "recurses into attributes and sets them by the client's keys: keys such as `__class__` and "
                        "`__globals__` reach class attributes and module globals (class pollution), not only the "
                        "object's fields",
                        "Copy only an allow-list of field names (`for name in ALLOWED: setattr(obj, name, "
                        "data[name])`), or validate the data with a schema first; never follow client keys into "
                        "attributes",
                        route=route)

    def _sinks(self, facts: ModelFacts, data: RequestData, extra: tuple[str, ...], route: Route,
               seen: set[tuple[str, int]], depth: int, explicit: bool = True) -> Iterator[Finding]:
        for stmt, source, model, how in data.sinks():
            fields = source.privileged(facts, model, extra)
            key = (data.mod.path, stmt.line)
            if not fields or key in seen:
                continue
            seen.add(key)
            name = model.short if model is not None else "the object"
            yield self.finding(
                Location(data.mod.path, stmt.line),
                f"{route.display}: {source.what} is written into {name} through {how}; "
                f"a client can set {', '.join(fields[:3])}",
                "Assign the allowed fields explicitly, or use an input schema without privileged fields",
                route=route, symbol=f"{data.mod.module}.{data.func.qualname}")
        for stmt, source, store, how in data.store_sinks():
            owner = "User" if store.holds_users else store.name
            fields = [f for f in store.fields if is_privileged(f, extra, owner, store.fields)
                      and f not in source.excluded and (source.included is None or f in source.included)]
            key = (data.mod.path, stmt.line)
            if not fields or key in seen or source.schema is not None:
                continue
            seen.add(key)
            yield self.finding(
                Location(data.mod.path, stmt.line),
                f"{route.display}: {source.what} is written into a {store.name} record through {how}; "
                f"a client can set {', '.join(fields[:3])}",
                "Copy only the allowed keys into the record (an allow-list of editable fields)",
                route=route, symbol=f"{data.mod.module}.{data.func.qualname}")
        for stmt, field, model, how in (data.field_sinks() if explicit else ()):
            key = (data.mod.path, stmt.line)
            if key in seen or not is_privileged(field, extra, model.qualname, facts.model_fields(model.qualname)):
                continue
            seen.add(key)
            yield self.finding(
                Location(data.mod.path, stmt.line),
                f"{route.display}: {model.short}.{field} is set from request data through {how}; "
                f"a client can choose its own {field}",
                f"Set {field} on the server (a default, or only in an admin-only route); never from the request",
                route=route, symbol=f"{data.mod.module}.{data.func.qualname}")
        if depth == 0 and explicit and route.is_unsafe:
            tainted = privileged_params(data.func, route.path_params, extra)
            for sink in param_sinks(data.func, tainted, extra):
                key = (data.mod.path, sink.stmt.line)
                if key in seen:
                    continue
                seen.add(key)
                yield self.finding(
                    Location(data.mod.path, sink.stmt.line),
                    f"{route.display}: {sink.field} is set from the request parameter `{sink.param}` through "
                    f"{sink.how}; a client can choose its own {sink.field}",
                    f"Drop the `{sink.param}` parameter, or accept it only in an admin-only route",
                    route=route, symbol=f"{data.mod.module}.{data.func.qualname}")
        if depth >= 1 or not data.vars:
            return
        for stmt in walk_stmts(data.func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    symbol = facts.index.resolve(data.mod, call.func) if call.func.kind in ("name", "attr") else None
                    if symbol is None or symbol.func is None:
                        continue
                    bound = bind_call(symbol.func, call, data.vars)
                    if bound:
                        inner = RequestData(facts, symbol.module, symbol.func, bound)
                        yield from self._sinks(facts, inner, extra, route, seen, depth + 1, explicit)

    def _body_schema(self, facts: ModelFacts, data: RequestData, extra: tuple[str, ...],
                     route: Route) -> Iterator[Finding]:
        for name, source in data.vars.items():
            if source.schema is None or name not in (p.name for p in data.func.params):
                continue
            schema_fields = facts.writable_fields(source.schema)
            fields = [f for f in schema_fields if is_privileged(f, extra, source.schema.qualname, schema_fields)]
            if fields and reaches(facts, data.mod, data.func, name, fields):
                yield self.finding(
                    route, f"{route.display} accepts {', '.join(fields[:3])} from the client in "
                    f"{source.schema.short} and stores it",
                    f"Remove {fields[0]} from {source.schema.short} (use a separate admin-only schema)",
                    confidence=Confidence.MEDIUM)
                return

    def _serializers(self, ctx: RuleContext, facts: ModelFacts, extra: tuple[str, ...]) -> Iterator[Finding]:
        writable = _writable_serializers(facts)
        served = {route.response_model for route in ctx.routes if route.response_model}
        for info in sorted(facts.classes.values(), key=lambda i: (i.module.path, i.cls.line)):
            if info.kind != SERIALIZER or info.model is None or info.qualname not in writable:
                continue
            if any(w in info.short for w in ("Admin", "Staff", "Superuser")):
                continue
            model_fields = facts.model_fields(info.model)
            fields = [f for f in facts.writable_fields(info) if is_privileged(f, extra, info.model, model_fields)
                      and (f in model_fields or f in info.fields)]
            if not fields:
                continue
            line = info.meta_fields_line or info.meta_exclude_line or info.cls.line
            # Served by a route apilint linked (and found not admin-only), or only by views whose
            # routes and permissions it could not read (dynamic routers, access policies).
            routed = info.qualname in served
            yield self.finding(
                Location(info.module.path, line),
                f"Serializer {info.short} lets clients write {', '.join(fields[:3])}",
                "Add the fields to `read_only_fields` or leave them out of `fields`",
                symbol=info.qualname, confidence=None if routed else Confidence.MEDIUM)


def _writable_serializers(facts: ModelFacts) -> set[str]:
    """Serializers used with `data=` or by a view that is not read-only or admin-only."""
    out: set[str] = set()
    if not any(info.kind == SERIALIZER for info in facts.classes.values()):
        return out  # no DRF serializer in the project: nothing to walk for
    index = facts.index
    for mod in index:
        if mod.words and not (mod.mentions("serializer_class") or mod.mentions("data")):
            continue
        for cls in mod.classes():
            value = cls.attribute("serializer_class")
            if value is None:
                continue
            bases = {(b.dotted or "").rsplit(".", 1)[-1] for b in cls.bases}
            perms = cls.attribute("permission_classes")
            admin = perms is not None and any(n in ADMIN_PERMISSIONS for n in (e.text for e in perms.walk()))
            if (bases and bases <= set(READ_ONLY_VIEWS) | {"GenericViewSet", "GenericAPIView"}) or admin:
                continue
            info = facts.resolve(mod, value)
            if info is not None:
                out.add(info.qualname)
        for stmt in walk_stmts(mod.body, into_defs=True):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.kwarg("data") is None:
                        continue
                    info = facts.resolve(mod, call.func)
                    if info is not None and info.kind == SERIALIZER:
                        out.add(info.qualname)
    return out


__all__ = ["MassAssignment"]
