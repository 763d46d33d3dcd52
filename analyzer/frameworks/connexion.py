"""connexion: routes come from the OpenAPI/Swagger document passed to `add_api(...)`.

The spec is read from disk at link time (non-Python files are not summarized): relative to
the app module's folder and its `specification_dir`, never outside the project root, with a
size limit. Each operation becomes a route whose handler is `operationId` (joined to
`x-openapi-router-controller` when given); the spec's `security` (global or per operation,
`[]` = public) is the route's auth evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from apilint.body_auth import body_auth, body_checks_role
from apilint.config import Config
from apilint.frameworks.base import LinkOutput, imports_any
from apilint.frameworks.common import join_paths, normalize_path
from apilint.frameworks.flask_auth import FlaskAuth, Judgement, strongest
from apilint.frameworks.flask_emit import handler_issues_credentials
from apilint.model import AppFact, AuthEvidence, AuthStatus, Diagnostic, Evidence, HandlerRef, Location, Route
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Scope

APP_CLASSES = frozenset({"connexion.App", "connexion.FlaskApp", "connexion.AsyncApp",
                         "connexion.apps.flask_app.FlaskApp", "connexion.apps.flask.FlaskApp"})
API_CLASSES = frozenset({"connexion.FlaskApi", "connexion.apis.FlaskApi", "connexion.apis.flask_api.FlaskApi"})
"""An API built on its own and registered on a Flask app as a blueprint (`FlaskApi(spec).blueprint`)."""
SPEC_SUFFIXES = (".yaml", ".yml", ".json")
MAX_SPEC_BYTES = 4 * 1024 * 1024
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
INFO_FUNCS = {"bearer": "x-bearerInfoFunc", "basic": "x-basicInfoFunc", "apiKey": "x-apikeyInfoFunc",
              "oauth2": "x-tokenInfoFunc"}


@dataclass
class _App:
    key: str
    mod: ModuleSummary
    line: int
    spec_dir: str


class SpecError(Exception):
    """The spec could not be found, read or parsed."""


class ConnexionAdapter:
    """Routes of connexion apps, from their OpenAPI documents."""

    name = "connexion"

    def detect(self, index: ProjectIndex) -> bool:
        """True when some module imports connexion."""
        return imports_any(index, ("connexion",))

    def link(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        """Find connexion apps and their `add_api` calls; read each spec."""
        apps: dict[str, _App] = {}
        for mod in index:
            for scope, stmt in _statements(mod.body, ""):
                if stmt.kind != "assign" or stmt.value is None or stmt.value.kind != "call":
                    continue
                if index.qualify_expr(mod, stmt.value.func) not in APP_CLASSES:
                    continue
                spec_dir = index.const_str(mod, stmt.value.kwarg("specification_dir")) or _literal_tail(
                    stmt.value.kwarg("specification_dir"))
                for target in stmt.targets:
                    if target.kind == "name":
                        key = f"{mod.module}.{scope}{target.text}"
                        apps[key] = _App(key, mod, stmt.line, spec_dir)
                        out.apps.append(AppFact("connexion", key, Location(mod.path, stmt.line)))
        reader = _SpecReader(index, config, out)
        for mod in index:
            if not mod.mentions("add_api") and not mod.mentions("flaskapi"):
                continue
            for scope, stmt in _statements(mod.body, ""):
                for expr in stmt.own_exprs():
                    for call in expr.calls():
                        if call.func.kind == "attr" and call.func.text == "add_api":
                            app = _resolve_app(index, mod, call.func.args[0], scope, apps)
                            if app is not None:
                                reader.add_api(app, mod, call, stmt.line, _function_of(mod, scope))
                        elif index.qualify_expr(mod, call.func) in API_CLASSES:
                            key = f"{mod.module}.{scope}<FlaskApi@{stmt.line}>"
                            app = _App(key, mod, stmt.line, "")
                            out.apps.append(AppFact("connexion", key, Location(mod.path, stmt.line)))
                            reader.add_api(app, mod, call, stmt.line, _function_of(mod, scope))


def _statements(body: tuple[Stmt, ...], scope: str) -> list[tuple[str, Stmt]]:
    out: list[tuple[str, Stmt]] = []
    for stmt in walk_stmts(body):
        out.append((scope, stmt))
        if stmt.func is not None:
            out += _statements(stmt.func.body, f"{scope}{stmt.func.name}.<locals>.")
    return out


def _function_of(mod: ModuleSummary, scope: str) -> FunctionDef | None:
    """The function a `_statements` scope (`outer.<locals>.inner.<locals>.`) names, if any."""
    if not scope:
        return None
    names = [n for n in scope.split(".") if n and n != "<locals>"]
    body = mod.body
    found: FunctionDef | None = None
    for name in names:
        found = next((s.func for s in walk_stmts(body) if s.func is not None and s.func.name == name), None)
        if found is None:
            return None
        body = found.body
    return found


def _resolve_app(index: ProjectIndex, mod: ModuleSummary, expr: Expr, scope: str, apps: dict[str, _App]) -> _App | None:
    dotted = expr.dotted
    if dotted is None:
        return None
    local = f"{mod.module}.{scope}{dotted}"
    if local in apps:
        return apps[local]
    symbol = index.resolve(mod, expr)
    return apps.get(symbol.qualname) if symbol is not None else None


def _literal_tail(expr: Expr | None) -> str:
    """`os.path.join(os.path.dirname(__file__), "openapi")` -> `openapi` (string parts joined)."""
    if expr is None:
        return ""
    parts = [e.text for e in expr.walk() if e.kind == "str"]
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


class _SpecReader:
    def __init__(self, index: ProjectIndex, config: Config, out: LinkOutput) -> None:
        self.index = index
        self.root = config.root.resolve()
        self.out = out
        self.auth = FlaskAuth(index, config)

    def add_api(self, app: _App, mod: ModuleSummary, call: Expr, line: int, func: FunctionDef | None = None) -> None:
        where = Location(mod.path, line)
        scope = Scope(mod, func) if func is not None else None
        spec_expr = call.arg(0, "specification")
        name = self.index.values.string(mod, spec_expr, scope) if spec_expr is not None else None
        try:
            if name is None:
                found = self._spec_read_by_hand(mod, func)
                if found is None:
                    self._diagnose(where, f"cannot tell which OpenAPI document is served: {call.render(60)}")
                    return
                rel, text, spec = found
                name = rel
            else:
                rel, text, spec = self._load(app, name)
        except SpecError as exc:
            self._diagnose(where, f"cannot read the OpenAPI document '{name}': {exc}")
            return
        base_expr = call.kwarg("base_path")
        base = self.index.values.string(mod, base_expr, scope) if base_expr is not None else None
        if base is None:
            base = _base_path(spec)
        resolver = call.kwarg("resolver")
        resty = None
        if resolver is not None and resolver.kind == "call" and (resolver.func.dotted or "").endswith("RestyResolver"):
            resty = self.index.const_str(mod, resolver.arg(0, "default_module_name"))
        schemes = _schemes(spec)
        global_security = spec.get("security")
        paths = spec.get("paths")
        if not isinstance(paths, dict):
            self._diagnose(where, f"'{name}' has no paths")
            return
        for spec_path, item in paths.items():
            if not isinstance(item, dict) or not isinstance(spec_path, str):
                continue
            for method in OPERATIONS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                controller = op.get("x-openapi-router-controller") or item.get("x-openapi-router-controller") or \
                    op.get("x-swagger-router-controller") or item.get("x-swagger-router-controller")
                self._route(app, rel, text, base, spec_path, method, op, controller, resty, schemes,
                            global_security)

    def _spec_read_by_hand(self, mod: ModuleSummary,
                           func: FunctionDef | None) -> tuple[str, str, dict[str, Any]] | None:
        """A spec the code opens and parses itself (`with ROOT.joinpath("api", "openapi", "v1.yaml").open()
        as f: spec = safe_load(f)`): the file whose path ends with the literal parts naming it."""
        body = func.body if func is not None else mod.body
        for stmt in walk_stmts(body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    parts = [a.text for a in call.positional if a.kind == "str"]
                    if not parts or not parts[-1].endswith(SPEC_SUFFIXES):
                        continue
                    tail = "/".join(p.strip("/") for p in parts if p.strip("/"))
                    found = self._find_by_tail(tail)
                    if found is not None:
                        return self._read(found)
        return None

    def _find_by_tail(self, tail: str) -> Path | None:
        """The one file under the root whose path ends with `tail` (skipping hidden and vendored folders)."""
        name = tail.rsplit("/", 1)[-1]
        matches = []
        for candidate in sorted(self.root.rglob(name)):
            rel = candidate.relative_to(self.root).as_posix()
            if any(part.startswith(".") or part in ("node_modules", "site-packages") for part in rel.split("/")):
                continue
            if rel == tail or rel.endswith("/" + tail):
                matches.append(candidate)
            if len(matches) > 1:
                return None
        return matches[0] if matches else None

    def _load(self, app: _App, name: str) -> tuple[str, str, dict[str, Any]]:
        module_dir = PurePosixPath(app.mod.path).parent
        candidates = [self.root / str(module_dir) / app.spec_dir / name, self.root / app.spec_dir / name]
        for candidate in candidates:
            try:
                resolved = candidate.resolve()
            except OSError:
                continue
            if not resolved.is_relative_to(self.root):
                raise SpecError("it is outside the project root")
            if resolved.is_file():
                break
        else:
            raise SpecError("file not found")
        return self._read(resolved)

    def _read(self, resolved: Path) -> tuple[str, str, dict[str, Any]]:
        """Read and parse one spec file inside the root (YAML through `safe_load` only)."""
        resolved = resolved.resolve()
        if not resolved.is_relative_to(self.root):
            raise SpecError("it is outside the project root")
        if resolved.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(f"larger than {MAX_SPEC_BYTES // (1024 * 1024)} MB")
        self.out.inputs.add(str(resolved))
        try:
            text = resolved.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(str(exc)) from None
        try:
            if resolved.suffix == ".json":
                data = json.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text)
        except Exception as exc:  # yaml.YAMLError, json.JSONDecodeError, RecursionError
            problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SpecError(f"invalid document: {problem}") from None
        if not isinstance(data, dict):
            raise SpecError("not a mapping at the top level")
        return resolved.relative_to(self.root).as_posix(), text, data

    def _diagnose(self, where: Location, message: str) -> None:
        self.out.diagnostics.append(Diagnostic("PARSE002", message, where))

    def _route(self, app: _App, rel: str, text: str, base: str, spec_path: str, method: str, op: dict[str, Any],
               controller: Any, resty: str | None, schemes: dict[str, Any], global_security: Any) -> None:
        op_id = op.get("operationId")
        handler = ""
        if isinstance(op_id, str):
            handler = f"{controller}.{op_id}" if isinstance(controller, str) and controller else op_id
        elif resty:
            handler = _resty_handler(resty, spec_path, method)
        symbol = self.index.lookup(handler) if handler else None
        spec_loc = Location(rel, _line_of(text, op_id if isinstance(op_id, str) else spec_path))
        security = op.get("security", global_security)
        status, evidence, authz = self._security(security, "security" in op, schemes, spec_loc)
        judged = Judgement()
        loc = spec_loc
        ref = None
        deps: list[str] = []
        if symbol is not None and symbol.func is not None:
            loc = Location(symbol.module.path, symbol.func.line)
            ref = HandlerRef(symbol.module.path, symbol.func.qualname)
            handler = f"{symbol.module.module}.{symbol.func.qualname}"
            for dec in symbol.func.decorators:
                target = dec.expr.func if dec.expr.kind == "call" else dec.expr
                deps.append(self.index.qualify_expr(symbol.module, target) or target.render(40))
                judged.merge(self.auth.decorator(symbol.module, dec.expr, loc))
            if judged.status is not None:
                status = strongest([status, judged.status]) or status
            elif status is not AuthStatus.REQUIRED and not handler_issues_credentials(symbol.func):
                body = self.auth.body_status(symbol.module, symbol.func)
                if body is not None:
                    status = strongest([status, body]) or status
                    evidence.append(Evidence("handler", handler, body, "checks credentials in the handler body",
                                             loc))
            check = body_checks_role(symbol.func)
            if check is not None:
                authz.append(Evidence("role", handler, AuthStatus.REQUIRED, check.text, loc, check.roles))
        elif handler and status is not AuthStatus.REQUIRED:
            # the spec lets callers in, but the handler (which may check credentials itself) is unread
            status = AuthStatus.UNKNOWN
            evidence.append(Evidence("handler", handler, AuthStatus.UNKNOWN, self._unread_handler(handler), spec_loc))
        full = join_paths(base, spec_path)
        path, params = normalize_path(full)
        self.out.routes.append(Route(
            framework="connexion",
            method=method.upper(),
            path=path,
            raw_path=full,
            handler=handler or "<unresolved operation>",
            location=loc,
            handler_ref=ref,
            path_params=params,
            auth=AuthEvidence(status, tuple(dict.fromkeys(evidence + judged.evidence))),
            authz=tuple(dict.fromkeys(authz + judged.authz)),
            dependencies=tuple(deps),
            rate_limit=tuple(judged.rate_limit),
            group=app.key,
            app=app.key,
        ))
        self.out.frameworks.add("connexion")

    def _unread_handler(self, handler: str) -> str:
        """Why an operation's handler cannot be read: its module is not analyzed, or it is not found there."""
        parts = handler.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if self.index.module(module) is not None:
                return (f"handler not found in module {module}: it may check credentials itself, "
                        "apilint cannot tell")
        return ("the handler's module is outside the analyzed code: it may check credentials itself, "
                "apilint cannot tell")

    def _security(self, security: Any, own: bool, schemes: dict[str, Any],
                  loc: Location) -> tuple[AuthStatus, list[Evidence], list[Evidence]]:
        where = "operation security" if own else "global security"
        if not isinstance(security, list) or not security:
            detail = "security: [] declares the operation public" if isinstance(security, list) else "no security"
            return AuthStatus.NONE, [Evidence("openapi_security", "[]", AuthStatus.NONE, detail, loc)], []
        alternatives: list[AuthStatus] = []
        evidence: list[Evidence] = []
        authz: list[Evidence] = []
        for requirement in security:
            if not isinstance(requirement, dict) or not requirement:
                alternatives.append(AuthStatus.OPTIONAL)
                evidence.append(Evidence("openapi_security", "{}", AuthStatus.OPTIONAL,
                                         f"{where} allows anonymous callers", loc))
                continue
            statuses: list[AuthStatus] = []
            for scheme_name, scopes in requirement.items():
                status, detail = self._scheme(str(scheme_name), schemes)
                statuses.append(status)
                evidence.append(Evidence("openapi_security", str(scheme_name), status, f"{where}; {detail}", loc))
                if isinstance(scopes, list) and scopes:
                    authz.append(Evidence("scopes", ",".join(str(s) for s in scopes), AuthStatus.REQUIRED, where,
                                          loc))
            alternatives.append(strongest(statuses) or AuthStatus.UNKNOWN)
        # any alternative lets a request in: the weakest one decides
        for weakest in (AuthStatus.OPTIONAL, AuthStatus.UNKNOWN, AuthStatus.REQUIRED):
            if weakest in alternatives:
                return weakest, evidence, authz
        return AuthStatus.UNKNOWN, evidence, authz

    def _scheme(self, name: str, schemes: dict[str, Any]) -> tuple[AuthStatus, str]:
        scheme = schemes.get(name)
        if not isinstance(scheme, dict):
            return AuthStatus.UNKNOWN, f"scheme '{name}' is not defined in the document"
        kind = str(scheme.get("type", ""))
        key = INFO_FUNCS.get(str(scheme.get("scheme", "")).lower() if kind == "http" else kind, "")
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            key = INFO_FUNCS["basic"]
        func = scheme.get(key) if key else None
        if kind == "oauth2" and func is None and scheme.get("x-tokenInfoUrl"):
            return AuthStatus.REQUIRED, "validated by x-tokenInfoUrl"
        if not isinstance(func, str):
            missing = key or "a security handler"
            return AuthStatus.UNKNOWN, (f"{kind or 'unknown'} scheme '{name}' has no {missing}: connexion does not "
                                        "check it unless the matching *_INFO_FUNC environment variable is set")
        symbol = self.index.lookup(func)
        if symbol is None or symbol.func is None:
            return AuthStatus.REQUIRED, f"validated by {key} {func}, defined outside the project"
        if body_auth(self.index, symbol.module, symbol.func) is AuthStatus.REQUIRED:
            return AuthStatus.REQUIRED, f"validated by {key} {func}, which rejects bad credentials"
        return AuthStatus.REQUIRED, (f"validated by {key} {func}, a function apilint cannot judge "
                                     "(it must return None or raise for bad credentials)")


def _schemes(spec: dict[str, Any]) -> dict[str, Any]:
    components = spec.get("components")
    if isinstance(components, dict) and isinstance(components.get("securitySchemes"), dict):
        return dict(components["securitySchemes"])
    definitions = spec.get("securityDefinitions")
    return dict(definitions) if isinstance(definitions, dict) else {}


def _base_path(spec: dict[str, Any]) -> str:
    servers = spec.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        url = str(servers[0].get("url", ""))
        path = urlparse(url).path if "://" in url else url
        return path.rstrip("/")
    base = spec.get("basePath")
    return base.rstrip("/") if isinstance(base, str) else ""


def _resty_handler(default_module: str, spec_path: str, method: str) -> str:
    parts = [p for p in spec_path.strip("/").split("/") if p and not p.startswith("{")]
    resource = parts[-1].replace("-", "_") if parts else ""
    if not resource:
        return ""
    is_collection = not spec_path.rstrip("/").endswith("}")
    name = "search" if method == "get" and is_collection else method
    return f"{default_module}.{resource}.{name}"


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line and ("operationId" in line or line.strip().rstrip(":").strip("'\"") == needle):
            return number
    return 1


__all__ = ["ConnexionAdapter", "SpecError"]
