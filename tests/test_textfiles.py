"""Credential text files: which are discovered, how they are read, suppressed, cached and replayed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apilint import replay
from apilint.config import Config, load_config
from apilint.discover import discover
from apilint.engine import RunOptions, run
from apilint.textfiles import MAX_BYTES, is_credential_file, is_example_file, read_text_file

ENV = "DB_PASSWORD=Zq81mVx03k\nDEBUG=true\n"


@pytest.mark.parametrize(("name", "expected"), [
    (".env", True), (".env.production", True), ("prod.env", True), (".envrc", True), ("app.ini", True),
    ("setup.cfg", True), ("nginx.conf", True), ("application.properties", True), ("credentials", True),
    ("credentials.json", True), ("secrets.yaml", True), ("client_secret.json", True), (".netrc", True),
    (".pgpass", True), ("id_rsa", True), ("server.key", True), ("tls.pem", True),
    ("settings.py", False), ("config.yaml", False), ("docker-compose.yml", False), ("package.json", False),
    ("README.md", False), ("pyproject.toml", False), ("secretary.txt", False),
])
def test_credential_file_names(name: str, expected: bool) -> None:
    assert is_credential_file(name) is expected


def test_example_file_names() -> None:
    assert all(is_example_file(n) for n in (".env.example", ".env.sample", "config.sample.ini", ".env.template",
                                             "settings.ini.dist", "env.example"))
    assert not any(is_example_file(n) for n in (".env", ".env.production", "app.ini", "credentials.json"))


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_discovery_honours_gitignore_excludes_and_test_folders(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/main.py": "x = 1\n", ".env": ENV, "deploy/.env.prod": ENV,
                               "app/app.ini": "[a]\n", "tests/.env": ENV, "local/.env": ENV,
                               "vendor/creds/credentials": ENV, ".gitignore": "local/\n"})
    found = discover([root], root, exclude=("vendor/",))
    rel = [p.relative_to(root).as_posix() for p in found.texts]
    assert rel == [".env", "app/app.ini", "deploy/.env.prod"]
    assert [p.relative_to(root).as_posix() for p in found.files] == ["app/main.py"]
    assert any(s[0].endswith("/.env") for s in found.stamps)


def test_text_is_capped_and_binary_files_are_skipped(tmp_path: Path) -> None:
    big = tmp_path / "big.ini"
    big.write_text("a=b\n" * (MAX_BYTES // 2), encoding="utf-8")
    read = read_text_file(big, "big.ini")
    assert read is not None and read.truncated and len(read.text) <= MAX_BYTES
    binary = tmp_path / "server.key"
    binary.write_bytes(b"\x30\x82\x00\x00binary-der")
    assert read_text_file(binary, "server.key") is None
    assert read_text_file(tmp_path / "missing.ini", "missing.ini") is None


def _secret003(root: Path, **options: object) -> list[tuple[str, int, str]]:
    config = load_config(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else Config(root=root)
    result = run(config, RunOptions((root,), jobs=1, use_cache=False, root=root, select=("SECRET003",)))
    return [(f.location.file, f.location.line, f.confidence.value) for f in result.findings]


def test_findings_suppressions_and_per_file_ignores(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app.py": "import os\n",
        ".env": "DB_PASSWORD=Zq81mVx03k\nSMTP_PASSWORD=Lk20sMa9qw  # apilint: ignore[SECRET003]\n"
                "ADMIN_PASSWORD=changeme\nREDIS_URL=redis://:postgres@localhost:6379/0\n",
        ".env.example": "DB_PASSWORD=your-password\nSTRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n",
        "config/app.ini": "[db]\npassword = Pq03nZ8xLm ; prod\nurl = driver://user:pass@localhost/dbname\n",
        "ops/.netrc": "machine api.example.com login deploy password Jd82kLq0Zm\n",
    })
    assert _secret003(root) == [(".env", 1, "high"), (".env", 3, "low"), (".env", 4, "low"),
                                (".env.example", 2, "low"), ("config/app.ini", 2, "high"), ("ops/.netrc", 1, "high")]
    (root / "pyproject.toml").write_text('[tool.apilint]\nper-file-ignores = {"ops/*" = ["SECRET003"]}\n',
                                         encoding="utf-8")
    assert ("ops/.netrc", 1, "high") not in _secret003(root)


def test_editing_a_credential_file_changes_the_cached_result(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app.py": "import os\n", ".env": "DEBUG=true\n"})
    options = RunOptions((root,), jobs=1, cache_dir=tmp_path / "cache", root=root, select=("SECRET003",))
    assert run(Config(root=root), options).findings == []
    (root / ".env").write_text(ENV, encoding="utf-8")
    assert [f.location.line for f in run(Config(root=root), options).findings] == [1]
    (root / "deploy").mkdir()
    (root / "deploy" / "prod.env").write_text(ENV, encoding="utf-8")
    assert [f.location.file for f in run(Config(root=root), options).findings] == [".env", "deploy/prod.env"]


def test_replay_sees_an_edited_or_added_credential_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, {"app/main.py": "import os\n", "app/.env": "DEBUG=true\n"})
    past = time.time_ns() - 60 * 1_000_000_000
    for dirpath, _, names in os.walk(root):
        for name in [*names, "."]:
            os.utime(Path(dirpath) / name, ns=(past, past))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "usercache"))
    monkeypatch.chdir(root)
    argv = ["check", "app", "--select", "SECRET003", "--format", "json", "--output", "out.json"]

    def real_run() -> str:
        done = subprocess.run([sys.executable, "-m", "apilint", *argv], capture_output=True, text=True,
                              env=dict(os.environ), timeout=120)
        assert done.returncode in (0, 1), done.stderr
        return (root / "out.json").read_text(encoding="utf-8")

    assert "SECRET003" not in real_run()
    assert replay.replay(argv) == 0
    (root / "app/.env").write_text(ENV, encoding="utf-8")
    assert replay.replay(argv) is None
    assert "SECRET003" in real_run()
    assert replay.replay(argv) == 1
    (root / "app/settings.ini").write_text("[x]\npassword = Bn47xQe2Lp\n", encoding="utf-8")
    assert replay.replay(argv) is None
    assert real_run().count('"SECRET003"') >= 2
