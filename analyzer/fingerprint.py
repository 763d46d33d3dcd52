"""Stable finding fingerprints: they survive unrelated edits and moved lines."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from apilint.lazy_regex import lazy_compile
from apilint.model import Finding

_SPACE = lazy_compile(r"\s+")


def normalize_statement(line: str) -> str:
    """The source line with comments and all whitespace removed."""
    code = line.split("#", 1)[0] if "#" in line and "'" not in line and '"' not in line else line
    return _SPACE.sub("", code)


def fingerprint(finding: Finding, line_text: str) -> str:
    """sha256 over code, file, route or symbol and the normalized statement; never the line number."""
    subject = finding.route or finding.symbol
    parts = [finding.code, finding.location.file, subject, normalize_statement(line_text)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def with_fingerprints(findings: list[Finding], root: Path) -> list[Finding]:
    """The findings with their fingerprints, read from the flagged lines of the files under `root`."""
    lines_by_file: dict[str, list[str]] = {}
    out = []
    for finding in findings:
        file = finding.location.file
        if file not in lines_by_file:
            try:
                text = (root / file).read_bytes().decode("utf-8", errors="replace")
                lines_by_file[file] = text.splitlines()
            except OSError:
                lines_by_file[file] = []
        lines = lines_by_file[file]
        line = lines[finding.location.line - 1] if 0 < finding.location.line <= len(lines) else ""
        out.append(replace(finding, fingerprint=fingerprint(finding, line)))
    return out
