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


GQL_SCHEMA = '''
import graphene


class Login(graphene.Mutation):
    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)

    token = graphene.String()

    def mutate(self, info, email, password):
        return Login(token=check_password(email, password))


class Query(graphene.ObjectType):
    maintenance = graphene.String(username=graphene.String(), password=graphene.String(), task=graphene.String())
    notes = graphene.List(graphene.String, tag=graphene.String())

    def resolve_maintenance(self, info, username, password, task="status"):
        return run_task(username, password, task)

    def resolve_notes(self, info, tag=None):
        return []


class Mutations(graphene.ObjectType):
    login = Login.Field()


schema = graphene.Schema(query=Query, mutation=Mutations)


def check_password(email, password):
    return ""


def run_task(username, password, task):
    return ""
'''


def _gql_app(tmp_path: Path, main: str) -> list[tuple[str, int, str, str]]:
    (tmp_path / ".git").mkdir()
    (tmp_path / "gqlschema.py").write_text(GQL_SCHEMA, encoding="utf-8")
    (tmp_path / "main.py").write_text(main, encoding="utf-8")
    return sorted((f.location.file, f.location.line, f.confidence.value, f.message)
                  for f in analyze_dir(tmp_path, select=("LIMIT001",)).findings)


def test_graphql_operations_taking_a_password_count_as_login_endpoints(tmp_path: Path) -> None:
    found = _gql_app(tmp_path, '''
from flask import Flask
from flask_graphql import GraphQLView

from gqlschema import schema

app = Flask(__name__)
app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema))
''')
    assert [(f, line, conf) for f, line, conf, _ in found] == [("main.py", 7, "low")]
    assert "not even on POST /graphql (mutation Login)" in found[0][3]


def test_graphql_credential_operations_left_out_of_the_projects_limits(tmp_path: Path) -> None:
    found = _gql_app(tmp_path, '''
from flask import Flask
from flask_graphql import GraphQLView
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from gqlschema import schema

app = Flask(__name__)
limiter = Limiter(get_remote_address, app=app)
app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema))


@app.post("/exports")
@limiter.limit("5/minute")
def export():
    return {}
''')
    assert [(f, line, conf) for f, line, conf, _ in found] == [("gqlschema.py", 12, "medium"),
                                                              ("gqlschema.py", 20, "medium")]
    assert "POST /graphql (query maintenance) accepts credentials" in found[1][3]


def test_graphql_operations_under_a_default_limit_are_silent(tmp_path: Path) -> None:
    found = _gql_app(tmp_path, '''
from flask import Flask
from flask_graphql import GraphQLView
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from gqlschema import schema

app = Flask(__name__)
limiter = Limiter(get_remote_address, app=app, default_limits=["100/hour"])
app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema))
''')
    assert found == []
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


def test_upload_without_size_limit_names_the_route_that_takes_the_body(tmp_path: Path) -> None:
    """A GET/POST view renders its form on GET and reads the file on POST: the POST is named."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text('''
from flask import Flask, render_template, request

app = Flask(__name__)


@app.route("/avatars", methods=["GET", "POST"])
def avatar():
    if request.method == "POST":
        request.files["avatar"].save("/srv/avatars/current.png")
    return render_template("avatar.html")
''', encoding="utf-8")
    [finding] = analyze_dir(tmp_path, select=("LIMIT002",)).findings
    assert "(POST /avatars)" in finding.message


def test_a_login_served_by_two_apps_is_named_once(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(
        "from flask import Blueprint\n\nbp = Blueprint('auth', __name__)\n\n\n"
        "@bp.route('/login', methods=['POST'])\ndef login():\n    return ''\n", encoding="utf-8")
    for name in ("serve.py", "serve_tls.py"):
        (tmp_path / name).write_text(
            "from flask import Flask\n\nfrom views import bp\n\napp = Flask(__name__)\n"
            "app.register_blueprint(bp, url_prefix='/user')\n", encoding="utf-8")
    [finding] = analyze_dir(tmp_path, select=("LIMIT001",)).findings
    assert finding.message.endswith("not even on POST /user/login")


def test_a_handler_reading_a_password_counts_whatever_its_path(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(
        "from flask import Flask, jsonify, request\n\n"
        "app = Flask(__name__)\n\n\n"
        "@app.post('/api/session-keys')\n"
        "def issue_key():\n"
        "    body = request.get_json()\n"
        "    if not check(body.get('username'), body.get('password')):\n"
        "        return jsonify(error='denied'), 403\n"
        "    return jsonify(key='...')\n\n\n"
        "@app.post('/api/notes')\n"
        "def add_note():\n"
        "    return jsonify(request.get_json())\n\n\n"
        "def check(username, password):\n"
        "    return False\n", encoding="utf-8")
    result = analyze_dir(tmp_path, select=("LIMIT001",))
    found = [(f.location.line, f.confidence.value, f.message) for f in result.findings]
    assert found == [(3, "low", "No rate limiting anywhere in the project, not even on POST /api/session-keys")]
    (tmp_path / "app.py").write_text(
        "from flask import Flask, jsonify, request\n\n"
        "app = Flask(__name__)\n\n\n"
        "@app.post('/api/notes')\n"
        "def add_note():\n"
        "    return jsonify(request.get_json())\n", encoding="utf-8")
    assert not analyze_dir(tmp_path, select=("LIMIT001",)).findings
