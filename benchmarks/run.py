"""Speed and memory benchmark: apilint against the libcst parse floor, bandit and ruff.

One command builds its own virtualenv (apilint from this checkout, django, bandit, ruff),
builds the corpora (django's installed package tree; generated FastAPI projects), runs every
command once per round, alternating (A B C ... A B C ...), measures each as a whole process
(wall, CPU, peak RSS of the largest process), and prints medians, the targets' paired ratios
with pass/fail, and writes benchmarks/.work/results.json.

usage: python benchmarks/run.py [--quick] [--runs N] [--modules 1000,4000]
                                [--corpus all|django|generated] [--no-install]
See benchmarks/README.md and docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

from cases import Case, CaseBuilder, targets
from corpora import QUICK_DJANGO_PARTS, Corpus, build_django, build_generated
from measure import Sample, run_measured
from report import Verdict, case_record, evaluate, failed, results_table, targets_table
from workenv import WORK_DIR, BenchEnv, apilint_problem, checkout_digest, prepare_env

RESULTS_JSON = WORK_DIR / "results.json"
RESULTS_MD = WORK_DIR / "results.md"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the command line; ``--quick`` changes the defaults of --runs and --modules."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small corpora, 1 run: a smoke test")
    parser.add_argument("--runs", type=int, help="measured runs per command (default 3; quick 1)")
    parser.add_argument("--modules", help="router modules per generated project (1000,4000)")
    parser.add_argument("--corpus", choices=("all", "django", "generated"), default="all")
    parser.add_argument(
        "--floor-jobs",
        type=int,
        default=os.cpu_count() or 2,
        help="processes of the parallel parse floor (default: CPU count)",
    )
    parser.add_argument("--no-install", action="store_true", help="reuse the benchmark venv as it is (no pip)")
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 3)
    modules = args.modules or ("100,400" if args.quick else "1000,4000")
    args.modules = sorted({int(n) for n in modules.split(",") if n.strip()})
    return args


def build_corpora(env: BenchEnv, args: argparse.Namespace) -> tuple[Corpus | None, dict[int, Corpus]]:
    """Build the django copy and the generated projects asked for."""
    root = WORK_DIR / "corpus"
    django = None
    if args.corpus in ("all", "django"):
        name = "django-quick" if args.quick else "django"
        parts = QUICK_DJANGO_PARTS if args.quick else ()
        django = build_django(env.site_packages(), root / name, parts)
    generated = {}
    if args.corpus in ("all", "generated"):
        generated = {n: build_generated(root / f"gen-{n}", n) for n in args.modules}
    return django, generated


def plan(builder: CaseBuilder, django: Corpus | None, generated: dict[int, Corpus], with_apilint: bool) -> list[Case]:
    """All cases of one round, in the order they run."""
    cases = builder.django_cases(django) if django else []
    for corpus in generated.values():
        cases += builder.generated_cases(corpus)
    return [c for c in cases if with_apilint or c.tool != "apilint"]


def run_once(case: Case, round_no: int, env: BenchEnv) -> Sample:
    """Run ``case`` once (after its per-run preparation) and return the measurement."""
    if case.before_each is not None:
        case.before_each(round_no)
    stderr = WORK_DIR / "logs" / f"{case.key.replace(':', '.')}.stderr"
    sample = run_measured(case.argv, case.corpus.root, {**env.environ(), **case.env}, stderr)
    status = "" if sample.returncode in case.ok_codes else f"  EXIT {sample.returncode}"
    print(
        f"  [{round_no or 'warm-up'}] {case.key:<34} {sample.wall:8.3f} s {sample.peak_mib:6.0f} MiB{status}",
        file=sys.stderr,
    )
    return sample


def run_rounds(cases: list[Case], runs: int, env: BenchEnv) -> dict[str, list[Sample]]:
    """Warm up the fast cases, then run every case once per round for ``runs`` rounds."""
    samples: dict[str, list[Sample]] = {case.key: [] for case in cases}
    for case in cases:
        if case.warmup:
            run_once(case, 0, env)
    for round_no in range(1, runs + 1):
        print(f"round {round_no}/{runs}", file=sys.stderr)
        for case in cases:
            if case.prime:
                run_once(case, 0, env)
            samples[case.key].append(run_once(case, round_no, env))
    return samples


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if ln.startswith("model name")]
        cpu = models[0] if models else cpu
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def apilint_summary(case: Case) -> str | None:
    """What apilint's JSON report of ``case`` says it did, as a note (files, findings)."""
    try:
        data = json.loads(case.output.read_text()) if case.output else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    summary = data.get("summary", {})
    return (
        f"{case.key}: apilint analyzed {summary.get('files', '?')} of {case.corpus.files} files, "
        f"{len(data.get('findings', []))} findings, {len(data.get('diagnostics', []))} diagnostics"
    )


def write_results(record: dict[str, object], text: str) -> None:
    """Write the JSON record and the Markdown tables under benchmarks/.work/."""
    RESULTS_JSON.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    RESULTS_MD.write_text(text + "\n")
    print(f"\nwrote {RESULTS_JSON} and {RESULTS_MD}", file=sys.stderr)


def render(cases: list[Case], samples: dict[str, list[Sample]], verdicts: list[Verdict], notes: list[str]) -> str:
    """The printed report: results table, targets table, notes."""
    parts = ["## Results", "", results_table(cases, samples), "", "## Targets (paired ratios)", ""]
    parts += [targets_table(verdicts)]
    if notes:
        parts += ["", *[f"- {note}" for note in notes]]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    """Run the benchmark; exit 0 when it ran (whatever the verdicts), 1 when a run failed."""
    args = parse_args(argv)
    host = machine()
    host["apilint_sources_sha256"] = digest = checkout_digest()
    env = prepare_env(install=not args.no_install)
    problem = apilint_problem(env)
    notes = [f"apilint sources (analyzer/, rules/, pyproject.toml): sha256 {digest}"]
    notes += [f"apilint not measured: {problem}"] if problem else []
    for sub in ("cache", "out", "logs"):
        shutil.rmtree(WORK_DIR / sub, ignore_errors=True)
        (WORK_DIR / sub).mkdir(parents=True)
    django, generated = build_corpora(env, args)
    builder = CaseBuilder(env, WORK_DIR, args.floor_jobs)
    cases = plan(builder, django, generated, with_apilint=problem is None)
    try:
        samples = run_rounds(cases, args.runs, env)
    finally:
        for editor in builder.editors:
            editor.restore()
    verdicts = [
        evaluate(t, {c.key: c for c in cases}, samples, problem or "")
        for t in targets(django, generated, args.floor_jobs)
    ]
    notes += [n for c in cases if c.kind == "apilint-cold" and (n := apilint_summary(c))]
    text = render(cases, samples, verdicts, notes)
    print(text)
    corpora = ([django] if django else []) + list(generated.values())
    write_results(
        {
            "machine": host,
            "versions": env.versions(),
            "settings": {"quick": args.quick, "runs": args.runs, "floor_jobs": args.floor_jobs},
            "corpora": {c.name: c.as_dict() for c in corpora},
            "cases": [case_record(c, samples[c.key]) for c in cases],
            "targets": [v.as_dict() for v in verdicts],
            "notes": notes,
        },
        text,
    )
    return 1 if any(failed(samples[c.key], c) for c in cases) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
