"""Running the rules: each rule's findings, a failing or runaway rule turned into an INTERNAL
diagnostic, and forked workers on large projects."""

from __future__ import annotations

import os
import signal
import threading
import traceback
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context

from apilint.model import Diagnostic, Finding, Location
from apilint.rule import Rule, RuleContext
from apilint.rule_units import UnitEntries

RuleResult = tuple[list[Finding], list[Diagnostic]]

PARALLEL_RULES_ROUTES = 1000
"""From this many routes, rules run in forked worker processes (one rule a task)."""
PARALLEL_RULES_MODULES = 2000
"""...or from this many modules: the pattern rules (SECRET, INJ outside routes) read every module.
Not lower: on Django's tree (876 modules) the rules cost 0.67 s of CPU in this process and 1.07 s
in two forked workers (each rebuilds the module scans it reads, and copy-on-write pages in the
summaries it touches), and took longer on a shared machine (1.9 s against 1.1 s)."""
SPLIT_RULES_MODULES = 400
"""Below the thresholds above, from this many modules (or routes), the rules run in two halves
at once: the rules that share the injection flow tables (`Rule.shares == "flow"`) here, the
others in one forked worker. Each half keeps the tables its rules share (the INJ flow rules'
call and callee tables; the pattern rules' module scans come made from the summarize workers),
so nothing is built twice; on Django's tree the rules' wall time fell from 0.55 s to 0.3 s.
Not lower: a fork costs about 20 ms."""
REUSED_HERE = 0.9
"""From this share of modules whose per-module rule results the last run left valid
(`apilint.rule_units`), the rules run in this process whatever the project's size: on Django's
tree with one file changed they take 0.13 s of CPU in all, less than forking and waiting costs."""
SPLIT_HERE = "flow"
"""The `Rule.shares` group that runs in this process when the rules run in two halves."""
_FORKED_CONTEXT: RuleContext | None = None
"""The context forked rule workers inherit (set only while their pool runs)."""


RULE_TIME_LIMIT = 600.0
"""Seconds one rule may run before it is stopped (`APILINT_RULE_TIME_LIMIT` overrides; 0 = none)."""


class RuleTimeLimit(BaseException):
    """Raised inside a rule that ran past its time limit (a BaseException, so that a rule's own
    `except Exception` cannot swallow it)."""


def _time_limit() -> float:
    try:
        return max(0.0, float(os.environ.get("APILINT_RULE_TIME_LIMIT", RULE_TIME_LIMIT)))
    except ValueError:
        return RULE_TIME_LIMIT


def _on_time_limit(signum: int, frame: object) -> None:
    raise RuleTimeLimit


def _check_rule(rule_cls: type[Rule], ctx: RuleContext) -> RuleResult:
    """One rule's findings; a rule bug becomes an INTERNAL diagnostic instead of a crash.

    A rule that runs past its time limit (a bug that loops on some input) is stopped the same
    way, so a CI job gets the other rules' findings and exit code 3 instead of hanging. The
    limit uses SIGALRM and so applies only where that exists, in a process's main thread.
    """
    limit = _time_limit()
    timed = limit > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _on_time_limit) if timed else None
    if timed:
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return list(rule_cls().check(ctx)), []
    except RuleTimeLimit:
        message = (f"rule {rule_cls.code} stopped after {limit:g} s without finishing; its findings are "
                   "missing (please report this with the file that triggers it)")
        return [], [Diagnostic("INTERNAL", message, Location(".", 0), internal=True)]
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
        message = f"rule {rule_cls.code} failed: {type(exc).__name__}: {exc}{where}"
        return [], [Diagnostic("INTERNAL", message, Location(".", 0), internal=True)]
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _check_rules_forked(rules: Sequence[type[Rule]]) -> tuple[list[RuleResult], UnitEntries]:
    """The rules' results, and the per-module results they made (for the parent to keep)."""
    ctx = _FORKED_CONTEXT
    assert ctx is not None
    results = [_check_rule(rule_cls, ctx) for rule_cls in rules]
    return results, (ctx.index.units.fresh if ctx.index.units is not None else {})


def _take_units(ctx: RuleContext, fresh: UnitEntries) -> None:
    if ctx.index.units is not None:
        ctx.index.units.add(fresh)


def run_rules(rules: Sequence[type[Rule]], ctx: RuleContext, jobs: int) -> list[RuleResult]:
    """Every rule's result, in rule order.

    On large projects the rules run in forked workers that inherit the linked project
    (copy-on-write, nothing is pickled but the findings): on 5,000 routes they took a fifth
    of a cold run in one process. On medium ones they run in two halves at once, one in a
    forked worker. Where fork is unavailable, or a worker dies, the rules not done run here.
    """
    workers = min(jobs if jobs > 0 else (os.cpu_count() or 1), len(rules))
    routes, modules = len(ctx.routes.routes), len(ctx.index.modules)
    if workers <= 1 or "fork" not in get_all_start_methods():
        return _completed(rules, ctx, {})
    if ctx.index.units is not None and ctx.index.units.reusable_share() >= REUSED_HERE:
        return _completed(rules, ctx, {})  # little left to do: a fork would cost more than it saves
    if routes >= PARALLEL_RULES_ROUTES or modules >= PARALLEL_RULES_MODULES:
        return _run_pooled(rules, ctx, workers)
    if max(routes, modules) >= SPLIT_RULES_MODULES:
        return _run_halves(rules, ctx)
    return _completed(rules, ctx, {})


def _completed(rules: Sequence[type[Rule]], ctx: RuleContext, done: dict[int, RuleResult]) -> list[RuleResult]:
    """Every rule's result in rule order: the ones `done` elsewhere, the others run here."""
    return [done[i] if i in done else _check_rule(rule_cls, ctx) for i, rule_cls in enumerate(rules)]


def _run_pooled(rules: Sequence[type[Rule]], ctx: RuleContext, workers: int) -> list[RuleResult]:
    """One rule a task in a pool of forked workers."""
    global _FORKED_CONTEXT
    done: dict[int, RuleResult] = {}
    _FORKED_CONTEXT = ctx
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            futures = {i: pool.submit(_check_rules_forked, [rule_cls]) for i, rule_cls in enumerate(rules)}
            for i, future in futures.items():
                try:
                    results, fresh = future.result()
                except BrokenProcessPool:
                    break
                done[i] = results[0]
                _take_units(ctx, fresh)
    except BrokenProcessPool:
        pass
    finally:
        _FORKED_CONTEXT = None
    return _completed(rules, ctx, done)


def _run_halves(rules: Sequence[type[Rule]], ctx: RuleContext) -> list[RuleResult]:
    """The `SPLIT_HERE` rules here while one forked worker runs the others."""
    global _FORKED_CONTEXT
    here = [i for i, rule_cls in enumerate(rules) if rule_cls.shares == SPLIT_HERE]
    there = [i for i, rule_cls in enumerate(rules) if rule_cls.shares != SPLIT_HERE]
    if not here or not there:
        return _completed(rules, ctx, {})
    done: dict[int, RuleResult] = {}
    _FORKED_CONTEXT = ctx
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
            future = pool.submit(_check_rules_forked, [rules[i] for i in there])
            _FORKED_CONTEXT = None  # the worker was forked at submit; nothing else needs it
            for i in here:
                done[i] = _check_rule(rules[i], ctx)
            results, fresh = future.result()
            done.update(zip(there, results, strict=True))
            _take_units(ctx, fresh)
    except BrokenProcessPool:
        pass  # the worker died: its rules run here below
    finally:
        _FORKED_CONTEXT = None
    return _completed(rules, ctx, done)


__all__ = ["PARALLEL_RULES_MODULES", "PARALLEL_RULES_ROUTES", "RULE_TIME_LIMIT", "SPLIT_RULES_MODULES", "RuleTimeLimit",
           "run_rules"]
