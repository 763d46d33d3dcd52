"""`--fix --unsafe-fixes` on a copy of every fixture app: every changed file compiles, a second
check reports none of the fixed findings and no new one, a second `--fix` changes nothing, and
`--dry-run` writes nothing while printing a diff `git apply` accepts. Each fix of the issue's
list is proven on at least one fixture finding."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from apilint.engine import RunResult
from apilint.fixes.session import fix_project
from apilint.model import Finding
from apilint.testing import analyze_dir

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
APPS = sorted(p.parent for p in FIXTURES.glob("*/*/routes.json"))
FIXED_RULES = ("JWT001", "JWT002", "TLS001", "TLS003", "ERR001", "ERR002", "CORS001", "LIMIT003", "EXPO001",
               "AUTH004", "AUTHZ001")
"""The rules whose fixes the issue asks for; each must be fixed on some fixture app."""


def _key(finding: Finding) -> tuple[str, str, str]:
    """What a finding is about, independent of line numbers (fixes move lines)."""
    return finding.code, finding.location.file, finding.route or finding.symbol


def _duplicates(text: str) -> int:
    """Functions, classes and imported names defined twice in one scope (a fix applied twice)."""
    import ast

    count = 0
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        names: list[str] = []
        for child in body:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(child.name)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names += [a.asname or a.name for a in child.names]
        count += len(names) - len(set(names))
    return count


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".apilint_cache" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class Outcome:
    """What fixing one fixture app did."""

    before: RunResult
    after: RunResult
    fixed: list[Finding]
    changed: dict[str, str]
    problems: list[str]
    second_changes: int
    dry_run_untouched: bool
    dry_run_diff: str


Outcomes = Callable[[Path], Outcome]


@pytest.fixture(scope="module")
def outcome_of(tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    """Fix each app once (on first use) and remember what happened."""
    done: dict[Path, Outcome] = {}

    def get(app: Path) -> Outcome:
        if app not in done:
            done[app] = _fix_copy(app, tmp_path_factory.mktemp("fixed"))
        return done[app]

    return get


def _fix_copy(app: Path, tmp: Path) -> Outcome:
    copy = tmp / app.name
    shutil.copytree(app, copy)

    def analyze() -> RunResult:
        return analyze_dir(copy)

    before = analyze()
    digest = _tree_digest(copy)
    dry = fix_project(analyze, [copy], unsafe=True, dry_run=True)
    untouched = _tree_digest(copy) == digest
    diff = "".join(c.diff() for c in dry.changes)
    done = fix_project(analyze, [copy], unsafe=True)
    again = fix_project(analyze, [copy], unsafe=True) if done.changes else None
    changed = {c.path: (copy / c.path).read_text(encoding=c.encoding) for c in done.changes}
    originals = {c.path: (app / c.path).read_text(encoding=c.encoding) for c in done.changes}
    problems = [p.message for p in done.problems]
    problems += [f"{path}: a definition or import was added twice" for path, text in changed.items()
                 if _duplicates(text) > _duplicates(originals[path])]
    return Outcome(before, done.result, done.fixed, changed, problems,
                   len(again.changes) if again is not None else 0, untouched, diff)


def _id(app: Path) -> str:
    return app.relative_to(FIXTURES).as_posix()


@pytest.mark.parametrize("app", APPS, ids=_id)
def test_fixing_every_finding_leaves_valid_code_and_nothing_new(app: Path, outcome_of: Outcomes) -> None:
    outcome = outcome_of(app)
    assert outcome.problems == []
    for path, text in outcome.changed.items():
        compile(text, path, "exec", dont_inherit=True)  # parsed and compiled, never run
    before = Counter(_key(f) for f in outcome.before.findings)
    after = Counter(_key(f) for f in outcome.after.findings)
    # authorization rules judge only authenticated routes: once a fix adds authentication to a route,
    # what the route then serves to every logged-in user (AUTHZ) is the next layer, not a new defect
    authenticated = {f.route for f in outcome.fixed if f.code.startswith("AUTH0") and f.route}
    new = [k for k in after - before if not (k[0].startswith("AUTHZ") and k[2] in authenticated)]
    assert not new, f"new findings after fixing: {sorted(new)}"
    fixed = Counter(_key(f) for f in outcome.fixed if f in outcome.before.findings)
    for key, count in fixed.items():
        assert after[key] <= before[key] - count, f"still reported after its fix: {key}"
    assert not [f for f in outcome.after.findings if f.fix_plan is not None], "fixable findings left"
    assert outcome.second_changes == 0, "a second --fix changed the code again"


@pytest.mark.parametrize("app", APPS, ids=_id)
def test_a_dry_run_writes_nothing_and_its_diff_applies(app: Path, tmp_path: Path, outcome_of: Outcomes) -> None:
    outcome = outcome_of(app)
    assert outcome.dry_run_untouched
    if not outcome.dry_run_diff:
        assert not outcome.fixed
        return
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    copy = tmp_path / app.name
    shutil.copytree(app, copy)
    patch = tmp_path / "fix.diff"
    patch.write_text(outcome.dry_run_diff, encoding="utf-8")
    subprocess.run(["git", "apply", str(patch)], cwd=copy, check=True, capture_output=True)
    for path in {line[6:] for line in outcome.dry_run_diff.splitlines() if line.startswith("+++ b/")}:
        compile((copy / path).read_text(encoding="utf-8"), path, "exec", dont_inherit=True)


def test_every_requested_fix_is_proven_on_a_fixture_app(outcome_of: Outcomes) -> None:
    fixed = {f.code for app in APPS for f in outcome_of(app).fixed}
    assert set(FIXED_RULES) <= fixed, f"no fixture proves the fix of {sorted(set(FIXED_RULES) - fixed)}"


def test_safe_twins_offer_no_fix(outcome_of: Outcomes) -> None:
    for app in APPS:
        if app.name.endswith("_safe"):
            assert not outcome_of(app).fixed, _id(app)


def test_declared_fix_availability_matches_the_findings(outcome_of: Outcomes) -> None:
    from apilint.fixes.kinds import codemods
    from apilint.registry import all_rules
    from apilint.rule import FixAvailability

    kinds = codemods()
    planned: dict[str, set[str]] = {}
    for app in APPS:
        for finding in outcome_of(app).before.findings:
            if finding.fix_plan is not None:
                assert finding.fix_plan.kind in kinds, finding.fix_plan.kind
                planned.setdefault(finding.code, set()).add(finding.fix_plan.applicability.value)
    for rule in all_rules():
        declared = {a.value for a in rule.fix_applicability}
        if rule.fix_availability is FixAvailability.NONE:
            assert rule.code not in planned, f"{rule.code} declares no fix but offers one"
        else:
            assert planned.get(rule.code, set()) <= declared
            assert rule.code in planned, f"{rule.code} declares a fix no fixture finding offers"
