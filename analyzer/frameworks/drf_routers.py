"""DRF routers: every router object of the project and what is registered on it.

A router is an assignment of a `...Router(...)` call (DRF's `DefaultRouter`/`SimpleRouter`,
drf-nested-routers, a project subclass); its registrations are `router.register(prefix, ViewSet)`
calls, also in loops over literal collections, and `router.registry.extend(other.registry)`.
Prefixes go through the value evaluator; a part it cannot read is `{?expr}` with a ROUTE001.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apilint.frameworks.common import Bindings, calls_with_loops, read_path
from apilint.model import Diagnostic, Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary, walk_stmts
from apilint.values import Scope


@dataclass
class Registration:
    """`router.register(prefix, viewset)`: the viewset expression and the module it is written in."""

    prefix: str
    viewset: Expr
    mod: ModuleSummary


@dataclass
class Router:
    """A router object: its registrations, the routers whose registry it takes in, its trailing
    slash and, for a nested router, its parent and the parent's lookup."""

    key: str
    trailing: str = "/"
    registrations: list[Registration] = field(default_factory=list)
    extends: list[str] = field(default_factory=list)
    parent: str = ""
    parent_prefix: str = ""
    lookup: str = ""
    root_view: Location | None = None
    """Where the router is made, when it serves an API root view at its mount (`DefaultRouter`
    and its subclasses, unless `include_root_view=False`)."""


class RouterRegistry:
    """The routers of a project by qualified name, and what their prefixes could not be read from."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.routers: dict[str, Router] = {}
        self.diagnostics: list[Diagnostic] = []

    def collect(self) -> RouterRegistry:
        """Find every router, then every registration on one."""
        for mod in self.index:
            for stmt in walk_stmts(mod.body):
                if stmt.kind == "assign" and stmt.value is not None and stmt.value.kind == "call":
                    callee = self.index.qualify_expr(mod, stmt.value.func) or ""
                    short = callee.rsplit(".", 1)[-1]
                    if not short.endswith("Router") or callee.startswith("ninja") or "fastapi" in callee:
                        continue
                    for target in stmt.targets:
                        if target.kind == "name":
                            router = self._new_router(mod, f"{mod.module}.{target.text}", stmt.value, short)
                            if not router.parent and self._serves_root(mod, stmt.value, callee):
                                router.root_view = Location(mod.path, stmt.line)
                            self.routers[router.key] = router
        for mod in self.index:
            if not mod.mentions("register") and not mod.mentions("registry"):
                continue
            for call, line, bindings, scope in calls_with_loops(self.index, mod, mod.body):
                self._router_call(mod, call, line, bindings, scope)
        return self

    def _new_router(self, mod: ModuleSummary, key: str, call: Expr, short: str) -> Router:
        router = Router(key)
        slash = call.kwarg("trailing_slash")
        if slash is not None and (slash.text == "False" or (slash.kind == "str" and slash.text == "")):
            router.trailing = ""
        elif slash is not None and slash.kind == "str":
            router.trailing = "/?" if slash.text == "/?" else slash.text
        if short.startswith("Nested") and len(call.positional) >= 2:
            parent = self.index.resolve(mod, call.positional[0])
            router.parent = parent.qualname if parent is not None else ""
            router.parent_prefix = self.index.const_str(mod, call.positional[1]) or ""
            lookup = call.kwarg("lookup")
            router.lookup = lookup.text if lookup is not None and lookup.kind == "str" else "nested"
        return router

    def _serves_root(self, mod: ModuleSummary, call: Expr, callee: str) -> bool:
        """`DefaultRouter()` (or a project subclass) adds a GET view at its mount that lists the API."""
        flag = call.kwarg("include_root_view")
        if flag is not None:
            return flag.text != "False"
        if callee.rsplit(".", 1)[-1] == "DefaultRouter":
            return True
        symbol = self.index.lookup(callee)
        if symbol is None or symbol.cls is None:
            return False
        if any(s.kind == "assign" and any(t.text == "include_root_view" for t in s.targets)
               and s.value is not None and s.value.text == "False" for s in symbol.cls.body):
            return False
        return any(b.rsplit(".", 1)[-1] == "DefaultRouter" for b in self.index.base_names(symbol))

    def _router_call(self, mod: ModuleSummary, call: Expr, line: int, bindings: Bindings,
                     scope: Scope | None) -> None:
        func = call.func
        if func.kind != "attr":
            return
        if func.text == "register" and len(call.positional) >= 2:
            router = self.router_of(mod, func.args[0])
            if router is None:
                return
            prefix = self._prefix(mod, call.arg(0, "prefix"), scope, line)
            viewset = call.positional[1]
            owner = mod
            if viewset.kind == "name" and viewset.text in bindings:
                owner, viewset = bindings[viewset.text]
            router.registrations.append(Registration(prefix.strip("^$"), viewset, owner))
        elif func.text == "extend" and func.args[0].kind == "attr" and func.args[0].text == "registry":
            router = self.router_of(mod, func.args[0].args[0])
            other = call.positional[0] if call.positional else None
            if router is not None and other is not None and other.kind == "attr" and other.text == "registry":
                child = self.router_of(mod, other.args[0])
                if child is not None:
                    router.extends.append(child.key)

    def _prefix(self, mod: ModuleSummary, expr: Expr | None, scope: Scope | None, line: int) -> str:
        if expr is None:
            return self.index.values.text(mod, expr, scope).text
        return read_path(self.index, mod, expr, scope, Location(mod.path, line), self.diagnostics,
                         part="router prefix", shown="its routes show")[0]

    def router_of(self, mod: ModuleSummary, expr: Expr) -> Router | None:
        """The router an expression written in `mod` names, if it is one."""
        symbol = self.index.resolve(mod, expr)
        key = symbol.qualname if symbol is not None else self.index.qualify_expr(mod, expr) or ""
        return self.routers.get(key)


__all__ = ["Registration", "Router", "RouterRegistry"]
