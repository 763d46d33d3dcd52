"""Flask objects: where each app, blueprint, API and namespace is built, and which one an
expression names.

Pass 1 (`collect`) finds objects wherever they are created: at module level, in app factories,
in methods (`self.app = Flask(...)`), as instances of project subclasses (a Blueprint subclass
whose `__init__` sets a default `url_prefix`), and as what a project factory returns
(`customers_bp = make_blueprint("customers")`: one blueprint per call, its name and prefix read
with the call's arguments; routes the factory's body adds to its own blueprint are shared by
every blueprint it builds). `node` then resolves an expression to its object through local
names, imports (also those inside functions), `importlib.import_module(...)` over known module
names, loop variables and factory calls. Paths are evaluated here (`path`), with the app's
config read back (`apilint.frameworks.flask_config`) and `{?expr}` plus a ROUTE001 diagnostic
for what cannot be read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from apilint.frameworks.base import LinkOutput
from apilint.frameworks.common import dotted_expr, factory_aliases, read_path
from apilint.frameworks.flask_config import AppConfig
from apilint.frameworks.flask_nodes import KINDS, Env, Include, Node, Product, RawRoute, listed_items, record_imports
from apilint.frameworks.flask_patterns import local_imports
from apilint.frameworks.flask_setup_state import unprefixed_marker
from apilint.model import Diagnostic, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Expr, ModuleSummary, Stmt, walk_stmts
from apilint.values import Scope


class Objects:
    """The objects of one project, keyed by where they are bound (`module.factory.<locals>.bp`)."""

    def __init__(self, index: ProjectIndex, out: LinkOutput, root: Path | None = None) -> None:
        self.index = index
        self.out = out
        self.root = root
        """The project folder, where an app's static folder is looked for (None: not looked for)."""
        self.nodes: dict[str, Node] = {}
        self.aliases: dict[str, str] = {}
        self.config = AppConfig(index)
        self._reported: set[tuple[str, int, str]] = set()
        self._products: dict[str, Product | None] = {}

    def kind(self, mod: ModuleSummary, value: Expr, env: Env) -> tuple[str, str] | None:
        """(kind, library) of the object a constructor call builds (also a project subclass), else None."""
        if value.kind != "call":
            return None
        callee = self.qualify(mod, value.func, env) or ""
        if callee in KINDS:
            return KINDS[callee]
        symbol = self.index.lookup(callee)
        if symbol is not None and symbol.cls is not None:
            for base in self.index.base_names(symbol):
                if base in KINDS:
                    return KINDS[base]
        return None

    def qualify(self, mod: ModuleSummary, expr: Expr, env: Env) -> str | None:
        """The qualified name of a dotted expression, through the scope's own imports first."""
        dotted = expr.dotted
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in env.imports:
            return env.imports[head] + (f".{rest}" if rest else "")
        return self.index.qualify(mod, dotted)

    def function(self, mod: ModuleSummary, expr: Expr, env: Env) -> Symbol | None:
        """The project definition `expr` names, through names imported in the enclosing function."""
        qualified = self.qualify(mod, expr, env)
        return self.index.lookup(qualified) if qualified is not None else None

    def collect(self, mod: ModuleSummary, body: tuple[Stmt, ...], scope: str, env: Env,
                 cls: ClassDef | None = None) -> None:
        """Pass 1: record every object built in `body` (and in the functions and methods it defines)."""
        for stmt in walk_stmts(body):
            record_imports(stmt, env)
            if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                kind = self.kind(mod, stmt.value, env)
                product = self.product(mod, stmt.value, env) if kind is None else None
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
                        self.nodes[key] = self.new_node(key, kind, mod, stmt.line, stmt.value, env)
                    elif product is not None:
                        self.nodes[key] = self._instance(key, mod, stmt.line, stmt.value, env, product)
                    if target.kind == "name":
                        env.names[target.text] = key
            elif stmt.func is not None:
                inner = env.child()
                inner.scope = Scope(mod, stmt.func, None, env.scope)
                self.collect(mod, stmt.func.body, f"{stmt.func.qualname}.<locals>.", inner, cls)
            elif stmt.cls is not None:
                for method in stmt.cls.methods():
                    inner = env.child()
                    inner.scope = Scope(mod, method, None, env.scope)
                    self.collect(mod, method.body, f"{method.qualname}.<locals>.", inner, stmt.cls)

    def new_node(self, key: str, kind: tuple[str, str], mod: ModuleSummary, line: int, call: Expr,
                  env: Env | None = None, at: ModuleSummary | None = None) -> Node:
        """The object `call` builds; its arguments are read in `mod` (diagnostics point at `at`, line)."""
        node = Node(key, kind[0], kind[1], at or mod, line)
        scope = env.scope if env is not None else None
        if node.kind == "blueprint":
            node.name = self.index.values.string(mod, call.arg(0, "name"), scope) or key.rsplit(".", 1)[-1]
            prefix = call.kwarg("url_prefix")
            if prefix is not None:
                node.prefix = self.path(mod, prefix, env, line, node.pending, at)[0]
            else:
                node.prefix = self._subclass_prefix(mod, call, env, line, node.pending, at) or ""
            if call.kind == "call" and call.func.kind in ("name", "attr"):
                made = self.index.resolve(mod, call.func)
                node.unprefixed = unprefixed_marker(self.index, made)
                node.cls = made if made is not None and made.cls is not None else None
        elif node.kind == "app" and node.lib == "flask" and self.root is not None:
            static = self._static_route(mod, call, line, scope)
            if static is not None:
                node.routes.append(static)
        elif node.kind == "api":
            prefix = call.kwarg("prefix")
            node.prefix = self.path(mod, prefix, env, line, node.pending, at)[0] if prefix is not None else ""
            node.decorators += [(mod, d) for d in listed_items(self.index, mod, call.kwarg("decorators"))]
        elif node.kind == "namespace":
            node.name = self.index.values.string(mod, call.arg(0, "name"), scope) or key.rsplit(".", 1)[-1]
            path = call.kwarg("path")
            node.prefix = self.path(mod, path, env, line, node.pending, at)[0] if path is not None \
                else "/" + node.name
            node.decorators += [(mod, d) for d in listed_items(self.index, mod, call.kwarg("decorators"))]
        return node

    def _static_route(self, mod: ModuleSummary, call: Expr, line: int, scope: Scope | None) -> RawRoute | None:
        """`Flask(__name__)` serves `/static/<path:filename>` from the `static` folder beside the module
        that names the app, when that folder exists (`static_folder=None` switches it off; a folder or
        URL path that cannot be read, or a `root_path=`, is not guessed)."""
        folder_expr, url_expr = call.kwarg("static_folder"), call.kwarg("static_url_path")
        folder = "static" if folder_expr is None else self.index.values.string(mod, folder_expr, scope)
        named = call.arg(0, "import_name")
        if folder is None or not folder or call.kwarg("root_path") is not None or named is None or \
                not (named.kind == "name" and named.text == "__name__"):
            return None
        assert self.root is not None
        where = (self.root / PurePosixPath(mod.path).parent / folder).resolve()
        self.out.inputs.add(str(where))  # a folder made or removed later changes the map
        if not where.is_dir():
            return None
        url = "/" + PurePosixPath(folder).name if url_expr is None else self.index.values.string(mod, url_expr, scope)
        if url is None:
            return None
        return RawRoute(("GET",), url.rstrip("/") + "/<path:filename>", mod, None, "flask.Flask.send_static_file",
                        line, "static", builtin=f"serves the files under `{folder}`")

    def product(self, mod: ModuleSummary, call: Expr, env: Env) -> Product | None:
        """The blueprint a project factory returns (`def make_blueprint(name): return Blueprint(name, ...)`,
        or a local it builds and returns), when `call` calls one."""
        if call.kind != "call" or call.func.kind not in ("name", "attr"):
            return None
        symbol = self.function(mod, call.func, env)
        if symbol is None or symbol.func is None:
            return None
        if symbol.qualname not in self._products:
            self._products[symbol.qualname] = self._factory_product(symbol)
        return self._products[symbol.qualname]

    def _factory_product(self, symbol: Symbol) -> Product | None:
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
            kind = self.kind(symbol.module, ctor, env) if ctor is not None else None
            if ctor is not None and kind is not None and kind[0] == "blueprint":
                template = f"{symbol.module.module}.{symbol.func.qualname}.<locals>.{local}" if local else ""
                return Product(symbol, ctor, kind, template)
        return None

    def _instance(self, key: str, mod: ModuleSummary, line: int, call: Expr, env: Env, product: Product) -> Node:
        """The blueprint one call of a factory builds: its name and prefix read with the factory's
        parameters bound to this call's arguments."""
        factory = product.factory
        assert factory.func is not None
        bound = self.index.values.bind_arguments(mod, factory.func, call, env.scope, skip_self=False)
        inner = Env(imports=local_imports(factory.func), scope=Scope(factory.module, factory.func, bound))
        node = self.new_node(key, product.kind, factory.module, line, product.call, inner, at=mod)
        node.template = product.template
        return node

    def _subclass_prefix(self, mod: ModuleSummary, call: Expr, env: Env | None, line: int, sink: list[Diagnostic],
                         at: ModuleSummary | None) -> str | None:
        """A Blueprint subclass that sets its own default prefix in `__init__`
        (`kwargs.setdefault("url_prefix", "/" + name)`), read with the constructor's arguments; a
        part that cannot be read (`self.node_path`, a property) is `{?expr}`."""
        scope = env.scope if env is not None else None
        symbol = self.index.resolve(mod, call.func)
        if symbol is None or symbol.cls is None:
            return None
        for owner in self.class_chain(symbol):
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
                    inner = Scope(owner.module, init, bound)
                    text = self.index.values.string(owner.module, value, inner)
                    return text if text is not None else \
                        self.path(owner.module, value, Env(scope=inner), line, sink, at or mod)[0]
        return None

    def class_chain(self, symbol: Symbol) -> Iterator[Symbol]:
        """The class and its project base classes, nearest first."""
        yield symbol
        for base in self.index.base_names(symbol):
            parent = self.index.lookup(base)
            if parent is not None and parent.cls is not None:
                yield parent

    def alias_factories(self, mod: ModuleSummary) -> None:
        """`app = create_app()` where the factory builds and returns a Flask app (a blueprint a
        factory builds is an object of its own: `_instance`)."""
        self.aliases.update((name, key) for name, key in factory_aliases(self.index, mod, self.nodes).items()
                            if name not in self.nodes)

    def node(self, mod: ModuleSummary, expr: Expr | None, env: Env, _depth: int = 0) -> Node | None:
        """The object `expr` names in this scope, if any."""
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
                target = dotted_expr(bound.dotted + (f".{rest}" if rest else ""))
                return self.node(where, target, Env())
        if expr.kind == "attr" and expr.text == "app":  # connexion_app.app is the Flask app
            owner = self.node(mod, expr.args[0], env)
            if owner is not None and owner.lib == "connexion":
                return owner
        imported = self._imported_module(mod, env.values.get(head), env) if rest else None
        qualified = f"{imported}.{rest}" if imported is not None else self.qualify(mod, expr, env)
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
        if self.qualify(mod, value.func, env) not in ("importlib.import_module", "__import__", "import_module"):
            return None
        name = self.index.values.string(mod, value.positional[0], env.scope)
        return name if name is not None and self.index.module(name) is not None else None

    def _factory_node(self, mod: ModuleSummary, call: Expr, env: Env, depth: int) -> Node | None:
        """`construct_blueprint(datastore)`: a project function that builds a blueprint and returns it."""
        symbol = self.function(mod, call.func, env)
        if symbol is None or symbol.func is None:
            return None
        local = f"{symbol.module.module}.{symbol.func.qualname}.<locals>."
        for stmt in walk_stmts(symbol.func.body):
            if stmt.kind == "return" and stmt.value is not None:
                dotted = stmt.value.dotted
                if dotted is not None and f"{local}{dotted}" in self.nodes:
                    return self.nodes[f"{local}{dotted}"]
                found = self.node(symbol.module, stmt.value, Env(), depth + 1)
                if found is not None:
                    return found
        return None

    def app_of(self, mod: ModuleSummary, expr: Expr, env: Env) -> str | None:
        """The key of the app `expr` names, else None."""
        node = self.node(mod, expr, env)
        return node.key if node is not None and node.kind == "app" else None

    def _config_of(self, mod: ModuleSummary, expr: Expr, env: Env) -> str | None:
        """The app whose config `expr.config` reads: for the stand-in app of a hook no caller is
        seen for (`def load_blueprints(app)`), the project's only Flask app."""
        key = self.app_of(mod, expr, env)
        node = self.nodes.get(key) if key is not None else None
        if node is None or node.stand_in is None:
            return key
        apps = [n.key for n in self.nodes.values() if n.kind == "app" and n.lib == node.lib and n.stand_in is None]
        return apps[0] if len(apps) == 1 else key

    def include(self, parent: Node, child: Node, prefix: str | None, condition: str = "") -> None:
        """Register `child` under `parent` (once per prefix)."""
        if parent.key == child.key:
            return
        inc = Include(child.key, prefix, condition)
        if all(i.child != inc.child or i.prefix != inc.prefix for i in parent.includes):
            parent.includes.append(inc)
        child.included = True

    def path(self, mod: ModuleSummary, expr: Expr | None, env: Env | None, line: int,
              sink: list[Diagnostic] | None = None, at: ModuleSummary | None = None) -> tuple[str, str]:
        """(path text with `{?expr}` for unreadable parts, a note when it may take other values).
        Unreadable parts are reported at `at` (default `mod`), line, into `sink` (default the output)."""
        if expr is None:
            return "", ""
        known = env or Env()
        readable, scope = self.config.substitute(mod, expr, known.scope, lambda e: self._config_of(mod, e, known))
        return read_path(self.index, mod, readable, scope, Location((at or mod).path, line),
                         self.out.diagnostics if sink is None else sink, self._reported, written=expr)


def _url_prefix_default(stmt: Stmt, expr: Expr) -> Expr | None:
    """`kwargs.setdefault("url_prefix", X)` or `kwargs["url_prefix"] = X` in a constructor: X."""
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "setdefault" and \
            len(expr.positional) == 2 and expr.positional[0].kind == "str" and expr.positional[0].text == "url_prefix":
        return expr.positional[1]
    if stmt.kind == "assign" and stmt.value is not None and expr is stmt.targets[0] and expr.kind == "subscript" \
            and len(expr.args) == 2 and expr.args[1].kind == "str" and expr.args[1].text == "url_prefix":
        return stmt.value
    return None


__all__ = ["Objects"]
