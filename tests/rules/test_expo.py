"""EXPO rules on small apps: whole models, sensitive fields, all-fields serializers, and silence."""

from __future__ import annotations

from apilint.rule import Example
from apilint.testing import run_example

MODELS = """
from sqlmodel import Field, SQLModel


class UserBase(SQLModel):
    email: str
    full_name: str | None = None


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    hashed_password: str
    is_superuser: bool = False


class UserPublic(UserBase):
    id: int


class Token(SQLModel):
    access_token: str
    token_type: str = "bearer"
"""

DEPS = """
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from app.models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/login/access-token")


def get_current_user(token: Annotated[str, Depends(oauth2)]) -> User: ...


CurrentUser = Annotated[User, Depends(get_current_user)]
"""


def _run(source: str, codes: tuple[str, ...] = ("EXPO",)) -> set[tuple[str, int, str]]:
    example = Example(source, files=(("app/__init__.py", ""), ("app/models.py", MODELS), ("app/deps.py", DEPS)))
    found, _ = run_example(example, select=codes)
    return found


def test_template_style_public_models_are_silent():
    found = _run("""
        from fastapi import FastAPI

        from app.deps import CurrentUser
        from app.models import Token, UserPublic

        app = FastAPI()


        @app.get("/users/me", response_model=UserPublic)
        def read_me(current_user: CurrentUser):
            return current_user


        @app.get("/users/me/again")
        def read_me_again(current_user: CurrentUser) -> UserPublic:
            return current_user


        @app.post("/login/access-token")
        def login() -> Token:
            return Token(access_token="x")
    """)
    assert found == set()


def test_annotated_alias_and_table_response_model_are_reported():
    found = _run("""
        from fastapi import FastAPI

        from app.deps import CurrentUser
        from app.models import User

        app = FastAPI()


        @app.get("/users/me")
        def read_me(current_user: CurrentUser):
            return current_user


        @app.get("/users/me/raw", response_model=User)
        def read_raw(current_user: CurrentUser):
            return current_user
    """)
    assert found == {("app.py", 10, "EXPO001"), ("app.py", 10, "EXPO002"),
                     ("app.py", 15, "EXPO001"), ("app.py", 15, "EXPO002")}


def test_issued_token_in_a_dict_is_not_sensitive_but_a_hash_is():
    found = _run("""
        from fastapi import FastAPI

        from app.deps import CurrentUser

        app = FastAPI()


        @app.get("/users/me/token")
        def token(current_user: CurrentUser):
            return {"access_token": "abc", "token_type": "bearer"}


        @app.get("/users/me/debug")
        def debug(current_user: CurrentUser):
            return {"email": current_user.email, "hashed_password": current_user.hashed_password}
    """)
    assert found == {("app.py", 14, "EXPO002")}


def test_secret_str_and_excluded_fields_are_hidden():
    found = _run("""
        from fastapi import FastAPI
        from pydantic import BaseModel, Field, SecretStr

        from app.deps import CurrentUser

        class Out(BaseModel):
            email: str
            password: SecretStr
            password_hash: str = Field(exclude=True)

        app = FastAPI()


        @app.get("/users/me", response_model=Out)
        def read_me(current_user: CurrentUser):
            return current_user
    """)
    assert found == set()


def test_configured_sensitive_field():
    example = Example("""
        from fastapi import FastAPI
        from pydantic import BaseModel

        from app.deps import CurrentUser

        class Out(BaseModel):
            email: str
            tax_number: str

        app = FastAPI()


        @app.get("/users/me", response_model=Out)
        def read_me(current_user: CurrentUser):  # expect: EXPO002
            return current_user
    """, files=(("app/__init__.py", ""), ("app/models.py", MODELS), ("app/deps.py", DEPS)),
        config='exposure = { sensitive-fields = ["tax_number"] }\n')
    found, expected = run_example(example, select=("EXPO",))
    assert found == expected.expect


def test_tortoise_generated_schema_and_pydantic_meta():
    found = _run("""
        from tortoise import fields
        from tortoise.contrib.pydantic import pydantic_model_creator
        from tortoise.models import Model


        class Account(Model):
            id = fields.IntField(pk=True)
            password_hash = fields.CharField(max_length=128)


        class Note(Model):
            id = fields.IntField(pk=True)
            body = fields.TextField()

            class PydanticMeta:
                exclude = ["body"]


        Account_Pydantic = pydantic_model_creator(Account)
        AccountIn = pydantic_model_creator(Account, exclude=("password_hash",))
        Note_Pydantic = pydantic_model_creator(Note)
    """)
    assert found == {("app.py", 19, "EXPO003")}


def test_store_records_model_methods_and_popped_fields():
    example = Example('''
        from flask import Flask, jsonify
        from flask_sqlalchemy import SQLAlchemy
        from rest_framework import serializers

        app = Flask(__name__)
        db = SQLAlchemy(app)

        PATIENTS = {1: {"id": 1, "name": "ann", "ssn": "000-00-0000"}}


        class Member(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            password = db.Column(db.String(128))

            def debug_view(self):
                return {"id": self.id, "password": self.password}

            @staticmethod
            def dump_all():
                return [Member.debug_view(m) for m in Member.query.all()]


        class Storage(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            service_credentials = db.Column(db.Text)


        class StorageSerializer(serializers.ModelSerializer):
            hidden = ["service_credentials"]

            class Meta:
                model = Storage
                fields = "__all__"

            def to_representation(self, instance):
                data = super().to_representation(instance)
                for name in StorageSerializer.hidden:
                    data.pop(name)
                return data


        @app.route("/patients/<int:pid>")
        def patient(pid):  # expect: EXPO001, EXPO002
            return jsonify(PATIENTS[pid])


        @app.route("/patients/<int:pid>/card")
        def patient_card(pid):
            record = PATIENTS[pid].copy()
            del record["ssn"]
            return jsonify(record)


        @app.route("/members/debug")
        def members():  # expect: EXPO002
            return jsonify({"members": Member.dump_all()})
    ''')
    found, expected = run_example(example, select=("EXPO001", "EXPO002"))
    assert found == expected.expect


def test_a_model_method_result_is_what_the_method_returns():
    models = MODELS.replace("    is_superuser: bool = False\n", '''    is_superuser: bool = False

    def get_claims(self) -> dict[str, str]:
        return {"sub": str(self.id), "email": self.email}

    def touch(self):
        return self
''')
    example = Example("""
        from fastapi import FastAPI

        from app.deps import CurrentUser

        app = FastAPI()


        @app.get("/userinfo")
        def userinfo(current_user: CurrentUser):
            return current_user.get_claims()


        @app.post("/users/me/touch")
        def touch(current_user: CurrentUser):
            return current_user.touch()
    """, files=(("app/__init__.py", ""), ("app/models.py", models), ("app/deps.py", DEPS)))
    found, _ = run_example(example, select=("EXPO",))
    assert found == {("app.py", 14, "EXPO001"), ("app.py", 14, "EXPO002")}


def test_a_dict_key_holding_a_literal_container_carries_no_secret():
    found = _run("""
        from fastapi import FastAPI

        from app.deps import CurrentUser

        app = FastAPI()


        @app.get("/auth/criteria")
        def criteria(current_user: CurrentUser):
            rules = {"username": {"min_length": 3}, "password": []}
            return rules


        @app.get("/auth/echo")
        def echo(current_user: CurrentUser):
            return {"password": current_user.hashed_password}
    """)
    assert found == {("app.py", 15, "EXPO002")}
