"""What a handler body does, as the AUTH rules need it: writes, and rejections of anonymous callers."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.frameworks.common import guarded_rejections
from apilint.summary import Expr, FunctionDef, Stmt

WRITE_METHODS = frozenset({
    "add", "add_all", "commit", "delete", "save", "update", "create", "insert", "insert_one",
    "insert_many", "update_one", "update_many", "delete_one", "delete_many", "replace_one",
    "find_one_and_update", "find_one_and_delete", "find_one_and_replace", "bulk_create", "bulk_update",
    "get_or_create", "update_or_create", "merge", "remove", "destroy", "set", "hset", "incr", "lpush",
    "rpush", "sadd", "zadd", "put_item", "delete_item", "update_item",
})


def first_write(func: FunctionDef, method: str = "") -> tuple[int, Expr] | None:
    """(line, call) of the first call in the body that writes (`db.add`, `.save()`, `.delete()`...);
    with `method`, branches on `request.method` that another method takes are skipped."""
    for stmt in _reachable(func.body, method.upper()):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind == "attr" and call.func.text in WRITE_METHODS:
                    receiver = call.func.args[0]
                    if receiver.kind == "name" and receiver.text in ("dict", "os", "self", "cls"):
                        continue
                    return stmt.line, call
    return None


def _reachable(body: tuple[Stmt, ...], method: str) -> Iterator[Stmt]:
    """The statements of `body` a request of `method` can run, judging only tests on `request.method`."""
    for stmt in body:
        yield stmt
        if stmt.func is not None or stmt.cls is not None:
            continue
        taken = _method_test(stmt.value, method) if stmt.kind == "if" and method else None
        if taken is not False:
            yield from _reachable(stmt.body, method)
        yield from _reachable(stmt.handlers, method)
        if taken is not True:
            yield from _reachable(stmt.orelse, method)
        yield from _reachable(stmt.finalbody, method)


def _method_test(test: Expr | None, method: str) -> bool | None:
    """The value of `request.method == "POST"` / `request.method in ("PUT", "PATCH")` for `method`."""
    if test is None or test.kind != "compare" or len(test.args) != 2 or method == "ANY":
        return None
    left, right = test.args
    if not (left.dotted or "").endswith(".method"):
        return None
    values = [e.text.upper() for e in (right.args if right.kind in ("tuple", "list", "set") else (right,))
              if e.kind == "str"]
    if not values:
        return None
    op = test.text.strip()
    if op in ("==", "in"):
        return method in values
    if op in ("!=", "not in"):
        return method not in values
    return None


def rejects_anonymous(func: FunctionDef) -> bool:
    """True when the body rejects (401/403) a missing user: `if user is None: raise ...`."""
    names = {p.name for p in func.params}
    for guard, _reject in guarded_rejections(func.body):
        test = guard.value
        if guard.kind != "if" or test is None:
            continue
        for sub in test.walk():
            if sub.kind == "unary" and sub.text == "not" and _names_param(sub.args[0], names):
                return True
            if sub.kind == "compare" and sub.text.startswith("is") and len(sub.args) == 2:
                left, right = sub.args
                if right.is_none and sub.text == "is" and _names_param(left, names):
                    return True
            if sub.kind == "attr" and sub.text in ("is_anonymous", "is_authenticated") and \
                    _names_param(sub.args[0], names | {"request", "current_user", "g"}):
                return True
    return False


def _names_param(expr: Expr, names: set[str]) -> bool:
    dotted = expr.dotted or ""
    return dotted.split(".")[0] in names or dotted in ("request.user", "g.user", "current_user")
