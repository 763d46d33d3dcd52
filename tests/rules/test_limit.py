"""LIMIT001: an unlimited login in a project that limits other routes."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.testing import analyze_dir

APP = '''
from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

app = Flask(__name__)
limiter = Limiter(get_remote_address, app=app)


@app.post("/reports")
@limiter.limit("10/minute")
def create_report():
    return {}


@app.post("/login")
def login():
    return LoginForm(request.form).validate()
'''

FORMS = {
    "plain": "class LoginForm:\n    def __init__(self, data):\n        self.data = data\n\n"
             "    def validate(self):\n        return {}\n",
    "limited": "from app.ratelimit import check_rate_limit\n\n\nclass LoginForm:\n    def __init__(self, data):\n"
               "        self.data = data\n\n    def validate(self):\n        check_rate_limit('login')\n"
               "        return {}\n",
}


@pytest.mark.parametrize(("form", "confidence"), [("plain", "medium"), ("limited", "low")])
def test_a_limit_checked_in_code_lowers_the_confidence(tmp_path: Path, form: str, confidence: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app/__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app/main.py").write_text("from app.forms import LoginForm\n" + APP, encoding="utf-8")
    (tmp_path / "app/forms.py").write_text(FORMS[form], encoding="utf-8")
    (tmp_path / "app/ratelimit.py").write_text("def check_rate_limit(scope):\n    return None\n", encoding="utf-8")
    found = [(f.route, f.confidence.value) for f in analyze_dir(tmp_path, select=("LIMIT001",)).findings]
    assert found == [("POST /login", confidence)]


def test_no_limiter_names_the_code_checks_first(tmp_path: Path):
    """A 4-digit reset PIN falls faster than a password: the message names code checks first."""
    from apilint.testing import analyze_files

    api = '''
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/register")
    def register() -> dict:
        return {}


    @app.post("/token")
    def token() -> dict:
        return {}


    @app.post("/password/reset/confirm")
    def confirm_reset() -> dict:
        return {}
    '''
    result = analyze_files(tmp_path, {"api.py": api})
    [finding] = [f for f in result.findings if f.code == "LIMIT001"]
    assert finding.message.endswith("not even on POST /password/reset/confirm, POST /token or POST /register")
