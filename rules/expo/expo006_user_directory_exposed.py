"""EXPO006: a list endpoint that hands every account's email, phone or address to any caller."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.class_facts import model_facts
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.expo._directory import Listing, drf_listing, handler_listings
from apilint.rules.expo._helpers import routes_by_handler

_PRIVILEGED_PATH = lazy_compile(r"(^|/)(admin|staff|management|manage|backoffice|superuser|moderation)(/|$|-|_)",
                              re.IGNORECASE)


class UserDirectoryExposed(Rule):
    """
    ## What it finds
    Read endpoints that return many accounts (`User`, `Customer`, `Member`, `Profile`...)
    loaded with no filter (`User.query.all()`, `User.objects.all()`, `select(User)`,
    `session.query(User).all()`) together with their contact details (`email`, `phone`,
    `mobile`, `address`, `date_of_birth`), to callers who are not administrators:

    - a list or dict comprehension over the accounts that builds dicts with those keys, or calls
      a model method that does (`[u.to_json() for u in User.query.all()]`), directly or in a
      project helper the handler returns;
    - FastAPI handlers returning the accounts whole, or through a schema with those fields;
    - DRF list views whose `queryset` is every account and whose serializer outputs those fields.

    Routes with a role check, or under an admin path (`/admin/...`, `/staff/...`), are not
    reported; nor are scoped queries (`filter(team_id=...)`, a DRF `get_queryset`), nor a
    comprehension with a condition (`if u.public_profile`). Confidence is high when the route
    needs no authentication at all, medium when any signed-in user may call it, low when
    apilint cannot tell. Anchor: the handler's `def` line.

    ## Why it matters
    One request harvests every customer's email and phone number: material for phishing,
    spam and account-takeover attempts, and a personal-data breach to report (CWE-359
    Exposure of Private Personal Information to an Unauthorized Actor, OWASP API3:2023 Broken
    Object Property Level Authorization).

    ## Options
    None.

    ## Known limitations
    A directory that is public by design (a staff page, a speakers list) is reported too:
    suppress the line. Accounts filtered in Python after loading, or queries built in a
    repository class apilint cannot follow, are not seen.

    ## References
    - https://cwe.mitre.org/data/definitions/359.html
    - https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/
    """

    code = "EXPO006"
    name = "user-directory-exposed"
    summary = "List endpoint returns every account's email, phone or address to non-administrators"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "flask", "django", "drf", "ninja", "connexion"})
    cwe = (359,)
    owasp = ("API3:2023",)

    bad = Example("""
        from flask import Flask, jsonify
        from flask_login import login_required
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)


        class Customer(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            email = db.Column(db.String)
            phone = db.Column(db.String)


        @app.get("/customers")
        @login_required
        def list_customers():  # expect: EXPO006
            return jsonify([{"id": c.id, "name": c.name, "email": c.email, "phone": c.phone}
                            for c in Customer.query.limit(100).all()])
    """)

    good = Example("""
        from flask import Flask, jsonify
        from flask_login import login_required
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)


        class Customer(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            email = db.Column(db.String)
            phone = db.Column(db.String)


        @app.get("/customers")
        @login_required
        def list_customers():
            return jsonify([{"id": c.id, "name": c.name} for c in Customer.query.limit(100).all()])
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report list routes that publish account contact details."""
        facts = model_facts(ctx.index)
        for route, _methods in routes_by_handler(ctx):
            if route.method not in ("GET", "ANY") or route.authz or _PRIVILEGED_PATH.search(route.path):
                continue
            listing = drf_listing(facts, route) if route.framework == "drf" else None
            func, mod = ctx.handler(route), ctx.module_of(route)
            if listing is None and func is not None and mod is not None:
                listing = next(iter(handler_listings(facts, mod, func)), None)
            if listing is not None:
                yield self._report(route, listing)

    def _report(self, route: Route, listing: Listing) -> Finding:
        status = route.auth.status
        if status is AuthStatus.NONE:
            who, confidence, severity = "anyone, without signing in", Confidence.HIGH, Severity.HIGH
        elif status is AuthStatus.UNKNOWN:
            who, confidence, severity = "callers apilint cannot tell apart", Confidence.LOW, Severity.MEDIUM
        else:
            who, confidence, severity = "any signed-in user", Confidence.MEDIUM, Severity.MEDIUM
        fields = ", ".join(listing.fields[:4])
        message = (f"{route.display} returns the {fields} of every {listing.model} ({listing.source}) to {who}: "
                   "one request harvests everyone's contact details")
        return self.finding(route, message,
                            "List only public fields (name, avatar) for other accounts; show contact details to the "
                            "account owner or administrators, or scope the query to the caller's own contacts",
                            confidence=confidence, severity=severity)


__all__ = ["UserDirectoryExposed"]
