"""Flask request-handler classes: a project class registered directly as a view.

Some Flask apps register a class, not a function or `.as_view()`, with
`bp.add_url_rule("/x", "endpoint", RHSettings, methods=...)`; a project `add_url_rule` override
turns it into a view that builds the class and calls its handling method. The class's handling
method (`_process`, `process`, `dispatch_request`, `handle`, `__call__`; `_process_GET` style
methods per HTTP method) is the route's handler, and the class authorizes in an access-check
method (`_check_access`) that the handling code runs first. That method is read the way the
class would run it: the most derived definition, following `self.helper()` calls and calls to
the parents' definitions (`super()._check_access()`, `Base._check_access(self)`).
"""

from __future__ import annotations

from collections.abc import Iterator

from apilint.body_auth import guarded_rejections, is_rejection
from apilint.frameworks.flask_auth import FlaskAuth, Judgement, strongest
from apilint.frameworks.flask_patterns import missing_user
from apilint.lazy_regex import lazy_compile
from apilint.model import AuthStatus, Evidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts

HANDLER_METHODS = ("_process", "process", "dispatch_request", "handle", "__call__")
"""Handling methods, in the order a class's own definition is looked for."""
ACCESS_METHODS = ("_check_access", "check_access", "_check_permissions", "check_permissions", "_authorize",
                  "authorize")
_PERMISSION_TEST = lazy_compile(r"^_?(can|has|is_allowed|is_authorized|is_manager|is_admin|check)_?\w*$")
_MAX_DEPTH = 6


class HandlerClasses:
    """Routes and access checks of request-handler classes (cached per class)."""

    def __init__(self, index: ProjectIndex, auth: FlaskAuth) -> None:
        self.index = index
        self.auth = auth
        self._judged: dict[str, Judgement] = {}
        self._mro: dict[str, list[Symbol]] = {}

    def chain(self, symbol: Symbol) -> list[Symbol]:
        """The class and its project ancestors in Python's method resolution order (C3), so that
        `super()` in a mixin hierarchy finds the definition Python would run."""
        cached = self._mro.get(symbol.qualname)
        if cached is None:
            self._mro[symbol.qualname] = [symbol]  # breaks cycles
            cached = self._linearize(symbol)
            self._mro[symbol.qualname] = cached
        return cached

    def _linearize(self, symbol: Symbol) -> list[Symbol]:
        assert symbol.cls is not None
        bases: list[Symbol] = []
        for base in symbol.cls.bases:
            parent = self.index.resolve(symbol.module, base if base.kind != "subscript" else base.args[0])
            if parent is not None and parent.cls is not None and parent.qualname != symbol.qualname:
                bases.append(parent)
        sequences = [list(self.chain(b)) for b in bases] + [list(bases)]
        out = [symbol]
        while any(sequences):
            for seq in sequences:
                head = seq[0] if seq else None
                if head is not None and not any(head.qualname in (c.qualname for c in other[1:])
                                                for other in sequences):
                    break
            else:  # no consistent order (or an unreadable base): depth first, as a fallback
                rest = [c for seq in sequences for c in seq]
                return out + [c for i, c in enumerate(rest) if all(c.qualname != r.qualname for r in rest[:i])
                              and all(c.qualname != o.qualname for o in out)]
            assert head is not None
            out.append(head)
            sequences = [seq[1:] if seq and seq[0].qualname == head.qualname else seq for seq in sequences]
        return out

    def is_handler_class(self, symbol: Symbol) -> bool:
        """True when the class (or a project ancestor) defines a handling method."""
        return self._find(self.chain(symbol), HANDLER_METHODS) is not None

    def handlers(self, symbol: Symbol, methods: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Symbol,
                                                                                   FunctionDef]]:
        """(HTTP methods, defining class, handler) for each handler the listed methods reach:
        `_process_POST` for POST when the class defines it, else the general handling method."""
        chain = self.chain(symbol)
        general: list[str] = []
        for method in methods:
            found = self._find(chain, (f"_process_{method}", f"_process_{method.lower()}"))
            if found is not None:
                yield (method,), found[0], found[1]
            else:
                general.append(method)
        if general:
            found = self._find(chain, HANDLER_METHODS)
            if found is not None:
                yield tuple(general), found[0], found[1]

    def judge(self, symbol: Symbol) -> Judgement:
        """What the class's access check says about every route it handles."""
        cached = self._judged.get(symbol.qualname)
        if cached is not None:
            return cached
        chain = self.chain(symbol)
        out = Judgement()
        found = self._find(chain, ACCESS_METHODS)
        if found is not None:
            owner, func = found
            status, reason, roles = self._method(chain, owner, func, 0)
            where = Location(owner.module.path, func.line)
            name = f"{owner.qualname}.{func.name}"
            if status is not None:
                detail = reason or ("rejects requests without a logged-in user" if status is AuthStatus.REQUIRED
                                    else "")
                out.status = status
                out.evidence.append(Evidence("access_check", name, status, detail, where))
            out.authz += [Evidence("permission", name, AuthStatus.REQUIRED, role, where) for role in roles[:1]]
        self._judged[symbol.qualname] = out
        return out

    def _find(self, chain: list[Symbol], names: tuple[str, ...],
              after: str | None = None) -> tuple[Symbol, FunctionDef] | None:
        skipping = after is not None
        for owner in chain:
            if skipping:
                skipping = owner.qualname != after
                continue
            assert owner.cls is not None
            for name in names:
                method = owner.cls.method(name)
                if method is not None:
                    return owner, method
        return None

    def _method(self, chain: list[Symbol], owner: Symbol, func: FunctionDef,
                depth: int) -> tuple[AuthStatus | None, str, list[str]]:
        """(status, why it is unknown, role and permission checks) of one method of the class."""
        statuses: list[AuthStatus] = []
        roles = [check.text for check in self.auth.body_roles(owner.module, func)]
        reason = ""
        permission = _permission_guard(func)
        if permission is not None:
            roles.append(permission)
            # judged without its permission test: whether that lets anonymous callers through is
            # the object's decision, not evidence of authentication
            func = func._replace(body=tuple(s for s in func.body if _permission_guard_stmt(s) is None),
                                 qualname=f"{func.qualname}<without permission test>")
        body = self.auth.body_status(owner.module, func)
        if body is not None:
            statuses.append(body)
            if body is AuthStatus.UNKNOWN:
                reason = self.auth.opaque_reason(owner.module, func)
        if depth < _MAX_DEPTH:
            for target in self._called_methods(chain, owner, func):
                status, why, more = self._method(chain, target[0], target[1], depth + 1)
                if status is not None:
                    statuses.append(status)
                    reason = reason or why
                roles += more
        status = strongest(statuses)
        if status in (None, AuthStatus.NONE) and permission is not None:
            # `if not self.event.can_access(session.user): raise Forbidden`: the object decides
            # whether an anonymous caller may pass
            return AuthStatus.UNKNOWN, f"access is decided per object by `{permission}`", roles
        return status, reason if status is AuthStatus.UNKNOWN else "", roles

    def _called_methods(self, chain: list[Symbol], owner: Symbol,
                        func: FunctionDef) -> Iterator[tuple[Symbol, FunctionDef]]:
        """Methods of the class this method calls: `self.m()` (from the most derived class),
        `super().m()` and `Base.m(self)` (from the parents)."""
        for stmt in walk_stmts(func.body):
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    target = call.func
                    if target.kind != "attr":
                        continue
                    base = target.args[0]
                    if base.kind == "name" and base.text == "self":
                        found = self._find(chain, (target.text,))
                    elif base.kind == "call" and base.func.dotted == "super":
                        found = self._find(chain, (target.text,), after=owner.qualname)
                    elif call.positional and call.positional[0].dotted == "self":
                        parent = self.index.resolve(owner.module, base)
                        found = None
                        if parent is not None and parent.cls is not None:
                            found = self._find(self.chain(parent), (target.text,))
                    else:
                        continue
                    if found is not None and found[1] is not func:
                        yield found


def _permission_guard(func: FunctionDef) -> str | None:
    """`if not self.event.can_manage(session.user): raise Forbidden`: a permission call on the
    caller that rejects when it fails; its source text, else None."""
    for guard, _reject in guarded_rejections(func.body):
        found = _permission_guard_stmt(guard)
        if found is not None:
            return found
    return None


def _permission_guard_stmt(stmt: Stmt) -> str | None:
    if stmt.kind != "if" or stmt.value is None or missing_user(stmt.value):
        return None
    if not any(is_rejection(inner) for inner in walk_stmts(stmt.body)):
        return None
    for call in stmt.value.calls():
        name = call.func.last_name
        if _PERMISSION_TEST.match(name) and _mentions_caller(call):
            return call.render(60)
    return None


def _mentions_caller(call: Expr) -> bool:
    for sub in call.walk():
        if sub.kind in ("attr", "name") and sub.text in ("user", "current_user", "session", "identity"):
            return True
    return False


__all__ = ["ACCESS_METHODS", "HANDLER_METHODS", "HandlerClasses"]
