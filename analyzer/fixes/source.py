"""Files a fix reads and writes: path safety, line handling and atomic writes.

A fix writes only regular files inside the analyzed tree: the target must not be a symbolic
link, and its real path (every parent link resolved) must lie inside one of the analyzed
paths, so a link to a folder outside the tree is never written through. Files are written
atomically (a temporary file in the same folder, then `os.replace`) with their permission bits
kept; their encoding and line endings are libcst's round trip of the original bytes.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from apilint.lazy_regex import lazy_compile

_LINE = lazy_compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class UnsafePath(Exception):
    """A path a fix must not read or write; the message says why."""


def split_lines(text: str) -> list[str]:
    """Lines with their endings (`\\n`, `\\r\\n` or `\\r`), as editors and SARIF viewers count them."""
    return _LINE.findall(text)


def safe_target(root: Path, rel: str, allowed: Sequence[Path]) -> Path:
    """The real path of `root / rel` when a fix may write it; UnsafePath otherwise."""
    path = root / rel
    if path.is_symlink():
        raise UnsafePath(f"{rel} is a symbolic link; apilint does not write through links")
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise UnsafePath(f"{rel} cannot be resolved: {exc}") from None
    if not real.is_file():
        raise UnsafePath(f"{rel} is not a regular file")
    for base in allowed:
        try:
            base_real = base.resolve()
        except (OSError, RuntimeError):
            continue
        if real == base_real or base_real in real.parents:
            return real
    raise UnsafePath(f"{rel} resolves outside the analyzed tree (a linked folder?)")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace the file's content in one step, keeping its permission bits."""
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".apilint-fix")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
