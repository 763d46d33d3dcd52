"""The pipeline: discover -> summarize (pool, cache) -> link -> rules -> filter -> report."""

from __future__ import annotations

import gc
import os
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from apilint.cache import SummaryCache
from apilint.checklist.cells import ChecklistReadings
from apilint.config import Config
from apilint.discover import discover, entry_path, relative_path, relative_resolved, safe_resolve
from apilint.fingerprint import with_fingerprints
from apilint.model import (
    Confidence,
    Diagnostic,
    Finding,
    Location,
    ProjectFacts,
    RouteMap,
    Severity,
)
from apilint.module_keys import ModuleKeys
from apilint.project import ProjectIndex
from apilint.registry import all_rules, matches
from apilint.replay import Stamp, code_fingerprint, stamps_with_digest
from apilint.rule import Rule, RuleContext
from apilint.rule_runner import run_rules
from apilint.rule_units import RuleUnits
from apilint.summarize import summarize_source
from apilint.summarize_parse import enable_fast_construction, fast_construction
from apilint.summary import ModuleSummary
from apilint.suppress import filter_findings, unknown_suppressions
from apilint.textfiles import is_credential_file, read_text_file

POOL_THRESHOLD = 24
"""Below this many files to parse, a process pool costs more than it saves."""
BATCH = 16
OVERLAP_HITS = 200
"""From this many cached files, even one file to parse goes to a worker, overlapping its
libcst import and parse with loading the cache here."""
FAST_CONSTRUCTION_FILES = 24
"""From this many files to parse in one process, libcst's node classes are patched to build
nodes by plain assignment (`apilint.summarize_parse`): making the patch costs about 18 ms, what
parsing two dozen files of typical size saves."""


@dataclass(frozen=True)
class RunOptions:
    """What the command line asked for."""

    paths: tuple[Path, ...]
    jobs: int = 0
    use_cache: bool = True
    cache_dir: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    root: Path | None = None
    """Report paths relative to this folder instead of the config's or git's root."""
    progress: Callable[[int, int], None] | None = None
    """Called with (files summarized, files to summarize) as parsing advances."""
    checklist: bool = False
    """Also read every route's checklist evidence (`RunResult.checklist`)."""


@dataclass
class RunResult:
    """Everything one analysis produced, before formatting."""

    findings: list[Finding]
    diagnostics: list[Diagnostic]
    rules: tuple[type[Rule], ...]
    routes: RouteMap
    facts: ProjectFacts
    index: ProjectIndex
    root: Path
    files_analyzed: int
    suppressed: int = 0
    report_files: frozenset[str] | None = None
    extra: dict[str, object] = field(default_factory=dict)
    stamps: tuple[Stamp, ...] = ()
    """What decided this result, for `apilint.replay`: discovery's stamps and the non-Python
    files adapters read."""
    cache_dir: Path | None = None
    """The cache folder used, None without a cache."""
    quiet: int = 0
    """Findings held back because their route's auth could not be read (see `Finding.quiet`)."""
    checklist: ChecklistReadings | None = None
    """With `RunOptions.checklist`: what the checklist reads from the code (`apilint.checklist`)."""


def selected_rules(config: Config, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> tuple[type[Rule], ...]:
    """Rules to run: command line over config; default = rules enabled by default."""
    chosen_select = tuple(s.upper() for s in select) or config.select
    chosen_ignore = tuple(s.upper() for s in ignore) + config.ignore
    out = []
    for rule in all_rules():
        if chosen_select:
            on = matches(rule.code, chosen_select)
        else:
            on = rule.enabled_by_default
        if config.extend_select and matches(rule.code, config.extend_select):
            on = True
        if chosen_ignore and matches(rule.code, chosen_ignore):
            on = False
        if on:
            out.append(rule)
    return tuple(out)


def project_root(paths: Sequence[Path], config: Config) -> Path:
    """The root paths are reported relative to: the config's folder, else the git top, else the paths' parent."""
    if config.source is not None:
        return config.root
    resolved = [safe_resolve(p) for p in paths] or [Path.cwd().resolve()]
    first = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    for folder in (first, *first.parents):
        if (folder / ".git").exists():
            return folder
    common = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in resolved]))
    return common


Task = tuple[str, str, str, bool]
"""A file to summarize: (path, reported path, module path, whether a cache keeps the summary)."""


def _summarize_one(args: Task) -> ModuleSummary:
    path, rel, module_rel, cached = args
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return ModuleSummary(rel, "", parse_error=(f"cannot read file: {exc.strerror or exc}", 1, 1))
    from apilint.module_keys import with_key_facts
    from apilint.rules._scan import with_scan  # the rules' shared walk, made here in parallel

    summary = with_scan(summarize_source(data, rel, module_rel))
    # What later runs' per-module rule results are keyed by (a tenth of the cost of a summary):
    # only a summary the cache keeps is read by a later run.
    return with_key_facts(summary) if cached else summary


def _summarize_batch(batch: list[Task]) -> list[ModuleSummary]:
    with _gc_paused():
        out = [_summarize_one(item) for item in batch]
    gc.collect()  # whatever cyclic garbage parsing left, once per batch
    return out


def _worker_init(fast: bool) -> None:
    """With `fast`, make libcst's node classes build nodes by plain assignment for the worker's
    whole life (it only parses; `apilint.summarize_parse`). Then move what the worker inherited
    or imported out of the GC's reach: the collection after each batch then scans only that
    batch's objects, not libcst's and apilint's modules (a tenth of the pool's CPU time on
    Django's tree)."""
    if fast:
        enable_fast_construction()
    gc.freeze()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while summaries are built or loaded.

    Summaries are acyclic, but a million live objects make every full collection walk them
    all: with the GC running, summarizing Django's tree took twice as long.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def file_names(file: Path, root: Path, base: Path) -> tuple[str, str]:
    """(reported path relative to root, path that names the module relative to base)."""
    rel = relative_resolved(file, root)
    module_rel = relative_resolved(file, base)
    return rel, (rel if module_rel.startswith("/") else module_rel)


def summarize_files(files: Sequence[Path], root: Path, jobs: int, cache: SummaryCache | None,
                    base: Path | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    meanwhile: Callable[[], None] | None = None) -> list[ModuleSummary]:
    """Summaries for every file, from the cache where the content is unchanged.

    Paths are reported relative to `root`; module names are derived relative to `base`
    (the folder analyzed) when the file is inside it. The summaries are then frozen out of
    the GC's reach (`gc.freeze`): they live until the run ends and hold no cycles.
    """
    with _gc_paused():
        summaries = _summarize_files(files, root, jobs, cache, base, progress, meanwhile)
        # Frozen before the GC is re-enabled: otherwise its first collection scans every
        # object allocated while it was paused (a third of a second on Django's tree).
        gc.freeze()
    return summaries


def _summarize_files(files: Sequence[Path], root: Path, jobs: int, cache: SummaryCache | None,
                    base: Path | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    meanwhile: Callable[[], None] | None = None) -> list[ModuleSummary]:
    """Summaries for every file, from the cache where the content is unchanged.

    Paths are reported relative to `root`; module names are derived relative to `base`
    (the folder analyzed) when the file is inside it.
    """
    results: dict[str, ModuleSummary] = {}
    todo: list[Task] = []
    keys: dict[str, str] = {}
    hits: list[tuple[str, str, Task]] = []
    base = (base or root).resolve()
    for file in files:
        rel, module_rel = file_names(file, root, base)
        item = (str(file), rel, module_rel, cache is not None)
        if cache is not None:
            key = cache.key_for(file, f"{rel}|{module_rel}")
            if key is not None and cache.has(key):
                hits.append((rel, key, item))
                continue
            if key is not None:
                keys[rel] = key
        todo.append(item)

    def load_hits() -> None:
        """Cached summaries; an entry that does not verify is summarized again (in this process)."""
        assert cache is not None
        for rel, key, item in hits:
            hit = cache.load(key, f"{rel}|{item[2]}")
            if hit is not None:
                results[rel] = hit
            else:
                keys[rel] = key
                stale.append(item)
        if meanwhile is not None:
            meanwhile()

    stale: list[Task] = []
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    # A few changed files among many cached ones: a worker imports libcst and parses them
    # while this process loads the cache (a pre-commit run, one file edited).
    overlap = bool(todo) and len(hits) >= OVERLAP_HITS and workers > 1
    if todo and workers > 1 and (len(todo) >= POOL_THRESHOLD or overlap):
        fresh = _summarize_in_pool(todo, min(workers, len(todo)), progress, load_hits if hits else meanwhile)
    else:
        if hits:
            load_hits()
        elif meanwhile is not None:
            meanwhile()
        fresh = _summarize_here(todo, progress)
    if stale:
        fresh += _summarize_here(stale, progress)
    for summary in fresh:
        results[summary.path] = summary
        crashed = summary.parse_error is not None and summary.parse_error[0] == WORKER_CRASH
        if cache is not None and summary.path in keys and not crashed:
            cache.store(keys[summary.path], summary)
    return [results[k] for k in sorted(results)]


def _summarize_here(todo: list[Task],
                    progress: Callable[[int, int], None] | None) -> list[ModuleSummary]:
    fresh = []
    with fast_construction() if len(todo) >= FAST_CONSTRUCTION_FILES else nullcontext():
        for item in todo:
            fresh.append(_summarize_one(item))
            if progress is not None:
                progress(len(fresh), len(todo))
    return fresh


WORKER_CRASH = "apilint's worker process died while analyzing this file"
"""parse_error message of a file that killed a worker even when analyzed alone."""


def _summarize_in_pool(todo: list[Task], workers: int,
                       progress: Callable[[int, int], None] | None = None,
                       meanwhile: Callable[[], None] | None = None) -> list[ModuleSummary]:
    """Summaries from worker processes; a worker that dies (a crash in native code, the
    out-of-memory killer) is replaced and its files are retried one a task, then alone.
    Nothing is retried in this process: a file that kills a worker would kill apilint."""
    out: dict[str, ModuleSummary] = {}
    batches = [todo[i:i + BATCH] for i in range(0, len(todo), BATCH)]
    _run_batches(batches, min(workers, len(batches)), out, progress, len(todo), meanwhile)
    missing = [item for item in todo if item[1] not in out]
    if missing:
        _run_batches([[item] for item in missing], min(workers, len(missing)), out, progress, len(todo))
    for item in [item for item in todo if item[1] not in out]:
        # Alone in a fresh process: a second death names this file as the culprit.
        _run_batches([[item]], 1, out, progress, len(todo))
        if item[1] not in out:
            out[item[1]] = ModuleSummary(item[1], "", parse_error=(WORKER_CRASH, 1, 1))
    return list(out.values())


def _run_batches(batches: list[list[Task]], workers: int, out: dict[str, ModuleSummary],
                 progress: Callable[[int, int], None] | None, total: int,
                 meanwhile: Callable[[], None] | None = None) -> None:
    try:
        fast = sum(map(len, batches)) >= FAST_CONSTRUCTION_FILES
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(fast,)) as pool:
            futures = [pool.submit(_summarize_batch, batch) for batch in batches]
            if meanwhile is not None:
                meanwhile()  # parent work that needs no summaries, while the workers parse
            for future in futures:
                try:
                    batch_result = future.result()
                except BrokenProcessPool:
                    continue
                for summary in batch_result:
                    out[summary.path] = summary
                if progress is not None:
                    progress(len(out), total)
    except BrokenProcessPool:
        return


def run(config: Config, options: RunOptions) -> RunResult:
    """Analyze the given paths and return findings, diagnostics and the route map."""
    root = options.root.resolve() if options.root is not None else project_root(options.paths, config)
    if config.root != root:
        config = replace(config, root=root)  # adapters read non-Python files relative to it
    given_files = [p for p in options.paths if p.is_file()]
    only_files = bool(given_files) and len(given_files) == len(options.paths)
    scan_paths: Iterable[Path] = [root] if only_files else options.paths
    cache_dir = options.cache_dir or root / ".apilint_cache"
    # Opened (created) before discovery stamps the tree, so creating it changes no stamp.
    cache = SummaryCache.open(cache_dir, config) if options.use_cache else None
    found = discover(scan_paths, root, config.exclude, config.respect_gitignore, config.include_tests)
    files = list(found.files)
    texts = list(found.texts)
    if only_files:
        given = [p for p in given_files if p.name.endswith(".py") or not is_credential_file(p.name)]
        extra = [p.resolve() for p in given if p.resolve() not in set(files)]
        files = sorted(set(files) | set(extra), key=lambda p: relative_path(p, root))
        extra_texts = [p.resolve() for p in given_files if p not in given and p.resolve() not in set(texts)]
        texts = sorted(set(texts) | set(extra_texts), key=lambda p: relative_path(p, root))
    diagnostics = [Diagnostic("PARSE002", f"skipped: {why}", Location(entry_path(p, root), 0))
                   for p, why in found.skipped]
    dirs = [p for p in options.paths if p.is_dir()]
    base = dirs[0].resolve() if len(dirs) == 1 and not only_files else root
    while (base / "__init__.py").is_file() and base.parent != base:
        base = base.parent  # the analyzed folder is itself a package: names start above it
    # Without a cache no result key needs the rules first: importing them (a quarter second)
    # then overlaps with the worker processes parsing.
    rules: tuple[type[Rule], ...] = selected_rules(config, options.select, options.ignore) if cache is not None else ()
    report_files = frozenset(relative_path(p, root) for p in given_files) if only_files else None
    file_keys: dict[str, str] = {}
    result_key = _result_key(cache, [*files, *texts], root, base, rules, report_files, options.checklist, file_keys)
    if cache is not None and result_key is not None:
        stored = cache.load_result(result_key)
        if stored is not None:
            result = _from_stored(stored, diagnostics, rules, root, report_files)
            result.checklist = stored.get("checklist")  # type: ignore[assignment]
            result.stamps = found.stamps + tuple(stamps_with_digest(sorted(stored["inputs"])))  # type: ignore[call-overload]
            result.cache_dir = cache_dir
            return result
    def select_rules() -> None:
        """Import what the run needs after summarize (rules, adapters) while the workers parse."""
        nonlocal rules
        if not rules:
            rules = selected_rules(config, options.select, options.ignore)
        import apilint.link  # noqa: F401

    summaries = summarize_files(files, root, options.jobs, cache, base, options.progress, meanwhile=select_rules)
    select_rules()
    index = ProjectIndex(summaries)
    inputs: set[str] = set()
    from apilint.link import link_project  # the adapters are only needed when something changed

    routes, facts, link_diags = link_project(index, config, inputs)
    diagnostics += link_diags
    diagnostics += unknown_suppressions(summaries)
    text_files = tuple(t for t in (read_text_file(p, relative_resolved(p, root)) for p in texts) if t is not None)
    units = RuleUnits(ModuleKeys(index), cache.load_units(code_fingerprint()), file_keys) if cache is not None else None
    index.units = units
    if cache is not None:
        index.scan_loader = lambda mod: cache.load_scan(file_keys[mod.path]) if mod.path in file_keys else None
    ctx = RuleContext(routes, facts, index, config, texts=text_files)
    findings: list[Finding] = []
    for summary in summaries:
        if summary.parse_error is not None and summary.parse_error[0] == WORKER_CRASH:
            diagnostics.append(Diagnostic("INTERNAL", f"{WORKER_CRASH}; the file was not analyzed",
                                          Location(summary.path, 1), internal=True))
        elif summary.parse_error is not None:
            message, line, column = summary.parse_error
            findings.append(Finding("PARSE001", f"could not analyze this file: {message}", Severity.LOW,
                                    Confidence.HIGH, Location(summary.path, max(line, 1), max(column, 1)),
                                    fix="Fix the syntax error, or exclude the file if it is not Python 3 source",
                                    symbol=summary.path))
    for rule_findings, rule_diagnostics in run_rules(rules, ctx, options.jobs):
        findings += rule_findings
        diagnostics += rule_diagnostics
    if cache is not None and units is not None and not any(d.internal for d in diagnostics):
        entries = units.merged({m.path for m in summaries})
        if entries is not None:
            cache.store_units(code_fingerprint(), entries)
    kept, suppressed = filter_findings(findings, index, config, report_files, rules, text_files)
    quiet = 0 if config.show_unknown_auth else sum(1 for f in kept if f.quiet)
    if quiet:
        kept = [f for f in kept if not f.quiet]
    kept = with_fingerprints(kept, root)
    kept.sort(key=Finding.sort_key)
    readings = _read_checklist(routes, facts, index, config, kept, diagnostics) if options.checklist else None
    diagnostics.sort(key=lambda d: (d.location.file, d.location.line, d.code, d.message))
    result = RunResult(kept, diagnostics, rules, routes, facts, index, root, len(summaries), suppressed, report_files,
                       stamps=found.stamps + tuple(stamps_with_digest(sorted(inputs))),
                       cache_dir=cache_dir if cache is not None else None, quiet=quiet, checklist=readings)
    if cache is not None and result_key is not None and not any(d.internal for d in diagnostics):
        cache.store_result(result_key, {
            "findings": tuple(kept), "diagnostics": tuple(d for d in diagnostics if d.code != "PARSE002"),
            "routes": routes, "facts": facts, "files": len(summaries), "suppressed": suppressed, "quiet": quiet,
            "checklist": readings,
        }, inputs)
    return result


def _read_checklist(routes: RouteMap, facts: ProjectFacts, index: ProjectIndex, config: Config,
                    findings: list[Finding], diagnostics: list[Diagnostic]) -> ChecklistReadings | None:
    """Every route's checklist readings; a failure is an INTERNAL diagnostic, not a crash."""
    from apilint.checklist.route_steps import read_checklist

    try:
        return read_checklist(routes, facts, index, config, findings)
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
        diagnostics.append(Diagnostic("INTERNAL", f"the checklist failed: {type(exc).__name__}: {exc}{where}",
                                      Location(".", 0), internal=True))
        return None


def _result_key(cache: SummaryCache | None, files: Sequence[Path], root: Path, base: Path,
                rules: tuple[type[Rule], ...], report_files: frozenset[str] | None,
                checklist: bool = False, file_keys: dict[str, str] | None = None) -> str | None:
    """Key of the whole run's result: every file's content key, the rules, the report scope and
    whether the checklist was read. `file_keys` receives each file's content key by reported path."""
    if cache is None:
        return None
    # The rules' code decides the result too: without it an edited rule (an editable install, a
    # version not bumped) would be answered with the findings of the old one.
    parts = [",".join(r.code for r in rules), "|".join(sorted(report_files or ())), str(report_files is None),
             code_fingerprint(), f"checklist={checklist}"]
    for file in files:
        rel, module_rel = file_names(file, root, base)
        key = cache.key_for(file, f"{rel}|{module_rel}")
        if key is None:
            return None
        parts.append(key)
        if file_keys is not None:
            file_keys[rel] = key
    return cache.result_key(parts)


def _from_stored(stored: dict[str, object], skipped: list[Diagnostic], rules: tuple[type[Rule], ...],
                 root: Path, report_files: frozenset[str] | None) -> RunResult:
    """Rebuild a RunResult from a stored one (nothing changed since it was computed)."""
    diagnostics = sorted([*skipped, *stored["diagnostics"]],  # type: ignore[misc]
                         key=lambda d: (d.location.file, d.location.line, d.code, d.message))
    quiet = stored.get("quiet", 0)
    return RunResult(list(stored["findings"]), diagnostics, rules, stored["routes"],  # type: ignore[call-overload, arg-type]
                     stored["facts"], ProjectIndex(()), root, stored["files"], stored["suppressed"],  # type: ignore[arg-type]
                     report_files, quiet=quiet if isinstance(quiet, int) else 0)
