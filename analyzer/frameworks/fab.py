"""Flask-AppBuilder: views and REST APIs registered with `appbuilder.add_view(...)`,
`add_view_no_menu(...)` and `add_api(...)`.

What FAB does (flask_appbuilder 4.x, `baseviews.py`, `api/__init__.py`, `views.py`):

- every `BaseView`/`BaseApi` subclass becomes a blueprint whose `url_prefix` is the class's
  `route_base`; when that is `None`, a view's is `/<class name lower-cased>` and an API's is
  `/api/<version>/<resource_name or class name lower-cased>` (`version` defaults to `v1`);
- each method carrying `@expose(url, methods=("GET",))` (or the older `@expose_api`) is a rule
  of that blueprint; a subclass that redefines the method without `@expose` removes the rule;
- `include_route_methods` (when not None) and `exclude_route_methods` filter rules by method name;
- FAB's own classes bring generated endpoints (`ModelRestApi`: `/_info`, `/`, `/<pk>`; `ModelView`:
  `/list/`, `/show/<pk>`, `/add`, ...), listed below with the guard FAB puts on them;
- `@protect()` (APIs), `@has_access` and `@has_access_api` (views) require a logged-in user who
  holds the method's permission: authentication and a permission check. `@permission_name` only
  renames the permission. A method with none of them is public (FAB creates no permission).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.common import normalize_path
from apilint.frameworks.flask_auth import FlaskAuth, Judgement
from apilint.frameworks.flask_classes import HandlerClasses
from apilint.frameworks.flask_emit import handler_issues_credentials
from apilint.model import AuthEvidence, AuthStatus, Evidence, HandlerRef, Location, Route
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts


@dataclass(frozen=True)
class _Endpoint:
    """One exposed method of a FAB class."""

    name: str
    urls: tuple[str, ...]
    methods: tuple[str, ...]
    guard: str
    """`protect`, `has_access`, `has_access_api`, `body` (checks the permission in its body) or `` (public)."""


_GET, _POST, _GP = ("GET",), ("POST",), ("GET", "POST")
_MODEL_REST = tuple(_Endpoint(n, (u,), m, "protect") for n, u, m in (
    ("info", "/_info", _GET), ("get", "/<int:pk>", _GET), ("get_list", "/", _GET), ("post", "/", _POST),
    ("put", "/<pk>", ("PUT",)), ("delete", "/<pk>", ("DELETE",))))
_REST_CRUD = tuple(_Endpoint(n, (u,), m, "has_access_api") for n, u, m in (
    ("api", "/api", _GET), ("api_read", "/api/read", _GET), ("api_get", "/api/get/<pk>", _GET),
    ("api_create", "/api/create", _POST), ("api_update", "/api/update/<pk>", ("PUT",)),
    ("api_delete", "/api/delete/<pk>", ("DELETE",)), ("api_column_add", "/api/column/add/<col_name>", _GET),
    ("api_column_edit", "/api/column/edit/<col_name>", _GET), ("api_readvalues", "/api/readvalues", _GET)))
_MODEL_VIEW = (*(_Endpoint(n, (u,), m, "has_access") for n, u, m in (
    ("list", "/list/", _GET), ("show", "/show/<pk>", _GET), ("add", "/add", _GP), ("edit", "/edit/<pk>", _GP),
    ("delete", "/delete/<pk>", _GP), ("download", "/download/<string:filename>", _GET))),
    _Endpoint("action", ("/action/<string:name>/<pk>",), _GP, "body"),
    _Endpoint("action_post", ("/action_post",), _POST, "body"))
_CHART = (_Endpoint("chart", ("/chart/<group_by>", "/chart/"), _GET, "has_access"),)

ROOT_VIEWS = frozenset({"IndexView", "UtilView"})
"""FAB classes whose `route_base` is `""` (their rules sit at the site root)."""
LIBRARY: dict[str, tuple[tuple[str, ...], tuple[_Endpoint, ...]]] = {
    "AbstractViewApi": ((), ()),
    "BaseView": (("AbstractViewApi",), ()),
    "BaseFormView": (("BaseView",), ()),
    "BaseModelView": (("BaseView",), ()),
    "BaseCRUDView": (("BaseModelView",), ()),
    "RestCRUDView": (("BaseCRUDView",), _REST_CRUD),
    "ModelView": (("RestCRUDView",), _MODEL_VIEW),
    "MasterDetailView": (("BaseCRUDView",), (_Endpoint("list", ("/list/", "/list/<pk>"), _GET, "has_access"),)),
    "MultipleView": (("BaseView",), (_Endpoint("list", ("/list/",), _GET, "has_access"),)),
    "CompactCRUDMixin": (("BaseCRUDView",), tuple(_Endpoint(n, (u,), _GP, "has_access") for n, u in (
        ("list", "/list/"), ("add", "/add/"), ("edit", "/edit/<pk>"), ("delete", "/delete/<pk>")))),
    "IndexView": (("BaseView",), (_Endpoint("index", ("/",), _GET, ""),)),
    "UtilView": (("BaseView",), (_Endpoint("back", ("/back",), _GET, ""),)),
    "SimpleFormView": (("BaseFormView",), (_Endpoint("this_form_get", ("/form",), _GET, "has_access"),
                                           _Endpoint("this_form_post", ("/form",), _POST, "has_access"))),
    "PublicFormView": (("BaseFormView",), (_Endpoint("this_form_get", ("/form",), _GET, ""),
                                           _Endpoint("this_form_post", ("/form",), _POST, ""))),
    "BaseChartView": (("BaseModelView",), ()),
    "GroupByChartView": (("BaseChartView",), _CHART),
    "DirectByChartView": (("GroupByChartView",), ()),
    "BaseSimpleGroupByChartView": (("BaseChartView",), ()),
    "BaseSimpleDirectChartView": (("BaseChartView",), ()),
    "ChartView": (("BaseSimpleGroupByChartView",), _CHART),
    "TimeChartView": (("BaseSimpleGroupByChartView",),
                      (_Endpoint("chart", ("/chart/<group_by>/<period>", "/chart/"), _GET, "has_access"),)),
    "DirectChartView": (("BaseSimpleDirectChartView",), _CHART),
    "BaseApi": (("AbstractViewApi",), ()),
    "BaseModelApi": (("BaseApi",), ()),
    "ModelRestApi": (("BaseModelApi",), _MODEL_REST),
}
"""FAB's own classes: their parents and the endpoints they expose (with FAB's guard on each)."""
GUARDS = frozenset({"protect", "has_access", "has_access_api"})
REGISTER = frozenset({"add_view", "add_view_no_menu", "add_api"})


@dataclass
class _Class:
    """A project class that derives from a FAB view or API class."""

    symbol: Symbol
    chain: list[Symbol]
    """The class and its project ancestors, most derived first."""
    library: list[str]
    """FAB ancestors (short names), nearest first."""

    @property
    def is_api(self) -> bool:
        return "BaseApi" in self.library


class FabAdapter:
    """Routes of Flask-AppBuilder views and APIs."""

    name = "fab"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports Flask-AppBuilder."""
        return imports_any(index, ("flask_appbuilder",))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Find FAB classes and their registrations, and emit their routes."""
        _FabLinker(index, config, out).run()


class _FabLinker:
    def __init__(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        self.index = index
        self.out = out
        self.auth = FlaskAuth(index, config)
        self.mro = HandlerClasses(index, self.auth)
        self.classes: dict[str, _Class] = {}
        self.registered: dict[str, str] = {}
        """Registered class -> the app (or AppBuilder object) it is registered with."""

    def run(self) -> None:
        for mod in self.index:
            for cls in mod.classes():
                symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
                found = self._fab_class(symbol)
                if found is not None:
                    self.classes[symbol.qualname] = found
        if not self.classes:
            return
        for mod in self.index:
            self._registrations(mod)
        parents = {p.qualname for c in self.classes.values() for p in c.chain[1:]}
        for key in sorted(self.classes):
            fab = self.classes[key]
            if key in self.registered:
                self._emit(fab, self.registered[key], linked=True)
            elif key not in parents and self._own_exposed(fab):
                self._emit(fab, "", linked=False)  # defined, never registered where apilint can see
        self.out.frameworks.add("flask")

    # --- classes ---------------------------------------------------------------------
    def _fab_class(self, symbol: Symbol) -> _Class | None:
        library: list[str] = []
        for base in self.index.base_names(symbol):
            if base.split(".")[0] == "flask_appbuilder" and base.rsplit(".", 1)[-1] in LIBRARY:
                library += [name for name in _ancestors(base.rsplit(".", 1)[-1]) if name not in library]
        if not library:
            return None
        return _Class(symbol, self.mro.chain(symbol), library)  # project classes in Python's MRO

    def _own_exposed(self, fab: _Class) -> bool:
        assert fab.symbol.cls is not None
        return any(self._exposes(fab.symbol.module, fn) for fn in fab.symbol.cls.methods())

    def _exposes(self, mod: ModuleSummary, func: FunctionDef) -> list[tuple[str, tuple[str, ...]]]:
        """(url, methods) of each `@expose` / `@expose_api` on the method."""
        out: list[tuple[str, tuple[str, ...]]] = []
        for dec in func.decorators:
            call = dec.expr
            if call.kind != "call" or self._fab_name(mod, call.func) not in ("expose", "expose_api"):
                continue
            short = self._fab_name(mod, call.func)
            if short == "expose":
                url = self.index.values.string(mod, call.arg(0, "url"))
                url = "/" if url is None and call.arg(0, "url") is None else url
            else:
                url = self.index.values.string(mod, call.arg(1, "url"))
                if url is None and call.arg(1, "url") is None:
                    name = self.index.values.string(mod, call.arg(0, "name")) or ""
                    url = f"/api/{name}"
            methods = self._methods(mod, call.kwarg("methods") or call.arg(1 if short == "expose" else 2))
            out.append((url if url is not None else "{?" + (call.arg(0, "url") or call).render(30) + "}", methods))
        return out

    def _methods(self, mod: ModuleSummary, expr: Expr | None) -> tuple[str, ...]:
        if expr is None:
            return _GET
        items = self.index.values.elements(mod, expr)
        if items is None or not all(isinstance(i, str) for i in items):
            return ("ANY",)
        return tuple(sorted({str(i).upper() for i in items})) or _GET

    def _fab_name(self, mod: ModuleSummary, expr: Expr) -> str:
        """The short name of a Flask-AppBuilder object the expression names, else ``."""
        qualified = self.index.qualify_expr(mod, expr) or ""
        return qualified.rsplit(".", 1)[-1] if qualified.split(".")[0] == "flask_appbuilder" else ""

    # --- registrations -----------------------------------------------------------------
    def _registrations(self, mod: ModuleSummary) -> None:
        if not any(mod.mentions(word) for word in ("add_view", "add_api", "add_view_no_menu", "indexview")):
            return
        for stmt in walk_stmts(mod.body, into_defs=True):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    index_view = call.kwarg("indexview")  # AppBuilder(app, indexview=MyIndexView)
                    if index_view is not None and self._fab_name(mod, call.func) == "AppBuilder":
                        self._register(mod, index_view, Expr("name", "AppBuilder"))
                    if call.func.kind != "attr" or call.func.text not in REGISTER or not call.positional:
                        continue
                    self._register(mod, call.positional[0], call.func.args[0])

    def _register(self, mod: ModuleSummary, view: Expr, owner: Expr) -> None:
        """`add_view(MyView, ...)` / `add_view_no_menu(MyView())`, made on the AppBuilder `owner`."""
        target = view.func if view.kind == "call" else view
        qualified = self.auth.qualify(mod, target)  # views are often imported inside init_views()
        symbol = self.index.lookup(qualified) if qualified else None
        if symbol is not None and symbol.qualname in self.classes:
            self.registered.setdefault(symbol.qualname, self._app_of(mod, owner))

    def _app_of(self, mod: ModuleSummary, owner: Expr) -> str:
        """The AppBuilder object a registration is made on, by its qualified name when it has one."""
        if owner.kind == "name" and owner.text == "AppBuilder":
            return "flask_appbuilder.AppBuilder"
        symbol = self.index.resolve(mod, owner) if owner.dotted is not None else None
        if symbol is None or symbol.value is None:
            return owner.render(40)
        app = symbol.value.arg(0, "app") if symbol.value.kind == "call" else None
        if app is not None and app.dotted is not None:  # AppBuilder(app, db.session): the Flask app
            return self.index.qualify(symbol.module, app.dotted)
        return symbol.qualname

    # --- routes ------------------------------------------------------------------------
    def _emit(self, fab: _Class, app: str, linked: bool) -> None:
        base, note = self._route_base(fab)
        include, exclude, filter_note = self._filters(fab)
        note = "; ".join(n for n in (note, filter_note) if n)
        for name, owner, func, urls, endpoint in self._endpoints(fab):
            if (include is not None and name not in include) or (exclude is not None and name in exclude):
                continue
            for url, methods in urls:
                full = _blueprint_rule(base, url)
                path, params = normalize_path(full)
                judged = self._judge(fab, owner, func, endpoint)
                mod = owner.module
                line = func.line if func is not None else fab.symbol.line
                loc = Location(fab.symbol.module.path if func is None else mod.path, line)
                handler = f"{owner.qualname}.{name}" if func is not None else f"{fab.symbol.qualname}.{name}"
                for method in methods:
                    self.out.routes.append(Route(
                        framework="flask", method=method, path=path, raw_path=full, handler=handler, location=loc,
                        handler_ref=HandlerRef(mod.path, func.qualname) if func is not None else None,
                        path_params=params, auth=AuthEvidence(judged.status or AuthStatus.NONE,
                                                              tuple(dict.fromkeys(judged.evidence))),
                        authz=tuple(dict.fromkeys(judged.authz)),
                        dependencies=tuple(dict.fromkeys(e.name for e in judged.evidence)),
                        rate_limit=tuple(dict.fromkeys(judged.rate_limit)),
                        group=fab.symbol.qualname, app=app, linked=linked, condition=note,
                        return_annotation=func.returns.render(60) if func is not None and func.returns else None))

    def _endpoints(self, fab: _Class) -> list[tuple[str, Symbol, FunctionDef | None,
                                                    list[tuple[str, tuple[str, ...]]], _Endpoint | None]]:
        """Every exposed method the class ends up with, the most derived definition of each name."""
        seen: set[str] = set()
        out: list[tuple[str, Symbol, FunctionDef | None, list[tuple[str, tuple[str, ...]]], _Endpoint | None]] = []
        for owner in fab.chain:
            assert owner.cls is not None
            for fn in owner.cls.methods():
                if fn.name in seen:
                    continue
                seen.add(fn.name)  # redefined without @expose: FAB registers no rule for it
                urls = self._exposes(owner.module, fn)
                if urls:
                    out.append((fn.name, owner, fn, urls, None))
        for lib in fab.library:
            for endpoint in LIBRARY[lib][1]:
                if endpoint.name not in seen:
                    seen.add(endpoint.name)
                    out.append((endpoint.name, fab.symbol, None, [(u, endpoint.methods) for u in endpoint.urls],
                                endpoint))
        return out

    def _judge(self, fab: _Class, owner: Symbol, func: FunctionDef | None, endpoint: _Endpoint | None) -> Judgement:
        out = Judgement()
        if func is None:
            assert endpoint is not None
            where = Location(owner.module.path, owner.line)
            if endpoint.guard:
                detail = "FAB checks the method's permission in its body" if endpoint.guard == "body" else \
                    f"FAB's generated endpoint is guarded by @{endpoint.guard}"
                out.status = AuthStatus.REQUIRED
                out.evidence.append(Evidence("decorator", f"flask_appbuilder.{endpoint.guard}", AuthStatus.REQUIRED,
                                             detail, where))
                out.authz.append(Evidence("permission", f"flask_appbuilder.{endpoint.guard}", AuthStatus.REQUIRED,
                                          f"can_{endpoint.name} on {owner.qualname.rsplit('.', 1)[-1]}", where))
            return out
        mod = owner.module
        where = Location(mod.path, func.line)
        for dec in func.decorators:
            target = dec.expr.func if dec.expr.kind == "call" else dec.expr
            short = self._fab_name(mod, target)
            if short in ("expose", "expose_api", "permission_name"):
                continue
            if short in GUARDS:
                out.status = AuthStatus.REQUIRED
                out.evidence.append(Evidence("decorator", f"flask_appbuilder.{short}", AuthStatus.REQUIRED,
                                             "Flask-AppBuilder", where))
                out.authz.append(Evidence("permission", f"flask_appbuilder.{short}", AuthStatus.REQUIRED,
                                          f"can_{func.name} on {owner.qualname.rsplit('.', 1)[-1]}", where))
                continue
            out.merge(self.auth.decorator(mod, dec.expr, where))
        if out.status is None and _reads_actions(func):
            out.merge(self._actions(fab, where, f"{owner.qualname}.{func.name}"))
        if out.status is None and not handler_issues_credentials(func):
            body = self.auth.body_status(mod, func)
            if body is not None:
                detail = (self.auth.opaque_reason(mod, func) if body is AuthStatus.UNKNOWN
                          else "checks credentials in the handler body")
                out.status = body
                out.evidence.append(Evidence("handler", f"{owner.qualname}.{func.name}", body, detail, where))
        return out

    def _actions(self, fab: _Class, where: Location, name: str) -> Judgement:
        """A handler that runs one of the class's `@action` methods, chosen by the request
        (`self.actions.get(name).func(items)`): as protected as the least protected action."""
        statuses: list[AuthStatus] = []
        authz: list[Evidence] = []
        seen: set[str] = set()
        for owner in fab.chain:
            assert owner.cls is not None
            for fn in owner.cls.methods():
                if fn.name in seen or not any(self._fab_name(owner.module, (d.expr.func if d.expr.kind == "call"
                                                                            else d.expr)) == "action"
                                              for d in fn.decorators):
                    continue
                seen.add(fn.name)
                judged = self._judge(fab, owner, fn._replace(decorators=tuple(
                    d for d in fn.decorators if self._fab_name(owner.module, d.expr.func if d.expr.kind == "call"
                                                               else d.expr) != "action")), None)
                statuses.append(judged.status or AuthStatus.NONE)
                authz += judged.authz
        out = Judgement()
        if statuses:
            weakest = next(s for s in (AuthStatus.NONE, AuthStatus.UNKNOWN, AuthStatus.OPTIONAL, AuthStatus.REQUIRED)
                           if s in statuses)
            out.status = weakest
            out.evidence.append(Evidence("handler", name, weakest,
                                         f"runs the @action the request names; the least protected of {len(statuses)} "
                                         f"actions is {weakest.value}", where))
            if weakest is AuthStatus.REQUIRED and authz:
                out.authz += authz[:1]
        else:
            out.status = AuthStatus.UNKNOWN
            out.evidence.append(Evidence("handler", name, AuthStatus.UNKNOWN,
                                         "runs the @action the request names; the class defines none apilint can see",
                                         where))
        return out

    def _route_base(self, fab: _Class) -> tuple[str, str]:
        """(the blueprint's url_prefix, a note when part of it cannot be read)."""
        found = self._attribute(fab, "route_base")
        if found is not None and not (isinstance(found[1], Expr) and found[1].is_none):
            mod, expr = found
            text = self.index.values.text(mod, expr)
            return text.text, ""
        name = fab.symbol.cls.name.lower() if fab.symbol.cls is not None else ""
        if ROOT_VIEWS & set(fab.library):
            return "", ""
        if not fab.is_api:
            return "/" + name, ""
        resource = self._string(fab, "resource_name") or name
        version = self._string(fab, "version") or "v1"
        return f"/api/{version}/{resource.lower()}", ""

    def _string(self, fab: _Class, attr: str) -> str | None:
        found = self._attribute(fab, attr)
        return self.index.values.string(found[0], found[1]) if found is not None else None

    def _filters(self, fab: _Class) -> tuple[set[str] | None, set[str] | None, str]:
        """(include_route_methods, exclude_route_methods, a note when one cannot be read)."""
        out: list[set[str] | None] = []
        notes: list[str] = []
        for attr in ("include_route_methods", "exclude_route_methods"):
            found = self._attribute(fab, attr)
            if found is None or found[1].is_none:
                out.append(None)
                continue
            value: Any = self.index.values.value(found[0], found[1]).first
            if isinstance(value, str):
                value = [value]  # FAB tests `name in include_route_methods`: a lone string works too
            if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
                out.append({str(v) for v in value})
            else:
                out.append(None)
                notes.append(f"`{attr}` cannot be read ({found[1].render(40)})")
        return out[0], out[1], "; ".join(notes)

    def _attribute(self, fab: _Class, name: str) -> tuple[ModuleSummary, Expr] | None:
        for owner in fab.chain:
            assert owner.cls is not None
            value = owner.cls.attribute(name)
            if value is not None:
                return owner.module, value
        return None


def _reads_actions(func: FunctionDef) -> bool:
    """True when the method looks up `self.actions` (FAB's registry of `@action` methods)."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            if any(e.kind == "attr" and e.text == "actions" and e.args[0].dotted == "self" for e in expr.walk()):
                return True
    return False


def _blueprint_rule(prefix: str, rule: str) -> str:
    """The URL Flask builds from a blueprint's `url_prefix` and a rule (`Blueprint.add_url_rule`)."""
    if not prefix:
        return rule if rule.startswith("/") else "/" + rule
    return prefix.rstrip("/") + "/" + rule.lstrip("/") if rule else prefix


def _ancestors(name: str) -> list[str]:
    """A FAB class and its FAB ancestors, nearest first."""
    out = [name]
    for parent in LIBRARY[name][0]:
        out += [n for n in _ancestors(parent) if n not in out]
    return out


__all__ = ["LIBRARY", "FabAdapter"]
