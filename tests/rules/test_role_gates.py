"""Role gates that admit every ordinary account, role checks missing on one change of a resource,
look-alike CORS regexes, and handler try/except blocks that are not login checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.model import AuthStatus, Evidence
from apilint.role_names import admitted_roles
from apilint.rules.authz._roles import admitted_roles as admitted_by
from apilint.rules.authz._roles import ordinary_gate
from apilint.rules.cors._helpers import attacker_origin
from apilint.summarize import summarize_source
from apilint.testing import analyze_files

SECURITY = '''
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_db():
    yield None


def current_user(token: str = Depends(scheme)):
    if not token:
        raise HTTPException(status_code=401)
    return {"id": 1, "role": "user"}


class Roles:
    def __init__(self, *allowed):
        self.allowed = allowed

    def __call__(self, user=Depends(current_user)):
        if user["role"] not in self.allowed:
            raise HTTPException(status_code=403)
        return user
'''
MODELS = '''
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Invoice(Base):
    __tablename__ = "invoices"
    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("users.id"))


class Product(Base):
    __tablename__ = "products"
    id = Column(Integer, primary_key=True)
    name = Column(String)
'''


def _codes(tmp_path: Path, api: str) -> list[tuple[str, int, str]]:
    result = analyze_files(tmp_path, {"security.py": SECURITY, "models.py": MODELS, "api.py": api})
    return sorted((f.code, f.location.line, f.confidence.value) for f in result.findings
                  if f.code.startswith(("AUTHZ", "AUTH0")))


@pytest.mark.parametrize(("code", "roles", "ordinary"), [
    ("Roles([Role.CUSTOMER])", ("customer",), True),
    ("Roles('user', 'member')", ("user", "member"), False),
    ('roles_required("customer")', ("customer",), True),
    ("current_user.role != UserRole.CHEF.value", ("chef",), False),
    ('"admin" in user.roles', ("admin",), False),
    ("not user.is_active or user.role not in (Role.USER, Role.BASIC_USER)", ("user", "basic_user"), True),
    ("Roles([Role.BASIC_USER])", ("basic_user",), True),
    ("Roles(ALLOWED)", ("allowed",), False),
    ("Roles(settings.allowed_roles)", (), False),
    ("user.role not in self.allowed", (), False),
    ("lambda u: u.role == 'customer'", ("customer",), True),
    ('"operator" not in claims["roles"]', ("operator",), False),
    ("g.get('current_role') != role", (), False),
    ("permission not in operator['permissions']", (), False),
    ("request.cookies.get('ops_role', '') != 'admin'", ("admin",), False),
])
def test_roles_read_from_the_check(code: str, roles: tuple[str, ...], ordinary: bool):
    """The adapters read the roles a check admits from its expression; AUTHZ rules read them back."""
    expr = summarize_source(f"check = {code}\n".encode(), "checks.py").body[0].value
    assert expr is not None
    assert admitted_roles(expr) == roles
    evidence = Evidence("role", "security.Roles", AuthStatus.REQUIRED, expr.render(60), roles=admitted_roles(expr))
    assert admitted_by(evidence) == (frozenset(roles) or None)
    assert ordinary_gate(evidence) is ordinary


def test_customer_gate_does_not_scope_an_object(tmp_path: Path):
    api = '''
    from fastapi import Depends, FastAPI
    from models import Invoice
    from security import Roles, get_db

    app = FastAPI()


    @app.get("/invoices/{invoice_id}")
    def read_invoice(invoice_id: int, db=Depends(get_db), user=Depends(Roles("customer"))):
        return db.get(Invoice, invoice_id)


    @app.get("/audit/invoices/{invoice_id}")
    def audit_invoice(invoice_id: int, db=Depends(get_db), user=Depends(Roles("auditor", "admin"))):
        return db.get(Invoice, invoice_id)
    '''
    assert _codes(tmp_path, api) == [("AUTHZ001", 10, "high")]


def test_change_without_the_role_its_siblings_require(tmp_path: Path):
    api = '''
    from fastapi import Depends, FastAPI
    from models import Product
    from security import Roles, current_user, get_db

    app = FastAPI()
    staff = Roles("staff")


    @app.post("/products")
    def add(db=Depends(get_db), user=Depends(staff)):
        return {}


    @app.put("/products/{product_id}")
    def edit(product_id: int, db=Depends(get_db), user=Depends(staff)):
        return {}


    @app.delete("/products/{product_id}")
    def drop(product_id: int, db=Depends(get_db), user=Depends(current_user)):
        db.delete(db.get(Product, product_id))
    '''
    assert _codes(tmp_path, api) == [("AUTHZ002", 21, "medium")]


def test_open_read_of_a_resource_whose_writes_are_protected(tmp_path: Path):
    writes = '''
    from fastapi import APIRouter, Depends
    from security import current_user

    router = APIRouter()


    @router.post("/products")
    def add(user=Depends(current_user)):
        return {}
    '''
    reads = '''
    from fastapi import APIRouter, Depends
    from models import Product
    from security import get_db

    router = APIRouter()


    @router.get("/products")
    def browse(db=Depends(get_db)):
        return db.query(Product).limit(20).all()
    '''
    main = '''
    from fastapi import FastAPI
    import reads
    import writes

    app = FastAPI()
    app.include_router(writes.router)
    app.include_router(reads.router)
    '''
    result = analyze_files(tmp_path, {"security.py": SECURITY, "models.py": MODELS, "writes.py": writes,
                                      "reads.py": reads, "main.py": main})
    found = sorted((f.code, f.location.file, f.confidence.value) for f in result.findings if f.code == "AUTH001")
    assert found == [("AUTH001", "reads.py", "low")]


def test_one_sibling_is_not_enough(tmp_path: Path):
    api = '''
    from fastapi import Depends, FastAPI
    from security import Roles, current_user, get_db

    app = FastAPI()


    @app.post("/reviews")
    def moderate(db=Depends(get_db), user=Depends(Roles("moderator"))):
        return {}


    @app.delete("/reviews/{review_id}")
    def withdraw(review_id: int, db=Depends(get_db), user=Depends(current_user)):
        return {}
    '''
    assert _codes(tmp_path, api) == []


@pytest.mark.parametrize(("pattern", "full", "probe"), [
    (r".*.(shop.com|partner.com)", True, "https://evilshop.com"),
    (r"https://api.example.com", True, "https://apixexample.com"),
    (r"https://.*\.example\.com", False, "https://www.example.com.attacker.test"),
    (r"https://.*\.example\.com", True, None),
    (r"^https://([a-z0-9-]+\.)?example\.com$", False, None),
    (r"http://localhost:\d+", True, None),
])
def test_attacker_origin(pattern: str, full: bool, probe: str | None):
    assert attacker_origin(pattern, full) == probe


def test_registration_refusing_duplicates_is_public(tmp_path: Path):
    api = '''
    from fastapi import FastAPI, HTTPException, Request

    app = FastAPI()


    class Taken(Exception):
        pass


    @app.post("/signup")
    def signup(request: Request):
        if request.headers.get("Authorization"):
            raise HTTPException(status_code=400, detail="already signed in")
        try:
            save()
        except Taken:
            raise HTTPException(status_code=403, detail="taken")
        return {}


    @app.get("/session")
    def session(request: Request):
        token = request.headers.get("Authorization")
        try:
            claims = decode(token)
        except Taken:
            raise HTTPException(status_code=403)
        return claims
    '''
    result = analyze_files(tmp_path, {"api.py": api})
    status = {r.path: r.auth.status for r in result.routes}
    assert status["/signup"] is AuthStatus.NONE
    assert status["/session"] is AuthStatus.REQUIRED
