"""Plan builders: what a rule calls to attach a fix to a finding, one function per fix kind.

Each returns a `FixPlan` (plain, picklable data; see `apilint.model.FixPlan`). Code values are
templates: `@{qualified.name}` is written as a reference in the target file's import style
(the import added once when missing), and `@{value}` stands for the code being replaced. The
codemods that read these plans live in `apilint.fixes.kinds`; this module imports no libcst.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from apilint.model import Applicability, FixPlan
from apilint.summary import Expr, FunctionDef, Stmt

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE


def _plan(kind: str, title: str, applicability: Applicability, file: str, line: int,
          **params: str | Iterable[str]) -> FixPlan:
    items: list[tuple[str, str | tuple[str, ...]]] = []
    for key, value in sorted(params.items()):
        if isinstance(value, str):
            if value:
                items.append((key, value))
        else:
            values = tuple(value)
            if values:
                items.append((key, values))
    return FixPlan(kind, title, applicability, file, line, tuple(items))


def call_arguments(title: str, applicability: Applicability, file: str, line: int, callee: str, *,
                   ordinal: int = 0, decorators: bool = False, set: Iterable[str] = (),
                   positional: Iterable[str] = (), arguments: Iterable[str] = (), remove: Iterable[str] = (),
                   drop_keys: Iterable[str] = (),
                   drop_items: Iterable[str] = (), append: Iterable[str] = (),
                   extend: Iterable[str] = ()) -> FixPlan:
    """Change the arguments of the `ordinal`-th call to `callee` in the statement on `line`.

    `set`: `name=code`; `positional`: `index:name` (where `name` sits when passed
    positionally); `arguments`: `index=code` replaces a positional argument; `remove`: keyword
    names; `drop_keys`: `keyword:key` of a dict argument;
    `drop_items`: `keyword:text` of a list argument (`#2` for the third positional);
    `append`: positional code; `extend`: `keyword=code` appended to a list argument.
    """
    return _plan("call-arguments", title, applicability, file, line, callee=callee,
                 ordinal=str(ordinal) if ordinal else "", decorators="1" if decorators else "", set=set,
                 positional=positional, arguments=arguments, remove=remove, drop_keys=drop_keys, drop_items=drop_items,
                 append=append, extend=extend)


def statement_value(title: str, applicability: Applicability, file: str, line: int, template: str, *,
                    code: str = "", unless_defined: str = "") -> FixPlan:
    """Replace the value (assigned value, `if` test, returned value) of the statement on `line`
    with `template` over `@{value}`; then insert `code` after it unless `unless_defined` exists."""
    return _plan("statement-value", title, applicability, file, line, template=template, code=code,
                 unless_defined=unless_defined)


def insert_statements(title: str, applicability: Applicability, file: str, line: int, code: str, *,
                      where: str = "after", unless_defined: str = "") -> FixPlan:
    """Insert `code` before or after the statement on `line`, first in the body of the function
    defined there (`where="body"`), or last in the class defined there (`where="class-end"`)."""
    return _plan("insert-statements", title, applicability, file, line, code=code, where=where,
                 unless_defined=unless_defined)


def dict_entries(title: str, applicability: Applicability, file: str, line: int,
                 entries: Iterable[str]) -> FixPlan:
    """Add `key=code` entries to the dict literal assigned on `line`."""
    return _plan("dict-entries", title, applicability, file, line, entries=entries)


def copy_auth(title: str, file: str, line: int, what: str, source_file: str, source_line: int, *,
              name: str = "", index: int = 0, names: Iterable[str] = ()) -> FixPlan:
    """Copy what authenticates a sibling onto the handler (or class) on `line`; always unsafe.

    `what`: `parameter` (`name`), `decorator` (`index` in the sibling's decorators),
    `class-attribute` (`name`), `route-dependency` (`index` in the sibling's `dependencies=`
    of its route decorator); `names`: `local=qualified` free names of the construct.
    """
    return _plan("copy-auth", title, UNSAFE, file, line, what=what, source_file=source_file,
                 source_line=str(source_line), name=name, index=str(index), names=names)


def generic_error(title: str, file: str, line: int, mode: str, exception: Iterable[str] = (),
                  logger: str = "") -> FixPlan:
    """Send a generic message instead of exception text on `line` and log the exception
    (`mode`: `except` inside an except block, `handler` in a registered exception handler;
    `logger`: how the project gets loggers, `loguru.logger` or a factory such as
    `logging.getLogger`)."""
    return _plan("generic-error", title, SAFE, file, line, mode=mode, exception=exception, logger=logger)


def locate_call(stmt: Stmt, call: Expr) -> tuple[str, int] | None:
    """(callee as written, how many calls to it come first in the statement) for a call of a
    simple statement (for a compound one: in its header). A method called on a computed value
    (`db.query(M).filter`) is named `.filter`; None for other callees (`handlers[0]()`)."""
    return _locate(stmt.own_exprs(), call)


def locate_in_header(func: FunctionDef, call: Expr) -> tuple[str, int] | None:
    """As `locate_call`, for a call in a function's decorators or parameters."""
    exprs: list[Expr] = [d.expr for d in func.decorators]
    for param in func.params:
        exprs += [e for e in (param.annotation, param.default) if e is not None]
    if func.returns is not None:
        exprs.append(func.returns)
    return _locate(exprs, call)


def _callee(call: Expr) -> str | None:
    """`jwt.decode`, or `.filter` for a method called on something else (`db.query(M).filter`)."""
    if call.func.dotted is not None:
        return call.func.dotted
    return "." + call.func.text if call.func.kind == "attr" else None


def _locate(exprs: Iterable[Expr], call: Expr) -> tuple[str, int] | None:
    callee = _callee(call) if call.kind == "call" else None
    if callee is None:
        return None
    count = 0
    for expr in exprs:
        for sub in expr.calls():
            if sub is call:
                return callee, count
            if _callee(sub) == callee or (callee.startswith(".") and sub.func.kind == "attr"
                                          and sub.func.text == callee[1:]):
                count += 1
    return None


def display(template: str) -> str:
    """A template as a reader sees it in a title: `@{app.core.config.ALGORITHM}` -> `ALGORITHM`."""
    return re.sub(r"@\{(?:[\w.]*\.)?(\w+)\}", r"\1", template)


def string(text: str) -> str:
    """A Python string literal for `text`, double-quoted (for templates)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


__all__ = ["SAFE", "UNSAFE", "call_arguments", "copy_auth", "dict_entries", "display", "generic_error",
           "insert_statements", "locate_call", "locate_in_header", "statement_value", "string"]
