"""Discovery: sorted, honours .gitignore and excludes, skips environments, builds and caches."""

from __future__ import annotations

from pathlib import Path

from apilint.discover import discover

from tests.robustness.appgen import write


def _found(root: Path, exclude: tuple[str, ...] = (), gitignore: bool = True) -> list[str]:
    return [p.relative_to(root.resolve()).as_posix() for p in discover([root], root, exclude, gitignore).files]


def test_skips_environments_builds_and_caches(tmp_path: Path) -> None:
    skipped = ["venv/lib/x.py", ".venv/x.py", "env/x.py", "myenv/lib/python3.11/y.py",
               "lib/python3.11/site-packages/pkg/x.py", "node_modules/pkg/x.py", "build/lib/x.py", "dist/x.py",
               "__pycache__/x.py", ".mypy_cache/x.py", ".tox/py/x.py", ".git/hooks/x.py", "pkg.egg-info/x.py",
               ".apilint_cache/x.py", ".hypothesis/x.py"]
    write(tmp_path, {**{f: "x = 1\n" for f in skipped}, "myenv/pyvenv.cfg": "home = /usr\n",
                     "app/main.py": "", "app/api/v1.py": "", "readme.md": "", "script.pyw": ""})
    assert _found(tmp_path) == ["app/api/v1.py", "app/main.py"]


def test_gitignore_and_exclude(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "generated/\n*_pb2.py\n!keep_pb2.py\n", "generated/a.py": "", "api_pb2.py": "",
                     "keep_pb2.py": "", "legacy/old.py": "", "app.py": "", "tests/test_app.py": ""})
    assert _found(tmp_path) == ["app.py", "keep_pb2.py", "legacy/old.py"]
    assert _found(tmp_path, exclude=("legacy/",)) == ["app.py", "keep_pb2.py"]
    assert "generated/a.py" in _found(tmp_path, gitignore=False)


def test_order_is_sorted_whatever_the_creation_order(tmp_path: Path) -> None:
    names = ["b/z.py", "a.py", "B.py", "b/a.py", "a/b/c.py", "_x.py"]
    write(tmp_path / "one", {n: "" for n in names})
    write(tmp_path / "two", {n: "" for n in reversed(names)})
    assert _found(tmp_path / "one") == _found(tmp_path / "two") == sorted(_found(tmp_path / "one"))


def test_explicit_files_are_kept_even_when_excluded(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "gen.py\n", "gen.py": ""})
    found = discover([tmp_path / "gen.py"], tmp_path, (), True)
    assert [p.name for p in found.files] == ["gen.py"]


def test_symlinked_file_is_analyzed_once(tmp_path: Path) -> None:
    write(tmp_path, {"real.py": "x = 1\n"})
    (tmp_path / "alias.py").symlink_to(tmp_path / "real.py")
    assert _found(tmp_path) == ["real.py"]


def test_tests_are_skipped_unless_asked_for(tmp_path: Path) -> None:
    write(tmp_path, {"app/views.py": "", "app/tests/test_views.py": "", "app/test/helpers.py": "",
                     "app/test_api.py": "", "app/api_test.py": "", "conftest.py": "", "app/tests.py": "",
                     "app/testing.py": "", "app/contest.py": "", "core/testproject/urls.py": "",
                     "core/test_app/views.py": "", "core/testapps/views.py": ""})
    assert _found(tmp_path) == ["app/contest.py", "app/testing.py", "app/views.py", "core/testapps/views.py"]
    everything = [p.relative_to(tmp_path).as_posix()
                  for p in discover([tmp_path], tmp_path, (), True, include_tests=True).files]
    assert len(everything) == 12
    explicit = discover([tmp_path / "app" / "test_api.py"], tmp_path, (), True)
    assert [p.name for p in explicit.files] == ["test_api.py"]


def test_a_gitignored_folder_named_explicitly_is_analyzed(tmp_path: Path) -> None:
    """`apilint build/gen` inside a repo that ignores build/: the user asked for that folder."""
    write(tmp_path, {".gitignore": "work/\n", "work/app/views.py": "", "work/app/sub/x.py": "", "main.py": ""})
    assert _found(tmp_path) == ["main.py"]
    named = discover([tmp_path / "work"], tmp_path, (), True).files
    assert [p.relative_to(tmp_path).as_posix() for p in named] == ["work/app/sub/x.py", "work/app/views.py"]
    excluded = discover([tmp_path / "work"], tmp_path, ("sub/",), True).files
    assert [p.relative_to(tmp_path).as_posix() for p in excluded] == ["work/app/views.py"]
