"""DRF permission classes: what each one demands of an anonymous caller, per method and action.

A permission list is judged by asking one question for one route (HTTP method and viewset
action): does an anonymous request pass? Built-in classes are known; a project's
`BasePermission` subclass is judged by running its `has_permission` body abstractly, with
`request.user` an `AnonymousUser`, `request.method` and `view.action` known, and anything
else unknown (`unknown` when the answer depends on it). `get_permissions()` overrides are read
the same way, branch by branch.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apilint.frameworks.django_views import ClassInfo
from apilint.model import SAFE_METHODS, AuthStatus, Evidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt
from apilint.values import compare_values

_SAFE = ("GET", "HEAD", "OPTIONS")
_ROLE_RE = re.compile(r"\b(is_staff|is_superuser|has_perms?|role|roles|groups|is_admin|is_manager)\b")
_ANON_ATTRS: dict[str, Any] = {"is_authenticated": False, "is_anonymous": True, "is_staff": False,
                               "is_superuser": False, "is_active": False, "id": None, "pk": None,
                               "username": "", "email": ""}
_KNOWN: dict[str, tuple[str, str | None]] = {
    # short name -> (behaviour, authz kind); behaviour: none | required | read_only_optional
    "AllowAny": ("none", None),
    "IsAuthenticated": ("required", None),
    "IsAdminUser": ("required", "role"),
    "IsAuthenticatedOrReadOnly": ("read_only_optional", None),
    "DjangoModelPermissions": ("required", "permission"),
    "DjangoModelPermissionsOrAnonReadOnly": ("read_only_optional", "permission"),
    "DjangoObjectPermissions": ("required", "object_permission"),
    "TokenHasScope": ("required", "scope"),
    "TokenHasReadWriteScope": ("required", "scope"),
    "TokenHasResourceScope": ("required", "scope"),
    "IsAuthenticatedOrTokenHasScope": ("required", "scope"),
    "HasAPIKey": ("required", None),
    "BasePermission": ("none", None),
}


class _Deny(Exception):
    """An anonymous request makes the check raise (AttributeError on AnonymousUser, 401/403)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a permission list means for one route."""

    status: AuthStatus
    evidence: tuple[Evidence, ...] = ()
    authz: tuple[Evidence, ...] = ()


class _Abstract:
    """Three-valued evaluation of permission code for an anonymous request."""

    def __init__(self, method: str, action: str | None, super_call: Callable[[], bool | None] | None = None):
        self.method = method
        self.action = action
        self.super_call = super_call

    def run(self, body: tuple[Stmt, ...], env: dict[str, Expr]) -> list[tuple[Expr | None, dict[str, Expr]]]:
        """Every (returned expression, bindings) a body can end with; None = raise/fall through."""
        return self._block(list(body), dict(env), 0)

    def _block(self, stmts: list[Stmt], env: dict[str, Expr], depth: int) -> list[tuple[Expr | None, dict[str, Expr]]]:
        if depth > 8:
            return [(None, env)]
        for i, stmt in enumerate(stmts):
            rest = stmts[i + 1:]
            if stmt.kind == "return":
                return [(stmt.value if stmt.value is not None else Expr("const", "None"), env)]
            if stmt.kind == "raise":
                return [(None, env)]
            if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                for target in stmt.targets:
                    if target.dotted is not None:
                        env = {**env, target.dotted: stmt.value}
            elif stmt.kind == "if" and stmt.value is not None:
                try:
                    test = self.truth(stmt.value, env)
                except _Deny:
                    return [(None, env)]
                branches = [list(stmt.body)] if test is True else [list(stmt.orelse)] if test is False else [
                    list(stmt.body), list(stmt.orelse)]
                out: list[tuple[Expr | None, dict[str, Expr]]] = []
                for branch in branches:
                    out += self._block(branch + rest, dict(env), depth + 1)
                return out
            elif stmt.kind in ("try", "with"):
                return self._block(list(stmt.body) + rest, env, depth + 1)
        return [(Expr("const", "None"), env)]

    # --- values -----------------------------------------------------------------------
    def truth(self, expr: Expr, env: dict[str, Expr], depth: int = 0) -> bool | None:
        """True/False for an anonymous request, None when it depends on something unknown."""
        value = self.value(expr, env, depth)
        if value is _UNK:
            return None
        return bool(value)

    def value(self, e: Expr, env: dict[str, Expr], depth: int = 0) -> Any:
        if depth > 10:
            return _UNK
        kind = e.kind
        if kind == "const":
            return {"True": True, "False": False, "None": None}.get(e.text, _UNK)
        if kind == "str":
            return e.text
        if kind in ("list", "tuple", "set"):
            items = [self.value(a, env, depth + 1) for a in e.args]
            return _UNK if any(i is _UNK for i in items) else tuple(items)
        if kind in ("name", "attr"):
            return self._name(e, env, depth)
        if kind == "unary" and e.text == "not":
            inner = self.truth(e.args[0], env, depth + 1)
            return _UNK if inner is None else not inner
        if kind == "boolop":
            return self._boolop(e, env, depth)
        if kind == "compare":
            return self._compare(e, env, depth)
        if kind == "call":
            return self._call(e, env, depth)
        return _UNK

    def _name(self, e: Expr, env: dict[str, Expr], depth: int) -> Any:
        dotted = e.dotted or ""
        if dotted in env:
            return self.value(env[dotted], env, depth + 1)
        parts = dotted.split(".")
        last = parts[-1]
        if last == "SAFE_METHODS":
            return SAFE_METHODS_TUPLE
        if last == "method" and len(parts) >= 2 and parts[-2] == "request":
            return self.method
        if last == "action" and len(parts) >= 2:
            return self.action
        if "user" in parts[:-1] or last == "user":
            if last == "user":
                return True  # AnonymousUser is truthy
            idx = parts.index("user")
            attr = parts[idx + 1]
            if attr in _ANON_ATTRS and idx + 2 == len(parts):
                return _ANON_ATTRS[attr]
            raise _Deny
        if last == "auth" and len(parts) >= 2 and parts[-2] == "request":
            return None
        return _UNK

    def _boolop(self, e: Expr, env: dict[str, Expr], depth: int) -> Any:
        unknown = False
        for operand in e.args:
            value = self.truth(operand, env, depth + 1)
            if value is None:
                unknown = True
                continue
            if (e.text == "or") == value:
                return value
        return _UNK if unknown else e.text != "or"

    def _compare(self, e: Expr, env: dict[str, Expr], depth: int) -> Any:
        text = e.render(200).lower()
        if any(w in text for w in ("header", "meta", "api_key", "apikey", "token", "secret")):
            return False  # an anonymous caller sends no credential
        values = [self.value(a, env, depth + 1) for a in e.args]
        if any(v is _UNK for v in values):
            return _UNK
        for op, (a, b) in zip(e.text.split(","), itertools.pairwise(values), strict=False):
            try:
                ok = compare_values(op, a, b)
            except (KeyError, TypeError):
                return _UNK
            if not ok:
                return False
        return True

    def _call(self, e: Expr, env: dict[str, Expr], depth: int) -> Any:
        func = e.func
        dotted = func.dotted or ""
        if dotted == "bool" and e.positional:
            return self.value(e.positional[0], env, depth + 1)
        if func.kind == "attr" and func.text == "has_permission" and func.args[0].kind == "call" and \
                func.args[0].func.dotted == "super":
            result = self.super_call() if self.super_call is not None else None
            return _UNK if result is None else result
        if ".user." in f".{dotted}." and func.kind == "attr":
            if func.text in ("has_perm", "has_perms", "has_module_perms"):
                return False
            raise _Deny
        text = e.render(200)
        if "request.user" in text and (func.text if func.kind == "attr" else "") in ("exists", "filter", "count"):
            return False  # user.groups.filter(...).exists(): an anonymous user has no groups
        return _UNK


class _UnknownType:
    pass


_UNK: Any = _UnknownType()
SAFE_METHODS_TUPLE = tuple(sorted(SAFE_METHODS))


class PermissionJudge:
    """Judges permission expressions (classes, instances, `|`/`&`/`~` combinations)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def judge_list(self, items: list[tuple[Expr, ModuleSummary]], method: str, action: str | None,
                   detail: str, loc: Location) -> Verdict:
        """All permissions of a list must pass: the strictest wins."""
        if not items:
            return Verdict(AuthStatus.NONE, (Evidence("permission_class", "[]", AuthStatus.NONE,
                                                      f"{detail}: empty list", loc),))
        verdicts = [self.judge(expr, mod, method, action, detail, loc) for expr, mod in items]
        return _all_of(verdicts)

    def judge_names(self, names: list[str], method: str, action: str | None, detail: str,
                    loc: Location) -> Verdict:
        """A settings list of dotted class paths."""
        verdicts = [self._class(name, self.index.lookup(name), method, action, detail, loc) for name in names]
        if not verdicts:
            return Verdict(AuthStatus.NONE, (Evidence("permission_class", "[]", AuthStatus.NONE,
                                                      f"{detail}: empty list", loc),))
        return _all_of(verdicts)

    def judge(self, expr: Expr, mod: ModuleSummary, method: str, action: str | None, detail: str,
              loc: Location) -> Verdict:
        """One permission expression."""
        if expr.kind == "binop" and expr.text in ("|", "&"):
            left = self.judge(expr.args[0], mod, method, action, detail, loc)
            right = self.judge(expr.args[1], mod, method, action, detail, loc)
            return _all_of([left, right]) if expr.text == "&" else _any_of([left, right])
        if expr.kind == "unary":
            return Verdict(AuthStatus.UNKNOWN, (Evidence("permission_class", expr.render(60), AuthStatus.UNKNOWN,
                                                         f"{detail}: negated permission", loc),))
        if expr.kind == "call":
            expr = expr.func
        if expr.kind == "str":
            return self._class(expr.text, self.index.lookup(expr.text), method, action, detail, loc)
        qualified = self.index.qualify_expr(mod, expr) or expr.render(60)
        symbol = self.index.resolve(mod, expr)
        return self._class(qualified, symbol, method, action, detail, loc)

    def _class(self, qualified: str, symbol: Symbol | None, method: str, action: str | None, detail: str,
               loc: Location) -> Verdict:
        short = qualified.rsplit(".", 1)[-1]
        if symbol is None or symbol.cls is None:
            return self._external(qualified, short, method, detail, loc)
        info = ClassInfo(self.index, symbol)
        authz: list[Evidence] = []
        obj = info.method("has_object_permission")
        if obj is not None:
            authz.append(Evidence("object_permission", symbol.qualname, AuthStatus.REQUIRED,
                                  "has_object_permission", Location(obj[1].module.path, obj[0].line)))
        found = info.method("has_permission")
        if found is None:
            for base in info.external:
                if base.rsplit(".", 1)[-1] in _KNOWN and base.rsplit(".", 1)[-1] != "BasePermission":
                    inherited = self._external(base, base.rsplit(".", 1)[-1], method, detail, loc)
                    return Verdict(inherited.status, (Evidence("permission_class", symbol.qualname, inherited.status,
                                                               f"{detail}; subclass of {base}", loc),),
                                   inherited.authz + tuple(authz))
            return Verdict(AuthStatus.NONE, (Evidence("custom_permission", symbol.qualname, AuthStatus.NONE,
                                                      f"{detail}; has_permission allows everyone", loc),),
                           tuple(authz))
        func, owner = found
        status = self._has_permission(func, info, owner, method, action)
        role = _role_text(func)
        if role is not None and status is not AuthStatus.NONE:
            authz.append(Evidence("role", symbol.qualname, AuthStatus.REQUIRED, role,
                                  Location(owner.module.path, func.line)))
        return Verdict(status, (Evidence("custom_permission", symbol.qualname, status,
                                         f"{detail}; has_permission judged from its body", loc),), tuple(authz))

    def _has_permission(self, func: FunctionDef, info: ClassInfo, owner: Symbol, method: str,
                        action: str | None) -> AuthStatus:
        def parent() -> bool | None:
            for base in info.external:
                short = base.rsplit(".", 1)[-1]
                if short in _KNOWN:
                    behaviour = _KNOWN[short][0]
                    return behaviour == "none" or (behaviour == "read_only_optional" and method in _SAFE)
            return None

        abstract = _Abstract(method, action, parent)
        results: list[bool | None] = []
        for expr, env in abstract.run(func.body, {}):
            if expr is None:
                results.append(False)
                continue
            try:
                results.append(abstract.truth(expr, env))
            except _Deny:
                results.append(False)
        if not results or any(r is None for r in results) or len(set(results)) > 1:
            return AuthStatus.UNKNOWN
        if results[0] is False:
            return AuthStatus.REQUIRED
        words = " ".join(e.text for s in func.body for x in s.own_exprs() for e in x.walk())
        return AuthStatus.OPTIONAL if "is_authenticated" in words else AuthStatus.NONE

    def _external(self, qualified: str, short: str, method: str, detail: str, loc: Location) -> Verdict:
        known = _KNOWN.get(short)
        authz: tuple[Evidence, ...] = ()
        if known is not None:
            behaviour, authz_kind = known
            if behaviour == "none":
                status = AuthStatus.NONE
            elif behaviour == "read_only_optional" and method in _SAFE:
                status = AuthStatus.OPTIONAL
            else:
                status = AuthStatus.REQUIRED
            if authz_kind is not None and status is AuthStatus.REQUIRED:
                authz = (Evidence(authz_kind, qualified, AuthStatus.REQUIRED, short, loc),)
        else:
            lowered = short.lower()
            if "authenticated" in lowered or "apikey" in lowered or "api_key" in lowered:
                status = AuthStatus.REQUIRED
            elif any(w in lowered for w in ("admin", "staff", "superuser")):
                status = AuthStatus.REQUIRED
                authz = (Evidence("role", qualified, AuthStatus.REQUIRED, short, loc),)
            elif "allowany" in lowered:
                status = AuthStatus.NONE
            else:
                status = AuthStatus.UNKNOWN
        return Verdict(status, (Evidence("permission_class", qualified, status, detail, loc),), authz)

    # --- get_permissions() -------------------------------------------------------------
    def get_permissions(self, info: ClassInfo, func: FunctionDef, owner: Symbol, method: str,
                        action: str | None, class_items: list[tuple[Expr, ModuleSummary]] | None,
                        default: Callable[[], Verdict], loc: Location) -> Verdict:
        """Read a `get_permissions()` override for one route; UNKNOWN when branches are unreadable."""
        abstract = _Abstract(method, action)
        verdicts: list[Verdict] = []
        mod = owner.module
        detail = f"{owner.qualname}.get_permissions()"
        try:
            outcomes = abstract.run(func.body, {})
        except _Deny:
            outcomes = []
        for expr, env in outcomes:
            items = _returned_items(expr, env, info, class_items)
            if items is None:
                if expr is not None and _is_super_call(expr):
                    verdicts.append(default() if class_items is None else
                                    self.judge_list(class_items, method, action, "permission_classes", loc))
                    continue
                where = Location(mod.path, func.line)
                return Verdict(AuthStatus.UNKNOWN, (Evidence("get_permissions", detail, AuthStatus.UNKNOWN,
                                                             "branches cannot be read", where),))
            if items == "class":
                verdicts.append(default() if class_items is None else
                                self.judge_list(class_items, method, action, "permission_classes", loc))
            else:
                assert isinstance(items, list)
                verdicts.append(self.judge_list([(e, mod) for e in items], method, action, detail, loc))
        if not verdicts:
            return Verdict(AuthStatus.UNKNOWN, (Evidence("get_permissions", detail, AuthStatus.UNKNOWN,
                                                         "branches cannot be read", loc),))
        statuses = {v.status for v in verdicts}
        if len(statuses) > 1:
            return Verdict(AuthStatus.UNKNOWN, tuple(e for v in verdicts for e in v.evidence))
        return _all_of(verdicts)


def _returned_items(expr: Expr | None, env: dict[str, Expr], info: ClassInfo,
                    class_items: list[tuple[Expr, ModuleSummary]] | None) -> list[Expr] | str | None:
    """The permission expressions a `return` hands back; "class" for the class attribute."""
    if expr is None:
        return None
    for _ in range(4):
        if expr.kind == "name" and expr.text in env:
            expr = env[expr.text]
        elif expr.kind == "comp" and expr.args:
            iterable = expr.args[1] if len(expr.args) > 1 else None
            if iterable is None:
                return None
            dotted = iterable.dotted or ""
            if dotted in env:
                expr = env[dotted]
            elif dotted == "self.permission_classes":
                return "class"
            elif iterable.kind in ("list", "tuple"):
                expr = iterable
            else:
                return None
        else:
            break
    if expr.kind in ("list", "tuple"):
        out: list[Expr] = []
        for item in expr.args:
            if item.kind == "starred":
                if _is_super_call(item.args[0]):
                    if class_items is None:
                        return None
                    out += [e for e, _m in class_items]
                    continue
                return None
            out.append(item)
        return out
    return None


def _is_super_call(expr: Expr) -> bool:
    return expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "get_permissions"


def _role_text(func: FunctionDef) -> str | None:
    for stmt in func.body:
        for expr in stmt.own_exprs():
            text = expr.render(80)
            if _ROLE_RE.search(text):
                return text
    return None


def _all_of(verdicts: list[Verdict]) -> Verdict:
    statuses = [v.status for v in verdicts]
    for status in (AuthStatus.REQUIRED, AuthStatus.UNKNOWN, AuthStatus.OPTIONAL, AuthStatus.NONE):
        if status in statuses:
            chosen = status
            break
    evidence = tuple(e for v in verdicts for e in v.evidence)
    authz = tuple(a for v in verdicts for a in v.authz)
    return Verdict(chosen, evidence, authz)


def _any_of(verdicts: list[Verdict]) -> Verdict:
    statuses = [v.status for v in verdicts]
    for status in (AuthStatus.NONE, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN, AuthStatus.REQUIRED):
        if status in statuses:
            chosen = status
            break
    evidence = tuple(e for v in verdicts for e in v.evidence)
    authz = tuple(a for v in verdicts for a in v.authz) if all(v.authz for v in verdicts) else ()
    return Verdict(chosen, evidence, authz)


__all__ = ["PermissionJudge", "Verdict"]
