"""Installed apps' URLconfs a Django project attaches at run time.

Plugin-style projects do not list every app's `urls` in a URLconf: code that runs when Django
starts loops over the installed apps and imports each one's `urls` module by a computed name,
then adds its patterns to some URLconf's list. Two shapes:

- a loop in a module (a URLconf, usually) over `apps.get_app_configs()` or
  `settings.INSTALLED_APPS` that imports `app.name + ".urls"` (`importlib.import_module`,
  `import_string`, `__import__`) and adds the module's lists to a pattern list with `+=`,
  `.append`, `.extend` or `path(prefix, include(...))`;
- an `AppConfig` method reached from `ready()` that imports `"{}.urls".format(self.name)` (or
  `...urls.urlpatterns` with `import_string`) and adds it to a URLconf's list it imports.

apilint does not run that code; it replays it once per installed app (the apps the settings list
and the tree holds), with the loop variable or `self` standing for that app: `self.X` is the class
attribute of the app's own `AppConfig` subclass, a branch whose test is decidable for that app
(`if self.app_url:`, `if hasattr(app, "PluginMeta"):`, `if hasattr(urlmod, "event_patterns"):`)
is followed, one whose test is not is followed both ways with the test in the condition. Each
pattern list the replay adds becomes an `Attached`: the URL walker mounts it under the list it
was added to, with the condition `if attached at run time by ...`. Prefix parts that cannot be
read stay `{?expr}`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Final

from apilint.frameworks.django_replay import APP_CONFIGS, InstalledApp, Replay, Site, is_importer
from apilint.frameworks.django_settings import DjangoSettings
from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_APP_ITERABLES: Final = frozenset({"django.apps.apps.get_app_configs", "django.conf.settings.INSTALLED_APPS"})


@dataclass(frozen=True, slots=True)
class Attached:
    """A pattern list of an installed app's URL module, added to a URLconf's list at run time."""

    target: str
    """The qualified name of the pattern list it is added to (`project.urls.urlpatterns`)."""
    module: ModuleSummary
    """The installed app's URL module."""
    attr: str
    """The pattern list of that module that is added (`urlpatterns`, `event_patterns`)."""
    prefix: str
    """The routes of the `path()` calls wrapped around it, joined, anchors stripped (`{?expr}`
    for parts that cannot be read)."""
    condition: str
    """How it is attached (`if attached at run time by Config.configure_urls()`) and the tests
    of the undecidable branches it is added under."""
    where: ModuleSummary
    """The module of the code that attaches it."""
    line: int
    """The line of the statement that adds it."""
    unresolved: tuple[tuple[str, str], ...] = ()
    """The prefix parts that cannot be read, each with the reason."""


# --- installed apps --------------------------------------------------------------------------
def installed_apps(index: ProjectIndex, settings: DjangoSettings) -> tuple[list[InstalledApp], bool]:
    """The installed apps the tree holds, and whether INSTALLED_APPS could be read whole (when it
    cannot, the entries written literally in any of its assignments)."""
    entries = settings.installed_apps
    lit = settings.lit("INSTALLED_APPS")
    complete = lit is not None and isinstance(lit.value, list | tuple) and all(isinstance(v, str) for v in lit.value)
    if not entries:
        entries = settings.listed("INSTALLED_APPS")
    configs = _configs_by_name(index)
    out: dict[str, InstalledApp] = {}
    for entry in entries:
        symbol = index.lookup(entry)
        if symbol is not None and symbol.cls is not None:
            name = index.values.string(symbol.module, symbol.cls.attribute("name"))
            if name:
                out.setdefault(name, InstalledApp(name, symbol))
            continue
        found = index.module(entry)
        if found is not None and found.module == entry:
            out.setdefault(entry, InstalledApp(entry, configs.get(entry)))
    return list(out.values()), complete


def _configs_by_name(index: ProjectIndex) -> dict[str, Symbol]:
    """AppConfig classes in `apps` modules by the app name they declare (`default = True` first)."""
    found: dict[str, Symbol] = {}
    for mod in index:
        if mod.module.rsplit(".", 1)[-1] != "apps":
            continue
        for cls in sorted(mod.classes(), key=lambda c: (not _is_default(c), c.line)):
            name = index.values.string(mod, cls.attribute("name"))
            symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
            if name and "<locals>" not in cls.qualname and _is_app_config(index, symbol):
                found.setdefault(name, symbol)
    return found


def _is_default(cls: ClassDef) -> bool:
    flag = cls.attribute("default")
    return flag is not None and flag.text == "True"


# --- where apps are attached ---------------------------------------------------------------
def _sites(index: ProjectIndex) -> list[Site]:
    out: list[Site] = []
    for mod in index:
        if not any(mod.mentions(w) for w in ("import_module", "import_string", "__import__")):
            continue
        out += _loops(index, mod, mod.body, None, None)
        for cls in mod.classes():
            symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
            if "<locals>" in cls.qualname or not _is_app_config(index, symbol):
                continue
            for method in cls.methods():
                loops = _loops(index, mod, method.body, method, symbol)
                out += loops
                if not loops and method.params and method.params[0].name == "self" \
                        and _imports_computed(index, mod, method.body):
                    out.append(Site(mod, method.body, "self", False, f"{cls.name}.{method.name}()", method, symbol))
    return out


def _loops(index: ProjectIndex, mod: ModuleSummary, body: tuple[Stmt, ...], func: FunctionDef | None,
           owner: Symbol | None) -> list[Site]:
    """Loops over the installed apps that import by a computed name, at module level or in an
    AppConfig method."""
    out: list[Site] = []
    for stmt in walk_stmts(body):
        if stmt.kind == "for" and stmt.value is not None and len(stmt.targets) == 1 \
                and stmt.targets[0].kind == "name" and _imports_computed(index, mod, stmt.body) \
                and _iterates_apps(index, mod, stmt.value):
            names = (index.qualify_expr(mod, stmt.value) or "").endswith("INSTALLED_APPS")
            where = f"{owner.qualname.rsplit('.', 1)[-1]}.{func.name}()" if owner is not None and func is not None \
                else mod.module
            out.append(Site(mod, stmt.body, stmt.targets[0].text, names,
                             f"the loop over {stmt.value.render(40)} in {where}", func, owner))
    return out


def _imports_computed(index: ProjectIndex, mod: ModuleSummary, body: tuple[Stmt, ...]) -> bool:
    return any(is_importer(index, mod, call) for stmt in walk_stmts(body) for expr in stmt.own_exprs()
               for call in expr.calls())


def _iterates_apps(index: ProjectIndex, mod: ModuleSummary, iterable: Expr) -> bool:
    while iterable.kind == "call" and (iterable.func.dotted or "") in ("reversed", "sorted", "list", "tuple"):
        if not iterable.positional:
            return False
        iterable = iterable.positional[0]
    return (index.qualify_expr(mod, iterable) or "") in _APP_ITERABLES


def _is_app_config(index: ProjectIndex, cls: Symbol) -> bool:
    return any(base in APP_CONFIGS for base in index.base_names(cls))


def _reaches(index: ProjectIndex, config: Symbol, site: Site) -> bool:
    """True when the app's `ready()` runs the site's method: the class that defines the method
    calls it from `ready()` (or is `ready()`), and every override of `ready()` before it calls
    `super().ready()`."""
    assert site.func is not None and site.owner is not None
    chain = [config] + [s for b in index.base_names(config) if (s := index.lookup(b)) is not None and s.cls]
    if all(s.qualname != site.owner.qualname for s in chain):
        return False
    for owner in chain:
        assert owner.cls is not None
        ready = owner.cls.method("ready")
        if ready is None:
            continue
        if ready is site.func or _calls_self(ready, site.func.name):
            return True
        if not _calls_self(ready, "ready", on_super=True):
            return False
    return False


def _calls_self(func: FunctionDef, name: str, on_super: bool = False) -> bool:
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                target = call.func
                if target.kind != "attr" or target.text != name:
                    continue
                owner = target.args[0]
                if on_super and owner.kind == "call" and owner.func.dotted == "super":
                    return True
                if not on_super and owner.dotted == "self":
                    return True
    return False


# --- entry point -----------------------------------------------------------------------------
def attachments(index: ProjectIndex, settings: DjangoSettings) -> dict[str, list[Attached]]:
    """Every pattern list the project's start-up code attaches, by the list it is added to
    (computed once per index and settings module)."""
    key = settings.module.module if settings.module is not None else ""
    cache = _CACHE.setdefault(index, {})
    found = cache.get(key)
    if found is None:
        found = _attachments(index, settings)
        cache[key] = found
    return found


def _attachments(index: ProjectIndex, settings: DjangoSettings) -> dict[str, list[Attached]]:
    sites = _sites(index)
    if not sites:
        return {}
    apps, complete = installed_apps(index, settings)
    hint = "" if complete else "INSTALLED_APPS read from the entries it lists literally"
    out: dict[str, list[Attached]] = {}
    for site in sites:
        if site.owner is not None and site.var != "self" and not any(
                app.config is not None and _reaches(index, app.config, site) for app in apps):
            continue  # a loop in an AppConfig method no installed app's ready() runs
        for app in apps:
            urls = index.module(f"{app.name}.urls")
            if urls is None or urls.module != f"{app.name}.urls":
                continue
            if site.owner is not None and site.var == "self" and (
                    app.config is None or not _reaches(index, app.config, site)):
                continue
            label = f"if attached at run time by {site.label} (for {app.name})"
            for target, piece, line in Replay(index, site, app, urls).run():
                condition = "; ".join(dict.fromkeys(c for c in (label, *piece.conditions, hint) if c))
                out.setdefault(target, []).append(Attached(
                    target, urls, piece.attr, "".join(piece.prefix), condition, site.mod, line, piece.unresolved))
    return out


_CACHE: weakref.WeakKeyDictionary[ProjectIndex, dict[str, dict[str, list[Attached]]]] = weakref.WeakKeyDictionary()

__all__ = ["Attached", "attachments", "installed_apps"]
