"""IDEM001 on small apps: which routes move money, and what counts as an idempotency mechanism."""

from __future__ import annotations

from apilint.rule import Example
from apilint.testing import run_example


def _found(source: str, files: tuple[tuple[str, str], ...] = ()) -> set[tuple[str, int, str]]:
    found, expected = run_example(Example(source, files=files), select=("IDEM001",))
    assert found == expected.expect
    return found


def test_money_routes_by_last_segment_and_handler_name():
    found = _found("""
        from flask import Flask

        app = Flask(__name__)


        @app.post("/orders")
        def new_order():  # expect: IDEM001
            return {}


        @app.post("/orders/<int:order_id>/cancel")
        def cancel(order_id):
            return {}


        @app.post("/views/order")
        def update_order():
            return {}


        @app.post("/cart/submit")
        def place_order():  # expect: IDEM001
            return {}


        @app.get("/payments")
        def list_payments():
            return []
    """)
    assert len(found) == 2


def test_key_in_body_model_decorator_or_get_or_create():
    assert not _found("""
        from fastapi import FastAPI
        from pydantic import BaseModel

        from shop import idempotent, record

        app = FastAPI()


        class TransferIn(BaseModel):
            idempotency_key: str
            amount: int


        @app.post("/transfers")
        def create_transfer(body: TransferIn) -> dict:
            return {}


        @app.post("/refunds")
        @idempotent
        def create_refund() -> dict:
            return {}


        @app.post("/payouts")
        def create_payout(reference: str) -> dict:
            return record(reference)
    """, files=(("shop.py", """
        def idempotent(view):
            return view


        def record(reference):
            return Payout.objects.get_or_create(reference=reference)
    """),))


def test_idempotency_middleware_covers_the_project():
    assert not _found("""
        from fastapi import FastAPI

        from middleware import IdempotencyMiddleware

        app = FastAPI()
        app.add_middleware(IdempotencyMiddleware)


        @app.post("/checkout")
        def checkout() -> dict:
            return {}
    """, files=(("middleware.py", "class IdempotencyMiddleware:\n    pass\n"),))
