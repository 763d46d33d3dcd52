"""ERR001: exception text (str(e), tracebacks) sent back to the client."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Location
from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.err._helpers import HTTP_EXCEPTIONS, exception_confidence
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_RAISE_SINKS = (*HTTP_EXCEPTIONS, "ValidationError", "InternalServerError", "ServiceUnavailable", "Conflict",
                "UnprocessableEntity", "ImmediateHttpResponse")
_ABORT = ("abort",)
_RESPONSES = frozenset({"jsonify", "make_response", "dict", "abort", "HttpResponse", "JsonResponse", "Response",
                        "render_template"})
_NOT_EXCEPTION_PARAMS = frozenset({"self", "cls", "request", "req", "context", "ctx", "scope", "websocket",
                                   "response", "call_next", "receive", "send"})
_TRACEBACK = ("format_exc", "format_exception", "format_tb", "format_stack", "format_exception_only")

Taint = dict[str, Confidence]


def _rooted(expr: Expr, names: Taint) -> Confidence | None:
    """Confidence when `expr` is a tainted name or an attribute/item of one (`e`, `e.orig`, `e.args[0]`)."""
    while expr.kind in ("attr", "subscript"):
        expr = expr.args[0]
    return names.get(expr.text) if expr.kind == "name" else None


def _leak(expr: Expr, names: Taint) -> Confidence | None:
    """The confidence of the surest exception leak inside `expr`, if any."""
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


def leaks(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef,
          initial: Taint) -> Iterator[tuple[Stmt, Confidence]]:
    """Statements of `func` that send exception text to the client, with their confidence."""
    taint: Taint = dict(initial)
    for stmt in walk_stmts(func.body):
        if stmt.kind == "except" and stmt.name:
            conf = exception_confidence(index, mod, stmt.value)
            if conf is None:
                taint.pop(stmt.name, None)
            else:
                taint[stmt.name] = conf
            continue
        if stmt.kind in ("assign", "annassign", "for", "with") and stmt.targets:
            conf = _leak(stmt.value, taint) if stmt.value is not None and stmt.kind != "for" else None
            for target in stmt.targets:
                if target.kind == "name":
                    if conf is not None:
                        taint[target.text] = conf
                    else:
                        taint.pop(target.text, None)
        sink = _sink(stmt)
        if sink is not None:
            conf = _leak(sink, taint)
            if conf is not None:
                yield stmt, conf


class ExceptionTextInResponse(Rule):
    """
    ## What it finds
    Route handlers and exception handlers that send exception text to the client: `str(e)`,
    `repr(e)`, `e.args`, an f-string or `%` format of the exception, or
    `traceback.format_exc()`, reaching a returned value (a dict, `jsonify(...)`,
    `JSONResponse(...)`, `JsonResponse(...)`, `Response(...)`), `HTTPException(detail=...)`,
    an API error raised to the client, or `abort(..., description)`. Values assigned from such
    text (`msg = str(e)`) are followed. The finding is on the `return`, `raise` or `abort` line.

    Confidence depends on what was caught: `except Exception`, a bare `except` or a library
    error (database, network, file system) is high; a project-defined domain exception
    (`NotFoundError`) or input errors such as `ValueError` and validation errors are low.
    Exceptions written for clients (`HTTPException`, DRF `APIException`) are never reported.
    Exception handlers registered for HTTP status codes are skipped.

    ## Why it matters
    Exception messages carry SQL statements and constraint names, file paths, host names,
    library versions and sometimes data from other users, and tracebacks show the code
    itself: a map for the next attack (CWE-209 Generation of Error Message Containing
    Sensitive Information, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Only route handlers and registered exception handlers are read, not the helper functions
    they call. Exception text stored in a container (`errors.append(str(e))`) is not followed.

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
        for mod, func, initial, where in targets:
            for stmt, conf in leaks(ctx.index, mod, func, initial):
                if (mod.path, stmt.line) in seen:
                    continue
                seen.add((mod.path, stmt.line))
                yield self.finding(Location(mod.path, stmt.line), f"{where} sends exception text to the client",
                                   "Log the exception (`logger.exception(...)`) and return a generic message",
                                   confidence=conf, symbol=f"{mod.module}.{func.qualname}")


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
