"""Non-Python files that may hold credentials: which ones are read, and how.

Committed `.env` files, INI-style configuration, `credentials` and `secrets` files, `.netrc`,
`.pgpass` and private key files are where hard-coded secrets live outside the code. They are
found by discovery (honouring `.gitignore`, `exclude` and the test-folder rule like Python
files), read as text only (never parsed as code, never executed, first `MAX_BYTES` only), and
handed to rules as `TextFile`s. YAML, JSON and TOML files are read only when their name says
they hold secrets (`secrets.yaml`, `credentials.json`): the many other data and deployment
files of an app are mostly fine and would only add noise.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final, NamedTuple

from apilint.lazy_regex import lazy_compile
from apilint.summarize import find_suppressions

MAX_BYTES: Final = 256 * 1024
"""Only the start of a larger file is read (its findings carry a note that the rest was not)."""

_ENV_RE: Final = lazy_compile(r"^(\.env(\..+)?|.+\.env|\.envrc|\.flaskenv)$", re.IGNORECASE)
_CONFIG_SUFFIXES: Final = (".ini", ".cfg", ".conf", ".properties")
_CREDENTIAL_NAMES: Final = frozenset({".netrc", "_netrc", ".pgpass", "credentials", ".git-credentials",
                                      "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".htpasswd"})
_NAMED_SECRET_RE: Final = lazy_compile(r"^(.*[._-])?(secrets?|credentials?|creds)([._-].*)?$", re.IGNORECASE)
_KEY_SUFFIXES: Final = (".pem", ".key", ".p8")
_EXAMPLE_RE: Final = lazy_compile(r"(^|[._-])(example|sample|template|dist|defaults?|tmpl|tpl|skel)([._-]|$)",
                                re.IGNORECASE)


def is_credential_file(name: str) -> bool:
    """A file name discovery hands to the credential rules (see the module docstring)."""
    lowered = name.lower()
    if lowered.endswith((".py", ".pyc", ".pyi")):
        return False
    return bool(_ENV_RE.match(name)) or lowered.endswith(_CONFIG_SUFFIXES) or lowered in _CREDENTIAL_NAMES \
        or lowered.endswith(_KEY_SUFFIXES) or bool(_NAMED_SECRET_RE.match(lowered))


def is_example_file(name: str) -> bool:
    """`.env.example`, `config.sample.ini`, `settings.ini.template`: placeholders for users to fill in."""
    return bool(_EXAMPLE_RE.search(name.lower().lstrip(".")))


class TextFile(NamedTuple):
    """A non-Python file's text, as rules see it."""

    path: str
    """Path relative to the project root, with `/` separators."""
    text: str
    suppressions: tuple[tuple[int, tuple[str, ...]], ...] = ()
    """(line, codes) of `# apilint: ignore[...]` comments, as in Python files."""
    truncated: bool = False
    """Only the first `MAX_BYTES` were read."""

    @property
    def name(self) -> str:
        """The file's base name."""
        return self.path.rsplit("/", 1)[-1]

    def lines(self) -> list[str]:
        """The text's lines (1-based line n is `lines()[n - 1]`)."""
        return self.text.splitlines()


def read_text_file(path: Path, rel: str) -> TextFile | None:
    """The file's text (capped, decoded leniently); None for an unreadable or binary file."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    truncated = len(data) > MAX_BYTES
    data = data[:MAX_BYTES]
    if b"\x00" in data[:8192]:
        return None
    text = data.decode("utf-8", errors="replace")
    return TextFile(rel, text, find_suppressions(text), truncated)


__all__ = ["MAX_BYTES", "TextFile", "is_credential_file", "is_example_file", "read_text_file"]
