"""Expressions read for an anonymous request: names, attributes of the request, its user and the
view, subscripts, operators (see `apilint.frameworks.anonymous`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apilint.frameworks.anonymous_model import (
    ANON_ATTRS,
    ANON_METHODS,
    CREDENTIAL_KEY,
    FRAMEWORK_PREFIXES,
    MAPPINGS,
    MAX_CALLS,
    MISSING,
    REQUEST,
    SAFE,
    USER,
    VALUE_METHODS,
    VIEW,
    Env,
    External,
    Frame,
    MaybeMissing,
    Obj,
    Outcome,
    Probe,
    Raised,
    Unknown,
    is_permission,
    same,
    slot,
    truth,
)
from apilint.frameworks.classes import ClassInfo
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt
from apilint.values import Instance, Opaque, Ref, Scope, compare_values, is_plain
from apilint.values.ops import hashable


@dataclass
class ValueReader:
    """Reads expressions for one `Probe` (calls: `CallReader`; statements: `Reader`)."""

    index: ProjectIndex
    probe: Probe
    external: External | None = None
    reasons: list[str] = field(default_factory=list)
    """Why a test could not be decided, in the order met (the first is the one to report)."""
    reads_user: bool = False
    """True once the code asked whether the user is authenticated (an optional-auth hint)."""
    known: tuple[tuple[str, Any], ...] = ()
    """Library names with a known meaning, by the end of their qualified name (DRF's
    `api_settings.DEFAULT_PERMISSION_CLASSES` is the project's default permission list)."""
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    """Module-level names already read (shareable between readers of one project)."""
    _steps: int = 0
    _binds: dict[int, tuple[Stmt, Any]] = field(default_factory=dict)
    """Loop variables of unrolled loops, by the id of the binding statement (kept alive with it)."""

    # --- provided by the subclasses ---------------------------------------------------------
    def call(self, symbol: Symbol, func: FunctionDef, args: list[Any], kwargs: dict[str, Any] | None = None,
             receiver: Obj | None = None, cls: ClassInfo | None = None, depth: int = 0,
             closure: Env | None = None) -> list[Outcome]:
        """Run a project function (`Reader`)."""
        raise NotImplementedError

    def _call(self, e: Expr, env: Env, frame: Frame) -> Any:
        raise NotImplementedError

    def _assign(self, target: Expr, value: Any, env: Env, frame: Frame) -> None:
        if target.kind == "name":
            env[target.text] = value
        elif target.kind == "attr":
            owner = self.value(target.args[0], env, frame)
            if isinstance(owner, Obj):
                env[slot(owner, target.text)] = value
        elif target.kind in ("tuple", "list"):
            items = value if isinstance(value, tuple | list) and len(value) == len(target.args) else None
            for i, sub in enumerate(target.args):
                self._assign(sub, items[i] if items is not None else Unknown("an unpacked value"), env, frame)

    # --- values -------------------------------------------------------------------------
    def evaluate(self, expr: Expr, mod: ModuleSummary, scope: Symbol | None = None) -> Any:
        """The value of an expression written in `mod` (in the body of class `scope`), outside any
        function: a raise while reading it gives `Unknown`."""
        try:
            return self.value(expr, {}, Frame(mod, scope=scope))
        except Raised:
            return Unknown(f"`{expr.render(40)}` raises")

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
            if not hashable(k):
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
            assigns = self.index.values.module_assignments(mod).get(name, [])
            if isinstance(found, Opaque) and len(assigns) == 1 and not assigns[0][1] and \
                    assigns[0][0].value is not None and assigns[0][0].value.kind in ("binop", "unary"):
                # `can_view = is_public | is_member`: combined permissions or predicates the evaluator leaves.
                self.cache[key] = self.value(assigns[0][0].value, {}, Frame(mod, depth=MAX_CALLS))
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
            for suffix, known in self.known:
                if qualified.endswith(suffix):
                    return known
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
        if symbol is not None and symbol.value is not None and symbol.qualname.count(".") == \
                symbol.module.module.count(".") + 1:
            return self._global(symbol.module, symbol.qualname.rsplit(".", 1)[-1])  # a module-level name
        short = qualified.rsplit(".", 1)[-1]
        if short == "SAFE_METHODS":
            return SAFE
        for suffix, known in self.known:
            if qualified.endswith(suffix):
                return known
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
            if name in VALUE_METHODS and isinstance(owner, dict | str | tuple | list):
                return Obj("method", name, receiver=Obj("value", parts=(owner,)))
            return Unknown(f"`.{name}` of a value")
        key = slot(owner, name)
        if key in env:
            return env[key]
        kind = owner.kind
        if kind == "request":
            return self._request_attr(name)
        if kind == "user":
            if name in ANON_ATTRS:
                if name in ("is_authenticated", "is_anonymous"):
                    self.reads_user = True
                return ANON_ATTRS[name]
            if name in ("groups", "user_permissions"):
                return Obj("manager", name)
            if name in ("has_perm", "has_perms", "has_module_perms", *ANON_METHODS):
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
        if name in MAPPINGS:
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
            return self._property(method[0], method[1], VIEW, info) if _is_property(method[0]) else \
                Obj("method", name, method[1], receiver=VIEW)
        if all(base.startswith(FRAMEWORK_PREFIXES) for base in info.external):
            return MISSING
        return MaybeMissing(f"`view.{name}` may come from a base class outside the project")

    def _member(self, owner: Obj, name: str) -> Any:
        assert owner.symbol is not None
        info = ClassInfo(self.index, owner.symbol)
        method = info.method(name)
        if method is not None:
            return self._property(method[0], method[1], owner, info) if _is_property(method[0]) else \
                Obj("method", name, method[1], receiver=owner)
        found = info.attribute(name)
        if found is not None:
            return self._class_value(found[0], found[1])
        if info.external:
            return Obj("method", name, receiver=owner)  # maybe a framework method: `external` answers
        return Unknown(f"`{owner.symbol.qualname}.{name}`")

    def _property(self, func: FunctionDef, owner: Symbol, receiver: Obj, info: ClassInfo) -> Any:
        """A `@property`: what its getter returns, read like any method."""
        outcomes = self.call(owner, func, [], receiver=receiver, cls=info, depth=MAX_CALLS - 1)
        returned = [o.value for o in outcomes if not o.raised]
        if outcomes and len(returned) == len(outcomes) and all(same(returned[0], r) for r in returned[1:]):
            return returned[0]
        return Unknown(f"`{func.name}` (a property) depends on what cannot be read")

    def _class_value(self, expr: Expr, owner: Symbol) -> Any:
        """A class attribute's value, read in the module that defines the class."""
        key = (f"{owner.qualname}:", str(id(expr)))
        if key not in self.cache:
            self.cache[key] = Unknown("a class attribute defined in terms of itself")
            self.cache[key] = self.value(expr, {}, Frame(owner.module, depth=MAX_CALLS, scope=owner))
        return self.cache[key]

    def _subscript(self, e: Expr, env: Env, frame: Frame) -> Any:
        owner = self.value(e.args[0], env, frame)
        key = self.value(e.args[1], env, frame) if len(e.args) == 2 else Unknown("a slice")
        if isinstance(owner, Obj) and owner.kind == "mapping":
            if isinstance(key, str) and CREDENTIAL_KEY.search(key):
                raise Raised  # KeyError: the anonymous caller sends no credential
            return Unknown(f"`request.{owner.name}` is filled by the client")
        if isinstance(owner, dict) and hashable(key) and not isinstance(key, Unknown):
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
        if e.text == "~" and is_permission(inner):
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
        if e.text in ("&", "|") and is_permission(left) and is_permission(right):
            return Obj("op", e.text, parts=(left, right))  # DRF permissions, django-rules predicates
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
            if right.kind == "manager" or (isinstance(left, str) and CREDENTIAL_KEY.search(left)):
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

    def _instantiate(self, item: Any, where: Expr) -> Any:
        if isinstance(item, Obj) and item.kind == "class":
            return Obj("instance", item.name, item.symbol)
        if isinstance(item, Obj) and item.kind in ("instance", "op"):
            return item
        return Unknown(f"`{where.render(40)}` cannot be read")


def _is_property(func: FunctionDef) -> bool:
    return any((d.expr.dotted or "").rsplit(".", 1)[-1] in ("property", "cached_property") for d in func.decorators)
