"""The data model that crosses the link step: routes, project facts and findings.

Everything here is a frozen, slotted dataclass holding only strings, numbers, enums,
tuples and other model objects, so it can be pickled for the process pool, cached and
written as JSON. Nothing here holds a libcst node.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field


class Severity(enum.Enum):
    """How bad a finding is if it is real."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Larger is more severe."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Confidence(enum.Enum):
    """How sure apilint is that a finding is real."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Larger is surer."""
        return _CONFIDENCE_RANK[self.value]


_CONFIDENCE_RANK = {"high": 2, "medium": 1, "low": 0}


class AuthStatus(enum.Enum):
    """Whether a caller must be authenticated to reach a route."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"
    UNKNOWN = "unknown"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a file; lines and columns are 1-based."""

    file: str
    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact that explains a judgement, such as what authenticates a route."""

    kind: str
    """What sort of fact: dependency, decorator, permission_class, middleware, setting, ..."""
    name: str
    """The qualified name or literal that carries the fact."""
    status: AuthStatus = AuthStatus.REQUIRED
    """What this fact alone implies for authentication (auth evidence only)."""
    detail: str = ""
    location: Location | None = None
    roles: tuple[str, ...] = ()
    """For a role check: the role names it admits, lower-case, when the code names them
    (`roles_required("admin")`, `RoleChecker([Role.CUSTOMER])`; `apilint.role_names`)."""

    def describe(self) -> str:
        """Render the evidence as one short phrase."""
        where = f" ({self.location.file}:{self.location.line})" if self.location else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind} {self.name}{detail}{where}"


@dataclass(frozen=True, slots=True)
class AuthEvidence:
    """A route's authentication status and the facts behind it."""

    status: AuthStatus
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class HandlerRef:
    """Where a handler function is defined: module summary path and qualified name in it."""

    file: str
    qualname: str


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint: one HTTP method on one path."""

    framework: str
    method: str
    """Upper-case HTTP method, `WEBSOCKET`, or `ANY` when the view accepts every method."""
    path: str
    """Full path with parameters normalized to `{name}`."""
    raw_path: str
    """The path as written, prefixes joined, converters kept."""
    handler: str
    """Qualified name of the handler, e.g. `app.api.routes.items.read_item`."""
    location: Location
    handler_ref: HandlerRef | None = None
    path_params: tuple[str, ...] = ()
    auth: AuthEvidence = AuthEvidence(AuthStatus.UNKNOWN)
    authz: tuple[Evidence, ...] = ()
    """Role, scope, permission or ownership checks that apply to the route."""
    dependencies: tuple[str, ...] = ()
    """Qualified names of every dependency, decorator or permission applied, in order."""
    response_model: str | None = None
    status_code: int | None = None
    return_annotation: str | None = None
    rate_limit: tuple[Evidence, ...] = ()
    size_limit: tuple[Evidence, ...] = ()
    group: str = ""
    """The router, blueprint, viewset or module the route was declared in (for sibling checks)."""
    app: str = ""
    """The application object the route is served by, when known."""
    linked: bool = True
    """False for a route-shaped handler no application reaches (a router nothing includes): its path
    is local to its router and its auth is `unknown`, since whatever mounts it may add auth."""
    unresolved: tuple[str, ...] = ()
    """Source text of the path parts apilint could not read; each shows as `{?expr}` in the path."""
    condition: str = ""
    """When the route exists only under a condition (`if settings.DEBUG`), or its prefix may take other
    values, what that is."""
    builtin: bool = False
    """Served by the framework itself, not by a project handler: FastAPI's schema and docs, a DRF
    router's API root. Not counted among route-shaped handlers."""
    injected: tuple[tuple[str, str], ...] = ()
    """Handler parameters the framework fills from a dependency (`user = Depends(get_user)`), as
    (parameter, the dependency's qualified name); the adapter reads them, rules need not know how."""

    @property
    def display(self) -> str:
        """`METHOD /path`, as shown to users."""
        return f"{self.method} {self.path}"

    @property
    def is_unsafe(self) -> bool:
        """True for methods that change state (and `ANY`, which includes them)."""
        return self.method in UNSAFE_METHODS or self.method == "ANY"

    def sort_key(self) -> tuple[str, str, str, int]:
        """Canonical order: path, method, file, line."""
        return (self.path, self.method, self.location.file, self.location.line)


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """A CORS configuration found in the project."""

    source: str
    """Where it comes from: `starlette`, `flask-cors`, `django-cors-headers`, `manual`."""
    location: Location
    origins: tuple[str, ...] = ()
    """Literal allowed origins; `*` for any; empty when unknown."""
    origin_regex: str | None = None
    reflects_origin: bool = False
    allow_credentials: bool | None = None
    resolved: bool = True
    """False when origins come from something apilint cannot read."""


@dataclass(frozen=True, slots=True)
class SettingFact:
    """A security-relevant setting with its literal value, where apilint could read it."""

    name: str
    """e.g. `DEBUG`, `MAX_CONTENT_LENGTH`, `REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES`."""
    value: str
    """The value as source text (`True`, `None`, `["a"]`) or `<unknown>`."""
    location: Location
    framework: str = ""
    from_env_default: bool = False
    """True when the value is the literal default of an environment lookup."""


@dataclass(frozen=True, slots=True)
class AppFact:
    """An application object (FastAPI(), Flask(__name__), a Django project, NinjaAPI())."""

    framework: str
    name: str
    location: Location
    middleware: tuple[str, ...] = ()
    """Qualified names of middleware added to the app, in order."""


@dataclass(frozen=True, slots=True)
class GraphQLEndpoint:
    """A GraphQL endpoint: the view or ASGI app that serves a schema, and how it is configured."""

    library: str
    """`graphene-django`, `flask-graphql`, `strawberry`, `ariadne`, `graphql-core` ..."""
    location: Location
    """The call that creates the view or app (`GraphQLView.as_view(...)`, `GraphQLRouter(...)`)."""
    path: str = ""
    """Full path it is mounted at, `""` when the mount was not found."""
    schema: str = ""
    """Qualified name of the schema object it serves, when known."""
    auth: AuthEvidence = AuthEvidence(AuthStatus.UNKNOWN)
    """Authentication of the endpoint itself (view wrappers, mixins, dependencies)."""
    ide: Evidence | None = None
    """GraphiQL / Playground / explorer served, and where it is turned on."""
    ide_debug_only: bool = False
    """True when the IDE flag follows a debug setting (`graphiql=settings.DEBUG`)."""
    introspection_off: tuple[Evidence, ...] = ()
    """What disables schema introspection (validation rule, extension, `introspection=False`)."""
    limits: tuple[Evidence, ...] = ()
    """Query depth, cost, complexity or token limits."""
    batching: Evidence | None = None
    """Batched queries accepted (`batch=True`)."""
    batch_limit: tuple[Evidence, ...] = ()
    """A maximum number of operations per batch."""
    error_formatter: HandlerRef | None = None
    """The project function that formats errors for the response (`format_error=`,
    ariadne's `error_formatter=`, a view's `format_error` override)."""


RESOLVER_CONTEXT: frozenset[str] = frozenset({"self", "cls", "root", "parent", "obj", "info", "_", "_root",
                                             "_obj", "_info"})
"""GraphQL resolver parameters that are the parent object or the request context, not field
arguments a client sends (shared by the GraphQL adapter and the rules that follow client input)."""


@dataclass(frozen=True, slots=True)
class GraphQLResolver:
    """A resolver of a GraphQL schema: a mutation, or a query field that takes arguments."""

    field: str
    """The GraphQL field name, as written (`create_paste`, `createPaste`)."""
    library: str
    handler: str
    """Qualified name of the resolver function or Mutation class."""
    location: Location
    """The resolver's `def` line (graphene: `mutate`)."""
    handler_ref: HandlerRef | None = None
    auth: tuple[Evidence, ...] = ()
    """Decorators, permission classes or extensions on the resolver that authenticate it."""
    endpoint_auth: AuthEvidence = AuthEvidence(AuthStatus.UNKNOWN)
    """The weakest authentication of the endpoints that serve its schema."""
    operation: str = "mutation"
    """`mutation`, or `query` for a query field's resolver (graphene `resolve_*` methods)."""


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    """App-level facts gathered by the adapters at link time."""

    apps: tuple[AppFact, ...] = ()
    cors: tuple[CorsPolicy, ...] = ()
    settings: tuple[SettingFact, ...] = ()
    rate_limiters: tuple[Evidence, ...] = ()
    """Rate limiting set up anywhere in the project (library objects, DRF throttles)."""
    exception_handlers: tuple[HandlerRef, ...] = ()
    """Functions registered as exception/error handlers."""
    request_hooks: tuple[HandlerRef, ...] = ()
    """Functions the framework runs around every request of an app or blueprint (Flask
    `before_request`, `after_request`): the request they read is any route's."""
    frameworks: tuple[str, ...] = ()
    """Frameworks detected in the project, sorted."""
    graphql: tuple[GraphQLEndpoint, ...] = ()
    """GraphQL endpoints (GQL rules)."""
    graphql_resolvers: tuple[GraphQLResolver, ...] = ()
    """GraphQL mutation resolvers (GQL rules)."""

    def setting(self, name: str) -> SettingFact | None:
        """The last fact recorded for a setting name, if any."""
        found = None
        for fact in self.settings:
            if fact.name == name:
                found = fact
        return found


@dataclass(frozen=True, slots=True)
class RouteMap:
    """Every route of the project, in canonical order."""

    routes: tuple[Route, ...] = ()

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)

    def in_group(self, group: str) -> tuple[Route, ...]:
        """Routes declared in the same router, blueprint, viewset or module."""
        return tuple(r for r in self.routes if r.group == group)

    def coverage(self) -> Coverage:
        """How much of the map apilint could read (the recall signal on code nobody labeled)."""
        return Coverage.of(self.routes)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Counts that say how complete a route map is."""

    routes: int
    apps: int
    handlers: int
    """Route-shaped handlers (distinct handler functions, views and resources)."""
    unresolved: int
    """Routes with a path part that could not be read."""
    unlinked: int
    """Handlers that no application reaches."""
    auth_unknown: int
    """Routes whose authentication could not be decided."""

    @classmethod
    def of(cls, routes: tuple[Route, ...]) -> Coverage:
        """Count over a list of routes."""
        handlers = {(r.location.file, r.handler) for r in routes if not r.builtin}
        linked = {(r.location.file, r.handler) for r in routes if r.linked and not r.builtin}
        return cls(
            routes=len(routes),
            apps=len({r.app for r in routes if r.linked and r.app}),
            handlers=len(handlers),
            unresolved=sum(1 for r in routes if r.unresolved),
            unlinked=len(handlers - linked),
            auth_unknown=sum(1 for r in routes if r.auth.status is AuthStatus.UNKNOWN),
        )

    def as_dict(self) -> dict[str, int]:
        """The counts as JSON-ready data."""
        return {"routes": self.routes, "apps": self.apps, "handlers": self.handlers, "unresolved": self.unresolved,
                "unlinked": self.unlinked, "auth_unknown": self.auth_unknown}

    def line(self) -> str:
        """`412 routes in 2 apps; 3 with unresolved path parts; 5 unlinked handlers; auth unknown on 12`."""
        def plural(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        return (f"{plural(self.routes, 'route')} in {plural(self.apps, 'app')}; "
                f"{self.unresolved} with unresolved path parts; {plural(self.unlinked, 'unlinked handler')}; "
                f"auth unknown on {self.auth_unknown}")


class Applicability(enum.Enum):
    """Whether a fix may be applied without review (ruff's and semgrep's convention).

    A `safe` fix keeps the code's intent and changes only what the finding is about;
    `apilint check --fix` applies it. An `unsafe` fix changes behaviour a person must review
    (who may call a route, which rows a query returns); only `--unsafe-fixes` applies it.
    """

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class FixPlan:
    """The facts a rule used, enough for a codemod to write the fix later (`apilint.fixes`).

    Rules run in worker processes and their findings are cached and replayed, so a plan holds
    only plain data: which edit (`kind`), where (`file`, and the statement `line` the edit is
    anchored on), and the kind's parameters (names, literals, qualified names) as sorted
    (key, value) pairs. `apilint.fixes.plan` builds them; `apilint.fixes` turns them into text.
    """

    kind: str
    """The codemod that writes it, e.g. `call-keywords`, `add-route-auth`."""
    title: str
    """What the fix does, in one line, for reports (`Pass secure=True and httponly=True`)."""
    applicability: Applicability
    file: str
    """Project-relative path of the file the edit is in."""
    line: int
    """The statement the edit is anchored on (1-based; `def` line for functions)."""
    params: tuple[tuple[str, str | tuple[str, ...]], ...] = ()

    def param(self, name: str, default: str = "") -> str:
        """A string parameter (`default` when absent or not a string)."""
        for key, value in self.params:
            if key == name and isinstance(value, str):
                return value
        return default

    def items(self, name: str) -> tuple[str, ...]:
        """A list parameter (empty when absent; a string parameter is a one-item list)."""
        for key, value in self.params:
            if key == name:
                return (value,) if isinstance(value, str) else value
        return ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported problem."""

    code: str
    message: str
    severity: Severity
    confidence: Confidence
    location: Location
    fix: str = ""
    route: str | None = None
    """`METHOD /path` of the route concerned, if any."""
    symbol: str = ""
    """Handler or symbol the finding is about; part of the fingerprint."""
    fingerprint: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())
    fix_plan: FixPlan | None = None
    """The automatic fix, when the rule has the facts to write one (`apilint check --fix`)."""
    quiet: bool = False
    """Listed only when low confidence is asked for explicitly: a per-route finding on a route whose
    authentication apilint could not read (AUTH005 names the mechanism once instead)."""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Canonical order: file, line, column, code, message."""
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code, self.message)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem apilint had with the input or itself (not a finding about the code)."""

    code: str
    """`PARSE001` (file could not be parsed), `PARSE002` (file skipped), `INTERNAL` ..."""
    message: str
    location: Location
    internal: bool = False
    """True when apilint itself failed (a rule or adapter crashed): exit code 3."""
