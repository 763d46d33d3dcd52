"""Flask registrations, read in the scope they are written in (pass 2).

Every module is read statement by statement: `register_blueprint`, `add_namespace`,
`Api(app)` / `init_app`, `add_url_rule`, `add_resource`, route decorators, `before_request`
hooks, error handlers and rate limits. Function bodies are read in their own scope; a project
helper handed an app or blueprint (`register_blueprints(app)`, `register_view(bp, ...)`,
`self.init_routes(app)`) is read once per set of arguments, its parameters bound; loops over
known collections run once per item; both branches of an `if` are read, the registrations in
them carrying the condition.
"""

from __future__ import annotations

from apilint.frameworks.base import LinkOutput
from apilint.frameworks.common import join_conditions, unreadable_loop
from apilint.frameworks.flask_discovery import Discovery, discovering_function, enclosing_function, walked_package
from apilint.frameworks.flask_facts import FlaskFacts
from apilint.frameworks.flask_nodes import ROUTE_DECORATORS, Env, Node, RawRoute, record_imports
from apilint.frameworks.flask_objects import Objects
from apilint.frameworks.flask_plugins import (
    Plugins,
    app_parameter,
    hook_key,
    instance_expr,
    kept_members,
    register_chain,
)
from apilint.frameworks.flask_values import built_local, collection_test, evaluated_node, loop_items
from apilint.frameworks.flask_views import Views
from apilint.frameworks.instances import constructed, instance_of
from apilint.model import AuthStatus, Evidence, HandlerRef, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Instance, Ref, Scope, Value, as_expr

_LOOP_REGISTRATIONS = frozenset({"add_url_rule", "register_blueprint", "add_resource", "add_namespace"})
REQUEST_HOOKS = {"before_request": False, "before_app_request": True,
                 "url_value_preprocessor": False, "app_url_value_preprocessor": True}
"""Functions Flask calls before every request of a blueprint or app (True: of the whole app, even
when registered on a blueprint), which may turn the request away. A URL value preprocessor
(`(endpoint, values)`) runs first and can: a project's check for the object a path names."""


class Scanner:
    """Reads the registrations of every module into the objects' routes and includes."""

    def __init__(self, index: ProjectIndex, objects: Objects, views: Views, facts: FlaskFacts,
                 out: LinkOutput) -> None:
        self.index = index
        self.objects = objects
        self.views = views
        self.facts = facts
        self.out = out
        self.replaced: set[tuple[str, str]] = set()
        """Stand-in apps (function key, parameter) some caller bound to a real object."""
        self._bound: set[str] = set()
        self.discoveries: list[Discovery] = []
        """Apps that register blueprints a run-time package walk found (`flask_discovery`)."""
        self.plugins = Plugins(index)

    def scan(self, mod: ModuleSummary, body: tuple[Stmt, ...], scope: str, env: Env) -> None:
        """Pass 2: read the registrations in `body`, a scope named `scope` (`factory.<locals>.`)."""
        for stmt in body:
            self._statement(mod, stmt, scope, env)

    def _statement(self, mod: ModuleSummary, stmt: Stmt, scope: str, env: Env) -> None:
        record_imports(stmt, env)
        if stmt.kind in ("assign", "annassign") and stmt.value is not None:
            self._assignment(mod, stmt, scope, env)
        if stmt.kind == "for":
            self._loop(mod, stmt, scope, env)
            return
        if stmt.func is not None:
            self._decorated_function(mod, stmt.func, env)
            self._function_body(mod, stmt.func, scope, env, {}, {})
        elif stmt.cls is not None:
            self.views.decorated_class(mod, stmt.cls, env)
            for method in stmt.cls.methods():
                self._function_body(mod, method, scope, env, {}, {}, stmt.cls)
        for expr in stmt.own_exprs():
            for call in expr.calls():
                self._call(mod, call, env, stmt.line)
        settled = collection_test(self.objects, mod, stmt.value, env) if stmt.kind == "if" else None
        if settled is not None:
            self.scan(mod, stmt.body if settled else stmt.orelse, scope, env)
        elif stmt.kind == "if" and stmt.value is not None:
            test = stmt.value.render(50)
            self.scan(mod, stmt.body, scope, env.under(f"if {test}"))
            self.scan(mod, stmt.orelse, scope, env.under(f"unless {test}"))
        elif stmt.func is None and stmt.cls is None and (stmt.body or stmt.handlers or stmt.orelse or stmt.finalbody):
            self.scan(mod, tuple(stmt.children()), scope, env)

    def _function_body(self, mod: ModuleSummary, func: FunctionDef, scope: str, env: Env, names: dict[str, str],
                       values: dict[str, Value], cls: ClassDef | None = None) -> None:
        """Read a function's body in its own scope: parameters holding an app or blueprint bound to
        what the caller passed, else to the project's only one, else to a stand-in app."""
        inner = env.child()
        if cls is not None:
            own = f"{mod.module}.{cls.qualname}.self."
            for key in self.objects.nodes:
                if key.startswith(own):
                    inner.names["self." + key[len(own):]] = key
        inner.names.update(self._param_objects(mod, func, names, cls))
        bound = dict(values)
        if cls is not None and "self" not in bound:
            symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
            bound["self"] = Value((Instance(symbol, Expr("call", args=(Expr("name", cls.name),)), mod),))
        inner.scope = Scope(mod, func, bound, env.scope)
        self.scan(mod, func.body, f"{func.qualname}.<locals>.", inner)

    def _param_objects(self, mod: ModuleSummary, func: FunctionDef, bound: dict[str, str],
                       cls: ClassDef | None) -> dict[str, str]:
        out = dict(bound)
        for param in func.params:
            if param.name in out:
                continue
            if param.annotation is not None:
                kind = self.objects.kind(mod, Expr("call", args=(param.annotation,)), Env())
            else:
                kind = ("app", "flask") if self._registers_on(func, param.name) else None
            if kind is None or kind[0] != "app":
                continue
            apps = [n for n in self.objects.nodes.values()
                    if n.kind == "app" and n.lib == kind[1] and n.stand_in is None]
            same = [n for n in apps if n.mod.path == mod.path]
            chosen = same if len(same) == 1 else apps
            if len(chosen) == 1 and param.annotation is not None:
                out[param.name] = chosen[0].key
                continue
            func_key = f"{mod.module}.{func.qualname}"
            key = f"{func_key}.<{param.name}>"
            if key not in self.objects.nodes:
                self.objects.nodes[key] = Node(key, "app", kind[1], mod, func.line, stand_in=(func_key, param.name))
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
        if self._member_loop(mod, stmt, scope, env) or self._plugin_loop(mod, stmt, scope, env):
            self.scan(mod, stmt.orelse, scope, env)
            return
        value = self.index.values.value(mod, stmt.value, env.scope).first
        items = loop_items(self.objects, mod, stmt.value, env)
        target = stmt.targets[0] if stmt.targets else None
        if items is None or target is None or len(items) > 200:
            self._unreadable_loop(mod, stmt, value)
            self.scan(mod, stmt.body, scope, env)
        elif not items and stmt.value.kind == "call":
            self._empty_loop(mod, stmt, env)
        else:
            for item in items:
                inner = env.child()
                bound: dict[str, Value] = {}
                self._bind(mod, target, item, inner, bound)
                inner.scope = env.scope.child(bound) if env.scope is not None else Scope(mod, None, bound)
                self.scan(mod, stmt.body, scope, inner)
        self.scan(mod, stmt.orelse, scope, env)

    def _member_loop(self, mod: ModuleSummary, stmt: Stmt, scope: str, env: Env) -> bool:
        """`for module in self.submodules:` in a register hook: once per object the hooks added to the list."""
        target = stmt.targets[0] if stmt.targets else None
        keys = env.members.get(stmt.value.dotted or "") if stmt.value is not None else None
        if keys is None or target is None or target.kind != "name":
            return False
        for key in keys:
            inner = env.child()
            inner.names[target.text] = key
            self.scan(mod, stmt.body, scope, inner)
        return True

    def _plugin_loop(self, mod: ModuleSummary, stmt: Stmt, scope: str, env: Env) -> bool:
        """`for plugin in Implementations(IViews): app.register_blueprint(plugin.get_blueprint())`: the
        body once per plugin class, its variable an instance of the class (`flask_plugins`)."""
        found = self.plugins.loop(mod, stmt, lambda e: self.objects.function(mod, e, env))
        if found is None:
            return False
        name = stmt.targets[0].text
        for cls in found.plugins:
            inner = env.child()
            inner.condition = join_conditions(env.condition, f"if plugin {cls.qualname} is enabled")
            bound = {name: Value((Instance(cls, instance_expr(cls), cls.module),))}
            inner.scope = env.scope.child(bound) if env.scope is not None else Scope(mod, None, bound)
            self.scan(mod, stmt.body, scope, inner)
        return True

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
                node = self.objects.node(found[0], found[1], Env() if found[0] is not mod else env) or \
                    built_local(self.objects, item)
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
            if key in self.objects.nodes:
                env.names[target.text] = key
                self._constructed(mod, self.objects.nodes[key], value, env)
            else:
                env.values[target.text] = value
                if value.kind == "call":
                    self._instance(mod, target.text, value, env)
                    made = self.objects.node(mod, value, env)  # `app = create_app()` returning the module's app
                    if made is not None and made.kind == "app" and target.text not in env.names:
                        env.names[target.text] = made.key
                if value.kind == "call" and value.func.kind == "attr" and value.func.text == "namespace":
                    self._namespace_call(mod, value, env, target.text, scope, stmt.line)
                elif value.kind in ("name", "attr"):
                    node = self.objects.node(mod, value, env)  # application = app
                    if node is not None:
                        env.names[target.text] = node.key
        if len(stmt.targets) == 1 and stmt.targets[0].kind in ("attr", "subscript"):
            self.facts.assignment(mod, stmt, lambda e: self.objects.app_of(mod, e, env))
            self.objects.config.item(mod, stmt.targets[0], value, env.scope, lambda e: self.objects.app_of(mod, e, env))

    def _constructed(self, mod: ModuleSummary, node: Node, call: Expr, env: Env) -> None:
        """`Api(app)` / `Api(bp, prefix=...)` / `Api(app=app)` / `Sockets(app)` attach the object when it is created."""
        if node.kind in ("api", "sockets") and call.kind == "call":
            owner = self.objects.node(mod, call.arg(0, "app"), env)
            if owner is not None:
                self.objects.include(owner, node, None, env.condition)

    def _namespace_call(self, mod: ModuleSummary, call: Expr, env: Env, name: str, scope: str, line: int) -> None:
        api = self.objects.node(mod, call.func.args[0], env)
        if api is None or api.kind != "api":
            return
        key = f"{mod.module}.{scope}{name}"
        node = self.objects.new_node(key, ("namespace", api.lib), mod, line, call, env)
        self.objects.nodes[key] = node
        env.names[name] = key
        self.objects.include(api, node, None, env.condition)

    def _call(self, mod: ModuleSummary, call: Expr, env: Env, line: int) -> None:
        func = call.func
        self.facts.call(mod, call, line, lambda e: self.objects.app_of(mod, e, env))
        if self.objects.config.call(mod, call, env.scope, lambda e: self.objects.app_of(mod, e, env)):
            return
        if func.kind == "call" and func.func.kind == "attr" and func.func.text in ("limit", "shared_limit"):
            self._limit_node(mod, call, env, line)  # limiter.limit("100/hour")(bp)
            return
        if call.positional and call.positional[0].kind == "attr" and call.positional[0].text == "register_blueprint" \
                and self.index.qualify_expr(mod, func) in ("functools.partial", "partial"):
            # `registrators.append(partial(app.register_blueprint, api, url_prefix="/api"))`, called later
            call = call._replace(args=call.positional)
            func = call.func
        if func.kind != "attr":
            self._bind_helper(mod, call, env)
            return
        node = self.objects.node(mod, func.args[0], env)
        if node is None:
            if not self._instance_call(mod, call, env):
                self._bind_helper(mod, call, env)
            return
        method = func.text
        if method == "register_blueprint":
            child = self.objects.node(mod, call.arg(0, "blueprint"), env) or \
                evaluated_node(self.objects, mod, call.arg(0, "blueprint"), env)
            if child is not None:
                self._registered(node, child, mod, call.kwarg("url_prefix"), env, line)
            elif node.kind in ("app", "blueprint") and call.kwarg("url_prefix") is None:
                self._discovery(mod, node, line)
        elif method == "add_namespace":
            child = self.objects.node(mod, call.arg(0, "ns"), env)
            if child is not None:
                self._registered(node, child, mod, call.arg(1, "path"), env, line)
        elif method == "init_app" and node.kind in ("api", "sockets"):
            owner = self.objects.node(mod, call.arg(0, "app"), env)
            if owner is not None:
                self.objects.include(owner, node, None, env.condition)
        elif method == "add_url_rule":
            self.views.url_rule(mod, node, call, env, line)
        elif method == "add_resource":
            self.views.add_resource(mod, node, call, env, line)
        elif method in REQUEST_HOOKS and call.positional:
            symbol = self.index.resolve(mod, call.positional[0])
            if symbol is not None and symbol.func is not None:
                target = node.app_hooks if REQUEST_HOOKS[method] else node.hooks
                target.append((symbol.module, symbol.func))
                self.out.request_hooks.append(HandlerRef(symbol.module.path, symbol.func.qualname))
        elif method == "register_error_handler":
            handler = self.index.resolve(mod, call.arg(1, "f"))
            if handler is not None and handler.func is not None:
                self.out.exception_handlers.append(HandlerRef(handler.module.path, handler.func.qualname))

    def _empty_loop(self, mod: ModuleSummary, stmt: Stmt, env: Env) -> None:
        """A loop over what a function returns, read as empty: the function may fill it in ways the
        evaluator does not follow (`found += ...` in a nested loop), so a run-time package walk that
        feeds `app.register_blueprint(bp)` in the body is still recognised."""
        for inner in walk_stmts(stmt.body):
            for expr in inner.own_exprs():
                for call in expr.calls():
                    if call.func.kind == "attr" and call.func.text == "register_blueprint" and \
                            call.kwarg("url_prefix") is None:
                        node = self.objects.node(mod, call.func.args[0], env)
                        if node is not None and node.kind == "app":
                            self._discovery(mod, node, inner.line)

    def _discovery(self, mod: ModuleSummary, app: Node, line: int) -> None:
        """`app.register_blueprint(bp)` of a blueprint apilint cannot name: a run-time package walk?
        A blueprint that registers what a walk finds (`self.register_blueprint(bp)` in its
        `register()` override) can find its own package's blueprints only."""
        func = enclosing_function(mod, line)
        name = discovering_function(self.index, mod, func) if func is not None else None
        if name is not None:
            self.discoveries.append(Discovery(app.key, walked_package(mod, app), name))

    def _registered(self, parent: Node, child: Node, mod: ModuleSummary, prefix: Expr | None, env: Env,
                    line: int) -> None:
        if prefix is None:
            self.objects.include(parent, child, None, env.condition)
        else:
            text, note = self.objects.path(mod, prefix, env, line)
            self.objects.include(parent, child, text, join_conditions(env.condition, note))
        if parent.kind == "app":
            self._register_hooks(parent, child, env)

    def _register_hooks(self, app: Node, child: Node, env: Env) -> None:
        """`app.register_blueprint(child)` runs `child.register(app, options)`: the project overrides of
        its class are read with `app` and `self` bound (`flask_plugins`)."""
        chain = register_chain(self.index, child.cls) if child.cls is not None else []
        key = hook_key(child, app)
        if not chain or key in self._bound or len(self._bound) > 500:
            return
        self._bound.add(key)
        members = kept_members(self.objects, chain)
        for method in chain:
            assert method.func is not None
            param = app_parameter(method)
            self.replaced.add((f"{method.module.module}.{method.func.qualname}", param))
            inner = Env(condition=env.condition, members=members)
            self._function_body(method.module, method.func, "", inner, {param: app.key, "self": child.key}, {},
                                self._owner_class(method))

    def _bind_helper(self, mod: ModuleSummary, call: Expr, env: Env, symbol: Symbol | None = None) -> None:
        """`register_blueprints(app)`, `self.init_routes(app)`: read the project function (`symbol`,
        else what the call names) with its parameters bound to the app (and the other arguments' values)."""
        symbol = symbol or self._callee(mod, call, env)
        if symbol is None or symbol.func is None:
            return
        func = symbol.func
        is_method = "." in func.qualname and bool(func.params) and func.params[0].name in ("self", "cls")
        params = [p for p in func.params if p.kind in ("pos", "posonly")][1 if is_method else 0:]
        bound: dict[str, Node] = {}
        for param, arg in zip(params, call.positional, strict=False):
            node = self.objects.node(mod, arg, env)
            if node is not None:
                bound[param.name] = node
        for kw in call.keywords:
            if kw.name is not None and func.param(kw.name) is not None:
                node = self.objects.node(mod, kw.value, env)
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
            self.replaced.add((func_key, name))
        cls = self._owner_class(symbol)
        inner = Env(condition=env.condition)
        self._function_body(symbol.module, func, "", inner, {p: n.key for p, n in bound.items()}, values, cls)

    def _instance(self, mod: ModuleSummary, name: str, call: Expr, env: Env) -> None:
        """`initializer = AppInitializer(app)`: a project class handed an app keeps it in an
        attribute; its `__init__` is read like a helper's body, and the instance is remembered."""
        def object_key(arg: Expr) -> str | None:
            node = self.objects.node(mod, arg, env)
            return node.key if node is not None else None

        made = constructed(self.index, mod, call, object_key)
        if made is not None:
            env.instances[name] = made[0]
            self._bind_helper(mod, call, env, made[1])

    def _instance_call(self, mod: ModuleSummary, call: Expr, env: Env) -> bool:
        """`initializer.init_app()` (or `self.init_views()` inside it): the method read with the
        instance's attributes bound to the app they hold."""
        instance = instance_of(call, env.instances)
        method = self.index.find_method(instance.cls, call.func.text) if instance is not None else None
        if instance is None or method is None or method.func is None:
            return False
        key = f"{method.qualname}|{instance.site}|" + ",".join(f"{a}={k}" for a, k in sorted(instance.attrs.items()))
        if key in self._bound or len(self._bound) > 500:
            return True
        self._bound.add(key)
        values = {"self": instance.made, **self.index.values.bind_arguments(mod, method.func, call, env.scope,
                                                                        skip_self=True)}
        inner = Env(condition=env.condition, names=dict(instance.attrs), instances={"self": instance})
        self._function_body(method.module, method.func, "", inner, {}, values, self._owner_class(method))
        return True

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
            node = self.objects.node(mod, arg, env)
            if node is not None:
                name = self.index.qualify_expr(mod, call.func.func) or call.func.func.render(40)
                node.limits.append(Evidence("rate_limit", name, AuthStatus.REQUIRED, call.func.render(60),
                                            Location(mod.path, line)))

    def _decorated_function(self, mod: ModuleSummary, func: FunctionDef, env: Env) -> None:
        for dec in func.decorators:
            expr = dec.expr
            call = expr if expr.kind == "call" else None
            target = expr.func if call is not None else expr
            if target.kind != "attr":
                continue
            node = self.objects.node(mod, target.args[0], env)
            if node is None:
                continue
            method = target.text
            if method in ROUTE_DECORATORS and call is not None and method != "resource":
                methods = self.views.methods(mod, method, call) if node.kind != "sockets" else ("WEBSOCKET",)
                endpoint = self.index.const_str(mod, call.kwarg("endpoint")) or func.name
                rule, note = self.objects.path(mod, call.arg(0, "rule"), env, dec.line)
                raw = RawRoute(methods, rule, mod, func, func.qualname, func.line, endpoint,
                               self.views.own_decorators(mod, func), join_conditions(env.condition, note))
                node.routes.append(raw)
            elif method in REQUEST_HOOKS:
                (node.app_hooks if REQUEST_HOOKS[method] else node.hooks).append((mod, func))
                self.out.request_hooks.append(HandlerRef(mod.path, func.qualname))
            elif method in ("after_request", "after_app_request"):
                self.out.request_hooks.append(HandlerRef(mod.path, func.qualname))
            elif method in ("errorhandler", "app_errorhandler"):
                self.out.exception_handlers.append(HandlerRef(mod.path, func.qualname))


__all__ = ["Scanner"]
