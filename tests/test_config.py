"""Configuration: found by walking up, validated strictly, errors are one clear line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.config import ConfigError, find_config, load_config

from tests.robustness.appgen import AUTH_APP, AUTH_APP_LINE, check_json, keys, run_cli, write

APP_KEY = ("main.py", AUTH_APP_LINE, "AUTH001")

BAD_CONFIGS = [
    ("toml_syntax", "pyproject.toml", "[tool.apilint]\nselect = [1 2]\n", ["pyproject.toml:2: invalid TOML"]),
    ("toml_truncated", "pyproject.toml", "[tool.apilint]\nselect = [\n", ["pyproject.toml", "invalid TOML"]),
    ("toml_unknown_key", "pyproject.toml", "[tool.apilint]\nselct = ['AUTH']\n", ["selct", "did you mean 'select'"]),
    ("toml_unknown_subkey", "pyproject.toml", "[tool.apilint.auth]\ndependancies = ['x']\n",
     ["auth.dependancies", "did you mean 'dependencies'"]),
    ("toml_wrong_type", "pyproject.toml", "[tool.apilint]\nselect = 'AUTH001'\n", ["'select'", "expected list[str]"]),
    ("toml_wrong_bool", "pyproject.toml", "[tool.apilint]\nrespect-gitignore = 'yes'\n",
     ["respect-gitignore", "expected bool"]),
    ("toml_section_not_table", "pyproject.toml", "[tool.apilint]\nauth = 3\n", ["'auth' must be a table"]),
    ("toml_unknown_select", "pyproject.toml", "[tool.apilint]\nselect = ['NOPE999']\n", ["NOPE999", "select"]),
    ("toml_unknown_ignore", "pyproject.toml", "[tool.apilint]\nignore = ['XYZ']\n", ["XYZ", "ignore"]),
    ("toml_unknown_pfi", "pyproject.toml", "[tool.apilint.per-file-ignores]\n'tests/*' = ['NOPE1']\n",
     ["per-file-ignores", "NOPE1"]),
    ("toml_bad_fail_on", "pyproject.toml", "[tool.apilint]\nfail-on = 'bogus'\n",
     ["fail-on", "bogus", "critical, high, medium, low, info"]),
    ("yaml_syntax", ".apilint.yaml", "select: [AUTH\nignore: x\n", [".apilint.yaml:", "invalid YAML"]),
    ("yaml_not_mapping", ".apilint.yaml", "- AUTH001\n", ["expected a mapping"]),
    ("yaml_unknown_key", ".apilint.yaml", "exclud: [x]\n", ["exclud", "did you mean 'exclude'"]),
    ("yaml_wrong_type", ".apilint.yaml", "per-file-ignores: [a, b]\n", ["per-file-ignores", "expected dict"]),
    ("yaml_python_tag", ".apilint.yaml", "select: !!python/object/apply:os.system ['touch /tmp/apilint-pwned']\n",
     [".apilint.yaml", "invalid YAML"]),
    ("yaml_python_name", ".apilint.yaml", "ignore: !!python/name:os.system\n", ["invalid YAML"]),
]


@pytest.mark.parametrize(("name", "file", "text", "fragments"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_is_exit_2_with_a_clear_message(name: str, file: str, text: str, fragments: list[str],
                                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.py": AUTH_APP, file: text})
    for args in (["check", str(tmp_path)], ["routes", str(tmp_path)], [str(tmp_path / "main.py")]):
        code, out, err = run_cli([*args, "--no-cache"], capsys)
        assert code == 2, (args, out, err)
        assert "Traceback" not in err and out == ""
        assert err.startswith("apilint: error: ") and err.count("\n") == 1, err
        for fragment in fragments:
            assert fragment in err, (fragment, err)
    assert not Path("/tmp/apilint-pwned").exists()


def test_yaml_error_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, {".apilint.yaml": "select:\n  - AUTH001\nignore: [AUTH\n"})
    with pytest.raises(ConfigError, match=r"\.apilint\.yaml:\d+: invalid YAML"):
        load_config(tmp_path / ".apilint.yaml")


def test_bad_command_line_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.py": AUTH_APP})
    for args, fragment in ((["--fail-on", "bogus"], "--fail-on: unknown severity 'bogus'"),
                           (["--select", "NOPE999"], "--select: unknown rule code or prefix 'NOPE999'"),
                           (["--ignore", "AUTH001,ZZZ"], "--ignore: unknown rule code or prefix 'ZZZ'"),
                           (["--format", "yaml"], "--format: unknown format 'yaml'"),
                           (["--jobs", "-1"], "--jobs"),
                           (["--config", str(tmp_path / "missing.toml")], "config file not found")):
        code, _, err = run_cli(["check", str(tmp_path), "--no-cache", *args], capsys)
        assert code == 2 and fragment in err and "Traceback" not in err, (args, err)


def test_config_found_walking_up_from_the_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.apilint]\nignore = ['AUTH001']\n", "src/api/main.py": AUTH_APP})
    code, report = check_json(tmp_path / "src" / "api", capsys)
    assert code == 0 and keys(report, "AUTH001") == set()
    assert find_config(tmp_path / "src" / "api" / "main.py") == (tmp_path / "pyproject.toml").resolve()


def test_pyproject_without_apilint_table_is_passed_over(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {".apilint.yaml": "ignore: [AUTH001]\n", "src/pyproject.toml": "[tool.black]\nline-length = 80\n",
                     "src/main.py": AUTH_APP})
    assert find_config(tmp_path / "src") == (tmp_path / ".apilint.yaml").resolve()
    code, report = check_json(tmp_path / "src", capsys)
    assert code == 0 and report["findings"] == []


def test_explicit_config_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.py": AUTH_APP, ".apilint.yaml": "ignore: [AUTH001]\n",
                     "other.yaml": "select: [AUTH]\n"})
    code, report = check_json(tmp_path, capsys, "--config", str(tmp_path / "other.yaml"))
    assert code == 1 and APP_KEY in keys(report)


def test_per_file_ignores_and_exclude(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.apilint]\nexclude = ['legacy/']\n"
                                       "[tool.apilint.per-file-ignores]\n'api/admin_*.py' = ['AUTH']\n",
                     "api/admin_users.py": AUTH_APP, "api/users.py": AUTH_APP, "legacy/old.py": AUTH_APP})
    code, report = check_json(tmp_path, capsys)
    assert code == 1
    assert keys(report, "AUTH001") == {("api/users.py", AUTH_APP_LINE, "AUTH001")}
    assert report["summary"]["suppressed"] == 1  # type: ignore[index]


def test_empty_yaml_and_empty_table_are_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.py": AUTH_APP, ".apilint.yaml": ""})
    code, report = check_json(tmp_path, capsys)
    assert code == 1 and APP_KEY in keys(report)
