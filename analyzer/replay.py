"""Replay: answer a `check` whose inputs have not changed without starting the analyzer.

A run with the cache on records what it printed and wrote, its exit code, and a *stamp*
(modification time and size) of every input that decided its output: each Python file
analyzed, each folder whose listing decided which files those were, the folders above the
first path (where the configuration and the project root are looked for), the configuration,
`.gitignore`, baseline and other non-Python files read. The next identical command line, in
the same folder, with the same environment and the same apilint code, stats those inputs
and, when every stamp matches, writes the recorded output again. That costs a walk of stats
(no parsing, no hashing, no imports beyond the standard library), the way `make` or ruff's
cache decide that nothing needs redoing; anything that does not match falls through to a
normal run, which has its own content-hash caches.

Timestamps can be too coarse to see two edits within one tick, so an input modified less than
`RACY_NS` before it was stamped is also stamped with a digest of its content (for a folder, of
its listing), taken before the run read it, and compared too. A `--fix` run is never recorded
nor replayed; the files it rewrites (`os.replace`: a new inode) no longer match any record. Non-Python inputs read by
framework adapters (OpenAPI specs) are stamped with a digest when the run ends.

Records are signed with the user's cache key like every other cache entry: a record planted
in a repository cannot make apilint print a clean report for it.

`APILINT_NO_REPLAY=1` in the environment turns replay off (records are still written).

This module is imported by the console entry point before anything else, so it uses the
standard library only.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import marshal
import os
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

RECORD_VERSION = 2
RACY_NS = 1_000_000_000
"""An input modified this recently when stamped is also compared by content."""
CONFIG_NAMES = ("pyproject.toml", ".apilint.yaml", ".apilint.yml")
"""Configuration files, in the order they are looked for (`apilint.config` reads this list)."""
ENVIRONMENT = ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "CI", "GITHUB_WORKSPACE", "CI_PROJECT_DIR",
               "XDG_CACHE_HOME", "HOME")
"""Environment variables that can change what a run prints."""
_MAGIC = b"APILINTR"
_ABSENT = -1
_PRESENT = -2
"""Sizes that mark a stamp as "must not exist" and "must exist" (whatever its content)."""
_MAC_LEN = 32

Stamp = tuple[str, int, int, int, str]
"""(path, st_mtime_ns, st_ctime_ns, st_size, digest or "") of a file or folder; see the module
docstring. The inode change time also moves when an edit puts the old modification time back."""


def stamp_of(path: str, st: os.stat_result | None = None, now_ns: int | None = None) -> Stamp | None:
    """The stamp of a file or folder, None when it cannot be read."""
    try:
        st = st if st is not None else os.stat(path)
        mtime, ctime, size = st.st_mtime_ns, st.st_ctime_ns, st.st_size
        recent = max(mtime, ctime) >= (now_ns if now_ns is not None else time.time_ns()) - RACY_NS
        digest = _content_digest(path) if recent else ""
    except OSError:
        return None
    return (path, mtime, ctime, size, digest)


def _content_digest(path: str) -> str:
    if os.path.isdir(path):
        data = "\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape")
    else:
        with open(path, "rb") as handle:
            data = handle.read()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _unchanged(entry: Sequence[object]) -> bool:
    path, mtime, ctime, size, digest = entry
    if size == _ABSENT:
        return not os.path.lexists(str(path))
    if size == _PRESENT:
        return os.path.exists(str(path))
    try:
        st = os.stat(str(path))
        if st.st_mtime_ns != mtime or st.st_ctime_ns != ctime or st.st_size != size:
            return False
        return not digest or _content_digest(str(path)) == digest
    except (OSError, ValueError):
        return False


def surroundings(first_path: str) -> list[Stamp]:
    """Stamps of what is looked for in the folders from the first analyzed path up to its
    repository top (or `/`): configuration files, `.gitignore`, `.git` (the project root) and
    `__init__.py` (where module names start), present or absent."""
    out: list[Stamp] = []
    folder = os.path.abspath(first_path)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        for name in (*CONFIG_NAMES, ".gitignore", "__init__.py", ".git"):
            candidate = os.path.join(folder, name)
            if not os.path.lexists(candidate):
                out.append((candidate, 0, 0, _ABSENT, ""))
            elif name == ".git":
                out.append((candidate, 0, 0, _PRESENT, ""))
            else:
                out += stamps_with_digest([candidate])
        if os.path.exists(os.path.join(folder, ".git")):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return out


def _digest_file(path: str) -> str:
    try:
        return _content_digest(path)
    except OSError:
        return "unreadable"


def stamps_with_digest(paths: Iterable[str]) -> list[Stamp]:
    """Stamps that always compare content: small non-Python inputs read during the run. A folder
    is stamped by its presence (its files may change freely); a path that is absent by its absence,
    so creating it later is seen."""
    out: list[Stamp] = []
    for path in paths:
        if os.path.isdir(path):
            out.append((path, 0, 0, _PRESENT, ""))
            continue
        entry = stamp_of(path)
        if entry is not None:
            out.append(entry if entry[4] else (*entry[:4], _digest_file(path)))
        elif not os.path.lexists(path):
            out.append((path, 0, 0, _ABSENT, ""))
    return out


# --- the command line -------------------------------------------------------------------

_NEVER = frozenset({"--no-cache", "--diff", "--write-baseline", "--help", "-h", "--version", "--fix", "--dry-run"})
"""Options whose run must really happen: `--fix` writes files (and its output depends on them)."""
COMMANDS = ("check", "routes", "rules", "explain")
"""The command line's commands (`apilint.cli` reads this list); anything else means `check`."""


def replayable(argv: Sequence[str]) -> bool:
    """True for a `check` command line whose output a record may answer."""
    for arg in argv:
        if arg.split("=", 1)[0] in _NEVER:
            return False
    first = next((a for a in argv if not a.startswith("-")), None)
    return first is None or first == "check" or first not in COMMANDS


def _user_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "apilint")


@functools.cache
def code_fingerprint() -> str:
    """Stamps of apilint's own modules: a changed apilint never replays an old record (nor reuses a
    stored result: `apilint.engine` puts this in the whole-run result key)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(sys.version.encode())
    here = os.path.dirname(os.path.abspath(__file__))
    folders = [here]
    rules = os.path.join(here, "rules")
    if not os.path.isdir(rules):  # an editable install maps apilint.rules elsewhere
        from importlib.util import find_spec

        spec = find_spec("apilint.rules")
        folders += list(spec.submodule_search_locations or ()) if spec is not None else []
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith(".py"):
                    st = os.stat(os.path.join(dirpath, name))
                    digest.update(f"{dirpath}/{name}\0{st.st_mtime_ns}\0{st.st_size}\0".encode())
    return digest.hexdigest()


def _record_key(argv: Sequence[str]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    parts = [str(RECORD_VERSION), os.getcwd(), *argv, "\0env"]
    parts += [f"{name}={os.environ.get(name, '')}" for name in ENVIRONMENT]
    tty = sys.stdout.isatty()
    parts.append(f"tty={tty}")
    if tty:
        with contextlib.suppress(OSError):
            parts.append(f"size={os.get_terminal_size()}")
    parts.append(code_fingerprint())
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _signing_key() -> bytes | None:
    try:
        with open(os.path.join(_user_cache(), "cache-key"), "rb") as handle:
            key = handle.read()
    except OSError:
        return None
    return key[:32] if len(key) >= 32 else None


def _pointer(key: str) -> str:
    return os.path.join(_user_cache(), "replay", key)


def replay(argv: Sequence[str]) -> int | None:
    """Write the recorded output of this command line and return its exit code, or None when
    there is no valid record (then run normally)."""
    record = _valid_record(argv)
    if record is None:
        return None
    try:
        for path, text in record["outputs"]:
            folder = os.path.dirname(path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
    except OSError:
        return None  # nothing printed yet: the normal run reports the problem
    # Errors from here on (a closed pipe) are the run's own, as they would be without a record.
    sys.stdout.write(record["stdout"])
    sys.stdout.flush()
    code: int = record["exit"]
    return code


def _valid_record(argv: Sequence[str]) -> dict[str, Any] | None:
    """The record for this command line when it verifies and every stamp matches. Never raises."""
    try:
        if not replayable(argv) or os.environ.get("APILINT_NO_REPLAY"):
            return None
        signing_key = _signing_key()
        if signing_key is None:
            return None
        key = _record_key(argv)
        with open(_pointer(key), "rb") as handle:
            cache_dir = handle.read().decode("utf-8", "surrogateescape")
        with open(os.path.join(cache_dir, "replay", f"{key}.rec"), "rb") as handle:
            blob = handle.read()
        if not blob.startswith(_MAGIC) or len(blob) <= len(_MAGIC) + _MAC_LEN:
            return None
        mac, payload = blob[len(_MAGIC):len(_MAGIC) + _MAC_LEN], blob[len(_MAGIC) + _MAC_LEN:]
        if not hmac.compare_digest(mac, hmac.new(signing_key, payload, hashlib.sha256).digest()):
            return None
        record = marshal.loads(payload)
        if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
            return None
        if not isinstance(record.get("exit"), int) or not isinstance(record.get("stdout"), str):
            return None
        if not all(_unchanged(entry) for entry in record["stamps"]):
            return None
        outputs = record["outputs"]
        if not all(isinstance(p, str) and isinstance(t, str) for p, t in outputs):
            return None
        return record
    except Exception:  # a stale, foreign or damaged record: run normally
        return None


def store(argv: Sequence[str], cache_dir: str, signing_key: bytes, stamps: Sequence[Stamp],
          stdout: str, outputs: Sequence[tuple[str, str]], exit_code: int) -> None:
    """Record a finished `check` (see the module docstring). Failures are ignored."""
    try:
        if not replayable(argv):
            return
        key = _record_key(argv)
        record = {"version": RECORD_VERSION, "stamps": [list(s) for s in stamps], "stdout": stdout,
                  "outputs": [[path, text] for path, text in outputs], "exit": exit_code}
        payload = marshal.dumps(record)
        blob = _MAGIC + hmac.new(signing_key, payload, hashlib.sha256).digest() + payload
        _write_atomic(os.path.join(cache_dir, "replay", f"{key}.rec"), blob)
        _write_atomic(_pointer(key), os.path.abspath(cache_dir).encode("utf-8", "surrogateescape"))
    except (OSError, ValueError):
        return


def _write_atomic(path: str, data: bytes) -> None:
    import tempfile

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
