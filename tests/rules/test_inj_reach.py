"""INJ rules beyond the route map: functions no route reaches, values apilint cannot trace,
request data in every spelling, class attributes, and the confidence and severity each gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.testing import analyze_dir


def _run(tmp_path: Path, files: dict[str, str], select: tuple[str, ...]) -> list[tuple[str, int, str, str, str]]:
    (tmp_path / ".git").mkdir()
    for rel, source in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(source.lstrip("\n"), encoding="utf-8")
    found = analyze_dir(tmp_path, select=select).findings
    return sorted((f.location.file, f.location.line, f.code, f.confidence.value, f.severity.value) for f in found)


def test_a_view_no_urlconf_links_is_reported_by_function_at_medium(tmp_path: Path) -> None:
    found = _run(tmp_path, {"views.py": '''
import pickle

from django.http import JsonResponse


def restore(request):
    return JsonResponse(pickle.loads(request.body))
'''}, ("INJ008",))
    assert found == [("views.py", 7, "INJ008", "medium", "critical")]
    [finding] = analyze_dir(tmp_path, select=("INJ008",)).findings
    assert "views.restore() (reached by no route apilint knows)" in finding.message
    assert finding.route is None


def test_untraced_values_reach_only_the_unconditional_sinks_at_low(tmp_path: Path) -> None:
    found = _run(tmp_path, {"jobs.py": '''
import os
import pickle
import subprocess

import requests
import yaml


def run(cmd):
    os.system(cmd)
    subprocess.run(cmd, shell=True)
    subprocess.run(["tar", "-czf", cmd])


def load(blob, path):
    pickle.loads(blob)
    yaml.load(open(path), Loader=yaml.Loader)
    yaml.load(open(path), Loader=yaml.SafeLoader)
    eval(blob)


def fetch(url):
    return requests.get(url, timeout=5)


def constants():
    os.system("uptime")
    subprocess.run("df -h " + "/", shell=True)
    eval("1 + 2")
'''}, ("INJ",))
    assert found == [
        ("jobs.py", 10, "INJ002", "low", "high"), ("jobs.py", 11, "INJ002", "low", "high"),
        ("jobs.py", 16, "INJ008", "low", "high"), ("jobs.py", 17, "INJ008", "low", "high"),
        ("jobs.py", 19, "INJ003", "low", "high"),
    ]


def test_checked_sanitized_and_numeric_values_are_not_untraced(tmp_path: Path) -> None:
    found = _run(tmp_path, {"tasks.py": '''
import os
import shlex

ALLOWED = {"uptime", "df"}


def run(name, count: int, host):
    if name not in ALLOWED:
        raise ValueError(name)
    os.system(name)
    os.system(f"sleep {count}")
    os.system("ping " + shlex.quote(host))
    os.system(f"ping -c {int(host)}")
'''}, ("INJ002",))
    assert found == []


def test_a_parameter_in_a_sql_value_slot_is_low_an_identifier_is_not_reported(tmp_path: Path) -> None:
    found = _run(tmp_path, {"repo.py": '''
import sqlite3

conn = sqlite3.connect("app.db")


def by_name(name):
    return conn.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()


def by_id(user_id):
    return conn.execute("SELECT * FROM users WHERE id = %s" % user_id).fetchall()


def count(table):
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
'''}, ("INJ001",))
    assert found == [("repo.py", 7, "INJ001", "low", "high"), ("repo.py", 11, "INJ001", "low", "high")]


@pytest.mark.parametrize(("source", "line"), [
    ('''
import os

from tornado.web import RequestHandler


class PingHandler(RequestHandler):
    def get(self):
        os.system("ping -c 1 " + self.get_argument("host"))
''', 8),
    ('''
import os

from aiohttp import web


async def ping(request):
    data = await request.post()
    os.system("ping -c 1 " + data["host"])
''', 8),
    ('''
import os

import falcon


class PingResource:
    def on_get(self, req, resp):
        os.system("ping -c 1 " + req.get_param("host"))
''', 8),
], ids=["tornado", "aiohttp", "falcon"])
def test_request_reads_of_frameworks_without_a_route_map(tmp_path: Path, source: str, line: int) -> None:
    found = _run(tmp_path, {"server.py": source}, ("INJ002",))
    assert found == [("server.py", line, "INJ002", "medium", "critical")]


def test_cookies_and_headers_are_client_input_sessions_low_and_not_redirect_targets(tmp_path: Path) -> None:
    found = _run(tmp_path, {"app.py": '''
import subprocess

from flask import Flask, redirect, request, session
from flask_login import login_required

app = Flask(__name__)


@app.get("/a")
@login_required
def from_header():
    subprocess.run("nslookup " + request.headers["X-Host"], shell=True)
    return "ok"


@app.get("/b")
@login_required
def from_cookie():
    subprocess.run("nslookup " + request.cookies["host"], shell=True)
    return "ok"


@app.get("/c")
@login_required
def from_session():
    subprocess.run("nslookup " + session["host"], shell=True)
    return redirect(session["next"])
'''}, ("INJ002", "INJ010"))
    assert found == [("app.py", 12, "INJ002", "high", "critical"), ("app.py", 19, "INJ002", "high", "critical"),
                     ("app.py", 26, "INJ002", "low", "critical")]


def test_helpers_handed_the_request_and_methods_reading_self_attributes(tmp_path: Path) -> None:
    found = _run(tmp_path, {"app.py": '''
import subprocess

from flask import Flask, request
from flask_login import login_required

from helpers import archive_name

app = Flask(__name__)


class Backup:
    def __init__(self, target):
        self.target = target

    def run(self):
        subprocess.run(f"tar -czf {self.target}.tgz /srv/data", shell=True)


@app.post("/backup")
@login_required
def backup():
    Backup(request.form["name"]).run()
    job = Backup(request.form["name"])
    job.run()
    return archive_name(request)
''', "helpers.py": '''
import os


def archive_name(request):
    os.system("touch " + request.args["name"])
    return "ok"
'''}, ("INJ002",))
    assert found == [("app.py", 16, "INJ002", "medium", "critical"), ("helpers.py", 5, "INJ002", "medium", "critical")]


def test_xxe_variants(tmp_path: Path) -> None:
    found = _run(tmp_path, {"app.py": '''
import xml.etree.ElementTree as ET

from flask import Flask, request
from flask_login import login_required
from lxml import etree

app = Flask(__name__)
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


@app.post("/a")
@login_required
def resolving():
    return etree.fromstring(request.data, etree.XMLParser(load_dtd=True)).tag


@app.post("/b")
@login_required
def default():
    return etree.fromstring(request.data).tag


@app.post("/c")
@login_required
def stdlib():
    return ET.fromstring(request.data).tag


@app.post("/d")
@login_required
def safe():
    return etree.fromstring(request.data, SAFE).tag
'''}, ("INJ009",))
    assert found == [("app.py", 14, "INJ009", "high", "high"), ("app.py", 20, "INJ009", "medium", "medium"),
                     ("app.py", 26, "INJ009", "high", "low")]


def test_open_redirect_guards(tmp_path: Path) -> None:
    found = _run(tmp_path, {"app.py": '''
from urllib.parse import urlparse

from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme


def a(request):
    return redirect(request.GET["next"])


def b(request):
    target = request.GET["next"]
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


def c(request):
    target = request.GET["next"]
    if not target.startswith("https://"):
        target = "/"
    return HttpResponseRedirect(target)


def d(request):
    return HttpResponseRedirect(f"/items/{request.GET['slug']}")


def e(request):
    return redirect(request.META.get("HTTP_REFERER", "/"))


urlpatterns = [path("a", a), path("b", b), path("c", c), path("d", d), path("e", e)]
'''}, ("INJ010",))
    assert [(line, code) for _, line, code, _, _ in found] == [(10, "INJ010"), (24, "INJ010")]


def test_template_written_to_disk_and_library_evaluators(tmp_path: Path) -> None:
    found = _run(tmp_path, {"app.py": '''
from pathlib import Path

from flask import Flask, request
from flask_login import login_required
from PIL import ImageMath

app = Flask(__name__)
TEMPLATES = Path("app/templates/custom")


@app.post("/themes/<name>")
@login_required
def save_theme(name):
    (TEMPLATES / "theme.html").write_text(request.form["html"])
    (TEMPLATES / "theme.json").write_text(request.form["html"])
    return "ok"


@app.post("/filters")
@login_required
def apply_filter():
    return str(ImageMath.eval(request.form["expr"], a=1))
'''}, ("INJ003", "INJ006"))
    assert [(line, code) for _, line, code, _, _ in found] == [(14, "INJ006"), (22, "INJ003")]


def test_outbound_requests_and_the_request_own_url_are_not_client_choices(tmp_path: Path) -> None:
    found = _run(tmp_path, {"proxy.py": '''
import httpx
from starlette.requests import Request
from starlette.responses import RedirectResponse


async def forward(client: httpx.AsyncClient, request: httpx.Request):
    return await client.get(request.url)


def add_slash(scope):
    request = Request(scope)
    target = f"{request.url.path}/"
    return RedirectResponse(url=target)


def bounce(scope):
    request = Request(scope)
    return RedirectResponse(url=request.query_params["to"])
'''}, ("INJ005", "INJ010"))
    assert found == [("proxy.py", 18, "INJ010", "medium", "medium")]


def test_redirects_to_model_objects_and_through_safe_url_helpers(tmp_path: Path) -> None:
    found = _run(tmp_path, {"views.py": '''
from django.shortcuts import redirect
from django.urls import path

from forms import MoveForm
from helpers import is_safe_url


def move(request):
    form = MoveForm(request.POST)
    moved = form.save()
    return redirect(moved)


def back(request):
    data = request.POST.copy()
    target = data.get("next")
    if target and is_safe_url(target):
        return redirect(target)
    nxt = data.get("next")
    return redirect(nxt)


urlpatterns = [path("move", move), path("back", back)]
''', "forms.py": '''
class MoveForm:
    def __init__(self, data):
        self.data = data

    def save(self):
        return self.data
''', "helpers.py": '''
def is_safe_url(url):
    return bool(url)
'''}, ("INJ010",))
    assert [(line, code) for _, line, code, _, _ in found] == [(20, "INJ010")]



def test_a_handler_of_several_methods_is_named_by_the_write_that_runs_the_sql(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text('''
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/account/sign-in", methods=["GET", "POST"])
def sign_in():
    if request.method == "POST":
        name = request.form.get("name")
        sqlite3.connect("db").execute("SELECT * FROM users WHERE name = '%s'" % name)
    return "form"
''', encoding="utf-8")
    [finding] = analyze_dir(tmp_path, select=("INJ001",)).findings
    assert finding.message.startswith("POST /account/sign-in ")
