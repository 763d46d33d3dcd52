"""ERR001: exception text (str(e), tracebacks) sent back to the client."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.fixes import plan
from apilint.model import FixPlan, Location
from apilint.project import ProjectIndex
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.err._formatters import traceback_leaks
from apilint.rules.err._leaks import Leak, Reader, Taint, handler_taint, holds_text
from apilint.summary import FunctionDef, ModuleSummary, walk_stmts


class ExceptionTextInResponse(Rule):
    """
    ## What it finds
    Route handlers and exception handlers that send exception text to the client: `str(e)`,
    `repr(e)`, `e.args`, an f-string or `%` format of the exception, or
    `traceback.format_exc()`, reaching a returned value (a dict, `jsonify(...)`,
    `JSONResponse(...)`, `JsonResponse(...)`, `Response(...)`), `HTTPException(detail=...)`,
    an API error raised to the client, or `abort(..., description)`; Flask's `flash(str(e))`, shown
    on the next page, with low confidence (what apps flash is mostly their own validation
    message). Values assigned from such text (`msg = str(e)`) are followed. The finding is on the
    `return`, `raise`, `abort` or `flash` line.

    Project functions are followed two calls deep: an exception handed to a helper that puts
    it in a response or raises it as an HTTP error (`return error_response(e)`,
    `handle_error(e)`) is reported at the call; a helper that catches an exception and returns
    its text (`{"error": str(e)}`) is reported where the handler sends that value. A helper
    that catches a broad or library exception and raises an HTTP error with its text itself is
    reported once, in the helper, with low confidence. An exception handed to a helper that only
    logs it (`handle_error(error=e, message="Could not save")` whose body logs `error` and answers
    with `message`) is not reported.

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
                initial = handler_taint(ctx.index, mod, func)
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
        if leak.via and not holds_text(leak.stmt, initial):
            return None
        return plan.generic_error(title, mod.path, line, "handler", sorted(initial), logger)
    caught = {stmt.name: Confidence.HIGH for stmt in walk_stmts(func.body) if stmt.kind == "except" and stmt.name
              and stmt.line <= line <= (stmt.end_line or stmt.line)}
    if not caught or (leak.via and not holds_text(leak.stmt, caught)):
        return None
    return plan.generic_error(title + " with `logger.exception`", mod.path, line, "except", logger=logger)


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
