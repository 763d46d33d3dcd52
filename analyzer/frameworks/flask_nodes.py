"""The Flask linker's data: the objects an app is assembled from and the scope code is read in.

An object (`Node`) is an app, a blueprint, a Flask-RESTful/RESTX/smorest API or a RESTX
namespace, wherever the code builds it; it holds the routes registered on it (`RawRoute`, path
as written), the objects registered under it (`Include`, with the prefix given at
registration), its `before_request` hooks, decorators and rate limits. `Env` is what one scope
knows while it is read: local objects, imports and values, the evaluator scope (parameters
bound to arguments, loop variables) and the conditions the code sits under.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apilint.frameworks.common import join_conditions
from apilint.frameworks.instances import Held
from apilint.model import Diagnostic, Evidence
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt
from apilint.values import Scope

KINDS: dict[str, tuple[str, str]] = {
    "flask.Flask": ("app", "flask"), "flask.app.Flask": ("app", "flask"),
    "apiflask.APIFlask": ("app", "flask"), "apiflask.app.APIFlask": ("app", "flask"),
    "connexion.App": ("app", "connexion"), "connexion.FlaskApp": ("app", "connexion"),
    "connexion.apps.flask_app.FlaskApp": ("app", "connexion"),
    "flask.Blueprint": ("blueprint", "flask"), "flask.blueprints.Blueprint": ("blueprint", "flask"),
    "flask_smorest.Blueprint": ("blueprint", "flask_smorest"), "apiflask.APIBlueprint": ("blueprint", "flask"),
    "flask_restful.Api": ("api", "flask_restful"), "flask_restx.Api": ("api", "flask_restx"),
    "flask_restplus.Api": ("api", "flask_restx"), "flask_smorest.Api": ("api", "flask_smorest"),
    "flask_restx.Namespace": ("namespace", "flask_restx"), "flask_restplus.Namespace": ("namespace", "flask_restx"),
    # WebSocket extensions: `Sockets(app)` / `Sock(app)`, then `@sockets.route("/ws")` on a function taking the socket
    "flask_sockets.Sockets": ("sockets", "flask_sockets"), "flask_sock.Sock": ("sockets", "flask_sock"),
}
"""Constructors of the objects routes are registered on: (kind, library)."""
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete", "resource"})


@dataclass
class RawRoute:
    """A route as registered on one object: its path as written there, before any prefix."""

    methods: tuple[str, ...]
    path: str
    mod: ModuleSummary
    func: FunctionDef | None
    qualname: str
    line: int
    endpoint: str
    decorators: list[tuple[ModuleSummary, Expr]] = field(default_factory=list)
    condition: str = ""
    view_class: Symbol | None = None
    """The request-handler class registered as the view, whose access check applies."""
    built_by: str = ""
    """For a view a project factory returns (`add_url_rule("/x", "x", make_view(A, B))`): the
    factory's qualified name. What the returned function checks is not read from the factory."""
    builtin: str = ""
    """For a route Flask serves by itself (the app's static folder): what it serves; `qualname` is
    then the library function, not a project one."""


@dataclass
class Include:
    """An object registered under another, with the prefix given at registration (None: its own)."""

    child: str
    prefix: str | None
    condition: str = ""


@dataclass
class Node:
    """An object routes are registered on: an app, a blueprint, a REST API or a namespace."""

    key: str
    kind: str
    lib: str
    mod: ModuleSummary
    line: int
    name: str = ""
    prefix: str = ""
    routes: list[RawRoute] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    hooks: list[tuple[ModuleSummary, FunctionDef]] = field(default_factory=list)
    app_hooks: list[tuple[ModuleSummary, FunctionDef]] = field(default_factory=list)
    decorators: list[tuple[ModuleSummary, Expr]] = field(default_factory=list)
    limits: list[Evidence] = field(default_factory=list)
    included: bool = False
    stand_in: tuple[str, str] | None = None
    """For the app a function receives as a parameter (`def init_app(app: Flask)`) when no caller
    is seen: (function key, parameter name)."""
    template: str = ""
    """For a blueprint a project factory built (`bp = make_blueprint("customers")`): the key of the
    object the factory's body builds, whose routes and hooks every such call's blueprint shares."""
    pending: list[Diagnostic] = field(default_factory=list)
    """Diagnostics about the object's own prefix, reported unless the object is only a template."""
    unprefixed: str = ""
    """For a blueprint of a project subclass whose setup state registers rules starting with this
    marker (`"!/"`) without the prefix (`apilint.frameworks.flask_setup_state`)."""
    cls: Symbol | None = None
    """For an object built by a project subclass (`CloudModule(...)`): the class, whose `register()`
    override may register more blueprints (`apilint.frameworks.flask_plugins`)."""


@dataclass(frozen=True)
class Product:
    """What a project factory function returns: a framework object built by a constructor call."""

    factory: Symbol
    call: Expr
    kind: tuple[str, str]
    template: str
    """The key of the local the factory assigns the object to (`bp = Blueprint(...)`), or ``."""


@dataclass
class Env:
    """Names visible in one scope: local objects, local imports and local values, the evaluator
    scope (parameters bound to arguments, loop variables) and the conditions the code sits under."""

    names: dict[str, str] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    values: dict[str, Expr] = field(default_factory=dict)
    scope: Scope | None = None
    condition: str = ""
    exprs: dict[str, tuple[ModuleSummary, Expr]] = field(default_factory=dict)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Lists of objects an instance keeps (`self.submodules`), as filled by the methods read with it:
    the keys of the objects, for loops over them."""
    instances: dict[str, Held] = field(default_factory=dict)
    """Names bound to instances of a project class that holds an app (`initializer = Init(app)`, and
    `self` inside its methods): the class and its attributes holding objects (`instances`)."""

    def child(self) -> Env:
        """A copy for a nested scope."""
        return Env(dict(self.names), dict(self.imports), dict(self.values), self.scope, self.condition,
                   dict(self.exprs), self.members, dict(self.instances))

    def under(self, condition: str) -> Env:
        """The same names under one more condition (an `if` branch); assignments stay shared."""
        return Env(self.names, self.imports, self.values, self.scope, join_conditions(self.condition, condition),
                   self.exprs, self.members, self.instances)


def listed_items(index: ProjectIndex, mod: ModuleSummary, expr: Expr | None, depth: int = 0) -> list[Expr]:
    """Elements of a literal list/tuple, following names and `+`."""
    if expr is None or depth > 5:
        return []
    if expr.kind in ("list", "tuple", "set"):
        return [e for e in expr.args if e.kind != "starred"]
    if expr.kind == "binop" and expr.text == "+":
        return listed_items(index, mod, expr.args[0], depth + 1) + listed_items(index, mod, expr.args[1], depth + 1)
    if expr.kind in ("name", "attr"):
        symbol = index.resolve(mod, expr)
        if symbol is not None and symbol.value is not None:
            return listed_items(index, symbol.module, symbol.value, depth + 1)
    return []


def record_imports(stmt: Stmt, env: Env) -> None:
    """Remember the names an import statement inside a function binds."""
    if stmt.kind == "import" and stmt.targets:
        for target, value in zip(stmt.targets, stmt.exprs, strict=False):
            env.imports[target.text] = value.text


__all__ = ["HTTP_METHODS", "KINDS", "ROUTE_DECORATORS", "Env", "Include", "Node", "Product", "RawRoute",
           "listed_items", "record_imports"]
