"""Patterns defined at import compile on first use (`apilint.lazy_regex`)."""

from __future__ import annotations

import re

import pytest
from apilint.lazy_regex import lazy_compile


def test_a_lazy_pattern_compiles_on_first_use_and_then_answers_like_a_compiled_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real = re.compile

    def counting(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    pattern = lazy_compile(r"ab+", re.IGNORECASE)
    assert compiled == []  # nothing at definition
    assert pattern.search("xABBy") is not None and pattern.fullmatch("ab") is not None
    assert pattern.sub("-", "abab") == "--" and pattern.split("1ab2") == ["1", "2"]
    assert [m.group() for m in pattern.finditer("ab abb")] == ["ab", "abb"]
    assert pattern.pattern == "ab+" and pattern.flags & re.IGNORECASE
    assert compiled == ["ab+"]  # once


def test_a_bad_pattern_fails_where_it_is_used() -> None:
    pattern = lazy_compile(r"(unclosed")
    with pytest.raises(re.error):
        pattern.search("x")
