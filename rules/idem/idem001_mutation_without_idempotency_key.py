"""IDEM001: a POST that moves money or creates an order accepts no idempotency key."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.idem._helpers import is_money_mutation, project_has_middleware, route_has_key


class MutationWithoutIdempotencyKey(Rule):
    """
    ## What it finds
    `POST` routes that create payments, charges, transfers, orders, checkouts, withdrawals,
    payouts, refunds, purchases or deposits (the last fixed path segment, such as
    `POST /api/v1/payments` or `POST /orders/{id}/refund`, or a handler named
    `create_payment`, `place_order`, `checkout` ...) with no idempotency mechanism: no
    parameter, header, body field, dependency or decorator named for idempotency
    (`Idempotency-Key`, `idempotency_key`, `@idempotent`), no de-duplication
    (`get_or_create`, `update_or_create`) in the handler or the project functions it calls,
    and no idempotency middleware or request hook in the project. Reported on the handler's
    `def` line.

    ## Why it matters
    Clients, proxies and mobile networks retry `POST` requests whose answer was lost. Without
    a key that lets the server recognise the retry, each one charges the card, sends the
    transfer or places the order again, and an attacker can replay the request on purpose to
    multiply a refund or a payout (CWE-837 Improper Enforcement of a Single, Unique Action;
    OWASP API6:2023 Unrestricted Access to Sensitive Business Flows).

    ## Options
    None.

    ## Known limitations
    Off by default and low confidence: which routes move money is judged from path and
    handler names only, and de-duplication done by a unique database constraint, a payment
    provider's own idempotency, or a gateway is not seen. A project that mentions
    idempotency in any middleware or request hook is taken as covered everywhere.

    ## References
    - https://cwe.mitre.org/data/definitions/837.html
    - https://owasp.org/API-Security/editions/2023/en/0xa6-unrestricted-access-to-sensitive-business-flows/
    - https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
    """

    code = "IDEM001"
    name = "mutation-without-idempotency-key"
    summary = "Payment or order creation accepts no idempotency key"
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (837,)
    owasp = ("API6:2023",)
    enabled_by_default = False

    bad = Example("""
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer
        from pydantic import BaseModel

        app = FastAPI()
        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


        class PaymentIn(BaseModel):
            amount_cents: int
            card_token: str


        @app.post("/api/v1/payments", status_code=201)
        def create_payment(payment: PaymentIn, token: str = Depends(oauth2_scheme)) -> dict:  # expect: IDEM001
            return {"status": "charged"}
    """, config='extend-select = ["IDEM001"]')

    good = Example("""
        from fastapi import Depends, FastAPI, Header
        from fastapi.security import OAuth2PasswordBearer
        from pydantic import BaseModel

        app = FastAPI()
        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        SEEN: dict[str, dict[str, str]] = {}


        class PaymentIn(BaseModel):
            amount_cents: int
            card_token: str


        @app.post("/api/v1/payments", status_code=201)
        def create_payment(payment: PaymentIn, token: str = Depends(oauth2_scheme),
                           idempotency_key: str = Header(alias="Idempotency-Key")) -> dict[str, str]:
            if idempotency_key in SEEN:
                return SEEN[idempotency_key]
            SEEN[idempotency_key] = {"status": "charged"}
            return SEEN[idempotency_key]
    """, config='extend-select = ["IDEM001"]')

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """One finding per money-moving POST with no idempotency evidence."""
        candidates = [r for r in ctx.routes if is_money_mutation(r)]
        if not candidates or project_has_middleware(ctx):
            return
        done: set[str] = set()
        for route in candidates:
            if route.handler in done or route_has_key(ctx, route):
                continue
            done.add(route.handler)
            yield self.finding(route, f"{route.display} moves money or places an order but accepts no idempotency "
                               "key: a retried or replayed request does it again",
                               "Require an `Idempotency-Key` header, store the first response under it and "
                               "return that response for repeats (or de-duplicate on a client-supplied key "
                               "with a unique constraint)")
