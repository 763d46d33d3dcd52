"""PR review: compare the working tree with a git revision.

The base revision is analyzed from git objects (`git ls-tree` + `git cat-file --batch` into a
temporary folder); the working tree is never checked out or touched. Findings are compared by
fingerprint with counts, so a finding whose line did not change but whose cause did (a router
lost its auth dependency) is still new. Routes are compared by (method, path).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from apilint.baseline import counts_of, subtract
from apilint.config import CONFIG_FILES, Config
from apilint.engine import RunOptions, RunResult, run
from apilint.model import Finding, Route

EXTRACTED_SUFFIXES = (".py", ".pyi")
EXTRACTED_NAMES = frozenset({*CONFIG_FILES, ".gitignore"})


class DiffError(Exception):
    """The revision cannot be compared (not a git repository, unknown ref); one line for the user."""


def _git(args: Sequence[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffError("--diff needs git, which was not found on PATH") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done.stdout


def git_toplevel(path: Path) -> Path:
    """The top folder of the git work tree holding `path`."""
    folder = path if path.is_dir() else path.parent
    try:
        out = _git(["rev-parse", "--show-toplevel"], folder)
    except DiffError:
        raise DiffError(f"--diff needs a git repository, and {path} is not in one") from None
    return Path(out.decode().strip()).resolve()


def resolve_commit(ref: str, top: Path) -> str:
    """The commit id a revision name points to."""
    if ref.startswith("-"):
        raise DiffError(f"--diff: invalid revision '{ref}'")
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top).decode().strip()
    except DiffError:
        raise DiffError(f"--diff: unknown git revision '{ref}'") from None


def _wanted(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith(EXTRACTED_SUFFIXES) or name in EXTRACTED_NAMES


def extract_tree(commit: str, top: Path, prefix: str, dest: Path) -> int:
    """Write the Python and config files under `prefix` at `commit` into `dest`; returns the count."""
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit], top)
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != "blob" or mode not in ("100644", "100755") or not _wanted(path):
            continue
        if prefix and not path.startswith(prefix + "/"):
            continue
        blobs.append((sha, path))
    if not blobs:
        return 0
    out = _git(["cat-file", "--batch"], top, stdin="".join(f"{sha}\n" for sha, _ in blobs).encode())
    pos = 0
    for _sha, path in blobs:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        data = out[header_end + 1:header_end + 1 + size]
        pos = header_end + 1 + size + 1
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return len(blobs)


@contextmanager
def revision_tree(ref: str, root: Path) -> Iterator[Path]:
    """A temporary folder holding the project root as it was at `ref` (Python and config files)."""
    top = git_toplevel(root)
    commit = resolve_commit(ref, top)
    try:
        rel_root = root.resolve().relative_to(top).as_posix()
    except ValueError:
        raise DiffError(f"--diff: project root {root} is outside the git repository {top}") from None
    prefix = "" if rel_root == "." else rel_root
    with tempfile.TemporaryDirectory(prefix="apilint-base-") as tmp:
        dest = Path(tmp)
        extract_tree(commit, top, prefix, dest)
        base_root = dest / prefix if prefix else dest
        base_root.mkdir(parents=True, exist_ok=True)
        yield base_root


def analyze_revision(ref: str, config: Config, options: RunOptions, root: Path) -> RunResult | None:
    """Analyze the project as it was at `ref` with the current config; None if none of the paths existed."""
    with revision_tree(ref, root) as base_root:
        paths: list[Path] = []
        for given in options.paths:
            try:
                rel = given.resolve().relative_to(root.resolve())
            except ValueError:
                raise DiffError(f"--diff: {given} is outside the project root {root}") from None
            mapped = base_root / rel
            if mapped.exists():
                paths.append(mapped)
        if not paths:
            return None
        # Pin the root so relative paths, and so fingerprints, match the working tree's.
        cache_dir = options.cache_dir or root / ".apilint_cache"
        return run(replace(config, root=base_root),
                   replace(options, paths=tuple(paths), root=base_root, cache_dir=cache_dir, progress=None))


def new_findings(current: Sequence[Finding], base: Sequence[Finding]) -> tuple[list[Finding], int]:
    """Findings of `current` that `base` does not have (by fingerprint, with counts), and how many it had."""
    return subtract(current, counts_of(base))


def apply(result: RunResult, ref: str, config: Config, options: RunOptions) -> RunResult:
    """Keep only the result's findings that are new since `ref` (in place).

    `extra` records `diff_base` (the revision) and `unchanged` (findings the base already had).
    """
    base = analyze_revision(ref, config, options, result.root)
    kept, unchanged = new_findings(result.findings, base.findings if base is not None else [])
    result.findings = kept
    result.extra["diff_base"] = ref
    result.extra["unchanged"] = unchanged
    return result


@dataclass(frozen=True)
class RouteChange:
    """One route added, removed, or whose protection changed between two revisions."""

    kind: str
    """`added`, `removed` or `changed`."""
    route: Route
    """The route as it is now (as it was, for `removed`)."""
    before: Route | None = None
    changes: tuple[str, ...] = ()
    """What changed, e.g. `auth required → none`."""

    @property
    def headline(self) -> str:
        """One line: `DELETE /items/{id}: auth required → none`."""
        if self.kind == "added":
            return f"{self.route.display}: added (auth {self.route.auth.status.value})"
        if self.kind == "removed":
            return f"{self.route.display}: removed"
        return f"{self.route.display}: {'; '.join(self.changes)}"


def _authz_names(route: Route) -> tuple[str, ...]:
    return tuple(sorted({e.name for e in route.authz}))


def _protection_changes(before: Route, after: Route) -> tuple[str, ...]:
    out = []
    if before.auth.status is not after.auth.status:
        out.append(f"auth {before.auth.status.value} → {after.auth.status.value}")
    old, new = _authz_names(before), _authz_names(after)
    if old != new:
        out.append(f"authorization {', '.join(old) or 'none'} → {', '.join(new) or 'none'}")
    return tuple(out)


def compare_routes(base: Sequence[Route], head: Sequence[Route]) -> tuple[RouteChange, ...]:
    """Routes added, removed and changed, in canonical route order."""
    def keyed(routes: Sequence[Route]) -> dict[tuple[str, str], Route]:
        out: dict[tuple[str, str], Route] = {}
        for route in routes:
            out.setdefault((route.path, route.method), route)
        return out

    old, new = keyed(base), keyed(head)
    changes = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            changes.append(RouteChange("added", new[key]))
        elif key not in new:
            changes.append(RouteChange("removed", old[key]))
        else:
            what = _protection_changes(old[key], new[key])
            if what:
                changes.append(RouteChange("changed", new[key], old[key], what))
    return tuple(changes)


def route_changes_to_json(ref: str, changes: Sequence[RouteChange]) -> str:
    """The route diff as a JSON document."""
    from apilint.reporters.json import route_to_dict

    def item(change: RouteChange) -> dict[str, Any]:
        return {"kind": change.kind, "method": change.route.method, "path": change.route.path,
                "summary": change.headline, "changes": list(change.changes),
                "route": route_to_dict(change.route),
                "before": route_to_dict(change.before) if change.before is not None else None}

    doc = {"version": 1, "base": ref, "changes": [item(c) for c in changes]}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def route_changes_to_text(ref: str, changes: Sequence[RouteChange]) -> str:
    """The route diff as plain lines, one per change."""
    if not changes:
        return f"No route changes compared to {ref}.\n"
    marks = {"added": "+", "removed": "-", "changed": "~"}
    lines = [f"Route changes compared to {ref}:"]
    for change in changes:
        where = f"  ({change.route.location.file}:{change.route.location.line})" if change.kind != "removed" else ""
        lines.append(f"  {marks[change.kind]} {change.headline}{where}")
    return "\n".join(lines) + "\n"
