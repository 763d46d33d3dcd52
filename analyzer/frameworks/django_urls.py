"""Django URLconfs: walk `urlpatterns` from ROOT_URLCONF through every `include()`.

The walk yields `Mount`s: a view (function, `View.as_view()`, possibly wrapped in decorator
calls such as `login_required(...)`), a DRF router's or a Ninja API's `.urls`, or the admin
site. The Django, DRF and Ninja adapters each claim the mounts they understand, so the URL
tree is read once and every framework sees the same prefixes.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

from apilint.frameworks.common import dotted_expr, join_conditions, read_path
from apilint.frameworks.django_hooks import HookMount, hook_mounts
from apilint.frameworks.django_plugins import Attached, attachments, installed_apps
from apilint.frameworks.django_replay import strip_anchors
from apilint.frameworks.django_settings import DjangoSettings, all_project_settings
from apilint.model import Diagnostic, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import placeholder

_PATH_FUNCS = frozenset({"path", "re_path", "url"})
_MAX_DEPTH = 16
_Outer = tuple[tuple[Expr, ModuleSummary], ...]
_Pattern = tuple[Expr, ModuleSummary, int, _Outer, str]
"""(entry, module it is written in, line, decorators applied to its list, condition)."""


@dataclass(frozen=True, slots=True)
class Mount:
    """Something mounted at a URL: a view, a router's or API's `.urls`, or the admin site."""

    kind: str
    """`view`, `urls` (an object's `.urls`: DRF router, Ninja API) or `admin`."""
    raw: str
    """The joined raw path, starting with `/` (regex anchors stripped)."""
    expr: Expr
    """The view expression (unwrapped), or the object whose `.urls` is mounted."""
    mod: ModuleSummary
    line: int
    wrappers: tuple[Expr, ...] = ()
    """Decorator calls wrapped around the view in the URLconf, outermost first."""
    target: Symbol | None = None
    """For `urls` mounts: the resolved object (router, API)."""
    dynamic_root: str = ""
    """The URLconf module, when the view is reached from a URLconf nothing includes statically and
    that is not a project's root `urls` module (`admin_urls.py` wired in by a plugin hook)."""
    outer: tuple[tuple[Expr, ModuleSummary], ...] = ()
    """Decorators applied to a whole pattern list (`decorate_urlpatterns(urlpatterns, login_required)`,
    `decorator_include(login_required, ...)`), each with the module it is written in."""
    project: str = ""
    """The settings module of the Django project whose ROOT_URLCONF reaches this mount ("" when the
    URLconfs were walked without one)."""
    condition: str = ""
    """The `if` the pattern sits under (`if settings.DEBUG`), or other values its prefix may take."""
    extra: Expr | None = None
    """The keyword arguments `path()` passes to the view (`{"document_root": ...}`), when given."""
    linked: bool = True
    """False for a mount of a URLconf no project's ROOT_URLCONF reaches (its path is local to it)."""


class UrlWalker:
    """Collects every mount reachable from each project's root URLconf."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.mounts: list[Mount] = []
        self.diagnostics: list[Diagnostic] = []
        self._reported: set[tuple[str, int, str]] = set()
        self._visited: set[str] = set()
        self._attached: dict[str, list[tuple[Expr, Attached]]] = {}
        """Pattern lists installed apps' start-up code adds, by the list they are added to (each with
        the stand-in entry `_patterns` and `_items` yield for it)."""
        self._stand_ins: dict[int, Attached | HookMount] = {}
        self._hooks: dict[str, list[tuple[int, Expr]]] = {}
        """Hook loops' mounts by URLconf path: (the loop's line, the stand-in entry)."""
        self._exact: set[str] = set()
        """Full paths a view already matches exactly in the walk under way: Django dispatches to the
        first pattern that matches, whatever the method, so a later view at the same path is never reached."""

    def run(self) -> list[Mount]:
        """Walk from every project's ROOT_URLCONF, else from every URLconf nothing includes."""
        roots: list[tuple[ModuleSummary, str]] = []
        for settings in all_project_settings(self.index):
            root_name = settings.root_urlconf
            root = self.index.module(root_name) if root_name else None
            if root is not None and settings.module is not None and all(r[0].path != root.path for r in roots):
                roots.append((root, settings.module.module))
                self._attach(attachments(self.index, settings))
        self._hook(all_project_settings(self.index)[0] if roots else None)
        if roots:
            for root, project in roots:
                start = len(self.mounts)
                self._exact = set()
                with self.index.values.django_project(project):  # `settings.X` of this project
                    self._module(root, "", 0, frozenset(), (), "")
                self.mounts[start:] = [replace(m, project=project) for m in self.mounts[start:]]
            # URLconfs no root reaches (wired in at run time, or dead): their views are still
            # route-shaped handlers, listed unlinked with their local paths.
            for mod in self._orphan_urlconfs():
                if mod.path in self._visited:
                    continue
                start = len(self.mounts)
                self._exact = set()
                self._module(mod, "", 0, frozenset(), (), "")
                self.mounts[start:] = [replace(m, linked=False) for m in self.mounts[start:]]
            return self.mounts
        orphans = self._orphan_urlconfs()
        shallowest = min((m.module.count(".") for m in orphans), default=0)
        for mod in orphans:
            start = len(self.mounts)
            self._exact = set()
            self._module(mod, "", 0, frozenset(), (), "")
            if _dynamic(mod, shallowest, len(orphans)):
                self.mounts[start:] = [replace(m, dynamic_root=mod.module) for m in self.mounts[start:]]
        return self.mounts

    # --- roots --------------------------------------------------------------------------
    def _attach(self, found: dict[str, list[Attached]]) -> None:
        """Take in what start-up code attaches, except URL modules a static `include()` reaches."""
        if not found:
            return
        included = self._included(self._urlconfs())
        for target, items in sorted(found.items()):
            for item in items:
                if item.attr == "urlpatterns" and item.module.path in included:
                    continue
                stand_in = Expr("name", f"<attached {item.module.module}.{item.attr}>", line=item.line)
                self._stand_ins[id(stand_in)] = item
                self._attached.setdefault(target, []).append((stand_in, item))

    def _hook(self, settings: DjangoSettings | None) -> None:
        """Take in the functions hook loops collect (from installed apps, when the settings list them)."""
        apps = [app.name for app in installed_apps(self.index, settings)[0]] if settings is not None else None
        for found in hook_mounts(self.index, apps or None):
            stand_in = Expr("name", f"<hook {found.mod.module}.{found.func.name}>", line=found.loop_line)
            self._stand_ins[id(stand_in)] = found
            self._hooks.setdefault(found.where.path, []).append((found.loop_line, stand_in))

    def _urlconfs(self) -> list[ModuleSummary]:
        return [m for m in self.index if _assigns(m, "urlpatterns")]

    def _orphan_urlconfs(self) -> list[ModuleSummary]:
        confs = self._urlconfs()
        included = self._included(confs)
        return [m for m in confs if m.path not in included]

    def _included(self, confs: list[ModuleSummary]) -> set[str]:
        """The URLconfs some `include()` names statically."""
        included: set[str] = set()
        for mod in confs:
            for item, owner, _line, _outer, _condition in self._patterns(mod):
                view = _path_view(item)
                if view is None or view.kind != "call" or (view.func.dotted or "").rsplit(".", 1)[-1] != "include":
                    continue
                arg = view.arg(0, "arg")
                if arg is not None and arg.kind == "tuple" and arg.args:  # include(("app.urls", "app"))
                    arg = arg.args[0]
                target = self._include_module(owner, arg)
                if target is not None:
                    included.add(target.path)
        for stand_in in (s for hooks in self._hooks.values() for _line, s in hooks):
            hook = self._stand_ins[id(stand_in)]
            assert isinstance(hook, HookMount)
            for item, owner, _line in self._returned(hook):
                view = _path_view(item)
                if view is not None and view.kind == "call" and (view.func.dotted or "").endswith("include"):
                    target = self._include_module(owner, view.arg(0, "arg"))
                    if target is not None:
                        included.add(target.path)
        return included

    def _returned(self, hook: HookMount) -> list[tuple[Expr, ModuleSummary, int]]:
        """The URL patterns a registered hook function returns, each with the line of its `return`."""
        return [(item, owner, stmt.line) for stmt in walk_stmts(hook.func.body)
                if stmt.kind == "return" and stmt.value is not None
                for item, owner in self._items(hook.mod, stmt.value, 0)]

    # --- walking ------------------------------------------------------------------------
    def _module(self, mod: ModuleSummary, prefix: str, depth: int, seen: frozenset[str], outer: _Outer,
                condition: str) -> None:
        if mod.path in seen or depth > _MAX_DEPTH:
            return
        seen = seen | {mod.path}
        self._visited.add(mod.path)
        for item, owner, line, own, cond in self._patterns(mod):
            self._entry(item, owner, line, prefix, depth, seen, outer + own, join_conditions(condition, cond))

    def _patterns(self, mod: ModuleSummary) -> list[_Pattern]:
        """Every entry of `urlpatterns` (assignments, `+=`, append/extend), in order, with the
        decorators a later `urlpatterns = decorate_urlpatterns(urlpatterns, deco)` applies to it and
        the `if` it is added under."""
        out: list[_Pattern] = []

        def visit(stmts: tuple[Stmt, ...], condition: str) -> None:
            nonlocal out
            for stmt in stmts:
                if stmt.func is not None or stmt.cls is not None:
                    continue
                if stmt.kind == "for":
                    out += [(s, mod, line, (), condition) for line, s in self._hooks.get(mod.path, ())
                            if line == stmt.line]
                if stmt.kind == "if" and stmt.value is not None:
                    test = stmt.value.render(50)
                    visit(stmt.body, join_conditions(condition, f"if {test}"))
                    visit(stmt.orelse, join_conditions(condition, f"unless {test}"))
                    continue
                if stmt.body or stmt.handlers or stmt.orelse or stmt.finalbody:
                    visit(tuple(stmt.children()), condition)
                value: Expr | None = None
                decorator = _list_decorator(stmt)
                if decorator is not None:
                    out = [(e, m, line, (*outer, (decorator, mod)), c) for e, m, line, outer, c in out]
                    continue
                if stmt.kind in ("assign", "annassign", "augassign") and _targets(stmt, "urlpatterns"):
                    value = stmt.value
                elif stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "call":
                    func = stmt.value.func
                    if func.kind == "attr" and func.args[0].dotted == "urlpatterns" and stmt.value.positional:
                        arg = stmt.value.positional[-1]
                        value = Expr("list", args=(arg,)) if func.text in ("append", "insert") else arg
                if value is not None:
                    out += [(e, m, stmt.line, (), condition) for e, m in self._items(mod, value, 0)]

        visit(mod.body, "")
        if self._attached:
            symbol = self.index.lookup(f"{mod.module}.urlpatterns")
            for stand_in, item in self._attached.get(symbol.qualname if symbol is not None else "", ()):
                out.append((stand_in, mod, item.line, (), ""))
        return out

    def _built_by(self, mod: ModuleSummary, call: Expr, depth: int) -> list[tuple[Expr, ModuleSummary]]:
        """The patterns a project function returns (`urlpatterns = get_api_urls(api_views)`), every
        `return` of it (a list returned only when a setting allows is a conditional mount). Its
        parameters stand for the call's arguments when it is defined in the same module."""
        symbol = self.index.resolve(mod, call.func) if call.func.kind in ("name", "attr") else None
        if symbol is None or symbol.func is None:
            return []
        binding = _bound(symbol.func, call) if symbol.module is mod else {}
        out: list[tuple[Expr, ModuleSummary]] = []
        for stmt in walk_stmts(symbol.func.body):
            if stmt.kind == "return" and stmt.value is not None:
                value = _substituted(stmt.value, binding) if binding else stmt.value
                out += self._items(symbol.module, value, depth + 1)
        return out

    def _items(self, mod: ModuleSummary, expr: Expr, depth: int) -> list[tuple[Expr, ModuleSummary]]:
        if depth > 8:
            return []
        if expr.kind in ("list", "tuple"):
            out: list[tuple[Expr, ModuleSummary]] = []
            for item in expr.args:
                if item.kind == "starred":
                    out += self._items(mod, item.args[0], depth + 1)
                else:
                    out.append((item, mod))
            return out
        if expr.kind == "binop" and expr.text == "+":
            return self._items(mod, expr.args[0], depth + 1) + self._items(mod, expr.args[1], depth + 1)
        if expr.kind == "call":
            name = (expr.func.dotted or "").rsplit(".", 1)[-1]
            if name == "format_suffix_patterns" and expr.positional:
                return self._items(mod, expr.positional[0], depth + 1)
            if name == "i18n_patterns" and expr.positional:
                return [(_language_prefixed(expr), mod)]
            return self._built_by(mod, expr, depth)
        if expr.kind == "attr" and expr.text == "urls":
            return [(expr, mod)]
        if expr.kind in ("name", "attr"):
            symbol = self.index.resolve(mod, expr)
            if symbol is not None and symbol.value is not None:
                added = [(stand_in, mod) for stand_in, _item in self._attached.get(symbol.qualname, ())]
                return self._items(symbol.module, symbol.value, depth + 1) + added
        return []

    def _entry(self, item: Expr, mod: ModuleSummary, line: int, prefix: str, depth: int,
               seen: frozenset[str], outer: _Outer, condition: str = "") -> None:
        attached = self._stand_ins.get(id(item)) if item.kind == "name" else None
        if isinstance(attached, HookMount):
            for entry, owner, returned in self._returned(attached):
                self._entry(entry, owner, returned, prefix, depth + 1, seen, outer,
                            join_conditions(condition, attached.condition))
            return
        if attached is not None:
            self._mount_attached(attached, prefix, depth, seen, outer, condition)
            return
        if item.kind == "attr" and item.text == "urls":
            self._urls_attr(item, mod, line, prefix, outer, condition)
            return
        if item.kind != "call":
            return
        func_name = (item.func.dotted or "").rsplit(".", 1)[-1]
        if func_name not in _PATH_FUNCS:
            return
        view = item.arg(1, "view")
        route_expr = item.arg(0, "route") or item.kwarg("regex")
        if view is None or route_expr is None:
            return
        route, note = self._route_text(mod, route_expr, line)
        condition = join_conditions(condition, note)
        raw = prefix + strip_anchors(route)
        view_func = (view.func.dotted or "").rsplit(".", 1)[-1] if view.kind == "call" else ""
        if view_func == "include":
            self._include(view, mod, line, raw, depth, seen, outer, condition)
            return
        if view_func == "decorator_include" and len(view.positional) >= 2:  # django-decorator-include
            decos = view.positional[0]
            items = decos.args if decos.kind in ("list", "tuple") else (decos,)
            inner = Expr("call", args=(Expr("name", "include"), *view.positional[1:]))
            self._include(inner, mod, line, raw, depth, seen, outer + tuple((d, mod) for d in items), condition)
            return
        if view.kind == "tuple" and view.args:  # include() already applied: (patterns, app, ns)
            self._include(Expr("call", args=(Expr("name", "include"), view.args[0])), mod, line, raw, depth, seen,
                          outer, condition)
            return
        if view.kind == "attr" and view.text == "urls":
            self._urls_attr(view, mod, line, raw, outer, condition)
            return
        wrappers: list[Expr] = []
        while view.kind == "call" and not (view.func.kind == "attr" and view.func.text == "as_view"):
            if not view.positional or len(wrappers) > 5:
                break
            wrappers.append(view)
            view = view.positional[0]
        if self._shadowed(raw, func_name == "path" or _anchored(route), condition):
            return
        extra = item.arg(2, "kwargs")
        self.mounts.append(Mount("view", raw, view, mod, line, tuple(wrappers), outer=outer, condition=condition,
                                 extra=extra))

    def _shadowed(self, raw: str, exact: bool, condition: str) -> bool:
        """Whether an earlier view already takes every request to this exactly matched path (the same
        app's URLconf included twice under one prefix: only its first `^$` index is reached).
        Patterns under an `if`, or with parts that cannot be read, are never taken as shadowed."""
        if not exact or condition or "{?" in raw:
            return False
        if raw in self._exact:
            return True
        self._exact.add(raw)
        return False

    def _mount_attached(self, item: Attached, prefix: str, depth: int, seen: frozenset[str], outer: _Outer,
                        condition: str) -> None:
        """An installed app's pattern list added at run time, under the list it is added to."""
        where = Location(item.where.path, item.line)
        for source, reason in item.unresolved:
            key = (where.file, where.line, source)
            if key not in self._reported:
                self._reported.add(key)
                self.diagnostics.append(Diagnostic(
                    "ROUTE001", f"URL prefix part `{source}` cannot be read ({reason}); routes under it show "
                                f"{placeholder(source)} in their path", where))
        raw = prefix + strip_anchors(item.prefix)
        condition = join_conditions(condition, item.condition)
        if item.attr == "urlpatterns":
            self._module(item.module, raw, depth + 1, seen, outer, condition)
            return
        symbol = self.index.lookup(f"{item.module.module}.{item.attr}")
        line = symbol.line if symbol is not None else item.line
        for entry, owner in self._items(item.module, Expr("name", item.attr), 0):
            self._entry(entry, owner, line, raw, depth + 1, seen, outer, condition)

    def _route_text(self, mod: ModuleSummary, expr: Expr, line: int) -> tuple[str, str]:
        """A pattern's route string: `{?expr}` for parts that cannot be read (with a ROUTE001
        diagnostic), and a note when a name it uses may take other values."""
        return read_path(self.index, mod, expr, None, Location(mod.path, line), self.diagnostics, self._reported,
                         part="URL pattern part")

    def _include(self, call: Expr, mod: ModuleSummary, line: int, raw: str, depth: int,
                 seen: frozenset[str], outer: _Outer, condition: str = "") -> None:
        arg = call.arg(0, "arg")
        if arg is None:
            return
        if arg.kind == "tuple" and arg.args:
            arg = arg.args[0]
        # A module first: `include(weblate.api.urls)` names the module `weblate.api.urls`, while
        # `include(router.urls)` and `admin.site.urls` are attributes of objects.
        target = self._include_module(mod, arg)
        if target is not None:
            self._module(target, raw, depth + 1, seen, outer, condition)
            return
        known = AUTH_URLCONF if arg.kind == "str" and arg.text == "django.contrib.auth.urls" else ()
        for sub, view in known:  # Django's own auth URLconf: fixed, and outside every project
            if self._shadowed(raw + sub, True, condition):
                continue  # a project view at `accounts/logout/` listed before the include takes the path
            expr = Expr("call", args=(Expr("attr", "as_view", (dotted_expr(view),)),))
            self.mounts.append(Mount("view", raw + sub, expr, mod, line, outer=outer, condition=condition))
        if arg.kind == "attr" and arg.text == "urls":
            self._urls_attr(arg, mod, line, raw, outer, condition)
            return
        for item, owner in self._items(mod, arg, 0):
            self._entry(item, owner, line, raw, depth + 1, seen, outer, condition)

    def _include_module(self, mod: ModuleSummary, arg: Expr | None) -> ModuleSummary | None:
        if arg is None:
            return None
        if arg.kind == "str":
            return self.index.module(arg.text)
        if arg.kind in ("name", "attr"):
            qualified = self.index.qualify_expr(mod, arg)
            if qualified is not None and self.index.lookup(qualified) is None:
                found = self.index.module(qualified)
                if found is not None and (found.module == qualified or found.module.endswith("." + qualified)):
                    return found
        return None

    def _urls_attr(self, expr: Expr, mod: ModuleSummary, line: int, raw: str, outer: _Outer,
                   condition: str = "") -> None:
        owner = expr.args[0]
        qualified = self.index.qualify_expr(mod, owner) or ""
        if qualified.endswith("admin.site") or qualified.startswith("django.contrib.admin"):
            self.mounts.append(Mount("admin", raw, owner, mod, line, condition=condition))
            return
        symbol = self.index.resolve(mod, owner)
        if symbol is not None:
            self.mounts.append(Mount("urls", raw, owner, mod, line, target=symbol, outer=outer, condition=condition))


AUTH_URLCONF: tuple[tuple[str, str], ...] = tuple((sub, f"django.contrib.auth.views.{view}") for sub, view in (
    ("login/", "LoginView"), ("logout/", "LogoutView"), ("password_change/", "PasswordChangeView"),
    ("password_change/done/", "PasswordChangeDoneView"), ("password_reset/", "PasswordResetView"),
    ("password_reset/done/", "PasswordResetDoneView"), ("reset/<uidb64>/<token>/", "PasswordResetConfirmView"),
    ("reset/done/", "PasswordResetCompleteView"),
))
"""The patterns of `django.contrib.auth.urls` (the same since Django 2.1)."""


def _anchored(route: str) -> bool:
    """A regex route that must match to the end of the path (`^books/$`)."""
    return (route.endswith("$") and not route.endswith("\\$")) or route.endswith("\\Z")


def url_mounts(index: ProjectIndex) -> list[Mount]:
    """Every mount of the project (computed once per index)."""
    return _walked(index).mounts


def url_diagnostics(index: ProjectIndex) -> list[Diagnostic]:
    """What the URL walk could not read (unresolved pattern parts)."""
    return _walked(index).diagnostics


def _walked(index: ProjectIndex) -> UrlWalker:
    found = _CACHE.get(index)
    if found is None:
        found = UrlWalker(index)
        found.run()
        _CACHE[index] = found
    return found


_CACHE: weakref.WeakKeyDictionary[ProjectIndex, UrlWalker] = weakref.WeakKeyDictionary()


def _language_prefixed(call: Expr) -> Expr:
    """`i18n_patterns(p1, p2)` as the include Django makes of it: `path("<language>/", include([p1, p2]))`
    (the active language's code; with `prefix_default_language=False` the default language has none)."""
    included = Expr("call", args=(Expr("name", "include"), Expr("list", args=call.positional, line=call.line)),
                    line=call.line)
    return Expr("call", args=(Expr("name", "path"), Expr("str", "<language>/"), included), line=call.line)


def _targets(stmt: Stmt, name: str) -> bool:
    return any(t.kind == "name" and t.text == name for t in stmt.targets)


def _dynamic(mod: ModuleSummary, shallowest: int, roots: int) -> bool:
    """An orphan URLconf that is probably not a project root: not named like one (`admin_urls`),
    or nested deeper than another orphan (an app's `urls` a plugin hook wires in)."""
    if mod.module.rsplit(".", 1)[-1] not in ("urls", "urlconf", "routes", "__init__"):
        return True
    return roots > 1 and mod.module.count(".") > shallowest


def _list_decorator(stmt: Stmt) -> Expr | None:
    """`urlpatterns = decorate_urlpatterns(urlpatterns, deco)`: the decorator applied to the list."""
    value = stmt.value
    if stmt.kind != "assign" or not _targets(stmt, "urlpatterns") or value is None or value.kind != "call":
        return None
    name = (value.func.dotted or "").rsplit(".", 1)[-1].lower()
    first = value.positional[0] if value.positional else None
    if "decorat" not in name or first is None or first.kind != "name" or first.text != "urlpatterns":
        return None
    return value.arg(1, "decorator")


def _assigns(mod: ModuleSummary, name: str) -> bool:
    return any(s.kind in ("assign", "annassign") and _targets(s, name) for s in walk_stmts(mod.body))


def _path_view(item: Expr) -> Expr | None:
    if item.kind != "call" or (item.func.dotted or "").rsplit(".", 1)[-1] not in _PATH_FUNCS:
        return None
    return item.arg(1, "view")


__all__ = ["Mount", "UrlWalker", "url_diagnostics", "url_mounts"]


def _bound(func: FunctionDef, call: Expr) -> dict[str, Expr]:
    """The function's parameters given by the call, as `Evaluator.bind_arguments` binds them (by
    position up to a `*args`, then by keyword), but as expressions: the walk reads syntax."""
    out: dict[str, Expr] = {}
    for param, arg in zip([p for p in func.params if p.kind in ("pos", "posonly")], call.positional, strict=False):
        if arg.kind == "starred":
            break
        out[param.name] = arg
    names = {p.name for p in func.params}
    out.update({kw.name: kw.value for kw in call.keywords if kw.name is not None and kw.name in names})
    return out


def _substituted(expr: Expr, binding: dict[str, Expr]) -> Expr:
    """`expr` with the bound parameter names replaced by what the call gave them."""
    if expr.kind == "name":
        return binding.get(expr.text, expr)
    if not expr.args and not expr.keywords:
        return expr
    return expr._replace(args=tuple(_substituted(a, binding) for a in expr.args),
                         keywords=tuple(kw._replace(value=_substituted(kw.value, binding)) for kw in expr.keywords))
