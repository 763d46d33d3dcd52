"""ERR001: exception text (str(e), tracebacks) sent back to the client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from apilint.fixes import plan
from apilint.model import FixPlan, Location
from apilint.project import ProjectIndex
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.err._formatters import traceback_leaks
from apilint.rules.err._helpers import HTTP_EXCEPTIONS, exception_confidence, project_callee
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_RAISE_SINKS = (*HTTP_EXCEPTIONS, "ValidationError", "InternalServerError", "ServiceUnavailable", "Conflict",
                "UnprocessableEntity", "ImmediateHttpResponse")
_ABORT = ("abort",)
_RESPONSES = frozenset({"jsonify", "make_response", "dict", "abort", "HttpResponse", "JsonResponse", "Response",
                        "render_template"})
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


def _leak(expr: Expr, names: Taint, calls: dict[Expr, Confidence] | None = None) -> Confidence | None:
    """The confidence of the surest exception leak inside `expr`, if any; `calls` are project calls
    whose returned value carries exception text."""
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
            func = e.func
            short = func.text if func.kind in ("attr", "name") else ""
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
            called = {call: h[0] for call, h in helpers.items()}
            for name, own, given in helpers.values():
                yield from _sends(stmt, name, own, given)
            if stmt.kind in ("assign", "annassign", "for", "with") and stmt.targets:
                value = stmt.value if stmt.kind != "for" else None
                conf = _leak(value, taint, calls) if value is not None else None
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
                conf = _leak(sink, taint, calls)
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
                short = call.func.text if call.func.kind in ("name", "attr") else ""
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
            result = _Helper(returns, tuple(sends))
        finally:
            self._active.discard(key[:2])
        self._memo[key] = result
        return result


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


class ExceptionTextInResponse(Rule):
    """
    ## What it finds
    Route handlers and exception handlers that send exception text to the client: `str(e)`,
    `repr(e)`, `e.args`, an f-string or `%` format of the exception, or
    `traceback.format_exc()`, reaching a returned value (a dict, `jsonify(...)`,
    `JSONResponse(...)`, `JsonResponse(...)`, `Response(...)`), `HTTPException(detail=...)`,
    an API error raised to the client, or `abort(..., description)`. Values assigned from such
    text (`msg = str(e)`) are followed. The finding is on the `return`, `raise` or `abort` line.

    Project functions are followed two calls deep: an exception handed to a helper that puts
    it in a response or raises it as an HTTP error (`return error_response(e)`,
    `handle_error(e)`) is reported at the call; a helper that catches an exception and returns
    its text (`{"error": str(e)}`) is reported where the handler sends that value. A helper
    that catches a broad or library exception and raises an HTTP error with its text itself is
    reported once, in the helper, with low confidence.

    Confidence depends on what was caught: `except Exception`, a bare `except` or a library
    error (database, network, file system) is high; a project-defined domain exception
    (`NotFoundError`) or input errors such as `ValueError` and validation errors are low.
    Exceptions written for clients (`HTTPException`, DRF `APIException`) are never reported.
    Exception handlers registered for HTTP status codes are skipped.

    A GraphQL endpoint's own error formatter (`format_error=`, ariadne's `error_formatter=`, a
    view's `format_error` method) that puts `traceback.format_exc()` / `format_stack()` text
    into the error entries it returns is reported (high) on the line that writes it: every
    error, including a typo in a query, then shows the server's code. The message itself
    (`str(error)`) is what GraphQL always sends and is not reported there.

    ## Why it matters
    Exception messages carry SQL statements and constraint names, file paths, host names,
    library versions and sometimes data from other users, and tracebacks show the code
    itself: a map for the next attack (CWE-209 Generation of Error Message Containing
    Sensitive Information, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Helpers are followed only two calls deep, and only when apilint can resolve the call (a
    project function, `self.method`, or a method of a module-level object); a helper that
    catches an input error (`ValueError`) itself and echoes it is not reported. Exception text
    stored in a container (`errors.append(str(e))`) is not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/209.html
    - https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/
    """

    code = "ERR001"
    name = "exception-text-in-response"
    summary = "Exception text or traceback sent back to the client"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (209,)
    owasp = ("API8:2023",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.SAFE})
    fix_note = ("Replaces the exception text in the reported statement with a generic message (an "
                "f-string keeps its own words: `f\"Could not store file: {e}\"` becomes "
                "`\"Could not store file\"`) and logs the exception just before it with the module's "
                "logger (`logger.exception(...)`, or `logger.error(..., exc_info=exc)` in an exception "
                "handler), adding `logger = logging.getLogger(__name__)` when the module has none. Offered "
                "when the text is sent by the handler itself, not through a helper.")

    bad = Example("""
        from fastapi import FastAPI, HTTPException

        app = FastAPI()


        @app.get("/")
        def index() -> dict[str, str]:
            try:
                return {"status": open("/etc/app/status").read()}
            except Exception as e:
                raise HTTPException(status_code=500, detail=str(e))  # expect: ERR001
    """)

    good = Example("""
        import logging

        from fastapi import FastAPI, HTTPException

        logger = logging.getLogger(__name__)
        app = FastAPI()


        @app.get("/")
        def index() -> dict[str, str]:
            try:
                return {"status": open("/etc/app/status").read()}
            except Exception:
                logger.exception("status file unreadable")
                raise HTTPException(status_code=500, detail="Internal server error")
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Read every route handler and exception handler once."""
        seen: set[tuple[str, int]] = set()
        targets: list[tuple[ModuleSummary, FunctionDef, Taint, str]] = []
        for route in ctx.routes:
            mod, func = ctx.module_of(route), ctx.handler(route)
            if mod is not None and func is not None:
                targets.append((mod, func, {}, route.display))
        for ref in ctx.facts.exception_handlers:
            mod = ctx.index.by_path.get(ref.file)
            func = next((f for f in mod.functions() if f.qualname == ref.qualname), None) if mod else None
            if mod is not None and func is not None:
                initial = _handler_taint(ctx.index, mod, func)
                if initial:
                    targets.append((mod, func, initial, f"exception handler {func.name}"))
        reader = Reader(ctx.index)
        fix = "Log the exception (`logger.exception(...)`) and return a generic message"
        yield from self._formatters(ctx, seen)
        logger = project_logger(ctx.index)
        for mod, func, initial, where in targets:
            for leak in reader.leaks(mod, func, initial):
                send = leak.send
                path, line = (send.path, send.line) if send is not None else (mod.path, leak.stmt.line)
                if (path, line) in seen:
                    continue
                seen.add((path, line))
                if send is not None:
                    helper = send.symbol.rsplit(".", 1)[-1] + "()"
                    through = "" if leak.via.startswith(helper) else f" through {leak.via}"
                    yield self.finding(Location(path, line),
                                       f"{helper} sends exception text to the client (reached from {where}{through})",
                                       fix, confidence=leak.confidence, symbol=send.symbol)
                    continue
                through = f" through {leak.via}" if leak.via else ""
                yield self.finding(Location(path, line), f"{where} sends exception text to the client{through}",
                                   fix, confidence=leak.confidence, symbol=f"{mod.module}.{func.qualname}",
                                   fix_plan=_fix(mod, func, initial, leak, logger))


    def _formatters(self, ctx: RuleContext, seen: set[tuple[str, int]]) -> Iterator[Finding]:
        """GraphQL error formatters that write a traceback into the error entries they return."""
        for endpoint in ctx.facts.graphql:
            ref = endpoint.error_formatter
            mod = ctx.index.by_path.get(ref.file) if ref is not None else None
            func = next((f for f in mod.functions() if f.qualname == ref.qualname), None) \
                if ref is not None and mod is not None else None
            if mod is None or func is None:
                continue
            where = endpoint.path or "the GraphQL endpoint"
            stmt = next(traceback_leaks(func), None)  # one finding a formatter, on its first write
            if stmt is not None and (mod.path, stmt.line) not in seen:
                seen.add((mod.path, stmt.line))
                yield self.finding(
                    Location(mod.path, stmt.line),
                    f"GraphQL error formatter {func.name}() puts a stack trace into the errors {where} returns: "
                    "any failing or misspelled query shows the server's code, file paths and call stack",
                    "Return only the message, locations and path of each error; log the traceback on the server "
                    "(`logger.exception(...)`) and add debug details only when `settings.DEBUG` is on",
                    confidence=Confidence.HIGH, symbol=f"{mod.module}.{func.qualname}")


def _fix(mod: ModuleSummary, func: FunctionDef, initial: Taint, leak: Leak, logger: str) -> FixPlan | None:
    """A generic message instead of the text, and a log line, where the statement itself holds
    the text: under `except ... as name:` or in a registered exception handler, whether it
    sends the text or hands it to a helper that does (`return error_response(str(e))`); not
    when a helper caught the exception and returned its text."""
    title = "Send a generic message and log the exception"
    line = leak.stmt.line
    if initial:
        if leak.via and not _holds(leak.stmt, initial):
            return None
        return plan.generic_error(title, mod.path, line, "handler", sorted(initial), logger)
    caught = {stmt.name: Confidence.HIGH for stmt in walk_stmts(func.body) if stmt.kind == "except" and stmt.name
              and stmt.line <= line <= (stmt.end_line or stmt.line)}
    if not caught or (leak.via and not _holds(leak.stmt, caught)):
        return None
    return plan.generic_error(title + " with `logger.exception`", mod.path, line, "except", logger=logger)


def _holds(stmt: Stmt, names: Taint) -> bool:
    """The statement's own expressions carry text of the exceptions named (`str(e)` passed on);
    an exception object handed to a helper (`error_response(e)`) is not text to replace."""
    return any(_leak(expr, names) is not None for expr in stmt.own_exprs())


def project_logger(index: ProjectIndex) -> str:
    """How the project gets its loggers, for modules that have none: `loguru.logger` when most
    modules import loguru's, else the qualified name of the factory most modules call at module
    level (`logging.getLogger`, a project's `get_logger`); '' when no module sets one up."""
    counts: dict[str, int] = {}
    for mod in index:
        if not (mod.mentions("logger") or mod.mentions("getlogger") or mod.mentions("get_logger")):
            continue
        if any(i.module == "loguru" and i.name == "logger" for i in mod.imports):
            counts["loguru.logger"] = counts.get("loguru.logger", 0) + 1
            continue
        for stmt in mod.body:
            value = stmt.value if stmt.kind in ("assign", "annassign") else None
            if value is not None and value.kind == "call" and (value.func.dotted or "").rsplit(".", 1)[-1] in (
                    "getLogger", "get_logger"):
                factory = index.qualify_expr(mod, value.func) or ""
                counts[factory] = counts.get(factory, 0) + 1
                break
    return max(sorted(counts), key=lambda k: counts[k]) if counts else ""


def _handler_taint(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> Taint:
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
