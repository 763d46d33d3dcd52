"""URL patterns that functions registered in a hook registry return, collected by a URLconf.

    # a URLconf
    for fn in hooks.get_hooks("register_admin_urls"):
        urlpatterns += fn()

    # any app
    @hooks.register("register_admin_urls")
    def register_admin_urls():
        return [path("redirects/", include(urls))]

The URLconf's loop is read where it is written: a module-level `for V in R.M("name")` whose body
adds `V()` (directly, or through a name it binds) to a list of the module with `+=`, `.extend` or
`.append`. Every project function decorated `@R.register("name")` (same registry name, same hook
name) is collected there; in a project whose INSTALLED_APPS can be read, only functions in an
installed app's package (Django imports the hook modules of installed apps). The walker mounts what
each function returns under that list, at the loop's place in the module (so decorators applied to
the list afterwards wrap it too), with the condition `if registered with @R.register("name")`.
"""

from __future__ import annotations

from dataclasses import dataclass

from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts


@dataclass(frozen=True, slots=True)
class HookMount:
    """A registered function whose returned URL patterns a URLconf's loop adds to its list."""

    target: str
    """The qualified name of the list the loop adds to."""
    func: FunctionDef
    mod: ModuleSummary
    """The module the function is defined in."""
    where: ModuleSummary
    """The URLconf module of the loop."""
    loop_line: int
    """The line of the loop (the mount's place among the list's entries)."""
    condition: str


def hook_mounts(index: ProjectIndex, apps: list[str] | None) -> list[HookMount]:
    """Every registered function a URLconf's hook loop mounts; `apps`, when known, the installed
    app packages hook functions are looked up in."""
    out: list[HookMount] = []
    for mod in index:
        if not mod.mentions("urlpatterns"):
            continue
        for stmt in mod.body:
            loop = _hook_loop(index, mod, stmt)
            if loop is None:
                continue
            registry, name, target = loop
            for owner, func in _registered(index, registry, name, apps):
                out.append(HookMount(target, func, owner, mod, stmt.line,
                                     f'if registered with @{registry}.register("{name}")'))
    return out


def _hook_loop(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt) -> tuple[str, str, str] | None:
    """(registry name, hook name, qualified name of the list) of a module-level hook loop."""
    source = stmt.value
    if stmt.kind != "for" or source is None or source.kind != "call" or source.func.kind != "attr" \
            or len(stmt.targets) != 1 or stmt.targets[0].kind != "name" or not source.positional \
            or source.positional[0].kind != "str":
        return None
    var = stmt.targets[0].text
    registry = (source.func.args[0].dotted or "").rsplit(".", 1)[-1]
    results = {var}  # the loop variable called, or a name bound to its call
    for inner in walk_stmts(stmt.body):
        value = inner.value
        if inner.kind == "assign" and value is not None and _calls(value, results) and len(inner.targets) == 1 \
                and inner.targets[0].kind == "name":
            results.add(inner.targets[0].text)
    for inner in walk_stmts(stmt.body):
        added = _added(inner)
        if added is None or not (_calls(added[1], {var}) or (added[1].kind == "name" and added[1].text in results
                                                              and added[1].text != var)):
            continue
        symbol = index.lookup(index.qualify(mod, added[0]))
        if symbol is not None and symbol.value is not None and registry:
            return registry, source.positional[0].text, symbol.qualname
    return None


def _calls(expr: Expr, names: set[str]) -> bool:
    return expr.kind == "call" and expr.func.kind == "name" and expr.func.text in names


def _added(stmt: Stmt) -> tuple[str, Expr] | None:
    """(list name, value) of `xs += value`, `xs.extend(value)`, `xs.append(value)`."""
    value = stmt.value
    if stmt.kind == "augassign" and value is not None and stmt.targets and stmt.targets[0].kind == "name":
        return stmt.targets[0].text, value
    if stmt.kind == "expr" and value is not None and value.kind == "call" and value.func.kind == "attr" \
            and value.func.text in ("extend", "append") and value.func.args[0].kind == "name" and value.positional:
        return value.func.args[0].text, value.positional[0]
    return None


def _registered(index: ProjectIndex, registry: str, name: str,
                apps: list[str] | None) -> list[tuple[ModuleSummary, FunctionDef]]:
    out: list[tuple[ModuleSummary, FunctionDef]] = []
    word = name.lower()
    for mod in index:
        if not mod.mentions(word) or (apps is not None and not any(
                mod.module == app or mod.module.startswith(app + ".") for app in apps)):
            continue
        for func in mod.functions():
            if "." not in func.qualname and any(_registers(d.expr, registry, name) for d in func.decorators):
                out.append((mod, func))
    return out


def _registers(expr: Expr, registry: str, name: str) -> bool:
    """`@registry.register("name")` (or `register_hook`, `register_for`...)."""
    if expr.kind != "call" or expr.func.kind != "attr" or not expr.func.text.startswith("register"):
        return False
    owner = (expr.func.args[0].dotted or "").rsplit(".", 1)[-1]
    first = expr.positional[0] if expr.positional else None
    return owner == registry and first is not None and first.kind == "str" and first.text == name


__all__ = ["HookMount", "hook_mounts"]
