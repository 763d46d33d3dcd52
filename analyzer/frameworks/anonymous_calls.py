"""Calls read for an anonymous request: project functions and methods run with their arguments
bound, `super()`, builtins, the anonymous user's permission methods, framework classes through
`Reader.external` (see `apilint.frameworks.anonymous`)."""

from __future__ import annotations

from typing import Any

from apilint.frameworks.anonymous_model import (
    ANON_METHODS,
    CREDENTIAL_KEY,
    MISSING,
    MUTATORS,
    NOT_BUILTIN,
    PASSED,
    USER,
    VIEW,
    Env,
    Frame,
    MaybeMissing,
    Obj,
    Outcome,
    Raised,
    Returned,
    Unknown,
    heap,
    same,
    truth,
    value_method,
)
from apilint.frameworks.anonymous_values import ValueReader
from apilint.frameworks.classes import ClassInfo
from apilint.frameworks.django_rules import BUILTIN_PREDICATES, RULES_BACKEND, rule_for
from apilint.summary import Expr


class CallReader(ValueReader):
    """Adds calls to `ValueReader`."""

    def _call(self, e: Expr, env: Env, frame: Frame) -> Any:
        func = e.func
        if func.kind == "name" and func.text not in env:
            builtin = self._builtin(func.text, e, env, frame)
            if builtin is not NOT_BUILTIN:
                return builtin
        if (func.dotted or "") in self.probe.passthrough:
            return PASSED
        if func.kind == "attr" and func.text in MUTATORS and func.args[0].kind in ("name", "attr"):
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
                                          closure=heap(env)), where)
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
            if name in ANON_METHODS:
                return ANON_METHODS[name]
            return self._backends(name, args, frame)
        if receiver.kind == "manager":
            return {"exists": False, "count": 0, "first": None, "last": None}.get(name, receiver)
        if receiver.kind == "mapping":
            if name == "get" and args:
                key = args[0]
                if isinstance(key, str) and CREDENTIAL_KEY.search(key):
                    return args[1] if len(args) > 1 else kwargs.get("default")
            return Unknown(f"`request.{receiver.name}` is filled by the client")
        if receiver.kind == "super":
            return self._super_call(receiver, name, args, kwargs, env, frame, where)
        if receiver.kind == "value":
            return value_method(receiver.parts[0], name, args, where)
        symbol = method.symbol
        if symbol is not None and symbol.cls is not None:
            found = symbol.cls.method(name)
            if found is not None:
                info = self.probe.view if receiver is VIEW else (
                    ClassInfo(self.index, receiver.symbol) if receiver.symbol is not None else None)
                return self._result(self.call(symbol, found, args, kwargs, receiver, info, frame.depth + 1,
                                              heap(env)), where)
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
        perms: tuple[Any, ...] = ()
        if args and name == "has_perm":
            perms = (args[0],)
        elif args and name == "has_perms":
            perms = tuple(args[0]) if isinstance(args[0], tuple | list) else (Unknown("the permissions asked for"),)
        return self.anonymous_has_perms(perms or (Unknown("the permission asked for"),), args[1:2], frame)

    def anonymous_has_perms(self, perms: tuple[Any, ...], obj: list[Any], frame: Frame) -> Any:
        """Whether an anonymous user holds every one of `perms` (True, False or `Unknown`), asking the
        project's backends that may grant anonymous users permissions (`Probe.backends`)."""
        results = [self._anonymous_has_perm(perm, obj, frame) for perm in perms]
        if any(r is False for r in results):
            return False
        return next((r for r in results if r is not True), True) if results else False

    def _anonymous_has_perm(self, perm: Any, obj: list[Any], frame: Frame) -> Any:
        answers: list[Any] = []
        for backend in self.probe.backends:
            if backend == RULES_BACKEND:
                answers.append(self._rule(perm, obj, frame))
                continue
            symbol = self.index.lookup(backend)
            found = ClassInfo(self.index, symbol).method("has_perm") if symbol is not None and symbol.cls else None
            if symbol is None or found is None:
                return Unknown(f"permissions of anonymous users come from {backend}")
            me = Obj("instance", backend, symbol)
            outcomes = self.call(found[1], found[0], [USER, perm, *obj], receiver=me,
                                 cls=ClassInfo(self.index, symbol), depth=frame.depth + 1)
            answers.append(self._result(outcomes, f"`{backend}.has_perm()`") if outcomes else False)
        if any(a is True for a in answers):
            return True
        for answer in answers:
            if truth(answer) is None:
                why = answer.reason if isinstance(answer, Unknown) else "a value that cannot be read"
                return Unknown(f"permissions of anonymous users come from {' and '.join(self.probe.backends)} "
                               f"({why})")
        return False

    def _rule(self, perm: Any, obj: list[Any], frame: Frame) -> Any:
        """django-rules: the predicate registered for `perm`, evaluated for the anonymous user."""
        if not isinstance(perm, str):
            return Unknown("the permission asked for cannot be read")
        found = rule_for(self.index, perm)
        if found is None:
            return False  # a permission no rule names is never granted by django-rules
        expr, mod = found
        predicate = self.value(expr, {}, Frame(mod, depth=frame.depth + 1))
        return self._predicate(predicate, obj[0] if obj else Unknown("the object asked about"), frame, 0)

    def _predicate(self, predicate: Any, obj: Any, frame: Frame, depth: int) -> Any:
        if depth > 12:
            return Unknown("a predicate too deeply combined")
        if isinstance(predicate, bool):
            return predicate
        if isinstance(predicate, Obj) and predicate.kind == "op":
            parts = [_decided(self._predicate(p, obj, frame, depth + 1)) for p in predicate.parts]
            if predicate.name == "~":
                return Unknown("a negated predicate") if truth(parts[0]) is None else not parts[0]
            decisive = predicate.name == "|"  # `|` is decided by a True part, `&` by a False one
            if any(p is decisive for p in parts):
                return decisive
            return next((p for p in parts if p is not (not decisive)), not decisive)
        if isinstance(predicate, Obj) and predicate.kind == "function" and predicate.symbol is not None and \
                predicate.symbol.func is not None:
            outcomes = self.call(predicate.symbol, predicate.symbol.func, [USER, obj], depth=frame.depth + 1)
            return self._result(outcomes, f"`{predicate.symbol.qualname}()`")
        if isinstance(predicate, Obj) and predicate.kind in ("external", "class"):
            short = predicate.name.rsplit(".", 1)[-1]
            if short in BUILTIN_PREDICATES:
                return BUILTIN_PREDICATES[short]
        return Unknown("a predicate that cannot be read")

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
                                              heap(env)), where)
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
            default = self.value(args[2], env, frame) if len(args) > 2 else MISSING
            try:
                found = self.attribute(owner, attr, env)
            except Raised:
                found = MISSING
            if found is MISSING:
                if name == "hasattr":
                    return False
                if default is MISSING:
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
        return NOT_BUILTIN

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


def _decided(value: Any) -> Any:
    """A predicate's result as True, False or `Unknown`."""
    test = truth(value)
    return Unknown(value.reason if isinstance(value, Unknown) else "a predicate's result") if test is None else test
