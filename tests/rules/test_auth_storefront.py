"""AUTH001 on a shop's catalogue reads: public in almost every store, so low confidence, while
other open reads of a project with authentication stay medium."""

from __future__ import annotations

from pathlib import Path

from apilint.testing import analyze_dir


def test_catalogue_reads_are_low_and_other_open_reads_medium(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.py").write_text('''
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

bearer = OAuth2PasswordBearer(tokenUrl="/token")


def current_user(token: str = Depends(bearer)) -> dict:
    if not token:
        raise HTTPException(status_code=401)
    return {"id": 1}


app = FastAPI()
api = APIRouter(prefix="/api/v1")


@api.get("/products")
def list_products():
    return []


@api.get("/products/{product_id}/stock")
def product_stock(product_id: int):
    return {"quantity": 3}


@api.get("/categories/{slug}")
def category(slug: str):
    return {}


@api.get("/orders")
def list_orders():
    return []


@app.get("/admin/products")
def admin_products():
    return []


@api.get("/me")
def me(user: dict = Depends(current_user)):
    return user


app.include_router(api)
'''.lstrip(), encoding="utf-8")
    found = sorted((f.route, f.confidence.value) for f in analyze_dir(tmp_path, select=("AUTH001",)).findings)
    assert found == [
        ("GET /admin/products", "medium"),
        ("GET /api/v1/categories/{slug}", "low"),
        ("GET /api/v1/orders", "medium"),
        ("GET /api/v1/products", "low"),
        ("GET /api/v1/products/{product_id}/stock", "low"),
    ]
