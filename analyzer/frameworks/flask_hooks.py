"""Flask request hooks (`before_request`, URL value preprocessors): does a hook authenticate a given
route, given its exemptions?

A hook that authenticates usually exempts some requests first (`if request.endpoint in
PUBLIC: return`, `if request.path.startswith("/auth"): return`). For each route the hook's
body is pruned: conditions on `request.endpoint`, `.path`, `.blueprint`, `.method` and
`.url_rule.rule` are evaluated for that route (three-valued: true, false, cannot tell) and
replaced by the branch taken; so are a URL value preprocessor's `endpoint` and the path
values it reads (`if values.get("project_id"):` holds for the routes whose path has that
value). A route is exempt when the pruned body returns before it checks anything; when a
condition cannot be evaluated the hook's effect is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from apilint.body_auth import is_rejection
from apilint.frameworks.flask_auth import FlaskAuth
from apilint.model import AuthStatus, Evidence, Location
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt

ROUTING_ATTRS = frozenset({"endpoint", "path", "blueprint", "method", "url_rule", "full_path", "url",
                           "base_url", "view_args", "blueprints", "script_root", "url_root"})


@dataclass(frozen=True)
class RouteFacts:
    """What a hook can see of the request that reaches a route."""

    endpoint: str
    path: str
    """Normalized path (`/users/{id}`)."""
    raw_path: str
    blueprint: str
    method: str

    @property
    def params(self) -> frozenset[str]:
        """The names of the path's values (`values` of a URL value preprocessor)."""
        return frozenset(re.findall(r"\{([^}:]+)", self.path))


class HookVerdict(NamedTuple):
    """What one hook says about one route."""

    status: AuthStatus | None
    evidence: Evidence
    authz: tuple[Evidence, ...] = ()


class _Unreadable(Exception):
    """A routing condition apilint cannot evaluate."""


class HookJudge:
    """Judges `before_request` hooks per route."""

    def __init__(self, index: ProjectIndex, auth: FlaskAuth) -> None:
        self.index = index
        self.auth = auth
        self._base: dict[str, AuthStatus | None] = {}

    def judge(self, mod: ModuleSummary, func: FunctionDef, route: RouteFacts) -> HookVerdict:
        """What the hook says about this route: its status (None when it does not authenticate
        it), the evidence describing the hook, and the role checks it makes."""
        where = Location(mod.path, func.line)
        name = f"{mod.module}.{func.qualname}"
        for dec in func.decorators:  # @bp.before_request over @login_required: every route
            judged = self.auth.decorator(mod, dec.expr, where)
            if judged.status is not None:
                authz = list(judged.authz) + self._roles(mod, func, name, where)
                return HookVerdict(judged.status, Evidence("before_request", name, judged.status,
                                                           "hook wrapped in " + judged.evidence[0].name, where),
                                   tuple(authz))
        key = f"{mod.path}::{func.qualname}"
        if key not in self._base:
            self._base[key] = self.auth.body_status(mod, func)
        if self._base[key] is None:
            return HookVerdict(None, Evidence("before_request", name, AuthStatus.NONE, "", where))
        try:
            body = _prune(self.index, mod, func.body, route, _aliases(func))
        except _Unreadable as exc:
            return HookVerdict(AuthStatus.UNKNOWN, Evidence(
                "before_request", name, AuthStatus.UNKNOWN,
                f"exempts requests by a condition apilint cannot read: {exc}", where))
        kept: list[Stmt] = []
        for stmt in body:
            if stmt.kind == "return" and not is_rejection(stmt):
                break  # exempt: the hook lets this route through before checking
            kept.append(stmt)
        pruned = func._replace(body=tuple(kept), qualname=f"{func.qualname}@{route.endpoint}:{route.method}")
        status = self.auth.body_status(mod, pruned)
        if status is None:
            return HookVerdict(None, Evidence("before_request", name, AuthStatus.NONE, "exempts this route", where))
        if status is AuthStatus.UNKNOWN:
            detail = self.auth.opaque_reason(mod, pruned) or "calls an authentication helper apilint cannot follow"
        else:
            detail = "checks credentials before every request"
        return HookVerdict(status, Evidence("before_request", name, status, detail, where),
                           tuple(self._roles(mod, pruned, name, where)))

    def _roles(self, mod: ModuleSummary, func: FunctionDef, name: str, where: Location) -> list[Evidence]:
        roles = self.auth.body_roles(mod, func)[:1]
        return [Evidence("role", name, AuthStatus.REQUIRED, role.text, where, role.roles) for role in roles]


def _request_attr(name: str) -> Expr:
    return Expr("attr", name, (Expr("name", "request"),))


def _aliases(func: FunctionDef) -> dict[str, Expr]:
    """Local names bound to request routing attributes (`path = request.path`) or to a path value
    (`project_id = values.pop("project_id", None)`); a URL value preprocessor's two parameters,
    the endpoint and the path values."""
    out: dict[str, Expr] = {}
    positional = [p for p in func.params if p.kind in ("pos", "posonly")]
    if len(positional) == 2 and positional[0].name not in ("self", "cls"):
        out[positional[0].name] = _request_attr("endpoint")
        out[positional[1].name] = _request_attr("view_args")
    for stmt in func.body:
        if stmt.kind == "assign" and stmt.value is not None and len(stmt.targets) == 1:
            target = stmt.targets[0]
            value = stmt.value
            if value.kind == "boolop" and value.args:  # request.endpoint or ""
                value = value.args[0]
            if target.kind == "name" and target.text not in out and _routing_attr(value, out) is not None:
                out[target.text] = value
    return out


def _view_arg(expr: Expr, aliases: dict[str, Expr]) -> str | None:
    """The path value a lookup reads (`values.get("id")`, `values.pop("id", None)`,
    `request.view_args["id"]`, or a name bound to one), if it is one."""
    while expr.kind == "name" and expr.text in aliases:
        expr = aliases[expr.text]
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in ("get", "pop") and expr.positional:
        owner, key = expr.func.args[0], expr.positional[0]
    elif expr.kind == "subscript" and len(expr.args) == 2:
        owner, key = expr.args
    else:
        return None
    if key.kind != "str" or _routing_attr(owner, aliases) != "view_args":
        return None
    return key.text


def _routing_attr(expr: Expr, aliases: dict[str, Expr]) -> str | None:
    if expr.kind == "name" and expr.text in aliases:
        return _routing_attr(aliases[expr.text], aliases if aliases[expr.text].kind != "name" else {})
    if _view_arg(expr, aliases) is not None:
        return "view_arg"
    if expr.kind != "attr":
        return None
    owner = expr.args[0]
    if owner.dotted in ("request", "flask.request") and expr.text in ROUTING_ATTRS:
        return expr.text
    if expr.text == "rule" and owner.kind == "attr" and owner.text == "url_rule":
        return "url_rule"
    return None


def _mentions_routing(expr: Expr, aliases: dict[str, Expr]) -> bool:
    return any(_routing_attr(sub, aliases) is not None for sub in expr.walk())


def _prune(index: ProjectIndex, mod: ModuleSummary, body: tuple[Stmt, ...], route: RouteFacts,
           aliases: dict[str, Expr]) -> tuple[Stmt, ...]:
    out: list[Stmt] = []
    for stmt in body:
        if stmt.kind == "if" and stmt.value is not None and _mentions_routing(stmt.value, aliases):
            value = _Evaluator(index, mod, route, aliases).reduce(stmt.value)
            if value is None:
                raise _Unreadable(stmt.value.render(60))
            if isinstance(value, bool):
                out += _prune(index, mod, stmt.body if value else stmt.orelse, route, aliases)
            else:  # `if "id" in values and not session.get("ok")`: the part about the request stays
                out.append(stmt._replace(value=value, body=_prune(index, mod, stmt.body, route, aliases),
                                         orelse=_prune(index, mod, stmt.orelse, route, aliases)))
        elif stmt.kind in ("if", "try", "with", "for", "while"):
            out.append(stmt._replace(body=_prune(index, mod, stmt.body, route, aliases),
                               orelse=_prune(index, mod, stmt.orelse, route, aliases),
                               handlers=tuple(h._replace(body=_prune(index, mod, h.body, route, aliases))
                                              for h in stmt.handlers)))
        else:
            out.append(stmt)
    return tuple(out)


class _Evaluator:
    """Three-valued evaluation of a routing condition for one route."""

    def __init__(self, index: ProjectIndex, mod: ModuleSummary, route: RouteFacts, aliases: dict[str, Expr]) -> None:
        self.index = index
        self.mod = mod
        self.route = route
        self.aliases = aliases

    def reduce(self, e: Expr) -> bool | Expr | None:
        """The condition for this route: true or false, or what is left of it once its routing parts
        are known (`not session.get("ok")` of `"id" in values and not session.get("ok")`); None
        when a routing part cannot be evaluated."""
        if not _mentions_routing(e, self.aliases):
            return e
        if e.kind == "unary" and e.text == "not":
            inner = self.reduce(e.args[0])
            return None if inner is None else (not inner if isinstance(inner, bool) else e._replace(args=(inner,)))
        if e.kind == "boolop" and e.text in ("and", "or"):
            parts = [self.reduce(a) for a in e.args]
            if any(p is None for p in parts):
                return None
            decisive = e.text == "or"  # the value that settles the whole: True for `or`, False for `and`
            if decisive in parts:
                return decisive
            rest = [p for p in parts if not isinstance(p, bool)]
            if not rest:
                return not decisive
            return rest[0] if len(rest) == 1 else e._replace(args=tuple(p for p in rest if isinstance(p, Expr)))
        return self.eval(e)

    def eval(self, e: Expr) -> bool | None:
        if e.kind == "unary" and e.text == "not":
            inner = self.eval(e.args[0])
            return None if inner is None else not inner
        if e.kind == "boolop":
            values = [self.eval(a) for a in e.args]
            if e.text == "and":
                return False if False in values else (None if None in values else True)
            return True if True in values else (None if None in values else False)
        if e.kind == "compare":
            return self._compare(e)
        if e.kind == "call" and e.func.kind == "attr" and e.func.text in ("startswith", "endswith"):
            attr = _routing_attr(e.func.args[0], self.aliases)
            arg = self._const(e.positional[0]) if e.positional else None
            if attr is None or arg is None:
                return None
            prefixes = arg if isinstance(arg, tuple) else (arg,)
            results = [self._affix(attr, p, e.func.text) for p in prefixes]
            return True if True in results else (None if None in results else False)
        attr = _routing_attr(e, self.aliases)
        if attr in ("endpoint", "path", "method", "url_rule"):
            return True  # always set for a matched route
        if attr == "view_args":
            return bool(self.route.params)
        if attr == "view_arg":
            key = _view_arg(e, self.aliases)
            return None if key is None else key in self.route.params
        return None

    def _compare(self, e: Expr) -> bool | None:
        ops = e.text.split(",")
        if len(ops) != 1 or len(e.args) != 2:
            return None
        op, left, right = ops[0].strip(), e.args[0], e.args[1]
        attr = _routing_attr(left, self.aliases)
        other = right
        if attr is None:
            attr = _routing_attr(right, self.aliases)
            other = left
            if attr is None:
                return None
            if op in ("in", "not in"):  # "static" in request.endpoint
                needle = self._const(left)
                if not isinstance(needle, str):
                    return None
                found = self._contains(attr, needle)
                return None if found is None else (found if op == "in" else not found)
        value = self._const(other)
        if value is None:
            if other.is_none and op in ("is", "is not", "==", "!="):
                return op in ("is not", "!=")
            return None
        if op in ("==", "!=", "is", "is not"):
            if not isinstance(value, str):
                return None
            eq = self._equals(attr, value)
            return None if eq is None else (eq if op in ("==", "is") else not eq)
        if op in ("in", "not in"):
            options = value if isinstance(value, tuple) else None
            if options is None:
                return None
            results = [self._equals(attr, v) for v in options]
            found = True if True in results else (None if None in results else False)
            return None if found is None else (found if op == "in" else not found)
        return None

    def _const(self, expr: Expr) -> str | tuple[str, ...] | None:
        text = self.index.const_str(self.mod, expr)
        if text is not None:
            return text
        value = self.index.const_value(self.mod, expr)
        if value is None or value.kind not in ("list", "tuple", "set"):
            return None
        items = [self.index.const_str(self.mod, item) for item in value.args]
        if any(item is None for item in items):
            return None
        return tuple(item for item in items if item is not None)

    def _actual(self, attr: str) -> str | None:
        r = self.route
        return {"endpoint": r.endpoint, "blueprint": r.blueprint, "method": r.method, "url_rule": r.raw_path}.get(attr)

    def _equals(self, attr: str, value: str) -> bool | None:
        if attr in ("path", "full_path"):
            path = self.route.path
            if "{" not in path:
                return path == value or (attr == "full_path" and value.rstrip("?") == path)
            static = path.split("{", 1)[0]
            return None if value.startswith(static) else False
        actual = self._actual(attr)
        if actual is None:
            return None
        return actual.upper() == value.upper() if attr == "method" else actual == value

    def _affix(self, attr: str, affix: str, how: str) -> bool | None:
        if attr in ("path", "full_path"):
            path = self.route.path
            if how == "startswith":
                static = path.split("{", 1)[0]
                if "{" not in path or len(affix) <= len(static):
                    return path.startswith(affix)
                return None if affix.startswith(static) else False
            if "{" not in path:
                return path.endswith(affix)
            tail = path.rsplit("}", 1)[-1]
            return tail.endswith(affix) if len(affix) <= len(tail) else None
        actual = self._actual(attr)
        if actual is None:
            return None
        return actual.startswith(affix) if how == "startswith" else actual.endswith(affix)

    def _contains(self, attr: str, needle: str) -> bool | None:
        if attr == "view_args":  # "project_id" in values
            return needle in self.route.params
        if attr in ("path", "full_path"):
            return True if needle in self.route.path.split("{", 1)[0] else None
        actual = self._actual(attr)
        return None if actual is None else needle in actual


__all__ = ["HookJudge", "HookVerdict", "RouteFacts"]
