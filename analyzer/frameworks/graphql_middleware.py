"""What a project's own GraphQL middleware does, read from its code (never run).

Used by `graphql_config` for the middleware an endpoint lists: whether it could check the caller
(`may_authenticate`), and whether its protection has an off switch (`bypass_switch`).
"""

from __future__ import annotations

from typing import Final

from apilint.project import Symbol
from apilint.summary import Expr, FunctionDef, walk_stmts

_IDENTITY_WORDS: Final = ("user", "auth", "token", "jwt", "login", "session", "cookie", "credential", "permission",
                          "role", "identity", "principal", "bearer", "api_key", "apikey", "header", "password",
                          "verify", "current_", "viewer", "account", "owner", "tenant", "scope")
_QUERY_NAMES: Final = frozenset({"request", "context", "ctx", "g"})
"""Names a switch test must not read: the request, the query and its context decide per call."""


def _functions(symbol: Symbol) -> list[FunctionDef]:
    if symbol.cls is not None:
        return list(symbol.cls.methods())
    return [symbol.func] if symbol.func is not None else []


def code_words(symbol: Symbol) -> list[str]:
    """Names, attributes and strings of a project middleware: its name, bases, decorators and code."""
    words = [symbol.qualname]
    if symbol.cls is not None:
        words += [b.render(60) for b in symbol.cls.bases]
    for func in _functions(symbol):
        exprs = [d.expr for d in func.decorators] + [e for st in walk_stmts(func.body, into_defs=True)
                                                      for e in st.own_exprs()]
        words += [sub.text for e in exprs for sub in e.walk() if sub.kind in ("name", "attr", "str")]
    return words


def may_authenticate(symbol: Symbol) -> bool:
    """Whether a project middleware or extension could check the caller: its name, bases,
    decorators or code mention the user, a token, a session, a cookie, a header... A
    middleware that only counts fields or matches query text (a deny list, an operation-name
    allow-list) does not, and leaves the endpoint's authentication as it was."""
    return any(w in word.lower() for word in code_words(symbol) for w in _IDENTITY_WORDS)


def bypass_switch(symbol: Symbol) -> str:
    """The test under which a graphene-style middleware (`resolve(self, next, root, info, ...)`)
    hands every field on untouched (`if settings.RELAXED_LIMITS: return next(root, info, **kw)`),
    when that test reads a switch, not the query: '' when there is none. A test that reads the
    resolver's own arguments or the request (`if info.field_name != "__schema": return next(...)`)
    is the protection itself, not a way around it."""
    method = symbol.cls.method("resolve") if symbol.cls is not None else symbol.func
    if method is None:
        return ""
    params = [p.name for p in method.params if p.kind in ("pos", "posonly")]
    if params and params[0] == "self":
        params = params[1:]
    if not params:
        return ""
    forward = params[0]  # `next`
    for stmt in walk_stmts(method.body):
        if stmt.kind != "if" or stmt.value is None:
            continue
        if not any(s.kind == "return" and s.value is not None and _forwards(s.value, forward) for s in stmt.body):
            continue
        names = {sub.text for sub in stmt.value.walk() if sub.kind == "name"}
        if names & (set(params) | _QUERY_NAMES):
            continue
        return stmt.value.render(60)
    return ""


def _forwards(expr: Expr, forward: str) -> bool:
    """`next(root, info, **kwargs)` (or `await next(...)`): the field handed on untouched."""
    call = expr.args[0] if expr.kind == "await" and expr.args else expr
    return call.kind == "call" and call.func.kind == "name" and call.func.text == forward
