"""MASS001 on small apps: raw data, schema-shaped data, admin routes and helper functions."""

from __future__ import annotations

from apilint.rule import Example
from apilint.testing import run_example

MODELS = """
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str
    hashed_password: str
    is_superuser: bool = False


class UserCreate(SQLModel):
    email: str
    password: str
    is_superuser: bool = False


class UserUpdateMe(SQLModel):
    email: str | None = None
"""

DEPS = """
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

from app.models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/login/access-token")


def get_current_user(token: Annotated[str, Depends(oauth2)]) -> User: ...


def get_current_active_superuser(current_user: Annotated[User, Depends(get_current_user)]) -> User:
    if not current_user.is_superuser:
        raise HTTPException(status_code=403, detail="Not enough privileges")
    return current_user


CurrentUser = Annotated[User, Depends(get_current_user)]
"""

CRUD = """
from app.models import User, UserCreate


def create_user(session, user_create: UserCreate) -> User:
    db_obj = User.model_validate(user_create, update={"hashed_password": "x"})
    session.add(db_obj)
    return db_obj
"""


def _run(source: str) -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]]]:
    example = Example(source, files=(("app/__init__.py", ""), ("app/models.py", MODELS), ("app/deps.py", DEPS),
                                     ("app/crud.py", CRUD)))
    found, expected = run_example(example, select=("MASS",))
    return found, expected.expect


def test_admin_only_create_with_privileged_schema_is_silent():
    found, _ = _run("""
        from fastapi import Depends, FastAPI

        from app import crud
        from app.deps import get_current_active_superuser
        from app.models import UserCreate

        app = FastAPI()


        @app.post("/users/", dependencies=[Depends(get_current_active_superuser)])
        def create_user(session: int, user_in: UserCreate):
            return crud.create_user(session, user_in)
    """)
    assert found == set()


def test_privileged_schema_through_a_helper_is_reported_there():
    found, _ = _run("""
        from fastapi import FastAPI

        from app import crud
        from app.deps import CurrentUser
        from app.models import UserCreate

        app = FastAPI()


        @app.post("/invites/")
        def invite(user_in: UserCreate, current_user: CurrentUser):
            return {"id": crud.create_user(None, user_in).id}
    """)
    assert found == {("app/crud.py", 5, "MASS001")}


def test_schema_without_privileged_fields_and_exclusions_are_silent():
    found, _ = _run("""
        from fastapi import FastAPI

        from app.deps import CurrentUser
        from app.models import User, UserCreate, UserUpdateMe

        app = FastAPI()


        @app.patch("/users/me")
        def update_me(body: UserUpdateMe, current_user: CurrentUser):
            current_user.sqlmodel_update(body.model_dump(exclude_unset=True))
            return {"ok": True}


        @app.post("/signup/")
        def signup(body: UserCreate):
            user = User(**body.model_dump(exclude={"is_superuser", "password"}), hashed_password="x")
            return {"id": user.id}
    """)
    assert found == set()


def test_raw_json_setattr_loop_and_explicit_privileged_read():
    found, expected = _run("""
        from fastapi import FastAPI, Request

        from app.deps import CurrentUser
        from app.models import UserCreate

        app = FastAPI()


        @app.patch("/users/me")
        async def update_me(request: Request, current_user: CurrentUser):
            data = await request.json()
            for key, value in data.items():
                setattr(current_user, key, value)  # expect: MASS001
            return {"ok": True}


        @app.post("/members/")
        def add_member(body: UserCreate, current_user: CurrentUser):  # expect: MASS001
            current_user.is_superuser = body.is_superuser
            return {"ok": True}
    """)
    assert found == expected


def test_marshmallow_load_limits_fields():
    example = Example("""
        from flask import Flask, request
        from flask_login import login_required
        from flask_sqlalchemy import SQLAlchemy
        from marshmallow import Schema, fields

        app = Flask(__name__)
        db = SQLAlchemy(app)


        class Account(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String(120))
            role = db.Column(db.String(20))


        class AccountIn(Schema):
            email = fields.Email(required=True)


        class AccountAdminIn(Schema):
            email = fields.Email(required=True)
            role = fields.Str()


        @app.route("/accounts", methods=["POST"])
        @login_required
        def create_account():
            account = Account(**AccountIn().load(request.get_json()))
            db.session.add(account)
            return {"id": account.id}, 201


        @app.route("/accounts/bulk", methods=["POST"])
        @login_required
        def create_accounts():
            account = Account(**AccountAdminIn().load(request.get_json()))  # expect: MASS001
            db.session.add(account)
            return {"id": account.id}, 201
    """)
    found, expected = run_example(example, select=("MASS",))
    assert found == expected.expect


def test_privileged_field_chosen_by_the_client_and_store_records():
    example = Example('''
        from flask import Flask, request
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)

        PROFILES = {1: {"id": 1, "username": "ann", "role": "user"}}


        class Account(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            username = db.Column(db.String(80))
            admin = db.Column(db.Boolean, default=False)


        @app.route("/register", methods=["POST"])
        def register():
            data = request.get_json()
            admin = False
            if data.get("admin"):
                admin = True
            account = Account(username=data["username"], admin=admin)  # expect: MASS001
            db.session.add(account)
            return {"id": account.id}


        @app.route("/verify", methods=["POST"])
        def verify():
            data = request.get_json()
            account = Account.query.get(1)
            if data.get("code") == "1234":
                account.admin = False
            return {}


        @app.route("/profiles/<int:pid>", methods=["PATCH"])
        def patch_profile(pid):
            profile = PROFILES.get(pid)
            profile.update(request.get_json())  # expect: MASS001
            return profile


        @app.route("/profiles/<int:pid>/safe", methods=["PATCH"])
        def patch_profile_safe(pid):
            data = request.get_json()
            PROFILES[pid].update({k: v for k, v in data.items() if k == "username"})
            return PROFILES[pid]
    ''')
    found, expected = run_example(example, select=("MASS001",))
    assert found == expected.expect


def test_a_serializer_no_linked_route_serves_is_medium_confidence(tmp_path):
    from pathlib import Path

    from apilint.testing import analyze_dir

    root = Path(tmp_path)
    (root / ".git").mkdir()
    (root / "accounts").mkdir()
    (root / "accounts/__init__.py").write_text("", encoding="utf-8")
    (root / "accounts/models.py").write_text(
        "from django.db import models\n\n\nclass Account(models.Model):\n"
        "    name = models.CharField(max_length=50)\n    is_staff = models.BooleanField(default=False)\n",
        encoding="utf-8")
    (root / "accounts/serializers.py").write_text(
        "from rest_framework import serializers\n\nfrom accounts.models import Account\n\n\n"
        "class AccountSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Account\n"
        "        fields = [\"id\", \"name\", \"is_staff\"]\n", encoding="utf-8")
    # Used with data= by a viewset registered on a router built at run time: no route links it.
    (root / "accounts/views.py").write_text(
        "from rest_framework import viewsets\n\nfrom accounts.models import Account\n"
        "from accounts.serializers import AccountSerializer\n\n\nclass AccountViewSet(viewsets.ModelViewSet):\n"
        "    queryset = Account.objects.all()\n    serializer_class = AccountSerializer\n", encoding="utf-8")
    found = [(f.location.file, f.confidence.value) for f in analyze_dir(root, select=("MASS001",)).findings]
    assert found == [("accounts/serializers.py", "medium")]



def test_a_named_permission_check_silences_and_saved_connections_are_not_accounts():
    example = Example("""
        from fastapi import Depends, FastAPI, HTTPException
        from fastapi.security import OAuth2PasswordBearer
        from sqlmodel import Field, SQLModel

        app = FastAPI()
        oauth2 = OAuth2PasswordBearer(tokenUrl="/token")


        class Account(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            email: str
            hashed_password: str = ""
            role: str = "member"


        class AccountCreate(SQLModel):
            email: str
            role: str = "member"


        class Server(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            host: str
            port: int = 5432
            username: str
            password: str
            role: str | None = None


        class ServerCreate(SQLModel):
            host: str
            port: int = 5432
            username: str
            password: str
            role: str | None = None


        def current_user(token: str = Depends(oauth2)) -> Account:
            if not token:
                raise HTTPException(status_code=401)
            return Account(email="a@example.com")


        async def authorize(user: Account, action: str) -> None:
            if not user.role == "owner" and action.startswith("accounts."):
                raise HTTPException(status_code=403, detail="not allowed")


        @app.post("/accounts")
        async def create_account(body: AccountCreate, user: Account = Depends(current_user)):
            await authorize(user, "accounts.create")
            account = Account.model_validate(body)
            return {"id": account.id}


        @app.post("/accounts/invite")
        async def invite_account(body: AccountCreate, user: Account = Depends(current_user)):
            account = Account.model_validate(body)  # expect: MASS001
            return {"id": account.id}


        @app.post("/servers")
        async def add_server(body: ServerCreate, user: Account = Depends(current_user)):
            server = Server.model_validate(body)
            return {"id": server.id}
    """)
    found, expected = run_example(example, select=("MASS001",))
    assert found == expected.expect


MERGING = """
def apply_patch(target, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and hasattr(target, key):
            apply_patch(getattr(target, key), value)
        else:
            setattr(target, key, value)


def apply_public_patch(target, patch):
    for key, value in patch.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict) and hasattr(target, key):
            apply_public_patch(getattr(target, key), value)
        else:
            setattr(target, key, value)
"""


def test_client_data_in_a_recursive_setattr_merge_is_class_pollution():
    example = Example("""
        from fastapi import FastAPI, Request

        from app.deps import CurrentUser
        from app.merging import apply_patch, apply_public_patch

        app = FastAPI()


        class Preferences:
            theme = "light"


        @app.patch("/preferences")
        async def update_prefs(request: Request, current_user: CurrentUser):
            prefs = Preferences()
            apply_patch(prefs, await request.json())  # expect: MASS001
            return {"theme": prefs.theme}


        @app.patch("/preferences/public")
        async def update_public_prefs(request: Request, current_user: CurrentUser):
            prefs = Preferences()
            apply_public_patch(prefs, await request.json())
            return {"theme": prefs.theme}


        @app.patch("/preferences/defaults")
        def reset_prefs(current_user: CurrentUser):
            prefs = Preferences()
            apply_patch(prefs, {"theme": "light"})
            return {"theme": prefs.theme}
    """, files=(("app/__init__.py", ""), ("app/models.py", MODELS), ("app/deps.py", DEPS),
                ("app/merging.py", MERGING)))
    found, expected = run_example(example, select=("MASS",))
    assert found == expected.expect


def test_wtforms_data_and_populate_obj():
    """A bound form is schema-shaped data: it reaches only the fields it declares."""
    example = Example('''
        from flask import Flask, request
        from flask_login import current_user, login_required
        from flask_sqlalchemy import SQLAlchemy
        from flask_wtf import FlaskForm
        from wtforms import BooleanField, Form, StringField

        app = Flask(__name__)
        db = SQLAlchemy(app)


        class Member(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String(120))
            is_admin = db.Column(db.Boolean, default=False)


        class MemberForm(FlaskForm):
            email = StringField("Email")
            is_admin = BooleanField("Admin")


        class EmailForm(Form):
            email = StringField("Email")


        class LooseForm(Form):
            email = StringField("Email")
            is_admin = BooleanField("Admin")


        @app.route("/me", methods=["POST"])
        @login_required
        def update_me():
            form = MemberForm()
            form.populate_obj(current_user)  # expect: MASS001
            db.session.commit()
            return {}


        @app.route("/members/<int:mid>", methods=["POST"])
        @login_required
        def update_member(mid):
            member = Member.query.get_or_404(mid)
            vars(member).update(LooseForm(request.form).data)  # expect: MASS001
            db.session.commit()
            return {}


        @app.route("/me/email", methods=["POST"])
        @login_required
        def update_email():
            form = EmailForm(request.form)
            form.populate_obj(current_user)
            db.session.commit()
            return {}


        @app.route("/me/filtered", methods=["POST"])
        @login_required
        def update_filtered():
            form = LooseForm(request.form)
            current_user.__dict__.update({k: v for k, v in form.data.items() if k not in ("is_admin",)})
            db.session.commit()
            return {}


        @app.route("/me/unbound", methods=["POST"])
        @login_required
        def update_unbound():
            form = LooseForm()
            current_user.__dict__.update(form.data)
            db.session.commit()
            return {}
    ''')
    found, expected = run_example(example, select=("MASS001",))
    assert found == expected.expect
