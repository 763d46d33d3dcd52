"""The runner: encodings and line endings kept, links refused, overlaps held back, atomic writes,
diffs that `git apply` and `patch` accept, and hunks that rebuild the fixed file."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from apilint.fixes import plan as P
from apilint.fixes.apply import FileChange, write_changes
from apilint.fixes.source import safe_target, split_lines, write_atomic

COOKIE = ["secure=True", "httponly=True"]


def _cookie(line: int, path: str = "app.py") -> P.FixPlan:
    return P.call_arguments("t", P.SAFE, path, line, "response.set_cookie", set=COOKIE)


def test_crlf_line_endings_are_kept_everywhere_including_added_lines(tree) -> None:
    source = b"import os\r\n\r\ndef view(response):\r\n    response.set_cookie('sid', token)\r\n    return 1\r\n"
    tree.write({"app.py": source})
    result = tree.run_pass([_cookie(4), P.insert_statements("t", P.SAFE, "app.py", 3, "x = 1\nif x:\n    y = 2",
                                                            where="body"),
                            P.statement_value("t", P.SAFE, "app.py", 5, "@{logging}.INFO")])
    new = result.changes[0].new
    assert b"\n" not in new.replace(b"\r\n", b"")
    assert new.startswith(b"import logging\r\nimport os\r\n")
    assert b"    x = 1\r\n    if x:\r\n        y = 2\r\n" in new
    assert b"response.set_cookie('sid', token, secure=True, httponly=True)\r\n" in new


def test_a_latin1_file_keeps_its_encoding_and_every_byte_outside_the_edit(tree) -> None:
    source = "# -*- coding: latin-1 -*-\nGREETING = 'Grüße'\n\ndef view(response):\n    response.set_cookie('sid', t)\n"
    data = source.encode("latin-1")
    tree.write({"app.py": data})
    change = tree.run_pass([_cookie(5)]).changes[0]
    assert change.encoding in ("latin-1", "iso-8859-1")
    assert change.new == data.replace(b"t)\n", b"t, secure=True, httponly=True)\n")


def test_a_byte_order_mark_is_kept(tree) -> None:
    data = b"\xef\xbb\xbfdef view(response):\n    response.set_cookie('sid', t)\n"
    tree.write({"app.py": data})
    new = tree.run_pass([_cookie(2)]).changes[0].new
    assert new.startswith(b"\xef\xbb\xbfdef view") and b"secure=True" in new


def test_a_file_without_a_final_newline_stays_so(tree) -> None:
    tree.write({"app.py": b"def view(response):\n    response.set_cookie('sid', t)"})
    change = tree.run_pass([_cookie(2)]).changes[0]
    assert change.new.endswith(b"httponly=True)")
    assert "\\ No newline at end of file" in change.diff()


@pytest.mark.parametrize("how", ["file", "folder"])
def test_links_out_of_the_tree_are_never_written_through(tree, tmp_path: Path, how: str) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "app.py").write_text("def view(response):\n    response.set_cookie('sid', t)\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    if how == "file":
        (project / "app.py").symlink_to(outside / "app.py")
        rel = "app.py"
    else:
        (project / "pkg").symlink_to(outside)
        rel = "pkg/app.py"
    from apilint.fixes.apply import Fixer

    result = Fixer(project, [project], {}).run_pass([tree.finding(_cookie(2, rel))])
    assert not result.changes
    assert "link" in result.problems[0].message
    assert "secure" not in (outside / "app.py").read_text(encoding="utf-8")
    shutil.rmtree(outside)


def test_a_file_outside_the_analyzed_paths_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(Exception, match="outside the analyzed tree"):
        safe_target(tmp_path, "b.py", [tmp_path / "a"])


def test_overlapping_fixes_wait_for_the_next_pass_and_never_corrupt(tree) -> None:
    source = """
        def view(response):
            response.set_cookie("sid", token)
    """
    whole = P.statement_value("t", P.SAFE, "app.py", 2, "print(@{value})")  # replaces what the other edits
    tree.write({"app.py": source})
    first = tree.run_pass([_cookie(2), whole])
    assert len(first.applied) == 1 and [f.fix_plan for f in first.deferred] == [whole]
    assert 'response.set_cookie("sid", token, secure=True, httponly=True)' in first.changes[0].new_text
    tree.write({"app.py": first.changes[0].new})  # the next pass sees the file as the first left it
    second = tree.run_pass([whole])
    assert 'print(response.set_cookie("sid", token, secure=True, httponly=True))' in second.changes[0].new_text
    compile(second.changes[0].new_text, "app.py", "exec")


def test_fixes_on_one_line_that_compose_are_applied_together(tree) -> None:
    source = 'import jwt\n\nclaims = jwt.decode(token, KEY, options={"verify_signature": False})\n'
    tree.write({"app.py": source})
    result = tree.run_pass([
        P.call_arguments("a", P.SAFE, "app.py", 3, "jwt.decode", drop_keys=["options:verify_signature"]),
        P.call_arguments("b", P.SAFE, "app.py", 3, "jwt.decode", set=['algorithms=["HS256"]']),
    ])
    assert not result.deferred and len(result.applied) == 2
    assert result.changes[0].new_text.endswith('claims = jwt.decode(token, KEY, algorithms=["HS256"])\n')


def test_a_plan_that_does_not_match_the_file_is_a_diagnostic_and_changes_nothing(tree) -> None:
    tree.write({"app.py": "x = 1\n"})
    result = tree.run_pass([_cookie(1)])
    assert not result.changes and result.problems[0].code == "FIX" and not result.problems[0].internal


def test_writes_are_atomic_and_keep_permissions(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text("x = 1\n", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, b"x = 2\n")
    assert target.read_bytes() == b"x = 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]


def test_a_file_changed_since_it_was_read_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text("x = 1\n", encoding="utf-8")
    change = FileChange("app.py", target, b"x = 0\n", b"x = 2\n", "utf-8", "\n")
    problems = write_changes([change], write_atomic)
    assert target.read_text(encoding="utf-8") == "x = 1\n" and "changed while" in problems[0].message


def _apply_hunks(change: FileChange) -> str:
    """Apply the SARIF-style replacements (whole lines, 1-based) to the original text."""
    lines = [line.rstrip("\r\n") for line in split_lines(change.old_text)]
    ends = [line[len(line.rstrip("\r\n")):] for line in split_lines(change.old_text)]
    for hunk in reversed(change.hunks()):
        assert lines[hunk.start - 1:hunk.end] == list(hunk.old)
        last_end = ends[hunk.end - 1]
        lines[hunk.start - 1:hunk.end] = list(hunk.new)
        ends[hunk.start - 1:hunk.end] = [change.newline] * (len(hunk.new) - 1) + [last_end]
    return "".join(line + end for line, end in zip(lines, ends, strict=True))


def test_hunks_rebuild_the_fixed_file(tree) -> None:
    source = '''
        """Doc."""
        from fastapi import FastAPI


        def view(response):
            response.set_cookie("sid", token)
            try:
                run()
            except Exception as e:
                return {"error": str(e)}
    '''
    tree.write({"app.py": source})
    result = tree.run_pass([_cookie(6), P.generic_error("t", "app.py", 10, "except")])
    change = result.changes[0]
    assert len(change.hunks()) >= 3
    assert _apply_hunks(change) == change.new_text
    assert all(h.start >= 1 and h.end >= h.start and h.old for h in change.hunks())


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_the_diff_is_accepted_by_git_apply_and_patch(tree, tmp_path: Path, tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    source = b"import os\r\n\r\ndef view(response):\r\n    response.set_cookie('sid', t)\r\n"
    tree.write({"pkg/app.py": source})
    change = tree.run_pass([_cookie(4, "pkg/app.py")]).changes[0]
    diff = tmp_path / "fix.diff"
    diff.write_bytes(change.diff().encode("utf-8"))
    command = (["git", "apply", "--unsafe-paths", str(diff)] if tool == "git"
               else ["patch", "-p1", "--binary", "-i", str(diff)])
    env = {**os.environ, "GIT_DIR": "/nonexistent"}
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, env=env)
    assert (tmp_path / "pkg/app.py").read_bytes() == change.new


def test_fixes_that_never_settle_stop_after_the_last_pass(tree, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from apilint.fixes.apply import MAX_PASSES
    from apilint.fixes.session import fix_project

    tree.write({"app.py": "x = 1\n"})
    growing = P.statement_value("t", P.SAFE, "app.py", 1, "@{value} + 1")
    calls = []

    def analyze():  # type: ignore[no-untyped-def]
        calls.append(1)
        return SimpleNamespace(root=tmp_path, findings=[tree.finding(growing)], index=[])

    outcome = fix_project(analyze, [tmp_path], unsafe=False)
    assert outcome.passes == MAX_PASSES and len(calls) == MAX_PASSES + 1
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == "x = 1" + " + 1" * MAX_PASSES + "\n"
    assert "after 10 passes" in outcome.problems[-1].message


def test_the_same_fix_for_several_findings_is_applied_once(tree) -> None:
    source = """
        class InvoiceViewSet(ModelViewSet):
            queryset = Invoice.objects.all()
    """
    method = "def get_queryset(self):\n    return super().get_queryset().filter(owner=self.request.user)"
    same = P.insert_statements("t", P.UNSAFE, "app.py", 1, method, where="class-end")
    tree.write({"app.py": source})
    result = tree.run_pass([same, same, same])
    assert len(result.applied) == 3 and not result.deferred
    assert result.changes[0].new_text == (
        "class InvoiceViewSet(ModelViewSet):\n    queryset = Invoice.objects.all()\n\n"
        "    def get_queryset(self):\n        return super().get_queryset().filter(owner=self.request.user)\n")
