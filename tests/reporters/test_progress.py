"""The progress bar: only for human output on a TTY outside CI, and only after a delay."""

from __future__ import annotations

import io

from apilint.progress import ProgressBar, progress_wanted


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_for_human_formats_on_a_tty_outside_ci() -> None:
    tty, pipe = _Tty(), io.StringIO()
    assert progress_wanted(["text"], tty, {})
    assert not progress_wanted(["text"], pipe, {})
    assert not progress_wanted(["text"], tty, {"CI": "true"})
    assert not progress_wanted(["text"], tty, {"TERM": "dumb"})
    for fmt in ("json", "sarif", "github", "gitlab", "markdown"):
        assert not progress_wanted(["text", fmt], tty, {})


def test_bar_waits_for_the_delay_then_draws_and_clears() -> None:
    stream = _Tty()
    slow = ProgressBar(stream, delay=3600)
    slow(1, 10)
    assert not slow.shown and stream.getvalue() == ""
    fast = ProgressBar(stream, delay=0)
    fast(1, 10)
    fast(5, 10)
    assert fast.shown
    fast.close()
    assert not fast.shown
