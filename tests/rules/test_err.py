"""ERR001: exception text followed into the project helpers a handler calls."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import pytest
from apilint.testing import analyze_dir

HELPERS = '''
import logging
import subprocess

from flask import jsonify
from werkzeug.exceptions import InternalServerError

log = logging.getLogger(__name__)


def error_response(err):
    return jsonify({"error": str(err)}), 500


def describe(err):
    return f"{type(err).__name__}: {err}"


def raise_api(err):
    raise InternalServerError(description=f"failed: {err}")


def safe_error(err):
    log.exception("failed: %s", err)
    return jsonify({"error": "internal error"}), 500


def run_job(data):
    try:
        subprocess.run(["job"], check=True)
        return {"ok": True}
    except Exception as e:
        return {"ok": False, "error": str(e)}


def parse_count(value):
    try:
        return int(value)
    except ValueError as e:
        raise InternalServerError(description=str(e))


def load_config(path):
    try:
        return open(path).read()
    except Exception as e:
        raise InternalServerError(description=str(e))


def forward(err):
    return error_response(err)


class Service:
    def process(self):
        try:
            return {"ok": True}
        except OSError as e:
            return {"ok": False, "detail": repr(e)}


svc = Service()
'''
HEAD = '''
from flask import Flask, jsonify, render_template_string, request

from helpers import (describe, error_response, forward, load_config, parse_count, raise_api, run_job,
                     safe_error, svc)

app = Flask(__name__)


def work():
    pass


'''


def _run(app: str) -> list[tuple[str, int, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        (root / "helpers.py").write_text(HELPERS.lstrip("\n"), encoding="utf-8")
        (root / "app.py").write_text(HEAD.lstrip("\n") + textwrap.dedent(app).lstrip("\n"), encoding="utf-8")
        result = analyze_dir(root, select=("ERR001",))
        offset = HEAD.lstrip("\n").count("\n")
        return sorted((f.location.file, f.location.line - (offset if f.location.file == "app.py" else 0),
                       f.confidence.value) for f in result.findings)


FLAGGED = [
    # the exception handed to a helper that puts it in the response
    ('''
    @app.post("/a")
    def a():
        try:
            work()
        except Exception as e:
            return error_response(e)
    ''', ("app.py", 6, "high")),
    # the helper's returned text, put in the response by the handler
    ('''
    @app.post("/a")
    def a():
        try:
            work()
        except Exception as e:
            return jsonify({"error": describe(e)}), 500
    ''', ("app.py", 6, "high")),
    # a helper that raises an HTTP error with the exception it was given
    ('''
    @app.post("/a")
    def a():
        try:
            work()
        except KeyError as e:
            raise_api(e)
    ''', ("app.py", 6, "low")),
    # a helper that catches and returns the text, sent by the handler
    ('''
    @app.post("/a")
    def a():
        result = run_job(request.json)
        return jsonify(result)
    ''', ("app.py", 4, "high")),
    # ... through a local and a method of a module-level service object
    ('''
    @app.post("/a")
    def a():
        out = svc.process()
        return out
    ''', ("app.py", 4, "high")),
    # two calls deep
    ('''
    @app.post("/a")
    def a():
        try:
            work()
        except Exception as e:
            return forward(e)
    ''', ("app.py", 6, "high")),
    # a helper that catches a broad exception and raises it to the client itself: once, in the helper
    ('''
    @app.get("/a")
    def a():
        return {"config": load_config("/etc/app.conf")}
    ''', ("helpers.py", 46, "low")),
    # exception text formatted into an HTML error page rendered from a string
    ('''
    @app.post("/a")
    def a():
        try:
            work()
        except Exception as e:
            page = "<h1>Failed</h1><pre>%s</pre>" % str(e)
            return render_template_string(page), 500
    ''', ("app.py", 7, "high")),
]

SILENT = [
    # the helper logs and answers generically
    '''
    @app.post("/a")
    def a():
        try:
            work()
        except Exception as e:
            return safe_error(e)
    ''',
    # the helper's error dict is read, not sent
    '''
    @app.post("/a")
    def a():
        result = run_job(request.json)
        return jsonify({"ok": result["ok"]})
    ''',
    # a fixed error page rendered from a string, the exception logged
    '''
    @app.post("/a")
    def a():
        try:
            work()
        except Exception as e:
            app.logger.error(describe(e))
            return render_template_string("<h1>Failed</h1>"), 500
    ''',
    # a helper describing the exception for the log only
    '''
    @app.post("/a")
    def a():
        try:
            work()
        except Exception as e:
            app.logger.error(describe(e))
            return jsonify({"error": "failed"}), 500
    ''',
    # a helper that echoes the text of an input error it caught itself (the caller's own input)
    '''
    @app.get("/a")
    def a():
        return {"count": parse_count(request.args.get("n"))}
    ''',
]


@pytest.mark.parametrize(("app", "expected"), FLAGGED)
def test_flagged(app: str, expected: tuple[str, int, str]) -> None:
    assert _run(app) == [expected]


@pytest.mark.parametrize("app", SILENT)
def test_silent(app: str) -> None:
    assert _run(app) == []


def test_object_not_found_and_input_errors_echoed_in_a_400_are_low_confidence() -> None:
    views = '''
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from app.models import Group


@api_view(["POST"])
def join_group(request):
    try:
        group = Group.objects.get(pk=int(request.data["group_id"]))
    except (Group.DoesNotExist, ValueError) as error:
        raise ValidationError({"group_id": str(error)}) from error
    return Response({"id": group.pk})


@api_view(["POST"])
def sync(request):
    try:
        Group.objects.create(name=request.data["name"])
    except Exception as error:
        return Response({"error": str(error)}, status=500)
    return Response({})
'''
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        (root / "app").mkdir()
        (root / "app/__init__.py").write_text("", encoding="utf-8")
        (root / "app/models.py").write_text("from django.db import models\n\n\nclass Group(models.Model):\n"
                                            "    name = models.CharField(max_length=50)\n", encoding="utf-8")
        (root / "app/views.py").write_text(views, encoding="utf-8")
        (root / "urls.py").write_text("from django.urls import path\n\nfrom app import views\n\nurlpatterns = "
                                      "[path('join/', views.join_group), path('sync/', views.sync)]\n",
                                      encoding="utf-8")
        (root / "settings.py").write_text('ROOT_URLCONF = "urls"\nINSTALLED_APPS = ["rest_framework", "app"]\n',
                                          encoding="utf-8")
        found = sorted((f.location.line, f.confidence.value) for f in analyze_dir(root, select=("ERR001",)).findings)
    assert found == [(14, "low"), (23, "high")]


def test_debug_on_under_the_projects_debug_switch_is_low() -> None:
    source = '''
import os

from fastapi import FastAPI


def in_debug_mode() -> bool:
    return os.environ.get("APP_DEBUG", "") == "1"


if CONDITION:
    app = FastAPI(debug=True)
else:
    app = FastAPI(docs_url=None)
'''
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()

        def judged(condition: str) -> list[tuple[int, str]]:
            (root / "main.py").write_text(source.replace("CONDITION", condition), encoding="utf-8")
            result = analyze_dir(root, select=("ERR002",))
            return [(f.location.line, f.confidence.value) for f in result.findings]

        assert judged("in_debug_mode()") == [(12, "low")]
        assert judged('os.environ.get("APP_FLAVOUR") == "full"') == [(12, "medium")]


GQL_SCHEMA = '''
import graphene


class Query(graphene.ObjectType):
    hello = graphene.String()


schema = graphene.Schema(query=Query)
'''

GQL_FORMATTERS = {
    # flask-graphql: format_error= naming a function that writes the trace into the entry's extensions
    "flask": ({"errors.py": '''
import traceback

from graphql import GraphQLError


def format_with_trace(error):
    entry = {"message": str(error)}
    if isinstance(error, GraphQLError) and error.path is not None:
        entry["path"] = error.path
    entry.setdefault("extensions", {})
    entry["extensions"]["trace"] = traceback.format_exc()  # expect
    return entry
''', "main.py": '''
from flask import Flask
from flask_graphql import GraphQLView

from errors import format_with_trace
from gqlschema import schema

app = Flask(__name__)
app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema, format_error=format_with_trace))
'''}, "errors.py"),
    # ariadne: error_formatter= naming a function that returns the trace through a local name
    "ariadne": ({"errors.py": '''
import traceback


def error_formatter(error, debug=False):
    stack = traceback.format_exception(type(error), error, error.__traceback__)
    return {"message": error.message, "stack": stack}  # expect
''', "main.py": '''
from ariadne import make_executable_schema
from ariadne.asgi import GraphQL
from starlette.applications import Starlette

from errors import error_formatter

schema = make_executable_schema("type Query { hello: String }")
app = Starlette()
app.mount("/graphql", GraphQL(schema, error_formatter=error_formatter))
'''}, "errors.py"),
    # graphene-django: a view subclass's format_error method updating the formatted entry
    "django": ({"views.py": '''
import traceback

from graphene_django.views import GraphQLView


class TracedGraphQLView(GraphQLView):
    @staticmethod
    def format_error(error):
        formatted = GraphQLView.format_error(error)
        formatted.update(debug=traceback.format_exc())  # expect
        return formatted
''', "urls.py": '''
from django.urls import path

from gqlschema import schema
from views import TracedGraphQLView

urlpatterns = [path("graphql/", TracedGraphQLView.as_view(schema=schema))]
''', "settings.py": 'ROOT_URLCONF = "urls"\n'}, "views.py"),
}


@pytest.mark.parametrize("shape", sorted(GQL_FORMATTERS))
def test_graphql_error_formatter_with_a_traceback(shape: str, tmp_path: Path) -> None:
    files, leaking = GQL_FORMATTERS[shape]
    (tmp_path / ".git").mkdir()
    (tmp_path / "gqlschema.py").write_text(GQL_SCHEMA, encoding="utf-8")
    for name, source in files.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    expected_line = next(i for i, text in enumerate(files[leaking].splitlines(), 1) if text.endswith("# expect"))
    found = [(f.location.file, f.location.line, f.confidence.value)
             for f in analyze_dir(tmp_path, select=("ERR001",)).findings]
    assert found == [(leaking, expected_line, "high")]


def test_graphql_error_formatter_without_a_traceback_or_only_in_debug_is_silent(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "gqlschema.py").write_text(GQL_SCHEMA, encoding="utf-8")
    (tmp_path / "errors.py").write_text('''
import logging
import traceback

from config import settings

log = logging.getLogger(__name__)


def format_error(error):
    log.error("graphql error: %s", traceback.format_exc())
    entry = {"message": str(error)}
    if settings.DEBUG:
        entry["extensions"] = {"trace": traceback.format_exc()}
    return entry
''', encoding="utf-8")
    (tmp_path / "config.py").write_text("class settings:\n    DEBUG = False\n", encoding="utf-8")
    (tmp_path / "main.py").write_text('''
from flask import Flask
from flask_graphql import GraphQLView

from errors import format_error
from gqlschema import schema

app = Flask(__name__)
app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema, format_error=format_error))
''', encoding="utf-8")
    assert analyze_dir(tmp_path, select=("ERR001",)).findings == []
