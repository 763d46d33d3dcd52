"""Which exception values leak internals, judged by the caught or handled exception type."""

from __future__ import annotations

from apilint.model import Confidence
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, FunctionDef, ModuleSummary

HTTP_EXCEPTIONS = ("HTTPException", "APIException", "HttpError", "WebSocketException", "Http404", "NotFound",
                   "MethodNotAllowed", "PermissionDenied", "NotAuthenticated", "AuthenticationFailed",
                   "Throttled", "Unauthorized", "Forbidden", "BadRequest")
"""Exceptions whose text is written for clients: echoing them is intended."""
USER_FACING = ("ValueError", "ValidationError", "RequestValidationError", "TypeError", "KeyError",
               "JSONDecodeError", "ParseError", "UnicodeDecodeError", "InvalidOperation", "DoesNotExist",
               "ObjectDoesNotExist", "MultipleObjectsReturned", "NoResultFound")
"""Exceptions whose text is usually about the caller's own input or the object asked for
(`Group matching query does not exist.`): low confidence."""


def exception_confidence(index: ProjectIndex, mod: ModuleSummary, exc_type: Expr | None) -> Confidence | None:
    """How surely echoing an exception of `exc_type` leaks internals; None when it is meant for clients.

    `exc_type` is the `except` clause type (a name, attribute or tuple); None means any exception.
    """
    if exc_type is None:
        return Confidence.HIGH
    if exc_type.kind == "tuple":
        judged = [exception_confidence(index, mod, e) for e in exc_type.args]
        known = [c for c in judged if c is not None]
        return max(known, key=lambda c: c.rank) if known else None
    dotted = exc_type.dotted
    if dotted is None:
        return Confidence.MEDIUM
    short = dotted.rsplit(".", 1)[-1]
    if short.endswith(HTTP_EXCEPTIONS):
        return None
    if short in USER_FACING or any(word in short for word in ("JWT", "Token", "Signature", "Expired")):
        return Confidence.LOW
    symbol = index.resolve(mod, exc_type)
    if symbol is not None and symbol.cls is not None:
        # a project-defined domain error (NotFoundError, InsufficientFunds): a gray zone
        bases = [b.rsplit(".", 1)[-1] for b in index.base_names(symbol)]
        if any(b.endswith(HTTP_EXCEPTIONS) for b in bases):
            return None
        return Confidence.LOW
    return Confidence.HIGH


def project_callee(index: ProjectIndex, mod: ModuleSummary, caller: FunctionDef,
                   call: Expr) -> tuple[ModuleSummary, FunctionDef] | None:
    """The project function or method a call reaches: a name, `module.func`, `self.method`, or a
    method of a module-level instance (`service = Service()`); None when apilint cannot tell."""
    func = call.func
    if func.kind not in ("name", "attr"):
        return None
    if func.kind == "attr" and func.args[0].kind == "name" and func.args[0].text in ("self", "cls"):
        owner = caller.qualname.rpartition(".")[0]
        if not owner or "<locals>" in owner:
            return None
        return _method(index, index.lookup(f"{mod.module}.{owner}"), func.text)
    symbol = index.resolve(mod, func)
    if symbol is not None:
        return (symbol.module, symbol.func) if symbol.func is not None else None
    if func.kind == "attr":
        owner_sym = index.resolve(mod, func.args[0])
        if owner_sym is not None and owner_sym.cls is None and owner_sym.value is not None \
                and owner_sym.value.kind == "call":
            return _method(index, index.resolve(owner_sym.module, owner_sym.value.func), func.text)
    return None


def _method(index: ProjectIndex, cls: Symbol | None, name: str) -> tuple[ModuleSummary, FunctionDef] | None:
    """`name` defined on the class or one of its project base classes."""
    found = index.find_method(cls, name)
    return (found.module, found.func) if found is not None and found.func is not None else None
