"""The command line: `apilint [check] PATH...`, `routes`, `rules`, `explain`. Wiring only."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from apilint import __version__, replay
from apilint.baseline import BaselineError, counts_of
from apilint.baseline import apply as apply_baseline
from apilint.baseline import load as load_baseline
from apilint.baseline import write as write_baseline_file
from apilint.checklist import Checklist
from apilint.config import Config, ConfigError, find_config, load_config, parse_confidence, parse_severity
from apilint.engine import RunOptions, RunResult, run, selected_rules
from apilint.model import Confidence, Route, Severity
from apilint.progress import ProgressBar, progress_wanted
from apilint.registry import all_rules, rule_by_code, selector_is_valid
from apilint.reporters import Report

app = typer.Typer(
    name="apilint",
    help="Find missing authentication, broken authorization, data exposure and other API security "
    "holes in FastAPI, Starlette, Flask, Django, DRF and Ninja code.",
    add_completion=False,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

COMMANDS = replay.COMMANDS
_argv: list[str] | None = None
"""The command line as `main` received it: what a replay record is keyed by."""
FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown", "html")


class UsageError(Exception):
    """A usage problem: exit code 2 with one line."""


def _fail(message: str) -> None:
    sys.stderr.write(f"apilint: error: {message}\n")
    raise typer.Exit(2)


def _load_config(config_path: Path | None, paths: list[Path]) -> Config:
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path does not exist: {path}")
    if config_path is not None:
        if not config_path.is_file():
            raise UsageError(f"config file not found: {config_path}")
        return load_config(config_path)
    start = paths[0] if paths else Path.cwd()
    found = find_config(start)
    return load_config(found, root=None) if found is not None else load_config(None, root=Path.cwd())


def _check_selectors(values: list[str], option: str) -> list[str]:
    out = []
    for value in values:
        for part in value.split(","):
            part = part.strip().upper()
            if not part:
                continue
            if not selector_is_valid(part):
                raise UsageError(f"{option}: unknown rule code or prefix '{part}'")
            out.append(part)
    return out


def _color_enabled() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def render_report(fmt: str, report: Report, result: RunResult | None = None,
                  checklist: Checklist | None = None, title: str = "") -> str:
    """Render a report in one format (`html` needs the checklist; `title` names the project)."""
    if fmt == "html":
        from apilint.reporters import html

        return html.render(report, checklist, title)
    if fmt == "text":
        from apilint.reporters import text

        return text.render(report, color=_color_enabled())
    if fmt == "json":
        from apilint.reporters import json as json_reporter

        return json_reporter.render(report)
    import importlib

    try:
        module = importlib.import_module(f"apilint.reporters.{fmt}")
    except ImportError:
        raise UsageError(f"--format {fmt} is not available in this build") from None
    rendered: str = module.render(report)
    return rendered


def make_report(result: RunResult) -> Report:
    """The reporter-facing view of a run."""
    return Report(
        findings=tuple(result.findings),
        diagnostics=tuple(result.diagnostics),
        rules=result.rules,
        root=result.root,
        version=__version__,
        routes=result.routes,
        files_analyzed=result.files_analyzed,
        suppressed=result.suppressed,
        baselined=int(str(result.extra.get("baselined", 0))),
        diff_base=str(result.extra["diff_base"]) if "diff_base" in result.extra else None,
        unchanged=int(str(result.extra.get("unchanged", 0))),
        quiet=result.quiet,
    )


def exit_code(result: RunResult, fail_on: Severity, exit_zero: bool) -> int:
    """3 when apilint failed on part of the input, 1 for findings at or above fail-on, else 0."""
    if any(d.internal for d in result.diagnostics):
        return 3
    if exit_zero:
        return 0
    if any(f.severity.rank >= fail_on.rank for f in result.findings):
        return 1
    return 0


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories to analyze.")] = None,
    output_format: Annotated[list[str] | None, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}; "
                                                            "repeat with --output for several.")] = None,
    output: Annotated[
        list[Path] | None, typer.Option("--output", "-o", help="Write to FILE (one per --format).")
    ] = None,
    select: Annotated[list[str] | None, typer.Option(help="Rule codes or prefixes to run.")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Rule codes or prefixes to skip.")] = None,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="Lowest severity that fails the run.")] = None,
    min_confidence: Annotated[str | None, typer.Option(
        "--min-confidence", help="Report only findings at least this confident: low, medium or high.")] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (0 = one per CPU).")] = 0,
    config: Annotated[Path | None, typer.Option("--config", help="Config file to use.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the cache.")] = False,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="Cache folder.")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Do not report findings listed in FILE.")] = None,
    write_baseline: Annotated[Path | None, typer.Option(
        "--write-baseline", help="Write the current findings to FILE as a baseline.")] = None,
    diff: Annotated[str | None, typer.Option("--diff", help="Report only findings new since git revision REF.",
                                             metavar="REF")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe fixes, then report what remains.")] = False,
    unsafe_fixes: Annotated[bool, typer.Option(
        "--unsafe-fixes", help="Also apply fixes that change behaviour a person must review.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="With --fix: print the fixes as a unified diff and write nothing.")] = False,
) -> None:
    """Analyze PATHs and report security problems."""
    recording = _argv is not None and not no_cache and diff is None and write_baseline is None and not fix
    before = _replay_inputs(paths, config, baseline) if recording else []
    try:
        targets = list(paths or [Path()])
        formats = [f.lower() for f in (output_format or ["text"])]
        for fmt in formats:
            if fmt not in FORMATS:
                raise UsageError(f"--format: unknown format '{fmt}' (expected one of: {', '.join(FORMATS)})")
        outputs = list(output or [])
        if len(outputs) > len(formats):
            raise UsageError("more --output than --format options")
        if len(formats) - len(outputs) > 1:
            raise UsageError("several --format options print to stdout; give each but one an --output FILE")
        if jobs < 0:
            raise UsageError("--jobs must be 0 or more")
        if dry_run and not fix:
            raise UsageError("--dry-run goes with --fix (apilint check --fix --dry-run)")
        if fix and (diff is not None or write_baseline is not None):
            raise UsageError(f"--fix cannot be combined with {'--diff' if diff is not None else '--write-baseline'}")
        cfg = _load_config(config, targets)
        threshold = parse_severity(fail_on, "--fail-on") if fail_on else cfg.fail_on
        confidence_floor = (parse_confidence(min_confidence, "--min-confidence") if min_confidence
                            else cfg.min_confidence)
        if min_confidence:
            cfg = replace(cfg, show_unknown_auth=confidence_floor is Confidence.LOW)
        options = RunOptions(tuple(targets), jobs, not no_cache, cache_dir,
                             tuple(_check_selectors(select or [], "--select")),
                             tuple(_check_selectors(ignore or [], "--ignore")))
        known = load_baseline(baseline) if baseline is not None and write_baseline is None else None
    except (ConfigError, UsageError, BaselineError) as exc:
        _fail(str(exc))
        return
    wants_checklist = "html" in formats
    chosen = selected_rules(cfg, options.select, options.ignore) if wants_checklist else ()
    checklist: Checklist | None = None

    def analyze() -> RunResult:
        nonlocal checklist
        bar = ProgressBar() if progress_wanted(formats) else None
        try:
            if wants_checklist:  # the checklist judges with every rule; the report lists the selected ones
                analyzed = run(cfg, replace(options, progress=bar, select=("ALL",), checklist=True))
            else:
                analyzed = run(cfg, replace(options, progress=bar))
        finally:
            if bar is not None:
                bar.close()
        checklist = _checklist(analyzed, cfg) if wants_checklist else None
        if wants_checklist:
            codes = {r.code for r in chosen}
            analyzed.findings = [f for f in analyzed.findings if f.code in codes or f.code == "PARSE001"]
            analyzed.rules = chosen
        analyzed.findings = [f for f in analyzed.findings if f.confidence.rank >= confidence_floor.rank]
        if known is not None:
            apply_baseline(analyzed, known)
        return analyzed

    if write_baseline is not None:
        result = analyze()
        write_baseline_file(write_baseline, result.findings)
        sys.stderr.write(f"apilint: wrote {len(result.findings)} findings to the baseline {write_baseline}\n")
        apply_baseline(result, counts_of(result.findings))
    elif fix:
        from apilint.fixes.session import fix_project

        outcome = fix_project(analyze, [p.absolute() for p in targets], unsafe_fixes, dry_run)
        result = outcome.result
        result.diagnostics = sorted([*result.diagnostics, *outcome.problems],
                                    key=lambda d: (d.location.file, d.location.line, d.code, d.message))
        result.extra["fixed"] = len(outcome.fixed)
        if dry_run:
            sys.stdout.write("".join(c.diff() for c in sorted(outcome.changes, key=lambda c: c.path)))
        _fix_summary(len(outcome.fixed), result, unsafe_fixes, dry_run, to_stderr=dry_run or formats != ["text"])
    else:
        result = analyze()
    if diff is not None:
        from apilint.diff import DiffError
        from apilint.diff import apply as apply_diff

        try:
            apply_diff(result, diff, cfg, options)
        except DiffError as exc:
            _fail(str(exc))
            return
    report = make_report(result)
    if fix:
        report = replace(report, fixed=int(str(result.extra.get("fixed", 0))), fix_run=True, unsafe_fixes=unsafe_fixes)
    if {"sarif", "markdown"} & set(formats) and any(f.fix_plan is not None for f in result.findings):
        from apilint.fixes.session import previews

        report = replace(report, previews=previews(result, [p.absolute() for p in targets]))
    printed = ""
    written: list[tuple[str, str]] = []
    for i, fmt in enumerate(formats):
        try:
            rendered = render_report(fmt, report, result, checklist, _title(targets))
        except UsageError as exc:
            _fail(str(exc))
            return
        if i < len(outputs):
            outputs[i].parent.mkdir(parents=True, exist_ok=True)
            outputs[i].write_text(rendered, encoding="utf-8")
            written.append((str(outputs[i]), rendered))
        elif not dry_run:  # a dry run's standard output is the diff
            sys.stdout.write(rendered)
            printed += rendered
    code = exit_code(result, threshold, exit_zero)
    if recording and _argv is not None and result.cache_dir is not None and code != 3:
        from apilint.cache import user_key

        replay.store(_argv, str(result.cache_dir), user_key(), [*before, *result.stamps], printed, written, code)
    raise typer.Exit(code)


def _fix_summary(fixed: int, result: RunResult, unsafe: bool, dry_run: bool, to_stderr: bool) -> None:
    """`Fixed N problems (M more with --unsafe-fixes).` on standard error when the report does
    not say it itself (every format but text, and dry runs)."""
    if not to_stderr:
        return
    from apilint.fixes.session import unsafe_remaining

    verb = "Would fix" if dry_run else "Fixed"
    more = unsafe_remaining(result.findings) if not unsafe else 0
    extra = f" ({more} more with --unsafe-fixes)" if more else ""
    sys.stderr.write(f"apilint: {verb} {fixed} problem{'s' if fixed != 1 else ''}{extra}.\n")


def _title(targets: list[Path]) -> str:
    """The report's project name: the first analyzed folder's (a file's folder for a file)."""
    first = targets[0].resolve() if targets else Path.cwd()
    return (first if first.is_dir() else first.parent).name


def _replay_inputs(paths: list[Path] | None, config: Path | None, baseline: Path | None) -> list[replay.Stamp]:
    """Stamps of what decides a run besides the analyzed tree, taken before it starts."""
    first = str(paths[0]) if paths else "."
    extra = [str(p) for p in (config, baseline) if p is not None]
    return [*replay.surroundings(first), *replay.stamps_with_digest(extra)]


@app.command()
def routes(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories to analyze.")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j")] = 0,
    config: Annotated[Path | None, typer.Option("--config")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache")] = False,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir")] = None,
    diff: Annotated[str | None, typer.Option(
        "--diff", metavar="REF", help="List routes added, removed or re-protected since git revision REF.")] = None,
    why: Annotated[bool, typer.Option(
        "--why", help="Under each route, the chain of facts that decided its authentication.")] = False,
    checklist: Annotated[bool, typer.Option(
        "--checklist", help="Judge every route against the 12-step API security checklist.")] = False,
) -> None:
    """List every endpoint with its method, path, handler and how it is protected."""
    try:
        targets = list(paths or [Path()])
        if output_format not in ("table", "json", "markdown"):
            raise UsageError(f"--format: unknown format '{output_format}' (expected table, json or markdown)")
        if checklist and diff is not None:
            raise UsageError("--checklist and --diff cannot be combined")
        cfg = _load_config(config, targets)
    except (ConfigError, UsageError) as exc:
        _fail(str(exc))
        return
    options = RunOptions(tuple(targets), jobs, not no_cache, cache_dir, select=("ALL",), checklist=checklist)
    bar = ProgressBar() if progress_wanted([output_format]) else None
    try:
        result = run(cfg, replace(options, progress=bar))
    finally:
        if bar is not None:
            bar.close()
    route_list = result.routes.routes
    if result.report_files is not None:
        route_list = tuple(r for r in route_list if r.location.file in result.report_files)
    if diff is not None:
        from apilint import diff as route_diff

        try:
            base = route_diff.analyze_revision(diff, cfg, options, result.root)
        except route_diff.DiffError as exc:
            _fail(str(exc))
            return
        base_list = () if base is None else tuple(
            r for r in base.routes.routes if base.report_files is None or r.location.file in base.report_files)
        changes = route_diff.compare_routes(base_list, route_list)
        if output_format == "json":
            rendered = route_diff.route_changes_to_json(diff, changes)
        elif output_format == "markdown":
            from apilint.reporters.markdown import render_route_diff

            rendered = render_route_diff(diff, changes)
        else:
            rendered = route_diff.route_changes_to_text(diff, changes)
    elif checklist:
        checked = tuple(r for r in route_list if not r.builtin)
        rendered = _render_checklist(output_format, checked, _checklist(result, cfg, checked),
                                     color=output is None and _color_enabled())
    elif output_format == "markdown":
        from apilint.reporters.markdown import render_routes as markdown_routes

        rendered = markdown_routes(route_list, why=why)
    elif output_format == "json":
        from apilint.reporters.json import render_routes

        rendered = render_routes(route_list)
    else:
        from apilint.reporters.routes_table import render_routes_table

        rendered = render_routes_table(route_list, why, color=_color_enabled())
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        sys.stdout.write(rendered)
    _warn_unparsed(result)
    raise typer.Exit(3 if any(d.internal for d in result.diagnostics) else 0)


def _warn_unparsed(result: RunResult) -> None:
    """Say on stderr which files could not be parsed: routes declared in them are missing from the map."""
    unparsed = sorted({f.location.file for f in result.findings if f.code == "PARSE001"})
    if unparsed:
        shown = ", ".join(unparsed[:5]) + (f" and {len(unparsed) - 5} more" if len(unparsed) > 5 else "")
        sys.stderr.write(f"apilint: {len(unparsed)} file{'s' if len(unparsed) != 1 else ''} could not be parsed "
                         f"({shown}): routes declared there are missing from this map (see PARSE001 in "
                         "`apilint check`)\n")


def _checklist(result: RunResult, cfg: Config, routes: tuple[Route, ...] | None = None) -> Checklist:
    """The checklist of a run that read it, from every finding it made (before confidence,
    baseline and --diff filters: a hidden finding still keeps a cell from `met`)."""
    from apilint.checklist import checklist_of

    return checklist_of(result, cfg.checklist, routes)


def _render_checklist(output_format: str, route_list: tuple[Route, ...], checklist: Checklist,
                      color: bool = False) -> str:
    from apilint.reporters import checklist as checklist_reporter

    if output_format == "json":
        return checklist_reporter.render_json(route_list, checklist)
    if output_format == "markdown":
        return checklist_reporter.render_markdown(checklist)
    return checklist_reporter.render_table(checklist, color=color)


@app.command(name="rules")
def list_rules() -> None:
    """List every rule with its code, name, severity, fix and summary."""
    from apilint.rule import fix_label

    for rule in all_rules():
        default = "" if rule.enabled_by_default else "  (off by default)"
        fix = (fix_label(rule) or "-").replace(" or ", "/")
        sys.stdout.write(f"{rule.code:<9} {rule.name:<36} {rule.severity.value:<8} {fix:<11} {rule.summary}{default}\n")


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code, e.g. AUTH001.")]) -> None:
    """Show a rule's documentation: what it finds, why it matters, how to fix it."""
    rule = rule_by_code(code)
    if rule is None:
        _fail(f"unknown rule code '{code}' (see `apilint rules`)")
        return
    from apilint.docgen import render_rule

    page = render_rule(rule)
    if _color_enabled():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(page))
    else:
        sys.stdout.write(page)


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"apilint {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """apilint: static security analysis for Python web APIs."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: `apilint PATH` means `apilint check PATH`."""
    global _argv
    args = list(sys.argv[1:] if argv is None else argv)
    _argv = list(args)
    first = next((a for a in args if not a.startswith("-")), None)
    help_or_version = any(a in ("--help", "-h", "--version") for a in args[:1])
    if not help_or_version and (first is None or first not in COMMANDS):
        args.insert(0, "check")
    try:
        app(args=args, prog_name="apilint", standalone_mode=True)
    except KeyboardInterrupt:
        sys.stderr.write("apilint: interrupted\n")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
