"""Bad input becomes a diagnostic, never a crash, and the rest of the run is still analyzed.

Every case writes one odd file next to a FastAPI app with a known AUTH001 finding and checks
the exit code, the PARSE001 finding (with CPython's line and column where there is one) and
that the app's finding is still reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.robustness.appgen import AUTH_APP, AUTH_APP_LINE, check_json, keys, write


@dataclass(frozen=True)
class Case:
    name: str
    source: bytes
    parse_error: tuple[int, int | None, str] | None
    """(line, column or None, message fragment) of the expected PARSE001, or None: it parses."""


CASES = [
    Case("syntax_error", b"x = 1\ndef f(:\n    pass\n", (2, 7, "invalid syntax")),
    Case("unclosed_paren", b"x = (1,\ny = 2\n", (1, 5, "never closed")),
    Case("python2_print", b"import sys\nprint 'hello'\n", (2, 1, "Missing parentheses")),
    Case("python2_exec_octal", b"x = 0777\n", (1, None, "syntax error")),
    Case("undecodable_utf8", b"x = 1\ny = '\xff\xfe'\n", (2, None, "utf-8")),
    Case("latin1_without_cookie", "name = 'caf\xe9'\n".encode("latin-1"), (1, None, "utf-8")),
    Case("wrong_cookie", b"# -*- coding: no-such-codec -*-\nx = 1\n", (1, None, "no-such-codec")),
    Case("latin1_cookie", "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1"), None),
    Case("bom", b"\xef\xbb\xbfx = 1\n", None),
    Case("bom_and_utf8_cookie", b"\xef\xbb\xbf# coding: utf-8\nx = 1\n", None),
    Case("bytes_and_str_concatenated", b'x = 1\ny = b"a" "b"\n', (2, None, "cannot mix bytes")),
    Case("nul_bytes", b"x = 1\nab\x00cd\n", (2, 3, "NUL")),
    Case("crlf", b"x = 1\r\ndef f():\r\n    return 1\r\n", None),
    Case("lone_cr", b"x = 1\rdef f():\r    return 1\r", None),
    Case("form_feed", b"x = 1\n\x0c\ndef f():\n    return 1\n", None),
    Case("tabs_only", b"if True:\n\tx = 1\n\ty = 2\n", None),
    Case("tab_space_mix", b"if True:\n\tx = 1\n        y = 2\n", (3, None, "tabs and spaces")),
    Case("backslash_before_crlf_at_eof", b"x = 1\r\n\\\r\n", None),
    Case("backslash_at_eof", b"x = 1\n\\", (2, None, "EOF")),
    Case("empty", b"", None),
    Case("only_comments", b"# nothing here\n", None),
    Case("binary_named_py", bytes(range(1, 256)) * 8, (1, None, "syntax error")),
    Case("binary_with_nul", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), (1, 8, "NUL")),
    Case("deep_parentheses", b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n", (1, None, "nested too deeply")),
    Case("deep_lists", b"x = " + b"[" * 3000 + b"]" * 3000 + b"\n", (1, None, "nested too deeply")),
    Case("long_operator_chain", b"x = " + b"1 + " * 20000 + b"1\n", (1, None, "nested too deeply")),
    Case("deep_unary", b"x = " + b"-" * 20000 + b"1\n", (1, None, "nested too deeply")),
    Case("deep_attributes", b"x = a" + b".b" * 20000 + b"\n", (1, None, "nested too deeply")),
    Case("deep_subscripts", b"x = a" + b"[0]" * 20000 + b"\n", (1, None, "nested too deeply")),
    Case("deep_indentation", b"".join(b" " * i + b"if a:\n" for i in range(150)) + b" " * 150 + b"pass\n",
         (101, None, "nested too deeply")),
    Case("moderate_nesting", b"x = " + b"(" * 150 + b"1" + b")" * 150 + b"\nz = " + b"1 + " * 500 + b"1\n",
         None),
    Case("pep695_generics", b"def first[T](xs: list[T]) -> T:\n    return xs[0]\n\ntype Pair = tuple[int, int]\n"
         b"class Box[T]:\n    pass\n", None),
    Case("pep701_fstrings", b'x = f"{"nested"}"\ny = f"{\'a\' + f\'{1}\'}"\n', None),
    Case("match_statement", b"match cmd:\n    case [x, *rest]:\n        pass\n    case {'k': v}:\n        pass\n"
         b"    case _:\n        pass\n", None),
    Case("except_star", b"try:\n    pass\nexcept* ValueError as group:\n    pass\n", None),
    Case("walrus_and_posonly", b"def f(a, /, b, *, c):\n    if (n := a):\n        return n\n", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_file_is_a_diagnostic_and_the_rest_is_analyzed(case: Case, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.py": AUTH_APP, "odd.py": case.source})
    code, report = check_json(tmp_path, capsys)
    assert code == 1  # the AUTH001 finding (and PARSE001 when there is one): findings, not a failure
    assert ("main.py", AUTH_APP_LINE, "AUTH001") in keys(report)
    assert report["diagnostics"] == []
    parse = [f for f in report["findings"] if f["code"] == "PARSE001"]  # type: ignore[union-attr]
    if case.parse_error is None:
        assert parse == []
        return
    line, column, fragment = case.parse_error
    assert len(parse) == 1
    assert (parse[0]["file"], parse[0]["line"]) == ("odd.py", line)
    if column is not None:
        assert parse[0]["column"] == column
    assert fragment.lower() in parse[0]["message"].lower()


def test_parse_error_is_a_low_finding_that_fail_on_can_ignore(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"odd.py": b"def f(:\n"})
    code, report = check_json(tmp_path, capsys)
    assert code == 1 and keys(report) == {("odd.py", 1, "PARSE001")}
    code, _ = check_json(tmp_path, capsys, "--fail-on", "medium")
    assert code == 0


def test_huge_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """20 MB: one long string literal and a long comment around a route. Time-boxed at 30 s."""
    body = b'BLOB = """' + b"0123456789abcdef" * (10 * 1024 * 1024 // 16) + b'"""\n'
    body += b"# " + b"x" * (10 * 1024 * 1024) + b"\n"
    write(tmp_path, {"main.py": AUTH_APP, "blob.py": body + AUTH_APP.encode()})
    assert (tmp_path / "blob.py").stat().st_size > 20_000_000
    start = time.monotonic()
    code, report = check_json(tmp_path, capsys)
    assert time.monotonic() - start < 30
    assert code == 1
    assert {("main.py", AUTH_APP_LINE, "AUTH001"), ("blob.py", AUTH_APP_LINE + 2, "AUTH001")} <= keys(report)


def test_hundred_thousand_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """100,000 lines (comments and blank lines around simple statements); the route's line is exact."""
    filler = "".join(f"# line {i}\n" if i % 10 else f"value_{i} = {i}\n" for i in range(100_000))
    write(tmp_path, {"big.py": filler + AUTH_APP})
    code, report = check_json(tmp_path, capsys)
    assert code == 1
    assert ("big.py", 100_000 + AUTH_APP_LINE, "AUTH001") in keys(report)
