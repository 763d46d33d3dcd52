"""Expand the paths given on the command line into sorted lists of Python files and credential files."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pathspec
from apilint.replay import Stamp, stamp_of, stamps_with_digest
from apilint.textfiles import is_credential_file

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", ".env", "virtualenv", "site-packages",
    "dist-packages", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
    ".apilint_cache", "build", "dist", ".eggs", ".hypothesis", ".idea", ".vscode", "htmlcov",
})


@dataclass(frozen=True)
class Discovered:
    """The files to analyze and the paths skipped, with why."""

    files: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...]
    stamps: tuple[Stamp, ...] = ()
    """Every file and folder whose content or listing decided `files`, stamped before it was
    read: a later run whose stamps all match saw the same tree (`apilint.replay`)."""
    texts: tuple[Path, ...] = ()
    """Non-Python files that may hold credentials (`apilint.textfiles`), sorted like `files`."""


def _gitignore_spec(root: Path) -> pathspec.GitIgnoreSpec | None:
    patterns: list[str] = []
    for name in (".gitignore",):
        file = root / name
        if file.is_file():
            try:
                patterns += file.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
    if not patterns:
        return None
    return pathspec.GitIgnoreSpec.from_lines(patterns)


TEST_DIRS = frozenset({"tests", "test", "testproject", "test_project", "testapp", "test_app"})
"""Test suites, and the throw-away Django projects and apps they run against (`core/testproject`)."""
Nested = tuple[tuple[str, pathspec.GitIgnoreSpec], ...]
"""(folder prefix, spec) of the `.gitignore` files below the root on the way to a folder."""


def is_test_file(name: str) -> bool:
    """`test_*.py`, `*_test.py`, `tests.py` and `conftest.py`."""
    stem = name[:-3] if name.endswith(".py") else name
    return stem.startswith("test_") or stem.endswith("_test") or stem in ("conftest", "tests")


def discover(paths: Iterable[Path], root: Path, exclude: tuple[str, ...] = (),
             respect_gitignore: bool = True, include_tests: bool = False) -> Discovered:
    """Python files (and credential text files) under `paths`, sorted by their path relative to `root`.

    Explicitly named files are always analyzed (as pre-commit expects); directories are
    walked without following symlinked directories, skipping caches, virtualenvs, build
    output, gitignored and excluded paths, and (unless `include_tests`) test folders and
    test files: test suites define throw-away apps whose open routes are not findings.
    Credential text files are also skipped when a `.gitignore` in a folder below the root
    covers them (`backend/.gitignore` listing `.env`): an ignored `.env` is not committed.
    """
    root = root.resolve()
    exclude_spec = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
    ignore_spec = _gitignore_spec(root) if respect_gitignore else None
    files: dict[str, Path] = {}
    texts: dict[str, Path] = {}
    skipped: list[tuple[Path, str]] = []
    stamps: list[Stamp] = stamps_with_digest([str(root / ".gitignore")]) if respect_gitignore else []
    now = time.time_ns()

    def stamp(path: Path | str, st: os.stat_result | None = None) -> None:
        entry = stamp_of(str(path), st, now)
        if entry is not None:
            stamps.append(entry)

    def excluded(rel: str, is_dir: bool, gitignored: bool = True) -> bool:
        if is_dir:
            rel += "/"
        if exclude_spec and exclude_spec.match_file(rel):
            return True
        return bool(gitignored and ignore_spec and ignore_spec.match_file(rel))

    for given in paths:
        path = Path(given)
        try:
            st = path.stat()
        except OSError as exc:
            skipped.append((path, f"cannot read: {exc.strerror or exc}"))
            continue
        if stat.S_ISREG(st.st_mode):
            real = safe_resolve(path)
            target = texts if not path.name.endswith(".py") and is_credential_file(path.name) else files
            target[str(real)] = real
            stamp(real, st)
            continue
        if not stat.S_ISDIR(st.st_mode):
            skipped.append((path, "not a regular file"))
            continue
        # Symlinked folders are not entered, so below the resolved starting folder every
        # folder is real: a file's real path is that folder plus its name, unless the file itself
        # is a symlink. This avoids resolving (several syscalls) every file of a large tree.
        start_real = safe_resolve(path)
        # A folder named on the command line is analyzed even when .gitignore covers it (as
        # named files are); then .gitignore cannot be applied below it either.
        start_rel = _rel(start_real, root)
        honour_gitignore = start_rel in (".", "") or not excluded(start_rel, True)
        stamp(path)  # before it is listed: an entry added meanwhile changes its mtime
        # os.scandir with str paths: a Path per entry cost more than the listing itself.
        stack: list[tuple[str, str, str, Nested]] = [
            (str(path), str(start_real), "" if start_rel in (".", "") else start_rel + "/", ())]
        while stack:
            dirpath, real_dir, prefix, nested = stack.pop()
            try:
                with os.scandir(dirpath) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError:
                continue  # unreadable folder: skipped, as os.walk does
            if prefix and respect_gitignore and any(e.name == ".gitignore" for e in entries):
                inner = _gitignore_spec(Path(dirpath))
                stamps.extend(stamps_with_digest([os.path.join(dirpath, ".gitignore")]))
                if inner is not None:
                    nested = (*nested, (prefix, inner))
            subdirs: list[tuple[str, str, str, Nested]] = []
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if name in SKIP_DIRS or name.endswith(".egg-info") or (not include_tests and name in TEST_DIRS):
                        continue
                    if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
                        stamp(entry.path)  # skipped for its pyvenv.cfg, which may go away
                        continue
                    if excluded(prefix + name, True, honour_gitignore):
                        continue
                    stamp(entry.path)
                    if not entry.is_symlink():  # symlinked folders are not entered
                        subdirs.append((entry.path, f"{real_dir}/{name}", f"{prefix}{name}/", nested))
                    continue
                text = not name.endswith(".py") and is_credential_file(name)
                if not (name.endswith(".py") or text) or (not include_tests and is_test_file(name)):
                    continue
                try:
                    lst = entry.stat(follow_symlinks=False)
                    link = stat.S_ISLNK(lst.st_mode)
                    fst = os.stat(entry.path) if link else lst
                except OSError:
                    skipped.append((Path(entry.path), "broken symlink or unreadable"))
                    continue
                if not stat.S_ISREG(fst.st_mode):
                    skipped.append((Path(entry.path), "not a regular file"))
                    continue
                if excluded(prefix + name, False, honour_gitignore) or (text and any(
                        spec.match_file((prefix + name)[len(base):]) for base, spec in nested)):
                    continue  # a credential file a nested .gitignore covers is not committed
                real = safe_resolve(Path(entry.path)) if link else Path(f"{real_dir}/{name}")
                (texts if text else files)[str(real)] = real
                stamp(entry.path, fst)
            stack.extend(reversed(subdirs))
    ordered = sorted(files.values(), key=lambda p: _rel(p, root))
    ordered_texts = sorted(texts.values(), key=lambda p: _rel(p, root))
    return Discovered(tuple(ordered), tuple(sorted(skipped, key=lambda s: str(s[0]))), tuple(stamps),
                      tuple(ordered_texts))


def _rel(path: Path, root: Path) -> str:
    if os.sep == "/":  # string slicing: pathlib's relative_to costs ten times more, on every file
        text, base = str(path), str(root)
        if text == base:
            return "."
        prefix = base if base.endswith("/") else base + "/"
        return text[len(prefix):] if text.startswith(prefix) else text
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def safe_resolve(path: Path) -> Path:
    """`path.resolve()`, or the absolute path when a symlink loop makes resolving impossible."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def entry_path(path: Path, root: Path) -> str:
    """Project-relative path of a directory entry itself, not of what a symlink points to."""
    return _rel(safe_resolve(path.parent) / path.name, safe_resolve(root))


def relative_path(path: Path, root: Path) -> str:
    """Project-relative posix path (absolute when outside the root)."""
    return _rel(safe_resolve(path), safe_resolve(root))


def relative_resolved(path: Path, root: Path) -> str:
    """Like `relative_path`, for paths already resolved (what `discover` returns): no syscalls."""
    return _rel(path, root)
