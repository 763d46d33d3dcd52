"""The fix runner: plans -> edits -> new file contents, diffs and the hunks reporters show.

One pass parses each file that has plans once, builds each plan's edit, and applies in one
transformer pass every edit that does not overlap one already taken; the others wait for the
next pass (ruff's loop: the command line analyzes again and repeats until nothing changes,
at most `MAX_PASSES` times). A plan whose target is not what the rule saw, or a result that
does not parse, becomes a `FIX` diagnostic and the file is left as it was.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from apilint.fixes.document import Document, FixError, Source
from apilint.fixes.edits import Edit, apply_edits, overlaps
from apilint.fixes.kinds import FixContext, codemods
from apilint.fixes.source import UnsafePath, safe_target, split_lines
from apilint.model import Applicability, Diagnostic, Finding, Location

MAX_PASSES = 10
"""Analyze-and-fix rounds before giving up on fixes that keep changing the code."""


@dataclass(frozen=True)
class Hunk:
    """Whole original lines `start`..`end` (1-based) replaced by `new` (line endings left out)."""

    start: int
    end: int
    old: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def end_column(self) -> int:
        """The column just after the last replaced character (1-based, code points)."""
        return len(self.old[-1]) + 1 if self.old else 1


@dataclass(frozen=True)
class FileChange:
    """A file's content before and after the fixes of one pass."""

    path: str
    """Project-relative, `/` separators."""
    real: Path
    old: bytes
    new: bytes
    encoding: str
    newline: str

    @property
    def old_text(self) -> str:
        """The original content, decoded."""
        return self.old.decode(self.encoding)

    @property
    def new_text(self) -> str:
        """The fixed content, decoded."""
        return self.new.decode(self.encoding)

    def diff(self) -> str:
        """A unified diff (`a/` and `b/` prefixes) that `git apply` and `patch -p1` accept."""
        lines = difflib.unified_diff(split_lines(self.old_text), split_lines(self.new_text),
                                     fromfile=f"a/{self.path}", tofile=f"b/{self.path}")
        out = []
        for line in lines:
            if not line.endswith(("\n", "\r")):
                line += "\n\\ No newline at end of file\n"
            out.append(line)
        return "".join(out)

    def hunks(self) -> list[Hunk]:
        """The change as whole-line replacements, each covering at least one original line."""
        old = [_strip(line) for line in split_lines(self.old_text)]
        new = [_strip(line) for line in split_lines(self.new_text)]
        out: list[Hunk] = []
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if i1 == i2 and i1 > 0:  # pure insertion: carry the line above it
                out.append(Hunk(i1, i1, (old[i1 - 1],), (old[i1 - 1], *new[j1:j2])))
            elif i1 == i2:  # insertion at the very top: carry the first line
                out.append(Hunk(1, 1, tuple(old[:1]), (*new[j1:j2], *old[:1])))
            elif j1 == j2 and i1 > 0:  # pure deletion: keep the line above it
                out.append(Hunk(i1, i2, tuple(old[i1 - 1:i2]), (old[i1 - 1],)))
            else:
                out.append(Hunk(i1 + 1, i2, tuple(old[i1:i2]), tuple(new[j1:j2])))
        return _merge(out)


def _strip(line: str) -> str:
    return line.rstrip("\r\n")


def _merge(hunks: list[Hunk]) -> list[Hunk]:
    """Hunks that touch or overlap (an expanded insertion next to a change) become one."""
    merged: list[Hunk] = []
    for hunk in hunks:
        if merged and hunk.start <= merged[-1].end:
            last = merged.pop()
            overlap = last.end - hunk.start + 1
            merged.append(Hunk(last.start, hunk.end, (*last.old, *hunk.old[overlap:]),
                               (*last.new[:len(last.new) - overlap], *hunk.new)))
        else:
            merged.append(hunk)
    return merged


@dataclass
class PassResult:
    """What one pass changed, which findings it fixed, and which wait or failed."""

    changes: list[FileChange] = field(default_factory=list)
    applied: list[Finding] = field(default_factory=list)
    deferred: list[Finding] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def fixable(findings: Sequence[Finding], unsafe: bool) -> list[Finding]:
    """Findings whose fix this run may apply (safe ones; unsafe ones too with `unsafe`)."""
    return [f for f in findings if f.fix_plan is not None and (
        unsafe or f.fix_plan.applicability is Applicability.SAFE)]


class Fixer:
    """Turns the plans of a project's findings into file changes (nothing is written here)."""

    def __init__(self, root: Path, allowed: Sequence[Path], modules: Mapping[str, tuple[str, bool]]) -> None:
        self.root = root
        self.allowed = tuple(allowed) or (root,)
        self.modules = modules
        """Project-relative path -> (dotted module name, is a package)."""
        self.kinds = codemods()
        self._docs: dict[str, Document] = {}

    def _source(self, rel: str, writable: bool = True) -> tuple[Source, Path]:
        real = safe_target(self.root, rel, self.allowed if writable else (self.root,))
        module = self.modules.get(rel, (_module_name(rel), False))[0]
        return Source(rel, real.read_bytes(), module), real

    def document(self, rel: str, writable: bool = True) -> Document:
        """The parsed file (read once per pass). Files a fix only reads (a sibling it copies
        from) may lie anywhere in the project; files it writes only in the analyzed paths."""
        if rel not in self._docs:
            source, _ = self._source(rel, writable)
            self._docs[rel] = Document(source)
        return self._docs[rel]

    def _package(self, rel: str) -> str:
        module, is_package = self.modules.get(rel, (_module_name(rel), rel.endswith("__init__.py")))
        return module if is_package else module.rpartition(".")[0]

    def _edit(self, finding: Finding, doc: Document) -> Edit:
        plan = finding.fix_plan
        assert plan is not None
        codemod = self.kinds.get(plan.kind)
        if codemod is None:
            raise FixError(f"no codemod for fix kind {plan.kind!r}")
        return codemod(plan, FixContext(doc, self._package(doc.source.path), self._load_other))

    def _load_other(self, rel: str) -> Document:
        try:
            return self.document(rel, writable=False)
        except UnsafePath as exc:
            raise FixError(str(exc)) from None

    def run_pass(self, findings: Sequence[Finding]) -> PassResult:
        """Apply every plan that does not overlap another in one pass, file by file."""
        result = PassResult()
        by_file: dict[str, list[Finding]] = {}
        for finding in findings:
            if finding.fix_plan is not None:
                by_file.setdefault(finding.fix_plan.file, []).append(finding)
        for rel in sorted(by_file):
            group = sorted(by_file[rel], key=_order)
            self._docs.clear()  # a pass always reads the files as they are now
            try:
                doc = self.document(rel)
                real = safe_target(self.root, rel, self.allowed)
            except (UnsafePath, FixError, OSError) as exc:
                result.problems += [_problem(f, str(exc)) for f in group]
                continue
            taken: list[tuple[Finding, Edit]] = []
            same_as: dict[Finding, Finding] = {}
            for finding in group:
                twin = next((f for f, _ in taken if f.fix_plan == finding.fix_plan), None)
                if twin is not None:  # the same fix for another finding (each route of one view)
                    same_as[finding] = twin
                    continue
                try:
                    edit = self._edit(finding, doc)
                except (FixError, UnsafePath, OSError) as exc:
                    result.problems.append(_problem(finding, str(exc)))
                    continue
                except Exception as exc:  # a codemod bug must not stop the other fixes
                    result.problems.append(_problem(finding, f"{type(exc).__name__}: {exc}", internal=True))
                    continue
                if any(overlaps(edit, other) for _, other in taken):
                    result.deferred.append(finding)
                else:
                    taken.append((finding, edit))
            if not taken:
                continue
            change = self._change(doc, real, [e for _, e in taken], result, [f for f, _ in taken])
            if change is not None:
                result.changes.append(change)
                applied = {f for f, _ in taken}
                result.applied += [f for f in group if f in applied or same_as.get(f) in applied]
        return result

    def _change(self, doc: Document, real: Path, edits: list[Edit], result: PassResult,
                findings: list[Finding]) -> FileChange | None:
        try:
            module = apply_edits(doc, edits, self._package(doc.source.path))
            new = module.bytes
            ast.parse(new, doc.source.path)  # parsed, never run: a fix must leave valid Python
        except (FixError, SyntaxError, ValueError) as exc:
            result.problems += [_problem(f, f"the fix would not leave valid Python ({exc})") for f in findings]
            return None
        if new == doc.source.data:
            return None
        return FileChange(doc.source.path, real, doc.source.data, new, module.encoding, module.default_newline)

    def preview(self, finding: Finding) -> FileChange | None:
        """The change one finding's own fix makes to the file as it is (for SARIF and reviews)."""
        plan = finding.fix_plan
        if plan is None:
            return None
        try:
            doc = self.document(plan.file)
            real = safe_target(self.root, plan.file, self.allowed)
            edit = self._edit(finding, doc)
            module = apply_edits(doc, [edit], self._package(plan.file))
            new = module.bytes
            ast.parse(new, plan.file)
        except (FixError, UnsafePath, OSError, SyntaxError, ValueError):
            return None
        except Exception:
            return None
        if new == doc.source.data:
            return None
        return FileChange(plan.file, real, doc.source.data, new, module.encoding, module.default_newline)


def _order(finding: Finding) -> tuple[int, str, str]:
    plan = finding.fix_plan
    assert plan is not None
    return plan.line, finding.code, plan.kind


def _problem(finding: Finding, why: str, internal: bool = False) -> Diagnostic:
    plan = finding.fix_plan
    where = Location(plan.file, plan.line) if plan is not None else finding.location
    return Diagnostic("FIX", f"{finding.code} fix not applied: {why}", where, internal=internal)


def _module_name(rel: str) -> str:
    from apilint.summarize import module_name_for

    return module_name_for(rel)[0]


def write_changes(changes: Sequence[FileChange], write: Callable[[Path, bytes], None]) -> list[Diagnostic]:
    """Write each change (atomically, through `write`); a failed write is a diagnostic."""
    problems: list[Diagnostic] = []
    for change in changes:
        try:
            if change.real.read_bytes() != change.old:
                problems.append(Diagnostic("FIX", "the file changed while apilint fixed it; left as it is",
                                           Location(change.path, 0)))
                continue
            write(change.real, change.new)
        except OSError as exc:
            problems.append(Diagnostic("FIX", f"cannot write the fix: {exc.strerror or exc}", Location(change.path, 0)))
    return problems
