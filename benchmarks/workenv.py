"""The benchmark's own virtualenv: apilint from this checkout, django (the corpus), bandit, ruff.

Everything lives under ``benchmarks/.work/`` (git-ignored). The peers are pinned to the
versions measured in shared/PERF-NOTES.md, django to one release so that the corpus is fixed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
PINNED = ("django==5.2.19", "bandit==1.9.4", "ruff==0.17.6")
REPORTED_VERSIONS = ("apilint", "libcst", "django", "bandit", "ruff")


@dataclass(frozen=True)
class BenchEnv:
    """A virtualenv with the tools under test."""

    root: Path

    @property
    def python(self) -> Path:
        """The venv's interpreter."""
        return self.root / "bin" / "python"

    def tool(self, name: str) -> str:
        """Return the path of console script ``name`` in the venv."""
        return str(self.root / "bin" / name)

    def environ(self) -> dict[str, str]:
        """Return the environment for child processes: the venv first on PATH, no PYTHONPATH."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["VIRTUAL_ENV"] = str(self.root)
        env["PATH"] = f"{self.root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def query(self, code: str) -> str:
        """Run a snippet with the venv's interpreter and return its stdout (stripped)."""
        out = subprocess.run(
            [str(self.python), "-c", code],
            env=self.environ(),
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def site_packages(self) -> Path:
        """Return the venv's site-packages directory."""
        return Path(self.query("import sysconfig; print(sysconfig.get_paths()['purelib'])"))

    def versions(self) -> dict[str, str]:
        """Return the installed versions of the tools under test (metadata only, no import)."""
        code = (
            "import importlib.metadata as m, json\n"
            "def v(p):\n"
            "    try:\n"
            "        return m.version(p)\n"
            "    except m.PackageNotFoundError:\n"
            "        return 'not installed'\n"
            f"print(json.dumps({{p: v(p) for p in {list(REPORTED_VERSIONS)!r}}}))"
        )
        versions: dict[str, str] = json.loads(self.query(code))
        return versions


def _pip(env: BenchEnv, *args: str) -> None:
    """Run pip in the benchmark venv, quietly; raise on failure."""
    subprocess.run(
        [str(env.python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        env=env.environ(),
        check=True,
    )


def prepare_env(install: bool = True) -> BenchEnv:
    """Create the venv if missing and install the pinned peers and apilint from the checkout.

    apilint is force-reinstalled on every call so that the benchmark measures the checkout as
    it is now; the pinned peers are left alone once present. A failed apilint install does not
    stop the benchmark: :func:`apilint_problem` then reports it and the apilint rows are skipped.
    """
    env = BenchEnv(WORK_DIR / "venv")
    if not env.python.exists():
        print(f"creating {env.root}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(env.root)
        install = True
    if install:
        print("installing django, bandit, ruff and apilint (from the checkout)", file=sys.stderr)
        _pip(env, *PINNED)
        try:
            _pip(env, str(REPO_ROOT))
            _pip(env, "--no-deps", "--force-reinstall", str(REPO_ROOT))
        except subprocess.CalledProcessError:
            print("warning: installing apilint from the checkout failed", file=sys.stderr)
            # never measure a stale build left by an earlier run
            subprocess.run(
                [str(env.python), "-m", "pip", "uninstall", "-q", "-y", "apilint"],
                env=env.environ(),
                check=False,
            )
    return env


def apilint_problem(env: BenchEnv) -> str | None:
    """Return why apilint cannot run in ``env`` (``apilint --help`` fails), or None if it can."""
    try:
        out = subprocess.run(
            [env.tool("apilint"), "check", "--help"],
            env=env.environ(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"apilint check --help: {exc}"
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"apilint check --help exited {out.returncode}: {tail[0]}"
    return None


def checkout_digest() -> str:
    """A short hash of the engine's sources as measured (analyzer/, rules/, pyproject.toml).

    The checkout may have uncommitted changes, so a commit id alone would not say which code
    the numbers belong to.
    """
    digest = hashlib.sha256()
    paths = [REPO_ROOT / "pyproject.toml"]
    for package in ("analyzer", "rules"):
        paths += sorted((REPO_ROOT / package).rglob("*.py"))
    for path in paths:
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
