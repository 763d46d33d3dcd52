"""DRF permission classes: what each one demands of an anonymous caller, per route.

A permission list is judged by asking one question for one route (its HTTP method, viewset
action, detail flag and view class): does an anonymous request pass? Built-in classes are
known. A project's `BasePermission` subclass is judged by running its `has_permission` for that
route with the caller anonymous (`apilint.frameworks.anonymous`): `request.method in
SAFE_METHODS`, `view.action`, `getattr(view, "is_public", False)` and class attributes set on
the view or a parent are read, helpers and `super()` are followed. Composite permissions (`&`,
`|`, `~`) combine their parts, and `get_permissions()` overrides run the same way, branch by
branch. On a route that loads one object (`get_object()`), a class whose
`has_object_permission` turns every anonymous caller away protects the route as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

from apilint.frameworks.anonymous import (
    REQUEST,
    SAFE,
    VIEW,
    MaybeMissing,
    MaybeRaises,
    Obj,
    Outcome,
    Probe,
    Raised,
    Reader,
    Unknown,
    gate,
)
from apilint.frameworks.anonymous_values import ValueReader
from apilint.frameworks.classes import ClassInfo
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Evidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.role_names import RoleCheck, role_check
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_exprs, walk_stmts

_ROLE_RE = lazy_compile(r"\b(is_staff|is_superuser|is_admin|is_manager|roles?|groups)\b")
_PERMISSION_RE = lazy_compile(r"\b(has_\w*perms?|has_\w*permissions?|\w*permission_?sets?|can_\w+|is_member|members|"
                            r"membership|is_owner|allow_scopes|scopes)\b")
_KNOWN: Final[dict[str, tuple[str, str | None]]] = {
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
DEFAULT: Final = Obj("default")
"""The project's `DEFAULT_PERMISSION_CLASSES`, where a view inherits them."""
OBJECT: Final = Obj("instance", "the object")
"""The object `has_object_permission` is asked about."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a permission list means for one route."""

    status: AuthStatus
    evidence: tuple[Evidence, ...] = ()
    authz: tuple[Evidence, ...] = ()


class PermissionJudge:
    """Judges the permissions of DRF views route by route."""

    def __init__(self, index: ProjectIndex, backends: tuple[str, ...] = ()) -> None:
        self.index = index
        self.backends = backends
        """Authentication backends that may give anonymous users permissions (`Probe.backends`)."""
        self._names: dict[tuple[str, str], Any] = {}
        self._verdicts: dict[tuple[Any, ...], Verdict] = {}

    def reader(self, probe: Probe, inherited: AuthStatus | None = None) -> Reader:
        """A reader for one route, knowing DRF's own classes; `inherited` is what DRF's own
        `check_permissions()` decides for it (a project override may call it through `super()`)."""
        def framework(reader: ValueReader, qualified: str, name: str, receiver: Obj, args: list[Any],
                      env: dict[str, Any]) -> Any:
            if name == "check_permissions" and receiver is VIEW and inherited is not None:
                if inherited is AuthStatus.REQUIRED:
                    raise Raised
                return None if inherited in (AuthStatus.NONE, AuthStatus.OPTIONAL) else MaybeRaises(
                    "the view's permission classes")
            return _framework(reader, qualified, name, receiver, args, env)

        return Reader(self.index, replace(probe, backends=self.backends), framework,
                      known=(("api_settings.DEFAULT_PERMISSION_CLASSES", (DEFAULT,)),), cache=self._names)

    def values(self, exprs: tuple[Expr, ...], mod: ModuleSummary, probe: Probe,
               scope: Symbol | None = None) -> tuple[Any, ...]:
        """Permission expressions written in `mod` (`[IsAuthenticated, IsOwner | IsAdminUser]`), in the
        body of class `scope` when given, as values."""
        found = self.reader(probe).evaluate(Expr("list", args=exprs), mod, scope)
        return tuple(found) if isinstance(found, tuple | list) else (found,)

    # --- entry points -------------------------------------------------------------------
    def view(self, probe: Probe, loc: Location, default: Callable[[], Verdict], obj_check: bool,
             label: str = "") -> Verdict:
        """A class-based view's permissions for one route: `get_permissions()` when the view
        overrides it, else `permission_classes` (set on the view, a parent, `as_view()` or
        `@action`), else the project default; `label` names where `probe.view_attrs` set them."""
        info = probe.view
        assert info is not None
        check = info.method("check_permissions")
        if check is not None:  # replaces DRF's loop over get_permissions() altogether
            return self._check_permissions(check[0], check[1], probe, loc, default, obj_check, label)
        return self._classes(probe, loc, default, obj_check, label)

    def _classes(self, probe: Probe, loc: Location, default: Callable[[], Verdict], obj_check: bool,
                 label: str) -> Verdict:
        """What DRF's own `check_permissions()` decides: every permission `get_permissions()` returns."""
        info = probe.view
        assert info is not None
        override = info.method("get_permissions")
        if override is not None:
            return self._get_permissions(override[0], override[1], probe, loc, default, obj_check)
        reader = self.reader(probe)
        try:
            classes = reader.attribute(VIEW, "permission_classes", {})
        except Raised:
            classes = Unknown("reading it raises")
        attr = info.attribute("permission_classes")
        detail = label or (f"{attr[1].qualname}.permission_classes" if attr is not None else "permission_classes")
        if isinstance(classes, MaybeMissing) or (
                attr is not None and "DEFAULT_PERMISSION_CLASSES" in attr[0].render(200)):
            return default()
        if isinstance(classes, tuple | list):
            return self.judge_values(tuple(classes), probe, detail, loc, default, obj_check)
        reason = classes.reason if isinstance(classes, Unknown) else "not a list"
        return Verdict(AuthStatus.UNKNOWN, (Evidence("permission_class", detail, AuthStatus.UNKNOWN,
                                                     f"permission_classes cannot be read ({reason})", loc),))

    def judge_values(self, values: tuple[Any, ...], probe: Probe, detail: str, loc: Location,
                     default: Callable[[], Verdict], obj_check: bool) -> Verdict:
        """A permission list: every permission must pass, so the strictest wins."""
        if not values:
            return Verdict(AuthStatus.NONE, (Evidence("permission_class", "[]", AuthStatus.NONE,
                                                      f"{detail}: empty list", loc),))
        return _all_of([self._one(v, probe, detail, loc, default, obj_check) for v in values])

    def judge_names(self, names: list[str], probe: Probe, detail: str, loc: Location, obj_check: bool) -> Verdict:
        """A settings list of dotted class paths."""
        reader = self.reader(probe)
        values = tuple(reader.qualified(name) for name in names)
        return self.judge_values(values, probe, detail, loc, lambda: Verdict(AuthStatus.UNKNOWN), obj_check)

    # --- one permission -------------------------------------------------------------------
    def _one(self, value: Any, probe: Probe, detail: str, loc: Location, default: Callable[[], Verdict],
             obj_check: bool) -> Verdict:
        if value is DEFAULT:
            return default()
        if isinstance(value, str):
            value = self.reader(probe).qualified(value)
        if isinstance(value, Obj) and value.kind == "op":
            parts = [self._one(p, probe, detail, loc, default, obj_check) for p in value.parts]
            if value.name == "&":
                return _all_of(parts)
            if value.name == "|":
                return _any_of(parts)
            return _negate(parts[0], loc)
        if isinstance(value, Obj) and value.kind in ("class", "instance"):
            if value.symbol is not None and value.symbol.cls is not None:
                return self._project(value.symbol, probe, detail, loc, obj_check)
            return _external(value.name, probe.method, detail, loc)
        reason = value.reason if isinstance(value, Unknown) else "not a permission class"
        return Verdict(AuthStatus.UNKNOWN, (Evidence("permission_class", detail, AuthStatus.UNKNOWN,
                                                     f"a permission cannot be read ({reason})", loc),))

    def _project(self, symbol: Symbol, probe: Probe, detail: str, loc: Location, obj_check: bool) -> Verdict:
        view = probe.view.symbol.qualname if probe.view is not None else ""
        key = (symbol.qualname, probe.method, probe.action, probe.detail, view, obj_check, detail, loc,
               tuple(k for k, _v in probe.view_attrs))
        found = self._verdicts.get(key)
        if found is None:
            found = self._judge_class(symbol, probe, detail, loc, obj_check)
            self._verdicts[key] = found
        return found

    def _judge_class(self, symbol: Symbol, probe: Probe, detail: str, loc: Location, obj_check: bool) -> Verdict:
        info = ClassInfo(self.index, symbol)
        authz: list[Evidence] = []
        obj = info.method("has_object_permission")
        if obj is not None:
            authz.append(Evidence("object_permission", symbol.qualname, AuthStatus.REQUIRED,
                                  "has_object_permission", Location(obj[1].module.path, obj[0].line)))
        found = info.method("has_permission")
        if found is None:
            inherited = self._inherited(info, probe, detail, loc)
            if inherited is not None:
                return Verdict(inherited.status, (Evidence("permission_class", symbol.qualname, inherited.status,
                                                           f"{detail}; subclass of {inherited.evidence[0].name}",
                                                           loc),), inherited.authz + tuple(authz))
            status, why = AuthStatus.NONE, "has_permission allows everyone"
        else:
            func, owner = found
            status, why = self._run(owner, func, info, probe, [REQUEST, VIEW])
            check = _authz_text(info, func)
            if check is not None and status is not AuthStatus.NONE:
                authz.append(Evidence(check[0], symbol.qualname, AuthStatus.REQUIRED, check[1].text,
                                      Location(owner.module.path, func.line), check[1].roles))
            if status is AuthStatus.NONE and _mentions(func, "is_authenticated"):
                status = AuthStatus.OPTIONAL
        if status in (AuthStatus.NONE, AuthStatus.OPTIONAL) and obj_check and obj is not None:
            obj_status, obj_why = self._run(obj[1], obj[0], info, probe, [REQUEST, VIEW, OBJECT])
            if obj_status in (AuthStatus.REQUIRED, AuthStatus.UNKNOWN):
                status = obj_status
                why = ("has_object_permission turns anonymous callers away" if obj_status is AuthStatus.REQUIRED
                       else f"has_object_permission {obj_why}")
        return Verdict(status, (Evidence("custom_permission", symbol.qualname, status, f"{detail}; {why}", loc),),
                       tuple(authz))

    def _inherited(self, info: ClassInfo, probe: Probe, detail: str, loc: Location) -> Verdict | None:
        for base in info.external:
            short = base.rsplit(".", 1)[-1]
            if short in _KNOWN and short != "BasePermission":
                return _external(base, probe.method, detail, loc)
        if not info.external or any(b.rsplit(".", 1)[-1] == "BasePermission" for b in info.external):
            return None
        base = info.external[0]
        verdict = _external(base, probe.method, detail, loc)
        return verdict if verdict.status is not AuthStatus.UNKNOWN else Verdict(
            AuthStatus.UNKNOWN, (Evidence("permission_class", base, AuthStatus.UNKNOWN,
                                          "base class defined outside the project", loc),))

    def _run(self, owner: Symbol, func: FunctionDef, info: ClassInfo, probe: Probe,
             args: list[Any]) -> tuple[AuthStatus, str]:
        reader = self.reader(probe)
        me = Obj("instance", info.symbol.qualname, info.symbol)
        outcomes = reader.call(owner, func, args, receiver=me, cls=info)
        return judge_outcomes(outcomes, reader)

    def _check_permissions(self, func: FunctionDef, owner: Symbol, probe: Probe, loc: Location,
                           default: Callable[[], Verdict], obj_check: bool, label: str) -> Verdict:
        info = probe.view
        assert info is not None
        inherited = self._classes(probe, loc, default, obj_check, label)
        reader = self.reader(probe, inherited.status)
        verdict, why = gate(reader.call(owner, func, [REQUEST], receiver=VIEW, cls=info), "hook", reader)
        status = {"deny": AuthStatus.REQUIRED, "allow": AuthStatus.NONE}.get(verdict, AuthStatus.UNKNOWN)
        detail = f"depends on {why}" if verdict == "unknown" else "judged from its body"
        where = Location(owner.module.path, func.line)
        authz: tuple[Evidence, ...] = ()
        check = _authz_text(info, func)
        if check is not None and status is not AuthStatus.NONE:
            authz = (Evidence(check[0], f"{owner.qualname}.check_permissions", AuthStatus.REQUIRED, check[1].text,
                              where, check[1].roles),)
        return Verdict(status, (Evidence("check_permissions", f"{owner.qualname}.check_permissions()", status,
                                         detail, where),), authz)

    def _get_permissions(self, func: FunctionDef, owner: Symbol, probe: Probe, loc: Location,
                         default: Callable[[], Verdict], obj_check: bool) -> Verdict:
        info = probe.view
        assert info is not None
        reader = self.reader(probe)
        outcomes = reader.call(owner, func, [], receiver=VIEW, cls=info)
        detail = f"{owner.qualname}.get_permissions()"
        where = Location(owner.module.path, func.line)
        verdicts: list[Verdict] = []
        for outcome in outcomes:
            if outcome.raised or not isinstance(outcome.value, tuple | list):
                reason = outcome.value.reason if isinstance(outcome.value, Unknown) else (
                    reader.reasons[0] if reader.reasons else "branches cannot be read")
                return Verdict(AuthStatus.UNKNOWN, (Evidence("get_permissions", detail, AuthStatus.UNKNOWN,
                                                             reason, where),))
            verdicts.append(self.judge_values(tuple(outcome.value), probe, detail, loc, default, obj_check))
        if not verdicts:
            return Verdict(AuthStatus.UNKNOWN, (Evidence("get_permissions", detail, AuthStatus.UNKNOWN,
                                                         "branches cannot be read", where),))
        if len({v.status for v in verdicts}) > 1:
            why = reader.reasons[0] if reader.reasons else "its branches disagree"
            return Verdict(AuthStatus.UNKNOWN, (Evidence("get_permissions", detail, AuthStatus.UNKNOWN,
                                                         f"depends on {why}", where),
                                                *(e for v in verdicts for e in v.evidence)))
        return _all_of(verdicts)


def judge_outcomes(outcomes: list[Outcome], reader: Reader) -> tuple[AuthStatus, str]:
    """REQUIRED when every path turns the anonymous caller away (returns something false or
    raises), NONE when every path lets it through, else UNKNOWN with what could not be read."""
    verdict, why = gate(outcomes, "permission", reader)
    if verdict == "unknown":
        return AuthStatus.UNKNOWN, f"depends on {why}"
    return (AuthStatus.REQUIRED if verdict == "deny" else AuthStatus.NONE), "has_permission judged from its body"


def _framework(reader: ValueReader, qualified: str, name: str, receiver: Obj, args: list[Any],
               env: dict[str, Any]) -> Any:
    """DRF's own classes, as `Reader.external`: built-in permissions and `APIView.get_permissions`."""
    short = qualified.rsplit(".", 1)[-1]
    if name == "has_permission":
        known = _KNOWN.get(short)
        if known is None:
            return None
        behaviour = known[0]
        if behaviour == "read_only_optional":
            method = reader.probe.method
            return method in SAFE if method is not None else Unknown("the request's HTTP method")
        return behaviour == "none"
    if name == "has_object_permission":
        if short == "DjangoObjectPermissions":
            return Unknown(f"permissions of anonymous users come from {' and '.join(reader.probe.backends)}") \
                if reader.probe.backends else False
        return True if short in _KNOWN else None
    if name in ("permission_denied", "handle_no_permission") and receiver is VIEW:
        raise Raised
    if name == "get_permissions" and receiver is VIEW:
        classes = reader.attribute(VIEW, "permission_classes", env)
        if isinstance(classes, MaybeMissing):
            return (DEFAULT,)
        if isinstance(classes, tuple | list):
            return tuple(Obj("instance", c.name, c.symbol) if isinstance(c, Obj) and c.kind == "class" else c
                         for c in classes)
        return None
    return None


def _external(qualified: str, method: str | None, detail: str, loc: Location) -> Verdict:
    short = qualified.rsplit(".", 1)[-1]
    known = _KNOWN.get(short)
    authz: tuple[Evidence, ...] = ()
    if known is not None:
        behaviour, authz_kind = known
        if behaviour == "none":
            status = AuthStatus.NONE
        elif behaviour == "read_only_optional" and (method in SAFE or method is None):
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


def _negate(inner: Verdict, loc: Location) -> Verdict:
    """`~P`: the anonymous caller passes exactly when it fails P."""
    flipped = {AuthStatus.REQUIRED: AuthStatus.NONE, AuthStatus.NONE: AuthStatus.REQUIRED,
               AuthStatus.OPTIONAL: AuthStatus.REQUIRED, AuthStatus.UNKNOWN: AuthStatus.UNKNOWN}[inner.status]
    names = ", ".join(e.name for e in inner.evidence[:1])
    return Verdict(flipped, (Evidence("permission_class", f"~{names}", flipped, "negated permission", loc),
                             *inner.evidence))


def _mentions(func: FunctionDef, word: str) -> bool:
    return any(e.text == word for _stmt, e in walk_exprs(func.body))


def _authz_text(info: ClassInfo, func: FunctionDef) -> tuple[str, RoleCheck] | None:
    """(`role` or `permission`, the check) when `has_permission` (or a method of its class it calls)
    checks more than authentication: a role, a permission, a membership, a scope."""
    bodies = [func]
    for _stmt, call in walk_exprs(func.body):
        if call.kind == "call" and call.func.kind == "attr" and call.func.args[0].dotted == "self":
            found = info.method(call.func.text)
            if found is not None and found[0] not in bodies:
                bodies.append(found[0])
    for body in bodies:
        for stmt in walk_stmts(body.body):
            for expr in stmt.own_exprs():
                text = expr.render(200)
                if _ROLE_RE.search(text):
                    return "role", role_check(expr, 80)
                if _PERMISSION_RE.search(text):
                    return "permission", RoleCheck(expr.render(80))
    return None


def _all_of(verdicts: list[Verdict]) -> Verdict:
    statuses = [v.status for v in verdicts]
    chosen = next(s for s in (AuthStatus.REQUIRED, AuthStatus.UNKNOWN, AuthStatus.OPTIONAL, AuthStatus.NONE)
                  if s in statuses)
    evidence = tuple(e for v in verdicts for e in v.evidence)
    authz = tuple(a for v in verdicts for a in v.authz)
    return Verdict(chosen, evidence, authz)


def _any_of(verdicts: list[Verdict]) -> Verdict:
    statuses = [v.status for v in verdicts]
    chosen = next(s for s in (AuthStatus.NONE, AuthStatus.OPTIONAL, AuthStatus.UNKNOWN, AuthStatus.REQUIRED)
                  if s in statuses)
    if chosen is AuthStatus.NONE and AuthStatus.REQUIRED in statuses:
        chosen = AuthStatus.OPTIONAL  # `IsAuthenticated | ReadOnly`: anonymous callers get in one way, users another
    evidence = tuple(e for v in verdicts for e in v.evidence)
    authz = tuple(a for v in verdicts for a in v.authz) if all(v.authz for v in verdicts) else ()
    return Verdict(chosen, evidence, authz)


__all__ = ["DEFAULT", "PermissionJudge", "Verdict", "judge_outcomes"]
