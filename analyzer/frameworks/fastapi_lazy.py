"""FastAPI and Starlette: routers in modules the app imports by a dotted-path string at run time.

Two shapes. A name bound to `importlib.import_module(path)` (in a loop over a literal tuple of
paths, or once) whose attribute is registered (`app.include_router(module.router)`,
`getattr(module, attr)`, `import_module(path).router`): the router of that name in the module the
path names is included, with the condition `if imported at run time by F()`. And a registry of
entries (dataclass instances) looped over by a function that imports each entry's module and
hands it to the registration function the entry holds (`register=include_attr("router")`, or the
field's default): once every registration is read, that function is read with its app parameter
bound to the app that reaches the loop (through the callers in the loop's module, up to the
helper a real app is handed to) and its module parameter bound to the imported module. A path
that cannot be read is a ROUTE002 diagnostic and the module's routers stay unlinked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from apilint.frameworks.common import dotted_expr
from apilint.frameworks.dynamic_imports import (
    ImportedModule,
    Installer,
    callers,
    import_path_expr,
    imports_in,
    installer,
    installer_fields,
    may_import,
)
from apilint.frameworks.fastapi_tree import REGISTRATIONS, Router, ScanContext
from apilint.model import Diagnostic, Location
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Instance, Opaque

if TYPE_CHECKING:
    from apilint.frameworks.fastapi import _Linker

_MAX_CALLER_HOPS: Final = 4
_MAX_DEPTH: Final = 3


@dataclass(frozen=True)
class _Pending:
    """A registry entry's module, waiting for the app that reaches its loop."""

    mod: ModuleSummary
    func: FunctionDef | None
    imported: ImportedModule
    installers: tuple[Installer, ...]
    target: str | None


class LazyImports:
    """Reads the modules one linker's app imports by name."""

    def __init__(self, linker: _Linker) -> None:
        self.linker = linker
        self.index = linker.index
        self._pending: list[_Pending] = []
        self._installed: set[tuple[str, str, str | None]] = set()
        self._reported: set[tuple[str, int, str]] = set()

    # --- a module bound to a name -------------------------------------------------------------
    def bind(self, mod: ModuleSummary, stmt: Stmt, ctx: ScanContext) -> None:
        """`module = importlib.import_module(path)`: the name stands for the module `path` names."""
        if stmt.value is None or stmt.value.kind != "call" or not may_import(mod):
            return
        path_expr = import_path_expr(self.index, mod, stmt.value)
        if path_expr is None:
            return
        imported = self._read(mod, path_expr, ctx, stmt.line)
        for target in stmt.targets:
            if target.kind == "name":
                ctx.modules[target.text] = imported

    def _read(self, mod: ModuleSummary, expr: Expr, ctx: ScanContext, line: int) -> ImportedModule:
        value = self.index.values.value(mod, expr, ctx.values).first
        func = ctx.values.func.name if ctx.values is not None and ctx.values.func is not None else ""
        where = Location(mod.path, line)
        if isinstance(value, str) and value:
            return ImportedModule(value, "", where, func)
        reason = value.reason if isinstance(value, Opaque) else "not a string"
        return ImportedModule(None, f"`{expr.render(50)}`: {reason}", where, func)

    def imported(self, mod: ModuleSummary, expr: Expr, ctx: ScanContext | None) -> tuple[ImportedModule, Any] | None:
        """(module, attribute name) when `expr` is an attribute of a module imported by name:
        `module.router`, `getattr(module, "router")`, `import_module(path).router`."""
        if ctx is None or not (ctx.modules or may_import(mod)):
            return None
        if expr.kind == "call" and expr.func.kind == "name" and expr.func.text == "getattr" \
                and len(expr.positional) >= 2:
            owner = expr.positional[0]
            attr: Any = self.index.values.value(mod, expr.positional[1], ctx.values).first
        elif expr.kind == "attr":
            owner, attr = expr.args[0], expr.text
        else:
            return None
        if owner.kind == "name" and owner.text in ctx.modules:
            return ctx.modules[owner.text], attr
        path_expr = import_path_expr(self.index, mod, owner) if owner.kind == "call" else None
        if path_expr is None:
            return None
        return self._read(mod, path_expr, ctx, expr.line if expr.line else 0), attr

    def resolve(self, mod: ModuleSummary, expr: Expr, ctx: ScanContext | None, report: bool = False) -> Router | None:
        """The router an attribute of a module imported by name is; None when the path or the
        attribute cannot be read, with a ROUTE002 diagnostic when `report` (a registration)."""
        found = self.imported(mod, expr, ctx)
        if found is None:
            return None
        imported, attr = found
        if not report:
            if imported.path is None or not isinstance(attr, str):
                return None
            target = self.index.module(imported.path)
            return self.linker._resolve_router(target, dotted_expr(attr), None) if target is not None else None
        if imported.path is None:
            self._diagnose(imported.location, f"the module imported by {imported.reason}; the routers it "
                           "registers stay unlinked")
            return None
        if not isinstance(attr, str):
            self._diagnose(imported.location, f"the attribute of `{imported.path}` registered by "
                           f"`{expr.render(50)}` cannot be read; its routers stay unlinked")
            return None
        target = self.index.module(imported.path)
        if target is None:
            return None  # a module outside the project: its routes are not on the map anyway
        router = self.linker._resolve_router(target, dotted_expr(attr), None)
        if router is None and self.index.lookup(f"{target.module}.{attr}") is None:
            self._diagnose(imported.location, f"`{imported.path}` has no `{attr}` to register; what "
                           "it registers stays unlinked")
        return router

    def unregistered(self, mod: ModuleSummary, expr: Expr | None, ctx: ScanContext) -> None:
        """A registration whose argument no router was found for: say why, when it is an attribute
        of a module imported by name."""
        if expr is not None:
            self.resolve(mod, expr, ctx, report=True)

    def condition(self, mod: ModuleSummary, expr: Expr | None, ctx: ScanContext) -> str:
        """The mount condition when `expr` is a router of a module imported by name, else ""."""
        found = self.imported(mod, expr, ctx) if expr is not None else None
        return found[0].condition if found is not None else ""

    # --- registries of entries ----------------------------------------------------------------
    def loop_imports(self, mod: ModuleSummary, stmt: Stmt) -> bool:
        """A loop whose body imports a module by name (unrolled like one that registers)."""
        return may_import(mod) and bool(imports_in(self.index, mod, [e for inner in walk_stmts(stmt.body)
                                                                     for e in inner.own_exprs()]))

    def loop_item(self, mod: ModuleSummary, stmt: Stmt, item: Any, ctx: ScanContext) -> None:
        """A loop over registry entries that imports each entry's module by name: remember the
        entry's registration functions, to read once the app that reaches the loop is known."""
        if not isinstance(item, Instance) or not may_import(mod):
            return
        exprs = [e for inner in walk_stmts(stmt.body) for e in inner.own_exprs()]
        paths = imports_in(self.index, mod, exprs)
        if not paths:
            return
        installers = tuple(found for owner, expr, scope in installer_fields(self.index, item)
                           if (found := installer(self.index, owner, expr, scope)) is not None
                           and _registers(found))
        if not installers:
            return
        target = self._loop_target(mod, exprs, ctx)
        func = ctx.values.func if ctx.values is not None else None
        for path_expr in paths:
            imported = self._read(mod, path_expr, ctx, stmt.line)
            if imported.path is None:
                self._diagnose(imported.location, f"the module imported by {imported.reason}; the routers "
                               "it registers stay unlinked")
                continue
            self._pending.append(_Pending(mod, func, imported, installers, target))

    def _loop_target(self, mod: ModuleSummary, exprs: list[Expr], ctx: ScanContext) -> str | None:
        """The app the loop body hands along with each module (`_install(app, entry, ...)`)."""
        for expr in exprs:
            for call in expr.calls():
                for arg in call.arguments:
                    if arg.kind in ("name", "attr"):
                        router = self.linker._resolve_router(mod, arg, ctx)
                        if router is not None and router.kind == "app":
                            return router.key
        return None

    def finish(self) -> None:
        """Read each remembered registration function on the apps that reach its loop."""
        apps: dict[tuple[str, str, str | None], list[str]] = {}
        for pending in self._pending:
            where = (pending.mod.path, pending.func.qualname if pending.func is not None else "", pending.target)
            if where not in apps:
                apps[where] = self._apps(pending)
            for app in apps[where]:
                for found in pending.installers:
                    self._install(app, found, pending.imported, pending.imported.condition, 0)

    def _apps(self, pending: _Pending) -> list[str]:
        target = self.linker.routers.get(pending.target) if pending.target else None
        if target is not None and target.stand_in is None:
            return [target.key]
        if pending.func is None:
            return [target.key] if target is not None else []
        bound = self.linker.helpers.bound_apps
        seen = {pending.func.qualname}
        frontier = [pending.func]
        for _ in range(_MAX_CALLER_HOPS):
            found: set[str] = set()
            following: list[FunctionDef] = []
            for func in frontier:
                found |= bound.get(f"{pending.mod.module}.{func.qualname}", set())
                for caller in callers(pending.mod, func):
                    if caller.qualname not in seen:
                        seen.add(caller.qualname)
                        following.append(caller)
            if found:
                return sorted(found)
            frontier = following
        return [target.key] if target is not None else []

    def _install(self, app: str, found: Installer, imported: ImportedModule, condition: str, depth: int) -> None:
        key = (found.symbol.qualname, app, imported.path)
        if key in self._installed or depth > _MAX_DEPTH:
            return
        self._installed.add(key)
        func = found.symbol.func
        assert func is not None
        outer = ScanContext("", {}, values=found.scope, condition=condition)
        ctx = self.linker._function_ctx(found.symbol.module, func, outer, None, {found.app_param: app}, {})
        ctx.modules[found.module_param] = imported
        self.linker._scan(found.symbol.module, func.body, ctx)

    def nested_call(self, mod: ModuleSummary, call: Expr, ctx: ScanContext) -> bool:
        """`include_attr("router")(app, module)` inside a registration function: the inner function
        read with the app and the imported module handed on. True when it was one."""
        if call.func.kind != "call" or not ctx.modules or len(call.positional) != 2:
            return False
        found = installer(self.index, mod, call.func, ctx.values)
        if found is None:
            return False
        args = dict(zip(_positional(found), call.positional, strict=False))
        app = self.linker._resolve_router(mod, args[found.app_param], ctx)
        module = args[found.module_param]
        imported = ctx.modules.get(module.text) if module.kind == "name" else None
        if app is None or imported is None:
            return False
        self._install(app.key, found, imported, ctx.condition, 1)
        return True

    def _diagnose(self, where: Location, message: str) -> None:
        key = (where.file, where.line, message)
        if key not in self._reported:
            self._reported.add(key)
            self.linker.out.diagnostics.append(Diagnostic("ROUTE002", message, where))


def _positional(found: Installer) -> list[str]:
    func = found.symbol.func
    assert func is not None
    return [p.name for p in func.params if p.kind in ("pos", "posonly") and p.name not in ("self", "cls")]


def _registers(found: Installer) -> bool:
    """Cheap test: the function registers something, or calls a function a call returns."""
    func = found.symbol.func
    assert func is not None
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind == "call" or (call.func.kind == "attr" and call.func.text in REGISTRATIONS):
                    return True
    return False


__all__ = ["LazyImports"]
