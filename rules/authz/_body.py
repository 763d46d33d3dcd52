"""Object keys that arrive in the request body or query string rather than the path.

`order_id = request.json["order_id"]` is already a plain local (`_names.request_ids`); this
module covers the rest: a field read inline (`Order.query.get(request.json["order_id"])`),
through a local holding the body (`data = request.get_json(); data.get("order_id")`), or
from a body model parameter (`payload.account_id` where `payload: TransferIn`). Each such
read is rewritten into a bare name (the field's name), so that the ID scanner follows it like
a path parameter.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.summary import Expr, FunctionDef, Keyword, Stmt, walk_stmts

_REQUEST_NAMES = frozenset({"request", "req", "self.request", "flask.request"})
_DATA_ATTRS = frozenset({"json", "data", "form", "args", "values", "GET", "POST", "query_params"})
_DATA_CALLS = frozenset({"get_json", "json"})


class BodyFields(NamedTuple):
    """A handler with its body and query field reads rewritten into bare names."""

    func: FunctionDef
    fields: tuple[str, ...]
    """The field names read (each now a bare name in `func`), in order of first use."""


def _is_request_data(expr: Expr) -> bool:
    """`request.json`, `request.data`, `request.GET`, `request.get_json()`, `await request.json()`."""
    if expr.kind == "await" and expr.args:
        expr = expr.args[0]
    if expr.kind == "boolop" and expr.args:  # request.get_json() or {}
        expr = expr.args[0]
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in _DATA_CALLS:
        return (expr.func.args[0].dotted or "") in _REQUEST_NAMES
    return expr.kind == "attr" and expr.text in _DATA_ATTRS and (expr.args[0].dotted or "") in _REQUEST_NAMES


def body_fields(func: FunctionDef, body_params: set[str]) -> BodyFields | None:
    """The handler with request-data field reads replaced by names, or None when it reads none.

    Sources: the request's data (`request.json`, `request.GET` ...), locals assigned from it,
    and `body_params` (parameters filled from the request body, read by attribute).
    """
    aliases = set(body_params)
    for assign in walk_stmts(func.body):
        if assign.kind == "assign" and assign.value is not None and len(assign.targets) == 1 and \
                assign.targets[0].kind == "name" and _is_request_data(assign.value):
            aliases.add(assign.targets[0].text)
    fields: list[str] = []

    def field_of(e: Expr) -> str | None:
        key: Expr | None = None
        source: Expr | None = None
        if e.kind == "subscript" and len(e.args) == 2:
            source, key = e.args
        elif e.kind == "call" and e.func.kind == "attr" and e.func.text == "get" and e.positional:
            source, key = e.func.args[0], e.positional[0]
        elif e.kind == "attr" and e.args[0].kind == "name" and e.args[0].text in body_params:
            return e.text
        if key is None or source is None or key.kind != "str" or not key.text.isidentifier():
            return None
        if (source.kind == "name" and source.text in aliases) or _is_request_data(source):
            return key.text
        return None

    def expr(e: Expr) -> Expr:
        name = field_of(e)
        if name is not None:
            if name not in fields:
                fields.append(name)
            return Expr("name", name, line=e.line)
        if not e.args and not e.keywords:
            return e
        args = tuple(expr(a) for a in e.args)
        keywords = tuple(Keyword(kw.name, expr(kw.value)) for kw in e.keywords)
        if args == e.args and keywords == e.keywords:
            return e
        return e._replace(args=args, keywords=keywords)

    def stmts(body: tuple[Stmt, ...]) -> tuple[Stmt, ...]:
        return tuple(stmt(s) for s in body)

    def stmt(s: Stmt) -> Stmt:
        if s.func is not None or s.cls is not None:
            return s
        return s._replace(value=expr(s.value) if s.value is not None else None,
                          targets=tuple(expr(t) for t in s.targets), exprs=tuple(expr(x) for x in s.exprs),
                          body=stmts(s.body), orelse=stmts(s.orelse), handlers=stmts(s.handlers),
                          finalbody=stmts(s.finalbody))

    if not aliases and not _mentions_request_data(func):
        return None
    rewritten = func._replace(body=stmts(func.body))
    return BodyFields(rewritten, tuple(fields)) if fields else None


def _mentions_request_data(func: FunctionDef) -> bool:
    for stmt in walk_stmts(func.body):
        for e in stmt.own_exprs():
            for sub in e.walk():
                if sub.kind == "attr" and (sub.text in _DATA_ATTRS or sub.text in _DATA_CALLS) and \
                        (sub.args[0].dotted or "") in _REQUEST_NAMES:
                    return True
    return False


_CHANGING_CALL = lazy_compile(r"^(a?update|delete|remove|destroy|set|change|edit|modify|patch|replace|reset|"
                            r"transfer|withdraw|cancel|close|archive)", re.IGNORECASE)


def mutates(func: FunctionDef, line: int) -> bool:
    """True when the object loaded on `line` is changed or deleted: afterwards an attribute is
    assigned, `setattr(obj, ...)`, `obj.delete()` / `obj.update(...)` / `obj.save()`, or
    `session.delete(obj)`; or the load is a bare call to a helper named for a change
    (`update_user(db, body.username, body)`), which loads and changes the object itself."""
    names: set[str] = set()
    for stmt in walk_stmts(func.body):
        if stmt.line < line:
            continue
        if stmt.line == line:
            if stmt.kind in ("assign", "annassign"):
                names.update(t.text for t in stmt.targets if t.kind == "name")
            elif stmt.value is not None:
                value = stmt.value.args[0] if stmt.value.kind == "await" and stmt.value.args else stmt.value
                if value.kind == "call" and value.func.kind in ("name", "attr") and \
                        _CHANGING_CALL.match(value.func.text):
                    return True
            continue
        if stmt.kind in ("assign", "augassign", "annassign") and any(
                t.kind in ("attr", "subscript") and _rooted_in(t, names) for t in stmt.targets):
            return True
        for e in stmt.own_exprs():
            for call in e.calls():
                callee = call.func
                if callee.kind == "name" and callee.text == "setattr" and call.positional and \
                        _rooted_in(call.positional[0], names):
                    return True
                if callee.kind != "attr":
                    continue
                if callee.text in ("delete", "update", "save", "remove") and _rooted_in(callee.args[0], names):
                    return True
                if callee.text in ("delete", "remove") and any(_rooted_in(a, names) for a in call.positional):
                    return True
    return False


def _rooted_in(e: Expr, names: set[str]) -> bool:
    while e.kind in ("attr", "subscript") and e.args:
        e = e.args[0]
    return e.kind == "name" and e.text in names


_REDIRECTS = frozenset({"redirect", "RedirectResponse", "HttpResponseRedirect", "HttpResponsePermanentRedirect"})
_ROUTE_URLS = frozenset({"reverse", "reverse_lazy", "url_for", "url_path_for"})


def redirects_within_app(func: FunctionDef) -> bool:
    """True when every return is a redirect to one of the app's own routes (`redirect(reverse(...))`,
    `redirect(url_for(...))`): the handler serves no object data itself, the target page checks its
    own access. A redirect to an object's own URL (a pre-signed download link) is not one."""
    assigned: dict[str, Expr] = {}
    returns = 0
    for stmt in walk_stmts(func.body):
        if stmt.kind == "assign" and stmt.value is not None and len(stmt.targets) == 1 and \
                stmt.targets[0].kind == "name":
            assigned[stmt.targets[0].text] = stmt.value
        if stmt.kind != "return":
            continue
        value = stmt.value
        if value is None or value.kind != "call" or value.func.kind not in ("name", "attr") or \
                value.func.text not in _REDIRECTS or not value.positional:
            return False
        target = value.positional[0]
        if target.kind == "name" and target.text in assigned:
            target = assigned[target.text]
        if target.kind != "str" and not any(call.func.kind in ("name", "attr") and call.func.text in _ROUTE_URLS
                                            for call in target.calls()):
            return False
        returns += 1
    return returns > 0
