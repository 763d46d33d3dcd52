"""Per-route readings: what the code shows for each step of one route, before findings.

Route facts come from the adapters (auth and authz evidence, rate and size limits, the
response model); body facts from the handler (`apilint.checklist.body`); app-level defaults
from `apilint.checklist.app_steps`. Where the rule families already judge a question (which
routes are public by design, which form the API, which move money), their helpers are used,
so that a cell and a finding never disagree about what a route is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from apilint.checklist.app_steps import AppReader, AppReadings
from apilint.checklist.body import FORM_ATTRS, BodyUse, body_use
from apilint.checklist.cells import ChecklistReadings, Reading, RouteReadings, met, not_applicable, unknown
from apilint.checklist.reach import callers
from apilint.checklist.steps import STEPS, Step
from apilint.class_facts import model_facts
from apilint.config import Config
from apilint.model import AuthStatus, Evidence, Finding, Location, ProjectFacts, Route, RouteMap
from apilint.project import ProjectIndex
from apilint.rule import RuleContext
from apilint.rules.auth._helpers import explicitly_permissive, is_public_by_design
from apilint.rules.authz._names import is_id_name, mentions_any, mentions_user, user_params
from apilint.rules.idem._helpers import is_money_mutation, route_has_key
from apilint.rules.log._helpers import calls_in, is_credential_endpoint, is_log_call, reachable
from apilint.rules.ver._helpers import is_api_route, unresolved, version_index, versioned_elsewhere
from apilint.summary import walk_exprs, walk_stmts

AUTHZ_KINDS = frozenset({"role", "object_permission", "ownership", "permission", "permission_class", "superuser",
                         "staff", "scope", "scopes"})
"""Route.authz evidence kinds that restrict who may reach the object."""
_ABORTS = frozenset({"abort", "HTTPException", "Http404", "PermissionDenied", "NotFound", "Forbidden",
                     "HttpResponseForbidden", "get_object_or_404"})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE", "WEBSOCKET"})


def handles_user_data(route: Route) -> bool:
    """A route that requires authentication or takes the ID of a stored object."""
    return route.auth.status is AuthStatus.REQUIRED or any(is_id_name(p) for p in route.path_params)


class RouteReader:
    """Reads every step of every route of a project."""

    def __init__(self, routes: RouteMap, facts: ProjectFacts, index: ProjectIndex, config: Config) -> None:
        self.ctx = RuleContext(routes, facts, index, config)
        self.apps = AppReader(facts, index)
        self.models = model_facts(index)
        self._elsewhere: bool | None = None
        self._negotiation: tuple[Evidence | None] | None = None
        self._readers: dict[Step, Callable[[Route, BodyUse, AppReadings], Reading]] = {
            Step.AUTHENTICATION: self.authentication,
            Step.AUTHORIZATION: self.authorization,
            Step.INPUT_VALIDATION: self.input_validation,
            Step.HTTPS: lambda r, b, a: a.https,
            Step.RATE_LIMITING: self.rate_limiting,
            Step.ERROR_HANDLING: lambda r, b, a: a.error_handling,
            Step.CONTENT_TYPE: self.content_type,
            Step.CORS: lambda r, b, a: a.cors,
            Step.REQUEST_SIZE: self.request_size,
            Step.VERSIONING: self.versioning,
            Step.SECURITY_LOGGING: self.security_logging,
            Step.IDEMPOTENCY: self.idempotency,
        }

    def read(self, route: Route) -> RouteReadings:
        """The 12 readings of one route."""
        body = body_use(route, self.models, self.ctx.module_of(route), self.ctx.handler(route))
        app = self.apps.readings(route.app)
        return tuple(self._readers[step](route, body, app) for step in STEPS)

    # --- 1 authentication ---------------------------------------------------------
    def authentication(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """`met` when the adapters found what authenticates the route."""
        auth = route.auth
        if auth.status is AuthStatus.REQUIRED:
            chosen = [e for e in auth.evidence if e.status is AuthStatus.REQUIRED] or list(auth.evidence)
            return met(*chosen)
        if route.framework == "graphql":
            return unknown("the GraphQL endpoint itself needs no authentication: each resolver must check the "
                           "caller (GQL003 reports mutations that do not)", *auth.evidence)
        if auth.status is AuthStatus.OPTIONAL:
            return unknown("authentication is optional: anonymous callers are served too", *auth.evidence)
        if auth.status is AuthStatus.UNKNOWN:
            what = "; ".join(e.describe() for e in auth.evidence[:2]) or "its protection"
            return unknown(f"apilint cannot tell whether {what} authenticates the caller", *auth.evidence)
        if is_public_by_design(route, self.ctx.config):
            return not_applicable("public by design (login, sign-up, password reset, health check, docs, static "
                                  "files or a configured public path)")
        if explicitly_permissive(route):
            declared = next((e for e in auth.evidence if e.status is AuthStatus.NONE), None)
            return not_applicable("declared public" + (f" ({declared.describe()})" if declared else ""))
        return unknown("nothing on the route, its routers or the app authenticates the caller")

    # --- 2 authorization ----------------------------------------------------------
    def authorization(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """`met` with role, permission or ownership evidence; `n/a` when authentication alone decides."""
        checks = [e for e in route.authz if e.kind in AUTHZ_KINDS or e.status is AuthStatus.REQUIRED]
        if checks:
            return met(*checks)
        if route.framework == "graphql":
            return unknown("GraphQL resolvers decide what each caller may read and change")
        if route.auth.status is not AuthStatus.REQUIRED:
            if route.auth.status is AuthStatus.NONE and (
                    is_public_by_design(route, self.ctx.config) or explicitly_permissive(route)):
                return not_applicable("public route: there is no caller to restrict")
            return unknown("no authenticated caller is established, so nothing restricts which objects they reach")
        ids = [p for p in route.path_params if is_id_name(p)]
        scoped = self._scoped_to_caller(route, ids) if ids else None
        if scoped is not None:
            return met(scoped)
        if ids:
            names = ", ".join(f"{{{p}}}" for p in ids)
            return unknown(f"takes an object ID ({names}) and no ownership, role or permission check was "
                           "recognised (a query scoped to the caller is not evidence apilint can show)")
        return not_applicable("takes no object ID and is not a privileged operation: authentication decides "
                              "access", needs_rules=True)

    def _scoped_to_caller(self, route: Route, ids: list[str]) -> Evidence | None:
        """A query of the handler that uses both the object ID and the caller, or a check of the
        loaded object against the caller that rejects."""
        func = self.ctx.handler(route)
        if func is None:
            return None
        users = user_params(func, set(ids))
        for stmt in walk_stmts(func.body):
            if stmt.kind == "if" and stmt.value is not None and mentions_user(stmt.value, users) and any(
                    s.kind == "raise" or (s.kind in ("return", "expr") and s.value is not None
                                          and any(c.func.text in _ABORTS for c in s.value.calls()))
                    for s in stmt.body):
                return Evidence("ownership", "check against the caller", detail=stmt.value.render(60),
                                location=Location(_handler_file(route), stmt.line))
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if mentions_any(call, set(ids)) and mentions_user(call, users):
                        return Evidence("ownership", "query scoped to the caller", detail=call.render(60),
                                        location=Location(_handler_file(route), stmt.line))
        return None

    # --- 3 input validation -------------------------------------------------------
    def input_validation(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """`met` when a schema, serializer, form or validator checks the body."""
        if route.framework == "graphql":
            return met(Evidence("graphql", "schema", detail="GraphQL checks arguments against the schema's types",
                                location=route.location))
        if route.framework == "connexion" and body.takes_body is not False:
            return met(Evidence("openapi", "connexion", detail="connexion validates request bodies against the "
                                "OpenAPI specification", location=route.location))
        if body.takes_body is False:
            return not_applicable("takes no request body (path and query values are followed into SQL, shells "
                                  "and files by the injection rules)")
        if body.takes_body is None:
            return unknown("the handler is not in the analyzed code")
        if body.schemas:
            return met(*body.schemas[:3])
        if body.form_params:
            return met(Evidence("form", ", ".join(body.form_params[:4]), detail="typed form fields",
                                location=route.location))
        if route.framework == "drf" and route.response_model:
            return met(Evidence("serializer", route.response_model, detail="DRF validates the body with the view's "
                                "serializer", location=route.location))
        if body.dict_params:
            return unknown(f"the body is taken as a bare mapping (`{body.dict_params[0]}`): nothing checks its "
                           "fields")
        if body.reads:
            attr, line = min(body.reads.items(), key=lambda kv: kv[1])
            return unknown(f"reads `request.{attr}` (line {line}) and no schema or validator checks it")
        return unknown("no schema for the request body was recognised")

    # --- 5 rate limiting ----------------------------------------------------------
    def rate_limiting(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """The route's own limit, else the app's default."""
        if route.rate_limit:
            return met(*route.rate_limit)
        return app.rate_limiting

    # --- 7 content type -----------------------------------------------------------
    def content_type(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """`met` when only the expected media types are parsed as the body."""
        if route.framework == "graphql":
            return unknown("GraphQL servers accept several content types; check the server's settings")
        if body.takes_body is False:
            return not_applicable("takes no request body")
        if body.takes_body is None:
            return unknown("the handler is not in the analyzed code")
        if body.forced_json:
            return unknown(f"`get_json(force=True)` (line {body.forced_json}) parses any Content-Type as JSON")
        if body.content_type_check:
            return met(Evidence("check", "Content-Type", detail="the handler checks the request's Content-Type",
                                location=Location(_handler_file(route), body.content_type_check)))
        framework = route.framework
        reads = set(body.reads)
        where = route.location
        if framework == "drf":
            return met(Evidence("framework", "rest_framework parsers", detail="DRF picks a parser by Content-Type "
                                "and answers 415 to others", location=where))
        if framework == "fastapi" and (body.schemas or body.dict_params) and not reads & {"body", "json"}:
            return met(Evidence("framework", "FastAPI", detail="parses a JSON body only when Content-Type is "
                                "application/json (or +json)", location=where))
        if body.form_params and not reads - FORM_ATTRS:
            return met(Evidence("framework", route.framework, detail="form fields are parsed only from form "
                                "content types", location=where))
        if framework in ("flask", "connexion") and reads and reads <= {"json", "get_json", "form", "files"}:
            detail = ("`request.get_json()` and `request.json` answer 415 to bodies that are not JSON (Flask 2.1+)"
                      if reads & {"json", "get_json"} else "")
            if reads & FORM_ATTRS:
                detail += ("; " if detail else "") + "`request.form` and `request.files` parse only form content types"
            return met(Evidence("framework", "flask.request", detail=detail, location=where))
        if framework == "django" and reads and reads <= {"POST", "FILES"}:
            return met(Evidence("framework", "django.http.HttpRequest", detail="`request.POST` and `request.FILES` "
                                "are parsed only from form content types", location=where))
        if reads & {"body", "data", "get_data", "json", "stream"}:
            attr = sorted(reads & {"body", "data", "get_data", "json", "stream"})[0]
            return unknown(f"`request.{attr}` is parsed whatever the request's Content-Type")
        return unknown(f"apilint does not know how {framework} checks this body's Content-Type")

    # --- 9 request size -----------------------------------------------------------
    def request_size(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """The route's own limit, else the app's default; `n/a` without a body."""
        if route.framework == "graphql":
            limits = [e for g in self.ctx.facts.graphql if g.path == route.path for e in g.limits]
            if limits:
                return met(*limits)
            return unknown("no query depth or cost limit on the GraphQL endpoint")
        if route.size_limit:
            return met(*route.size_limit)
        if body.takes_body is False:
            return not_applicable("takes no request body")
        return app.request_size

    # --- 10 versioning ------------------------------------------------------------
    def versioning(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """`met` with a version in the path or version negotiation; `n/a` off the API."""
        if route.framework == "graphql":
            return not_applicable("GraphQL evolves its schema instead of versioning paths")
        if not is_api_route(route):
            return not_applicable("not an API route (a page, docs, health check or static file)")
        index = version_index(route)
        if index is not None:
            segment = [s for s in route.path.split("/") if s][index]
            return met(Evidence("path", segment, detail="version segment in the path", location=route.location))
        if unresolved(route):
            return unknown("part of the path could not be read; it may carry the version")
        negotiated = self._negotiated_version()
        if negotiated is not None:
            return met(negotiated)
        if self._elsewhere is None:
            self._elsewhere = versioned_elsewhere(self.ctx)
        if self._elsewhere:
            return unknown("no version in the path; the project mentions version negotiation (or has a path "
                           "prefix apilint could not read) that apilint cannot tie to this route")
        return unknown("no version in the path")

    def _idempotency_middleware(self, app_name: str) -> Evidence | None:
        return _middleware_named(self.ctx.facts, app_name, "idempot", "idempotency middleware")

    def _negotiated_version(self) -> Evidence | None:
        """Version negotiation outside the path, found once per project: DRF's versioning class
        (default or on a view), a version header read by name, a versioning library."""
        if self._negotiation is None:
            self._negotiation = (_version_negotiation(self.ctx),)
        return self._negotiation[0]

    # --- 11 security logging ------------------------------------------------------
    def security_logging(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """Credential endpoints that log; otherwise the app's logging configuration."""
        if is_credential_endpoint(route):
            for mod, func in reachable(self.ctx, route):
                for call in calls_in(func):
                    if is_log_call(call):
                        return met(Evidence("logging", call.func.dotted or call.render(40),
                                            detail="the credential check logs", location=Location(mod.path, func.line)))
        return app.security_logging

    # --- 12 idempotency -----------------------------------------------------------
    def idempotency(self, route: Route, body: BodyUse, app: AppReadings) -> Reading:
        """`n/a` for idempotent methods; `met` with an idempotency key or middleware."""
        if route.method in _IDEMPOTENT_METHODS:
            return not_applicable(f"{route.method} is idempotent by HTTP semantics")
        if route.framework == "graphql":
            return unknown("GraphQL mutations need idempotency keys of their own")
        if route.auth.status is AuthStatus.NONE and is_public_by_design(route, self.ctx.config):
            return not_applicable("an authentication flow: repeating it is harmless")
        if route_has_key(self.ctx, route):
            return met(Evidence("idempotency_key", route.handler, detail="the route takes an idempotency key or "
                                "de-duplicates", location=route.location))
        middleware = self._idempotency_middleware(route.app)
        if middleware is not None:
            return met(middleware)
        if route.method == "ANY" and body.takes_body is False:
            return not_applicable("reads no request body: the view only reads")
        if is_money_mutation(route):
            return unknown("creates a payment or order without an idempotency key: a retried request repeats it")
        return unknown("no idempotency key: a retried request repeats the change (IDEM001 reports only payments "
                       "and orders)")


_VERSION_HEADERS = frozenset({"accept-version", "api-version", "x-api-version", "x-version"})
_VERSIONING_LIBRARIES = ("fastapi_versioning", "versionedfastapi", "versioned_api", "flask_versioning")


def _version_negotiation(ctx: RuleContext) -> Evidence | None:
    setting = ctx.facts.setting("REST_FRAMEWORK.DEFAULT_VERSIONING_CLASS")
    if setting is not None:
        return Evidence("setting", setting.name, detail=setting.value, location=setting.location)
    for mod in ctx.index:
        if not any(mod.mentions(w) for w in ("versioning_class", "accept-version", "api-version", "x-api-version",
                                              "x-version", *_VERSIONING_LIBRARIES)):
            continue
        for imp in mod.imports:
            if any(lib in f"{imp.module}.{imp.name or ''}".lower() for lib in _VERSIONING_LIBRARIES):
                return Evidence("library", imp.module, detail="a versioning library", location=Location(mod.path,
                                                                                                       imp.line))
        for stmt, expr in walk_exprs(mod.body, into_defs=True):
            if (expr.kind == "str" and expr.text.lower() in _VERSION_HEADERS) or (
                    stmt.kind == "assign" and any(t.text == "versioning_class" for t in stmt.targets)):
                what = expr.text if expr.kind == "str" else "versioning_class"
                return Evidence("versioning", what, detail="version negotiated outside the path",
                                location=Location(mod.path, stmt.line))
    return None


def _middleware_named(facts: ProjectFacts, app_name: str, word: str, detail: str) -> Evidence | None:
    """Middleware of the app (of any app when the route's is unknown) whose name contains `word`."""
    for app in facts.apps:
        if app.name == app_name or not app_name:
            for name in app.middleware:
                if word in name.rsplit(".", 1)[-1].lower():
                    return Evidence("middleware", name, detail=detail, location=app.location)
    return None


def _handler_file(route: Route) -> str:
    return route.handler_ref.file if route.handler_ref is not None else route.location.file


def read_checklist(routes: RouteMap, facts: ProjectFacts, index: ProjectIndex, config: Config,
                   findings: Iterable[Finding] = ()) -> ChecklistReadings:
    """The readings of every route, in route-map order, and which routes reach the functions
    that findings without a route name."""
    reader = RouteReader(routes, facts, index, config)
    return ChecklistReadings(tuple(reader.read(route) for route in routes), callers(reader.ctx, findings))


__all__ = ["AUTHZ_KINDS", "RouteReader", "handles_user_data", "read_checklist"]
