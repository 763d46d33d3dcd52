"""Rules attach a fix only when they have the facts for it: a fix never guesses."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from apilint.model import Finding
from apilint.testing import analyze_dir


def _findings(tmp_path: Path, files: dict[str, str], code: str) -> list[Finding]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return [f for f in analyze_dir(tmp_path, select=(code,)).findings if f.code == code]


ERRORS = """
    from flask import Flask, jsonify

    from helpers import error_response, run_job

    app = Flask(__name__)


    @app.post("/a")
    def a():
        try:
            return jsonify(run_job())
        except Exception as e:
            return error_response(f"job failed: {e}")


    @app.post("/b")
    def b():
        try:
            return jsonify(run_job())
        except Exception as e:
            return error_response(e)
"""
HELPERS = """
    from flask import jsonify


    def error_response(error):
        return jsonify({"error": str(error)}), 500


    def run_job():
        return {}
"""


def test_err001_fixes_text_handed_to_a_helper_not_an_exception_object(tmp_path: Path) -> None:
    found = {f.location.line: f for f in _findings(tmp_path, {"app.py": ERRORS, "helpers.py": HELPERS}, "ERR001")}
    assert found[13].fix_plan is not None and found[13].fix_plan.kind == "generic-error"
    assert found[21].fix_plan is None  # the helper may need the exception itself


JWT = """
    import os

    import jwt

    SECRET_KEY = os.environ["SECRET_KEY"]
    PARTNER_KEY = os.environ["PARTNER_KEY"]


    def issue(user_id: str) -> str:
        return jwt.encode({"sub": user_id}, SECRET_KEY, algorithm="HS512")


    def ours(token: str) -> dict:
        return jwt.decode(token, SECRET_KEY)


    def partners(token: str) -> dict:
        return jwt.decode(token, PARTNER_KEY)
"""


def test_jwt002_pins_only_what_the_project_signs_with(tmp_path: Path) -> None:
    found = {f.location.line: f for f in _findings(tmp_path, {"app.py": JWT}, "JWT002")}
    plan = found[14].fix_plan
    assert plan is not None and 'algorithms=["HS512"]' in plan.items("set")
    assert found[18].fix_plan is None  # signed by someone else: the algorithm is not known


DEBUG = """
    import os

    from fastapi import FastAPI

    if os.environ.get("ENV") == "dev":
        app = FastAPI(debug=True)
    else:
        app = FastAPI()
"""


def test_err002_leaves_a_switch_under_the_project_own_condition(tmp_path: Path) -> None:
    found = _findings(tmp_path, {"app.py": DEBUG}, "ERR002")
    assert found and all(f.fix_plan is None for f in found)


SCHEMAS = """
    from fastapi import Depends, FastAPI
    from pydantic import BaseModel, ConfigDict
    from sqlalchemy import Column, Integer, String
    from sqlalchemy.orm import DeclarativeBase


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        email = Column(String)
        hashed_password = Column(String)


    class UserOut(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        id: int
        email: str


    class UserRead(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        id: int


    def current_user() -> User: ...


    app = FastAPI()


    @app.get("/me")
    def me(user: User = Depends(current_user)):
        return user
"""


@pytest.mark.parametrize(("drop", "expected"), [("", None), ("UserRead", "app.UserOut")])
def test_expo001_declares_a_schema_only_when_there_is_one(tmp_path: Path, drop: str, expected: str | None) -> None:
    source = SCHEMAS
    if drop:
        source = source.replace("class UserRead(BaseModel):", "class Unrelated(BaseModel):")
    found = _findings(tmp_path, {"app.py": source}, "EXPO001")
    plan = found[0].fix_plan
    if expected is None:
        assert plan is None  # two schemas named for User: which one is public is a guess
    else:
        assert plan is not None and plan.items("set") == (f"response_model=@{{{expected}}}",)
