"""EXPO001: a handler returns a whole ORM model, with nothing that selects its fields."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.expo._helpers import routes_by_handler, sensitive_fields
from apilint.rules.expo._public import response_model_fix
from apilint.rules.expo._shapes import route_shapes


class WholeModelReturned(Rule):
    """
    ## What it finds
    Handlers whose response is a whole ORM instance (SQLAlchemy, SQLModel table models,
    Django, Tortoise, Peewee, Mongo documents) or a dump of every column:

    - FastAPI routes that return a model object (or a list of them) with no `response_model`
      and no schema return annotation, or whose `response_model` is itself a table model;
    - `obj.__dict__`, `vars(obj)`, `dict(obj)`, Django `model_to_dict(obj)` and
      `serializers.serialize(...)` without `fields=`, `jsonable_encoder(obj)`, and a project
      `to_dict()` / `as_dict()` that iterates `__table__.columns` (or `__dict__`, `_meta.fields`);
    - a whole record of an in-memory store (`return jsonify(USERS[user_id])` on a module-level
      dict of records) that still carries a sensitive key (`password`, `ssn`, a credential).

    What a name holds is followed through the handler: `user = db.get(User, id)`,
    `User.query.all()`, `User.objects.get(...)`, `await User.get(...)`, parameters annotated with
    a model (`current_user: User = Depends(...)`) and project functions annotated to return one.
    A method the model class defines returns what its annotation or its `return` says
    (`user.get_claims()` building a dict of chosen fields is not the model; nor is
    `Config.get_all()` annotated `-> dict`).
    The finding is reported on the handler's `def` line, once per handler. Severity is high
    when the model has a sensitive field (password hash, token, key), medium otherwise.

    ## Why it matters
    Every column reaches the client, including password hashes, reset tokens and internal flags,
    and every column added to the table later leaks without anyone touching the handler
    (CWE-213 Exposure of Sensitive Information Due to Incompatible Policies,
    OWASP API3:2023 Broken Object Property Level Authorization).

    ## Options
    - `exposure.sensitive-fields`: extra field names that raise the severity.

    ## Known limitations
    A model is recognised only when its class is in the project; objects whose type cannot be
    followed (an untyped helper's result) are reported at low confidence for `__dict__` and
    `vars()`, and not at all when returned bare.

    ## References
    - https://cwe.mitre.org/data/definitions/213.html
    - https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/
    - https://fastapi.tiangolo.com/tutorial/response-model/
    """

    code = "EXPO001"
    name = "whole-model-returned"
    summary = "Handler returns a whole ORM model instead of a response schema"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "flask", "django", "drf", "ninja"})
    cwe = (213,)
    owasp = ("API3:2023",)
    options = ("exposure.sensitive-fields",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.UNSAFE})
    fix_note = ("Declares `response_model=` the project's public schema for the returned model (`list[...]` "
                "for a list): a Pydantic class with `from_attributes`, holding only fields the model has and "
                "none that is sensitive, that other routes already declare for that model or that is named for "
                "it (`UserOut`, `UserPublic`, ...). Offered for FastAPI handlers that return the model object "
                "itself, when exactly one such schema exists. Unsafe: clients stop receiving the other fields.")

    bad = Example("""
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.orm import DeclarativeBase

        class Base(DeclarativeBase):
            pass

        class User(Base):
            __tablename__ = "users"
            id = Column(Integer, primary_key=True)
            email = Column(String)
            hashed_password = Column(String)

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

        def current_user(token: str = Depends(oauth2_scheme)) -> User: ...

        app = FastAPI()


        @app.get("/users/me")
        def read_me(user: User = Depends(current_user)):  # expect: EXPO001, EXPO002
            return user
    """)

    good = Example("""
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer
        from pydantic import BaseModel, ConfigDict
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.orm import DeclarativeBase

        class Base(DeclarativeBase):
            pass

        class User(Base):
            __tablename__ = "users"
            id = Column(Integer, primary_key=True)
            email = Column(String)
            hashed_password = Column(String)

        class UserOut(BaseModel):
            model_config = ConfigDict(from_attributes=True)
            id: int
            email: str

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

        def current_user(token: str = Depends(oauth2_scheme)) -> User: ...

        app = FastAPI()


        @app.get("/users/me", response_model=UserOut)
        def read_me(user: User = Depends(current_user)):
            return user
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report handlers whose response is a whole model."""
        for route, _methods in routes_by_handler(ctx):
            for shape in route_shapes(ctx, route):
                if not shape.wholesale or shape.sql_rows:
                    continue
                secrets = sensitive_fields(ctx, shape.fields, wholesale=True)
                severity = Severity.HIGH if secrets else Severity.MEDIUM
                extra = f" (including {', '.join(secrets[:3])})" if secrets else ""
                yield self.finding(
                    route,
                    f"{route.display} returns {shape.what} whole: every column reaches the client{extra}",
                    "Return a response schema that lists the public fields (`response_model=UserOut`, "
                    "a serializer with explicit `fields`)",
                    confidence=shape.confidence, severity=severity, fix_plan=response_model_fix(ctx, route))
                break
