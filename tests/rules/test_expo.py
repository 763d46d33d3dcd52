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


def _findings_of(example: Example, codes: tuple[str, ...]) -> list:
    import tempfile
    from pathlib import Path

    from apilint.testing import analyze_dir

    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in example.all_files():
            Path(tmp, rel).parent.mkdir(parents=True, exist_ok=True)
            Path(tmp, rel).write_text(text, encoding="utf-8")
        return list(analyze_dir(Path(tmp), select=codes).findings)


def _expect(example: Example, codes: tuple[str, ...] = ("EXPO",)) -> set[tuple[str, int, str]]:
    found, expected = run_example(example, select=codes)
    assert found == expected.expect
    return found


def test_hand_built_responses_carry_card_numbers_and_hashes():
    found = _expect(Example("""
        import json

        from flask import Flask, Response, jsonify
        from flask_login import current_user, login_required
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)


        class Customer(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String)
            ccn = db.Column(db.String)
            password_hash = db.Column(db.String)


        @app.get("/customers/<int:customer_id>")
        @login_required
        def customer(customer_id):  # expect: EXPO002
            record = Customer.query.get_or_404(customer_id)
            body = {"id": record.id, "email": record.email}
            body["cc_num"] = record.ccn
            return Response(json.dumps(body), mimetype="application/json")


        @app.get("/customers/<int:customer_id>/login")
        @login_required
        def customer_login(customer_id):  # expect: EXPO002
            record = Customer.query.get_or_404(customer_id)
            return jsonify(id=record.id, pw=record.password_hash)


        @app.get("/me/card")
        @login_required
        def my_card():
            record = Customer.query.get_or_404(current_user.id)
            return jsonify({"card_number": f"**** **** **** {record.ccn[-4:]}", "cvv": None,
                            "password": "********", "has_password": bool(record.password_hash)})
    """))
    assert len(found) == 2


def test_environment_settings_and_system_dumps():
    found = _expect(Example("""
        import os
        import platform
        import sys

        import django
        from django.conf import settings
        from django.http import JsonResponse
        from django.urls import path


        def env(request):  # expect: EXPO004
            return JsonResponse({"env": {k: v for k, v in os.environ.items()}})


        def conf(request):  # expect: EXPO004
            values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
            return JsonResponse(values)


        def meta(request):  # expect: EXPO004
            return JsonResponse({"meta": dict(request.META)})


        def _platform():
            return {"python": sys.version, "os": platform.platform(), "django": django.get_version()}


        def about(request):  # expect: EXPO004
            return JsonResponse(_platform())


        def region(request):
            return JsonResponse({"region": os.environ.get("REGION"), "debug": settings.DEBUG})


        urlpatterns = [
            path("debug/env", env),
            path("debug/conf", conf),
            path("debug/meta", meta),
            path("about", about),
            path("region", region),
        ]
    """), codes=("EXPO004",))
    assert len(found) == 4


def test_pydantic_settings_and_flask_config_dumps():
    found = _expect(Example("""
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer
        from pydantic import BaseModel
        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            database_url: str = "sqlite://"
            secret_key: str = ""


        settings = Settings()


        def get_settings() -> Settings:
            return settings


        class PublicConfig(BaseModel):
            database_url: str


        oauth2 = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI()


        @app.get("/config")
        def config(token: str = Depends(oauth2)):  # expect: EXPO004
            return settings


        @app.get("/config/dump")
        def config_dump(token: str = Depends(oauth2), current: Settings = Depends(get_settings)):  # expect: EXPO004
            return current.model_dump()


        @app.get("/config/public", response_model=PublicConfig)
        def public_config(token: str = Depends(oauth2)):
            return settings
    """, files=(("admin.py", '''
        from flask import Flask, current_app, jsonify
        from flask_login import login_required

        app = Flask(__name__)


        @app.get("/admin/config")
        @login_required
        def dump():  # expect: EXPO004
            return jsonify({key: str(value) for key, value in current_app.config.items()})
    '''),)), codes=("EXPO004",))
    assert len(found) == 3


def test_version_headers_by_product_runtime_and_app_version():
    found = _expect(Example("""
        import platform
        import sys

        import fastapi
        from django.http import JsonResponse
        from fastapi.responses import JSONResponse
        from flask import Flask

        from myapp import __version__

        app = Flask(__name__)
        SERVER_BANNER = "gunicorn/21.2"


        @app.after_request
        def banner(response):
            response.headers["Server"] = SERVER_BANNER  # expect: EXPO005
            response.headers.setdefault("X-Python-Version", sys.version)  # expect: EXPO005
            response.headers["X-App-Version"] = __version__  # expect: EXPO005
            response.headers["X-API-Version"] = "2024-01-01"
            response.headers["Server"] = "webserver"
            response.headers.pop("X-Powered-By", None)
            return response


        def status(request):
            response = JsonResponse({"ok": True})
            response["X-Powered-By"] = f"Django on Python {platform.python_version()}"  # expect: EXPO005
            return response


        def ping():
            banner = {"X-Powered-By": f"FastAPI {fastapi.__version__}"}
            return JSONResponse({"ok": True}, headers=banner)  # expect: EXPO005
    """, files=(("myapp/__init__.py", '__version__ = "1.4.2"\n'),)), codes=("EXPO005",))
    assert len(found) == 5


def test_user_directories_by_framework_and_scope():
    found = _expect(Example("""
        from typing import Annotated

        from fastapi import Depends, FastAPI
        from pydantic import BaseModel
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from app.deps import CurrentUser
        from app.models import User


        class MemberOut(BaseModel):
            id: int
            email: str


        class MemberCard(BaseModel):
            id: int
            full_name: str | None


        def get_db() -> Session: ...


        app = FastAPI()


        @app.get("/members", response_model=list[MemberOut])
        def members(user: CurrentUser, db: Annotated[Session, Depends(get_db)]):  # expect: EXPO006
            return db.scalars(select(User)).all()


        @app.get("/members/cards", response_model=list[MemberCard])
        def member_cards(user: CurrentUser, db: Annotated[Session, Depends(get_db)]):
            return db.scalars(select(User)).all()


        @app.get("/team", response_model=list[MemberOut])
        def team(user: CurrentUser, db: Annotated[Session, Depends(get_db)]):
            return db.scalars(select(User).where(User.id == user.id)).all()


        @app.get("/public/emails")
        def emails(db: Annotated[Session, Depends(get_db)]):  # expect: EXPO006
            users = db.query(User).all()
            return {"users": [{"id": u.id, "email": u.email} for u in users]}


        @app.get("/admin/users", response_model=list[MemberOut])
        def admin_users(user: CurrentUser, db: Annotated[Session, Depends(get_db)]):
            return db.scalars(select(User)).all()
    """, files=(("app/__init__.py", ""), ("app/models.py", MODELS), ("app/deps.py", DEPS))), codes=("EXPO006",))
    assert len(found) == 2
    confidences = {f.location.line: f.confidence.value for f in _findings_of(Example("""
        from rest_framework import generics, serializers
        from rest_framework.permissions import IsAuthenticated
        from django.db import models
        from django.urls import path


        class Customer(models.Model):
            name = models.CharField(max_length=80)
            email = models.EmailField()
            phone_number = models.CharField(max_length=20)


        class CustomerSerializer(serializers.ModelSerializer):
            class Meta:
                model = Customer
                fields = ["id", "name", "email", "phone_number"]


        class CustomerList(generics.ListAPIView):
            queryset = Customer.objects.all()
            serializer_class = CustomerSerializer
            permission_classes = [IsAuthenticated]


        class MyContacts(generics.ListAPIView):
            serializer_class = CustomerSerializer
            permission_classes = [IsAuthenticated]

            def get_queryset(self):
                return Customer.objects.filter(owner=self.request.user)


        urlpatterns = [path("customers/", CustomerList.as_view()), path("contacts/", MyContacts.as_view())]
    """), ("EXPO006",))}
    assert confidences == {19: "medium"}


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


def test_a_dict_key_holding_a_string_literal_carries_no_secret():
    """A status message or validation error keyed by the field it concerns is not the field's value."""
    found = _expect(Example("""
        import json

        from flask import Flask, Response, jsonify, request
        from flask_login import current_user, login_required

        app = Flask(__name__)


        @app.put("/account/password")
        @login_required
        def change_password():
            current_user.set_password(request.get_json()["password"])
            return Response(json.dumps({"status": "success", "Password": "Updated."}), 200,
                            mimetype="application/json")


        @app.post("/account/password/check")
        @login_required
        def check_password():
            if len(request.get_json().get("password", "")) < 12:
                return jsonify({"password": "must be at least 12 characters", "api_token": ""}), 400
            return jsonify({"ok": True})


        @app.get("/account/export")
        @login_required
        def export():  # expect: EXPO002
            return jsonify({"status": "ok", "password": current_user.password_hash})
    """))
    assert len(found) == 1


def test_serializer_nothing_uses_is_low_confidence():
    example = Example("""
        from django.contrib.auth.models import User
        from rest_framework import serializers


        class UserSerializer(serializers.ModelSerializer):  # expect: EXPO002
            class Meta:
                model = User
                fields = ("username", "password")


        class AccountSerializer(serializers.ModelSerializer):  # expect: EXPO002
            class Meta:
                model = User
                fields = ("username", "password")
    """, files=(
        ("other.py", """
            from django.contrib.auth.models import User
            from rest_framework import serializers


            class UserSerializer(serializers.ModelSerializer):
                class Meta:
                    model = User
                    fields = ("username", "email")
        """),
        ("views.py", """
            from rest_framework import generics

            from app import AccountSerializer


            class AccountList(generics.ListAPIView):
                serializer_class = AccountSerializer
        """),
    ))
    found = {(f.location.line, f.confidence.value) for f in _findings_of(example, ("EXPO002",))}
    # other.py's UserSerializer of the same name is not a use of app.py's
    assert found == {(5, "low"), (11, "high")}


def test_rows_of_hand_written_sql():
    schema = 'TABLE = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, password_hash TEXT, api_key TEXT)"\n'
    example = Example("""
        import sqlite3

        from flask import Flask, jsonify

        app = Flask(__name__)


        def db():
            return sqlite3.connect("app.db")


        @app.get("/a/<int:uid>")
        def one(uid):  # expect: EXPO002
            row = db().execute("SELECT * FROM users WHERE id = ?", (uid,)).fetchone()
            return jsonify(dict(row))


        @app.get("/b")
        def listed():  # expect: EXPO002
            cur = db().cursor()
            cur.execute("SELECT id, email, password_hash FROM users")
            return jsonify(cur.fetchall())


        @app.get("/c/<name>")
        def greeted(name):  # expect: EXPO002
            cur = db().cursor()
            cur.execute(f"SELECT * FROM users WHERE email = '{name}'")
            users = cur.fetchall()
            return {"msg": f"Hello, {users}"}


        @app.get("/d")
        def each():  # expect: EXPO002
            rows = db().execute("SELECT * FROM users").fetchall()
            return jsonify([dict(r) for r in rows])


        @app.get("/e")
        def emails():
            rows = db().execute("SELECT * FROM users").fetchall()
            return jsonify([r["email"] for r in rows])


        @app.get("/f")
        def counted():
            users = db().execute("SELECT * FROM users").fetchall()
            return {"msg": f"{len(users)} users", "first": users[0]["email"]}


        @app.get("/g")
        def public():
            cur = db().cursor()
            cur.execute("SELECT id, email FROM users")
            return jsonify(cur.fetchall())


        @app.get("/h")
        def orders():
            return jsonify(db().execute("SELECT * FROM orders").fetchall())
    """, files=(("schema.py", schema),))
    found, expected = run_example(example, select=("EXPO",))
    # EXPO001 leaves rows alone: a `SELECT *` of plain columns is how raw-SQL handlers are written
    assert found == expected.expect
