"""Per-file summary cache keyed by content hash, apilint version and result-changing config.

Entries are pickles. A pickle from an untrusted source can run code when loaded, and a
cache folder may arrive inside a repository under analysis, so every entry carries an HMAC
made with a secret key kept in the user's own cache folder (outside any project): an entry
whose MAC does not verify is ignored and rebuilt, never unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from apilint import __version__
from apilint.config import Config
from apilint.summary import ModuleSummary

if TYPE_CHECKING:
    from apilint.rule_units import UnitEntries

_MAGIC = b"APILINT1"
_MAC_LEN = 32


def user_key() -> bytes:
    """The user's secret for signing cache entries (made on first use, kept outside any project)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "apilint"
    key_file = base / "cache-key"
    try:
        data = key_file.read_bytes()
        if len(data) >= 32:
            return data[:32]
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=base, prefix=".key-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, key_file)  # atomic create-if-absent: concurrent first runs agree on one key
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system
            if not key_file.exists():
                os.replace(tmp, key_file)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return key_file.read_bytes()[:32]
    except OSError:
        return key  # a per-process key: the cache still works within this run


def _file_digest(path: Path) -> str:
    """A file's content digest; `directory` for a folder (whose presence is what was read), "" when
    there is nothing to read."""
    try:
        if path.is_dir():
            return "directory"
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return ""


def _format_hash() -> str:
    """Hash of the code that shapes summaries and stored results (findings are pickled model
    objects): a changed summarizer, data model or module scan (kept in the summary) never
    reads stale entries."""
    import apilint.model
    import apilint.rules._scan
    import apilint.rules.secret._names
    import apilint.rules.secret._values
    import apilint.summarize
    import apilint.summarize_lines
    import apilint.summarize_walk
    import apilint.summary

    digest = hashlib.blake2b(digest_size=8)
    for module in (apilint.summary, apilint.summarize, apilint.summarize_walk, apilint.summarize_lines,
                   apilint.model, apilint.rules._scan, apilint.rules.secret._names, apilint.rules.secret._values):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            digest.update(__version__.encode())
    return digest.hexdigest()


_UNITS = "units.bin"
"""The file of per-module rule results (one per cache folder; it records the salt it was made under)."""


class SummaryCache:
    """Content-addressed store of `ModuleSummary` objects."""

    def __init__(self, directory: Path, salt: str, key: bytes) -> None:
        self.directory = directory
        self.salt = salt
        self._key = key
        self._keys: dict[tuple[str, str], str | None] = {}

    @classmethod
    def open(cls, directory: Path, config: Config) -> SummaryCache | None:
        """A cache in `directory`, or None when it cannot be created (read-only tree)."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
            gitignore = directory / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n", encoding="utf-8")
        except OSError:
            return None
        salt = f"{__version__}|{_format_hash()}|{config.fingerprint()}"
        return cls(directory, salt, user_key())

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.bin"

    def key_for(self, file: Path, rel: str) -> str | None:
        """The content key of a file (memoized for the run); None when it cannot be read."""
        memo = (str(file), rel)
        if memo in self._keys:
            return self._keys[memo]
        try:
            data = file.read_bytes()
        except OSError:
            return None
        digest = hashlib.blake2b(data, digest_size=20)
        digest.update(b"\0" + rel.encode() + b"\0" + self.salt.encode())
        key = digest.hexdigest()
        self._keys[memo] = key
        return key

    def has(self, key: str) -> bool:
        """True when an entry exists for the key (it may still fail to verify when loaded)."""
        return self._entry(key).is_file()

    def load(self, key: str, rel: str) -> ModuleSummary | None:
        """The summary stored under `key` for the file `rel`, when it verifies."""
        try:
            return self._decode(self._entry(key).read_bytes(), rel)
        except OSError:
            return None

    def lookup(self, file: Path, rel: str) -> tuple[str | None, ModuleSummary | None]:
        """(cache key, cached summary or None) for a file."""
        key = self.key_for(file, rel)
        return key, (self.load(key, rel) if key is not None else None)

    def _verified(self, blob: bytes) -> object | None:
        """Unpickle a blob only when its MAC verifies."""
        if len(blob) <= len(_MAGIC) + _MAC_LEN or not blob.startswith(_MAGIC):
            return None
        mac = blob[len(_MAGIC):len(_MAGIC) + _MAC_LEN]
        payload = blob[len(_MAGIC) + _MAC_LEN:]
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            return None
        try:
            value: object = pickle.loads(payload)
        except Exception:
            return None
        return value

    def _decode(self, blob: bytes, rel: str) -> ModuleSummary | None:
        summary = self._verified(blob)
        if not isinstance(summary, ModuleSummary) or summary.path != rel.split("|", 1)[0]:
            return None
        return summary

    def result_key(self, parts: list[str]) -> str:
        """Key of a whole run: every file key plus what else decides the result."""
        digest = hashlib.blake2b(digest_size=20)
        digest.update(b"result\0" + self.salt.encode())
        for part in parts:
            digest.update(b"\0" + part.encode())
        return digest.hexdigest()

    def load_result(self, key: str) -> dict[str, object] | None:
        """A stored run result, if its entry verifies and its extra inputs are unchanged."""
        try:
            blob = self._result_entry(key).read_bytes()
        except OSError:
            return None
        value = self._verified(blob)
        if not isinstance(value, dict) or value.get("kind") != "result":
            return None
        inputs = value.get("inputs")
        if not isinstance(inputs, dict):
            return None
        for path, digest in inputs.items():
            if _file_digest(Path(path)) != digest:
                return None
        return value

    def store_result(self, key: str, value: dict[str, object], inputs: set[str]) -> None:
        """Store a run result with the digests of the non-Python inputs it read."""
        value = dict(value, kind="result", inputs={p: _file_digest(Path(p)) for p in sorted(inputs)})
        self._write(self._result_entry(key), value)

    def _result_entry(self, key: str) -> Path:
        return self.directory / "runs" / f"{key}.run"

    def load_units(self, code: str) -> UnitEntries:
        """The per-module rule results the last run stored (`apilint.rule_units`), when they were
        made by the same apilint code (`code`: its fingerprint) and config (the salt); else none."""
        try:
            blob = (self.directory / _UNITS).read_bytes()
        except OSError:
            return {}
        value = self._verified(blob)
        if (not isinstance(value, dict) or value.get("kind") != "units" or value.get("code") != code
                or value.get("salt") != self.salt):
            return {}
        entries = value.get("entries")
        # written by `store_units` under this cache's MAC key: its shape is the one stored
        return cast("UnitEntries", entries) if isinstance(entries, dict) else {}

    def store_units(self, code: str, entries: UnitEntries) -> None:
        """Keep the per-module rule results for the next run."""
        self._write(self.directory / _UNITS, {"kind": "units", "code": code, "salt": self.salt,
                                                "entries": entries})

    def store(self, key: str, summary: ModuleSummary) -> None:
        """Write an entry atomically; failures are ignored (the cache is an optimization).

        The summary's scan (`ModuleSummary.scan`) goes to an entry of its own (`load_scan`): only
        the rules' work on a module whose results are made again reads it, so a run that reuses
        most per-module results does not load the others' (a tenth of the summaries' bytes).
        """
        if summary.scan is not None:
            self._write(self._scan_entry(key), summary.scan)
            summary = summary._replace(scan=None)
        self._write(self._entry(key), summary)

    def load_scan(self, key: str) -> object | None:
        """The scan stored beside the summary under `key`, when it verifies."""
        try:
            return self._verified(self._scan_entry(key).read_bytes())
        except OSError:
            return None

    def _scan_entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.scan"

    def _write(self, entry: Path, value: object) -> None:
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            mac = hmac.new(self._key, payload, hashlib.sha256).digest()
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + mac + payload)
            os.replace(tmp, entry)
        except (OSError, pickle.PicklingError, RecursionError):
            return
