"""A list of per-user records served to every logged-in user: `Todo.objects.all()` in a view that
never looks at the caller, while the module's other views scope the same model to the caller
(`get_object_or_404(Todo, pk=pk, user=request.user)`): the collection-level twin of an ID lookup
that forgets the owner check."""

from __future__ import annotations

from dataclasses import dataclass

from apilint.rules.authz._loads import Scanner, model_in_chain, receiver_chain
from apilint.rules.authz._names import mentions_user, user_params
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_LIST_CALLS = frozenset({"all", "filter", "exclude", "order_by", "values", "values_list", "select_related",
                         "prefetch_related", "only", "defer", "distinct", "scalars", "execute"})
"""The outermost call of a query that returns many rows (`Model.objects.all()`, `db.query(M).all()`)."""
_QUERY_ROOTS = frozenset({"objects", "query", "select"})
_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404", "aget_list_or_404"})


@dataclass(frozen=True)
class OwnedList:
    """An unscoped query of an owned model in a handler that never uses the caller."""

    line: int
    model: str
    call: str
    owner_field: str
    scoped_by: str
    """`function() (line N)` of a view in the module that scopes the same model to the caller."""


def unscoped_owned_list(scanner: Scanner, mod: ModuleSummary, handler: FunctionDef,
                        users: set[str]) -> OwnedList | None:
    """The first many-row query of an owned (non-public) model in `handler`, when the handler never
    uses the caller (`users` are its caller parameters) while the module's other queries of that
    model all do, else None. Without such views the model may be shared by design (a catalogue, a
    team's queue): not reported."""
    exprs = [(stmt, e) for stmt in walk_stmts(handler.body) for e in stmt.own_exprs()]
    if any(mentions_user(e, users) for _, e in exprs):
        return None  # the caller is at hand and used: scoping may happen anywhere
    for stmt, expr in exprs:
        query = _list_query(expr)
        if query is None:
            continue
        model = model_in_chain(query)
        name, owned, user_model, public = scanner.models.info(mod, model)
        if name is None or not owned or user_model or public:
            continue
        owners = scanner.models.owner_fields(mod, model)
        scoped_by = _scoping_view(mod, handler, name, owners) if owners else None
        if scoped_by is None:
            continue
        return OwnedList(stmt.line, name, query.render(50), owners[0], scoped_by)
    return None


def _list_query(expr: Expr) -> Expr | None:
    """The outermost many-row query call in `expr` (`Todo.objects.filter(done=False).all()`)."""
    for call in expr.calls():
        if call.func.kind != "attr" or call.func.text not in _LIST_CALLS:
            continue
        if _QUERY_ROOTS & receiver_chain(call)[0]:
            return call
        statement = call.positional[0] if call.func.text in ("execute", "scalars") and call.positional else None
        if statement is not None and "select" in receiver_chain(statement)[0]:
            return statement  # `await db.execute(select(Item).order_by(Item.id))`
    return None


def _scoping_view(mod: ModuleSummary, handler: FunctionDef, model: str, owners: tuple[str, ...]) -> str | None:
    """`function() (line N)` of the first query of `model` in another function of the module that
    matches one of its `owners` fields with the caller (`user=request.user`, `Doc.owner_id ==
    user.id`), when every other query of `model` there uses the caller; None when there is none, or
    when some other query reads `model` without the caller (a catalogue listed to all, edited by
    owners)."""
    scoped: str | None = None
    for func in mod.functions():
        if func.qualname == handler.qualname:
            continue
        users = user_params(func, set())
        for stmt in walk_stmts(func.body):
            exprs = list(stmt.own_exprs())
            queries = [call for e in exprs for call in e.calls() if _queries(call, model)]
            if not queries:
                continue
            if not any(mentions_user(e, users) for e in exprs):
                return None
            if scoped is None and any(_by_owner(call, model, owners, users) for call in queries):
                scoped = f"{func.name}() (line {stmt.line})"
    return scoped


def _by_owner(call: Expr, model: str, owners: tuple[str, ...], users: set[str]) -> bool:
    """True when the query matches an owner field of `model` with the caller: a keyword
    (`user=request.user`, `owner__id=...`) or a comparison (`Doc.owner_id == user.id`)."""
    for sub in call.walk():
        if sub.kind == "call" and any(kw.name is not None and kw.name.split("__")[0] in owners and
                                      mentions_user(kw.value, users) for kw in sub.keywords):
            return True
        if sub.kind == "compare" and len(sub.args) == 2:
            left, right = sub.args
            for field, other in ((left, right), (right, left)):
                if field.kind == "attr" and field.text in owners and \
                        (field.args[0].dotted or "").rsplit(".", 1)[-1] == model and mentions_user(other, users):
                    return True
    return False


def _queries(call: Expr, model: str) -> bool:
    """True when the call queries `model` (`Todo.objects.filter(...)`, `get_object_or_404(Todo, ...)`,
    `db.query(Todo)`); building one (`Todo(owner=request.user)`) is not a query."""
    func = call.func
    if func.kind in ("name", "attr") and func.text in _SHORTCUTS and call.positional:
        first = call.positional[0]
        return (first.dotted or "").rsplit(".", 1)[-1] == model
    if not _QUERY_ROOTS & receiver_chain(call)[0]:
        return False
    found = model_in_chain(call)
    return found is not None and (found.dotted or "").rsplit(".", 1)[-1] == model
