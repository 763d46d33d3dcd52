"""Exception text followed to what a handler sends: `str(e)`, `repr(e)`, tracebacks and the
messages built from them, through locals and project helpers (two calls deep), into a raised
HTTP exception, an `abort(...)` or a response object (ERR001)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import NamedTuple

from apilint.project import ProjectIndex
from apilint.rule import Confidence
from apilint.rules.err._helpers import HTTP_EXCEPTIONS, exception_confidence, project_callee
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_RAISE_SINKS = (*HTTP_EXCEPTIONS, "ValidationError", "InternalServerError", "ServiceUnavailable", "Conflict",
                "UnprocessableEntity", "ImmediateHttpResponse")
_ABORT = ("abort", "flash")
"""Calls that send their argument to the client by themselves: `abort(500, str(e))`, and Flask's
`flash(str(e))`, shown on the next page the browser renders (low confidence: what apps flash is
mostly their own validation message, raised as an exception)."""
_RESPONSES = frozenset({"jsonify", "make_response", "dict", "abort", "HttpResponse", "JsonResponse", "Response",
                        "render_template", "render_template_string"})
_NOT_EXCEPTION_PARAMS = frozenset({"self", "cls", "request", "req", "context", "ctx", "scope", "websocket",
                                   "response", "call_next", "receive", "send"})
_MAX_DEPTH = 2
_CALLING_STMTS = frozenset({"expr", "assign", "annassign", "augassign", "return"})
_NOT_HELPERS = frozenset({"str", "repr", "format", "join", "jsonify", "make_response", "dict", "list", "abort",
                          "render_template", "get", "append", "info", "debug", "warning", "error", "exception",
                          "critical", "log", "print", "len", "isinstance", "getattr", "super"})
"""Calls never worth following: formatting, responses, logging, containers."""
_TRACEBACK = ("format_exc", "format_exception", "format_tb", "format_stack", "format_exception_only")

Taint = dict[str, Confidence]


def _rooted(expr: Expr, names: Taint) -> Confidence | None:
    """Confidence when `expr` is a tainted name or an attribute/item of one (`e`, `e.orig`, `e.args[0]`)."""
    while expr.kind in ("attr", "subscript"):
        expr = expr.args[0]
    return names.get(expr.text) if expr.kind == "name" else None


def _leak(expr: Expr, names: Taint, calls: dict[Expr, Confidence] | None = None,
          dropping: Collection[Expr] = ()) -> Confidence | None:
    """The confidence of the surest exception leak inside `expr`, if any; `calls` are project calls
    whose returned value carries exception text, `dropping` the project calls whose helper only logs
    the text it is given (`_Helper.drops`): their arguments are not sent as such."""
    found: list[Confidence] = []

    def add(conf: Confidence | None) -> None:
        if conf is not None:
            found.append(conf)

    def visit(e: Expr, as_value: bool) -> None:
        kind = e.kind
        if kind == "name":
            if as_value:
                add(names.get(e.text))
        elif kind == "attr":
            if e.text == "args":
                add(_rooted(e, names))
            visit(e.args[0], False)
        elif kind == "call":
            if as_value and calls:
                add(calls.get(e))
            if dropping and e in dropping:
                return  # `handle_error(error=e, message="...")` that only logs `error`
            func = e.func
            short = func.last_name
            dotted = func.dotted or ""
            if short in _TRACEBACK and "traceback" in dotted:
                add(Confidence.HIGH)
            formats = dotted in ("str", "repr", "format") or (func.kind == "attr" and short in ("format", "join"))
            carries = formats or short in _RESPONSES or short.endswith(("Response", "Exception", "Error"))
            for arg in e.positional:
                if formats:
                    add(_rooted(arg, names))
                visit(arg, carries)
            for kw in e.keywords:
                visit(kw.value, True)
            visit(func, False)
        elif kind == "fstr":
            for part in e.args:
                visit(part, True)
        elif kind == "dict":
            for key, value in zip(e.args[::2], e.args[1::2], strict=False):
                visit(key, False)
                visit(value, True)
        elif kind in ("list", "tuple", "set", "binop", "boolop", "starred", "await"):
            if kind == "binop" and e.text == "%" and len(e.args) > 1:
                add(_rooted(e.args[1], names))
            for arg in e.args:
                visit(arg, as_value)
        elif kind == "ifexp":
            visit(e.args[0], False)
            for arg in e.args[1:]:
                visit(arg, as_value)
        else:
            for arg in e.args:
                visit(arg, False)
            for kw in e.keywords:
                visit(kw.value, False)

    visit(expr, True)
    return max(found, key=lambda c: c.rank) if found else None


def _sink(stmt: Stmt) -> Expr | None:
    """The expression a statement sends to the client: a return value, an HTTP error, an abort()."""
    value = stmt.value
    if value is None:
        return None
    if stmt.kind == "return":
        return value
    if stmt.kind == "raise" and value.kind == "call":
        short = (value.func.dotted or "").rsplit(".", 1)[-1]
        return value if short.endswith(_RAISE_SINKS) else None
    if stmt.kind == "expr" and value.kind == "call":
        return value if (value.func.dotted or "").rsplit(".", 1)[-1] in _ABORT else None
    return None


class Send(NamedTuple):
    """A statement inside a helper that sends exception text by itself (raises an HTTP error)."""

    confidence: Confidence
    path: str
    line: int
    symbol: str


class Leak(NamedTuple):
    """Exception text reaching the client: the statement, how surely, and the helper it went through."""

    stmt: Stmt
    confidence: Confidence
    via: str = ""
    returned: bool = False
    """True for a `return`: a response in a handler, only a value in a helper."""
    send: Send | None = None
    """Where a helper sends text it caught itself; the finding goes there, not on `stmt`."""


class _Helper(NamedTuple):
    """What a project function does with exception text: returns it, or sends it itself."""

    returns: Confidence | None = None
    sends: tuple[Send, ...] = ()
    drops: bool = False
    """The exception text handed to it goes nowhere but a log (`appLog.error(error)`, then a
    generic response): its arguments are not sent, whatever the call looks like."""


class Reader:
    """Reads functions for exception text that reaches a response, following project functions
    two calls deep: an exception handed to a helper that puts it in a response or raises it as
    an HTTP error (`return error_response(e)`, `handle_error(e)`), a helper that catches and
    returns exception text the handler sends (`return jsonify(service.run())`), and a helper
    that catches and raises an HTTP error with the text itself (reported once, in the helper)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._memo: dict[tuple[str, str, tuple[tuple[str, str], ...]], _Helper] = {}
        self._active: set[tuple[str, str]] = set()

    def leaks(self, mod: ModuleSummary, func: FunctionDef, initial: Taint, depth: int = 0) -> Iterator[Leak]:
        """Statements of `func` that send (or, for `return`, hand back) exception text."""
        taint: Taint = dict(initial)
        via: dict[str, str] = {}
        for stmt in walk_stmts(func.body):
            if stmt.kind == "except" and stmt.name:
                conf = exception_confidence(self.index, mod, stmt.value)
                if conf is None:
                    taint.pop(stmt.name, None)
                else:
                    taint[stmt.name] = conf
                via.pop(stmt.name, None)
                continue
            helpers = self._helpers(mod, func, stmt, taint, depth)
            calls = {call: h[2].returns for call, h in helpers.items() if h[2].returns is not None}
            dropping = {call for call, h in helpers.items() if h[2].drops}
            called = {call: h[0] for call, h in helpers.items()}
            for name, own, given in helpers.values():
                yield from _sends(stmt, name, own, given)
            if stmt.kind in ("assign", "annassign", "for", "with") and stmt.targets:
                value = stmt.value if stmt.kind != "for" else None
                conf = _leak(value, taint, calls, dropping) if value is not None else None
                through = _through(value, via, called) if value is not None and conf is not None else ""
                for target in stmt.targets:
                    if target.kind != "name":
                        continue
                    if conf is not None:
                        taint[target.text] = conf
                        via[target.text] = through
                    else:
                        taint.pop(target.text, None)
                        via.pop(target.text, None)
            sink = _sink(stmt)
            if sink is not None:
                conf = _leak(sink, taint, calls, dropping)
                if conf is not None and sink.kind == "call" and sink.func.last_name == "flash":
                    # a flashed message is mostly an app's own validation error raised as an exception
                    conf = Confidence.LOW
                if conf is not None:
                    yield Leak(stmt, conf, _through(sink, via, called), stmt.kind == "return")

    def _helpers(self, mod: ModuleSummary, func: FunctionDef, stmt: Stmt, taint: Taint,
                 depth: int) -> dict[Expr, tuple[str, _Helper, _Helper]]:
        """The project calls of one statement: the helper's name, what it does with exception text
        it catches itself, and what it does with the arguments of this call."""
        out: dict[Expr, tuple[str, _Helper, _Helper]] = {}
        if depth >= _MAX_DEPTH or stmt.kind not in _CALLING_STMTS:
            return out
        for expr in stmt.own_exprs():
            for call in expr.calls():
                short = call.func.last_name
                if not short or short in _NOT_HELPERS or short.endswith(("Response", "Exception", "Error")):
                    continue
                target = project_callee(self.index, mod, func, call)
                if target is None or target[1] is func:
                    continue
                seeds = _bind(target[1], call, taint)
                own = self._helper(target[0], target[1], {}, depth + 1)
                given = self._helper(target[0], target[1], seeds, depth + 1) if seeds else own
                out[call] = (f"{target[1].name}() ({target[0].path}:{target[1].line})", own, given)
        return out

    def _helper(self, mod: ModuleSummary, func: FunctionDef, seeds: Taint, depth: int) -> _Helper:
        key = (mod.path, func.qualname, tuple(sorted((k, v.value) for k, v in seeds.items())))
        found = self._memo.get(key)
        if found is not None:
            return found
        if key[:2] in self._active or (not seeds and not mod.mentions("except")):
            return _Helper()
        self._active.add(key[:2])
        try:
            returns: Confidence | None = None
            sends: list[Send] = []
            symbol = f"{mod.module}.{func.qualname}"
            for leak in self.leaks(mod, func, seeds, depth):
                if leak.send is not None:
                    sends.append(leak.send)
                elif not leak.returned:
                    sends.append(Send(leak.confidence, mod.path, leak.stmt.line, symbol))
                elif returns is None or leak.confidence.rank > returns.rank:
                    returns = leak.confidence
            result = _Helper(returns, tuple(sends), bool(seeds) and not _uses(func, set(seeds)))
        finally:
            self._active.discard(key[:2])
        self._memo[key] = result
        return result


_LOG_CALLS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print"})


def _uses(func: FunctionDef, params: set[str]) -> bool:
    """True when a statement of `func` other than a log call reads one of `params`."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            if stmt.kind == "expr" and expr.kind == "call" and expr.func.last_name in _LOG_CALLS:
                continue
            if not params.isdisjoint(expr.names()):
                return True
    return False


def _sends(stmt: Stmt, name: str, own: _Helper, given: _Helper) -> Iterator[Leak]:
    """What a called helper sends: text of a broad or library exception it caught itself (reported
    once, in the helper, with low confidence: its callers may never reach that branch), or the
    exception handed to it (reported at the call, with the confidence of the exception)."""
    mine = {(s.path, s.line) for s in own.sends}
    for send in own.sends:
        if send.confidence is Confidence.HIGH:
            yield Leak(stmt, Confidence.LOW, name, send=send)
    for send in given.sends:
        if (send.path, send.line) not in mine:
            yield Leak(stmt, send.confidence, name)
            break


def _bind(callee: FunctionDef, call: Expr, taint: Taint) -> Taint:
    """The callee's parameters that receive exception text, with its confidence."""
    params = [p for p in callee.params if p.kind in ("pos", "posonly", "kwonly")]
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    seeds: Taint = {}
    if not taint:
        return seeds
    for param, arg in zip(params, call.positional, strict=False):
        if arg.kind == "starred":
            break
        conf = _leak(arg, taint)
        if conf is not None:
            seeds[param.name] = conf
    names = {p.name for p in params}
    for kw in call.keywords:
        if kw.name in names and (conf := _leak(kw.value, taint)) is not None:
            seeds[kw.name] = conf
    return seeds


def _through(expr: Expr, via: dict[str, str], called: dict[Expr, str]) -> str:
    """The helper a leaking value came through, if any."""
    if not called and not via:
        return ""
    for sub in expr.walk():
        if sub.kind == "call" and sub in called:
            return called[sub]
        if sub.kind == "name" and via.get(sub.text):
            return via[sub.text]
    return ""


def holds_text(stmt: Stmt, names: Taint) -> bool:
    """The statement's own expressions carry text of the exceptions named (`str(e)` passed on);
    an exception object handed to a helper (`error_response(e)`) is not text to replace."""
    return any(_leak(expr, names) is not None for expr in stmt.own_exprs())


def handler_taint(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> Taint:
    """The exception parameter of a registered exception handler, judged by what it handles."""
    handled: Expr | None = None
    for dec in func.decorators:
        if dec.expr.kind == "call" and dec.expr.positional:
            handled = dec.expr.positional[0]
    if handled is not None and handled.kind == "num":
        return {}  # errorhandler(404): the framework's own HTTP error, whose text is generic
    taint: Taint = {}
    for param in func.params:
        if param.name in _NOT_EXCEPTION_PARAMS or param.kind in ("vararg", "kwarg"):
            continue
        annotation = param.annotation if param.annotation is not None else handled
        if annotation is not None and (annotation.dotted or "").rsplit(".", 1)[-1] in ("Request", "HttpRequest"):
            continue
        conf = exception_confidence(index, mod, annotation) if annotation is not None else Confidence.MEDIUM
        if conf is not None:
            taint[param.name] = conf
    return taint
