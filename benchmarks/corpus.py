"""Real-world corpus benchmark: apilint on pinned open-source web applications from PyPI.

Downloads each app of corpus_apps.APPS (cached, sha256-checked), unpacks it as data, runs the
installed apilint on it (`apilint routes` and `apilint check --select ALL --min-confidence
low`, cold: `--no-cache`), and writes one table row per app (route-map coverage, findings by
confidence, seconds) between the markers of docs/corpus.md. Opt-in: never part of pytest.

usage: python benchmarks/corpus.py [--apps a,b] [--jobs N] [--no-download] [--work-dir DIR]
                                   [--json OUT] [--compare OLD.json] [--doc FILE | --no-doc]
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

from corpus_apps import APPS, select
from corpus_fetch import FetchError, ensure_app
from corpus_report import delta, tables, write_doc
from corpus_run import AppResult, run_app

CHECKOUT = Path(__file__).resolve().parent.parent
DEFAULT_DOC = CHECKOUT / "docs" / "corpus.md"


def default_work_dir() -> Path:
    """``$APILINT_CORPUS_DIR``, else benchmarks/.work/corpus in this checkout."""
    env = os.environ.get("APILINT_CORPUS_DIR")
    return Path(env) if env else CHECKOUT / "benchmarks" / ".work" / "corpus"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", help="comma-separated app names (default: all); --list shows them")
    parser.add_argument("--list", action="store_true", help="list the pinned apps and exit")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="apilint worker processes")
    parser.add_argument("--no-download", action="store_true", help="use only what is cached; fail otherwise")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="downloads, unpacked apps and raw outputs (default: $APILINT_CORPUS_DIR, "
                             "else benchmarks/.work/corpus)")
    parser.add_argument("--cache", action="store_true",
                        help="let apilint use a cache under the work dir (faster re-runs; seconds are then warm)")
    parser.add_argument("--json", type=Path, help="write the raw numbers to this file")
    parser.add_argument("--compare", type=Path, help="an earlier --json file: print the before/after delta")
    doc = parser.add_mutually_exclusive_group()
    doc.add_argument("--doc", type=Path, help="the Markdown file to update (default: docs/corpus.md, on full runs)")
    doc.add_argument("--no-doc", action="store_true", help="do not write the Markdown tables")
    args = parser.parse_args(argv)
    args.work_dir = (args.work_dir or default_work_dir()).resolve()
    return args


def apilint_version() -> str:
    """The version the installed apilint reports (the one that is measured)."""
    done = subprocess.run([sys.executable, "-m", "apilint", "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip() or "unknown"


def git_head() -> str:
    """The checkout's commit, for the record (empty outside git)."""
    done = subprocess.run(["git", "-C", str(CHECKOUT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip()


def main(argv: list[str]) -> int:
    """Fetch, analyze, report; exit 1 when some app could not be fetched or analyzed."""
    args = parse_args(argv)
    if args.list:
        for app in APPS:
            print(f"{app.name:20} {app.family:10} {app.version:12} {app.kind:10} {app.note}")
        return 0
    apps = select(args.apps)
    out_dir = args.work_dir / "out"
    cache_dir = args.work_dir / "cache" if args.cache else None
    version = apilint_version()
    print(f"{version} ({git_head() or 'no git'}); work dir {args.work_dir}", flush=True)
    results: list[AppResult] = []
    for app in apps:
        try:
            root = ensure_app(app, args.work_dir, offline=args.no_download)
        except (FetchError, OSError) as exc:
            results.append(AppResult(app.name, app.family, app.kind, app.version, list(app.paths), error=str(exc)))
            print(f"{app.name:20} fetch failed: {exc}", flush=True)
            continue
        result = run_app(app, root, out_dir, args.jobs, cache_dir)
        results.append(result)
        cov = result.coverage
        print(f"{app.name:20} {cov.routes:5} routes {cov.unresolved:4} unresolved {cov.auth_unknown:4} auth-unknown "
              f"{sum(result.findings.values()):5} findings  {result.routes_seconds + result.check_seconds:6.1f} s"
              + (f"  ERROR {result.error}" if result.error else ""), flush=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    header = (f"Measured {stamp} with {version} at commit {git_head() or '?'}, `--jobs {args.jobs}`"
              f"{', warm cache' if args.cache else ', cold (`--no-cache`)'}, on {os.cpu_count()} CPUs.")
    block = tables(results, header)
    doc = args.doc or (DEFAULT_DOC if not args.apps else None)
    if doc and not args.no_doc:
        write_doc(doc, block)
        print(f"wrote {doc}")
    else:
        print(block)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        record = {"apilint": version, "commit": git_head(), "date": stamp, "jobs": args.jobs,
                  "cached": args.cache, "apps": [r.as_json() for r in results]}
        args.json.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.json}")
    if args.compare:
        old = [AppResult.from_json(a) for a in json.loads(args.compare.read_text()).get("apps", [])]
        print(f"\nbefore ({args.compare}) -> now:\n{delta(old, results)}")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
