"""The values, objects and outcomes the anonymous reader (`apilint.frameworks.anonymous`) works with.

Plain Python values stand for themselves; `Unknown` (and its kinds) for what cannot be known before
the request arrives; `Obj` for the request, its anonymous user, the view, classes and instances; an
`Outcome` for how one path through the code ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from apilint.frameworks.classes import ClassInfo
from apilint.lazy_regex import lazy_compile
from apilint.project import Symbol
from apilint.summary import FunctionDef, ModuleSummary
from apilint.values import is_plain
from apilint.values.ops import hashable

if TYPE_CHECKING:
    from apilint.frameworks.anonymous_values import ValueReader

SAFE: Final = ("GET", "HEAD", "OPTIONS")
MAX_PATHS: Final = 64
MAX_CALLS: Final = 4
MAX_BLOCK: Final = 16
MAX_STEPS: Final = 4000
ANON_ATTRS: Final[dict[str, Any]] = {
    "is_authenticated": False, "is_anonymous": True, "is_staff": False, "is_superuser": False,
    "is_active": False, "id": None, "pk": None, "username": "", "email": None}
ANON_METHODS: Final[dict[str, Any]] = {"get_username": "", "get_all_permissions": (), "get_user_permissions": (),
                                       "get_group_permissions": ()}
MAPPINGS: Final = frozenset({"META", "headers", "COOKIES", "GET", "POST", "data", "query_params", "session",
                             "FILES"})
CREDENTIAL_KEY: Final = lazy_compile(r"auth|token|key|secret|session|user|login|jwt|bearer|signature|password|"
                                   r"cookie|csrf|sso|remote", re.IGNORECASE)
FRAMEWORK_PREFIXES: Final = ("rest_framework.", "django.", "ninja.", "ninja_extra.")


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be known before the request arrives (or cannot be read)."""

    reason: str


@dataclass(frozen=True, slots=True)
class MaybeMissing(Unknown):
    """An attribute that may not exist at all (`hasattr` cannot be answered either)."""


@dataclass(frozen=True, slots=True)
class MaybeRaises(Unknown):
    """A call that may raise for the anonymous request, or may return (the statement forks)."""


@dataclass(frozen=True, slots=True)
class Returned(Unknown):
    """What a call of library code returns (a response, a redirect, a lookup result)."""


@dataclass(frozen=True, slots=True, eq=False)
class Obj:
    """An object of the request's world: the request, its anonymous user, the view, a class, an
    instance of a project class, a bound method, a mapping the client fills, a manager."""

    kind: str
    """request, user, view, class, instance, method, function, external (a library module or function),
    mapping, manager, passed, super, op"""
    name: str = ""
    """A qualified class or function name, a mapping's attribute name, a method's name, an operator."""
    symbol: Symbol | None = None
    """The project class (class, instance, super) or function (function, method) it stands for."""
    receiver: Obj | None = None
    """The object a method is bound to; for `super`, the object whose class chain is searched."""
    parts: tuple[Any, ...] = ()
    """Operands of a permission operator (`&`, `|`, `~`)."""

    def __repr__(self) -> str:
        return f"Obj({self.kind}, {self.name or (self.symbol.qualname if self.symbol else '')})"


REQUEST: Final = Obj("request")
USER: Final = Obj("user")
VIEW: Final = Obj("view")
PASSED: Final = Obj("passed")
"""What calling the wrapped view (or the next middleware) returns: the request went through."""
MISSING: Final = MaybeMissing("no such attribute")


@dataclass(frozen=True, slots=True)
class Probe:
    """The route being asked about."""

    method: str | None = None
    """The HTTP method (None: any method)."""
    action: str | None = None
    """The viewset action (`list`, `retrieve`, an `@action` name); None for other views."""
    detail: bool | None = None
    """A viewset route on one object (`{pk}` in the path); None when not a viewset."""
    view: ClassInfo | None = None
    """The view class, whose attributes `view.x` and `getattr(view, "x")` read."""
    view_attrs: tuple[tuple[str, Any], ...] = ()
    """Attributes set on the view instance (`as_view(**initkwargs)`, `@action(permission_classes=...)`)."""
    backends: tuple[str, ...] = ()
    """Authentication backends that may grant anonymous users permissions: a project backend's
    `has_perm` is read, a library's (django-rules, django-guardian) makes `has_perm` unknown."""
    passthrough: frozenset[str] = frozenset()
    """Names that stand for the wrapped view or the next middleware: calling them lets the request through."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one path through the code ends: a returned value, or a raised exception."""

    raised: bool
    value: Any = None


class Raised(Exception):
    """The code raises for the anonymous request (`PermissionDenied`, an `AttributeError` on
    `AnonymousUser`, a missing header)."""


class TooMany(Exception):
    """The code has more paths than are worth following."""


@dataclass
class Frame:
    """What a running function sees besides its locals."""

    mod: ModuleSummary
    cls: ClassInfo | None = None
    """The class of `self` (its chain is searched by `super()`)."""
    owner: Symbol | None = None
    """The class that defines the running method."""
    depth: int = 0
    scope: Symbol | None = None
    """A class whose body the code is written in (class attributes, decorator arguments): its names first."""


Env = dict[str, Any]
External = Callable[["ValueReader", str, str, Obj, list[Any], dict[str, Any]], Any]
"""(reader, qualified class name, method name, receiver, arguments, caller's locals) -> the method's
result, or None when the class is not known: framework classes (DRF's permissions, `APIView`)."""


MUTATORS: Final = frozenset({"append", "extend", "insert", "add", "update", "remove", "discard", "pop", "clear",
                             "setdefault", "sort", "reverse"})
VALUE_METHODS: Final = frozenset({"get", "keys", "values", "items", "startswith", "endswith", "lower", "upper",
                                  "strip", "split", "count", "index"})


def value_method(value: Any, name: str, args: list[Any], where: str) -> Any:
    """A few methods of dicts, strings and tuples, on known arguments."""
    if not all(is_plain(a) for a in args):
        return Unknown(f"{where}: its arguments cannot be read")
    try:
        if isinstance(value, dict):
            if name == "get" and args and hashable(args[0]):
                return value.get(args[0], args[1] if len(args) > 1 else None)
            if name in ("keys", "values", "items"):
                return tuple(getattr(value, name)())
        elif isinstance(value, str) and name in ("startswith", "endswith", "lower", "upper", "strip", "split"):
            result = getattr(value, name)(*args)
            return tuple(result) if isinstance(result, list) else result
        elif isinstance(value, tuple | list) and name in ("count", "index"):
            return getattr(value, name)(*args)
    except (TypeError, ValueError):
        pass
    return Unknown(f"{where} cannot be read")


class NotBuiltin:
    """The marker `_builtin` returns for a name that is not a builtin it knows."""


NOT_BUILTIN: Final = NotBuiltin()


def truth(value: Any) -> bool | None:
    """Python truth of a reader value (None when unknown)."""
    if isinstance(value, Unknown):
        return None
    if isinstance(value, Obj):
        # A mapping the client fills may be empty; an attribute of a framework base may be anything.
        return None if value.kind == "mapping" or (value.kind == "method" and value.symbol is None) else True
    try:
        return bool(value)
    except Exception:
        return None


def same(a: Any, b: Any) -> bool:
    """Equality of reader values (objects by identity, unknowns never equal)."""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return False
    if isinstance(a, Obj) or isinstance(b, Obj):
        return a is b
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False




def slot(owner: Obj, name: str) -> str:
    """The locals key under which code's `owner.name = ...` is remembered."""
    return f"@{id(owner)}.{name}"


def heap(env: Env) -> Env:
    """The attributes code has set on objects (`self.permission_classes = ...`): a callee sees them."""
    return {k: v for k, v in env.items() if k.startswith("@")}


def is_static(func: FunctionDef) -> bool:
    """True for a `@staticmethod`."""
    return any(d.expr.dotted == "staticmethod" for d in func.decorators)


def is_permission(value: Any) -> bool:
    """True for what `&`, `|` and `~` combine: DRF permission classes and instances, django-rules
    predicates (functions), and their combinations."""
    return isinstance(value, Obj) and value.kind in ("class", "instance", "op", "function", "external")
