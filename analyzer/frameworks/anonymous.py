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

from typing import Any

from apilint.frameworks.anonymous_calls import CallReader
from apilint.frameworks.anonymous_model import (
    MAX_BLOCK,
    MAX_CALLS,
    MAX_PATHS,
    MAX_STEPS,
    PASSED,
    REQUEST,
    SAFE,
    USER,
    VIEW,
    Env,
    Frame,
    MaybeMissing,
    MaybeRaises,
    Obj,
    Outcome,
    Probe,
    Raised,
    Returned,
    TooMany,
    Unknown,
    is_static,
    same,
    truth,
)
from apilint.frameworks.classes import ClassInfo
from apilint.project import Symbol
from apilint.summary import FunctionDef, Stmt, walk_stmts


class Reader(CallReader):
    """Runs project code abstractly for one `Probe`: statements, with every path followed."""

    # --- running functions ----------------------------------------------------------
    def call(self, symbol: Symbol, func: FunctionDef, args: list[Any], kwargs: dict[str, Any] | None = None,
             receiver: Obj | None = None, cls: ClassInfo | None = None, depth: int = 0,
             closure: Env | None = None) -> list[Outcome]:
        """Run `func` (a function, or a method of class `symbol` when `receiver` is given) and return
        how each path ends; `closure` holds the names it sees from an enclosing function."""
        if depth > MAX_CALLS:
            return [Outcome(False, Unknown(f"`{func.name}` calls too deep to follow"))]
        if depth == 0:
            self._steps = 0
        mod = symbol.module
        frame = Frame(mod, cls, symbol if receiver is not None else None, depth)
        env = {**(closure or {}), **self.bind(func, frame, args, kwargs or {}, receiver)}
        try:
            ends = self._block(list(func.body), env, frame, 0)
        except TooMany:
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
        if receiver is not None and params and not is_static(func):
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
        if depth > MAX_BLOCK:
            return [(Outcome(False, Unknown("code too deeply nested to follow")), env)]
        for i, stmt in enumerate(stmts):
            rest = stmts[i + 1:]
            try:
                forked = self._stmt(stmt, rest, env, frame, depth)
            except Raised:
                return [(Outcome(True), env)]
            if forked is not None:
                return forked[:MAX_PATHS] if len(forked) <= MAX_PATHS else [
                    (Outcome(False, Unknown("too many paths to follow")), env)]
        return [(None, env)]

    def _stmt(self, stmt: Stmt, rest: list[Stmt], env: Env, frame: Frame,
              depth: int) -> list[tuple[Outcome | None, Env]] | None:
        """Run one statement; returns the block's endings when it ends or forks the block."""
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise TooMany
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

    # --- values -----------------------------------------------------------------------


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


__all__ = ["PASSED", "REQUEST", "SAFE", "USER", "VIEW", "Frame", "MaybeMissing", "MaybeRaises", "Obj", "Outcome",
           "Probe", "Raised", "Reader", "Returned", "Unknown", "gate", "same", "truth"]
