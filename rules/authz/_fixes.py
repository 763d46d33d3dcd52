"""Fix facts of AUTHZ001: scope the lookup to the caller, or refuse other callers' objects.

Offered only when the facts are all there: the load is in the handler itself, its model has
one owner field (`owner_id`, or a foreign key `owner` with its `owner_id` column), and the
route has the caller in a form the project already uses. The caller expression is learned
from the module itself (`Note.query.filter_by(owner_id=int(get_jwt_identity()))` elsewhere
teaches `int(get_jwt_identity())`), else taken from a caller parameter of the handler
(`current_user.id`), Django's `request.user`, or Flask-Login's `current_user`.

The edit, by the shape of the load:
- a Django lookup with keywords (`get_object_or_404(Document, pk=...)`, `.objects.get(...)`):
  `owner=request.user` is added to it;
- SQLAlchemy `filter_by(id=...)`: `owner_id=<caller id>` is added; `filter(...)` / `where(...)`:
  `Order.owner_id == <caller id>` is added;
- any other load bound to a name (`db.get(Order, order_id)`, `Note.query.get_or_404(...)`): the
  existence check right after it is extended (`if order is None or order.owner_id != ...:`),
  or a check that answers 404 is inserted after it.
"""

from __future__ import annotations

import builtins
import weakref
from collections.abc import Iterator

from apilint.fixes import plan
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, FixPlan, Route
from apilint.project import ProjectIndex, Symbol
from apilint.rule import RuleContext
from apilint.rules.authz._classviews import ClassAccess
from apilint.rules.authz._loads import Load
from apilint.rules.authz._names import mentions_user, user_params
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_USER_OWNER = lazy_compile(r"^(owner|user|author|creator|customer|buyer|uploader|poster|submitter|requester|"
                         r"(created|posted|uploaded|owned|submitted)_by)$")
_NEVER_NONE = ("_or_404", "get_object_or_404", ".objects.get(", ".one(")
_REJECT = {
    "fastapi": 'raise @{fastapi.HTTPException}(status_code=404, detail="Not found")',
    "flask": "@{flask.abort}(404)",
    "django": "raise @{django.http.Http404}",
    "drf": "raise @{django.http.Http404}",
}


def _model(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt, short: str) -> Symbol | None:
    for expr in stmt.own_exprs():
        for sub in expr.walk():
            if sub.kind in ("name", "attr") and sub.text == short:
                symbol = index.resolve(mod, sub)
                if symbol is not None and symbol.cls is not None:
                    return symbol
    return None


def _fields(index: ProjectIndex, symbol: Symbol) -> list[str]:
    assert symbol.cls is not None
    fields = list(symbol.cls.field_names())
    for base in index.base_names(symbol):
        parent = index.lookup(base)
        if parent is not None and parent.cls is not None:
            fields += [f for f in parent.cls.field_names() if f not in fields]
    return fields


def _owner(fields: list[str], django: bool) -> tuple[str, str] | None:
    """(relation name, id column) of the model's one owner field; either may be '' when absent.

    Only fields that point at a user count: a tenant, team or organization id is not the
    caller's id."""
    owners = [f for f in fields if _USER_OWNER.match(f.removesuffix("_id"))]
    stems = {f.removesuffix("_id") for f in owners}
    if len(stems) != 1:
        return None
    stem = stems.pop()
    relation = stem if stem in owners else ""
    column = f"{stem}_id" if f"{stem}_id" in owners or (django and relation) else ""
    return relation, column


def _statements(body: tuple[Stmt, ...]) -> Iterator[tuple[Stmt, tuple[Stmt, ...]]]:
    """Every statement with the block it sits in."""
    for stmt in body:
        yield stmt, body
        for block in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
            if block:
                yield from _statements(block)


def _learned(index: ProjectIndex, mod: ModuleSummary, column: str, relation: str,
             target: FunctionDef) -> tuple[str, str] | None:
    """(caller id code, caller object code) the module already compares the owner field with."""
    available = set(index.definitions(mod)) | set(index.import_table(mod)) | {p.name for p in target.params} | set(
        dir(builtins))
    for value, field in _owner_values(index, mod, column, relation):
        if set(value.names()) <= available:
            code = value.render(200)
            return (code, "") if field == column else ("", code)
    return None


_VALUES: weakref.WeakKeyDictionary[ProjectIndex, dict[tuple[str, str, str], list[tuple[Expr, str]]]] = \
    weakref.WeakKeyDictionary()


def _owner_values(index: ProjectIndex, mod: ModuleSummary, column: str, relation: str) -> list[tuple[Expr, str]]:
    """Caller expressions the module matches an owner field with, in source order (once per module)."""
    cache = _VALUES.setdefault(index, {})
    key = (mod.path, column, relation)
    if key in cache:
        return cache[key]
    found: list[tuple[Expr, str]] = []
    for func in mod.functions():
        users = user_params(func, set())
        for stmt in walk_stmts(func.body):
            for expr in stmt.own_exprs():
                for sub in expr.walk():
                    value, field = _owner_value(sub, column, relation)
                    if value is None or not mentions_user(value, users):
                        continue
                    if not any(s.kind in ("lambda", "comp", "other") for s in value.walk()):
                        found.append((value, field))
    cache[key] = found
    return found


def _owner_value(expr: Expr, column: str, relation: str) -> tuple[Expr | None, str]:
    """The value an owner field is matched with in `expr`: `owner_id=X` or `M.owner_id == X`."""
    fields = {f for f in (column, relation) if f}
    if expr.kind == "call":
        for kw in expr.keywords:
            if kw.name in fields:
                return kw.value, kw.name
    if expr.kind == "compare" and expr.text in ("==", "!=") and len(expr.args) == 2:
        left, right = expr.args
        for mine, other in ((left, right), (right, left)):
            if mine.kind == "attr" and mine.text in fields:
                return other, mine.text
    return None, ""


def _caller(ctx: RuleContext, route: Route, mod: ModuleSummary, func: FunctionDef, column: str,
            relation: str) -> tuple[str, str] | None:
    """(caller id code, caller object code) for this handler; '' where a form is unknown."""
    learned = _learned(ctx.index, mod, column, relation, func)
    if learned is not None:
        return learned
    if route.framework in ("django", "drf") and func.param("request") is not None:
        return "request.user.id", "request.user"
    for name in sorted(user_params(func, set())):
        param = func.param(name)
        if param is not None and param.annotation is not None and name != "request":
            return f"{name}.id", name
    if route.framework == "flask" and ctx.index.import_table(mod).get("current_user") == "flask_login.current_user":
        return "current_user.id", "current_user"
    return None


def scope_fix(ctx: RuleContext, route: Route, func: FunctionDef, mod: ModuleSummary, load: Load) -> FixPlan | None:
    """The plan that ties the object loaded at `load` to the caller."""
    if load.file or load.via or load.owned_model is False or not load.model \
            or route.auth.status is not AuthStatus.REQUIRED:
        return None  # an optional login: a check on the caller would fail for anonymous callers
    reject = _REJECT.get(route.framework)
    found = next(((s, block) for s, block in _statements(func.body) if s.line == load.line), None)
    if reject is None or found is None:
        return None
    stmt, block = found
    symbol = _model(ctx.index, mod, stmt, load.model)
    django = route.framework in ("django", "drf")
    owner = _owner(_fields(ctx.index, symbol), django) if symbol is not None else None
    if owner is None:
        return None
    relation, column = owner
    caller = _caller(ctx, route, mod, func, column, relation)
    if caller is None:
        return None
    caller_id, caller_object = caller
    in_query = _scope_query(mod, stmt, load, relation, column, caller_id, caller_object, django)
    if in_query is not None:
        return in_query
    if not column or not caller_id or stmt.kind != "assign" or len(stmt.targets) != 1 \
            or stmt.targets[0].kind != "name":
        return None
    name = stmt.targets[0].text
    check = f"{name}.{column} != {caller_id}"
    following = block[block.index(stmt) + 1] if block.index(stmt) + 1 < len(block) else None
    if following is not None and following.kind == "if" and following.value is not None \
            and _existence_test(following.value, name) and _rejects(following):
        return plan.statement_value(f"Answer 404 for objects of other callers (`{check}`)", plan.UNSAFE, mod.path,
                                    following.line, f"@{{value}} or {check}")
    maybe_none = not any(marker in load.call for marker in _NEVER_NONE)
    test = f"{name} is None or {check}" if maybe_none else check
    return plan.insert_statements(f"Answer 404 for objects of other callers (`{check}`)", plan.UNSAFE, mod.path,
                                  stmt.line, f"if {test}:\n    {reject}")


def _scope_query(mod: ModuleSummary, stmt: Stmt, load: Load, relation: str, column: str, caller_id: str,
                 caller_object: str, django: bool) -> FixPlan | None:
    """Add the caller to the query that loads the object, when it is a keyword or filter query."""
    for expr in stmt.own_exprs():
        for call in expr.calls():
            if call.func.kind == "name" and call.func.text != "get_object_or_404":
                continue
            method = call.func.text
            keyed = any(kw.name is not None and load.param in set(kw.value.names()) for kw in call.keywords)
            where = plan.locate_call(stmt, call)
            if where is None:
                continue
            if keyed and (django or method == "filter_by"):
                if django and relation and caller_object:
                    added = f"{relation}={caller_object}"
                elif column and caller_id:
                    added = f"{column}={caller_id}"
                else:
                    return None
                return plan.call_arguments(f"Scope the lookup to the caller (`{added}`)", plan.UNSAFE, mod.path,
                                           stmt.line, where[0], ordinal=where[1], set=[added])
            if method in ("filter", "where") and column and caller_id:
                model = _compared_model(call, load.param)
                if model is not None:
                    added = f"{model}.{column} == {caller_id}"
                    return plan.call_arguments(f"Scope the lookup to the caller (`{added}`)", plan.UNSAFE, mod.path,
                                               stmt.line, where[0], ordinal=where[1], append=[added])
    return None


def _compared_model(call: Expr, param: str) -> str | None:
    """`Order` in `.filter(Order.id == order_id)`."""
    for arg in call.positional:
        if arg.kind == "compare" and param in set(arg.names()):
            for side in arg.args:
                if side.kind == "attr" and side.args[0].dotted is not None:
                    return side.args[0].dotted
    return None


def _existence_test(test: Expr, name: str) -> bool:
    """`x is None`, `not x`, `x is None or ...`: a check that the load found something."""
    if test.kind == "boolop" and test.text == "or":
        return any(_existence_test(part, name) for part in test.args)
    if test.kind == "unary" and test.text == "not":
        return test.args[0].kind == "name" and test.args[0].text == name
    return test.kind == "compare" and test.text in ("is", "==") and test.args[0].kind == "name" \
        and test.args[0].text == name and test.args[-1].is_none


def _rejects(stmt: Stmt) -> bool:
    """The `if` block ends the request (raise, abort, or return an error)."""
    return any(s.kind in ("raise", "return") or (s.kind == "expr" and s.value is not None and any(
        (c.func.dotted or "").rsplit(".", 1)[-1] == "abort" for c in s.value.calls())) for s in stmt.body)


def class_view_fix(ctx: RuleContext, route: Route, access: ClassAccess) -> FixPlan | None:
    """A `get_queryset` that keeps the caller's own rows, for a generic view over a plain
    `queryset`/`model` whose model has a user foreign key."""
    if access.source != "queryset" or access.model is None or access.model_module is None \
            or route.framework not in ("django", "drf") or route.auth.status is not AuthStatus.REQUIRED:
        return None
    target = ctx.index.lookup(route.handler.rsplit(".", 1)[0])
    model = ctx.index.resolve(access.model_module.module, access.model)
    if target is None or target.cls is None or model is None or model.cls is None:
        return None
    if target.cls.method("get_queryset") is not None or target.cls.method("get_object") is not None:
        return None
    owner = _owner(_fields(ctx.index, model), django=True)
    if owner is None or not owner[0]:
        return None
    relation = owner[0]
    code = (f"def get_queryset(self):\n    return super().get_queryset().filter({relation}=self.request.user)")
    return plan.insert_statements(f"Keep the caller's own rows: `get_queryset()` filtered by `{relation}`",
                                  plan.UNSAFE, target.module.path, target.cls.line, code, where="class-end")
