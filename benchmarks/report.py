"""Turn the measured samples into Markdown tables, target verdicts and a JSON record."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cases import Case, Target
from measure import Sample, Spread, paired_ratios, spread


@dataclass(frozen=True)
class Verdict:
    """A target (or a reference ratio) evaluated on this run's samples."""

    target: Target
    value: Spread | None
    """Paired wall ratio (or peak MiB over all runs); None when not measured."""
    cpu: Spread | None = None
    """Paired CPU-time ratio, for ratio targets: less sensitive to a busy machine than wall."""
    note: str = ""

    @property
    def passed(self) -> bool | None:
        """True or False once measured against a bound, else None."""
        if self.value is None or self.target.bound is None:
            return None
        return self.value.median <= self.target.bound

    def summary(self) -> str:
        """One-line verdict with the margin to the bound."""
        if self.value is None:
            return f"not measured ({self.note})"
        if self.target.bound is None:
            return "reference"
        margin = self.value.median / self.target.bound - 1
        if self.passed:
            return f"PASS ({-margin:.1%} under the bound)"
        return f"FAIL (misses by {margin:.1%})"

    def as_dict(self) -> dict[str, object]:
        """Return the verdict as a JSON-ready dict."""
        return {
            **asdict(self.target),
            "value": None if self.value is None else self.value.as_dict(),
            "cpu_ratio": None if self.cpu is None else self.cpu.as_dict(),
            "passed": self.passed,
            "note": self.note,
        }


def failed(samples: list[Sample], case: Case) -> bool:
    """True when any run of ``case`` exited with a code it should not have."""
    return any(s.returncode not in case.ok_codes for s in samples)


def evaluate(target: Target, cases: dict[str, Case], samples: dict[str, list[Sample]], skipped: str) -> Verdict:
    """Evaluate ``target``: paired ratio medians (wall and CPU), or the highest peak RSS."""
    if target.denominator is None:
        keys = [k for k in cases if k.startswith(target.numerator)]
        if not keys:
            return Verdict(target, None, note=skipped or "no matching runs")
        peaks = [s.peak_mib for k in keys for s in samples[k]]
        return Verdict(target, Spread(max(peaks), min(peaks), max(peaks), len(peaks)))
    pair = (target.numerator, target.denominator)
    missing = [k for k in pair if k not in cases]
    if missing:
        return Verdict(target, None, note=skipped or f"not run: {', '.join(missing)}")
    bad = [k for k in pair if failed(samples[k], cases[k])]
    if bad:
        return Verdict(target, None, note=f"run failed: {', '.join(bad)}")
    num, den = samples[pair[0]], samples[pair[1]]
    return Verdict(target, paired_ratios(num, den, "wall"), paired_ratios(num, den, "cpu"))


def results_table(cases: list[Case], samples: dict[str, list[Sample]]) -> str:
    """A Markdown table: one row per case, wall/CPU medians (min-max), peak RSS, lines/s."""
    rows = [
        "| corpus | command | wall s, median (min-max) | CPU s | peak RSS MiB | lines/s | n | load avg |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        runs = samples[case.key]
        wall = spread([s.wall for s in runs])
        cpu = spread([s.cpu for s in runs])
        peak = max(s.peak_mib for s in runs)
        load = spread([s.load for s in runs])
        status = " **(failed: exit " + _codes(runs) + ")**" if failed(runs, case) else ""
        rows.append(
            f"| {case.corpus.name} | {case.label}{status} | {wall} | {cpu.median:.3g} | "
            f"{peak:.0f} | {case.corpus.lines / wall.median:,.0f} | {wall.n} | "
            f"{load.low:.1f}-{load.high:.1f} |"
        )
    return "\n".join(rows)


def _codes(runs: list[Sample]) -> str:
    return ",".join(sorted({str(s.returncode) for s in runs}))


def targets_table(verdicts: list[Verdict]) -> str:
    """A Markdown table of targets and reference ratios: paired medians (min-max), verdict."""
    rows = [
        "| target / reference | wall ratio, median (min-max) | CPU ratio | bound | verdict |",
        "|---|---|---|---|---|",
    ]
    for v in verdicts:
        mib = " MiB" if v.target.unit == "MiB" else ""
        value = "—" if v.value is None else f"{v.value}{mib}"
        cpu = "—" if v.cpu is None else f"{v.cpu.median:.3g}"
        bound = "—" if v.target.bound is None else f"{v.target.bound:g}{mib}"
        rows.append(f"| {v.target.name} | {value} | {cpu} | {bound} | {v.summary()} |")
    return "\n".join(rows)


def case_record(case: Case, runs: list[Sample]) -> dict[str, object]:
    """The JSON record of one case: command, samples and summaries."""
    return {
        "key": case.key,
        "corpus": case.corpus.name,
        "label": case.label,
        "tool": case.tool,
        "argv": case.argv,
        "failed": failed(runs, case),
        "wall": spread([s.wall for s in runs]).as_dict(),
        "cpu": spread([s.cpu for s in runs]).as_dict(),
        "peak_mib_max": max(s.peak_mib for s in runs),
        "lines_per_s": case.corpus.lines / spread([s.wall for s in runs]).median,
        "samples": [
            {**asdict(s), "stderr_tail": s.stderr_tail if s.returncode not in case.ok_codes else ""} for s in runs
        ],
    }
