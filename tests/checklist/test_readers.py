"""What the code shows per step: `met` only with evidence that does what it says, `unknown`
with the reason otherwise. Small apps, one question each."""

from __future__ import annotations

from pathlib import Path

from apilint.checklist import Checklist, Status, Step, checklist_of
from apilint.testing import analyze_dir

from tests.robustness.appgen import write


def checklist(tmp_path: Path, files: dict[str, str]) -> Checklist:
    root = write(tmp_path / "app", files)
    (root / ".git").mkdir(exist_ok=True)
    result = analyze_dir(root, select=("ALL",), checklist=True)
    assert result.checklist is not None
    return checklist_of(result)


def cell(checklist: Checklist, display: str, step: Step):  # type: ignore[no-untyped-def]
    row = next(r for r in checklist.rows if r.route.display == display)
    return row.cell(step)


FASTAPI = '''from fastapi import Depends, FastAPI, Header
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

oauth2 = OAuth2PasswordBearer(tokenUrl="token")
app = FastAPI()
app.add_middleware(HTTPSRedirectMiddleware)
app.add_middleware(CORSMiddleware, allow_origins=["https://shop.example.com"])


class OrderIn(BaseModel):
    sku: str
    quantity: int


def current_user(token: str = Depends(oauth2)) -> str:
    return token


@app.post("/v1/orders")
def create_order(order: OrderIn, idempotency_key: str = Header(...), user: str = Depends(current_user)) -> dict:
    return {"sku": order.sku}


@app.post("/v1/notes")
def create_note(payload: dict, user: str = Depends(current_user)) -> dict:
    return payload


@app.get("/v1/notes")
def list_notes(user: str = Depends(current_user)) -> list[str]:
    return []
'''


def test_fastapi_evidence(tmp_path: Path) -> None:
    c = checklist(tmp_path, {"app/main.py": FASTAPI})
    order = "POST /v1/orders"
    assert cell(c, order, Step.AUTHENTICATION).evidence[0].name == "app.main.current_user"
    validation = cell(c, order, Step.INPUT_VALIDATION)
    assert validation.status is Status.MET and validation.evidence[0].name == "app.main.OrderIn"
    assert cell(c, order, Step.CONTENT_TYPE).status is Status.MET
    assert cell(c, order, Step.IDEMPOTENCY).status is Status.MET
    https = cell(c, order, Step.HTTPS)
    assert https.status is Status.MET and https.evidence[0].name.endswith("HTTPSRedirectMiddleware")
    cors = cell(c, order, Step.CORS)
    assert cors.status is Status.MET and "https://shop.example.com" in cors.evidence[0].detail
    assert cell(c, order, Step.VERSIONING).status is Status.MET
    assert cell(c, order, Step.REQUEST_SIZE).status is Status.UNKNOWN
    notes = cell(c, "POST /v1/notes", Step.INPUT_VALIDATION)
    assert notes.status is Status.UNKNOWN  # INPUT002 reports it at low confidence: a possible problem
    assert [f.code for f in notes.findings] == ["INPUT002"]
    assert cell(c, "GET /v1/notes", Step.INPUT_VALIDATION).status is Status.NA
    assert cell(c, "GET /v1/notes", Step.IDEMPOTENCY).status is Status.NA
    assert cell(c, "POST /v1/notes", Step.IDEMPOTENCY).status is Status.UNKNOWN


FLASK = '''from flask import Flask, jsonify, request
from flask_login import login_required
from flask_talisman import Talisman


def create_app():
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    Talisman(app, force_https={force})

    @app.post("/api/items")
    @login_required
    def create_item():
        data = request.get_json({json_args})
        return jsonify(data), 201

    return app
'''


def test_flask_evidence(tmp_path: Path) -> None:
    c = checklist(tmp_path / "a", {"shop/__init__.py": FLASK.format(force="True", json_args="")})
    item = "POST /api/items"
    assert cell(c, item, Step.HTTPS).status is Status.MET
    size = cell(c, item, Step.REQUEST_SIZE)
    assert size.status is Status.MET and size.evidence[0].name == "MAX_CONTENT_LENGTH"
    content = cell(c, item, Step.CONTENT_TYPE)
    assert content.status is Status.MET and "415" in content.evidence[0].detail
    validation = cell(c, item, Step.INPUT_VALIDATION)
    assert validation.status is Status.UNKNOWN and "request.get_json" in validation.reason
    forced = checklist(tmp_path / "b", {"shop/__init__.py": FLASK.format(force="False", json_args="force=True")})
    assert cell(forced, item, Step.HTTPS).status is Status.UNKNOWN
    assert cell(forced, item, Step.CONTENT_TYPE).status is not Status.MET


DJANGO_SETTINGS = '''SECRET_KEY = __import__("os").environ["SECRET_KEY"]
DEBUG = False
ROOT_URLCONF = "site_app.urls"
INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "api"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
SECURE_SSL_REDIRECT = True
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
}
LOGGING = {"version": 1, "handlers": {"console": {"class": "logging.StreamHandler"}}}
'''
DJANGO_URLS = '''from django.urls import path

from api.views import ReportView

urlpatterns = [path("reports/", ReportView.as_view())]
'''
DJANGO_VIEWS = '''from rest_framework.response import Response
from rest_framework.views import APIView


class ReportView(APIView):
    def get(self, request):
        return Response([])
'''


def test_django_evidence(tmp_path: Path) -> None:
    c = checklist(tmp_path, {"site_app/__init__.py": "", "site_app/settings.py": DJANGO_SETTINGS,
                             "site_app/urls.py": DJANGO_URLS, "api/__init__.py": "", "api/views.py": DJANGO_VIEWS,
                             "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", '
                                          '"site_app.settings")\n'})
    report = "GET /reports/"
    https = cell(c, report, Step.HTTPS)
    assert https.status is Status.UNKNOWN and "SecurityMiddleware" in https.reason
    assert cell(c, report, Step.ERROR_HANDLING).evidence[0].name == "DEBUG"
    assert cell(c, report, Step.SECURITY_LOGGING).evidence[0].name == "LOGGING"
    assert cell(c, report, Step.VERSIONING).evidence[0].name == "REST_FRAMEWORK.DEFAULT_VERSIONING_CLASS"
    assert cell(c, report, Step.RATE_LIMITING).status is not Status.MET


LOGGING_ELSEWHERE = {
    "app/main.py": '''from fastapi import FastAPI

app = FastAPI()
api_version = "2024-02-01"


@app.get("/reports")
def reports() -> list[str]:
    return []
''',
    "alembic/env.py": "from logging.config import fileConfig\n\nfileConfig('alembic.ini')\n",
}


def test_configuration_of_tools_is_not_evidence(tmp_path: Path) -> None:
    c = checklist(tmp_path, LOGGING_ELSEWHERE)
    assert cell(c, "GET /reports", Step.SECURITY_LOGGING).status is Status.UNKNOWN
    assert cell(c, "GET /reports", Step.VERSIONING).status is not Status.MET
    cors = cell(c, "GET /reports", Step.CORS)
    assert cors.status is Status.MET and cors.evidence[0].kind == "default"


REACH = '''import os

import jwt
from fastapi import Depends, FastAPI, Header

app = FastAPI()
SECRET = os.environ["JWT_SECRET"]


def decode_token(token: str) -> dict:
    return jwt.decode(token, SECRET)


def current_user(authorization: str = Header(...)) -> dict:
    return decode_token(authorization.removeprefix("Bearer "))


def api_key_user(x_api_key: str = Header(...)) -> str:
    if x_api_key != SECRET:
        raise PermissionError("bad key")
    return "service"


@app.get("/v1/profile")
def profile(user: dict = Depends(current_user)) -> dict:
    return user


@app.get("/v1/reports")
def reports(caller: str = Depends(api_key_user)) -> list[str]:
    return []
'''


def test_a_finding_in_a_helper_counts_against_the_routes_that_reach_it(tmp_path: Path) -> None:
    c = checklist(tmp_path, {"app/main.py": REACH})
    profile = cell(c, "GET /v1/profile", Step.AUTHENTICATION)
    assert profile.status is Status.FAILED and "JWT002" in [f.code for f in profile.findings]
    reports = cell(c, "GET /v1/reports", Step.AUTHENTICATION)
    assert "JWT002" not in [f.code for f in reports.findings]
