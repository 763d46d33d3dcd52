"""`--diff REF`: findings new since a git revision, and route changes; the work tree is never touched."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from apilint.cli import main
from apilint.diff import DiffError, compare_routes, revision_tree

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

AUTH = """
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/token")


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    if not token:
        raise HTTPException(status_code=401)
    return {"id": 1}
"""

ITEMS = """
from fastapi import APIRouter

router = APIRouter(prefix="/items")


@router.get("/{item_id}")
def read_item(item_id: int) -> dict:
    return {"id": item_id}


@router.delete("/{item_id}")
def delete_item(item_id: int) -> None:
    return None
"""

MAIN = """
from fastapi import Depends, FastAPI

from app.auth import get_current_user
from app.items import router as items_router

app = FastAPI()
app.include_router(items_router, prefix="/api/v1", dependencies=[Depends(get_current_user)])


@app.post("/legacy/import")
def legacy_import(payload: dict) -> dict:
    return payload
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout


def _write(repo: Path, name: str, text: str) -> None:
    path = repo / "app" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    for name, text in (("__init__.py", ""), ("auth.py", AUTH), ("items.py", ITEMS), ("main.py", MAIN)):
        _write(root, name, text)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    return root


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return int(code) if isinstance(code, int) else 0, capsys.readouterr().out


def test_removed_router_dependency_is_caught_though_the_handlers_did_not_change(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main_py = (repo / "app" / "main.py").read_text()
    (repo / "app" / "main.py").write_text(main_py.replace(', dependencies=[Depends(get_current_user)]', ""))
    code, out = _run(capsys, "check", str(repo), "--no-cache", "--select", "AUTH001", "--format", "json",
                     "--diff", "HEAD")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert sorted(f["route"] for f in findings) == ["DELETE /api/v1/items/{item_id}", "GET /api/v1/items/{item_id}"]
    assert {f["file"] for f in findings} == {"app/items.py"}, "reported where the handlers are, not in the diff"
    # The legacy route was unprotected before the change too: not new, so not reported.
    code, out = _run(capsys, "check", str(repo), "--no-cache", "--select", "AUTH001", "--format", "markdown",
                     "--diff", "HEAD")
    assert "new since `HEAD`" in out and "1 already present in `HEAD`" in out


def test_no_change_means_nothing_new(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "check", str(repo), "--no-cache", "--select", "AUTH001", "--format", "json",
                     "--diff", "HEAD")
    assert code == 0 and json.loads(out)["findings"] == []


def test_routes_diff_lists_added_removed_and_reprotected(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main_py = (repo / "app" / "main.py").read_text()
    main_py = main_py.replace(', dependencies=[Depends(get_current_user)]', "")
    main_py = main_py.replace('@app.post("/legacy/import")', '@app.post("/v2/import")')
    (repo / "app" / "main.py").write_text(main_py)
    status_before = _git(repo, "status", "--porcelain")
    code, out = _run(capsys, "routes", str(repo), "--no-cache", "--diff", "HEAD")
    assert code == 0
    assert "~ DELETE /api/v1/items/{item_id}: auth required → none" in out
    assert "+ POST /v2/import: added (auth none)" in out
    assert "- POST /legacy/import: removed" in out
    _code, md = _run(capsys, "routes", str(repo), "--no-cache", "--diff", "HEAD", "--format", "markdown")
    assert "### Protection changed (2)" in md and "auth required → none" in md and "### Added (1)" in md
    _code, js = _run(capsys, "routes", str(repo), "--no-cache", "--diff", "HEAD", "--format", "json")
    assert sorted(c["kind"] for c in json.loads(js)["changes"]) == ["added", "changed", "changed", "removed"]
    assert _git(repo, "status", "--porcelain") == status_before, "the work tree is never touched"
    assert _git(repo, "stash", "list") == ""


def test_base_tree_is_read_from_git_objects(repo: Path) -> None:
    (repo / "app" / "items.py").write_text("# uncommitted\n")
    with revision_tree("HEAD", repo) as base:
        assert "read_item" in (base / "app" / "items.py").read_text()
    assert (repo / "app" / "items.py").read_text() == "# uncommitted\n"


def test_unknown_revision_and_non_repo_are_usage_errors(repo: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(repo), "--no-cache", "--diff", "no-such-branch"])
    assert exit_info.value.code == 2 and "unknown git revision 'no-such-branch'" in capsys.readouterr().err
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("x = 1\n")
    with pytest.raises(DiffError, match="git repository"), revision_tree("HEAD", plain):
        pass


def test_compare_routes_is_empty_for_identical_maps() -> None:
    assert compare_routes((), ()) == ()
