"""Line numbers stay right: CPython-`ast` pairing and the PositionProvider fallback agree,
whatever the line endings, encoding declarations or syntax version of the file."""

from __future__ import annotations

import gc
from pathlib import Path

import apilint.summarize as summarize
import pytest
from apilint.summarize import summarize_source
from apilint.summary import Stmt

from tests.robustness.appgen import check_json, keys, write

REPO = Path(__file__).resolve().parents[1]

APP = '''\
# -*- coding: {cookie} -*-
"""Users API."""
from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter()
NAME = "{word}"


@router.get(
    "/users/{{user_id}}",
    response_model=dict,
)
def read_user(user_id: int) -> dict:
    return {{}}


@app.delete("/users/{{user_id}}")
@some.other(
    decorator=True,
)
async def delete_user(
    user_id: int,
) -> None:
    return None


app.include_router(router)
'''
"""Two routes: GET on the `def` at line 14, DELETE on the `def` at line 22."""

EXPECTED = {("app.py", 14, "AUTH001"), ("app.py", 22, "AUTH001")}


def _variants() -> dict[str, bytes]:
    utf8 = APP.format(cookie="utf-8", word="caf\u00e9").encode()
    latin = APP.format(cookie="latin-1", word="caf\u00e9").encode("latin-1")
    return {
        "lf": utf8,
        "crlf": utf8.replace(b"\n", b"\r\n"),
        "lone_cr": utf8.replace(b"\n", b"\r"),
        "mixed_endings": b"".join(line + (b"\r\n", b"\n", b"\r")[i % 3]
                                  for i, line in enumerate(utf8.split(b"\n")[:-1])),
        "form_feeds": utf8.replace(b"\n\n\n", b"\n\x0c\n\x0c\n"),
        "bom": b"\xef\xbb\xbf" + utf8,
        "latin1_cookie": latin,
        "latin1_cookie_crlf": latin.replace(b"\n", b"\r\n"),
        "tabs": utf8.replace(b"    return", b"\treturn"),
        "py312_syntax": utf8 + b"\n\ntype UserId = int\n\n\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\n",
        "py312_fstring": utf8 + b'\n\nLABEL = f"{"nested"} quotes"\n',
    }


@pytest.mark.parametrize(("name", "source"), sorted(_variants().items()))
def test_finding_lines_survive_encodings_and_line_endings(name: str, source: bytes, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"app.py": source})
    code, report = check_json(tmp_path, capsys)
    assert code == 1
    assert keys(report, "AUTH001") == EXPECTED
    assert keys(report, "PARSE001") == set()


def _lines(stmts: tuple[Stmt, ...]) -> list[tuple[str, int, int, tuple[int, ...]]]:
    out = []
    for stmt in stmts:
        decorators: tuple[int, ...] = ()
        if stmt.func is not None:
            decorators = tuple(d.line for d in stmt.func.decorators)
            out += _lines(stmt.func.body)
        if stmt.cls is not None:
            decorators = tuple(d.line for d in stmt.cls.decorators)
            out += _lines(stmt.cls.body)
        out.append((stmt.kind, stmt.line, stmt.end_line, decorators))
        for block in (stmt.body, stmt.orelse, stmt.handlers, stmt.finalbody):
            out += _lines(block)
    return out


def _fallback(source: bytes, path: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int, tuple[int, ...]]]:
    with monkeypatch.context() as patch:
        patch.setattr(summarize, "_ast_parse", lambda src: (None, SyntaxError("pretend 3.12 syntax")))
        summary = summarize_source(source, path)
    assert summary.parse_error is None
    return _lines(summary.body)


CORPUS = sorted([*(REPO / "analyzer").glob("*.py"), *(REPO / "analyzer" / "frameworks").glob("f*.py")])


@pytest.mark.parametrize("file", CORPUS[:12], ids=lambda p: p.name)
def test_ast_pairing_and_position_fallback_agree(file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = file.read_bytes()
    fast = summarize_source(source, file.name)
    assert fast.parse_error is None
    assert _lines(fast.body) == _fallback(source, file.name, monkeypatch)


@pytest.mark.parametrize(("name", "source"), sorted(_variants().items()))
def test_fallback_agrees_on_odd_files(name: str, source: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    if name.startswith("py312"):
        pytest.skip("the fast path cannot read this syntax on every interpreter")
    fast = summarize_source(source, "app.py")
    assert fast.parse_error is None
    assert _lines(fast.body) == _fallback(source, "app.py", monkeypatch)


def test_statement_lines_are_exact() -> None:
    source = b"import os\r\nx = (1,\r\n     2)\r\n\x0c\r\n@dec\r\nclass A:\r\n    y: int = 3\r\n"
    body = summarize_source(source, "m.py").body
    assert [(s.kind, s.line, s.end_line) for s in body] == [("import", 1, 1), ("assign", 2, 3), ("class", 6, 7)]
    assert body[2].cls is not None and body[2].cls.decorators[0].line == 5


def test_parse_error_position_comes_from_cpython() -> None:
    summary = summarize_source(b"ok = 1\n\nresult = compute(1, 2\nnext_line = 3\n", "m.py")
    assert summary.parse_error is not None
    message, line, column = summary.parse_error
    assert (line, column) == (3, 17) and "never closed" in message


def test_summarizing_leaves_no_cyclic_garbage() -> None:
    """Summaries are made with the cyclic GC paused: what a file's summary needed (the
    converter, the line table, both syntax trees) must be freed on return, not held for the
    next collection, or a one-process run holds every file's trees at once."""
    source = (b"import os\nfrom app import db\n\n@app.get('/x')\ndef f(q: str = ''):\n"
              b"    if q:\n        return {'q': [i for i in q]}\n    try:\n        db.run(q)\n"
              b"    except Exception as exc:\n        return str(exc)\n")
    summarize_source(source, "app/main.py")  # imports and caches warmed
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        summarize_source(source, "app/main.py")
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
