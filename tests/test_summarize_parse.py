"""libcst's parse with fast node construction builds the same trees, and leaves libcst as it was."""

from __future__ import annotations

import dataclasses
import textwrap

import libcst as cst
import pytest
from apilint.summarize import summarize_source
from apilint.summarize_parse import fast_construction, parse_unvalidated, validated_construction

SOURCE = textwrap.dedent('''\
    """A module with most of the syntax libcst has nodes for."""
    from __future__ import annotations
    import os, sys as system
    from .models import (User,
                         Item as Thing)

    @app.get("/items/{item_id}", response_model=list[Item])
    async def read(item_id: int, *args: str, q: str | None = None, **kw) -> dict[str, int]:
        global counter
        async with session() as s, lock:
            async for row in s.stream(select(Item).where(Item.id == item_id)):
                yield {**row, "n": [x async for x in row if x]}
        try:
            value = (yield)
        except* ValueError as exc:
            raise HTTPException(400, detail=f"bad {exc!r:>10}") from exc
        finally:
            del value

    class Service(Base, metaclass=Meta):
        x: int = 1
        def method(self, /, a, b=2, *, c) -> None:
            nonlocal_ = lambda y, *z: y if z else not y
            if (n := len(a)) > 10 and a is not None or b in c:
                return a[1:2, ::3] @ b
            elif ~a << 2 >= -b ** 3 % 4 // 5 | 6 & 7 ^ 8:
                pass
            else:
                assert a, "message"
            while True:
                break
            for i, (j, k) in enumerate(zip(a, b)):
                continue
            match command.split():
                case [str() as action, *rest] if rest:
                    print(action, rest, sep="")
                case {"key": 1, **others} | Point(x=0):
                    pass
                case _:
                    b'bytes' rb"raw"; u"u" """triple
    string"""
            a += 1; b: list[int]; c = d = {1, 2}; e = {k: v for k, v in c}
            return (i for i in range(3)), [*a], \\
                await other()
''')


def test_fast_construction_builds_the_same_tree() -> None:
    plain = parse_unvalidated(cst, SOURCE.encode())
    with fast_construction():
        fast = parse_unvalidated(cst, SOURCE.encode())
    assert fast.deep_equals(plain)
    assert fast.code == plain.code == SOURCE


def test_nodes_built_with_defaults_match() -> None:
    def build() -> cst.CSTNode:
        return cst.Call(func=cst.Attribute(value=cst.Name("app"), attr=cst.Name("get")),
                        args=[cst.Arg(value=cst.SimpleString('"/x"'))])

    with fast_construction():
        fast = build()
    assert fast.deep_equals(build())
    assert cst.Module(body=[cst.SimpleStatementLine([cst.Expr(fast)])]).code == 'app.get("/x")\n'


def test_libcst_is_restored_after_the_block() -> None:
    original = vars(cst.Name)["__init__"]
    with fast_construction():
        assert vars(cst.Name)["__init__"] is not original  # the speed-up is on
        with fast_construction():  # nested blocks leave the outer one on
            pass
        assert vars(cst.Name)["__init__"] is not original
        tree = cst.parse_module(b"x = 1\n")
    assert vars(cst.Name)["__init__"] is original
    with pytest.raises(dataclasses.FrozenInstanceError):
        tree.body = ()  # type: ignore[misc]
    with pytest.raises(cst.CSTValidationError):
        cst.Name("1x")  # construction validates again


def test_restored_after_an_error() -> None:
    original = vars(cst.Call)["__init__"]
    with pytest.raises(RuntimeError), fast_construction():
        raise RuntimeError("boom")
    assert vars(cst.Call)["__init__"] is original
    assert "__setattr__" in vars(cst.Call)


def test_summaries_are_the_same() -> None:
    plain = summarize_source(SOURCE.encode(), "app/main.py")
    with fast_construction():
        fast = summarize_source(SOURCE.encode(), "app/main.py")
    assert fast == plain
    assert plain.parse_error is None and plain.body


def test_validated_construction_inside_a_fast_block() -> None:
    original = vars(cst.Name)["__init__"]
    with fast_construction():
        with validated_construction():
            assert vars(cst.Name)["__init__"] is original
            with pytest.raises(cst.CSTValidationError):
                cst.Name("1x")
        assert vars(cst.Name)["__init__"] is not original  # fast again after it
    assert vars(cst.Name)["__init__"] is original


def test_a_file_cpython_rejects_stays_an_error_under_fast_construction() -> None:
    with fast_construction():  # as in a summarize worker
        summary = summarize_source(b'x = 1\ny = b"a" "b"\n', "odd.py")
    assert summary.parse_error is not None
    assert "cannot mix bytes" in summary.parse_error[0] and summary.parse_error[1] == 2
