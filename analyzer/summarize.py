"""Parse one file with libcst and reduce it to a `ModuleSummary` in one hand-written walk.

Why not a `CSTVisitor` and `PositionProvider`: in libcst every visitor pass rebuilds every
node (about 3 parses of cost) and positions cost 2-3 parses more (shared/PERF-NOTES.md).
The walk (`summarize_walk`) reads node fields directly. Statement line numbers
(`summarize_lines`) come from CPython's `ast` (about 0.1 parse), paired with libcst statements
in source order; when the two trees do not pair up (syntax `ast` of this interpreter cannot
read), the file falls back to libcst's `PositionProvider`. libcst's parse itself runs without
node validation (`summarize_parse`). This module parses (bounded nesting, a big stack where
CPython could not pre-check the file, parse errors as data) and assembles the summary.
"""

from __future__ import annotations

import ast
import re
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from apilint.lazy_regex import lazy_compile
from apilint.summarize_lines import AstLines, LineMismatch, PosLines
from apilint.summarize_parse import parse_unvalidated, validated_construction
from apilint.summarize_walk import Converter
from apilint.summary import Import, ModuleSummary, Stmt

_WORD_RE = lazy_compile(r"[a-z_][a-z0-9_-]*")
_SUPPRESS_RE = lazy_compile(r"#\s*apilint:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


def module_name_for(path: str) -> tuple[str, bool]:
    """Dotted module name and is-package flag for a posix path relative to the import base.

    A leading `src/` folder (the src layout) is not part of the module name.
    """
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    return ".".join(p for p in parts if p and p != "."), is_package


def find_suppressions(text: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """(line, codes) of every `# apilint: ignore[...]` comment in the text."""
    if "apilint" not in text:
        return ()
    out = []
    for match in _SUPPRESS_RE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        codes = match.group(1)
        parsed = tuple(sorted({c.strip().upper() for c in codes.split(",") if c.strip()})) if codes else ()
        out.append((line, parsed))
    return tuple(out)


def summarize_source(source: bytes, path: str, module_path: str | None = None) -> ModuleSummary:
    """Summarize one file's bytes. Never raises for bad input: errors go in `parse_error`.

    `path` is the reported path (relative to the project root); `module_path`, relative to the
    folder imports are resolved from, gives the module name (defaults to `path`).
    """
    module_name, is_package = module_name_for(module_path if module_path is not None else path)
    line_count = source.count(b"\n") + (1 if source and not source.endswith(b"\n") else 0)
    text = source.decode("utf-8", errors="replace")
    suppressions = find_suppressions(text)
    if b"\x00" in source:
        nul = source.index(b"\x00")
        line, column = source.count(b"\n", 0, nul) + 1, nul - source.rfind(b"\n", 0, nul)
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=("file contains NUL bytes (binary file?)", line, column),
                             line_count=line_count)
    tree, ast_error = _ast_parse(source)
    if ast_error is not None and _too_deep(ast_error):
        message, line, column = _error_position(ast_error, "file is nested too deeply to parse")
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=(message, line, column), line_count=line_count)
    import libcst as cst

    try:
        # Input CPython parsed under its nesting limits is safe for libcst on a normal stack;
        # only what CPython could not pre-check (newer syntax) needs the big-stack thread.
        guard = _with_big_stack if tree is None else _direct
        module = guard(lambda: parse_unvalidated(cst, _libcst_source(source, ast_error)))
    except cst.ParserSyntaxError as exc:
        if ast_error is not None:  # CPython's message and position are the ones users know
            parse_error = _error_position(ast_error, "syntax error")
        else:
            message = str(exc).splitlines()[0] if str(exc) else "syntax error"
            parse_error = (f"syntax error: {message}", exc.raw_line, exc.raw_column + 1)
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=parse_error, line_count=line_count)
    except (RecursionError, MemoryError):
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=("file is nested too deeply to parse", 1, 1),
                             line_count=line_count)
    except Exception as exc:  # libcst raises a few other types on odd encodings
        parse_error = (_error_position(ast_error, "syntax error") if ast_error is not None else
                       (f"could not parse: {type(exc).__name__}: {exc}".splitlines()[0], 1, 1))
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=parse_error, line_count=line_count)
    try:
        body, imports = guard(lambda: _convert(cst, module, tree, module_name, is_package))
    except (RecursionError, MemoryError):
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=("file is nested too deeply to analyze", 1, 1),
                             line_count=line_count)
    except Exception:
        if ast_error is None:
            raise  # a file CPython reads: a failure here is apilint's bug, not the file's
        # CPython rejects the file and libcst parsed it anyway (`b"a" "b"`); reading positions
        # rebuilds the tree, and libcst's validation then refuses what its parser let through.
        return ModuleSummary(path, module_name, is_package, suppressions=suppressions,
                             parse_error=_error_position(ast_error, "syntax error"), line_count=line_count)
    words = frozenset(_WORD_RE.findall(text.lower()))
    return ModuleSummary(path, module_name, is_package, imports, body, suppressions, None, line_count, words)


_AST_FRAME_BUDGET = 350
"""Recursion budget for `ast.parse` (CPython allows 3 nesting levels a frame, so about 1,000
levels). Deeper files are reported without handing them to libcst, whose native parser
overflows the C stack (a segfault, not an exception) and slows quadratically with depth."""

_PARSE_STACK_BYTES = 256 * 1024 * 1024
"""Stack of the thread libcst parses in: the default 8 MB overflows near 1,500 nesting levels,
which syntax CPython 3.11 cannot read (and so cannot pre-check) may still reach."""

_DEPTH_MESSAGES = ("too many nested parentheses", "too many levels of indentation", "too complex")

_T = TypeVar("_T")


def _ast_parse(source: bytes) -> tuple[ast.Module | None, BaseException | None]:
    """CPython's parse with a bounded nesting depth: (tree, None) or (None, the error)."""
    depth = 0
    frame: Any = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + _AST_FRAME_BUDGET)
    try:
        return ast.parse(source), None
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return None, exc
    finally:
        sys.setrecursionlimit(old_limit)


def _libcst_source(source: bytes, ast_error: BaseException | None) -> bytes:
    """The bytes to give libcst: CPython accepts a file ending in a line continuation, libcst does
    not, so drop a final backslash (nothing follows it; line numbers do not change)."""
    if ast_error is None:
        stripped = source.rstrip(b" \t\x0c\r\n")
        if stripped.endswith(b"\\") and not stripped.endswith(b"\\\\"):
            return stripped[:-1] + source[len(stripped):]
    return source


def _too_deep(error: BaseException) -> bool:
    if isinstance(error, (RecursionError, MemoryError, OverflowError)):
        return True
    return isinstance(error, SyntaxError) and any(m in str(error.msg) for m in _DEPTH_MESSAGES)


def _error_position(error: BaseException, fallback: str) -> tuple[str, int, int]:
    """(message, line, column) of a CPython parse error; 1-based, never below 1."""
    if isinstance(error, SyntaxError):
        detail = str(error.msg).splitlines()[0] if error.msg else ""
        text = f"{fallback}: {detail}" if detail else fallback
        return text, max(error.lineno or 1, 1), max(error.offset or 1, 1)
    if isinstance(error, (RecursionError, MemoryError, OverflowError)):
        return fallback, 1, 1
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{fallback}: {detail}", 1, 1


def _direct(work: Callable[[], _T]) -> _T:
    return work()


def _with_big_stack(work: Callable[[], _T]) -> _T:
    """Run `work` in a thread with a large stack; directly where the platform refuses one."""
    box: list[_T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    try:
        old_size = threading.stack_size(_PARSE_STACK_BYTES)
    except (ValueError, RuntimeError):
        return work()
    try:
        thread = threading.Thread(target=target, name="apilint-parse", daemon=True)
        thread.start()
    except RuntimeError:
        return work()
    finally:
        threading.stack_size(old_size)
    thread.join()
    if errors:
        raise errors[0]
    return box[0]


def _convert(cst_mod: Any, module: Any, tree: ast.Module | None, module_name: str,
             is_package: bool) -> tuple[tuple[Stmt, ...], tuple[Import, ...]]:
    try:
        if tree is None:
            raise LineMismatch("CPython could not parse the file")
        return _walk(cst_mod, module, module_name, is_package, AstLines(tree))
    except (LineMismatch, RecursionError, MemoryError):
        # Positions rebuild the tree: with libcst's validation, the only check left on a file
        # CPython rejected (libcst's parser lets `b"a" "b"` through).
        with validated_construction():
            lines = PosLines(module)
        return _walk(cst_mod, module, module_name, is_package, lines)


def _walk(cst_mod: Any, module: Any, module_name: str, is_package: bool,
          lines: AstLines | PosLines) -> tuple[tuple[Stmt, ...], tuple[Import, ...]]:
    """The module's statements and imports, read with `lines`; the converter's cycle broken after."""
    conv = Converter(cst_mod, module_name, is_package, lines)
    try:
        body = conv.block(module.body, "")
        if isinstance(lines, AstLines):
            lines.finish()
        return body, tuple(conv.imports)
    finally:
        conv.release()
