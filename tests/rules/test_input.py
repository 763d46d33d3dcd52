"""INPUT001 and INPUT002 on small apps: Flask force=True, bare dict bodies, raw writes, MASS001 overlap."""

from __future__ import annotations

import tempfile
from pathlib import Path

from apilint.model import Confidence
from apilint.rule import Example
from apilint.testing import analyze_dir, run_example

AUTH = """
from fastapi import Header, HTTPException


def current_user(authorization: str = Header(...)) -> str:
    if not authorization:
        raise HTTPException(status_code=401)
    return authorization
"""

MODELS = """
from sqlalchemy import Boolean, Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)
    name = Column(String(50))


class Account(Base):
    __tablename__ = "accounts"
    id = Column(Integer, primary_key=True)
    email = Column(String(50))
    is_admin = Column(Boolean, default=False)
"""


def _found(source: str, select: tuple[str, ...] = ("INPUT",)) -> set[tuple[str, int, str]]:
    example = Example(source, files=(("app/__init__.py", ""), ("app/auth.py", AUTH), ("app/models.py", MODELS)))
    found, expected = run_example(example, select=select)
    assert found == expected.expect
    return found


def test_flask_force_json_only_on_flask_request_without_own_check():
    found = _found("""
        from flask import Flask, abort, request
        from flask_login import login_required

        app = Flask(__name__)


        class Fake:
            def get_json(self, force=False):
                return {}


        other = Fake()


        @app.post("/a")
        @login_required
        def a():
            return dict(request.get_json(force=True))  # expect: INPUT001


        @app.post("/b")
        @login_required
        def b():
            if request.mimetype != "application/json":
                abort(415)
            return dict(request.get_json(force=True))


        @app.post("/c")
        @login_required
        def c():
            return dict(other.get_json(force=True))


        @app.after_request
        def audit(response):
            request.get_json(force=True, silent=True)
            return response
    """)
    assert len(found) == 1


def test_bare_dict_bodies_on_mutating_routes():
    found = _found("""
        from typing import Annotated, Any

        from fastapi import Body, Depends, FastAPI, Query
        from pydantic import BaseModel

        from app.auth import current_user

        app = FastAPI(dependencies=[Depends(current_user)])


        class ItemIn(BaseModel):
            name: str


        def parse_filters() -> dict:
            return {}


        @app.post("/a")
        def a(data: dict) -> dict:  # expect: INPUT002
            return {"n": len(data)}


        @app.post("/b")
        def b(data: Annotated[dict[str, Any], Body()]) -> dict:  # expect: INPUT002
            return {"n": len(data)}


        @app.post("/c")
        def c(data: Any = Body(...)) -> dict:  # expect: INPUT002
            return {"n": len(data)}


        @app.post("/validated")
        def validated(data: dict) -> dict:
            item = ItemIn(**data)
            return {"name": item.name}


        @app.post("/validated-later")
        def validated_later(data: dict) -> dict:
            cleaned = {k: v for k, v in data.items() if k != "id"}
            return ItemIn.model_validate(cleaned).model_dump()


        @app.post("/dependency")
        def dependency(filters: dict = Depends(parse_filters),
                       q: Annotated[dict, Depends(parse_filters)] = None) -> dict:
            return filters


        @app.post("/scalar")
        def scalar(data: Any, tags: list[str] = Query([])) -> dict:
            return {"n": len(tags)}


        @app.get("/read")
        def read(data: dict) -> dict:
            return data
    """)
    assert len(found) == 3


def test_raw_writes_and_mass_assignment_overlap():
    found = _found("""
        from fastapi import Depends, FastAPI, Request

        from app.auth import current_user
        from app.models import Account, Item

        app = FastAPI(dependencies=[Depends(current_user)])
        db = object()


        @app.post("/items")
        async def create_item(request: Request) -> dict:
            data = await request.json()
            db.add(Item(**data))  # expect: INPUT002
            return {}


        @app.post("/accounts")
        async def create_account(request: Request) -> dict:
            data = await request.json()
            db.add(Account(**data))  # expect: MASS001
            return {}


        @app.post("/events")
        async def store_event(request: Request) -> dict:
            db.events.insert_one(await request.json())  # expect: INPUT002
            db.events.update_one({"_id": 1}, {"$set": await request.json()})  # expect: INPUT002
            return {}
    """, select=("INPUT", "MASS"))
    assert len(found) == 4


def test_bare_dict_bodies_are_low_confidence_and_free_form_ones_low_severity():
    source = (
        "from fastapi import Depends, FastAPI\n\nfrom app.auth import current_user\n\n"
        "app = FastAPI(dependencies=[Depends(current_user)])\n\n\n"
        "@app.put('/labels')\ndef labels(labels: dict) -> dict:\n    return labels\n\n\n"
        "@app.post('/webhooks/stripe')\ndef stripe(event: dict) -> dict:\n    return event\n\n\n"
        "@app.post('/orders')\ndef orders(order: dict) -> dict:\n    return order\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in (("main.py", source), ("app/__init__.py", ""), ("app/auth.py", AUTH)):
            Path(tmp, rel).parent.mkdir(parents=True, exist_ok=True)
            Path(tmp, rel).write_text(text, encoding="utf-8")
        findings = analyze_dir(Path(tmp), select=("INPUT",)).findings
    judged = sorted((f.route or "", f.confidence, f.severity.value) for f in findings)
    assert judged == [("POST /orders", Confidence.LOW, "medium"), ("POST /webhooks/stripe", Confidence.LOW, "low"),
                      ("PUT /labels", Confidence.LOW, "low")]
