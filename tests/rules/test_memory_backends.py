"""Apps that keep records in memory behind a backend object: a module `__getattr__` proxy that
hands calls to the backend (INJ001 follows it to the SQL), lookups in stores apilint cannot read
(AUTHZ001), and privileged fields set from query parameters (MASS001)."""

from __future__ import annotations

from pathlib import Path

from apilint.testing import analyze_dir

_STORE = '''
from typing import Any

from sqlalchemy import create_engine, text


class SqlBackend:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def find_books(self, title: str):
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT * FROM books WHERE title LIKE '%{title}%'")).all()

    def find_books_safely(self, title: str):
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT * FROM books WHERE title LIKE :t"), {"t": f"%{title}%"}).all()


_backend = SqlBackend("sqlite:///books.db")


def __getattr__(name: str) -> Any:
    return getattr(_backend, name)
'''

_AUTH = '''
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

bearer = OAuth2PasswordBearer(tokenUrl="/token")


def current_user(token: str = Depends(bearer)) -> dict:
    if not token:
        raise HTTPException(status_code=401)
    return {"id": 1}
'''


def _run(tmp_path: Path, files: dict[str, str], select: tuple[str, ...]) -> list[tuple[str, int, str, str]]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    for rel, source in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(source.lstrip("\n"), encoding="utf-8")
    found = analyze_dir(tmp_path, select=select).findings
    return sorted((f.location.file, f.location.line, f.code, f.confidence.value) for f in found)


def test_sql_reached_through_a_module_getattr_proxy_is_attributed_to_the_route(tmp_path: Path) -> None:
    found = _run(tmp_path, {"app/__init__.py": "", "app/store.py": _STORE, "app/main.py": '''
from fastapi import FastAPI

from app import store

app = FastAPI()


@app.get("/books")
def search(title: str):
    return store.find_books(title)


@app.get("/books/safe")
def search_safely(title: str):
    return store.find_books_safely(title)
'''}, ("INJ001",))
    assert found == [("app/store.py", 12, "INJ001", "medium")]
    [finding] = analyze_dir(tmp_path, select=("INJ001",)).findings
    assert finding.route == "GET /books"


def test_a_module_without_getattr_delegation_resolves_nothing(tmp_path: Path) -> None:
    store = _STORE.replace("return getattr(_backend, name)", "raise AttributeError(name)")
    found = _run(tmp_path, {"app/__init__.py": "", "app/store.py": store, "app/main.py": '''
from fastapi import FastAPI

from app import store

app = FastAPI()


@app.get("/books")
def search(title: str):
    return store.find_books(title)
'''}, ("INJ001",))
    assert found == [("app/store.py", 12, "INJ001", "low")]  # reached by no route apilint knows


def test_unread_stores_and_record_filters_are_loads(tmp_path: Path) -> None:
    found = _run(tmp_path, {"auth.py": _AUTH, "stores.py": '''
invoices_by_id = {}
cache = {}
''', "main.py": '''
from fastapi import Depends, FastAPI, HTTPException

from auth import current_user
import stores

app = FastAPI()
INVOICES = []


@app.get("/invoices/{invoice_id}")
def read_invoice(invoice_id: int, user: dict = Depends(current_user)):
    invoice = stores.invoices_by_id.get(invoice_id)
    if invoice is None:
        raise HTTPException(status_code=404)
    return invoice


@app.get("/customers/{customer_id}/invoices")
def list_invoices(customer_id: int, user: dict = Depends(current_user)):
    return [i for i in INVOICES if i.customer_id == customer_id]


@app.get("/cache/{key_id}")
def read_cache(key_id: int, user: dict = Depends(current_user)):
    return {"hit": stores.cache.get(key_id)}


@app.get("/mine/{invoice_id}")
def read_mine(invoice_id: int, user: dict = Depends(current_user)):
    invoice = stores.invoices_by_id.get(invoice_id)
    if invoice is None or invoice.owner_id != user["id"]:
        raise HTTPException(status_code=404)
    return invoice
'''}, ("AUTHZ001",))
    # a store known by its name alone is low outside a user's own path; an owner-field filter is medium
    assert found == [("main.py", 11, "AUTHZ001", "low"), ("main.py", 19, "AUTHZ001", "medium")]


def test_owner_compared_with_another_client_id_or_a_count_is_no_ownership_check(tmp_path: Path) -> None:
    found = _run(tmp_path, {"auth.py": _AUTH, "main.py": '''
from fastapi import Depends, FastAPI, HTTPException

from auth import current_user

app = FastAPI()
orders_by_id = {}
ORDERS = []


@app.delete("/users/{user_id}/orders/{order_id}")
def cancel(user_id: int, order_id: int, user: dict = Depends(current_user)):
    order = orders_by_id.get(order_id)
    if order is None or order.user_id != user_id:
        raise HTTPException(status_code=404)
    order.status = "cancelled"


@app.delete("/users/{user_id}/orders")
def clear(user_id: int, user: dict = Depends(current_user)):
    kept = [o for o in ORDERS if o.user_id == user_id]
    if len(kept) <= 1:
        raise HTTPException(status_code=403, detail="keep one")
    kept.clear()


@app.delete("/me/orders/{order_id}")
def cancel_mine(order_id: int, user: dict = Depends(current_user)):
    order = orders_by_id.get(order_id)
    if order is None or order.user_id != user["id"]:
        raise HTTPException(status_code=404)
    order.status = "cancelled"
'''}, ("AUTHZ001",))
    assert found == [("main.py", 11, "AUTHZ001", "medium"), ("main.py", 19, "AUTHZ001", "medium")]


def test_privileged_query_parameter_written_into_an_object(tmp_path: Path) -> None:
    found = _run(tmp_path, {"auth.py": _AUTH, "main.py": '''
from fastapi import Depends, FastAPI, Query

from auth import current_user

app = FastAPI()
PROFILES = {}


@app.put("/profile")
def update_profile(
    nickname: str | None = None,
    promote: bool | None = Query(None, alias="is_admin"),
    user: dict = Depends(current_user),
):
    profile = PROFILES[user["id"]]
    changes = {}
    if nickname is not None:
        changes["nickname"] = nickname
    if promote is not None:
        changes["is_admin"] = promote
    for key, value in changes.items():
        setattr(profile, key, value)
    return profile


@app.post("/profile/search")
def search_profiles(is_admin: bool = Query(False), user: dict = Depends(current_user)):
    return [p for p in PROFILES.values() if p.is_admin == is_admin]


@app.patch("/tickets/{ticket_id}")
def edit_ticket(ticket_id: int, title: str | None = None, internal_notes: str | None = None,
                user: dict = Depends(current_user)):
    ticket = TicketChanges(title=title, internal_notes=internal_notes).model_dump(exclude_unset=True)
    return ticket
'''}, ("MASS001",))
    assert found == [("main.py", 22, "MASS001", "high"), ("main.py", 34, "MASS001", "high")]
