"""GraphQL endpoint configuration: which libraries serve GraphQL, and how one endpoint is set up.

`EndpointConfig` reads the keyword arguments of an endpoint constructor (`GraphQLView.as_view(...)`,
`GraphQLRouter(...)`, ariadne's `GraphQL(...)`, `graphql_sync(...)`), the attributes of a project
subclass of a GraphQL view, and the schema it serves (strawberry extensions), and turns them into
evidence: IDE on, introspection off, depth or cost limits, batching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from apilint.frameworks.graphql_middleware import bypass_switch, code_words, may_authenticate
from apilint.model import AuthEvidence, AuthStatus, Evidence, HandlerRef, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, ModuleSummary, Stmt

LIBRARIES: Final = ("graphene", "graphene_django", "strawberry", "strawberry_django", "ariadne", "ariadne_django",
                    "graphql_server", "flask_graphql", "starlette_graphene3", "graphql", "graphql_jwt")

# qualified endpoint constructor -> (library, IDE on by default, framework that mounts it)
VIEWS: Final[dict[str, tuple[str, bool, str]]] = {
    "graphene_django.views.GraphQLView": ("graphene-django", False, "django"),
    "graphene_django.GraphQLView": ("graphene-django", False, "django"),
    "strawberry.django.views.GraphQLView": ("strawberry", True, "django"),
    "strawberry.django.views.AsyncGraphQLView": ("strawberry", True, "django"),
    "ariadne_django.views.GraphQLView": ("ariadne", True, "django"),
    "ariadne.contrib.django.views.GraphQLView": ("ariadne", True, "django"),
    "flask_graphql.GraphQLView": ("flask-graphql", False, "flask"),
    "flask_graphql.graphqlview.GraphQLView": ("flask-graphql", False, "flask"),
    "graphql_server.flask.GraphQLView": ("graphql-server", False, "flask"),
    "graphql_server.flask.graphqlview.GraphQLView": ("graphql-server", False, "flask"),
    "strawberry.flask.views.GraphQLView": ("strawberry", True, "flask"),
    "strawberry.flask.views.AsyncGraphQLView": ("strawberry", True, "flask"),
}
ASGI_APPS: Final[dict[str, tuple[str, bool]]] = {
    "strawberry.fastapi.GraphQLRouter": ("strawberry", True),
    "strawberry.asgi.GraphQL": ("strawberry", True),
    "ariadne.asgi.GraphQL": ("ariadne", True),
    "ariadne.wsgi.GraphQL": ("ariadne", True),
    "starlette_graphene3.GraphQLApp": ("starlette-graphene3", False),
    "starlette.graphql.GraphQLApp": ("starlette-graphql", False),
}
EXECUTORS: Final[dict[str, str]] = {
    "ariadne.graphql_sync": "ariadne", "ariadne.graphql": "ariadne",
    "graphql.graphql_sync": "graphql-core", "graphql.graphql": "graphql-core",
}
SCHEMAS: Final = frozenset({"graphene.Schema", "graphene.types.schema.Schema", "strawberry.Schema",
                            "strawberry.federation.Schema", "ariadne.make_executable_schema"})
_INTROSPECTION_WORDS: Final = ("introspection",)
_LIMIT_WORDS: Final = ("depth", "cost", "complexity", "maxtoken", "max_token", "maxalias", "max_alias", "aliases",
                       "query_safety", "querysafety")
_FORMATTER_OPTIONS: Final = ("format_error", "error_formatter")
_DEBUG_WORDS: Final = ("debug", "dev", "local", "testing")
_IDE_NAMES: Final = ("PLAYGROUND_HTML", "ExplorerGraphiQL", "ExplorerPlayground", "ExplorerApollo",
                     "make_graphiql_handler", "make_playground_handler", "GRAPHIQL_HTML")


@dataclass
class EndpointConfig:
    """Evidence gathered for one endpoint."""

    library: str
    location: Location
    schema: str = ""
    schema_symbol: Symbol | None = None
    ide: Evidence | None = None
    ide_debug_only: bool = False
    introspection_off: list[Evidence] = field(default_factory=list)
    limits: list[Evidence] = field(default_factory=list)
    batching: Evidence | None = None
    batch_limit: list[Evidence] = field(default_factory=list)
    middleware: list[Evidence] = field(default_factory=list)
    """Project GraphQL middleware or schema extensions that may authenticate."""
    error_formatter: HandlerRef | None = None
    """The project function that turns errors into response entries, when the project sets one."""


class ConfigReader:
    """Reads endpoint options through the project's names (never imports anything)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def endpoint(self, library: str, ide_default: bool, mod: ModuleSummary, call: Expr, line: int,
                 cls: Symbol | None = None, debug_branch: bool = False) -> EndpointConfig:
        """Read a constructor call (and the project view class it instantiates, if any)."""
        loc = Location(mod.path, line)
        cfg = EndpointConfig(library, loc)
        options: dict[str, tuple[Expr, ModuleSummary, int]] = {}
        if cls is not None and cls.cls is not None:
            for owner in self._chain(cls):
                assert owner.cls is not None
                for stmt in owner.cls.body:
                    if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                        for target in stmt.targets:
                            if target.kind == "name":
                                options.setdefault(target.text, (stmt.value, owner.module, stmt.line))
        for kw in call.keywords:
            if kw.name is not None:
                options[kw.name] = (kw.value, mod, line)
        if call.positional and "schema" not in options and library in ("ariadne", "strawberry", "starlette-graphene3"):
            options["schema"] = (call.positional[0], mod, line)
        self._ide(cfg, library, ide_default, options, loc, debug_branch)
        for key in ("validation_rules", "extensions", "middleware"):
            if key in options:
                expr, owner_mod, at = options[key]
                self.read_rules(cfg, owner_mod, expr, Location(owner_mod.path, at), key)
        if library == "ariadne" and "introspection" in options:
            expr, owner_mod, at = options["introspection"]
            if (expr.kind == "const" and expr.text == "False") or self._debugish(expr):
                cfg.introspection_off.append(Evidence("option", "introspection", AuthStatus.REQUIRED,
                                                      expr.render(40), Location(owner_mod.path, at)))
        if "batch" in options:
            expr, owner_mod, at = options["batch"]
            if self._truthy(owner_mod, expr):
                cfg.batching = Evidence("option", "batch", AuthStatus.REQUIRED, expr.render(40),
                                        Location(owner_mod.path, at))
        for key in ("max_batch_size", "batching_config", "max_operations"):
            if key in options:
                expr, owner_mod, at = options[key]
                cfg.batch_limit.append(Evidence("option", key, AuthStatus.REQUIRED, expr.render(40),
                                                Location(owner_mod.path, at)))
        if "schema" in options:
            expr, owner_mod, _at = options["schema"]
            self.schema(cfg, owner_mod, expr)
        cfg.error_formatter = self._error_formatter(cls, options)
        return cfg

    def _error_formatter(self, cls: Symbol | None,
                         options: dict[str, tuple[Expr, ModuleSummary, int]]) -> HandlerRef | None:
        """`format_error=` (flask-graphql, graphql-server, graphene-django), `error_formatter=`
        (ariadne) naming a project function, or a `format_error` method of the project view class."""
        for key in _FORMATTER_OPTIONS:
            if key in options:
                expr, owner_mod, _at = options[key]
                symbol = self.index.resolve(owner_mod, expr) if expr.kind in ("name", "attr") else None
                if symbol is not None and symbol.func is not None:
                    return HandlerRef(symbol.module.path, symbol.func.qualname)
        if cls is not None and cls.cls is not None:
            for owner in self._chain(cls):
                assert owner.cls is not None
                method = owner.cls.method("format_error")
                if method is not None:
                    return HandlerRef(owner.module.path, method.qualname)
        return None

    def schema(self, cfg: EndpointConfig, mod: ModuleSummary, expr: Expr) -> None:
        """Record the schema object and read its extensions (strawberry) when it is in the project."""
        qualified = self.index.qualify_expr(mod, expr) if expr.kind in ("name", "attr") else None
        symbol = self.index.resolve(mod, expr) if qualified else None
        if expr.kind == "str":
            qualified = expr.text
            symbol = self.index.lookup(expr.text)
        if qualified:
            cfg.schema = symbol.qualname if symbol is not None else qualified
        value = symbol.value if symbol is not None else (expr if expr.kind == "call" else None)
        owner = symbol.module if symbol is not None else mod
        if value is None or value.kind != "call":
            return
        cfg.schema_symbol = symbol
        callee = self.index.qualify_expr(owner, value.func) or ""
        if callee not in SCHEMAS and not callee.endswith(".Schema"):
            return
        loc = Location(owner.path, value.line or (symbol.line if symbol else 0))
        for key in ("extensions", "validation_rules", "middleware"):
            item = value.kwarg(key)
            if item is not None:
                self.read_rules(cfg, owner, item, loc, key)

    # --- pieces -------------------------------------------------------------------------
    def _ide(self, cfg: EndpointConfig, library: str, default: bool,
             options: dict[str, tuple[Expr, ModuleSummary, int]], loc: Location, debug_branch: bool) -> None:
        keys = [k for k in ("graphiql", "graphql_ide", "playground", "explorer", "on_get") if k in options]
        if not keys:
            if default:
                cfg.ide = Evidence("default", library, AuthStatus.NONE, f"{library} serves GraphiQL unless it is "
                                   "turned off", loc)
                cfg.ide_debug_only = debug_branch
            return
        key = keys[0]
        expr, mod, at = options[key]
        where = Location(mod.path, at)
        if key in ("explorer", "on_get"):
            name = (self.index.qualify_expr(mod, expr) or expr.render(40)).rsplit(".", 1)[-1]
            on = not expr.is_none and "405" not in name and "Http" not in name
        elif key == "graphql_ide":
            on = not expr.is_none and not (expr.kind == "const" and expr.text == "False")
        else:
            on = self._truthy(mod, expr)
        if on:
            cfg.ide = Evidence("option", key, AuthStatus.NONE, expr.render(40), where)
            cfg.ide_debug_only = debug_branch or self._debugish(expr)

    def read_rules(self, cfg: EndpointConfig, mod: ModuleSummary, expr: Expr, loc: Location, key: str) -> None:
        """Validation rules, extensions or middleware: introspection blocks, limits, project middleware."""
        for item, owner in self._items(mod, expr):
            names = [self.index.qualify_expr(owner, sub) or sub.render(60)
                     for sub in item.walk() if sub.kind in ("name", "attr") and sub.dotted is not None]
            names += [sub.text for sub in item.walk() if sub.kind == "str" and "." in sub.text]
            lowered = [n.lower().replace("_", "") for n in names]
            symbol = self.index.lookup(names[0]) if names else None
            if symbol is not None and symbol.cls is None and symbol.func is None:
                symbol = None  # a project constant, not a middleware or rule of its own
            status, detail = AuthStatus.REQUIRED, item.render(60)
            switch = bypass_switch(symbol) if symbol is not None and key == "middleware" else ""
            if switch:  # on only while the switch is off: evidence that may not hold
                status, detail = AuthStatus.UNKNOWN, f"skipped when `{switch}`"
            if any(w in n for n in lowered for w in _INTROSPECTION_WORDS):
                cfg.introspection_off.append(Evidence(key, names[0], status, detail, loc))
            elif any(w.replace("_", "") in n for n in lowered for w in _LIMIT_WORDS):
                cfg.limits.append(Evidence(key, names[0], status, detail, loc))
            elif symbol is not None and key in ("middleware", "extensions"):
                self._project_rule(cfg, symbol, key, loc, status, "project code" if not switch else detail)
                if may_authenticate(symbol):
                    cfg.middleware.append(Evidence(key, names[0], AuthStatus.UNKNOWN, "project code", loc))

    def _project_rule(self, cfg: EndpointConfig, symbol: Symbol, key: str, loc: Location, status: AuthStatus,
                      detail: str) -> None:
        """A project middleware or rule: its own code and name tell introspection blocks and limits."""
        name = symbol.qualname
        if "introspection" in name.lower() or any("__schema" in w for w in code_words(symbol)):
            cfg.introspection_off.append(Evidence(key, name, status, detail, loc))
        if any(w in name.lower() for w in ("depth", "cost", "complexity")):
            cfg.limits.append(Evidence(key, name, status, detail, loc))

    def _items(self, mod: ModuleSummary, expr: Expr, depth: int = 0) -> list[tuple[Expr, ModuleSummary]]:
        if depth > 5:
            return []
        if expr.kind in ("list", "tuple", "set"):
            out: list[tuple[Expr, ModuleSummary]] = []
            for item in expr.args:
                inner = item.args[0] if item.kind == "starred" else item
                if inner.kind in ("name", "attr") and item.kind == "starred":
                    out += self._items(mod, inner, depth + 1)
                else:
                    out.append((inner, mod))
            return out
        if expr.kind == "binop" and expr.text == "+":
            return self._items(mod, expr.args[0], depth + 1) + self._items(mod, expr.args[1], depth + 1)
        if expr.kind in ("name", "attr"):
            symbol = self.index.resolve(mod, expr)
            if symbol is not None and symbol.value is not None:
                return self._items(symbol.module, symbol.value, depth + 1)
            if symbol is not None and symbol.func is not None:
                return [(expr, mod)]
        return [(expr, mod)]

    def _chain(self, symbol: Symbol) -> list[Symbol]:
        out = [symbol]
        i = 0
        while i < len(out) and len(out) < 12:
            cls = out[i].cls
            i += 1
            if cls is None:
                continue
            for base in cls.bases:
                parent = self.index.resolve(out[i - 1].module, base)
                if parent is not None and parent.cls is not None and parent not in out:
                    out.append(parent)
        return out

    def _truthy(self, mod: ModuleSummary, expr: Expr) -> bool:
        if expr.kind == "const":
            return expr.text == "True"
        if expr.kind == "num":
            return expr.text not in ("0", "0.0")
        if expr.kind in ("name", "attr"):
            value = self.index.const_value(mod, expr)
            if value is not None and value.kind in ("const", "num"):
                return self._truthy(mod, value)
            return True  # a setting or variable: on unless shown off (debug ones are told apart)
        return True

    @staticmethod
    def _debugish(expr: Expr) -> bool:
        """`settings.DEBUG`, `app.debug`, `os.getenv("ENV") == "dev"`: follows a debug switch."""
        for sub in expr.walk():
            text = sub.text.lower() if sub.kind in ("name", "attr", "str") else ""
            if text and any(w in text for w in _DEBUG_WORDS):
                return True
        return False


WEAKEST: Final = (AuthStatus.NONE, AuthStatus.UNKNOWN, AuthStatus.OPTIONAL, AuthStatus.REQUIRED)
"""Auth statuses from the weakest to the strongest."""


def strongest(statuses: list[AuthStatus]) -> AuthStatus:
    """The strongest of several statuses (NONE when there are none)."""
    for status in reversed(WEAKEST):
        if status in statuses:
            return status
    return AuthStatus.NONE


@dataclass
class Found:
    """A GraphQL endpoint found where it is mounted, before it becomes a route and a fact."""

    cfg: EndpointConfig
    path: str
    auth: AuthEvidence
    handler: str
    route_loc: Location
    methods: tuple[str, ...] = ("GET", "POST")
    emit_route: bool = True
    raw: str = ""


def debug_branch(mod: ModuleSummary, line: int) -> bool:
    """True when the statement at `line` sits under an `if` whose test follows a debug switch."""
    def visit(body: tuple[Stmt, ...], debug: bool) -> bool | None:
        for stmt in body:
            if stmt.line <= line <= max(stmt.end_line, stmt.line) or stmt.line == line:
                if stmt.kind == "if":
                    test_debug = stmt.value is not None and ConfigReader._debugish(stmt.value)
                    found = visit(stmt.body, debug or test_debug)
                    if found is not None:
                        return found
                    found = visit(stmt.orelse, debug)
                    if found is not None:
                        return found
                    return debug
                nested = stmt.body + stmt.orelse + stmt.handlers + stmt.finalbody
                if stmt.func is not None:
                    nested = stmt.func.body
                found = visit(nested, debug) if nested else None
                return found if found is not None else debug
        return None

    return bool(visit(mod.body, False))


def ide_name(name: str) -> bool:
    """True for ariadne/graphene names that render a GraphQL IDE page."""
    return name.rsplit(".", 1)[-1] in _IDE_NAMES


__all__ = ["ASGI_APPS", "EXECUTORS", "LIBRARIES", "SCHEMAS", "VIEWS", "ConfigReader", "EndpointConfig",
           "debug_branch", "ide_name"]
