"""Run the installed apilint on one unpacked app and reduce its two JSON outputs to numbers.

``apilint routes --format json`` prints either a bare list of routes (schema 1) or an object
``{"version": 2, "coverage": {...}, "routes": [...]}``; the coverage counts are read from the
object when present and computed from the routes otherwise. A count that the output cannot
tell (which app a route belongs to, whether it is linked, in schema 1) is ``None``, shown as
``n/a``: unknown is not zero.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus_apps import App

CONFIDENCES = ("high", "medium", "low")
AUTH_FAMILIES = ("AUTH", "AUTHZ")
MECHANISM_CODE = "AUTH005"
"""The once-per-mechanism "cannot read" report: counted apart from the per-route AUTH/AUTHZ findings."""


@dataclass
class Coverage:
    """How much of the app the route map holds."""

    routes: int = 0
    apps: int | None = None
    handlers: int = 0
    unresolved: int = 0
    unlinked: int | None = None
    auth_unknown: int = 0
    auth: dict[str, int] = field(default_factory=dict)
    frameworks: dict[str, int] = field(default_factory=dict)


@dataclass
class AppResult:
    """Everything measured on one app."""

    name: str
    family: str
    kind: str
    version: str
    paths: list[str]
    files: int = 0
    coverage: Coverage = field(default_factory=Coverage)
    findings: dict[str, int] = field(default_factory=dict)
    auth_findings: int = 0
    """Medium/high AUTH and AUTHZ findings on routes (AUTH005 excluded)."""
    mechanisms: int = 0
    """AUTH005 findings: auth mechanisms apilint cannot read, one finding each."""
    by_code: dict[str, dict[str, int]] = field(default_factory=dict)
    diagnostics: dict[str, int] = field(default_factory=dict)
    internal_errors: int = 0
    routes_seconds: float = 0.0
    check_seconds: float = 0.0
    exit_codes: dict[str, int] = field(default_factory=dict)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        """A plain-data copy for ``--json``."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AppResult:
        """The inverse of :meth:`as_json` (for ``--compare``); unknown keys are ignored."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        coverage = known.pop("coverage", {}) or {}
        result = cls(**known)
        result.coverage = Coverage(**{k: v for k, v in coverage.items() if k in Coverage.__dataclass_fields__})
        if "mechanisms" not in data:  # written before AUTH005 was counted apart: count it the same way now
            result.auth_findings, result.mechanisms = _auth_counts(result.by_code)
        return result


def is_unresolved(path: str) -> bool:
    """A path with a part apilint could not evaluate: ``{?expr}``, or ``<expr>`` (converters such as
    Flask's ``<int:id>`` are already normalized to ``{id}`` in ``path``)."""
    return "{?" in path or "<" in path


def coverage_of(document: Any) -> Coverage:
    """Coverage counts from a routes document of either schema."""
    if isinstance(document, dict):
        routes = document.get("routes", [])
        given = document.get("coverage") or {}
    else:
        routes, given = document, {}
    auth = Counter(str((r.get("auth") or {}).get("status", "unknown")) for r in routes)
    computed = Coverage(
        routes=len(routes),
        apps=len({r["app"] for r in routes}) if routes and all("app" in r for r in routes) else None,
        handlers=len({(r.get("file"), r.get("handler")) for r in routes}),
        unresolved=sum(1 for r in routes if is_unresolved(str(r.get("path", "")))),
        unlinked=sum(1 for r in routes if r.get("linked") is False) if all("linked" in r for r in routes) else None,
        auth_unknown=auth.get("unknown", 0),
        auth=dict(sorted(auth.items())),
        frameworks=dict(sorted(Counter(str(r.get("framework", "?")) for r in routes).items())),
    )
    if not routes and not given:
        computed.apps = computed.unlinked = None
    for key in ("routes", "apps", "handlers", "unresolved", "unlinked", "auth_unknown"):
        if isinstance(given.get(key), int):
            setattr(computed, key, given[key])
    return computed


def tally_findings(report: dict[str, Any], result: AppResult) -> None:
    """Findings by confidence and by code, medium/high AUTH+AUTHZ, diagnostics by code."""
    by_conf: Counter[str] = Counter()
    by_code: dict[str, Counter[str]] = {}
    for f in report.get("findings", []):
        conf, code = str(f.get("confidence")), str(f.get("code"))
        by_conf[conf] += 1
        by_code.setdefault(code, Counter())[conf] += 1
    result.findings = {c: by_conf.get(c, 0) for c in CONFIDENCES}
    result.by_code = {code: dict(sorted(counts.items())) for code, counts in sorted(by_code.items())}
    result.auth_findings, result.mechanisms = _auth_counts(result.by_code)
    diagnostics = report.get("diagnostics", [])
    result.diagnostics = dict(sorted(Counter(str(d.get("code")) for d in diagnostics).items()))
    result.internal_errors = sum(1 for d in diagnostics if d.get("internal"))
    result.files = int((report.get("summary") or {}).get("files", 0))


def _auth_counts(by_code: dict[str, dict[str, int]]) -> tuple[int, int]:
    """(medium/high AUTH and AUTHZ findings without AUTH005, AUTH005 findings) from counts by code."""
    routes = mechanisms = 0
    for code, counts in by_code.items():
        if code == MECHANISM_CODE:
            mechanisms += sum(counts.values())
        elif code.rstrip("0123456789") in AUTH_FAMILIES:
            routes += counts.get("high", 0) + counts.get("medium", 0)
    return routes, mechanisms


def _run(command: list[str], cwd: Path, log: Path) -> tuple[int, float]:
    """Run ``command`` with stderr to ``log``; return its exit code and wall seconds."""
    start = time.perf_counter()
    with log.open("w") as err:
        done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, check=False)
    return done.returncode, time.perf_counter() - start


def run_app(app: App, root: Path, out_dir: Path, jobs: int, cache_dir: Path | None) -> AppResult:
    """Run ``apilint routes`` and ``apilint check`` on the app and collect the numbers.

    The raw outputs stay in ``out_dir`` (``APP.routes.json``, ``APP.check.json`` and the two
    stderr logs) for reading next to the code.
    """
    result = AppResult(app.name, app.family, app.kind, app.version, list(app.paths or ["."]))
    out_dir.mkdir(parents=True, exist_ok=True)
    missing = [p for p in result.paths if not (root / p).exists()]
    if missing:
        result.error = f"missing in the unpacked app: {', '.join(missing)}"
        return result
    cache = ["--no-cache"] if cache_dir is None else ["--cache-dir", str(cache_dir / app.name)]
    base = [sys.executable, "-m", "apilint"]
    routes_out, check_out = out_dir / f"{app.name}.routes.json", out_dir / f"{app.name}.check.json"
    for stale in (routes_out, check_out):
        stale.unlink(missing_ok=True)
    routes_cmd = [*base, "routes", *result.paths, "--format", "json", "--output", str(routes_out),
                  "--jobs", str(jobs), *cache]
    check_cmd = [*base, "check", *result.paths, "--format", "json", "--output", str(check_out),
                 "--select", "ALL", "--min-confidence", "low", "--exit-zero", "--jobs", str(jobs), *cache]
    code, result.routes_seconds = _run(routes_cmd, root, out_dir / f"{app.name}.routes.log")
    result.exit_codes["routes"] = code
    code, result.check_seconds = _run(check_cmd, root, out_dir / f"{app.name}.check.log")
    result.exit_codes["check"] = code
    problems = []
    try:
        result.coverage = coverage_of(json.loads(routes_out.read_text()))
    except (OSError, ValueError) as exc:
        problems.append(f"routes output unreadable ({exc.__class__.__name__}; see {app.name}.routes.log)")
    try:
        tally_findings(json.loads(check_out.read_text()), result)
    except (OSError, ValueError) as exc:
        problems.append(f"check output unreadable ({exc.__class__.__name__}; see {app.name}.check.log)")
    for command, code in result.exit_codes.items():
        if code not in (0, 1):
            problems.append(f"`apilint {command}` exited {code}")
    result.error = "; ".join(problems)
    return result
