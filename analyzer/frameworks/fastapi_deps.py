"""FastAPI dependencies: what `Depends(...)`/`Security(...)` chains, security schemes and
project dependency functions and classes say about authentication and roles."""

from __future__ import annotations

from dataclasses import dataclass

from apilint.config import Config
from apilint.frameworks.common import body_auth, body_checks_role
from apilint.model import AuthStatus, Evidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary

SECURITY_SCHEMES = frozenset({
    "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "HTTPBearer", "HTTPBasic",
    "HTTPDigest", "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "OpenIdConnect", "HTTPBase",
})
DEPENDS = ("Depends", "Security")
AUTHISH = ("user", "auth", "token", "login", "verify", "current", "jwt", "api_key", "apikey", "admin",
           "permission", "principal", "session", "credential", "secure", "protect", "require")
ROLEISH = ("admin", "superuser", "staff", "role", "permission", "scope", "owner_or_admin")

Judged = tuple[AuthStatus | None, list[Evidence], list[Evidence]]
"""(auth status or None when the dependency says nothing about auth, auth evidence, role evidence)."""


@dataclass
class Dep:
    """One dependency on the way to a handler: the `Depends(...)` target, where it is declared."""

    expr: Expr | None
    mod: ModuleSummary
    where: str
    line: int
    scopes: tuple[str, ...] = ()
    annotation: Expr | None = None


class DependencyJudge:
    """Judges FastAPI dependencies (memoized per dependency and arguments)."""

    def __init__(self, index: ProjectIndex, config: Config) -> None:
        self.index = index
        self.config = config
        self._cache: dict[str, Judged] = {}

    def dep_list(self, mod: ModuleSummary, expr: Expr | None, where: str, line: int) -> list[Dep]:
        """The `Depends(...)` items of a `dependencies=[...]` list (a literal, a constant, a factory's list)."""
        if expr is None:
            return []
        out = []
        for owner, item in self.index.values.element_exprs(mod, expr):
            dep = self.as_dep(owner, item, None, where, line)
            if dep is not None:
                out.append(dep)
        return out

    def as_dep(self, mod: ModuleSummary, expr: Expr, annotation: Expr | None, where: str, line: int) -> Dep | None:
        """A `Depends(x)`/`Security(x, scopes=[...])` call as a dependency, else None."""
        if expr.kind != "call":
            return None
        callee = self.index.qualify_expr(mod, expr.func) or ""
        short = callee.rsplit(".", 1)[-1]
        if short not in DEPENDS:
            return None
        scopes: tuple[str, ...] = ()
        scopes_expr = expr.kwarg("scopes")
        if scopes_expr is not None and scopes_expr.kind in ("list", "tuple"):
            scopes = tuple(e.text for e in scopes_expr.args if e.kind == "str")
        return Dep(expr.arg(0, "dependency"), mod, where, line, scopes, annotation)

    def param_deps(self, mod: ModuleSummary, func: FunctionDef, where: str) -> list[Dep]:
        """Dependencies declared by a function's parameters (defaults and `Annotated[...]`)."""
        out = []
        for param in func.params:
            if param.default is not None:
                dep = self.as_dep(mod, param.default, param.annotation, where, func.line)
                if dep is not None:
                    out.append(dep)
                    continue
            if param.annotation is not None:
                out += self.annotated_deps(mod, param.annotation, where, func.line, 0)
        return out

    def annotated_deps(self, mod: ModuleSummary, ann: Expr, where: str, line: int, depth: int) -> list[Dep]:
        """Dependencies in an `Annotated[T, Depends(x)]` annotation, through aliases in any module."""
        if depth > 4:
            return []
        if ann.kind == "subscript" and (ann.args[0].dotted or "").endswith("Annotated"):
            out = []
            for meta in ann.args[2:]:
                dep = self.as_dep(mod, meta, ann.args[1] if len(ann.args) > 1 else None, where, line)
                if dep is not None:
                    out.append(dep)
            return out
        if ann.kind in ("name", "attr"):
            symbol = self.index.resolve(mod, ann)
            if symbol is not None and symbol.value is not None and symbol.value.kind == "subscript":
                return self.annotated_deps(symbol.module, symbol.value, f"{where} via {ann.render(40)}", line,
                                            depth + 1)
        return []

    def dep_auth(self, dep: Dep, depth: int = 0) -> tuple[AuthStatus | None, list[Evidence], list[Evidence]]:
        """(status, auth evidence, authz evidence) of one dependency."""
        target = dep.expr
        mod = dep.mod
        if target is None:  # Depends() with the annotation as the dependency
            target = dep.annotation
        if target is None:
            return None, [], []
        loc = Location(mod.path, dep.line)
        authz: list[Evidence] = []
        if dep.scopes:
            authz.append(Evidence("scopes", ",".join(dep.scopes), AuthStatus.REQUIRED, dep.where, loc))
        call_args: Expr | None = None
        if target.kind == "call":
            call_args = target
            target = target.func
        qualified = self.index.qualify_expr(mod, target) or target.render(40)
        cache_key = f"{qualified}|{call_args.render(60) if call_args else ''}"
        if cache_key not in self._cache:
            self._cache[cache_key] = ((None, [], []) if depth > 5
                                          else self._judge(mod, target, call_args, qualified, loc, dep, depth))
        status, evidence, more_authz = self._cache[cache_key]
        return status, evidence, authz + more_authz

    def _judge(self, mod: ModuleSummary, target: Expr, call_args: Expr | None, qualified: str,
                   loc: Location, dep: Dep, depth: int) -> tuple[AuthStatus | None, list[Evidence], list[Evidence]]:
        short = qualified.rsplit(".", 1)[-1]
        authz: list[Evidence] = []
        if self._configured(qualified, self.config.auth_dependencies):
            return AuthStatus.REQUIRED, [Evidence("dependency", qualified, AuthStatus.REQUIRED, "configured", loc)], []
        if self._configured(qualified, self.config.auth_optional_dependencies):
            return AuthStatus.OPTIONAL, [Evidence("dependency", qualified, AuthStatus.OPTIONAL, "configured", loc)], []
        if self._configured(qualified, self.config.roles_helpers):
            authz.append(Evidence("role", qualified, AuthStatus.REQUIRED, "configured role check", loc))
        if call_args is not None and short in ("current_user", "current_active_user"):
            optional = call_args.kwarg("optional")
            status = AuthStatus.OPTIONAL if optional is not None and optional.is_true else AuthStatus.REQUIRED
            superuser = call_args.kwarg("superuser")
            if superuser is not None and superuser.is_true:
                authz.append(Evidence("role", qualified, status, "superuser=True", loc))
            return status, [Evidence("dependency", qualified, status, "fastapi-users current_user", loc)], authz
        symbol = self.index.lookup(qualified)
        if symbol is None:
            if short in SECURITY_SCHEMES:
                return self._scheme(qualified, call_args, loc)
            if qualified.startswith(("fastapi.", "starlette.", "pydantic.", "sqlalchemy.", "sqlmodel.")):
                return None, [], authz  # framework helpers (request forms, sessions) do not authenticate
            if any(w in short.lower() for w in AUTHISH):
                ev = Evidence("dependency", qualified, AuthStatus.UNKNOWN, "defined outside the project", loc)
                return AuthStatus.UNKNOWN, [ev], authz
            return None, [], authz
        if symbol.value is not None and symbol.value.kind == "call":
            # module-level instance: oauth2_scheme = OAuth2PasswordBearer(...), auth = JWTBearer()
            inner_q = self.index.qualify_expr(symbol.module, symbol.value.func) or ""
            inner_short = inner_q.rsplit(".", 1)[-1]
            if inner_short in SECURITY_SCHEMES and self.index.lookup(inner_q) is None:
                return self._scheme(qualified, symbol.value, loc)
            if inner_short in ("current_user", "current_active_user"):
                return self._judge(symbol.module, symbol.value.func, symbol.value, inner_q, loc, dep, depth)
            cls_symbol = self.index.lookup(inner_q)
            if cls_symbol is not None and cls_symbol.cls is not None:
                return self._class_dep(cls_symbol, symbol.value, loc, dep, depth)
            return None, [], authz
        if symbol.cls is not None:
            return self._class_dep(symbol, call_args, loc, dep, depth)
        if symbol.func is not None:
            judged, evidence, more = self._function_dep(symbol, loc, dep, depth)
            return judged, evidence, authz + more
        return None, [], authz

    def _scheme(self, qualified: str, call: Expr | None,
                loc: Location) -> tuple[AuthStatus, list[Evidence], list[Evidence]]:
        auto_error = call.kwarg("auto_error") if call is not None else None
        status = AuthStatus.OPTIONAL if auto_error is not None and auto_error.text == "False" else AuthStatus.REQUIRED
        detail = "security scheme" + (" with auto_error=False" if status is AuthStatus.OPTIONAL else "")
        return status, [Evidence("security_scheme", qualified, status, detail, loc)], []

    def _class_dep(self, symbol: Symbol, call: Expr | None, loc: Location, dep: Dep,
                   depth: int) -> tuple[AuthStatus | None, list[Evidence], list[Evidence]]:
        assert symbol.cls is not None
        bases = self.index.base_names(symbol)
        if any(b.rsplit(".", 1)[-1] in SECURITY_SCHEMES for b in bases):
            auto_error = call.kwarg("auto_error") if call is not None else None
            optional = auto_error is not None and auto_error.text == "False"
            status = AuthStatus.OPTIONAL if optional else AuthStatus.REQUIRED
            authz = self.role_evidence(symbol.module, symbol.cls.method("__call__"), symbol.qualname, loc)
            return status, [Evidence("security_scheme", symbol.qualname, status, "subclass of a security scheme",
                                     loc)], authz
        method = symbol.cls.method("__call__") if call is not None else symbol.cls.method("__init__")
        if method is None:
            return None, [], []
        return self._function_dep(Symbol(f"{symbol.qualname}.{method.name}", symbol.module, func=method), loc, dep,
                                  depth, display=symbol.qualname, call=call)

    def _function_dep(self, symbol: Symbol, loc: Location, dep: Dep, depth: int, display: str = "",
                      call: Expr | None = None) -> tuple[AuthStatus | None, list[Evidence], list[Evidence]]:
        func = symbol.func
        assert func is not None
        name = display or symbol.qualname
        statuses: list[AuthStatus] = []
        evidence: list[Evidence] = []
        authz: list[Evidence] = []
        for sub in self.param_deps(symbol.module, func, f"dependency of {name}"):
            status, ev, az = self.dep_auth(sub, depth + 1)
            authz += az
            if status is not None:
                statuses.append(status)
                evidence += ev
        body = body_auth(self.index, symbol.module, func)
        combined = combine(statuses)
        if combined is AuthStatus.OPTIONAL and body is AuthStatus.REQUIRED:
            combined = AuthStatus.REQUIRED
        if combined is None and body is not None:
            combined = body
            evidence.append(Evidence("dependency", name, body, "checks credentials and rejects without them",
                                     Location(symbol.module.path, func.line)))
        elif combined is not None:
            evidence = [Evidence("dependency", name, combined, "depends on " + ", ".join(e.name for e in evidence),
                                 Location(symbol.module.path, func.line))]
        if combined is not None:
            authz += self.role_evidence(symbol.module, func, name, loc, call)
        return combined, evidence, authz

    def role_evidence(self, mod: ModuleSummary, func: FunctionDef | None, name: str, loc: Location,
                      call: Expr | None = None) -> list[Evidence]:
        """Role evidence of a dependency: a role check in its body, or a role-like name."""
        if func is None:
            return []
        check = body_checks_role(func)
        if check is not None:
            return [Evidence("role", name, AuthStatus.REQUIRED, check, Location(mod.path, func.line))]
        if any(w in name.rsplit(".", 1)[-1].lower() for w in ROLEISH):
            return [Evidence("role", name, AuthStatus.REQUIRED, "role dependency (by name)", loc)]
        return []

    def _configured(self, qualified: str, names: tuple[str, ...]) -> bool:
        short = qualified.rsplit(".", 1)[-1]
        return any(n in (qualified, short) for n in names)


def combine(statuses: list[AuthStatus]) -> AuthStatus | None:
    """REQUIRED over OPTIONAL over UNKNOWN over NONE; None when nothing was judged."""
    if not statuses:
        return None
    for status in (AuthStatus.REQUIRED, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN):
        if status in statuses:
            return status
    return AuthStatus.NONE


def dedupe(items: list[Evidence]) -> list[Evidence]:
    """Evidence without repeats, first occurrence kept."""
    return list(dict.fromkeys(items))


__all__ = ["DEPENDS", "SECURITY_SCHEMES", "Dep", "DependencyJudge", "combine", "dedupe"]
