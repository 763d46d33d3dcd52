"""Calls: project functions read with their arguments bound (their bodies run symbolically, an
`if` whose test is known picks its branch), classes instantiated, callable objects, and the
calls whose meaning is known (`known_calls`, `environment`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt
from apilint.values import classes, environment, known_calls, names
from apilint.values.scope import MUTATORS, Scope, is_local, mutated_name
from apilint.values.types import MAX_DEPTH, MAX_OPTIONS, Instance, Opaque, Ref, Value, opaque

if TYPE_CHECKING:
    from apilint.project import Symbol
    from apilint.values.evaluator import Evaluator

_MAX_CALL_DEPTH: Final = 3


def call_value(ev: Evaluator, mod: ModuleSummary, call: Expr, scope: Scope | None, depth: int) -> Value:
    """What a call returns: a known call's result, a project function's return values, an `Instance`
    of a project class, or an `Opaque` naming the call."""
    func = call.func
    if func.kind == "attr" and func.text in MUTATORS:  # `x.append(...)` returns None: do not read `x`
        return Value((None,))
    # `a.b(...)` reads `a` once: the known-method check, the receiver and the callee share it (read
    # once each, a chain `q.filter(...).join(...).all()` would cost 2**length reads).
    read: Value | None = None
    if func.kind == "attr" and func.text in known_calls.STR_METHODS | {"items", "keys", "values", "get", "copy"}:
        target = read = ev.sub(mod, func.args[0], scope, depth)
        if target.known or isinstance(target.first, dict):
            method = known_calls.method_call(ev, mod, call, target, scope, depth)
            if method is not None:
                return method
    env = environment.env_call(ev, mod, call, scope, depth)
    if env is not None:
        return env
    dotted = func.dotted or ""
    qualified = names.qualify_name(ev, mod, dotted, scope) if dotted and not is_local(scope, dotted) else dotted
    builtin = known_calls.builtin_call(ev, mod, call, dotted, qualified, scope, depth)
    if builtin is not None:
        return builtin
    if func.kind == "attr":
        read = read if read is not None else ev.sub(mod, func.args[0], scope, depth)
        receiver = read.first
        callee = (classes.attribute_value(ev, mod, func, scope, depth + 1, read) if depth + 1 <= MAX_DEPTH
                  else opaque(mod, func, "too deeply nested to read"))
    else:
        receiver = None
        callee = ev.sub(mod, func, scope, depth)
    target = callee.first
    if isinstance(target, Ref):
        symbol = target.symbol
        if symbol.cls is not None:
            return Value((Instance(symbol, call, mod, scope),))
        if symbol.func is not None:
            bound_self = _receiver(ev, receiver, symbol)
            return _call_function(ev, symbol, call, mod, scope, depth, bound_self)
    if isinstance(target, Instance):
        dunder = classes.find_method(ev, target.cls, "__call__")
        if dunder is not None:
            owner, fn = dunder
            bound = ev.bind_arguments(mod, fn, call, scope, skip_self=True, depth=depth)
            bound["self"] = Value((target,))
            return function_returns(ev, owner, fn, Scope(owner.module, fn, bound), call, depth)
    reason = f"call to `{func.render(30)}`" + ("" if isinstance(target, Opaque) else " is not evaluated")
    return Value((Opaque(mod, call, reason, scope),), callee.from_env)


def _receiver(ev: Evaluator, receiver: Any, method: Symbol) -> Instance | None:
    """The object a method is called on, as an instance of the class that defines the method (an
    override found for an abstract method runs on the subclass)."""
    if not isinstance(receiver, Instance):
        return None
    owner = ev.index.lookup(method.qualname.rsplit(".", 1)[0])
    if owner is not None and owner.cls is not None and owner.qualname != receiver.cls.qualname:
        return Instance(owner, receiver.call, receiver.mod, receiver.scope)
    return receiver


def _call_function(ev: Evaluator, symbol: Symbol, call: Expr, mod: ModuleSummary, scope: Scope | None,
                   depth: int, receiver: Instance | None = None) -> Value:
    func = symbol.func
    assert func is not None
    if depth > MAX_DEPTH - 4 or ev.calls_read > 20000 or _call_depth(scope) >= _MAX_CALL_DEPTH:
        return opaque(mod, call, f"call to `{symbol.qualname}` is nested too deeply to read")
    ev.calls_read += 1
    bound = ev.bind_arguments(mod, func, call, scope, skip_self=receiver is not None, depth=depth)
    if receiver is not None and func.params and func.params[0].name in ("self", "cls"):
        bound[func.params[0].name] = Value((receiver,))
    inner = Scope(symbol.module, func, bound, None)
    inner.bound["__caller__"] = Value((_call_depth(scope) + 1,))
    return function_returns(ev, symbol, func, inner, call, depth)


def function_returns(ev: Evaluator, owner: Symbol, func: FunctionDef, scope: Scope, where: Expr, depth: int) -> Value:
    """The values a function returns, reading `if`s whose test is known and locals as assigned."""
    frame = _Frame(scope)
    _run(ev, owner.module, func.body, frame, depth)
    if not frame.returns:
        reason = "its body is not read" if frame.unknown_flow else "it returns nothing apilint can read"
        return opaque(owner.module, where, f"`{owner.qualname}`: {reason}", frame.env)
    return Value(tuple(frame.returns[:MAX_OPTIONS]), frame.env)


def _run(ev: Evaluator, mod: ModuleSummary, body: tuple[Stmt, ...], frame: _Frame, depth: int,
         maybe: bool = False) -> bool:
    """Execute statements symbolically; True when the block always returns or raises. In a block
    that may not run (`maybe`: an `if` whose test is unknown, a loop), an assignment adds a
    possible value to the name instead of replacing it."""
    for stmt in body:
        kind = stmt.kind
        if kind == "return":
            value = ev.sub(mod, stmt.value, frame.scope, depth) if stmt.value is not None else Value((None,))
            frame.env = frame.env or value.from_env
            frame.returns += [v for v in value.options if not any(v is r for r in frame.returns)]
            return True
        if kind == "raise":
            return True
        mutated = mutated_name(stmt)
        if mutated is not None and mutated in frame.scope.bound:
            assert stmt.value is not None
            current = frame.scope.bound[mutated]
            changed = Value(tuple(names.mutated_list(ev, mod, stmt.value, o, frame.scope, depth)
                                  for o in current.options), current.from_env)
            frame.scope.bound[mutated] = _merged(current, changed) if maybe else changed
        elif kind in ("assign", "annassign", "augassign") and stmt.value is not None and \
                len(stmt.targets) == 1 and stmt.targets[0].kind == "name":
            name = stmt.targets[0].text
            value_expr = stmt.value if kind != "augassign" else Expr("binop", stmt.name or "+",
                                                                     (stmt.targets[0], stmt.value))
            value = ev.sub(mod, value_expr, frame.scope, depth)
            previous = frame.scope.bound.get(name)
            frame.scope.bound[name] = _merged(previous, value) if maybe and previous is not None else value
        elif kind == "if" and stmt.value is not None:
            test = ev.sub(mod, stmt.value, frame.scope, depth)
            frame.env = frame.env or test.from_env  # what it returns then depends on the environment
            if stmt.value.kind == "namedexpr" and stmt.value.args[0].kind == "name":
                frame.scope.bound[stmt.value.args[0].text] = test
            if test.known:
                if _run(ev, mod, stmt.body if test.first else stmt.orelse, frame, depth, maybe):
                    return True
            else:
                done_body = _run(ev, mod, stmt.body, frame, depth, True)
                done_else = _run(ev, mod, stmt.orelse, frame, depth, True)
                if done_body and done_else:
                    return True
        elif kind in ("with", "try"):
            if _run(ev, mod, stmt.body, frame, depth, maybe):
                return True
        elif kind in ("for", "while", "match"):
            frame.unknown_flow = True
            _run(ev, mod, stmt.body, frame, depth, True)
    return False


def _merged(first: Value | None, more: Value) -> Value:
    """The possible values of both, `first`'s first (a value that may be replaced keeps its place)."""
    if first is None:
        return more
    options = list(first.options)
    options += [o for o in more.options if not any(o is p for p in options)]
    return Value(tuple(options[:MAX_OPTIONS]), first.from_env or more.from_env)


def _call_depth(scope: Scope | None) -> int:
    if scope is None:
        return 0
    marker = scope.bound.get("__caller__")
    return int(marker.first) if marker is not None and isinstance(marker.first, int) else 0


@dataclass
class _Frame:
    """What a function call being read knows: its scope and the values it returned so far."""

    scope: Scope
    returns: list[Any] = field(default_factory=list)
    env: bool = False
    unknown_flow: bool = False
