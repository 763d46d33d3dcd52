"""Modules an app imports by a dotted-path string at run time, and the functions that register
what they hold (framework-neutral reading; the adapters mount what it finds).

`importlib.import_module(path)`, `__import__(path, fromlist=...)`, and the same function handed
its argument (`partial(import_module, path)`, `loop.run_in_executor(None, import_module, path)`)
import the module `path` names; the path is read with the value evaluator (a literal, a constant,
a loop variable over a literal tuple, a field of a dataclass entry). A registry entry may carry
the function that registers the imported module (`Feature(module_path=..., register=
include_router_of("router"))`): a field whose value is a project function, or a call to a project
factory that returns an inner function, with two parameters (the app, the module).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from apilint.model import Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import Instance, Ref, Scope

IMPORT_WORDS: Final = ("import_module", "__import__")
"""Words a module must mention before its functions are searched for imports by name."""
MODULE_IMPORTERS: Final = frozenset({"importlib.import_module", "importlib.__import__", "__import__"})
"""Functions that import the module a dotted path names and return it."""
_APPISH: Final = frozenset({"app", "application", "fastapi_app", "api_app", "asgi_app", "flask_app"})


@dataclass(frozen=True)
class ImportedModule:
    """A name bound to a module imported by a dotted path: the path (None when it cannot be read,
    with the reason), where it was imported, and by which function (for the routes' condition)."""

    path: str | None
    reason: str
    location: Location
    function: str

    @property
    def condition(self) -> str:
        """How the module's routes exist: `if imported at run time by load_features()`."""
        return f"if imported at run time by {self.function}()" if self.function else "if imported at run time"


@dataclass(frozen=True)
class Installer:
    """A project function that registers an imported module on an app: `def install(app, module)`."""

    symbol: Symbol
    app_param: str
    module_param: str
    scope: Scope | None
    """The factory's parameters bound to the call's arguments, for a closure (`include_attr("x")`)."""


def may_import(mod: ModuleSummary) -> bool:
    """Cheap pre-check: the module mentions a function that imports by name."""
    return any(mod.mentions(w) for w in IMPORT_WORDS)


def import_path_expr(index: ProjectIndex, mod: ModuleSummary, call: Expr) -> Expr | None:
    """The dotted-path expression a call imports a module by, or None: `import_module(p)`,
    `__import__(p, fromlist=[...])` (without `fromlist` it returns the top package), and calls that
    hand such a function its argument next (`partial(import_module, p)`)."""
    if call.kind != "call":
        return None
    name = index.qualify_expr(mod, call.func) or ""
    if name in MODULE_IMPORTERS:
        if name.endswith("__import__") and call.kwarg("fromlist") is None and len(call.positional) < 4:
            return None
        return call.arg(0, "name")
    args = call.positional
    for i, arg in enumerate(args[:-1]):
        if arg.kind in ("name", "attr") and (index.qualify_expr(mod, arg) or "") == "importlib.import_module":
            return args[i + 1]
    return None


def imports_in(index: ProjectIndex, mod: ModuleSummary, exprs: list[Expr]) -> list[Expr]:
    """The dotted-path expressions of every import by name among the calls in `exprs`."""
    found: list[Expr] = []
    for expr in exprs:
        for call in expr.calls():
            path = import_path_expr(index, mod, call)
            if path is not None:
                found.append(path)
    return found


def installer_fields(index: ProjectIndex, item: Instance) -> list[tuple[ModuleSummary, Expr, Scope | None]]:
    """The expressions of an entry's fields that may hold a registration function: constructor
    keywords, and the class's field defaults (`field(default_factory=lambda: f("router"))` read as
    `f("router")`) for fields the constructor leaves out."""
    out: list[tuple[ModuleSummary, Expr, Scope | None]] = []
    given = {kw.name for kw in item.call.keywords if kw.name is not None}
    for kw in item.call.keywords:
        if kw.value.kind in ("call", "name", "attr"):
            out.append((item.mod, kw.value, item.scope))
    cls = item.cls.cls
    if cls is None:
        return out
    for stmt in cls.body:
        if stmt.kind != "annassign" or stmt.value is None or not stmt.targets or stmt.targets[0].kind != "name":
            continue
        if stmt.targets[0].text in given:
            continue
        value = _field_default(index, item.cls.module, stmt.value)
        if value is not None:
            out.append((item.cls.module, value, None))
    return out


def _field_default(index: ProjectIndex, mod: ModuleSummary, value: Expr) -> Expr | None:
    if value.kind == "call" and (index.qualify_expr(mod, value.func) or "") in ("dataclasses.field", "field"):
        factory = value.kwarg("default_factory")
        if factory is not None and factory.kind == "lambda" and factory.args:
            return factory.args[0]
        return value.kwarg("default")
    return value if value.kind in ("call", "name", "attr") else None


def installer(index: ProjectIndex, mod: ModuleSummary, expr: Expr, scope: Scope | None) -> Installer | None:
    """The registration function `expr` stands for: a project function taking (app, module), or
    the inner function a project factory returns (`include_attr("reports_router")`), with the
    factory's parameters bound to the call's arguments."""
    if expr.kind == "call":
        factory = index.values.value(mod, expr.func, scope).first
        if not isinstance(factory, Ref) or factory.symbol.func is None:
            return None
        outer = factory.symbol.func
        inner = _returned_function(outer)
        if inner is None:
            return None
        bound = index.values.bind_arguments(mod, outer, expr, scope, skip_self=False)
        fmod = factory.symbol.module
        symbol = Symbol(f"{fmod.module}.{inner.qualname}", fmod, func=inner, line=inner.line)
        return _with_params(symbol, Scope(fmod, outer, bound))
    if expr.kind in ("name", "attr"):
        found = index.values.value(mod, expr, scope).first
        if isinstance(found, Ref) and found.symbol.func is not None:
            return _with_params(found.symbol, None)
    return None


def _returned_function(func: FunctionDef) -> FunctionDef | None:
    nested = {s.func.name: s.func for s in func.body if s.func is not None}
    for stmt in walk_stmts(func.body):
        if stmt.kind == "return" and stmt.value is not None and stmt.value.kind == "name":
            return nested.get(stmt.value.text)
    return None


def _with_params(symbol: Symbol, scope: Scope | None) -> Installer | None:
    func = symbol.func
    assert func is not None
    params = [p.name for p in func.params if p.kind in ("pos", "posonly") and p.name not in ("self", "cls")]
    if len(params) != 2:
        return None
    app, module = (params[1], params[0]) if params[1] in _APPISH and params[0] not in _APPISH else params
    return Installer(symbol, app, module, scope)


def enclosing(mod: ModuleSummary, func: FunctionDef) -> FunctionDef | None:
    """The function `func` is defined in, if it is nested."""
    if ".<locals>." not in func.qualname:
        return None
    outer = func.qualname.rsplit(".<locals>.", 1)[0]
    return next((f for f in mod.functions() if f.qualname == outer), None)


def callers(mod: ModuleSummary, func: FunctionDef) -> list[FunctionDef]:
    """Functions of the same module that call or pass `func` by name, and the one it is nested in."""
    out: list[FunctionDef] = []
    outer = enclosing(mod, func)
    if outer is not None:
        out.append(outer)
    for other in mod.functions():
        if other is func or other in out:
            continue
        if any(e.kind == "name" and e.text == func.name for stmt in walk_stmts(other.body)
               for top in stmt.own_exprs() for e in top.walk()):
            out.append(other)
    return out


__all__ = ["IMPORT_WORDS", "MODULE_IMPORTERS", "ImportedModule", "Installer", "callers", "enclosing",
           "import_path_expr", "imports_in", "installer", "installer_fields", "may_import"]
