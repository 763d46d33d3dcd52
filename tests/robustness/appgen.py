"""Generators of small FastAPI projects for the robustness, determinism and cache tests.

The projects are written to disk and analyzed; they are never imported or run.
"""

from __future__ import annotations

from pathlib import Path

AUTH_APP = '''\
from fastapi import FastAPI

app = FastAPI()


@app.delete("/users/{user_id}")
def delete_user(user_id: int) -> None:
    ...
'''
"""A one-file app with exactly one finding: AUTH001 on the `def` line (7)."""

AUTH_APP_LINE = 7


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (relative path -> text or bytes) under `root`; returns `root`."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


DEPS = '''\
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    if not token:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return {"token": token}
'''


def router_module(index: int, protected: bool) -> str:
    """One router module with a read and a delete endpoint, with or without the auth dependency."""
    dep = ", user: dict = Depends(get_current_user)" if protected else ""
    return f'''\
from fastapi import APIRouter, Depends

from app.deps import get_current_user

router = APIRouter()


@router.get("/")
def list_things_{index}(limit: int = 10{dep}) -> list:
    return []


@router.delete("/{{thing_id}}")
def delete_thing_{index}(thing_id: int{dep}) -> None:
    return None
'''


def many_file_app(root: Path, routers: int = 30, every_unprotected: int = 3) -> Path:
    """A FastAPI project with `routers` router modules (enough to use the process pool).

    Every `every_unprotected`-th router has no auth dependency, so the run has findings.
    """
    files: dict[str, str | bytes] = {"app/__init__.py": "", "app/deps.py": DEPS, "app/routers/__init__.py": ""}
    imports, includes = [], []
    for i in range(routers):
        name = f"things_{i:02d}"
        files[f"app/routers/{name}.py"] = router_module(i, protected=i % every_unprotected != 0)
        imports.append(f"from app.routers import {name}")
        includes.append(f'app.include_router({name}.router, prefix="/v1/{name}")')
    files["app/main.py"] = "from fastapi import FastAPI\n\n" + "\n".join(imports) + (
        "\n\napp = FastAPI()\n\n" + "\n".join(includes) + "\n")
    return write(root, files)


def run_cli(args: list[str], capsys: object) -> tuple[int, str, str]:
    """Run `apilint ARGS` in this process: (exit code, stdout, stderr)."""
    import pytest
    from apilint.cli import main

    assert isinstance(capsys, pytest.CaptureFixture)
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    out, err = capsys.readouterr()
    return code, out, err


def check_json(root: Path, capsys: object, *extra: str) -> tuple[int, dict[str, object]]:
    """`apilint check ROOT --format json --no-cache`: (exit code, parsed report)."""
    import json

    code, out, err = run_cli(["check", str(root), "--format", "json", "--no-cache", *extra], capsys)
    assert "Traceback" not in err, err
    return code, json.loads(out)


def keys(report: dict[str, object], code: str | None = None) -> set[tuple[str, int, str]]:
    """(file, line, code) of the report's findings, optionally of one code."""
    findings = report["findings"]
    assert isinstance(findings, list)
    return {(f["file"], f["line"], f["code"]) for f in findings if code is None or f["code"] == code}
