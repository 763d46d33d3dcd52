"""Time one command as a whole process and summarize series of such measurements.

Peak RSS comes from ``os.wait4``: for a process that has exited, Linux reports in
``ru_maxrss`` the largest resident set of that process and of every descendant it waited
for, so for a process pool it is the largest single process (parent or one worker), not
their sum. CPU is user + system time of the process and its waited-for descendants.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

STDERR_TAIL = 2000


@dataclass(frozen=True)
class Sample:
    """One measured run of a command."""

    wall: float
    """Elapsed seconds from spawn to exit."""
    cpu: float
    """User + system seconds of the process and its waited-for descendants."""
    peak_mib: float
    """Peak RSS of the largest single process, MiB."""
    returncode: int
    stderr_tail: str
    load: float
    """The 1-minute load average just before the start (how busy the machine was)."""


@dataclass(frozen=True)
class Spread:
    """Median with min and max of a series."""

    median: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        if self.n == 1:
            return f"{self.median:.3g}"
        return f"{self.median:.3g} ({self.low:.3g}-{self.high:.3g})"

    def as_dict(self) -> dict[str, float]:
        """Return the spread as a JSON-ready dict."""
        return {"median": self.median, "min": self.low, "max": self.high, "n": self.n}


def spread(values: Sequence[float]) -> Spread:
    """Return the median, min and max of ``values`` (not empty)."""
    return Spread(statistics.median(values), min(values), max(values), len(values))


def paired_ratios(numerators: Sequence[Sample], denominators: Sequence[Sample], attr: Literal["wall", "cpu"]) -> Spread:
    """Return the spread of per-round ratios of ``attr`` (run i of A ÷ run i of B)."""
    pairs = zip(numerators, denominators, strict=True)
    return spread([getattr(a, attr) / getattr(b, attr) for a, b in pairs])


def run_measured(argv: Sequence[str], cwd: Path, env: Mapping[str, str], stderr_path: Path) -> Sample:
    """Run ``argv`` to completion, stdout discarded, and return its wall, CPU and peak RSS."""
    load = os.getloadavg()[0]
    with stderr_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    tail = stderr_path.read_bytes()[-STDERR_TAIL:].decode("utf-8", "replace")
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
        returncode=proc.returncode,
        stderr_tail=tail,
        load=load,
    )
