"""Flask: apps, blueprints, Flask-RESTful/RESTX APIs and namespaces, flask-smorest, views.

Objects (apps, blueprints, APIs, namespaces) are found wherever they are created, including
inside application factories. Registrations (`register_blueprint`, `Api(app)`,
`add_namespace`, `init_app`) are read in the scope they are written in; a helper that receives
the app as an argument (`register_blueprints(app)`) is read with that argument bound. Routes
are emitted by walking registrations down from each app, composing prefixes the way Flask
does (a prefix given at registration wins over the blueprint's own).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.common import (
    factory_aliases,
    join_conditions,
    join_paths,
    normalize_path,
    unreadable_loop,
)
from apilint.frameworks.flask_auth import FlaskAuth, Judgement, strongest
from apilint.frameworks.flask_classes import HandlerClasses
from apilint.frameworks.flask_config import AppConfig
from apilint.frameworks.flask_facts import FlaskFacts
from apilint.frameworks.flask_hooks import HookJudge, RouteFacts
from apilint.frameworks.flask_patterns import local_imports
from apilint.model import AppFact, AuthEvidence, AuthStatus, Diagnostic, Evidence, HandlerRef, Location, Route
from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Ref, Scope, Value, as_expr, placeholder

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
}
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
LOGIN_CALLS = ("check_password", "verify_password", "create_access_token", "create_refresh_token", "login_user",
               "authenticate", "encode_auth_token", "generate_token", "create_token")
_LOOP_REGISTRATIONS = frozenset({"add_url_rule", "register_blueprint", "add_resource", "add_namespace"})
ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete", "resource"})


@dataclass
class _Raw:
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


@dataclass
class _Include:
    child: str
    prefix: str | None
    condition: str = ""


@dataclass
class _Node:
    key: str
    kind: str
    lib: str
    mod: ModuleSummary
    line: int
    name: str = ""
    prefix: str = ""
    routes: list[_Raw] = field(default_factory=list)
    includes: list[_Include] = field(default_factory=list)
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


@dataclass(frozen=True)
class _Product:
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

    def child(self) -> Env:
        """A copy for a nested scope."""
        return Env(dict(self.names), dict(self.imports), dict(self.values), self.scope, self.condition,
                   dict(self.exprs))

    def under(self, condition: str) -> Env:
        """The same names under one more condition (an `if` branch); assignments stay shared."""
        return Env(self.names, self.imports, self.values, self.scope, join_conditions(self.condition, condition),
                   self.exprs)


class FlaskAdapter:
    """Routes and facts of Flask apps and the Flask REST extensions."""

    name = "flask"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports Flask or one of its extensions."""
        return imports_any(index, ("flask", "flask_restful", "flask_restx", "flask_restplus", "flask_smorest",
                                   "apiflask", "flask_cors", "flask_limiter", "connexion"))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Collect objects, read registrations, emit routes and app facts."""
        _Linker(index, config, out).run()


class _Linker:
    def __init__(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        self.index = index
        self.out = out
        self.nodes: dict[str, _Node] = {}
        self.aliases: dict[str, str] = {}
        self.auth = FlaskAuth(index, config)
        self.hooks = HookJudge(index, self.auth)
        self.classes = HandlerClasses(index, self.auth)
        self.facts = FlaskFacts(index, out)
        self.config = AppConfig(index)
        self._bound: set[str] = set()
        self._replaced: set[tuple[str, str]] = set()
        self._reported: set[tuple[str, int, str]] = set()
        self._products: dict[str, _Product | None] = {}

    def run(self) -> None:
        for mod in self.index:
            self._collect(mod, mod.body, "", Env())
        for mod in self.index:
            self._factory_aliases(mod)
        for mod in self.index:
            self._scan(mod, mod.body, "", Env())
        self.facts.project_wide()
        self._emit()

    # --- pass 1: objects -------------------------------------------------------------
    def _kind(self, mod: ModuleSummary, value: Expr, env: Env) -> tuple[str, str] | None:
        if value.kind != "call":
            return None
        callee = self._qualify(mod, value.func, env) or ""
        if callee in KINDS:
            return KINDS[callee]
        symbol = self.index.lookup(callee)
        if symbol is not None and symbol.cls is not None:
            for base in self.index.base_names(symbol):
                if base in KINDS:
                    return KINDS[base]
        return None

    def _qualify(self, mod: ModuleSummary, expr: Expr, env: Env) -> str | None:
        dotted = expr.dotted
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in env.imports:
            return env.imports[head] + (f".{rest}" if rest else "")
        return self.index.qualify(mod, dotted)

    def _collect(self, mod: ModuleSummary, body: tuple[Stmt, ...], scope: str, env: Env,
                 cls: ClassDef | None = None) -> None:
        for stmt in walk_stmts(body):
            _local_imports(stmt, env)
            if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                kind = self._kind(mod, stmt.value, env)
                product = self._product(mod, stmt.value, env) if kind is None else None
                for target in stmt.targets:
                    if kind is None and product is None:
                        continue
                    if target.kind == "name":
                        key = f"{mod.module}.{scope}{target.text}"
                    elif cls is not None and (target.dotted or "").startswith("self."):
                        key = f"{mod.module}.{cls.qualname}.{target.dotted}"  # self.app = Flask(...)
                    else:
                        continue
                    if kind is not None:
                        self.nodes[key] = self._new_node(key, kind, mod, stmt.line, stmt.value, env)
                    elif product is not None:
                        self.nodes[key] = self._instance(key, mod, stmt.line, stmt.value, env, product)
                    if target.kind == "name":
                        env.names[target.text] = key
            elif stmt.func is not None:
                inner = env.child()
                inner.scope = Scope(mod, stmt.func, None, env.scope)
                self._collect(mod, stmt.func.body, f"{stmt.func.qualname}.<locals>.", inner, cls)
            elif stmt.cls is not None:
                for method in stmt.cls.methods():
                    inner = env.child()
                    inner.scope = Scope(mod, method, None, env.scope)
                    self._collect(mod, method.body, f"{method.qualname}.<locals>.", inner, stmt.cls)

    def _new_node(self, key: str, kind: tuple[str, str], mod: ModuleSummary, line: int, call: Expr,
                  env: Env | None = None, at: ModuleSummary | None = None) -> _Node:
        """The object `call` builds; its arguments are read in `mod` (diagnostics point at `at`, line)."""
        node = _Node(key, kind[0], kind[1], at or mod, line)
        scope = env.scope if env is not None else None
        if node.kind == "blueprint":
            node.name = self.index.values.string(mod, call.arg(0, "name"), scope) or key.rsplit(".", 1)[-1]
            prefix = call.kwarg("url_prefix")
            if prefix is not None:
                node.prefix = self._path(mod, prefix, env, line, node.pending, at)[0]
            else:
                node.prefix = self._subclass_prefix(mod, call, scope) or ""
        elif node.kind == "api":
            prefix = call.kwarg("prefix")
            node.prefix = self._path(mod, prefix, env, line, node.pending, at)[0] if prefix is not None else ""
            node.decorators += [(mod, d) for d in _items(self.index, mod, call.kwarg("decorators"))]
        elif node.kind == "namespace":
            node.name = self.index.values.string(mod, call.arg(0, "name"), scope) or key.rsplit(".", 1)[-1]
            path = call.kwarg("path")
            node.prefix = self._path(mod, path, env, line, node.pending, at)[0] if path is not None \
                else "/" + node.name
            node.decorators += [(mod, d) for d in _items(self.index, mod, call.kwarg("decorators"))]
        return node

    def _product(self, mod: ModuleSummary, call: Expr, env: Env) -> _Product | None:
        """The blueprint a project factory returns (`def make_blueprint(name): return Blueprint(name, ...)`,
        or a local it builds and returns), when `call` calls one."""
        if call.kind != "call" or call.func.kind not in ("name", "attr"):
            return None
        symbol = self._function(mod, call.func, env)
        if symbol is None or symbol.func is None:
            return None
        if symbol.qualname not in self._products:
            self._products[symbol.qualname] = self._factory_product(symbol)
        return self._products[symbol.qualname]

    def _factory_product(self, symbol: Symbol) -> _Product | None:
        assert symbol.func is not None
        env = Env(imports=local_imports(symbol.func))
        built: dict[str, Expr] = {}
        for stmt in walk_stmts(symbol.func.body):
            if stmt.kind in ("assign", "annassign") and stmt.value is not None and stmt.value.kind == "call":
                built.update((t.text, stmt.value) for t in stmt.targets if t.kind == "name")
            if stmt.kind != "return" or stmt.value is None:
                continue
            local = stmt.value.text if stmt.value.kind == "name" else ""
            ctor = built.get(local) if local else stmt.value
            kind = self._kind(symbol.module, ctor, env) if ctor is not None else None
            if ctor is not None and kind is not None and kind[0] == "blueprint":
                template = f"{symbol.module.module}.{symbol.func.qualname}.<locals>.{local}" if local else ""
                return _Product(symbol, ctor, kind, template)
        return None

    def _instance(self, key: str, mod: ModuleSummary, line: int, call: Expr, env: Env, product: _Product) -> _Node:
        """The blueprint one call of a factory builds: its name and prefix read with the factory's
        parameters bound to this call's arguments."""
        factory = product.factory
        assert factory.func is not None
        bound = self.index.values.bind_arguments(mod, factory.func, call, env.scope, skip_self=False)
        inner = Env(imports=local_imports(factory.func), scope=Scope(factory.module, factory.func, bound))
        node = self._new_node(key, product.kind, factory.module, line, product.call, inner, at=mod)
        node.template = product.template
        return node

    def _subclass_prefix(self, mod: ModuleSummary, call: Expr, scope: Scope | None) -> str | None:
        """A Blueprint subclass that sets its own default prefix in `__init__`
        (`kwargs.setdefault("url_prefix", "/" + name)`), read with the constructor's arguments."""
        symbol = self.index.resolve(mod, call.func)
        if symbol is None or symbol.cls is None:
            return None
        for owner in self._class_chain(symbol):
            assert owner.cls is not None
            init = owner.cls.method("__init__")
            if init is None:
                continue
            for stmt in walk_stmts(init.body):
                for expr in stmt.own_exprs():
                    value = _url_prefix_default(stmt, expr)
                    if value is None:
                        continue
                    bound = self.index.values.bind_arguments(mod, init, call, scope, skip_self=True)
                    return self.index.values.string(owner.module, value, Scope(owner.module, init, bound))
        return None

    def _factory_aliases(self, mod: ModuleSummary) -> None:
        """`app = create_app()` where the factory builds and returns a Flask app (a blueprint a
        factory builds is an object of its own: `_instance`)."""
        self.aliases.update((name, key) for name, key in factory_aliases(self.index, mod, self.nodes).items()
                            if name not in self.nodes)

    # --- pass 2: registrations and routes --------------------------------------------
    def _node(self, mod: ModuleSummary, expr: Expr | None, env: Env, _depth: int = 0) -> _Node | None:
        if expr is None or _depth > 4:
            return None
        if expr.kind == "call":
            return self._factory_node(mod, expr, env, _depth)
        dotted = expr.dotted
        if dotted is None:
            return None
        if dotted in env.names:
            return self.nodes.get(env.names[dotted])
        head, _, rest = dotted.partition(".")
        if head in env.exprs and head not in env.names:
            where, bound = env.exprs[head]
            if bound.dotted is not None:
                target = _dotted_expr(bound.dotted + (f".{rest}" if rest else ""))
                return self._node(where, target, Env())
        if expr.kind == "attr" and expr.text == "app":  # connexion_app.app is the Flask app
            owner = self._node(mod, expr.args[0], env)
            if owner is not None and owner.lib == "connexion":
                return owner
        imported = self._imported_module(mod, env.values.get(head), env) if rest else None
        qualified = f"{imported}.{rest}" if imported is not None else self._qualify(mod, expr, env)
        if qualified is None:
            return None
        key = self.aliases.get(qualified, qualified)
        if key in self.nodes:
            return self.nodes[key]
        symbol = self.index.lookup(qualified)
        if symbol is not None:
            return self.nodes.get(self.aliases.get(symbol.qualname, symbol.qualname))
        return None

    def _imported_module(self, mod: ModuleSummary, value: Expr | None, env: Env) -> str | None:
        """`module = importlib.import_module(f"app.blueprints.{name}")` with `name` known (a loop
        over a literal list of module names): the module's name."""
        if value is None or value.kind != "call" or not value.positional:
            return None
        if self._qualify(mod, value.func, env) not in ("importlib.import_module", "__import__", "import_module"):
            return None
        name = self.index.values.string(mod, value.positional[0], env.scope)
        return name if name is not None and self.index.module(name) is not None else None

    def _function(self, mod: ModuleSummary, expr: Expr, env: Env) -> Symbol | None:
        """The project definition `expr` names, through names imported in the enclosing function."""
        qualified = self._qualify(mod, expr, env)
        return self.index.lookup(qualified) if qualified is not None else None

    def _factory_node(self, mod: ModuleSummary, call: Expr, env: Env, depth: int) -> _Node | None:
        """`construct_blueprint(datastore)`: a project function that builds a blueprint and returns it."""
        symbol = self._function(mod, call.func, env)
        if symbol is None or symbol.func is None:
            return None
        local = f"{symbol.module.module}.{symbol.func.qualname}.<locals>."
        for stmt in walk_stmts(symbol.func.body):
            if stmt.kind == "return" and stmt.value is not None:
                dotted = stmt.value.dotted
                if dotted is not None and f"{local}{dotted}" in self.nodes:
                    return self.nodes[f"{local}{dotted}"]
                found = self._node(symbol.module, stmt.value, Env(), depth + 1)
                if found is not None:
                    return found
        return None

    def _scan(self, mod: ModuleSummary, body: tuple[Stmt, ...], scope: str, env: Env) -> None:
        for stmt in body:
            self._statement(mod, stmt, scope, env)

    def _statement(self, mod: ModuleSummary, stmt: Stmt, scope: str, env: Env) -> None:
        _local_imports(stmt, env)
        if stmt.kind in ("assign", "annassign") and stmt.value is not None:
            self._assignment(mod, stmt, scope, env)
        if stmt.kind == "for":
            self._loop(mod, stmt, scope, env)
            return
        if stmt.func is not None:
            self._decorated_function(mod, stmt.func, env)
            self._function_body(mod, stmt.func, scope, env, {}, {})
        elif stmt.cls is not None:
            self._decorated_class(mod, stmt.cls, env)
            for method in stmt.cls.methods():
                self._function_body(mod, method, scope, env, {}, {}, stmt.cls)
        for expr in stmt.own_exprs():
            for call in expr.calls():
                self._call(mod, call, env, stmt.line)
        if stmt.kind == "if" and stmt.value is not None:
            test = stmt.value.render(50)
            self._scan(mod, stmt.body, scope, env.under(f"if {test}"))
            self._scan(mod, stmt.orelse, scope, env.under(f"unless {test}"))
        elif stmt.func is None and stmt.cls is None and (stmt.body or stmt.handlers or stmt.orelse or stmt.finalbody):
            self._scan(mod, tuple(stmt.children()), scope, env)

    def _function_body(self, mod: ModuleSummary, func: FunctionDef, scope: str, env: Env, names: dict[str, str],
                       values: dict[str, Value], cls: ClassDef | None = None) -> None:
        """Read a function's body in its own scope: parameters holding an app or blueprint bound to
        what the caller passed, else to the project's only one, else to a stand-in app."""
        inner = env.child()
        if cls is not None:
            own = f"{mod.module}.{cls.qualname}.self."
            for key in self.nodes:
                if key.startswith(own):
                    inner.names["self." + key[len(own):]] = key
        inner.names.update(self._param_objects(mod, func, names, cls))
        bound = dict(values)
        if cls is not None and "self" not in bound:
            from apilint.values import Instance

            symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
            bound["self"] = Value((Instance(symbol, Expr("call", args=(Expr("name", cls.name),)), mod),))
        inner.scope = Scope(mod, func, bound, env.scope)
        self._scan(mod, func.body, f"{func.qualname}.<locals>.", inner)

    def _param_objects(self, mod: ModuleSummary, func: FunctionDef, bound: dict[str, str],
                       cls: ClassDef | None) -> dict[str, str]:
        out = dict(bound)
        for param in func.params:
            if param.name in out:
                continue
            if param.annotation is not None:
                kind = self._kind(mod, Expr("call", args=(param.annotation,)), Env())
            else:
                kind = ("app", "flask") if self._registers_on(func, param.name) else None
            if kind is None or kind[0] != "app":
                continue
            apps = [n for n in self.nodes.values() if n.kind == "app" and n.lib == kind[1] and n.stand_in is None]
            same = [n for n in apps if n.mod.path == mod.path]
            chosen = same if len(same) == 1 else apps
            if len(chosen) == 1 and param.annotation is not None:
                out[param.name] = chosen[0].key
                continue
            func_key = f"{mod.module}.{func.qualname}"
            key = f"{func_key}.<{param.name}>"
            if key not in self.nodes:
                self.nodes[key] = _Node(key, "app", kind[1], mod, func.line, stand_in=(func_key, param.name))
            out[param.name] = key
        return out

    @staticmethod
    def _registers_on(func: FunctionDef, name: str) -> bool:
        """An unannotated parameter named like an app that the body registers blueprints on
        (`def load_blueprints(app): app.register_blueprint(...)`, a plugin hook) is taken for one."""
        if name not in ("app", "application", "flask_app"):
            return False
        for stmt in walk_stmts(func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.func.kind == "attr" and call.func.text in ("register_blueprint", "add_url_rule") and \
                            call.func.args[0].kind == "name" and call.func.args[0].text == name:
                        return True
        return False

    def _loop(self, mod: ModuleSummary, stmt: Stmt, scope: str, env: Env) -> None:
        """`for bp in BLUEPRINTS: app.register_blueprint(bp)`: the body once per item of a known collection."""
        for expr in stmt.own_exprs():
            for call in expr.calls():
                self._call(mod, call, env, stmt.line)
        assert stmt.value is not None
        value = self.index.values.value(mod, stmt.value, env.scope).first
        items = list(value) if isinstance(value, list | tuple | dict) else None
        target = stmt.targets[0] if stmt.targets else None
        if items is None or target is None or len(items) > 200:
            self._unreadable_loop(mod, stmt, value)
            self._scan(mod, stmt.body, scope, env)
        else:
            for item in items:
                inner = env.child()
                bound: dict[str, Value] = {}
                self._bind(mod, target, item, inner, bound)
                inner.scope = env.scope.child(bound) if env.scope is not None else Scope(mod, None, bound)
                self._scan(mod, stmt.body, scope, inner)
        self._scan(mod, stmt.orelse, scope, env)

    def _unreadable_loop(self, mod: ModuleSummary, stmt: Stmt, value: object) -> None:
        found = unreadable_loop(mod, stmt, value, _LOOP_REGISTRATIONS)
        if found is not None:
            self.out.diagnostics.append(found)

    def _bind(self, mod: ModuleSummary, target: Expr, item: object, env: Env, bound: dict[str, Value]) -> None:
        if target.kind == "name":
            bound[target.text] = Value((item,))
            found = as_expr(mod, item) if not isinstance(item, str) else None
            if found is not None:
                env.exprs[target.text] = found
                node = self._node(found[0], found[1], Env() if found[0] is not mod else env)
                if node is not None:
                    env.names[target.text] = node.key
        elif target.kind in ("tuple", "list") and isinstance(item, list | tuple) and len(item) == len(target.args):
            for sub, part in zip(target.args, item, strict=True):
                self._bind(mod, sub, part, env, bound)

    def _assignment(self, mod: ModuleSummary, stmt: Stmt, scope: str, env: Env) -> None:
        value = stmt.value
        assert value is not None
        for target in stmt.targets:
            if target.kind != "name":
                continue
            key = f"{mod.module}.{scope}{target.text}"
            if key in self.nodes:
                env.names[target.text] = key
                self._constructed(mod, self.nodes[key], value, env)
            else:
                env.values[target.text] = value
                if value.kind == "call" and value.func.kind == "attr" and value.func.text == "namespace":
                    self._namespace_call(mod, value, env, target.text, scope, stmt.line)
                elif value.kind in ("name", "attr"):
                    node = self._node(mod, value, env)  # application = app
                    if node is not None:
                        env.names[target.text] = node.key
        if len(stmt.targets) == 1 and stmt.targets[0].kind in ("attr", "subscript"):
            self.facts.assignment(mod, stmt, lambda e: self._app_of(mod, e, env))
            self.config.item(mod, stmt.targets[0], value, env.scope, lambda e: self._app_of(mod, e, env))

    def _app_of(self, mod: ModuleSummary, expr: Expr, env: Env) -> str | None:
        node = self._node(mod, expr, env)
        return node.key if node is not None and node.kind == "app" else None

    def _config_of(self, mod: ModuleSummary, expr: Expr, env: Env) -> str | None:
        """The app whose config `expr.config` reads: for the stand-in app of a hook no caller is
        seen for (`def load_blueprints(app)`), the project's only Flask app."""
        key = self._app_of(mod, expr, env)
        node = self.nodes.get(key) if key is not None else None
        if node is None or node.stand_in is None:
            return key
        apps = [n.key for n in self.nodes.values() if n.kind == "app" and n.lib == node.lib and n.stand_in is None]
        return apps[0] if len(apps) == 1 else key

    def _constructed(self, mod: ModuleSummary, node: _Node, call: Expr, env: Env) -> None:
        """`Api(app)` / `Api(bp, prefix=...)` / `Api(app=app)` attach the API when it is created."""
        if node.kind == "api" and call.kind == "call":
            owner = self._node(mod, call.arg(0, "app"), env)
            if owner is not None:
                self._include(owner, node, None, env.condition)

    def _namespace_call(self, mod: ModuleSummary, call: Expr, env: Env, name: str, scope: str, line: int) -> None:
        api = self._node(mod, call.func.args[0], env)
        if api is None or api.kind != "api":
            return
        key = f"{mod.module}.{scope}{name}"
        node = self._new_node(key, ("namespace", api.lib), mod, line, call, env)
        self.nodes[key] = node
        env.names[name] = key
        self._include(api, node, None, env.condition)

    def _include(self, parent: _Node, child: _Node, prefix: str | None, condition: str = "") -> None:
        if parent.key == child.key:
            return
        inc = _Include(child.key, prefix, condition)
        if all(i.child != inc.child or i.prefix != inc.prefix for i in parent.includes):
            parent.includes.append(inc)
        child.included = True

    def _call(self, mod: ModuleSummary, call: Expr, env: Env, line: int) -> None:
        func = call.func
        self.facts.call(mod, call, line, lambda e: self._app_of(mod, e, env))
        if self.config.call(mod, call, env.scope, lambda e: self._app_of(mod, e, env)):
            return
        if func.kind == "call" and func.func.kind == "attr" and func.func.text in ("limit", "shared_limit"):
            self._limit_node(mod, call, env, line)  # limiter.limit("100/hour")(bp)
            return
        if func.kind != "attr":
            self._bind_helper(mod, call, env)
            return
        node = self._node(mod, func.args[0], env)
        if node is None:
            self._bind_helper(mod, call, env)
            return
        method = func.text
        if method == "register_blueprint":
            child = self._node(mod, call.arg(0, "blueprint"), env)
            if child is not None:
                self._registered(node, child, mod, call.kwarg("url_prefix"), env, line)
        elif method == "add_namespace":
            child = self._node(mod, call.arg(0, "ns"), env)
            if child is not None:
                self._registered(node, child, mod, call.arg(1, "path"), env, line)
        elif method == "init_app" and node.kind == "api":
            owner = self._node(mod, call.arg(0, "app"), env)
            if owner is not None:
                self._include(owner, node, None, env.condition)
        elif method == "add_url_rule":
            self._url_rule(mod, node, call, env, line)
        elif method == "add_resource":
            self._add_resource(mod, node, call, env, line)
        elif method in ("before_request", "before_app_request") and call.positional:
            symbol = self.index.resolve(mod, call.positional[0])
            if symbol is not None and symbol.func is not None:
                target = node.app_hooks if method == "before_app_request" else node.hooks
                target.append((symbol.module, symbol.func))
        elif method == "register_error_handler":
            handler = self.index.resolve(mod, call.arg(1, "f"))
            if handler is not None and handler.func is not None:
                self.out.exception_handlers.append(HandlerRef(handler.module.path, handler.func.qualname))

    def _registered(self, parent: _Node, child: _Node, mod: ModuleSummary, prefix: Expr | None, env: Env,
                    line: int) -> None:
        if prefix is None:
            self._include(parent, child, None, env.condition)
            return
        text, note = self._path(mod, prefix, env, line)
        self._include(parent, child, text, join_conditions(env.condition, note))

    def _bind_helper(self, mod: ModuleSummary, call: Expr, env: Env) -> None:
        """`register_blueprints(app)`, `self.init_routes(app)`: read the project function with its
        parameters bound to the app (and the other arguments' values)."""
        symbol = self._callee(mod, call, env)
        if symbol is None or symbol.func is None:
            return
        func = symbol.func
        is_method = "." in func.qualname and bool(func.params) and func.params[0].name in ("self", "cls")
        params = [p for p in func.params if p.kind in ("pos", "posonly")][1 if is_method else 0:]
        bound: dict[str, _Node] = {}
        for param, arg in zip(params, call.positional, strict=False):
            node = self._node(mod, arg, env)
            if node is not None:
                bound[param.name] = node
        for kw in call.keywords:
            if kw.name is not None and func.param(kw.name) is not None:
                node = self._node(mod, kw.value, env)
                if node is not None:
                    bound[kw.name] = node
        if not bound:
            return
        values = self.index.values.bind_arguments(mod, func, call, env.scope, skip_self=is_method)
        # the same objects with other arguments (`register_view(bp, "/a", A)`, then `"/b", B`) is another reading
        key = f"{symbol.qualname}|" + ",".join(f"{p}={n.key}" for p, n in sorted(bound.items())) + "|" + \
            ",".join(f"{p}={v.options!r}" for p, v in sorted(values.items()) if p not in bound)
        if key in self._bound or len(self._bound) > 500:
            return
        self._bound.add(key)
        func_key = f"{symbol.module.module}.{func.qualname}"
        for name in bound:
            self._replaced.add((func_key, name))
        cls = self._owner_class(symbol)
        inner = Env(condition=env.condition)
        self._function_body(symbol.module, func, "", inner, {p: n.key for p, n in bound.items()}, values, cls)

    def _callee(self, mod: ModuleSummary, call: Expr, env: Env) -> Symbol | None:
        value = self.index.values.value(mod, call.func, env.scope).first
        if isinstance(value, Ref):
            return value.symbol
        return self.index.resolve(mod, call.func) if call.func.kind == "name" else None

    def _owner_class(self, symbol: Symbol) -> ClassDef | None:
        owner = self.index.lookup(symbol.qualname.rsplit(".", 1)[0])
        return owner.cls if owner is not None else None

    def _limit_node(self, mod: ModuleSummary, call: Expr, env: Env, line: int) -> None:
        for arg in call.positional:
            node = self._node(mod, arg, env)
            if node is not None:
                name = self.index.qualify_expr(mod, call.func.func) or call.func.func.render(40)
                node.limits.append(Evidence("rate_limit", name, AuthStatus.REQUIRED, call.func.render(60),
                                            Location(mod.path, line)))

    # --- routes ----------------------------------------------------------------------
    def _decorated_function(self, mod: ModuleSummary, func: FunctionDef, env: Env) -> None:
        for dec in func.decorators:
            expr = dec.expr
            call = expr if expr.kind == "call" else None
            target = expr.func if call is not None else expr
            if target.kind != "attr":
                continue
            node = self._node(mod, target.args[0], env)
            if node is None:
                continue
            method = target.text
            if method in ROUTE_DECORATORS and call is not None and method != "resource":
                methods = self._methods(mod, method, call)
                endpoint = self.index.const_str(mod, call.kwarg("endpoint")) or func.name
                rule, note = self._path(mod, call.arg(0, "rule"), env, dec.line)
                raw = _Raw(methods, rule, mod, func, func.qualname, func.line,
                           endpoint, self._own_decorators(mod, func), join_conditions(env.condition, note))
                node.routes.append(raw)
            elif method in ("before_request", "before_app_request"):
                (node.app_hooks if method == "before_app_request" else node.hooks).append((mod, func))
            elif method in ("errorhandler", "app_errorhandler"):
                self.out.exception_handlers.append(HandlerRef(mod.path, func.qualname))

    def _decorated_class(self, mod: ModuleSummary, cls: ClassDef, env: Env) -> None:
        symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
        for dec in cls.decorators:
            call = dec.expr
            if call.kind != "call" or call.func.kind != "attr" or call.func.text not in ("route", "resource"):
                continue
            node = self._node(mod, call.func.args[0], env)
            if node is None:
                continue
            endpoint = self.index.const_str(mod, call.kwarg("endpoint")) or self._resource_endpoint(node, cls.name)
            paths = call.positional if call.func.text == "resource" else call.positional[:1]
            for path in paths:
                rule, note = self._path(mod, path, env, dec.line)
                node.routes += _conditioned(self._view_routes(symbol, rule, endpoint, []), env, note)

    def _resource_endpoint(self, node: _Node, cls_name: str) -> str:
        if node.kind == "namespace":
            return f"{node.name}_{_snake(cls_name)}"
        return cls_name.lower()

    def _add_resource(self, mod: ModuleSummary, node: _Node, call: Expr, env: Env, line: int) -> None:
        if not call.positional:
            return
        symbol = self.index.resolve(mod, call.positional[0])
        if symbol is None or symbol.cls is None:
            return
        endpoint = self.index.const_str(mod, call.kwarg("endpoint")) or self._resource_endpoint(node, symbol.cls.name)
        for path in call.positional[1:]:
            if path.kind == "starred":
                continue
            rule, note = self._path(mod, path, env, line)
            node.routes += _conditioned(self._view_routes(symbol, rule, endpoint, []), env, note)

    def _url_rule(self, mod: ModuleSummary, node: _Node, call: Expr, env: Env, line: int) -> None:
        rule, note = self._path(mod, call.arg(0, "rule"), env, line)
        before = len(node.routes)
        self._url_rule_routes(mod, node, call, env, rule)
        node.routes[before:] = _conditioned(node.routes[before:], env, note)

    def _url_rule_routes(self, mod: ModuleSummary, node: _Node, call: Expr, env: Env, rule: str) -> None:
        view = call.arg(2, "view_func")
        endpoint = self.index.const_str(mod, call.arg(1, "endpoint"))
        wrappers: list[tuple[ModuleSummary, Expr]] = []
        depth = 0
        while view is not None and depth < 6:
            depth += 1
            if view.kind == "name" and view.text in env.values:
                view = env.values[view.text]
            elif view.kind == "name" and env.scope is not None and env.scope.binds(view.text):
                # a helper's parameter (`register_view(bp, routes, view_func=V.as_view("v"))`): the argument
                found = as_expr(mod, self.index.values.value(mod, view, env.scope).first)
                if found is None or found[1] == view:
                    break
                mod, view = found
            elif view.kind == "call" and view.func.kind == "attr" and view.func.text == "as_view":
                symbol = self._class_value(mod, view.func.args[0], env)
                if symbol is not None and symbol.cls is not None:
                    name = self.index.values.string(mod, view.arg(0, "name"), env.scope) or symbol.cls.name
                    node.routes += self._view_routes(symbol, rule, endpoint or name, wrappers,
                                                     self._listed_methods(mod, call, env))
                return
            elif view.kind == "call" and len(view.positional) == 1:  # login_required(view)
                wrappers.append((mod, view.func))
                view = view.positional[0]
            else:
                break
        if view is None:
            return
        symbol = self.index.resolve(mod, view)
        if symbol is not None and symbol.func is not None:
            methods = self._listed_methods(mod, call, env) or ("GET",)
            own = self._own_decorators(symbol.module, symbol.func)
            node.routes.append(_Raw(methods, rule, symbol.module, symbol.func, symbol.func.qualname,
                                    symbol.func.line, endpoint or symbol.func.name, own + wrappers))
        elif symbol is not None and symbol.cls is not None and self.classes.is_handler_class(symbol):
            # bp.add_url_rule("/x", "x", RHSettings): a request-handler class, built per request
            listed = self._listed_methods(mod, call, env) or ("GET",)
            for methods, owner, func in self.classes.handlers(symbol, listed):
                node.routes.append(_Raw(methods, rule, owner.module, func, func.qualname, func.line,
                                        endpoint or symbol.cls.name, list(wrappers), view_class=symbol))

    def _view_routes(self, symbol: Symbol, path: str, endpoint: str, wrappers: list[tuple[ModuleSummary, Expr]],
                     allowed: tuple[str, ...] = ()) -> list[_Raw]:
        """One route per HTTP method a MethodView/Resource implements (or dispatch_request of a View)."""
        out: list[_Raw] = []
        class_decs = self._class_decorators(symbol)
        seen: set[str] = set()
        for owner in self._class_chain(symbol):
            assert owner.cls is not None
            for method in owner.cls.methods():
                if method.name not in HTTP_METHODS or method.name in seen:
                    continue
                seen.add(method.name)
                if allowed and method.name.upper() not in allowed:
                    continue
                decs = class_decs + self._method_decorators(symbol, method.name) + wrappers
                own = self._own_decorators(owner.module, method) + self._delegated_decorators(symbol, owner, method)
                out.append(_Raw((method.name.upper(),), path, owner.module, method, method.qualname, method.line,
                                endpoint, own + decs))
        if not out:
            for owner in self._class_chain(symbol):
                assert owner.cls is not None
                dispatch = owner.cls.method("dispatch_request")
                if dispatch is not None:
                    methods = self._class_methods(symbol) or allowed or ("GET",)
                    out.append(_Raw(methods, path, owner.module, dispatch, dispatch.qualname, dispatch.line, endpoint,
                                    self._own_decorators(owner.module, dispatch) + class_decs + wrappers))
                    break
        return out

    def _delegated_decorators(self, symbol: Symbol, owner: Symbol, method: FunctionDef,
                              depth: int = 0) -> list[tuple[ModuleSummary, Expr]]:
        """`def post(self, pid): return super().post(pid)`: the decorators of the parent class's
        method the request is handed to (`@jwt_required()` on the base resource's `post`)."""
        if depth > 3 or not _calls_super(method):
            return []
        chain = list(self._class_chain(symbol))
        names = [c.qualname for c in chain]
        start = names.index(owner.qualname) + 1 if owner.qualname in names else len(chain)
        for parent in chain[start:]:
            assert parent.cls is not None
            found = parent.cls.method(method.name)
            if found is not None:
                return self._own_decorators(parent.module, found) + \
                    self._delegated_decorators(symbol, parent, found, depth + 1)
        return []

    def _class_chain(self, symbol: Symbol) -> Iterator[Symbol]:
        yield symbol
        for base in self.index.base_names(symbol):
            parent = self.index.lookup(base)
            if parent is not None and parent.cls is not None:
                yield parent

    def _class_attr(self, symbol: Symbol, name: str) -> tuple[ModuleSummary, Expr] | None:
        for owner in self._class_chain(symbol):
            assert owner.cls is not None
            value = owner.cls.attribute(name)
            if value is not None:
                return owner.module, value
        return None

    def _class_decorators(self, symbol: Symbol) -> list[tuple[ModuleSummary, Expr]]:
        found = self._class_attr(symbol, "decorators")
        if found is None:
            return []
        mod, value = found
        return [(mod, e) for e in _items(self.index, mod, value)]

    def _method_decorators(self, symbol: Symbol, method: str) -> list[tuple[ModuleSummary, Expr]]:
        found = self._class_attr(symbol, "method_decorators")
        if found is None:
            return []
        mod, value = found
        if value.kind == "dict":
            out: list[tuple[ModuleSummary, Expr]] = []
            for key, item in zip(value.args[::2], value.args[1::2], strict=False):
                if key.kind == "str" and key.text.lower() == method:
                    out += [(mod, e) for e in _items(self.index, mod, item)]
            return out
        return [(mod, e) for e in _items(self.index, mod, value)]

    def _class_methods(self, symbol: Symbol) -> tuple[str, ...]:
        found = self._class_attr(symbol, "methods")
        if found is None:
            return ()
        return tuple(sorted({e.text.upper() for e in _items(self.index, found[0], found[1]) if e.kind == "str"}))

    def _own_decorators(self, mod: ModuleSummary, func: FunctionDef) -> list[tuple[ModuleSummary, Expr]]:
        out = []
        for dec in func.decorators:
            target = dec.expr.func if dec.expr.kind == "call" else dec.expr
            if target.kind == "attr" and target.text in ROUTE_DECORATORS | {"doc", "expect", "marshal_with",
                                                                           "response", "arguments"}:
                continue
            out.append((mod, dec.expr))
        return out

    def _methods(self, mod: ModuleSummary, method: str, call: Expr) -> tuple[str, ...]:
        if method != "route":
            return (method.upper(),)
        return self._listed_methods(mod, call) or ("GET",)

    def _listed_methods(self, mod: ModuleSummary, call: Expr, env: Env | None = None) -> tuple[str, ...]:
        """The `methods=` a registration lists: () when none (or `None`, a helper's default), `ANY`
        when they cannot be read."""
        given = call.kwarg("methods")
        if given is None:
            return ()
        if env is not None and env.scope is not None:  # a helper's `methods=methods` parameter
            value = self.index.values.value(mod, given, env.scope).first
            if value is None:
                return ()
            if isinstance(value, list | tuple | set) and value and all(isinstance(v, str) for v in value):
                return tuple(sorted({v.upper() for v in value}))
        listed = self.index.const_value(mod, given)
        if listed is not None and listed.kind in ("list", "tuple", "set"):
            found = tuple(sorted({e.text.upper() for e in listed.args if e.kind == "str"}))
            if found:
                return found
        return ("ANY",)

    def _class_value(self, mod: ModuleSummary, expr: Expr, env: Env) -> Symbol | None:
        """The project class `expr` names, through a helper's parameter bound to one
        (`def register_view(bp, rule, view): ... view.as_view(...)`)."""
        if expr.kind == "name" and env.scope is not None and env.scope.binds(expr.text):
            value = self.index.values.value(mod, expr, env.scope).first
            return value.symbol if isinstance(value, Ref) else None
        return self.index.resolve(mod, expr)

    def _path(self, mod: ModuleSummary, expr: Expr | None, env: Env | None, line: int,
              sink: list[Diagnostic] | None = None, at: ModuleSummary | None = None) -> tuple[str, str]:
        """(path text with `{?expr}` for unreadable parts, a note when it may take other values).
        Unreadable parts are reported at `at` (default `mod`), line, into `sink` (default the output)."""
        if expr is None:
            return "", ""
        known = env or Env()
        readable, scope = self.config.substitute(mod, expr, known.scope, lambda e: self._config_of(mod, e, known))
        text = self.index.values.text(mod, readable, scope)
        where = (at or mod).path
        for source, reason in zip(text.unresolved, text.reasons, strict=False):
            key = (where, line, source)
            if key not in self._reported:
                self._reported.add(key)
                (self.out.diagnostics if sink is None else sink).append(Diagnostic(
                    "ROUTE001", f"path part `{source}` cannot be read ({reason}); routes under it show "
                    f"{placeholder(source)} in their path", Location(where, line)))
        note = f"`{expr.render(40)}` may also be " + ", ".join(repr(a) for a in text.alternatives) \
            if text.alternatives else ""
        return text.text, note

    # --- pass 3: emit ----------------------------------------------------------------
    def _emit(self) -> None:
        templates = self._instantiate()
        for node in sorted(self.nodes.values(), key=lambda n: n.key):
            if node.kind == "app" and node.lib == "flask":
                self.out.apps.append(AppFact("flask", node.key, Location(node.mod.path, node.line)))
                self.facts.app(node.key, Location(node.mod.path, node.line))
            if node.key not in templates or node.included:
                self.out.diagnostics += node.pending
        roots = [n for n in self.nodes.values() if (n.kind == "app" or not n.included)
                 and (n.stand_in is None or n.stand_in not in self._replaced) and n.key not in templates]
        for root in sorted(roots, key=lambda n: n.key):
            app_hooks: list[tuple[ModuleSummary, FunctionDef]] = []
            for node in self._subtree(root, set()):
                app_hooks += node.app_hooks
            self._walk(root, root.prefix if root.kind != "app" else "", [], root, app_hooks, set(), "")

    def _instantiate(self) -> set[str]:
        """Give each blueprint a factory built what the factory's body adds to its own object
        (routes, registrations, hooks): the keys of those template objects."""
        templates: set[str] = set()
        for node in sorted(self.nodes.values(), key=lambda n: n.key):
            template = self.nodes.get(node.template) if node.template else None
            if template is None or template is node:
                continue
            templates.add(template.key)
            node.routes += template.routes
            node.includes += template.includes
            node.hooks += template.hooks
            node.app_hooks += template.app_hooks
            node.decorators += template.decorators
            node.limits += template.limits
        return templates

    def _subtree(self, node: _Node, seen: set[str]) -> Iterator[_Node]:
        if node.key in seen or len(seen) > 200:
            return
        seen.add(node.key)
        yield node
        for inc in node.includes:
            child = self.nodes.get(inc.child)
            if child is not None:
                yield from self._subtree(child, seen)

    def _walk(self, node: _Node, base: str, chain: list[_Node], app: _Node,
              app_hooks: list[tuple[ModuleSummary, FunctionDef]], seen: set[str], condition: str) -> None:
        if node.key in seen or len(seen) > 40:
            return
        seen = seen | {node.key}
        chain = [*chain, node]
        for raw in node.routes:
            self._route(raw, base, chain, app, app_hooks, join_conditions(condition, raw.condition))
        for inc in node.includes:
            child = self.nodes.get(inc.child)
            if child is None:
                continue
            prefix = inc.prefix if inc.prefix is not None else child.prefix
            self._walk(child, join_paths(base, prefix) if prefix else base, chain, app, app_hooks, seen,
                       join_conditions(condition, inc.condition))

    def _route(self, raw: _Raw, base: str, chain: list[_Node], app: _Node,
               app_hooks: list[tuple[ModuleSummary, FunctionDef]], condition: str) -> None:
        full_raw = join_paths(base, raw.path) if (base or raw.path) else "/"
        path, params = normalize_path(full_raw)
        blueprints = [n.name for n in chain if n.kind == "blueprint"]
        endpoint = ".".join([*blueprints, raw.endpoint])
        loc = Location(raw.mod.path, raw.line)
        judged = Judgement()
        names: list[str] = []
        decorators = list(raw.decorators)
        for node in chain:
            decorators += node.decorators
            judged.rate_limit += node.limits
        for mod, expr in decorators:
            target = expr.func if expr.kind == "call" else expr
            names.append(self.index.qualify_expr(mod, target) or target.render(40))
            judged.merge(self.auth.decorator(mod, expr, loc))
        if raw.view_class is not None:
            names.append(raw.view_class.qualname)
            judged.merge(self.classes.judge(raw.view_class))
        hooks = [h for n in chain if n.kind != "app" for h in n.hooks] + app.hooks + app_hooks
        for method in raw.methods:
            facts = RouteFacts(endpoint, path, full_raw, blueprints[-1] if blueprints else "", method)
            statuses: list[AuthStatus] = []
            evidence = list(judged.evidence)
            authz = list(judged.authz)
            for mod, func in hooks:
                verdict = self.hooks.judge(mod, func, facts)
                if verdict.status is not None:
                    statuses.append(verdict.status)
                    evidence.append(verdict.evidence)
                    authz += verdict.authz
            if judged.status is not None:
                statuses.append(judged.status)
            if raw.func is not None and not statuses and not handler_issues_credentials(raw.func):
                body = self.auth.body_status(raw.mod, raw.func)
                if body is not None:
                    detail = (self.auth.opaque_reason(raw.mod, raw.func) if body is AuthStatus.UNKNOWN
                              else "checks credentials in the handler body")
                    statuses.append(body)
                    evidence.append(Evidence("handler", f"{raw.mod.module}.{raw.qualname}", body, detail, loc))
            status = strongest(statuses) or AuthStatus.NONE
            if raw.func is not None:
                for check in self.auth.body_roles(raw.mod, raw.func, handler=True)[:1]:
                    authz.append(Evidence("role", f"{raw.mod.module}.{raw.qualname}", AuthStatus.REQUIRED, check,
                                          loc))
                for check in self.auth.object_checks(raw.mod, raw.func, frozenset(params))[:1]:
                    authz.append(Evidence("object_permission", f"{raw.mod.module}.{raw.qualname}",
                                          AuthStatus.REQUIRED, check, loc))
            self.out.routes.append(Route(
                framework="flask",
                method=method,
                path=path,
                raw_path=full_raw,
                handler=f"{raw.mod.module}.{raw.qualname}",
                location=loc,
                handler_ref=HandlerRef(raw.mod.path, raw.qualname) if raw.func is not None else None,
                path_params=params,
                auth=AuthEvidence(status, tuple(dict.fromkeys(evidence))),
                authz=tuple(dict.fromkeys(authz)),
                dependencies=tuple(dict.fromkeys(names)),
                return_annotation=raw.func.returns.render(60) if raw.func and raw.func.returns else None,
                rate_limit=tuple(dict.fromkeys(judged.rate_limit)),
                group=chain[-1].key,
                app=app.key,
                linked=app.kind == "app",
                condition=condition,
            ))
        self.out.frameworks.add("flask")


def _url_prefix_default(stmt: Stmt, expr: Expr) -> Expr | None:
    """`kwargs.setdefault("url_prefix", X)` or `kwargs["url_prefix"] = X` in a constructor: X."""
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "setdefault" and \
            len(expr.positional) == 2 and expr.positional[0].kind == "str" and expr.positional[0].text == "url_prefix":
        return expr.positional[1]
    if stmt.kind == "assign" and stmt.value is not None and expr is stmt.targets[0] and expr.kind == "subscript" \
            and len(expr.args) == 2 and expr.args[1].kind == "str" and expr.args[1].text == "url_prefix":
        return stmt.value
    return None


def _calls_super(method: FunctionDef) -> bool:
    """True when the method calls the same method of its parent (`super().post(...)`)."""
    for stmt in walk_stmts(method.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                func = call.func
                if func.kind == "attr" and func.text == method.name and func.args[0].kind == "call" \
                        and func.args[0].func.kind == "name" and func.args[0].func.text == "super":
                    return True
    return False


def _conditioned(raws: list[_Raw], env: Env, note: str) -> list[_Raw]:
    condition = join_conditions(env.condition, note)
    for raw in raws:
        raw.condition = join_conditions(condition, raw.condition)
    return raws


def _dotted_expr(dotted: str) -> Expr:
    head, *rest = dotted.split(".")
    expr = Expr("name", head)
    for part in rest:
        expr = Expr("attr", part, (expr,))
    return expr


def _items(index: ProjectIndex, mod: ModuleSummary, expr: Expr | None, depth: int = 0) -> list[Expr]:
    """Elements of a literal list/tuple, following names and `+`."""
    if expr is None or depth > 5:
        return []
    if expr.kind in ("list", "tuple", "set"):
        return [e for e in expr.args if e.kind != "starred"]
    if expr.kind == "binop" and expr.text == "+":
        return _items(index, mod, expr.args[0], depth + 1) + _items(index, mod, expr.args[1], depth + 1)
    if expr.kind in ("name", "attr"):
        symbol = index.resolve(mod, expr)
        if symbol is not None and symbol.value is not None:
            return _items(index, symbol.module, symbol.value, depth + 1)
    return []


def handler_issues_credentials(func: FunctionDef) -> bool:
    """A login/token handler checks a password and rejects, but that is not authentication of the caller."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                name = (call.func.dotted or "").rsplit(".", 1)[-1].lower()
                if any(w in name for w in LOGIN_CALLS):
                    return True
    return False


def _local_imports(stmt: Stmt, env: Env) -> None:
    if stmt.kind == "import" and stmt.targets:
        for target, value in zip(stmt.targets, stmt.exprs, strict=False):
            env.imports[target.text] = value.text


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


__all__ = ["FlaskAdapter"]
