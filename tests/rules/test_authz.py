"""AUTHZ rules: which loads count, which ownership and role evidence silences them, confidence."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import pytest
from apilint.testing import analyze_dir

DEPS = '''
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_db():
    yield None


def current_user(token: str = Depends(scheme)):
    if not token:
        raise HTTPException(status_code=401)
    return {"id": 1}


def get_owned_doc(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
    doc = db.get(Doc, doc_id)
    if doc is None or doc.owner_id != user.id:
        raise HTTPException(status_code=404)
    return doc


def get_doc(doc_id: int, db=Depends(get_db)):
    return db.get(Doc, doc_id)
'''
MODELS = '''
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Doc(Base):
    __tablename__ = "docs"
    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("users.id"))


class Tag(Base):
    __tablename__ = "tags"
    id = Column(Integer, primary_key=True)
    name = Column(String)


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    role = Column(String)
'''
HEAD = '''
from fastapi import Depends, FastAPI, HTTPException

from deps import current_user, get_db, get_doc, get_owned_doc
from models import Doc, Tag, User

app = FastAPI()


'''


def _run(app: str, config: str = "") -> list[tuple[int, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        (root / "deps.py").write_text("from models import Doc\n" + DEPS, encoding="utf-8")
        (root / "models.py").write_text(MODELS, encoding="utf-8")
        (root / "app.py").write_text(HEAD.lstrip("\n") + textwrap.dedent(app).lstrip("\n"), encoding="utf-8")
        if config:
            (root / "pyproject.toml").write_text("[tool.apilint]\n" + config, encoding="utf-8")
        result = analyze_dir(root, select=("AUTHZ001", "AUTHZ002"))
        offset = HEAD.lstrip("\n").count("\n")
        return sorted((f.location.line - offset, f.code, f.confidence.value)
                      for f in result.findings if f.location.file == "app.py")


FLAGGED = [
    ('''
    @app.get("/docs/{doc_id}")
    def read(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).filter(Doc.id == doc_id).first()
    ''', (2, "AUTHZ001", "high")),
    ('''
    @app.get("/docs/{doc_id}")
    def read(doc_id: int, doc=Depends(get_doc), user=Depends(current_user)):
        return doc
    ''', (2, "AUTHZ001", "high")),
    ('''
    @app.get("/docs")
    def read(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        return db.get(Doc, doc_id)
    ''', (2, "AUTHZ001", "medium")),
    ('''
    @app.get("/docs/{slug}")
    def read(slug: str, db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).filter_by(slug=slug).first()
    ''', (2, "AUTHZ001", "low")),
    ('''
    @app.delete("/users/{user_id}")
    def remove(user_id: int, db=Depends(get_db), user=Depends(current_user)):
        db.delete(db.get(User, user_id))
    ''', (2, "AUTHZ002", "medium")),
    ('''
    @app.put("/users/{user_id}/role")
    def set_user_role(user_id: int, role: str, db=Depends(get_db), me=Depends(current_user)):
        target = db.get(User, user_id)
        target.role = role
    ''', (2, "AUTHZ002", "high")),
    # a list of an owned model served whole, while the module's item view scopes it to the caller
    ('''
    @app.get("/docs")
    def list_docs(db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).order_by(Doc.id).all()


    @app.get("/docs/{doc_id}")
    def read(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).filter(Doc.id == doc_id, Doc.owner_id == user["id"]).first()
    ''', (2, "AUTHZ001", "high")),
    # ... also as a SQLAlchemy 2.0 statement
    ('''
    from sqlalchemy import select


    @app.get("/docs")
    async def list_docs(db=Depends(get_db), user=Depends(current_user)):
        result = await db.execute(select(Doc).order_by(Doc.id))
        return result.scalars().all()


    @app.get("/docs/mine/latest")
    async def latest_doc(db=Depends(get_db), user=Depends(current_user)):
        result = await db.execute(select(Doc).where(Doc.owner_id == user["id"]).limit(1))
        return result.scalars().first()
    ''', (5, "AUTHZ001", "high")),
    # a model that cannot be read, in a handler that never looks at the caller: low
    ('''
    from outside_models import models


    @app.delete("/datasets/{dataset_id}", dependencies=[Depends(current_user)])
    def remove(dataset_id: int, db=Depends(get_db)):
        db.delete(db.get(models.Dataset, dataset_id))
    ''', (5, "AUTHZ001", "low")),
    # ... while a handler that has the caller at hand and ignores it stays medium
    ('''
    from outside_models import models


    @app.delete("/datasets/{dataset_id}")
    def remove(dataset_id: int, db=Depends(get_db), user=Depends(current_user)):
        db.delete(db.get(models.Dataset, dataset_id))
    ''', (5, "AUTHZ001", "medium")),
    # a dependency checked the caller against another ID of the path, not this one
    ('''
    def workspace_member(workspace_id: int, user=Depends(current_user), db=Depends(get_db)):
        if db.query(Doc).filter(Doc.id == workspace_id, Doc.owner_id == user.id).first() is None:
            raise HTTPException(status_code=403)
        return user


    @app.get("/workspaces/{workspace_id}/docs/{doc_id}")
    def read(doc_id: int, db=Depends(get_db), member=Depends(workspace_member)):
        return db.get(Doc, doc_id)
    ''', (8, "AUTHZ001", "high")),
]

SILENT = [
    # lists restricted to the caller, lists of shared models, lists that only an admin reaches
    '''
    @app.get("/docs")
    def list_docs(db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).filter(Doc.owner_id == user["id"]).all()
    ''',
    '''
    @app.get("/tags")
    def list_tags(db=Depends(get_db), user=Depends(current_user)):
        return db.query(Tag).all()


    @app.get("/tags/{tag_id}")
    def read_tag(tag_id: int, db=Depends(get_db), user=Depends(current_user)):
        return db.query(Tag).filter(Tag.id == tag_id).first()
    ''',
    # no view scopes the model (it may be shared by design), or one reads it without the caller
    '''
    @app.get("/docs")
    def list_docs(db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).all()
    ''',
    '''
    @app.get("/docs")
    def list_docs(db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).all()


    @app.get("/docs/recent")
    def recent_docs(db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).order_by(Doc.id.desc()).limit(10).all()


    @app.delete("/docs/{doc_id}")
    def remove(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        db.query(Doc).filter(Doc.id == doc_id, Doc.owner_id == user["id"]).delete()
    ''',
    '''
    @app.post("/docs/export")
    def export_docs(db=Depends(get_db), user=Depends(current_user)):
        return {"count": len(db.query(Doc).all())}
    ''',
    # the query also uses the caller
    '''
    @app.get("/docs/{doc_id}")
    def read(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        return db.query(Doc).filter(Doc.id == doc_id, Doc.owner_id == user.id).first()
    ''',
    # owner compared after the load, then rejected
    '''
    @app.get("/docs/{doc_id}")
    def read(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        doc = db.get(Doc, doc_id)
        if doc.owner_id != user.id:
            raise HTTPException(status_code=403)
        return doc
    ''',
    # the dependency does the check
    '''
    @app.get("/docs/{doc_id}")
    def read(doc_id: int, doc=Depends(get_owned_doc)):
        return doc
    ''',
    # shared data: the model has no owner
    '''
    @app.get("/tags/{tag_id}")
    def read(tag_id: int, db=Depends(get_db), user=Depends(current_user)):
        return db.get(Tag, tag_id)
    ''',
    # the ID is the caller's own
    '''
    @app.delete("/users/{user_id}")
    def remove(user_id: int, db=Depends(get_db), user=Depends(current_user)):
        if user_id != user.id:
            raise HTTPException(status_code=403)
        db.delete(db.get(User, user_id))
    ''',
    # a social action on someone else's object
    '''
    @app.post("/docs/{doc_id}/like")
    def like(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        doc = db.get(Doc, doc_id)
        db.commit()
    ''',
    # an admin check in the handler
    '''
    @app.put("/users/{user_id}/role")
    def set_user_role(user_id: int, role: str, db=Depends(get_db), me=Depends(current_user)):
        if me.role != "admin":
            raise HTTPException(status_code=403)
        target = db.get(User, user_id)
        target.role = role
    ''',
    # unauthenticated: AUTH001's business
    '''
    @app.get("/docs/{doc_id}")
    def read(doc_id: int, db=Depends(get_db)):
        return db.get(Doc, doc_id)
    ''',
    # what an authentication dependency returns (a project the caller is a member of) scopes the query
    '''
    class ProjectMember:
        def __call__(self, project_name: str, user=Depends(current_user), db=Depends(get_db)):
            return user, db.query(Tag).filter(Tag.name == project_name).first()


    @app.post("/projects/{project_name}/docs/get")
    def read(doc_id: int, db=Depends(get_db), user_project=Depends(ProjectMember())):
        _, project = user_project
        return db.query(Doc).filter(Doc.id == doc_id, Doc.project_id == project.id).first()
    ''',
    # a dependency checked the caller against the parent ID, and the query is scoped by it
    '''
    def workspace_member(workspace_id: int, user=Depends(current_user), db=Depends(get_db)):
        if db.query(Doc).filter(Doc.id == workspace_id, Doc.owner_id == user.id).first() is None:
            raise HTTPException(status_code=403)
        return user


    @app.get("/workspaces/{workspace_id}/docs/{doc_id}")
    def read(workspace_id: int, doc_id: int, db=Depends(get_db), member=Depends(workspace_member)):
        return db.query(Doc).filter(Doc.workspace_id == workspace_id, Doc.id == doc_id).first()
    ''',
    # an in-memory registry class is not a database model
    '''
    class Sessions:
        live = {}

        @classmethod
        def get_by_id(cls, session_id):
            return cls.live.get(session_id)


    @app.put("/feedback")
    def feedback(session_id: int, user=Depends(current_user)):
        return Sessions.get_by_id(session_id)
    ''',
    # a permission check answered with a 403 status name
    '''
    from http import HTTPStatus


    @app.delete("/docs/{doc_id}")
    def remove(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        if not user.has_perm("docs.delete_doc"):
            return {"error": "forbidden"}, HTTPStatus.FORBIDDEN
        db.delete(db.get(Doc, doc_id))
    ''',
    # a secret only the object's addressee holds is verified
    '''
    import hmac


    @app.get("/docs/{doc_id}/download")
    def download(doc_id: int, token: str, db=Depends(get_db), user=Depends(current_user)):
        doc = db.get(Doc, doc_id)
        if not hmac.compare_digest(doc.download_token, token):
            return None
        return doc
    ''',
    # revoking grants on the caller's own record is not a role change
    '''
    @app.delete("/extensions/{ext_id}/permissions/{grant_id}")
    def revoke(ext_id: int, grant_id: str, db=Depends(get_db), account=Depends(current_user)):
        record = load_extension_grants(account.id, ext_id)
        record.permissions = remove_grant(record.permissions, grant_id)
        db.commit()
    ''',
    # the `role` of a saved database connection is the login role it uses, not a privilege
    '''
    @app.post("/servers/{server_id}/connect")
    def connect(server_id: int, role: str, db=Depends(get_db), user=Depends(current_user)):
        server = db.query(Doc).filter(Doc.id == server_id, Doc.owner_id == user.id).first()
        server.role = role
        db.commit()
    ''',
    # a literal default role is not a privilege change
    '''
    @app.post("/teams/{team_id}/members")
    def add_member(team_id: int, db=Depends(get_db), me=Depends(current_user)):
        member = User()
        member.role = "member"
    ''',
]


@pytest.mark.parametrize(("app", "expected"), FLAGGED)
def test_flagged(app: str, expected: tuple[int, str, str]) -> None:
    assert _run(app) == [expected]


@pytest.mark.parametrize("app", SILENT)
def test_silent(app: str) -> None:
    assert _run(app) == []


def test_configured_ownership_helper_silences() -> None:
    app = '''
    @app.get("/docs/{doc_id}")
    def read(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        doc = db.get(Doc, doc_id)
        visible_to(doc)
        return doc
    '''
    assert _run(app) == [(2, "AUTHZ001", "high")]
    assert _run(app, 'ownership = { helpers = ["visible_to"] }') == []


def test_superuser_gate_after_self_shortcut_is_silent() -> None:
    app = '''
    @app.get("/users/{user_id}")
    def read_user(user_id: int, db=Depends(get_db), current_user=Depends(current_user)):
        user = db.get(User, user_id)
        if user == current_user:
            return user
        if not current_user.is_superuser:
            raise HTTPException(status_code=403)
        return user
    '''
    assert _run(app) == []


def test_flask_stores_natural_keys_request_ids_and_parent_owners() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        (root / "app.py").write_text(textwrap.dedent('''
            from flask import Flask, abort, jsonify, request, session
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)

            CARDS = {1: {"id": 1, "owner_id": 7, "label": "visa"}}
            TAGS = {1: {"id": 1, "label": "red"}}


            class Vehicle(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                owner_id = db.Column(db.Integer)


            class Inspection(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                vehicle = db.relationship("Vehicle")


            class Note(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                user_id = db.Column(db.Integer)
                title = db.Column(db.String(80))


            def _login():
                if "uid" not in session:
                    abort(401)


            @app.route("/cards/<int:card_id>")
            def card(card_id):
                _login()
                return jsonify(CARDS[card_id])


            @app.route("/tags/<int:tag_id>")
            def tag(tag_id):
                _login()
                return jsonify(TAGS[tag_id])


            @app.route("/inspection")
            def inspection():
                _login()
                inspection_id = request.args.get("inspection_id")
                return {"id": Inspection.query.get(inspection_id).id}


            @app.route("/notes/<title>", methods=["DELETE"])
            def delete_note(title):
                _login()
                Note.query.filter_by(title=title).delete()
                return "", 204


            @app.route("/notes/<title>/read")
            def read_note(title):
                _login()
                return {"id": Note.query.filter_by(title=title).first().id}


            @app.route("/cards/<int:card_id>/mine")
            def my_card(card_id):
                _login()
                requester = request.headers.get("X-User")
                if int(requester) != card_id:
                    return {"error": "forbidden"}, 403
                return jsonify(CARDS[card_id])
        ''').lstrip("\n"), encoding="utf-8")
        result = analyze_dir(root, select=("AUTHZ001",))
        found = sorted((f.location.line, f.confidence.value) for f in result.findings)
    # card (store with an owner), inspection (query-string ID, owned through its vehicle), delete_note and
    # read_note (natural key of an owned model); not: tag (no owner field), my_card (a 403 comparison)
    assert found == [(33, "high"), (45, "medium"), (52, "medium"), (59, "medium")]


def test_role_test_on_the_request_body_is_not_a_role_check() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        (root / "deps.py").write_text(DEPS, encoding="utf-8")
        (root / "app.py").write_text(textwrap.dedent('''
            from fastapi import Depends, FastAPI, HTTPException
            from pydantic import BaseModel

            from deps import current_user

            app = FastAPI()


            class RoleUpdate(BaseModel):
                username: str
                role: str


            @app.put("/users/update_role")
            def update_role(body: RoleUpdate, user=Depends(current_user)):
                if body.role == "owner":
                    raise HTTPException(status_code=401, detail="Only owners may grant owner")
                return {"ok": True}


            @app.put("/users/grant_role")
            def grant_role(body: RoleUpdate, user=Depends(current_user)):
                if user.role != "owner":
                    raise HTTPException(status_code=403)
                return {"ok": True}
        ''').lstrip("\n"), encoding="utf-8")
        result = analyze_dir(root, select=("AUTHZ002",))
        assert [(f.location.line, f.code) for f in result.findings] == [(15, "AUTHZ002")]


DJANGO_PAGES = '''
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.shortcuts import get_object_or_404, render
from django.urls import path


class Page(models.Model):
    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    title = models.CharField(max_length=100)


def get_pages_queryset(request):
    return Page.objects.filter(owner=request.user)


@login_required
def scoped(request, page_id):
    return render(request, "p.html", {"p": get_object_or_404(get_pages_queryset(request), id=page_id)})


@login_required
def unscoped(request, page_id):
    return render(request, "p.html", {"p": get_object_or_404(Page.objects.all(), id=page_id)})


@login_required
def content_type(request, ct_id):
    return render(request, "c.html", {"c": get_object_or_404(ContentType, pk=ct_id)})


urlpatterns = [path("s/<int:page_id>/", scoped), path("u/<int:page_id>/", unscoped),
               path("ct/<int:ct_id>/", content_type)]
'''


def test_request_scoped_querysets_and_framework_tables(tmp_path: Path) -> None:
    """A queryset built from the request is the caller's; content types belong to nobody."""
    (tmp_path / "views.py").write_text(DJANGO_PAGES, encoding="utf-8")
    (tmp_path / "settings.py").write_text('ROOT_URLCONF = "views"\nSECRET_KEY = "x"\n', encoding="utf-8")
    result = analyze_dir(tmp_path, select=("AUTHZ001",))
    found = [(f.route, f.confidence.value) for f in result.findings]
    assert found == [("ANY /u/{page_id}/", "high")]
    assert "loads Page by `page_id`" in result.findings[0].message


def test_ids_and_keys_from_the_request_body() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        (root / "deps.py").write_text("from models import Doc\n" + DEPS, encoding="utf-8")
        (root / "models.py").write_text(MODELS, encoding="utf-8")
        (root / "app.py").write_text(textwrap.dedent('''
            from fastapi import Depends, FastAPI, HTTPException, Request
            from pydantic import BaseModel

            from deps import current_user, get_db
            from models import Doc, User

            app = FastAPI()


            class DocUpdate(BaseModel):
                doc_id: int
                title: str


            class ProfileUpdate(BaseModel):
                username: str
                bio: str


            def find_user(db, username):
                return db.query(User).filter(User.username == username).first()


            @app.put("/docs")
            def update_doc(body: DocUpdate, db=Depends(get_db), me=Depends(current_user)):
                doc = db.get(Doc, body.doc_id)
                doc.title = body.title


            @app.put("/profile")
            def update_profile(user: ProfileUpdate, db=Depends(get_db), me=Depends(current_user)):
                target = find_user(db, user.username)
                target.bio = user.bio


            @app.post("/docs/archive")
            async def archive(request: Request, db=Depends(get_db), me=Depends(current_user)):
                data = await request.json()
                db.delete(db.get(Doc, data["doc_id"]))


            @app.put("/docs/mine")
            def update_mine(body: DocUpdate, db=Depends(get_db), me=Depends(current_user)):
                doc = db.query(Doc).filter(Doc.id == body.doc_id, Doc.owner_id == me.id).first()
                doc.title = body.title


            @app.post("/invites")
            def invite(user: ProfileUpdate, db=Depends(get_db), me=Depends(current_user)):
                if db.query(User).filter(User.username == user.username).first():
                    raise HTTPException(status_code=409)
                return {"invited": user.username}


            @app.put("/profile/self")
            def update_self(user: ProfileUpdate, db=Depends(get_db), me=Depends(current_user)):
                target = find_user(db, user.username)
                if target.id != me.id:
                    raise HTTPException(status_code=403)
                target.bio = user.bio
        ''').lstrip("\n"), encoding="utf-8")
        result = analyze_dir(root, select=("AUTHZ001",))
        found = sorted((f.location.line, f.confidence.value) for f in result.findings)
    # update_doc (a body ID of an owned model), update_profile (a user named by the body, then changed; the
    # body parameter `user` is not the caller), archive (an ID read from the JSON body); not: update_mine
    # (scoped to the caller), invite (an existence check changes nothing), update_self (compared, rejected)
    assert found == [(25, "medium"), (31, "medium"), (37, "medium")]


def test_role_check_keyed_on_the_route_inside_the_auth_dependency_lowers_authz002() -> None:
    app = '''
    from fastapi import Request

    from deps import scheme

    MANAGEMENT_ROUTES = {"/users/{user_id}/ban"}


    def api_key_auth(request: Request, token: str = Depends(scheme)):
        if not token:
            raise HTTPException(status_code=401)
        route = get_request_route(request=request)
        if route in MANAGEMENT_ROUTES and not key_can_manage(token):
            raise HTTPException(status_code=403)
        return {"id": 1}


    @app.post("/users/{user_id}/ban", dependencies=[Depends(api_key_auth)])
    def ban_user(user_id: int, db=Depends(get_db)):
        db.commit()
    '''
    assert _run(app) == [(18, "AUTHZ002", "low")]


def test_link_flows_are_their_own_authorization_but_not_on_someone_elses_account() -> None:
    app = '''
    @app.post("/invitations/{invitation_id}/accept")
    def accept(invitation_id: int, db=Depends(get_db), user=Depends(current_user)):
        invitation = db.get(Doc, invitation_id)
        db.commit()


    @app.post("/docs/{doc_id}/reset-password")
    def reset(doc_id: int, db=Depends(get_db), user=Depends(current_user)):
        doc = db.get(Doc, doc_id)
        db.commit()
    '''
    assert _run(app) == [(8, "AUTHZ001", "high")]



SHELVES = '''
from flask import Flask, flash, redirect
from flask_login import current_user, login_required
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


class Shelf(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    is_public = db.Column(db.Boolean, default=False)


def can_edit_shelf(shelf):
    return shelf.is_public or shelf.user_id == current_user.id


def delete_shelf_checked(shelf):
    if not shelf or not can_edit_shelf(shelf):
        return False
    db.session.delete(shelf)
    db.session.commit()
    return True


def delete_shelf_unchecked(shelf):
    if not shelf:
        return False
    db.session.delete(shelf)
    db.session.commit()
    return True


@app.route("/shelves/<int:shelf_id>/delete", methods=["POST"])
@login_required
def delete_shelf(shelf_id):
    shelf = db.session.query(Shelf).filter(Shelf.id == shelf_id).first()
    if not delete_shelf_checked(shelf):
        flash("Error deleting shelf")
    return redirect("/")


@app.route("/shelves/<int:shelf_id>/remove", methods=["POST"])
@login_required
def remove_shelf(shelf_id):
    shelf = db.session.query(Shelf).filter(Shelf.id == shelf_id).first()
    if not delete_shelf_unchecked(shelf):
        flash("Error deleting shelf")
    return redirect("/")
'''


def test_a_helper_that_checks_the_handed_object_and_returns_early_is_an_ownership_check(tmp_path: Path) -> None:
    """The loaded object handed to a helper that returns early unless an ownership check passes
    (`if not can_edit(shelf): return False`, then the delete): the helper's work is guarded. The
    same helper without the check is not."""
    (tmp_path / "app.py").write_text(SHELVES)
    found = sorted((f.location.line, f.code) for f in analyze_dir(tmp_path).findings if f.code == "AUTHZ001")
    assert found == [(47, "AUTHZ001")]
