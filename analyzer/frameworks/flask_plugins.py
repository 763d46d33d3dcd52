"""Blueprints an app reaches through code Flask or the app runs on its behalf.

1. **Register hooks.** `app.register_blueprint(bp)` calls `bp.register(app, options)`. A project
   Blueprint subclass that overrides `register` can register more there: on the app
   (`app.register_blueprint(child)`, at the child's own prefix), under itself
   (`self.register_blueprint(child)`, under its prefix), or through a list it keeps
   (`self.submodules.append(child)` in one override, `for m in self.submodules:
   app.register_blueprint(m)` in a base class's). When such a blueprint is registered on an app,
   the chain of overrides (each one that calls `super().register(...)` reaching the next) is read
   with `app` bound to that app and `self` to the blueprint, the lists filled first
   (`register_chain`, `kept_members`).
2. **Plugin interfaces.** `for plugin in Implementations(IViews): bp = plugin.get_blueprint();
   app.register_blueprint(bp)`: an app factory that loops over the implementations of an
   interface class. The project classes that declare the interface (`implements(IViews)` in the
   class body, or subclassing it or a class that does) and define a method the loop calls are its
   plugins: the loop body is read once per plugin with the loop variable bound to an instance of
   it, so the evaluator reads what the method returns, under `if plugin NAME is enabled`
   (plugins are switched on by configuration). Without that loop in view nothing is mounted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apilint.frameworks.flask_nodes import Env, Node, listed_items, record_imports
from apilint.frameworks.flask_objects import Objects
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, ModuleSummary, Stmt, walk_stmts

_LIST_ADDS = frozenset({"append", "extend", "insert"})


def register_chain(index: ProjectIndex, cls: Symbol) -> list[Symbol]:
    """The project `register(self, app, options)` overrides a blueprint of class `cls` runs, most
    derived first: each next one only when the one before calls `super().register(...)`."""
    out: list[Symbol] = []
    for qualname in (cls.qualname, *index.base_names(cls)):
        found = index.lookup(f"{qualname}.register")
        if found is None or found.func is None or any(found.func is s.func for s in out):
            continue
        params = [p for p in found.func.params if p.kind in ("pos", "posonly")]
        if len(params) < 2 or params[0].name != "self":
            break
        out.append(found)
        if not _calls_super_register(found):
            break
    return out


def _calls_super_register(method: Symbol) -> bool:
    assert method.func is not None
    for stmt in walk_stmts(method.func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                func = call.func
                if func.kind == "attr" and func.text == "register" and (
                        (func.args[0].kind == "call" and func.args[0].func.dotted == "super")
                        or func.args[0].kind in ("name", "attr")):
                    return True
    return False


def app_parameter(method: Symbol) -> str:
    """The name of the parameter a `register` override receives the app in."""
    assert method.func is not None
    return [p for p in method.func.params if p.kind in ("pos", "posonly")][1].name


def kept_members(objects: Objects, chain: list[Symbol]) -> dict[str, tuple[str, ...]]:
    """`self.X.append(child)` / `.extend([...])` / `.insert(i, child)` / `self.X += [...]` in the
    overrides: for each list attribute (`self.X`), the keys of the objects added to it, in order.
    Names are read as bound at the call (`from .a import blueprint as module` then `from .b import
    blueprint as module`)."""
    out: dict[str, list[str]] = {}
    for method in chain:
        assert method.func is not None
        env = Env()
        for stmt in walk_stmts(method.func.body):
            record_imports(stmt, env)
            for target, items in _additions(objects.index, method.module, stmt):
                for item in items:
                    node = objects.node(method.module, item, env)
                    if node is not None and node.key not in out.setdefault(target, []):
                        out[target].append(node.key)
    return {k: tuple(v) for k, v in out.items() if v}


def _additions(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt) -> list[tuple[str, list[Expr]]]:
    """(attribute, expressions added) for the list changes of one statement."""
    out: list[tuple[str, list[Expr]]] = []
    if stmt.kind == "augassign" and stmt.value is not None and stmt.targets and \
            (stmt.targets[0].dotted or "").startswith("self."):
        out.append((stmt.targets[0].dotted or "", listed_items(index, mod, stmt.value)))
    for expr in stmt.own_exprs():
        for call in expr.calls():
            func = call.func
            owner = func.args[0].dotted if func.kind == "attr" else None
            if owner is None or not owner.startswith("self.") or func.text not in _LIST_ADDS or not call.positional:
                continue
            item = call.positional[-1]
            out.append((owner, listed_items(index, mod, item) if func.text == "extend" else [item]))
    return out


@dataclass(frozen=True)
class PluginLoop:
    """A loop over the implementations of an interface class, and the plugins that answer it."""

    interface: Symbol
    plugins: tuple[Symbol, ...]
    """The project classes that declare the interface and define a method the loop calls."""


class Plugins:
    """Finds the plugin classes a loop over an interface's implementations reaches (cached)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._declared: dict[str, tuple[Symbol, ...]] = {}

    def loop(self, mod: ModuleSummary, stmt: Stmt, resolve: Callable[[Expr], Symbol | None]) -> PluginLoop | None:
        """`for plugin in X(IFoo): ... plugin.method() ... register_blueprint(...)`: the interface and
        its plugins, else None. `resolve` names a project definition in the loop's scope."""
        value, target = stmt.value, stmt.targets[0] if stmt.targets else None
        if value is None or value.kind != "call" or not value.positional or target is None or target.kind != "name":
            return None
        interface = resolve(value.positional[0])
        if interface is None or interface.cls is None:
            return None
        called, registers = _loop_calls(stmt, target.text)
        if not called or not registers:
            return None
        plugins = tuple(cls for cls in self.declaring(interface)
                        if any(self._defines(cls, interface, m) for m in called))
        return PluginLoop(interface, plugins) if plugins else None

    def declaring(self, interface: Symbol) -> tuple[Symbol, ...]:
        """The project classes that declare `interface`: `implements(interface)` in the class body
        (theirs or a project base's), or the interface among their bases."""
        cached = self._declared.get(interface.qualname)
        if cached is not None:
            return cached
        out: list[Symbol] = []
        for mod in self.index:
            for cls in mod.classes():
                symbol = self.index.lookup(f"{mod.module}.{cls.qualname}")
                if symbol is None or symbol.cls is None or symbol.qualname == interface.qualname:
                    continue
                chain = [symbol] + [s for q in self.index.base_names(symbol) if (s := self.index.lookup(q)) is not None]
                if interface.qualname in self.index.base_names(symbol) or \
                        any(self._implements(s, interface) for s in chain):
                    out.append(symbol)
        found = tuple(sorted(out, key=lambda s: s.qualname))
        self._declared[interface.qualname] = found
        return found

    def _implements(self, cls: Symbol, interface: Symbol) -> bool:
        if cls.cls is None or not cls.module.mentions("implements"):
            return False
        for stmt in cls.cls.body:
            if stmt.func is not None or stmt.cls is not None:
                continue
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    name = call.func.dotted or ""
                    if name.rsplit(".", 1)[-1] == "implements" and any(
                            self._names(cls.module, arg, interface) for arg in call.positional):
                        return True
        return False

    def _names(self, mod: ModuleSummary, expr: Expr, interface: Symbol) -> bool:
        """`expr` names the interface (also through a package that re-exports it)."""
        if self.index.qualify_expr(mod, expr) == interface.qualname:
            return True
        found = self.index.resolve(mod, expr)
        return found is not None and found.qualname == interface.qualname

    def _defines(self, cls: Symbol, interface: Symbol, method: str) -> bool:
        """The class (or a project base other than the interface) defines `method`."""
        found = self.index.find_method(cls, method)
        return found is not None and not found.qualname.startswith(interface.qualname + ".")


def _loop_calls(stmt: Stmt, target: str) -> tuple[set[str], bool]:
    """The methods of the loop variable whose results the body registers as blueprints
    (`app.register_blueprint(plugin.get_blueprint())`, or through names only ever bound to such a
    result or to its items), and whether there are any. A method given arguments (a blueprint to
    adjust) or a name also bound to something else does not count."""
    derived: dict[str, str] = {}
    spoiled: set[str] = set()
    for inner in walk_stmts(stmt.body):
        binds = inner.kind in ("assign", "annassign", "for")
        names = [t.text for t in inner.targets if t.kind == "name"] if binds else []
        source = _getter(inner.value, target, derived) if inner.value is not None else None
        for name in names:
            if source is None or name in spoiled:
                spoiled.add(name)
                derived.pop(name, None)
            else:
                derived[name] = source
        if inner.kind in ("augassign",):
            for t in inner.targets:
                spoiled.add(t.text)
                derived.pop(t.text, None)
    called: set[str] = set()
    for inner in walk_stmts(stmt.body):
        for expr in inner.own_exprs():
            for call in expr.calls():
                if call.func.kind == "attr" and call.func.text == "register_blueprint" and call.positional:
                    method = _getter(call.positional[0], target, derived)
                    if method is not None:
                        called.add(method)
    return called, bool(called)


def _getter(expr: Expr, target: str, derived: dict[str, str]) -> str | None:
    """`target.m()` (no arguments) or a name bound to what it returns: the method `m`."""
    if expr.kind == "name":
        return derived.get(expr.text)
    if expr.kind in ("list", "tuple") and expr.args:  # `if not isinstance(found, list): found = [found]`
        methods = {_getter(e, target, derived) for e in expr.args}
        return methods.pop() if len(methods) == 1 and None not in methods else None
    func = expr.func if expr.kind == "call" else None
    if func is not None and func.kind == "attr" and func.args[0].kind == "name" and func.args[0].text == target \
            and not expr.positional and not expr.keywords:
        return func.text
    return None


def instance_expr(cls: Symbol) -> Expr:
    """A constructor call standing for an instance of `cls` (plugins are built by the framework)."""
    return Expr("call", args=(Expr("name", cls.qualname.rsplit(".", 1)[-1]),))


def hook_key(node: Node, app: Node) -> str:
    """Identifies one reading of a blueprint's register hooks on one app."""
    return f"register|{node.key}|{app.key}"


__all__ = ["PluginLoop", "Plugins", "app_parameter", "hook_key", "instance_expr", "kept_members", "register_chain"]
