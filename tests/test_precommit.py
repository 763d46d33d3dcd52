"""pre-commit: given changed files, apilint links the whole project and reports on those files only.

The slow test runs the real `pre-commit` against a temporary git repository that uses the hook
from a temporary git copy of this checkout (the checkout itself may hold uncommitted work). It
installs the hook environment from PyPI; skip it with `-m "not slow"`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from apilint.config import Config
from apilint.engine import RunOptions, run

REPO = Path(__file__).resolve().parents[1]

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


@router.delete("/{item_id}")
def delete_item(item_id: int) -> None:
    return None
"""

MAIN = """
from fastapi import Depends, FastAPI

from app.auth import get_current_user
from app.items import router as items_router

app = FastAPI()
app.include_router(items_router, dependencies=[Depends(get_current_user)])


@app.post("/import")
def import_data(payload: dict) -> dict:
    return payload
"""


def _write_app(root: Path, main: str = MAIN) -> None:
    (root / "app").mkdir(parents=True, exist_ok=True)
    for name, text in (("__init__.py", ""), ("auth.py", AUTH), ("items.py", ITEMS), ("main.py", main)):
        (root / "app" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _keys(root: Path, *files: str) -> set[tuple[str, str]]:
    options = RunOptions(tuple(root / f for f in files), jobs=1, use_cache=False, select=("AUTH001",))
    return {(f.location.file, f.route or "") for f in run(Config(root=root), options).findings}


def test_given_files_are_linked_with_the_whole_project(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # marks the project root, as in a real repository
    _write_app(tmp_path)
    # items.py alone looks unprotected; its auth comes from main.py, which is still linked.
    assert _keys(tmp_path, "app/items.py") == set()
    assert _keys(tmp_path, "app/main.py") == {("app/main.py", "POST /import")}
    _write_app(tmp_path, MAIN.replace(", dependencies=[Depends(get_current_user)]", ""))
    # Only the file given is reported on, though main.py has a finding too.
    assert _keys(tmp_path, "app/items.py") == {("app/items.py", "DELETE /items/{item_id}")}


def test_hook_manifest() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "apilint")
    assert hook["entry"] == "apilint" and hook["language"] == "python"
    assert hook["types"] == ["python"] and hook["require_serial"] is True


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


def _hook_repo(dest: Path) -> str:
    """A committed git copy of this checkout's installable files; returns the commit id."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".apilint_cache", "*.egg-info", "build")
    for name in ("analyzer", "rules"):
        shutil.copytree(REPO / name, dest / name, ignore=skip)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    if not (dest / "README.md").exists():
        (dest / "README.md").write_text("apilint\n", encoding="utf-8")
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "hook")
    return _git(dest, "rev-parse", "HEAD")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_real_pre_commit_fails_on_a_finding_and_passes_when_clean(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[dev]')")
    hook_dir, project = tmp_path / "hook", tmp_path / "project"
    hook_dir.mkdir()
    project.mkdir()
    rev = _hook_repo(hook_dir)
    _git(project, "init", "-q")
    _write_app(project, MAIN.replace(", dependencies=[Depends(get_current_user)]", ""))
    config = {"repos": [{"repo": str(hook_dir), "rev": rev, "hooks": [{"id": "apilint"}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _git(project, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    env.pop("CI", None)

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "run", "--files", *files], cwd=project, env=env, capture_output=True,
                              text=True, timeout=600)

    failing = hook("app/items.py")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "AUTH001" in failing.stdout and "app/items.py" in failing.stdout
    assert "app/main.py" not in failing.stdout.split("apilint", 1)[-1], "only the given file is reported"
    _write_app(project)  # the router gets its auth dependency back
    _git(project, "add", "-A")
    passing = hook("app/items.py")
    assert passing.returncode == 0, passing.stdout + passing.stderr
