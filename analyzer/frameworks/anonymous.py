"""What project auth code does with an anonymous request, read without running it.

DRF permission classes, Django middleware and decorator wrappers and Ninja auth callables are
judged the same way: their body is run abstractly for one route, with that route's HTTP method,
viewset action, detail flag and view class known, and the caller anonymous: `request.user` is
Django's `AnonymousUser`, `request.auth` is None, and no credential (Authorization header, token
parameter, session key, API key) is sent. Everything else the code reads (attributes middleware
put on the request, the database, the URL) is `Unknown`, and a test on an unknown value runs
both branches. The route's answer is what every path does with the anonymous caller: all let it
through, none does, or it depends (with the first thing that could not be read as the reason).

Project functions and methods the code calls are read the same way with their arguments bound
(`self._check(request)`, `super().has_permission(request, view)`, `Policy().has_permission(...)`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from apilint.frameworks.classes import ClassInfo
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts
from apilint.values import Instance, Opaque, Ref, Scope, compare_values, is_plain

SAFE: Final = ("GET", "HEAD", "OPTIONS")
_MAX_PATHS: Final = 64
_MAX_CALLS: Final = 4
_MAX_BLOCK: Final = 16
_MAX_STEPS: Final = 4000
_ANON_ATTRS: Final[dict[str, Any]] = {
    "is_authenticated": False, "is_anonymous": True, "is_staff": False, "is_superuser": False,
    "is_active": False, "id": None, "pk": None, "username": "", "email": None}
_ANON_METHODS: Final[dict[str, Any]] = {"get_username": "", "get_all_permissions": (), "get_user_permissions": (),
                                        "get_group_permissions": ()}
_MAPPINGS: Final = frozenset({"META", "headers", "COOKIES", "GET", "POST", "data", "query_params", "session",
                              "FILES"})
_CREDENTIAL_KEY: Final = re.compile(r"auth|token|key|secret|session|user|login|jwt|bearer|signature|password|"
                                    r"cookie|csrf|sso|remote", re.IGNORECASE)
_FRAMEWORK_PREFIXES: Final = ("rest_framework.", "django.", "ninja.", "ninja_extra.")


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
_MISSING: Final = MaybeMissing("no such attribute")


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


class _TooMany(Exception):
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
External = Callable[["Reader", str, str, Obj, list[Any], dict[str, Any]], Any]
"""(reader, qualified class name, method name, receiver, arguments, caller's locals) -> the method's
result, or None when the class is not known: framework classes (DRF's permissions, `APIView`)."""


@dataclass
class Reader:
    """Runs project code abstractly for one `Probe`."""

    index: ProjectIndex
    probe: Probe
    external: External | None = None
    reasons: list[str] = field(default_factory=list)
    """Why a test could not be decided, in the order met (the first is the one to report)."""
    reads_user: bool = False
    """True once the code asked whether the user is authenticated (an optional-auth hint)."""
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    """Module-level names already read (shareable between readers of one project)."""
    _steps: int = 0
    _binds: dict[int, tuple[Stmt, Any]] = field(default_factory=dict)
    """Loop variables of unrolled loops, by the id of the binding statement (kept alive with it)."""

    # --- running functions ----------------------------------------------------------
    def call(self, symbol: Symbol, func: FunctionDef, args: list[Any], kwargs: dict[str, Any] | None = None,
             receiver: Obj | None = None, cls: ClassInfo | None = None, depth: int = 0,
             closure: Env | None = None) -> list[Outcome]:
        """Run `func` (a function, or a method of class `symbol` when `receiver` is given) and return
        how each path ends; `closure` holds the names it sees from an enclosing function."""
        if depth > _MAX_CALLS:
            return [Outcome(False, Unknown(f"`{func.name}` calls too deep to follow"))]
        if depth == 0:
            self._steps = 0
        mod = symbol.module
        frame = Frame(mod, cls, symbol if receiver is not None else None, depth)
        env = {**(closure or {}), **self.bind(func, frame, args, kwargs or {}, receiver)}
        try:
            ends = self._block(list(func.body), env, frame, 0)
        except _TooMany:
            if depth:
                raise
            self.reasons.append("too many paths to follow")
            return [Outcome(False, Unknown("too many paths to follow"))]
        return [end if end is not None else Outcome(False, None) for end, _env in ends]

    def bind(self, func: FunctionDef, frame: Frame, args: list[Any], kwargs: dict[str, Any],
             receiver: Obj | None = None) -> Env:
        """`func`'s parameters bound to the arguments of a call (defaults read in `frame`'s module)."""
        env: Env = {}
        params = list(func.params)
        if receiver is not None and params and not _is_static(func):
            env[params[0].name] = receiver
            params = params[1:]
        positional = list(args)
        for param in params:
            if param.kind in ("vararg", "kwarg"):
                env[param.name] = Unknown(f"`*{param.name}` arguments")
                continue
            if param.kind != "kwonly" and positional:
                env[param.name] = positional.pop(0)
            elif param.name in kwargs:
                env[param.name] = kwargs[param.name]
            elif param.default is not None:
                env[param.name] = self.value(param.default, {}, Frame(frame.mod, depth=frame.depth))
            else:
                env[param.name] = Unknown(f"parameter `{param.name}`")
        return env

    def _block(self, stmts: list[Stmt], env: Env, frame: Frame,
               depth: int) -> list[tuple[Outcome | None, Env]]:
        """Every (ending, locals) of running `stmts`; ending None means the block fell through."""
        if depth > _MAX_BLOCK:
            return [(Outcome(False, Unknown("code too deeply nested to follow")), env)]
        for i, stmt in enumerate(stmts):
            rest = stmts[i + 1:]
            try:
                forked = self._stmt(stmt, rest, env, frame, depth)
            except Raised:
                return [(Outcome(True), env)]
            if forked is not None:
                return forked[:_MAX_PATHS] if len(forked) <= _MAX_PATHS else [
                    (Outcome(False, Unknown("too many paths to follow")), env)]
        return [(None, env)]

    def _stmt(self, stmt: Stmt, rest: list[Stmt], env: Env, frame: Frame,
              depth: int) -> list[tuple[Outcome | None, Env]] | None:
        """Run one statement; returns the block's endings when it ends or forks the block."""
        self._steps += 1
        if self._steps > _MAX_STEPS:
            raise _TooMany
        kind = stmt.kind
        if kind == "return":
            value = self.value(stmt.value, env, frame) if stmt.value is not None else None
            return [(Outcome(False, value), env)]
        if kind == "raise":
            return [(Outcome(True), env)]
        if kind in ("assign", "annassign") and stmt.value is not None:
            value = self.value(stmt.value, env, frame)
            for target in stmt.targets:
                self._assign(target, value, env, frame)
        elif kind == "augassign" and stmt.value is not None:
            for target in stmt.targets:
                old = self.value(target, env, frame) if target.kind == "name" else None
                more = self.value(stmt.value, env, frame)
                grown = (*old, *more) if stmt.name in ("+", "") and isinstance(old, tuple) and \
                    isinstance(more, tuple | list) else Unknown(f"`{target.render(30)}` is updated")
                self._assign(target, grown, env, frame)
        elif kind == "expr" and stmt.value is not None:
            if isinstance(self.value(stmt.value, env, frame), MaybeRaises):
                return [(Outcome(True), env), *self._block(rest, dict(env), frame, depth + 1)]
        elif kind == "bind":
            self._assign(stmt.targets[0], self._binds[id(stmt)][1], env, frame)
        elif kind == "import":
            for target, source in zip(stmt.targets, stmt.exprs, strict=False):
                env[target.text] = self.qualified(source.text)
        elif kind == "assert" and stmt.value is not None:
            test = self.truth(self.value(stmt.value, env, frame), stmt.value)
            if test is False:
                return [(Outcome(True), env)]
            if test is None:
                return [(Outcome(True), env), *self._block(rest, dict(env), frame, depth + 1)]
        elif kind == "if" and stmt.value is not None:
            test = self.truth(self.value(stmt.value, env, frame), stmt.value)
            branches = [stmt.body] if test is True else [stmt.orelse] if test is False else [stmt.body, stmt.orelse]
            out: list[tuple[Outcome | None, Env]] = []
            for branch in branches:
                out += self._block(list(branch) + rest, dict(env), frame, depth + 1)
            return out
        elif kind == "try":
            return self._try(stmt, rest, env, frame, depth)
        elif kind == "with":
            return self._block(list(stmt.body) + rest, env, frame, depth + 1)
        elif kind in ("for", "while"):
            return self._loop(stmt, rest, env, frame, depth)
        elif kind == "match":
            return [(Outcome(False, Unknown("a `match` statement")), env)]
        elif kind in ("def", "class"):
            name = stmt.func.name if stmt.func is not None else stmt.cls.name if stmt.cls is not None else ""
            env[name] = Unknown(f"`{name}` is defined inside the function")
        return None

    def _try(self, stmt: Stmt, rest: list[Stmt], env: Env, frame: Frame,
             depth: int) -> list[tuple[Outcome | None, Env]]:
        out: list[tuple[Outcome | None, Env]] = []
        after = list(stmt.finalbody) + rest
        for end, inner in self._block(list(stmt.body), dict(env), frame, depth + 1):
            if end is None:
                out += self._block(list(stmt.orelse) + after, inner, frame, depth + 1)
            elif end.raised and stmt.handlers:
                for handler in stmt.handlers:
                    out += self._block(list(handler.body) + after, dict(inner), frame, depth + 1)
            else:
                out.append((end, inner))
        return out

    def _loop(self, stmt: Stmt, rest: list[Stmt], env: Env, frame: Frame,
              depth: int) -> list[tuple[Outcome | None, Env]]:
        inner = list(walk_stmts(stmt.body))
        if stmt.kind == "for" and stmt.value is not None and stmt.targets and \
                not any(s.kind in ("break", "continue") for s in inner):
            items = self.value(stmt.value, env, frame)
            if isinstance(items, tuple | list) and len(items) <= 16:
                # A known collection: one copy of the body per item, each after binding the loop variable.
                unrolled: list[Stmt] = []
                for item in items:
                    bind = Stmt("bind", stmt.line, targets=stmt.targets[:1])
                    self._binds[id(bind)] = (bind, item)
                    unrolled += [bind, *stmt.body]
                return self._block(unrolled + list(stmt.orelse) + rest, env, frame, depth + 1)
        if not any(s.kind in ("return", "raise") or (s.kind == "expr" and s.value is not None and
                                                     s.value.kind == "call") for s in inner):
            for target in stmt.targets:
                self._assign(target, Unknown("a loop variable"), env, frame)
            return self._block(rest, env, frame, depth + 1)
        once = dict(env)
        for target in stmt.targets:
            self._assign(target, Unknown("a loop variable"), once, frame)
        self.reasons.append("a loop over values that cannot be read")
        return [*self._block(list(stmt.body) + rest, once, frame, depth + 1),
                *self._block(list(stmt.orelse) + rest, dict(env), frame, depth + 1)]

    def _assign(self, target: Expr, value: Any, env: Env, frame: Frame) -> None:
        if target.kind == "name":
            env[target.text] = value
        elif target.kind == "attr":
            owner = self.value(target.args[0], env, frame)
            if isinstance(owner, Obj):
                env[_slot(owner, target.text)] = value
        elif target.kind in ("tuple", "list"):
            items = value if isinstance(value, tuple | list) and len(value) == len(target.args) else None
            for i, sub in enumerate(target.args):
                self._assign(sub, items[i] if items is not None else Unknown("an unpacked value"), env, frame)

    # --- values -----------------------------------------------------------------------
    def truth(self, value: Any, where: Expr | None = None) -> bool | None:
        """The truth of a value (None when it cannot be known); records why when unknown."""
        result = truth(value)
        if result is None:
            reason = value.reason if isinstance(value, Unknown) else "a value that cannot be read"
            self.reasons.append(f"`{where.render(60)}`: {reason}" if where is not None else reason)
        return result

    def value(self, e: Expr | None, env: Env, frame: Frame) -> Any:
        """The value of `e` for the anonymous request (raises `Raised` when evaluating it raises)."""
        if e is None:
            return None
        kind = e.kind
        if kind == "const":
            return {"True": True, "False": False, "None": None}.get(e.text, Unknown("`...`"))
        if kind == "str":
            return e.text
        if kind == "num":
            try:
                return int(e.text.replace("_", ""), 0)
            except ValueError:
                return Unknown(f"the number {e.text}")
        if kind in ("list", "tuple", "set"):
            items: list[Any] = []
            for arg in e.args:
                if arg.kind == "starred":
                    inner = self.value(arg.args[0], env, frame)
                    if not isinstance(inner, tuple | list):
                        return Unknown(f"`{e.render(40)}` unpacks a value that cannot be read")
                    items += list(inner)
                else:
                    items.append(self.value(arg, env, frame))
            return tuple(items)
        if kind == "dict":
            return self._dict(e, env, frame)
        if kind == "name":
            return self._name(e.text, env, frame)
        if kind == "attr":
            return self._attr_expr(e, env, frame)
        if kind == "call":
            return self._call(e, env, frame)
        if kind == "unary":
            return self._unary(e, env, frame)
        if kind == "boolop":
            return self._boolop(e, env, frame)
        if kind == "binop":
            return self._binop(e, env, frame)
        if kind == "compare":
            return self._compare(e, env, frame)
        if kind == "ifexp":
            test = self.truth(self.value(e.args[0], env, frame), e.args[0])
            if test is None:
                body, orelse = self.value(e.args[1], env, frame), self.value(e.args[2], env, frame)
                return body if same(body, orelse) else Unknown(f"`{e.args[0].render(40)}` cannot be read")
            return self.value(e.args[1] if test else e.args[2], env, frame)
        if kind == "namedexpr":
            value = self.value(e.args[1], env, frame)
            self._assign(e.args[0], value, env, frame)
            return value
        if kind == "subscript":
            return self._subscript(e, env, frame)
        if kind == "comp":
            return self._comprehension(e, env, frame)
        if kind == "await":
            return self.value(e.args[0], env, frame) if e.args else Unknown("an await")
        return Unknown(f"`{e.render(40)}` is not evaluated")

    def _dict(self, e: Expr, env: Env, frame: Frame) -> Any:
        out: dict[Any, Any] = {}
        for key, item in zip(e.args[::2], e.args[1::2], strict=False):
            if key.kind == "starstar":
                return Unknown(f"`{e.render(40)}` merges a value")
            k = self.value(key, env, frame)
            if not _hashable(k):
                return Unknown(f"`{e.render(40)}` has a key that cannot be read")
            out[k] = self.value(item, env, frame)
        return out

    def _name(self, name: str, env: Env, frame: Frame) -> Any:
        if name in env:
            return env[name]
        if name == "SAFE_METHODS":
            return SAFE
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        if frame.scope is not None and frame.scope.cls is not None:
            member = self.index.lookup(f"{frame.scope.qualname}.{name}")
            if member is not None and member.cls is not None:
                return Obj("class", member.qualname, member)
            found = frame.scope.cls.attribute(name)
            if found is not None:
                return self._class_value(found, frame.scope)
        return self._global(frame.mod, name)

    def _global(self, mod: ModuleSummary, name: str) -> Any:
        key = (mod.path, name)
        if key not in self.cache:
            # A scope keeps the evaluator from memoizing this throw-away expression by its id.
            found = self.index.values.value(mod, Expr("name", name), Scope(mod)).first
            self.cache[key] = self._convert(mod, found, self.index.qualify(mod, name))
        return self.cache[key]

    def _convert(self, mod: ModuleSummary, found: Any, qualified: str) -> Any:
        """An evaluator value as a value of this reader."""
        if isinstance(found, Ref):
            kind = "class" if found.symbol.cls is not None else "function"
            return Obj(kind, found.symbol.qualname, found.symbol)
        if isinstance(found, Instance):
            return Obj("instance", found.cls.qualname, found.cls)
        if isinstance(found, Opaque):
            if found.expr.kind in ("name", "attr"):
                qualified = self.index.qualify_expr(found.mod, found.expr) or qualified
            short = qualified.rsplit(".", 1)[-1]
            if qualified.endswith("SAFE_METHODS"):
                return SAFE
            if "." in qualified and short[:1].isupper() and not short.isupper():
                return Obj("class", qualified)
            if "." in qualified and self.index.lookup(qualified) is None and short[:1].islower():
                return Obj("external", qualified)  # a library module or function
            return Unknown(f"`{qualified}`: {found.reason}")
        if isinstance(found, list):
            return tuple(self._convert(mod, item, qualified) for item in found)
        if isinstance(found, tuple):
            return tuple(self._convert(mod, item, qualified) for item in found)
        if is_plain(found):
            return found
        return Unknown(f"`{qualified}` cannot be read")

    def qualified(self, qualified: str) -> Any:
        """The value a dotted name of the project or a library stands for (a class, a function)."""
        symbol = self.index.lookup(qualified)
        if symbol is not None and symbol.cls is not None:
            return Obj("class", symbol.qualname, symbol)
        if symbol is not None and symbol.func is not None:
            return Obj("function", symbol.qualname, symbol)
        short = qualified.rsplit(".", 1)[-1]
        if short == "SAFE_METHODS":
            return SAFE
        if short[:1].isupper() and not short.isupper():
            return Obj("class", qualified)
        return Obj("external", qualified) if short[:1].islower() else Unknown(f"`{qualified}`")

    def _attr_expr(self, e: Expr, env: Env, frame: Frame) -> Any:
        if e.text == "SAFE_METHODS":
            return SAFE
        root = e
        while root.kind == "attr":
            root = root.args[0]
        if root.kind == "name" and root.text not in env and e.dotted is not None:
            # A module-level name (a settings object, a constant, an enum member, a module's class):
            # the evaluator reads it.
            found = self.index.values.value(frame.mod, e).first
            if is_plain(found) or isinstance(found, Ref):
                return self._convert(frame.mod, found, self.index.qualify(frame.mod, e.dotted))
            owner = self.value(e.args[0], env, frame)
            if isinstance(owner, Obj):
                return self.attribute(owner, e.text, env)
            return self._convert(frame.mod, found, self.index.qualify(frame.mod, e.dotted))
        owner = self.value(e.args[0], env, frame)
        return self.attribute(owner, e.text, env)

    def attribute(self, owner: Any, name: str, env: Env) -> Any:
        """`owner.name` (raises `Raised` where Python would raise AttributeError for the anonymous user)."""
        if isinstance(owner, Unknown):
            return Unknown(owner.reason)
        if not isinstance(owner, Obj):
            if name in _VALUE_METHODS and isinstance(owner, dict | str | tuple | list):
                return Obj("method", name, receiver=Obj("value", parts=(owner,)))
            return Unknown(f"`.{name}` of a value")
        slot = _slot(owner, name)
        if slot in env:
            return env[slot]
        kind = owner.kind
        if kind == "request":
            return self._request_attr(name)
        if kind == "user":
            if name in _ANON_ATTRS:
                if name in ("is_authenticated", "is_anonymous"):
                    self.reads_user = True
                return _ANON_ATTRS[name]
            if name in ("groups", "user_permissions"):
                return Obj("manager", name)
            if name in ("has_perm", "has_perms", "has_module_perms", *_ANON_METHODS):
                return Obj("method", name, receiver=USER)
            raise Raised  # AttributeError: AnonymousUser has no such attribute
        if kind == "view":
            return self._view_attr(name)
        if kind in ("instance", "class"):
            # A library class's member: a method `external` may know (DRF's permissions).
            return self._member(owner, name) if owner.symbol is not None else Obj("method", name, receiver=owner)
        if kind == "external":
            return self.qualified(f"{owner.name}.{name}")
        if kind in ("manager", "super"):
            return Obj("method", name, receiver=owner)
        if kind == "mapping":
            return Obj("method", name, receiver=owner)
        return Unknown(f"`{owner.name or owner.kind}.{name}`")

    def _request_attr(self, name: str) -> Any:
        if name == "user":
            return USER
        if name == "method":
            return self.probe.method if self.probe.method is not None else Unknown("the request's HTTP method")
        if name == "auth":
            return None
        if name in _MAPPINGS:
            return Obj("mapping", name)
        return MaybeMissing(f"`request.{name}` is set at run time")

    def _view_attr(self, name: str) -> Any:
        for key, value in self.probe.view_attrs:
            if key == name:
                return value
        if name == "action":
            return self.probe.action
        if name == "detail":
            return self.probe.detail if self.probe.detail is not None else Unknown("`view.detail` of a plain view")
        if name == "request":
            return REQUEST
        if name in ("kwargs", "args"):
            return Unknown(f"`view.{name}` come from the URL")
        info = self.probe.view
        if info is None:
            return Unknown(f"`view.{name}`: the view is not known")
        found = info.attribute(name)
        if found is not None:
            return self._class_value(found[0], found[1])
        method = info.method(name)
        if method is not None:
            return Obj("method", name, method[1], receiver=VIEW)
        if all(base.startswith(_FRAMEWORK_PREFIXES) for base in info.external):
            return _MISSING
        return MaybeMissing(f"`view.{name}` may come from a base class outside the project")

    def _member(self, owner: Obj, name: str) -> Any:
        assert owner.symbol is not None
        info = ClassInfo(self.index, owner.symbol)
        method = info.method(name)
        if method is not None:
            return Obj("method", name, method[1], receiver=owner)
        found = info.attribute(name)
        if found is not None:
            return self._class_value(found[0], found[1])
        if info.external:
            return Obj("method", name, receiver=owner)  # maybe a framework method: `external` answers
        return Unknown(f"`{owner.symbol.qualname}.{name}`")

    def _class_value(self, expr: Expr, owner: Symbol) -> Any:
        """A class attribute's value, read in the module that defines the class."""
        key = (f"{owner.qualname}:", str(id(expr)))
        if key not in self.cache:
            self.cache[key] = Unknown("a class attribute defined in terms of itself")
            self.cache[key] = self.value(expr, {}, Frame(owner.module, depth=_MAX_CALLS, scope=owner))
        return self.cache[key]

    def _subscript(self, e: Expr, env: Env, frame: Frame) -> Any:
        owner = self.value(e.args[0], env, frame)
        key = self.value(e.args[1], env, frame) if len(e.args) == 2 else Unknown("a slice")
        if isinstance(owner, Obj) and owner.kind == "mapping":
            if isinstance(key, str) and _CREDENTIAL_KEY.search(key):
                raise Raised  # KeyError: the anonymous caller sends no credential
            return Unknown(f"`request.{owner.name}` is filled by the client")
        if isinstance(owner, dict) and _hashable(key) and not isinstance(key, Unknown):
            return owner[key] if key in owner else Unknown(f"`{e.render(40)}`: no such key")
        if isinstance(owner, tuple) and isinstance(key, int) and -len(owner) <= key < len(owner):
            return owner[key]
        return Unknown(f"`{e.render(40)}` cannot be read")

    def _comprehension(self, e: Expr, env: Env, frame: Frame) -> Any:
        # Only the idiom `[p() for p in classes]` (and `[p for p in ...]`): the loop target is not kept.
        if e.text not in ("list", "gen", "set") or len(e.args) != 2:
            return Unknown(f"`{e.render(40)}` is not evaluated")
        element, iterable = e.args
        items = self.value(iterable, env, frame)
        if not isinstance(items, tuple | list):
            return Unknown(f"`{iterable.render(40)}` cannot be read")
        if element.kind == "name":
            return tuple(items)
        if element.kind == "call" and element.func.kind == "name" and not element.args[1:] and not element.keywords:
            return tuple(self._instantiate(item, element) for item in items)
        return Unknown(f"`{e.render(40)}` is not evaluated")

    # --- operators ---------------------------------------------------------------------
    def _unary(self, e: Expr, env: Env, frame: Frame) -> Any:
        inner = self.value(e.args[0], env, frame)
        if e.text == "not":
            test = self.truth(inner, e.args[0])
            return Unknown(f"`{e.args[0].render(40)}` cannot be read") if test is None else not test
        if e.text == "~" and isinstance(inner, Obj) and inner.kind in ("class", "instance", "op"):
            return Obj("op", "~", parts=(inner,))
        return Unknown(f"`{e.render(40)}` is not evaluated")

    def _boolop(self, e: Expr, env: Env, frame: Frame) -> Any:
        unknown: Unknown | None = None
        last: Any = None
        for operand in e.args:
            last = self.value(operand, env, frame)
            test = truth(last)
            if test is None:
                unknown = unknown or Unknown(f"`{operand.render(40)}` cannot be read")
                continue
            if (e.text == "or") == test:
                return last  # decides the whole expression whatever the unknown operands were
        return unknown if unknown is not None else last

    def _binop(self, e: Expr, env: Env, frame: Frame) -> Any:
        left = self.value(e.args[0], env, frame)
        right = self.value(e.args[1], env, frame)
        if e.text in ("&", "|") and _is_permission(left) and _is_permission(right):
            return Obj("op", e.text, parts=(left, right))
        if e.text == "+" and isinstance(left, tuple | list) and isinstance(right, tuple | list):
            return (*left, *right)
        if e.text == "+" and isinstance(left, str) and isinstance(right, str):
            return left + right
        return Unknown(f"`{e.render(40)}` is not evaluated")

    def _compare(self, e: Expr, env: Env, frame: Frame) -> Any:
        values = [self.value(a, env, frame) for a in e.args]
        result: Any = True
        for op, left, right in zip(e.text.split(","), values, values[1:], strict=False):
            answer = self._compare_one(op.strip(), left, right, e)
            if answer is False:
                return False
            if isinstance(answer, Unknown):
                result = answer
        return result

    def _compare_one(self, op: str, left: Any, right: Any, e: Expr) -> Any:
        if op in ("is", "is not"):
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return Unknown(f"`{e.render(40)}` cannot be read")
            return same(left, right) == (op == "is")
        if op in ("==", "!=") and (left is USER or right is USER):
            # AnonymousUser equals only another AnonymousUser: never a stored owner or author.
            return (left is right) == (op == "==")
        if op in ("in", "not in") and isinstance(right, Obj) and right.kind in ("manager", "mapping"):
            if right.kind == "manager" or (isinstance(left, str) and _CREDENTIAL_KEY.search(left)):
                return op == "not in"
            return Unknown(f"`{e.render(40)}`: the client decides")
        if is_plain(left) and is_plain(right):
            try:
                return compare_values(op, left, right)
            except (KeyError, TypeError):
                return Unknown(f"`{e.render(40)}` is not evaluated")
        if op in ("==", "!=") and (left is None or right is None) and any(
                w in e.render(120).lower() for w in ("header", "meta", "key", "token", "secret", "auth")):
            return op == "!="  # no credential sent, so it cannot equal the expected secret
        if op in ("==", "!=") and (isinstance(left, Obj) or isinstance(right, Obj)) and \
                not (isinstance(left, Unknown) or isinstance(right, Unknown)):
            return same(left, right) == (op == "==")
        return Unknown(f"`{e.render(40)}` cannot be read")

    # --- calls -------------------------------------------------------------------------
    def _call(self, e: Expr, env: Env, frame: Frame) -> Any:
        func = e.func
        if func.kind == "name" and func.text not in env:
            builtin = self._builtin(func.text, e, env, frame)
            if builtin is not _NOT_BUILTIN:
                return builtin
        if (func.dotted or "") in self.probe.passthrough:
            return PASSED
        if func.kind == "attr" and func.text in _MUTATORS and func.args[0].kind in ("name", "attr"):
            return self._mutate(func.args[0], func.text, e, env, frame)
        callee = self.value(func, env, frame)
        if isinstance(callee, MaybeMissing) and func.kind == "attr":
            owner = self.value(func.args[0], env, frame)
            if isinstance(owner, Obj) and owner.kind in ("view", "instance"):
                callee = Obj("method", func.text, receiver=owner)  # a framework base's method: `external` may know
        args = [self.value(a, env, frame) for a in e.positional if a.kind != "starred"]
        kwargs = {kw.name: self.value(kw.value, env, frame) for kw in e.keywords if kw.name is not None}
        return self.invoke(callee, args, kwargs, env, frame, e)

    def _mutate(self, target: Expr, method: str, e: Expr, env: Env, frame: Frame) -> Any:
        """`items.append(x)` and friends on a local collection: the local follows (else it becomes unknown)."""
        current = self.value(target, env, frame)
        if not isinstance(current, tuple | list | dict):
            return self.invoke(self.attribute(current, method, env), [], {}, env, frame, e)
        args = [self.value(a, env, frame) for a in e.positional]
        grown: Any = Unknown(f"`{target.render(30)}` is changed")
        if isinstance(current, tuple | list) and method == "append" and len(args) == 1:
            grown = (*current, args[0])
        elif isinstance(current, tuple | list) and method == "extend" and len(args) == 1 and \
                isinstance(args[0], tuple | list):
            grown = (*current, *args[0])
        self._assign(target, grown, env, frame)
        return None

    def invoke(self, callee: Any, args: list[Any], kwargs: dict[str, Any], env: Env, frame: Frame,
               e: Expr | None) -> Any:
        """Call a value: a project function or method is run, a class instantiated."""
        where = f"`{e.render(40)}`" if e is not None else "a call"
        if callee is PASSED:
            return PASSED
        if not isinstance(callee, Obj):
            return Unknown(f"{where} cannot be read")
        if callee.kind == "class":
            return Obj("instance", callee.name, callee.symbol)
        if callee.kind == "function" and callee.symbol is not None and callee.symbol.func is not None:
            return self._result(self.call(callee.symbol, callee.symbol.func, args, kwargs, depth=frame.depth + 1,
                                          closure=_heap(env)), where)
        if callee.kind == "method":
            return self._call_method(callee, args, kwargs, env, frame, where)
        if callee.kind in ("external", "function"):
            return Returned(f"{where} is library code")
        return Unknown(f"{where} cannot be read")

    def _call_method(self, method: Obj, args: list[Any], kwargs: dict[str, Any], env: Env, frame: Frame,
                     where: str) -> Any:
        receiver = method.receiver
        name = method.name
        assert receiver is not None
        if receiver is USER:
            if name in _ANON_METHODS:
                return _ANON_METHODS[name]
            return self._backends(name, args, frame)
        if receiver.kind == "manager":
            return {"exists": False, "count": 0, "first": None, "last": None}.get(name, receiver)
        if receiver.kind == "mapping":
            if name == "get" and args:
                key = args[0]
                if isinstance(key, str) and _CREDENTIAL_KEY.search(key):
                    return args[1] if len(args) > 1 else kwargs.get("default")
            return Unknown(f"`request.{receiver.name}` is filled by the client")
        if receiver.kind == "super":
            return self._super_call(receiver, name, args, kwargs, env, frame, where)
        if receiver.kind == "value":
            return _value_method(receiver.parts[0], name, args, where)
        symbol = method.symbol
        if symbol is not None and symbol.cls is not None:
            found = symbol.cls.method(name)
            if found is not None:
                info = self.probe.view if receiver is VIEW else (
                    ClassInfo(self.index, receiver.symbol) if receiver.symbol is not None else None)
                return self._result(self.call(symbol, found, args, kwargs, receiver, info, frame.depth + 1,
                                              _heap(env)), where)
        names: list[str] = []
        if receiver is VIEW and self.probe.view is not None:
            names = list(self.probe.view.external)
        elif receiver.kind in ("instance", "class") and receiver.symbol is not None:
            names = list(ClassInfo(self.index, receiver.symbol).external)
        elif receiver.kind in ("instance", "class"):
            names = [receiver.name]
        return self._external(names, name, receiver, args, env, where)

    def _backends(self, name: str, args: list[Any], frame: Frame) -> Any:
        """`AnonymousUser.has_perm()` (and friends): False, unless a backend may say otherwise."""
        if name not in ("has_perm", "has_perms", "has_module_perms"):
            return False
        answers: list[Any] = []
        for backend in self.probe.backends:
            symbol = self.index.lookup(backend)
            found = ClassInfo(self.index, symbol).method("has_perm") if symbol is not None and symbol.cls else None
            if symbol is None or found is None:
                return Unknown(f"permissions of anonymous users come from {backend}")
            perm = Unknown("the permission asked for") if name != "has_perm" or not args else args[0]
            me = Obj("instance", backend, symbol)
            outcomes = self.call(found[1], found[0], [USER, perm, *args[1:2]], receiver=me,
                                 cls=ClassInfo(self.index, symbol), depth=frame.depth + 1)
            answers.append(self._result(outcomes, f"`{backend}.has_perm()`") if outcomes else False)
        if any(a is True for a in answers):
            return True
        for answer in answers:
            if truth(answer) is None:
                return Unknown(f"permissions of anonymous users come from {' and '.join(self.probe.backends)}")
        return False

    def _external(self, names: list[str], name: str, receiver: Obj, args: list[Any], env: Env, where: str) -> Any:
        if self.external is not None:
            for qualified in names:
                found = self.external(self, qualified, name, receiver, args, env)
                if found is not None:
                    return found
        return Returned(f"{where} is library code")

    def _super_call(self, sup: Obj, name: str, args: list[Any], kwargs: dict[str, Any], env: Env, frame: Frame,
                    where: str) -> Any:
        """`super().name(...)`: the next class after the running method's class that defines it."""
        receiver = sup.receiver
        info = frame.cls
        if receiver is None or info is None or frame.owner is None:
            return Unknown(f"{where} cannot be read")
        chain = info.chain
        start = next((i for i, s in enumerate(chain) if s.qualname == frame.owner.qualname), -1)
        for symbol in chain[start + 1:]:
            assert symbol.cls is not None
            found = symbol.cls.method(name)
            if found is not None:
                return self._result(self.call(symbol, found, args, kwargs, receiver, info, frame.depth + 1,
                                              _heap(env)), where)
        return self._external(list(info.external), name, receiver, args, env, where)

    def _builtin(self, name: str, e: Expr, env: Env, frame: Frame) -> Any:
        args = e.positional
        if name == "super":
            receiver = env.get("self") if "self" in env else next(iter(env.values()), None)
            return Obj("super", receiver=receiver if isinstance(receiver, Obj) else None)
        if name == "bool" and args:
            value = self.value(args[0], env, frame)
            test = truth(value)
            return Unknown(f"`{args[0].render(40)}` cannot be read") if test is None else test
        if name == "isinstance" and len(args) == 2:
            return self._isinstance(self.value(args[0], env, frame), args[1], env, frame, e)
        if name in ("hasattr", "getattr") and len(args) >= 2:
            owner = self.value(args[0], env, frame)
            attr = self.value(args[1], env, frame)
            if not isinstance(attr, str):
                return Unknown(f"`{e.render(40)}` cannot be read")
            default = self.value(args[2], env, frame) if len(args) > 2 else _MISSING
            try:
                found = self.attribute(owner, attr, env)
            except Raised:
                found = _MISSING
            if found is _MISSING:
                if name == "hasattr":
                    return False
                if default is _MISSING:
                    raise Raised
                return default
            if name == "hasattr":
                return Unknown(found.reason) if isinstance(found, MaybeMissing) else True
            return found
        if name in ("any", "all") and len(args) == 1:
            items = self.value(args[0], env, frame)
            if isinstance(items, tuple | list):
                tests = [truth(i) for i in items]
                if None in tests:
                    return Unknown(f"`{e.render(40)}` cannot be read")
                return any(tests) if name == "any" else all(tests)
            return Unknown(f"`{e.render(40)}` cannot be read")
        if name == "len" and len(args) == 1:
            items = self.value(args[0], env, frame)
            return len(items) if isinstance(items, tuple | list | str | dict) else Unknown(
                f"`{e.render(40)}` cannot be read")
        return _NOT_BUILTIN

    def _isinstance(self, value: Any, types: Expr, env: Env, frame: Frame, e: Expr) -> Any:
        names = [t.render(60) for t in (types.args if types.kind == "tuple" else (types,))]
        if value is None:
            return any("NoneType" in n or n == "type(None)" for n in names)
        if value is USER:
            return any("Anonymous" in n for n in names)
        if isinstance(value, bool | int | str):
            builtin = {bool: "bool", int: "int", str: "str"}[type(value)]
            return builtin in names or (builtin == "bool" and "int" in names)
        return Unknown(f"`{e.render(40)}` cannot be read")

    def _instantiate(self, item: Any, where: Expr) -> Any:
        if isinstance(item, Obj) and item.kind == "class":
            return Obj("instance", item.name, item.symbol)
        if isinstance(item, Obj) and item.kind in ("instance", "op"):
            return item
        return Unknown(f"`{where.render(40)}` cannot be read")

    def _result(self, outcomes: list[Outcome], where: str) -> Any:
        """The value a call returns to its caller: one value when every path agrees."""
        if outcomes and all(o.raised for o in outcomes):
            raise Raised
        returned = [o.value for o in outcomes if not o.raised]
        if len(returned) == len(outcomes) and returned and all(same(returned[0], r) for r in returned[1:]):
            return returned[0]
        tests = {truth(r) for r in returned}
        if len(returned) == len(outcomes) and len(tests) == 1 and None not in tests:
            return tests.pop()
        return Unknown(f"{where} depends on what cannot be read")


_MUTATORS: Final = frozenset({"append", "extend", "insert", "add", "update", "remove", "discard", "pop", "clear",
                              "setdefault", "sort", "reverse"})
_VALUE_METHODS: Final = frozenset({"get", "keys", "values", "items", "startswith", "endswith", "lower", "upper",
                                   "strip", "split", "count", "index"})


def _value_method(value: Any, name: str, args: list[Any], where: str) -> Any:
    """A few methods of dicts, strings and tuples, on known arguments."""
    if not all(is_plain(a) for a in args):
        return Unknown(f"{where}: its arguments cannot be read")
    try:
        if isinstance(value, dict):
            if name == "get" and args and _hashable(args[0]):
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


class _NotBuiltin:
    pass


def gate(outcomes: list[Outcome], mode: str, reader: Reader) -> tuple[str, str]:
    """What the paths of a gate do with the anonymous caller: `allow`, `deny` or `unknown`, with the
    reason when unknown. `mode` says what letting through looks like: `permission` (a true
    result), `response` (returning what the wrapped view or the next middleware returned),
    `hook` (returning None, as Django's `process_request`/`process_view` do)."""
    allow = deny = False
    unknown = ""
    for outcome in outcomes:
        value = outcome.value
        if outcome.raised:
            deny = True
        elif mode == "permission":
            test = truth(value)
            if test is None:
                unknown = unknown or (value.reason if isinstance(value, Unknown) else "a result that cannot be read")
            elif test:
                allow = True
            else:
                deny = True
        elif (mode == "response" and value is PASSED) or (mode == "hook" and value is None):
            allow = True
        elif isinstance(value, Unknown) and not isinstance(value, Returned):
            unknown = unknown or value.reason
        else:
            deny = True  # a response of its own: a redirect, a 401/403, an error page
    if unknown or (allow and deny) or not outcomes:
        return "unknown", (reader.reasons[0] if reader.reasons else unknown or "its branches disagree")
    return ("deny" if deny else "allow"), ""


_NOT_BUILTIN: Final = _NotBuiltin()


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


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _slot(owner: Obj, name: str) -> str:
    return f"@{id(owner)}.{name}"


def _heap(env: Env) -> Env:
    """The attributes code has set on objects (`self.permission_classes = ...`): a callee sees them."""
    return {k: v for k, v in env.items() if k.startswith("@")}


def _is_static(func: FunctionDef) -> bool:
    return any(d.expr.dotted == "staticmethod" for d in func.decorators)


def _is_permission(value: Any) -> bool:
    return isinstance(value, Obj) and value.kind in ("class", "instance", "op")


__all__ = ["PASSED", "REQUEST", "SAFE", "USER", "VIEW", "Frame", "MaybeMissing", "MaybeRaises", "Obj", "Outcome",
           "Probe", "Raised", "Reader", "Returned", "Unknown", "gate", "same", "truth"]
