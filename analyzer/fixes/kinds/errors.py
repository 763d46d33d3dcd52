"""`generic-error` (ERR001): send a generic message instead of exception text, and log the
exception where the operators can read it.

In the statement that sends the text (a `return`, a `raise` of an HTTP error, an `abort(...)`)
every expression that carries it is replaced by a string: `str(e)`, `repr(e)`, `e.args`, an
f-string or `%`/`.format()` of the exception, `traceback.format_exc()`, or a local holding
such text. An f-string keeps its own words (`f"Could not store file: {e}"` becomes
`"Could not store file"`); anything else becomes the reason phrase of a client-error status
the statement answers with (`"Not Found"` for 404), else `"Internal server error"`. Before the
statement, inside an `except` block, comes `logger.exception("...")`; in a registered
exception handler `logger.error("...", exc_info=exc)`, unless the block already logs it. The
module's logger is used; a module without one gets one the way the project's other modules do
(`logger = logging.getLogger(__name__)` by default).

Parameters: `mode` (`except` | `handler`), `exception` (the handler's exception parameter),
`logger` (how the project gets loggers: `loguru.logger`, or the factory its modules call, such
as `logging.getLogger` or a project's `get_logger`; a module without a logger gets one so).
"""

from __future__ import annotations

import re
from http import HTTPStatus

import libcst as cst
from apilint.fixes.document import Document, FixError, dotted, parse_statements
from apilint.fixes.edits import Edit, Transform
from apilint.fixes.kinds import FixContext
from apilint.lazy_regex import lazy_compile
from apilint.model import FixPlan

GENERIC = "Internal server error"
_FORMATTERS = frozenset({"str", "repr", "format"})
_CARRIERS = frozenset({"jsonify", "make_response", "dict", "abort", "HttpResponse", "JsonResponse", "Response",
                       "render_template", "render_template_string"})
_TRACEBACK = frozenset({"format_exc", "format_exception", "format_tb", "format_stack", "format_exception_only"})
_LOGGER_NAMES = ("logger", "log", "LOGGER", "LOG", "_logger", "_log")
_LOGS_EXCEPTION = frozenset({"exception"})
_LOGS = frozenset({"error", "critical", "warning", "exception"})


def _root(node: cst.BaseExpression) -> str | None:
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _short(call: cst.Call) -> str:
    """The called name: `join` for `", ".join`, `format_exc` for `traceback.format_exc`."""
    if isinstance(call.func, cst.Attribute):
        return call.func.attr.value
    return (dotted(call.func) or "").rsplit(".", 1)[-1]


class _Leaks:
    """Sub-expressions of a sink that carry exception text (outermost only), as ERR001 reads them."""

    def __init__(self, tainted: set[str]) -> None:
        self.tainted = tainted
        self.found: list[cst.BaseExpression] = []

    def mentions(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name):
            return node.value in self.tainted
        return any(self.mentions(child) for child in node.children)

    def leaks_itself(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.FormattedString):
            return any(isinstance(p, cst.FormattedStringExpression) and self.mentions(p.expression)
                       for p in node.parts)
        if isinstance(node, cst.ConcatenatedString):
            return self.leaks_itself(node.left) or self.leaks_itself(node.right)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
            return self.mentions(node.right)
        if isinstance(node, cst.Attribute) and node.attr.value == "args":
            return _root(node.value) in self.tainted
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) \
                and node.value.attr.value == "args":
            return _root(node.value.value) in self.tainted
        if isinstance(node, cst.Call):
            short = _short(node)
            if short in _TRACEBACK and "traceback" in (dotted(node.func) or ""):
                return True
            formats = (dotted(node.func) or "") in _FORMATTERS or (
                isinstance(node.func, cst.Attribute) and short in ("format", "join"))
            return formats and any(self.mentions(a.value) for a in node.args)
        return False

    def contains(self, node: cst.CSTNode) -> bool:
        """Some part of `node` carries exception text."""
        if isinstance(node, cst.BaseExpression) and self.leaks_itself(node):
            return True
        return any(self.contains(child) for child in node.children)

    def visit(self, node: cst.CSTNode, as_value: bool) -> None:
        if isinstance(node, cst.BaseExpression) and (self.leaks_itself(node) or (
                as_value and isinstance(node, cst.Name) and node.value in self.tainted)):
            self.found.append(node)
            return
        if isinstance(node, cst.Call):
            short = _short(node)
            carries = short in _CARRIERS or short.endswith(("Response", "Exception", "Error"))
            for arg in node.args:
                self.visit(arg.value, arg.keyword is not None or carries)
            self.visit(node.func, False)  # `str(e).splitlines()`: the text is the receiver
        elif isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    self.visit(element.value, True)
        elif isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            for item in node.elements:
                self.visit(item.value, as_value)
        elif isinstance(node, cst.Await):
            self.visit(node.expression, as_value)
        elif isinstance(node, cst.IfExp):
            self.visit(node.body, as_value)
            self.visit(node.orelse, as_value)
        elif isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            self.visit(node.left, as_value)
            self.visit(node.right, as_value)
        elif as_value and isinstance(node, cst.BaseExpression) and self.contains(node):
            self.found.append(node)  # text reworked in place (`str(e).splitlines()[0]`): the whole value goes
        else:
            for child in node.children:
                self.visit(child, False)


def _sink_value(statement: cst.CSTNode) -> cst.BaseExpression:
    if isinstance(statement, cst.Return) and statement.value is not None:
        return statement.value
    if isinstance(statement, cst.Raise) and statement.exc is not None:
        return statement.exc
    if isinstance(statement, cst.Expr):
        return statement.value
    raise FixError("the statement does not send anything the fix understands")


def _message(node: cst.BaseExpression, generic: str) -> str:
    """The f-string's own leading words (`Could not store file`), else the generic message."""
    while isinstance(node, cst.ConcatenatedString):
        node = node.left
    if isinstance(node, cst.FormattedString) and node.parts and isinstance(node.parts[0], cst.FormattedStringText):
        words = re.sub(r"[\s:;,.(\[-]+$", "", node.parts[0].value).strip()
        if len(words) >= 3 and "{" not in words and "\\" not in words:
            return words
    return generic


_STATUS_NAME = lazy_compile(r"^HTTP_(\d{3})(_|$)")


def _status(node: cst.BaseExpression | None) -> int | None:
    """A literal HTTP status: `404` or `status.HTTP_404_NOT_FOUND`."""
    if isinstance(node, cst.Integer):
        return int(node.value) if node.value.isdigit() else None
    if isinstance(node, (cst.Attribute, cst.Name)):
        name = node.attr.value if isinstance(node, cst.Attribute) else node.value
        found = _STATUS_NAME.match(name)
        if found:
            return int(found.group(1))
        if isinstance(node, cst.Attribute) and (dotted(node.value) or "").endswith("HTTPStatus") \
                and name in HTTPStatus.__members__:
            return int(HTTPStatus[name])
    return None


def _generic(sink: cst.BaseExpression) -> str:
    """The reason phrase of the status the statement answers with (`Not Found` for 404), when it
    is written there and is not a server error; else "Internal server error"."""
    code: int | None = None
    if isinstance(sink, cst.Tuple) and len(sink.elements) >= 2:
        code = _status(sink.elements[1].value)
        sink = sink.elements[0].value
    if code is None and isinstance(sink, cst.Call):
        short = (dotted(sink.func) or "").rsplit(".", 1)[-1]
        for arg in sink.args:
            if arg.keyword is not None and arg.keyword.value in ("status_code", "status", "code"):
                code = _status(arg.value)
        if code is None and sink.args and sink.args[0].keyword is None and (
                short == "abort" or short.endswith(("Exception", "Error"))):
            code = _status(sink.args[0].value)
    if code is None or not 400 <= code < 500:
        return GENERIC
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return GENERIC


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


_CONTAINERS = (cst.Dict, cst.List, cst.Tuple, cst.Set, cst.DictComp, cst.ListComp, cst.SetComp)


def _tainted(doc: Document, statement: cst.CSTNode, seeds: set[str]) -> tuple[set[str], set[str]]:
    """The seeds plus locals of the enclosing function assigned from them before `statement`,
    and those of the locals that hold a container (`body = {"error": str(e)}`): the text is
    inside, so the name cannot be swapped for a string."""
    func = doc.enclosing(statement, cst.FunctionDef)
    tainted = set(seeds)
    containers: set[str] = set()
    if func is None:
        return tainted, containers
    line = doc.range(statement).start.line
    leaks = _Leaks(tainted)
    assignments = sorted(((n, r) for n, r in doc.positions.items() if isinstance(n, (cst.Assign, cst.AnnAssign))),
                         key=lambda item: (item[1].start.line, item[1].start.column))
    for node, where in assignments:
        if where.start.line >= line or doc.enclosing(node, cst.FunctionDef) is not func or node.value is None:
            continue
        if leaks.mentions(node.value):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                if isinstance(target, cst.Name):
                    tainted.add(target.value)
                    if isinstance(node.value, _CONTAINERS):
                        containers.add(target.value)
    return tainted, containers


def _logger(ctx: FixContext) -> tuple[str, str] | None:
    """The module's logger and its flavour: `stdlib` (a module-level `getLogger()`/`get_logger()`
    result), `loguru` (`from loguru import logger`), or `unknown` (a logger imported from
    elsewhere, which surely has `.exception()`)."""
    found: list[str] = []
    for statement in ctx.doc.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
            if not isinstance(value, cst.Call) or (dotted(value.func) or "").rsplit(".", 1)[-1] not in (
                    "getLogger", "get_logger"):
                continue
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [
                small.target] if isinstance(small, cst.AnnAssign) else []
            found += [t.value for t in targets if isinstance(t, cst.Name)]
    for name in (*_LOGGER_NAMES, *found):
        if name in found:
            return name, "stdlib"
    loguru = ctx.imports.local_for("loguru.logger")
    if loguru is not None:
        return loguru, "loguru"
    for name in _LOGGER_NAMES:
        if any(b.local == name for b in ctx.imports.bound):
            return name, "unknown"
    return None


def _named_handlers(doc: Document, statement: cst.CSTNode) -> list[str]:
    """Names of the exceptions caught around `statement`, innermost first (`except E as e`)."""
    names: list[str] = []
    node = doc.enclosing(statement, cst.ExceptHandler)
    while isinstance(node, cst.ExceptHandler):
        if node.name is not None and isinstance(node.name.name, cst.Name):
            names.append(node.name.name.value)
        node = doc.enclosing(node, cst.ExceptHandler)
    return names


def _already_logged(block: cst.CSTNode | None, exception_only: bool) -> bool:
    if block is None:
        return False
    stack: list[cst.CSTNode] = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            exc_info = any(a.keyword is not None and a.keyword.value == "exc_info" for a in node.args)
            if method in _LOGS_EXCEPTION or (method in _LOGS and (exc_info or not exception_only)):
                return True
        stack.extend(node.children)
    return False


def _replacement(literal: cst.SimpleString) -> Transform:
    def replace(_: cst.CSTNode) -> cst.CSTNode:
        return literal

    return replace


def generic_error(plan: FixPlan, ctx: FixContext) -> Edit:
    """The `generic-error` codemod."""
    doc = ctx.doc
    statement = next((s for s in doc.statements_at(plan.line) if isinstance(s, (cst.Return, cst.Raise, cst.Expr))),
                     None)
    if statement is None:
        raise FixError(f"{doc.source.path}:{plan.line}: no return, raise or call there")
    mode = plan.param("mode", "except")
    handler = doc.enclosing(statement, cst.ExceptHandler)
    if mode == "except":
        caught = _named_handlers(doc, statement)
        if not caught:
            raise FixError("the exception is not caught under a name here")
        seeds = set(caught)
        exception = caught[0]
    else:
        seeds = set(plan.items("exception"))
        exception = plan.items("exception")[0] if seeds else ""
    tainted, containers = _tainted(doc, statement, seeds)
    leaks = _Leaks(tainted)
    leaks.visit(_sink_value(statement), True)
    if not leaks.found:
        raise FixError("no exception text found in the statement")
    if any(isinstance(n, cst.Name) and n.value in containers for n in leaks.found):
        raise FixError("the text sits in a container built earlier; replacing the name would change its type")
    edit = ctx.edit()
    generic = _generic(_sink_value(statement))
    message = generic
    for node in leaks.found:
        text = _message(node, generic)
        message = text if text != generic else message
        edit.replace(node, _replacement(cst.SimpleString(_quoted(text))), wholesale=True)
    block = handler if mode == "except" else doc.enclosing(statement, cst.FunctionDef)
    if not _already_logged(block, exception_only=mode == "except"):
        found = _logger(ctx)
        project = plan.param("logger", "logging.getLogger")
        if found is None and project == "loguru.logger":  # the project logs with loguru
            found = (ctx.render("@{loguru.logger}", edit), "loguru")
        if found is None:
            if "logger" in doc.module_names():
                raise FixError("`logger` names something else in this module")
            factory = ctx.render("@{logging}.getLogger" if project == "logging.getLogger" else f"@{{{project}}}", edit)
            edit.prologue.append(("logger", f"logger = {factory}(__name__)"))
            found = ("logger", "stdlib" if project == "logging.getLogger" else "unknown")
        logger, flavour = found
        if mode == "except":
            call = f"{logger}.exception({_quoted(message)})"
        elif flavour == "loguru":
            call = f"{logger}.opt(exception={exception}).error({_quoted(message)})"
        elif flavour == "stdlib":
            call = f"{logger}.error({_quoted(message)}, exc_info={exception})"
        else:
            raise FixError(f"`{logger}` is imported from elsewhere: how it takes an exception is not known")
        parse_statements(call, doc.module)
        edit.insert_before(statement, call)
    return edit


KINDS = {"generic-error": generic_error}
