"""The command line: check (default), routes, rules, explain, selection and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apilint.registry import all_rules

from tests.robustness.appgen import AUTH_APP, AUTH_APP_LINE, check_json, keys, run_cli, write

APP_KEY = ("main.py", AUTH_APP_LINE, "AUTH001")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write(tmp_path, {"main.py": AUTH_APP})


def test_bare_path_means_check(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare = run_cli([str(app), "--format", "json", "--no-cache"], capsys)
    explicit = run_cli(["check", str(app), "--format", "json", "--no-cache"], capsys)
    assert bare == explicit and bare[0] == 1
    assert APP_KEY in keys(json.loads(bare[1]))


def test_routes_table_and_json(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["routes", str(app), "--no-cache"], capsys)
    assert code == 0 and "DELETE" in out and "/users/{user_id}" in out and "none" in out and "5 routes" in out
    assert "/docs" in out and "/openapi.json" in out  # the app's own docs, served by FastAPI
    code, out, err = run_cli(["routes", str(app), "--format", "json", "--no-cache"], capsys)
    assert code == 0
    data = json.loads(out)
    routes = data["routes"] if isinstance(data, dict) else data
    assert [(r["method"], r["path"]) for r in routes if not r["builtin"]] == [("DELETE", "/users/{user_id}")]
    assert data["coverage"]["handlers"] == 1
    code, out, err = run_cli(["routes", str(app), "--format", "xml"], capsys)
    assert code == 2 and "--format" in err


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["rules"], capsys)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [r.code for r in all_rules()]
    code, out, _ = run_cli(["explain", "auth001"], capsys)
    assert (code == 0 and "AUTH001" in out and "## Why it matters" in out) or "Why it matters" in out
    code, out, err = run_cli(["explain", "NOPE999"], capsys)
    assert code == 2 and "unknown rule code 'NOPE999'" in err and out == ""


def test_select_and_ignore_codes_and_prefixes(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert APP_KEY in keys(check_json(app, capsys, "--select", "AUTH001")[1])
    assert APP_KEY in keys(check_json(app, capsys, "--select", "auth")[1])
    code, report = check_json(app, capsys, "--select", "AUTH", "--ignore", "AUTH001")
    assert code == 0 and report["findings"] == []
    code, report = check_json(app, capsys, "--ignore", "AUTH")
    assert APP_KEY not in keys(report)
    code, report = check_json(app, capsys, "--select", "CORS")
    assert code == 0 and report["findings"] == []


def test_fail_on_and_exit_zero(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_json(app, capsys, "--select", "AUTH001", "--fail-on", "high")[0] == 1
    assert check_json(app, capsys, "--select", "AUTH001", "--fail-on", "critical")[0] == 0
    code, report = check_json(app, capsys, "--exit-zero")
    assert code == 0 and APP_KEY in keys(report)


def test_output_file(app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "reports" / "out.json"
    code, out, _ = run_cli(["check", str(app), "--format", "json", "--output", str(target), "--no-cache"], capsys)
    assert code == 1 and out == ""
    assert APP_KEY in keys(json.loads(target.read_text(encoding="utf-8")))


def test_inline_suppression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = AUTH_APP.replace("-> None:", "-> None:  # apilint: ignore[AUTH001]")
    write(tmp_path, {"main.py": source, "other.py": AUTH_APP.replace("/users/", "/others/").replace(
        "-> None:", "-> None:  # apilint: ignore[CORS001]")})
    _, report = check_json(tmp_path, capsys, "--select", "AUTH")
    assert keys(report) == {("other.py", AUTH_APP_LINE, "AUTH001")}
    assert report["summary"]["suppressed"] == 1  # type: ignore[index]


def test_unknown_code_in_suppression_is_a_note_not_an_error(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Like ruff's warning for unknown `# noqa` codes: reported, exit code unchanged."""
    write(tmp_path, {"main.py": AUTH_APP.replace("-> None:", "-> None:  # apilint: ignore[NOPE999]")})
    code, report = check_json(tmp_path, capsys)
    assert code == 1 and APP_KEY in keys(report)
    diags = report["diagnostics"]
    assert isinstance(diags, list)
    assert [(d["code"], d["file"], d["line"], d["internal"]) for d in diags] == [
        ("SUPPRESS", "main.py", AUTH_APP_LINE, False)]
    assert "NOPE999" in report["diagnostics"][0]["message"]  # type: ignore[index]


def test_single_files_link_the_whole_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As pre-commit calls it: routers are mounted in main.py, findings only in the given file."""
    write(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\n\nfrom app import users\n\napp = FastAPI()\n"
                       "app.include_router(users.router, prefix='/api')\n\n\n@app.delete('/x')\ndef x() -> None:\n"
                       "    ...\n",
        "app/users.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
                        "@router.delete('/users/{user_id}')\ndef delete_user(user_id: int) -> None:\n    ...\n",
    })
    code, out, _ = run_cli(["check", str(tmp_path / "app" / "users.py"), "--format", "json", "--no-cache"], capsys)
    report = json.loads(out)
    assert code == 1
    assert keys(report) == {("app/users.py", 7, "AUTH001")}
    assert "DELETE /api/users/{user_id}" in report["findings"][0]["message"]
    code, out, _ = run_cli(["routes", str(tmp_path / "app" / "users.py"), "--format", "json", "--no-cache"], capsys)
    data = json.loads(out)
    routes = data["routes"] if isinstance(data, dict) else data
    assert [r["path"] for r in routes] == ["/api/users/{user_id}"]


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--version"], capsys)
    assert code == 0 and out.startswith("apilint ")
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0 and "routes" in out and "explain" in out


def test_min_confidence_filters_findings(tmp_path: Path) -> None:
    """`--min-confidence medium` drops low-confidence findings; the per-route finding on a route whose
    auth cannot be read shows only with `--min-confidence low` (AUTH005 stands for it by default)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(
        "from fastapi import FastAPI\nfrom thirdparty.auth import current_principal\nfrom fastapi import Depends\n"
        "app = FastAPI()\n\n@app.delete('/a/{a_id}')\ndef delete_a(a_id: int):\n    ...\n\n"
        "@app.delete('/b/{b_id}')\ndef delete_b(b_id: int, p=Depends(current_principal)):\n    ...\n",
        encoding="utf-8")
    from apilint.cli import app
    from typer.testing import CliRunner

    def codes(*extra: str) -> list[tuple[int, str, str]]:
        out = CliRunner().invoke(app, ["check", str(tmp_path), "--no-cache", "--format", "json", *extra]).stdout
        return sorted((f["line"], f["code"], f["confidence"]) for f in json.loads(out)["findings"])

    assert codes() == [(7, "AUTH001", "medium"), (11, "AUTH005", "high")]
    assert codes("--min-confidence", "low") == [(7, "AUTH001", "medium"), (11, "AUTH001", "low"),
                                                 (11, "AUTH005", "high")]
    assert codes("--min-confidence", "medium") == [(7, "AUTH001", "medium"), (11, "AUTH005", "high")]


def test_routes_why_prints_the_chain_that_decided_auth(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(
        "from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request\n\n"
        "def current_user(request: Request):\n"
        "    if not request.headers.get('Authorization'):\n"
        "        raise HTTPException(status_code=401)\n\n"
        "router = APIRouter(dependencies=[Depends(current_user)])\n\n"
        "@router.get('/notes')\ndef notes():\n    return []\n\n"
        "app = FastAPI()\napp.include_router(router)\n\n"
        "@app.get('/open')\ndef open_route():\n    return []\n", encoding="utf-8")
    from apilint.cli import app
    from typer.testing import CliRunner

    out = CliRunner().invoke(app, ["routes", str(tmp_path), "--no-cache", "--why"]).stdout
    assert "GET /notes" in out and "required: router dependency app.current_user at app.py:3" in out
    assert "none: nothing on the route, its routers or its app checks who the caller is" in out
    assert out.rstrip().endswith("auth unknown on 0")
    data = json.loads(CliRunner().invoke(app, ["routes", str(tmp_path), "--no-cache", "--format", "json"]).stdout)
    notes = next(r for r in data["routes"] if r["path"] == "/notes")
    assert notes["auth"]["chain"][0]["level"] == "router" and notes["auth"]["why"].startswith("required")


def test_routes_show_the_mount_condition_only_when_some_route_has_one(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "settings.py").write_text("DEBUG = False\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(
        "from fastapi import APIRouter, FastAPI\nimport settings\n\n"
        "debug = APIRouter()\n\n@debug.get('/ping')\ndef ping():\n    return {}\n\n"
        "app = FastAPI()\n\n@app.get('/items')\ndef items():\n    return []\n\n"
        "if settings.DEBUG:\n    app.include_router(debug, prefix='/debug')\n", encoding="utf-8")
    from apilint.cli import app
    from typer.testing import CliRunner

    table = CliRunner().invoke(app, ["routes", str(tmp_path), "--no-cache"]).stdout.splitlines()
    assert table[0].split()[:5] == ["method", "path", "auth", "handler", "mounted"]
    assert "if settings.DEBUG" in next(line for line in table if "/debug/ping" in line)
    assert "always" in next(line for line in table if "/items" in line)
    markdown = CliRunner().invoke(app, ["routes", str(tmp_path), "--no-cache", "--format", "markdown"]).stdout
    assert "| method | path | auth | handler | mounted | location |" in markdown
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/items')\n"
                                     "def items():\n    return []\n", encoding="utf-8")
    assert "mounted" not in CliRunner().invoke(app, ["routes", str(tmp_path), "--no-cache"]).stdout


def test_routes_warn_that_unparsable_files_are_missing_from_the_map(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(
        "from flask import Flask\nfrom views import bp\n\napp = Flask(__name__)\n"
        "app.register_blueprint(bp, url_prefix='/user')\n", encoding="utf-8")
    (tmp_path / "views.py").write_text(
        "from flask import Blueprint\n\nbp = Blueprint('user', __name__)\n\n"
        "@bp.route('/create', methods=['POST']\ndef create():\n    return ''\n", encoding="utf-8")
    code, out, err = run_cli(["routes", str(tmp_path), "--no-cache", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["routes"] == []
    assert "1 file could not be parsed (views.py): routes declared there are missing from this map" in err
    (tmp_path / "views.py").write_text("from flask import Blueprint\n\nbp = Blueprint('user', __name__)\n",
                                       encoding="utf-8")
    assert "could not be parsed" not in run_cli(["routes", str(tmp_path), "--no-cache"], capsys)[2]
