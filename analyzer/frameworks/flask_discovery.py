"""Blueprints an app discovers at run time by walking its own package.

`for bp in discover_blueprints(): app.register_blueprint(bp)`, where the function (or the loop
itself) walks a package (`pkgutil.iter_modules`, `pkgutil.walk_packages`, werkzeug's
`find_modules`, `os.walk`), imports the modules it finds by name (`importlib.import_module`,
`module_from_spec`, `__import__`) and registers the Blueprint objects they define. apilint does
not run the walk, but the blueprints it can find are the project's own: every blueprint defined in
the same top-level package that no registration apilint can read reaches is mounted on that app at
its own `url_prefix`, with the condition `if discovered at run time by NAME()`, instead of being
listed unlinked. Blueprints of other top-level packages (extensions, plugins) stay unlinked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from apilint.frameworks.flask_nodes import Node
from apilint.frameworks.flask_objects import Objects
from apilint.project import ProjectIndex
from apilint.summary import FunctionDef, ModuleSummary, walk_stmts

DYNAMIC_IMPORTS: Final = frozenset({
    "importlib.import_module", "importlib.util.module_from_spec", "importlib.__import__", "__import__",
    "pkgutil.iter_modules", "pkgutil.walk_packages", "werkzeug.utils.find_modules", "werkzeug.find_modules",
})
"""Calls that import modules found at run time."""


@dataclass(frozen=True)
class Discovery:
    """An app that registers blueprints a run-time package walk found."""

    app: str
    """The app node's key."""
    package: str
    """The package whose blueprints the walk can find (an app's: its whole top-level package)."""
    function: str
    """The function that walks (for the route's condition)."""


def enclosing_function(mod: ModuleSummary, line: int) -> FunctionDef | None:
    """The innermost function of `mod` whose body holds `line`."""
    found: FunctionDef | None = None
    for func in mod.functions():
        if func.line <= line <= func.end_line and (found is None or func.line >= found.line):
            found = func
    return found


def discovering_function(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> str | None:
    """The name of the function that imports modules found at run time: `func` itself, or a project
    function it calls (one level), else None."""
    if _imports_dynamically(index, mod, func):
        return func.name
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                callee = index.resolve(mod, call.func)
                if callee is not None and callee.func is not None and \
                        _imports_dynamically(index, callee.module, callee.func):
                    return callee.func.name
    return None


def _imports_dynamically(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> bool:
    if not any(mod.mentions(w) for w in ("import_module", "module_from_spec", "__import__", "iter_modules",
                                         "walk_packages", "find_modules")):
        return False
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if (index.qualify_expr(mod, call.func) or "") in DYNAMIC_IMPORTS:
                    return True
    return False


def walked_package(mod: ModuleSummary, parent: Node) -> str:
    """The package whose blueprints a walk registering on `parent` (in `mod`) can find: an app's
    whole top-level package; a blueprint's own package (where its module lives)."""
    if parent.kind == "app":
        return mod.module.split(".", 1)[0]
    own = parent.mod.module
    return own if parent.mod.path.endswith("__init__.py") or "." not in own else own.rsplit(".", 1)[0]


def mount_discovered(objects: Objects, discoveries: list[Discovery], replaced: set[tuple[str, str]]) -> None:
    """Include every blueprint nothing registers into the app whose walk can find it (a real app:
    not a stand-in parameter some caller replaced with its own app)."""
    by_package: dict[str, Discovery] = {}
    for found in sorted(discoveries, key=lambda d: (d.package, d.app, d.function)):
        app = objects.nodes.get(found.app)
        if app is not None and (app.stand_in is None or app.stand_in not in replaced):
            by_package.setdefault(found.package, found)
    if not by_package:
        return
    templates = {n.template for n in objects.nodes.values() if n.template}
    for node in sorted(objects.nodes.values(), key=lambda n: n.key):
        walk = _walk_for(by_package, node.mod.module)
        app = objects.nodes.get(walk.app) if walk is not None else None
        if walk is None or app is None or node.kind != "blueprint" or node.included or node.template \
                or node.key in templates or node.stand_in is not None or node.key == app.key:
            continue
        objects.include(app, node, None, f"if discovered at run time by {walk.function}()")


def _walk_for(by_package: dict[str, Discovery], module: str) -> Discovery | None:
    """The walk of the innermost package holding `module`."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        found = by_package.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


__all__ = ["DYNAMIC_IMPORTS", "Discovery", "discovering_function", "enclosing_function", "mount_discovered",
           "walked_package"]
