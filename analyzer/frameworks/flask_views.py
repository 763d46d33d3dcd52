"""Flask routes of view functions and view classes, and the decorators that apply to them.

`@bp.route` on a class and `api.add_resource(Resource, *paths)` give one route per HTTP method
the class implements (Flask `MethodView`, Flask-RESTful/RESTX `Resource`), or one for
`dispatch_request` of a plain `View`; `add_url_rule` follows the view through names, a
helper's parameters (`register_view(bp, "/x", View)`), `View.as_view(...)` and wrapping calls
(`login_required(view)`), and hands request-handler classes to `apilint.frameworks.flask_classes`.
Decorators come from the method itself, a parent method it hands the request to
(`return super().post(...)`), the class's `decorators` and `method_decorators`, and wrappers.
"""

from __future__ import annotations

import re

from apilint.frameworks.common import join_conditions
from apilint.frameworks.flask_classes import HandlerClasses
from apilint.frameworks.flask_nodes import HTTP_METHODS, ROUTE_DECORATORS, Env, Node, RawRoute, listed_items
from apilint.frameworks.flask_objects import Objects
from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, walk_stmts
from apilint.values import Ref, as_expr


class Views:
    """Builds the routes of views registered on an object."""

    def __init__(self, index: ProjectIndex, objects: Objects, classes: HandlerClasses) -> None:
        self.index = index
        self.objects = objects
        self.classes = classes

    def decorated_class(self, mod: ModuleSummary, cls: ClassDef, env: Env) -> None:
        """`@bp.route("/x")` / `@ns.route(...)` / `@blp.route(...)` on a view class: its routes."""
        symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
        for dec in cls.decorators:
            call = dec.expr
            if call.kind != "call" or call.func.kind != "attr" or call.func.text not in ("route", "resource"):
                continue
            node = self.objects.node(mod, call.func.args[0], env)
            if node is None:
                continue
            endpoint = self.index.const_str(mod, call.kwarg("endpoint")) or self._resource_endpoint(node, cls.name)
            paths = call.positional if call.func.text == "resource" else call.positional[:1]
            for path in paths:
                rule, note = self.objects.path(mod, path, env, dec.line)
                node.routes += _conditioned(self.view_routes(symbol, rule, endpoint, []), env, note)

    def _resource_endpoint(self, node: Node, cls_name: str) -> str:
        if node.kind == "namespace":
            return f"{node.name}_{_snake(cls_name)}"
        return cls_name.lower()

    def add_resource(self, mod: ModuleSummary, node: Node, call: Expr, env: Env, line: int) -> None:
        """`api.add_resource(Resource, "/a", "/b", endpoint=...)`: the resource's routes on each path."""
        if not call.positional:
            return
        symbol = self.index.resolve(mod, call.positional[0])
        if symbol is None or symbol.cls is None:
            return
        endpoint = self.index.const_str(mod, call.kwarg("endpoint")) or self._resource_endpoint(node, symbol.cls.name)
        for path in call.positional[1:]:
            if path.kind == "starred":
                continue
            rule, note = self.objects.path(mod, path, env, line)
            node.routes += _conditioned(self.view_routes(symbol, rule, endpoint, []), env, note)

    def url_rule(self, mod: ModuleSummary, node: Node, call: Expr, env: Env, line: int) -> None:
        """`bp.add_url_rule(rule, endpoint, view_func, methods=...)`: the view's routes."""
        rule, note = self.objects.path(mod, call.arg(0, "rule"), env, line)
        before = len(node.routes)
        self._url_rule_routes(mod, node, call, env, rule)
        node.routes[before:] = _conditioned(node.routes[before:], env, note)

    def _url_rule_routes(self, mod: ModuleSummary, node: Node, call: Expr, env: Env, rule: str) -> None:
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
                    node.routes += self.view_routes(symbol, rule, endpoint or name, wrappers,
                                                     self.listed_methods(mod, call, env))
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
            methods = self.listed_methods(mod, call, env) or ("GET",)
            own = self.own_decorators(symbol.module, symbol.func)
            node.routes.append(RawRoute(methods, rule, symbol.module, symbol.func, symbol.func.qualname,
                                        symbol.func.line, endpoint or symbol.func.name, own + wrappers,
                                        built_by=symbol.qualname if view.kind == "call" else ""))
        elif symbol is not None and symbol.cls is not None and self.classes.is_handler_class(symbol):
            # bp.add_url_rule("/x", "x", RHSettings): a request-handler class, built per request
            listed = self.listed_methods(mod, call, env) or ("GET",)
            for methods, owner, func in self.classes.handlers(symbol, listed):
                node.routes.append(RawRoute(methods, rule, owner.module, func, func.qualname, func.line,
                                        endpoint or symbol.cls.name, list(wrappers), view_class=symbol))

    def view_routes(self, symbol: Symbol, path: str, endpoint: str, wrappers: list[tuple[ModuleSummary, Expr]],
                     allowed: tuple[str, ...] = ()) -> list[RawRoute]:
        """One route per HTTP method a MethodView/Resource implements (or dispatch_request of a View)."""
        out: list[RawRoute] = []
        class_decs = self._class_decorators(symbol)
        seen: set[str] = set()
        for owner in self.objects.class_chain(symbol):
            assert owner.cls is not None
            for method in owner.cls.methods():
                if method.name not in HTTP_METHODS or method.name in seen:
                    continue
                seen.add(method.name)
                if allowed and method.name.upper() not in allowed:
                    continue
                decs = class_decs + self._method_decorators(symbol, method.name) + wrappers
                own = self.own_decorators(owner.module, method) + self._delegated_decorators(symbol, owner, method)
                out.append(RawRoute((method.name.upper(),), path, owner.module, method, method.qualname,
                                    method.line, endpoint, own + decs))
        if not out:
            for owner in self.objects.class_chain(symbol):
                assert owner.cls is not None
                dispatch = owner.cls.method("dispatch_request")
                if dispatch is not None:
                    methods = self._class_methods(symbol) or allowed or ("GET",)
                    out.append(RawRoute(methods, path, owner.module, dispatch, dispatch.qualname, dispatch.line,
                                        endpoint, self.own_decorators(owner.module, dispatch) + class_decs + wrappers))
                    break
        return out

    def _delegated_decorators(self, symbol: Symbol, owner: Symbol, method: FunctionDef,
                              depth: int = 0) -> list[tuple[ModuleSummary, Expr]]:
        """`def post(self, pid): return super().post(pid)`: the decorators of the parent class's
        method the request is handed to (`@jwt_required()` on the base resource's `post`)."""
        if depth > 3 or not _calls_super(method):
            return []
        chain = list(self.objects.class_chain(symbol))
        names = [c.qualname for c in chain]
        start = names.index(owner.qualname) + 1 if owner.qualname in names else len(chain)
        for parent in chain[start:]:
            assert parent.cls is not None
            found = parent.cls.method(method.name)
            if found is not None:
                return self.own_decorators(parent.module, found) + \
                    self._delegated_decorators(symbol, parent, found, depth + 1)
        return []

    def _class_attr(self, symbol: Symbol, name: str) -> tuple[ModuleSummary, Expr] | None:
        for owner in self.objects.class_chain(symbol):
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
        return [(mod, e) for e in listed_items(self.index, mod, value)]

    def _method_decorators(self, symbol: Symbol, method: str) -> list[tuple[ModuleSummary, Expr]]:
        found = self._class_attr(symbol, "method_decorators")
        if found is None:
            return []
        mod, value = found
        if value.kind == "dict":
            out: list[tuple[ModuleSummary, Expr]] = []
            for key, item in zip(value.args[::2], value.args[1::2], strict=False):
                if key.kind == "str" and key.text.lower() == method:
                    out += [(mod, e) for e in listed_items(self.index, mod, item)]
            return out
        return [(mod, e) for e in listed_items(self.index, mod, value)]

    def _class_methods(self, symbol: Symbol) -> tuple[str, ...]:
        found = self._class_attr(symbol, "methods")
        if found is None:
            return ()
        return tuple(sorted({e.text.upper() for e in listed_items(self.index, found[0], found[1]) if e.kind == "str"}))

    def own_decorators(self, mod: ModuleSummary, func: FunctionDef) -> list[tuple[ModuleSummary, Expr]]:
        """The decorators written on a handler, minus route registrations and documentation ones."""
        out = []
        for dec in func.decorators:
            target = dec.expr.func if dec.expr.kind == "call" else dec.expr
            if target.kind == "attr" and target.text in ROUTE_DECORATORS | {"doc", "expect", "marshal_with",
                                                                           "response", "arguments"}:
                continue
            out.append((mod, dec.expr))
        return out

    def methods(self, mod: ModuleSummary, method: str, call: Expr) -> tuple[str, ...]:
        """The HTTP methods of a route decorator (`@bp.get`, `@bp.route(methods=[...])`)."""
        if method != "route":
            return (method.upper(),)
        return self.listed_methods(mod, call) or ("GET",)

    def listed_methods(self, mod: ModuleSummary, call: Expr, env: Env | None = None) -> tuple[str, ...]:
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


def _conditioned(raws: list[RawRoute], env: Env, note: str) -> list[RawRoute]:
    condition = join_conditions(env.condition, note)
    for raw in raws:
        raw.condition = join_conditions(condition, raw.condition)
    return raws


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


__all__ = ["Views"]
