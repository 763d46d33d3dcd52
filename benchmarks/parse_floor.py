"""The parse floor of a libcst engine: parse every .py file under ROOT, nothing else.

Walks ROOT in sorted order, reads each ``.py`` file and calls ``libcst.parse_module`` on it,
keeping no tree. With JOBS > 1 the files are dealt out to a ``multiprocessing.Pool(JOBS)`` in
chunks of 8. This is the cost no libcst-based analyzer can go below (shared/PERF-NOTES.md,
``floor.py cst``); the benchmark runs it with the same interpreter and libcst as apilint.

usage: python parse_floor.py ROOT JOBS
Prints one JSON object: files, lines, errors (files that did not parse), seconds.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path


def python_files(root: str) -> list[Path]:
    """Return every .py file under ``root``, in a deterministic order."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        found.extend(Path(dirpath, name) for name in sorted(filenames) if name.endswith(".py"))
    return found


def parse_file(path: Path) -> tuple[int, int]:
    """Parse one file; return (lines, 1 if it failed to parse else 0)."""
    import libcst

    data = path.read_bytes()
    lines = data.count(b"\n")
    try:
        libcst.parse_module(data)
    except (libcst.ParserSyntaxError, RecursionError, ValueError):
        return lines, 1
    return lines, 0


def parse_all(files: list[Path], jobs: int) -> tuple[int, int]:
    """Parse ``files`` in this process (jobs=1) or a Pool(jobs); return (lines, errors)."""
    if jobs <= 1:
        results = [parse_file(path) for path in files]
    else:
        with multiprocessing.Pool(jobs) as pool:
            results = list(pool.imap_unordered(parse_file, files, chunksize=8))
    return sum(lines for lines, _ in results), sum(errors for _, errors in results)


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    if len(argv) != 2:
        print("usage: python parse_floor.py ROOT JOBS", file=sys.stderr)
        return 2
    start = time.perf_counter()
    import libcst  # noqa: F401  (the import is part of the floor, as in an engine's cold run)

    files = python_files(argv[0])
    lines, errors = parse_all(files, int(argv[1]))
    seconds = time.perf_counter() - start
    print(json.dumps({"files": len(files), "lines": lines, "errors": errors, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    sys.exit(main(sys.argv[1:]))
