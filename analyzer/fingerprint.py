"""Stable finding fingerprints: they survive unrelated edits and moved lines."""

from __future__ import annotations

import hashlib
import re

from apilint.model import Finding

_SPACE = re.compile(r"\s+")


def normalize_statement(line: str) -> str:
    """The source line with comments and all whitespace removed."""
    code = line.split("#", 1)[0] if "#" in line and "'" not in line and '"' not in line else line
    return _SPACE.sub("", code)


def fingerprint(finding: Finding, line_text: str) -> str:
    """sha256 over code, file, route or symbol and the normalized statement; never the line number."""
    subject = finding.route or finding.symbol
    parts = [finding.code, finding.location.file, subject, normalize_statement(line_text)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
