"""The replay of start-up code that attaches installed apps' URL modules (`django_plugins`).

`Replay` walks a loop body or an AppConfig method once for one installed app, with the loop
variable or `self` standing for that app's AppConfig object, and collects every pattern list of
the app's URL module the code adds to a list outside it: the list's qualified name, the prefixes of
the `path()` calls wrapped around it, and the tests of the branches it could not decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, Keyword, ModuleSummary, Stmt, walk_stmts
from apilint.values import Instance, Scope, Value, placeholder

IMPORTERS: Final = frozenset({
    "importlib.import_module", "django.utils.module_loading.import_string", "__import__",
    "importlib.__import__",
})
"""Calls that import a module (or, `import_string`, a module's attribute) by a computed name."""
APP_CONFIGS: Final = frozenset({"django.apps.AppConfig", "django.apps.config.AppConfig"})
"""Django's AppConfig base class, by its qualified names."""
_PATH_FUNCS: Final = frozenset({"path", "re_path", "url"})
_MAX_STATES: Final = 16
"""Undecidable branches followed both ways, at most this many paths through one replay."""


@dataclass(frozen=True, slots=True)
class InstalledApp:
    """An installed app the project's tree holds."""

    name: str
    """The app's module (`AppConfig.name`)."""
    config: Symbol | None
    """Its AppConfig class, when found."""


@dataclass(frozen=True, slots=True)
class Site:
    """Code that imports installed apps' URL modules: a loop, or an AppConfig method."""

    mod: ModuleSummary
    body: tuple[Stmt, ...]
    var: str
    """The loop variable, or `self`."""
    names: bool
    """True when the loop variable is an INSTALLED_APPS entry (a name), not an AppConfig."""
    label: str
    """How the route condition names it."""
    func: FunctionDef | None = None
    owner: Symbol | None = None
    """For a method: the AppConfig class that defines it."""


@dataclass(frozen=True, slots=True)
class Piece:
    """A pattern list of the app's URL module, with the prefix and the branch tests around it."""

    attr: str
    prefix: tuple[str, ...] = ()
    unresolved: tuple[tuple[str, str], ...] = ()
    conditions: tuple[str, ...] = ()


@dataclass(slots=True)
class _State:
    """One path through a replay: local values, lists of pieces, names bound to the URL module."""

    bound: dict[str, Value] = field(default_factory=dict)
    lists: dict[str, list[Piece]] = field(default_factory=dict)
    modules: set[str] = field(default_factory=set)
    conditions: tuple[str, ...] = ()

    def copy(self, condition: str) -> _State:
        return _State(dict(self.bound), {k: list(v) for k, v in self.lists.items()}, set(self.modules),
                      (*self.conditions, condition))


def is_importer(index: ProjectIndex, mod: ModuleSummary, call: Expr) -> bool:
    """True for a call that imports by a computed name (`import_module(...)`, `import_string(...)`)."""
    return call.kind == "call" and (index.qualify_expr(mod, call.func) or "") in IMPORTERS \
        and bool(call.args[1:] or call.keywords)


class Replay:
    """Replays a site's statements for one installed app and collects what it attaches."""

    def __init__(self, index: ProjectIndex, site: Site, app: InstalledApp, urls: ModuleSummary) -> None:
        self.index = index
        self.site = site
        self.app = app
        self.urls = urls
        self.out: list[tuple[str, Piece, int]] = []
        self.states = 1
        self.base = Scope(site.mod, site.func)
        self._configurable = False
        """The last test read was decided by a configurable default (an environment or setting default)."""

    def run(self) -> list[tuple[str, Piece, int]]:
        """(the list it is added to, the piece, the line that adds it) for each attachment."""
        state = _State()
        if self.site.names:
            state.bound[self.site.var] = Value((self.app.name,))
        else:
            state.bound[self.site.var] = Value((self._config_instance(),))
        self._block(self.site.body, state)
        return self.out

    def _config_instance(self) -> Instance:
        """The app's AppConfig object: its class (Django's own when the app declares none), with
        Django's defaults for `name` and `label` (the last part of the name) when it does not set them."""
        config = self.app.config
        if config is None:
            config = Symbol("django.apps.AppConfig", self.site.mod, cls=ClassDef("AppConfig", "AppConfig", 0, 0))
        defaults = {"name": self.app.name, "label": self.app.name.rsplit(".", 1)[-1]}
        keywords = tuple(Keyword(key, Expr("str", value)) for key, value in defaults.items()
                         if has_member(self.index, config, key) is not True)
        call = Expr("call", args=(Expr("name", config.qualname.rsplit(".", 1)[-1]),), keywords=keywords)
        return Instance(config, call, config.module)

    def _scope(self, state: _State) -> Scope:
        return self.base.child(state.bound)

    def _block(self, stmts: tuple[Stmt, ...], state: _State) -> bool:
        """Replay statements; True when the path ends in them (`return`, `continue`, `raise`...)."""
        return any(stmt.kind in ("return", "raise", "break", "continue") or self._stmt(stmt, state) for stmt in stmts)

    def _stmt(self, stmt: Stmt, state: _State) -> bool:
        if stmt.kind == "if" and stmt.value is not None:
            return self._if(stmt, stmt.value, state)
        if stmt.kind == "try":
            return self._block(stmt.body, state) or self._block(stmt.orelse, state) or \
                self._block(stmt.finalbody, state)
        if stmt.kind == "with":
            return self._block(stmt.body, state)
        if stmt.kind in ("for", "while"):
            self._block(stmt.body, state)  # a `continue` in a nested loop ends that iteration only
            return False
        if stmt.kind in ("assign", "annassign") and stmt.value is not None and len(stmt.targets) == 1 \
                and stmt.targets[0].kind == "name":
            self._assign(stmt.targets[0].text, stmt.value, state)
        elif stmt.kind == "augassign" and stmt.value is not None and stmt.targets and stmt.targets[0].kind == "name" \
                and stmt.name in ("", "+"):
            self._add(stmt.targets[0].text, self._pieces(stmt.value, state), stmt.line, state)
        elif stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "call":
            func = stmt.value.func
            args = stmt.value.positional
            if func.kind == "attr" and func.args[0].kind == "name" and args and func.text in ("append", "extend",
                                                                                            "insert"):
                self._add(func.args[0].text, self._pieces(args[-1], state), stmt.line, state)
        return False

    def _if(self, stmt: Stmt, test: Expr, state: _State) -> bool:
        """A branch: followed when its test is decidable for this app, else both ways."""
        truth = self._truth(test, state)
        if truth is not None:
            if self._configurable:  # decided by a default an installation may change
                state.conditions = (*state.conditions, f"with `{test.render(40)}` at its default")
                self._configurable = False
            return self._block(stmt.body if truth else stmt.orelse, state)
        if self.states >= _MAX_STATES:
            return False
        self.states += 1
        shown = test.render(50)
        saved = state.conditions
        other = state.copy(f"unless {shown}")
        state.conditions = (*saved, f"if {shown}")
        ended, other_ended = self._block(stmt.body, state), self._block(stmt.orelse, other)
        if ended and other_ended:
            return True
        if ended:  # only the other branch goes on
            state.bound, state.lists, state.modules, state.conditions = (other.bound, other.lists, other.modules,
                                                                         other.conditions)
        elif not other_ended:
            _merge(state, other)
            state.conditions = saved
        return False

    def _assign(self, name: str, value: Expr, state: _State) -> None:
        imported = self._imported(value, state)
        state.modules.discard(name)
        state.lists.pop(name, None)
        state.bound.pop(name, None)
        if imported == "":
            state.modules.add(name)
            return
        if imported is not None:
            state.lists[name] = [Piece(imported, conditions=state.conditions)]
            return
        pieces = self._pieces(value, state)
        if pieces or (value.kind in ("list", "tuple") and not value.args):
            state.lists[name] = pieces
            return
        state.bound[name] = self.index.values.value(self.site.mod, value, self._scope(state))

    def _add(self, name: str, pieces: list[Piece], line: int, state: _State) -> None:
        if not pieces:
            return
        if name in state.lists:
            state.lists[name] += pieces
            return
        target = self._target(name, state)
        if target is not None:
            self.out += [(target, replace(p, conditions=tuple(dict.fromkeys(p.conditions + state.conditions))), line)
                         for p in pieces]

    def _target(self, name: str, state: _State) -> str | None:
        """The qualified name of a pattern list outside the replay (module level, or imported)."""
        if name in state.bound or self.base.param(name) is not None:
            return None
        imported = self.base.imports().get(name)
        qualified = imported or self.index.qualify(self.site.mod, name)
        symbol = self.index.lookup(qualified)
        if symbol is None or symbol.value is None or symbol.value.kind not in ("list", "tuple", "binop"):
            return None
        return symbol.qualname

    def _imported(self, value: Expr, state: _State) -> str | None:
        """"" when `value` imports the app's URL module, the list's name when it imports a pattern
        list of it (`import_string("app.urls.urlpatterns")`), else None."""
        if value.kind != "call" or not is_importer(self.index, self.site.mod, value):
            return None
        arg = value.arg(0, "dotted_path") or value.kwarg("name")
        if arg is None:
            return None
        text = self.index.values.text(self.site.mod, arg, self._scope(state)).text
        for source in (f"{self.site.var}.name", self.site.var):
            text = text.replace(placeholder(source), self.app.name)
        urls = f"{self.app.name}.urls"
        if text == urls:
            return ""
        rest = text[len(urls) + 1:] if text.startswith(urls + ".") else ""
        # A list the module does not define raises ImportError: nothing is attached.
        return rest if rest.isidentifier() and _defines(self.urls, rest) else None

    def _pieces(self, expr: Expr, state: _State, depth: int = 0) -> list[Piece]:
        """The app's pattern lists an expression holds, with the prefixes around them."""
        if depth > 8:
            return []
        if expr.kind == "name":
            if expr.text in state.lists:
                return list(state.lists[expr.text])
            return [Piece("urlpatterns", conditions=state.conditions)] if expr.text in state.modules else []
        if expr.kind == "attr" and expr.args[0].kind == "name" and expr.args[0].text in state.modules:
            return [Piece(expr.text, conditions=state.conditions)]
        if expr.kind in ("list", "tuple"):
            return [p for item in expr.args for p in self._pieces(
                item.args[0] if item.kind == "starred" else item, state, depth + 1)]
        if expr.kind == "binop" and expr.text == "+":
            return [p for arg in expr.args for p in self._pieces(arg, state, depth + 1)]
        if expr.kind != "call":
            return []
        imported = self._imported(expr, state)
        if imported is not None:
            return [Piece(imported or "urlpatterns", conditions=state.conditions)]
        name = (expr.func.dotted or "").rsplit(".", 1)[-1]
        if name in _PATH_FUNCS:
            view = expr.arg(1, "view")
            route = expr.arg(0, "route") or expr.kwarg("regex")
            inner = self._pieces(view, state, depth + 1) if view is not None else []
            return [self._under(route, p, state) for p in inner] if route is not None else []
        if name == "include":
            arg = expr.arg(0, "arg")
            if arg is not None and arg.kind == "tuple" and arg.args:
                arg = arg.args[0]
            return self._pieces(arg, state, depth + 1) if arg is not None else []
        # A helper that wraps a pattern list (`decorate(patterns, ...)`) keeps its patterns.
        return [p for arg in expr.positional for p in self._pieces(arg, state, depth + 1)]

    def _under(self, route: Expr, piece: Piece, state: _State) -> Piece:
        text = self.index.values.text(self.site.mod, route, self._scope(state))
        unresolved = tuple(zip(text.unresolved, text.reasons, strict=False))
        note = f"`{route.render(40)}` may also be " + ", ".join(repr(a) for a in text.alternatives) \
            if text.alternatives else ""
        return replace(piece, prefix=(strip_anchors(text.text), *piece.prefix),
                       unresolved=unresolved + piece.unresolved,
                       conditions=(*piece.conditions, note) if note else piece.conditions)

    def _truth(self, test: Expr, state: _State) -> bool | None:
        if test.kind == "unary" and test.text == "not" and test.args:
            inner = self._truth(test.args[0], state)
            return None if inner is None else not inner
        if test.kind == "call":
            name = test.func.dotted or ""
            if name == "hasattr" and len(test.positional) == 2 and test.positional[1].kind == "str":
                return self._hasattr(test.positional[0], test.positional[1].text, state)
            if name == "getattr" and len(test.positional) == 3 and test.positional[1].kind == "str":
                has = self._hasattr(test.positional[0], test.positional[1].text, state)
                if has is None:
                    return None
                test = Expr("attr", test.positional[1].text, (test.positional[0],)) if has else test.positional[2]
            if name.rsplit(".", 1)[-1] == "find_spec" and test.positional:
                # Only apps whose URL module the tree holds are replayed: it is found.
                probe = Expr("call", args=(_IMPORT_MODULE, test.positional[0]))
                return True if self._imported(probe, state) == "" else None
        value = self.index.values.value(self.site.mod, test, self._scope(state))
        self._configurable = value.known and value.from_env
        return bool(value.first) if value.known else None

    def _hasattr(self, owner: Expr, attr: str, state: _State) -> bool | None:
        if owner.kind != "name":
            return None
        if owner.text in state.modules:
            return _defines(self.urls, attr)
        if owner.text == self.site.var and self.app.config is not None:
            return has_member(self.index, self.app.config, attr)
        return None


def _defines(mod: ModuleSummary, name: str) -> bool:
    """True when the module assigns `name` at its top level."""
    return any(s.kind in ("assign", "annassign", "augassign") and any(t.kind == "name" and t.text == name
                                                                    for t in s.targets) for s in walk_stmts(mod.body))


_IMPORT_MODULE: Final = Expr("attr", "import_module", (Expr("name", "importlib"),))


def has_member(index: ProjectIndex, cls: Symbol, attr: str) -> bool | None:
    """Whether a class or its project bases define `attr` (None when a base is outside the project
    and could define it)."""
    chain = [cls] + [s for b in index.base_names(cls) if (s := index.lookup(b)) is not None and s.cls]
    for owner in chain:
        assert owner.cls is not None
        if owner.cls.attribute(attr) is not None or owner.cls.method(attr) is not None or any(
                s.cls is not None and s.cls.name == attr for s in owner.cls.body):
            return True
    outside = [b for b in index.base_names(cls) if index.lookup(b) is None and b not in APP_CONFIGS]
    return None if outside else False


def _merge(state: _State, other: _State) -> None:
    """Join two paths after an undecidable branch (values of either, lists of both)."""
    for name, value in other.bound.items():
        mine = state.bound.get(name)
        state.bound[name] = value if mine is None else Value(
            mine.options + tuple(o for o in value.options if not any(o is m for m in mine.options)),
            mine.from_env or value.from_env)
    for name, pieces in other.lists.items():
        state.lists[name] = state.lists.get(name, []) + [p for p in pieces if p not in state.lists.get(name, [])]
    state.modules |= other.modules


def strip_anchors(route: str) -> str:
    """A regex route without its `^` and `$` anchors."""
    if route.startswith("^"):
        route = route[1:]
    if route.endswith("$") and not route.endswith("\\$"):
        route = route[:-1]
    return route


__all__ = ["APP_CONFIGS", "IMPORTERS", "InstalledApp", "Piece", "Replay", "Site", "has_member", "is_importer",
           "strip_anchors"]
