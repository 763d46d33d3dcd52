"""A progress bar on stderr for long interactive runs, and never anywhere else."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import IO, Any

DELAY_SECONDS = 1.0
"""The bar appears only once a run has taken this long."""
HUMAN_FORMATS = frozenset({"text", "table"})


def progress_wanted(formats: list[str], stream: IO[str] | None = None,
                    environ: Mapping[str, str] | None = None) -> bool:
    """True when a bar may be shown: human output only, stderr a TTY, not in CI, not TERM=dumb."""
    stream = stream if stream is not None else sys.stderr
    env = environ if environ is not None else os.environ
    if any(fmt not in HUMAN_FORMATS for fmt in formats):
        return False
    if env.get("CI") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ProgressBar:
    """Callable progress sink for `RunOptions.progress`; starts drawing after `DELAY_SECONDS`."""

    def __init__(self, stream: IO[str] | None = None, delay: float = DELAY_SECONDS) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._delay = delay
        self._start = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        """Record progress; draw the bar once the run is slow enough to warrant one."""
        if self._progress is None:
            if time.monotonic() - self._start < self._delay or done >= total:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(file=self._stream, stderr=self._stream is sys.stderr)
            self._progress = Progress(TextColumn("apilint: parsing"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task("parse", total=total)
        self._progress.update(self._task, completed=done, total=total)

    @property
    def shown(self) -> bool:
        """True once the bar has been drawn."""
        return self._progress is not None

    def close(self) -> None:
        """Remove the bar (it is transient) and restore the terminal."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
