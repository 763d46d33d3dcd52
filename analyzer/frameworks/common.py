"""Framework-neutral helpers adapters share: paths and their parameters, conditions, calls made
in loops over known collections, factory aliases and injected parameters. What a function's
body does about the caller is judged in `body_auth`.
"""

from __future__ import annotations

from collections.abc import Container, Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import Diagnostic, Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary, Stmt, walk_stmts
from apilint.values import Opaque, Scope, Value, as_expr, placeholder

Bindings = dict[str, tuple[ModuleSummary, Expr]]
"""Loop variables bound to the expressions of the items they stand for."""

_PARAM_RE = lazy_compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
_FLASK_PARAM_RE = lazy_compile(r"<(?:[A-Za-z_][A-Za-z0-9_]*(?:\([^)]*\))?:)?([A-Za-z_][A-Za-z0-9_]*)>")

def normalize_path(path: str) -> tuple[str, tuple[str, ...]]:
    """Normalize `{id:int}` / `<int:id>` parameters to `{id}`; return the params too."""
    path = _FLASK_PARAM_RE.sub(lambda m: "{" + m.group(1) + "}", path)
    params = tuple(_PARAM_RE.findall(path))
    path = _PARAM_RE.sub(lambda m: "{" + m.group(1) + "}", path)
    return path, params


def join_paths(*parts: str) -> str:
    """Join URL prefixes the way routers do: no doubled or missing slashes."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out.endswith("/") and part.startswith("/"):
            out += part[1:]
        elif out and not out.endswith("/") and not part.startswith("/"):
            out += "/" + part
        else:
            out += part
    if not out.startswith("/"):
        out = "/" + out
    return out


def join_conditions(outer: str, inner: str) -> str:
    """Conditions of nested mounts, outermost first."""
    if not outer:
        return inner
    if not inner or inner == outer:
        return outer
    return f"{outer}; {inner}"


def calls_with_loops(index: ProjectIndex, mod: ModuleSummary, body: tuple[Stmt, ...],
                     scope: Scope | None = None) -> Iterator[tuple[Expr, int, Bindings, Scope | None]]:
    """Every call in the statements of `body` (not entering defs), with `for` loops over a known
    collection unrolled: each call of a loop body comes once per item, with the loop variables
    bound (in the evaluator scope, and as the item's expression)."""
    yield from _calls_in(index, mod, body, scope, {})


def _calls_in(index: ProjectIndex, mod: ModuleSummary, body: tuple[Stmt, ...], scope: Scope | None,
              bindings: Bindings) -> Iterator[tuple[Expr, int, Bindings, Scope | None]]:
    for stmt in body:
        if stmt.func is not None or stmt.cls is not None:
            continue
        for expr in stmt.own_exprs():
            for call in expr.calls():
                yield call, stmt.line, bindings, scope
        if stmt.kind == "for" and stmt.value is not None and stmt.targets:
            value = index.values.value(mod, stmt.value, scope).first
            items = list(value) if isinstance(value, list | tuple | dict) else None
            if items is not None and len(items) <= 200:
                for item in items:
                    bound: dict[str, Value] = {}
                    names = dict(bindings)
                    _bind_loop(mod, stmt.targets[0], item, bound, names)
                    inner = scope.child(bound) if scope is not None else Scope(mod, None, bound)
                    yield from _calls_in(index, mod, stmt.body, inner, names)
                yield from _calls_in(index, mod, stmt.orelse, scope, bindings)
                continue
        yield from _calls_in(index, mod, tuple(stmt.children()), scope, bindings)


def unreadable_loop(mod: ModuleSummary, stmt: Stmt, value: object,
                    registrations: Container[str]) -> Diagnostic | None:
    """ROUTE002 for a `for` loop over something apilint cannot read whose body registers routes
    (mlflow's `for path, handler, methods in get_endpoints(): app.add_url_rule(...)`): those routes
    exist but cannot be listed, and the user should hear so."""
    if not isinstance(value, Opaque) or stmt.value is None:
        return None
    for inner in walk_stmts(stmt.body):
        for expr in inner.own_exprs():
            if any(c.func.kind == "attr" and c.func.text in registrations for c in expr.calls()):
                return Diagnostic("ROUTE002", f"routes registered in a loop over `{stmt.value.render(50)}` cannot be "
                                  f"listed ({value.reason}); they are missing from the route map",
                                  Location(mod.path, stmt.line))
    return None


def _bind_loop(mod: ModuleSummary, target: Expr, item: object, bound: dict[str, Value], names: Bindings) -> None:
    if target.kind == "name":
        bound[target.text] = Value((item,))
        found = as_expr(mod, item) if not isinstance(item, str) else None
        if found is not None:
            names[target.text] = found
    elif target.kind in ("tuple", "list") and isinstance(item, list | tuple) and len(item) == len(target.args):
        for sub, part in zip(target.args, item, strict=True):
            _bind_loop(mod, sub, part, bound, names)


def factory_aliases(index: ProjectIndex, mod: ModuleSummary, known: Container[str]) -> dict[str, str]:
    """`app = create_app()` at module level, where the factory builds and returns an object
    whose key (`module.factory.<locals>.name`) is in `known`: module-level name -> that key."""
    aliases: dict[str, str] = {}
    for stmt in walk_stmts(mod.body):
        if stmt.kind != "assign" or stmt.value is None or stmt.value.kind != "call":
            continue
        symbol = index.resolve(mod, stmt.value.func)
        if symbol is None or symbol.func is None:
            continue
        for inner in walk_stmts(symbol.func.body):
            if inner.kind == "return" and inner.value is not None:
                local = inner.value.dotted if inner.value.dotted else f"<return@{inner.line}>"
                key = f"{symbol.module.module}.{symbol.func.qualname}.<locals>.{local}"
                if key in known:
                    for target in stmt.targets:
                        if target.kind == "name":
                            aliases[f"{mod.module}.{target.text}"] = key
    return aliases


def read_path(index: ProjectIndex, mod: ModuleSummary, expr: Expr, scope: Scope | None, where: Location,
              sink: list[Diagnostic], reported: set[tuple[str, int, str]] | None = None, *,
              written: Expr | None = None, part: str = "path part",
              shown: str = "routes under it show") -> tuple[str, str]:
    """A path or prefix as the app computes it: (text with `{?expr}` for parts the evaluator cannot
    read, a note naming the other values it may take). Each unreadable part is a ROUTE001 into
    `sink` (once per file, line and part when `reported` is given). `written` is the expression
    as the code spells it, for the note (default `expr`)."""
    text = index.values.text(mod, expr, scope)
    for source, reason in zip(text.unresolved, text.reasons, strict=False):
        if reported is not None:
            key = (where.file, where.line, source)
            if key in reported:
                continue
            reported.add(key)
        sink.append(Diagnostic("ROUTE001", f"{part} `{source}` cannot be read ({reason}); {shown} "
                                           f"{placeholder(source)} in their path", where))
    note = f"`{(written or expr).render(40)}` may also be " + ", ".join(repr(a) for a in text.alternatives) \
        if text.alternatives else ""
    return text.text, note


def dotted_expr(dotted: str) -> Expr:
    """The name/attribute expression for a dotted name (`a.b.c`)."""
    head, *rest = dotted.split(".")
    expr = Expr("name", head)
    for part in rest:
        expr = Expr("attr", part, (expr,))
    return expr
