"""Fixture and example harness: `# expect: CODE` markers, parsed strictly, and run helpers.

Shipped with the package so plugin authors can test their rules the same way.
"""

from __future__ import annotations

import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from apilint.config import Config, find_config, load_config
from apilint.engine import RunOptions, RunResult, run
from apilint.lazy_regex import lazy_compile
from apilint.rule import Example
from apilint.textfiles import is_credential_file

MARKER_RE = lazy_compile(r"#\s*(expect|expect-todo|expect-not-todo):\s*(.*)$")
CODE_LIST_RE = lazy_compile(r"^[A-Z]{3,6}\d{3}(\s*,\s*[A-Z]{3,6}\d{3})*$")

Key = tuple[str, int, str]


class MarkerError(ValueError):
    """A malformed or unknown `# expect:` marker."""


@dataclass
class Expectations:
    """Expected findings of a fixture: exact ones, known false negatives, known false positives."""

    expect: set[Key] = field(default_factory=set)
    todo: set[Key] = field(default_factory=set)
    not_todo: set[Key] = field(default_factory=set)


def parse_markers(text: str, file: str, known_codes: frozenset[str] | None = None) -> Expectations:
    """Markers of one file. Raises MarkerError for anything malformed."""
    out = Expectations()
    for number, line in enumerate(text.splitlines(), start=1):
        if "# expect" not in line and "#expect" not in line:
            continue
        match = MARKER_RE.search(line)
        if match is None:
            raise MarkerError(f"{file}:{number}: malformed marker: {line.strip()}")
        kind, codes_text = match.group(1), match.group(2).strip()
        if not CODE_LIST_RE.match(codes_text):
            raise MarkerError(f"{file}:{number}: marker must be '# {kind}: CODE[, CODE...]' with nothing after it")
        for code in (c.strip() for c in codes_text.split(",")):
            if known_codes is not None and code not in known_codes:
                raise MarkerError(f"{file}:{number}: unknown rule code {code}")
            target = {"expect": out.expect, "expect-todo": out.todo, "expect-not-todo": out.not_todo}[kind]
            target.add((file, number, code))
    return out


MARKED_SUFFIXES = (".py", ".yaml", ".yml")
"""Files whose `#` comments may carry markers: Python sources and OpenAPI specs."""


def collect_expectations(app_dir: Path, known_codes: frozenset[str] | None = None) -> Expectations:
    """Markers of every Python file, OpenAPI spec and credential text file (`.env`, `*.ini`, ...)
    under an app folder (paths relative to it)."""
    total = Expectations()
    for path in sorted(p for p in app_dir.rglob("*") if p.is_file() and (
            p.suffix in MARKED_SUFFIXES or is_credential_file(p.name))):
        rel = path.relative_to(app_dir).as_posix()
        found = parse_markers(path.read_text(encoding="utf-8"), rel, known_codes)
        total.expect |= found.expect
        total.todo |= found.todo
        total.not_todo |= found.not_todo
    return total


def analyze_dir(app_dir: Path, jobs: int = 1, select: tuple[str, ...] = (), checklist: bool = False) -> RunResult:
    """Run apilint on a folder with its own config (if any), no cache.

    Without `select`, the rules run are the ones a user gets: every rule on by default plus
    what the folder's config selects (`extend-select` brings in rules that are off by default).
    `checklist` also reads every route's checklist evidence (`RunResult.checklist`).
    """
    config_file = find_config(app_dir)
    config: Config
    if config_file is not None and config_file.parent.resolve() == app_dir.resolve():
        config = load_config(config_file)
    else:
        config = Config(root=app_dir.resolve())
    return run(config, RunOptions((app_dir,), jobs=jobs, use_cache=False, select=select, root=app_dir,
                                  checklist=checklist))


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write a small project (`{relative path: source}`, sources dedented) under `root`.

    A `.git` folder marks `root` as the project root, so paths in findings are relative to it.
    """
    for rel, source in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")
    (root / ".git").mkdir(exist_ok=True)
    return root


def analyze_files(root: Path, files: dict[str, str], *, allow_internal: bool = False) -> RunResult:
    """Write `files` under `root` (see `write_project`) and analyze it like `analyze_dir`.

    An internal error (a crash apilint turned into a diagnostic) fails the calling test
    unless `allow_internal`.
    """
    result = analyze_dir(write_project(root, files))
    if not allow_internal:
        internal = [d for d in result.diagnostics if d.internal]
        assert not internal, internal
    return result


def finding_keys(result: RunResult) -> set[Key]:
    """(file, line, code) of every finding."""
    return {(f.location.file, f.location.line, f.code) for f in result.findings}


def run_example(example: Example, select: tuple[str, ...] = ()) -> tuple[set[Key], Expectations]:
    """Write an example's files to a temporary folder, analyze it, return (found, expected)."""
    with tempfile.TemporaryDirectory(prefix="apilint-example-") as tmp:
        root = Path(tmp)
        for rel, source in example.all_files():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")
        if example.config:
            (root / "pyproject.toml").write_text("[tool.apilint]\n" + example.config, encoding="utf-8")
        (root / ".git").mkdir()
        result = analyze_dir(root, select=select)
        expected = collect_expectations(root)
        return finding_keys(result), expected


__all__ = ["Expectations", "MarkerError", "analyze_dir", "collect_expectations", "finding_keys",
           "parse_markers", "run_example"]
