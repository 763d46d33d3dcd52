"""INJ002-INJ007 on small apps: sources, propagation, sanitizers, guards and helper modules.

Each case is one app file (plus shared helpers); `# expect:` markers say exactly which INJ
findings it must produce, and a case without markers must produce none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.rule import Example
from apilint.testing import analyze_dir, run_example

FASTAPI = """
import os
import shlex
import subprocess
from pathlib import Path
from typing import Literal
from uuid import UUID

import httpx
import requests
from fastapi import Depends, FastAPI, HTTPException, Query, UploadFile
from fastapi.responses import FileResponse
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

app = FastAPI()
oauth2 = OAuth2PasswordBearer(tokenUrl="token")
BASE = Path("/srv/files").resolve()
API_URL = "https://api.example.com"
"""

FLASK = """
import os
import pickle
import subprocess

import requests
import yaml
from flask import Flask, abort, jsonify, render_template_string, request, send_file
from flask_login import login_required
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOADS = "/srv/uploads"
"""

HELPERS = """
import subprocess
from urllib.parse import urljoin

import requests


def run_tool(cmd):
    return subprocess.check_output(cmd, shell=True)  # expect: INJ002


def fetch(url):
    return requests.get(url, timeout=5).text  # expect: INJ005


def fetch_user(user_id):
    return requests.get(urljoin("https://api.example.com/", f"users/{user_id}"), timeout=5).json()


def build_url(host):
    return f"http://{host}/status"
"""

HELPER_CASES = {"helpers-module"}

CASES: dict[str, str] = {
    # --- INJ002 command injection --------------------------------------------------------
    "cmd-os-system-query": FASTAPI + """
@app.get("/ping")
def ping(host: str, token: str = Depends(oauth2)):
    os.system("ping -c 1 " + host)  # expect: INJ002
""",
    "cmd-shell-true-via-local": FASTAPI + """
@app.get("/dig")
def dig(domain: str, token: str = Depends(oauth2)):
    cmd = f"dig +short {domain}"
    return subprocess.check_output(cmd, shell=True)  # expect: INJ002
""",
    "cmd-program-from-input": FASTAPI + """
@app.post("/run")
def run(tool: str, arg: str, token: str = Depends(oauth2)):
    return subprocess.run([tool, "--version"], capture_output=True).stdout  # expect: INJ002
""",
    "cmd-shlex-split-program": FASTAPI + """
@app.post("/exec")
def run_command(command: str, token: str = Depends(oauth2)):
    return subprocess.run(shlex.split(command), capture_output=True).stdout  # expect: INJ002
""",
    "cmd-list-args-no-shell-is-safe": FASTAPI + """
@app.get("/ping")
def ping(host: str, token: str = Depends(oauth2)):
    return subprocess.run(["ping", "-c", "1", "--", host], capture_output=True).stdout
""",
    "cmd-shlex-quote-is-safe": FASTAPI + """
@app.get("/ping")
def ping(host: str, token: str = Depends(oauth2)):
    return subprocess.run(f"ping -c 1 {shlex.quote(host)}", shell=True, capture_output=True).stdout
""",
    "cmd-allow-list-is-safe": FASTAPI + """
ALLOWED = {"uptime", "df", "free"}


@app.get("/stats")
def stats(name: str, token: str = Depends(oauth2)):
    if name not in ALLOWED:
        raise HTTPException(status_code=400, detail="unknown command")
    return subprocess.run(name, shell=True, capture_output=True).stdout
""",
    "cmd-literal-and-int-params-are-safe": FASTAPI + """
@app.get("/tail")
def tail(lines: int, fmt: Literal["json", "text"], job: UUID, token: str = Depends(oauth2)):
    return subprocess.run(f"tail -n {lines} /var/log/{job}.{fmt}", shell=True, capture_output=True).stdout
""",
    "cmd-regex-guard-is-safe": FASTAPI + """
import re


@app.get("/ping")
def ping(host: str, token: str = Depends(oauth2)):
    if not re.fullmatch(r"[a-z0-9.-]+", host):
        raise HTTPException(status_code=400, detail="bad host")
    os.system(f"ping -c 1 {host}")
""",
    "cmd-int-cast-is-safe": FASTAPI + """
@app.get("/sleep")
def sleep(seconds: str, token: str = Depends(oauth2)):
    n = int(seconds)
    os.system(f"sleep {n}")
""",
    "cmd-flask-form": FLASK + """
@app.post("/convert")
@login_required
def convert():
    name = request.form["name"]
    subprocess.call("convert /tmp/in.png /tmp/%s.jpg" % name, shell=True)  # expect: INJ002
    return jsonify(ok=True)
""",
    # --- INJ003 code injection -----------------------------------------------------------
    "code-pickle-upload": FASTAPI + """
import pickle


@app.post("/models")
async def upload_model(file: UploadFile, token: str = Depends(oauth2)):
    model = pickle.loads(await file.read())  # expect: INJ008
    return {"type": type(model).__name__}
""",
    "code-yaml-load-unsafe": FLASK + """
@app.post("/config")
@login_required
def load_config():
    data = yaml.load(request.data, Loader=yaml.Loader)  # expect: INJ008
    return jsonify(data)
""",
    "code-yaml-safe-loader-is-safe": FLASK + """
@app.post("/config")
@login_required
def load_config():
    data = yaml.load(request.data, Loader=yaml.SafeLoader)
    other = yaml.safe_load(request.data)
    return jsonify(data, other)
""",
    "code-pickle-b64-cookie": FLASK + """
import base64


@app.get("/prefs")
@login_required
def prefs():
    raw = request.cookies.get("prefs", "")
    return jsonify(pickle.loads(base64.b64decode(raw)))  # expect: INJ008
""",
    "code-json-is-safe": FLASK + """
import json


@app.post("/data")
@login_required
def data():
    return jsonify(json.loads(request.data))
""",
    # --- INJ004 path traversal -----------------------------------------------------------
    "path-join-query": FASTAPI + """
@app.get("/download")
def download(name: str, token: str = Depends(oauth2)):
    path = os.path.join("/srv/files", name)
    return FileResponse(path)  # expect: INJ004
""",
    "path-pathlib-read": FASTAPI + """
@app.get("/notes")
def read_note(name: str, token: str = Depends(oauth2)):
    return {"text": (BASE / name).read_text()}  # expect: INJ004
""",
    "path-resolve-is-relative-to-is-safe": FASTAPI + """
@app.get("/download")
def download(name: str, token: str = Depends(oauth2)):
    path = (BASE / name).resolve()
    if not path.is_relative_to(BASE):
        raise HTTPException(status_code=404)
    return FileResponse(path)
""",
    "path-realpath-startswith-is-safe": FASTAPI + """
@app.delete("/files")
def delete(name: str, token: str = Depends(oauth2)):
    full = os.path.realpath(os.path.join("/srv/files", name))
    if not full.startswith("/srv/files/"):
        raise HTTPException(status_code=400)
    os.remove(full)
""",
    "path-basename-and-name-are-safe": FASTAPI + """
@app.get("/download")
def download(name: str, other: str, token: str = Depends(oauth2)):
    a = open(os.path.join("/srv/files", os.path.basename(name)))
    b = open(BASE / Path(other).name)
    return {"a": a.read(), "b": b.read()}
""",
    "path-int-and-uuid-params-are-safe": FASTAPI + """
@app.get("/files/{file_id}")
def download(file_id: int, job: UUID, token: str = Depends(oauth2)):
    return FileResponse(f"/srv/files/{job}/{file_id}.pdf")
""",
    "path-db-row-is-not-input": FASTAPI + """
@app.get("/files/{file_id}")
def download(file_id: int, name: str, token: str = Depends(oauth2)):
    stored = db_lookup(name)
    return FileResponse(stored.path)


def db_lookup(name):
    return None
""",
    "path-segment-param-low": FASTAPI + """
@app.get("/avatars/{filename}")
def avatar(filename: str, token: str = Depends(oauth2)):
    return FileResponse(f"/srv/avatars/{filename}")  # expect: INJ004
""",
    "path-upload-filename": FASTAPI + """
@app.post("/upload")
async def upload(file: UploadFile, token: str = Depends(oauth2)):
    with open(f"/srv/uploads/{file.filename}", "wb") as out:  # expect: INJ004
        out.write(await file.read())
""",
    "path-flask-save-unsanitized": FLASK + """
@app.post("/upload")
@login_required
def upload():
    f = request.files["file"]
    f.save(os.path.join(UPLOADS, f.filename))  # expect: INJ004
    return jsonify(ok=True)
""",
    "path-flask-secure-filename-is-safe": FLASK + """
@app.post("/upload")
@login_required
def upload():
    f = request.files["file"]
    f.save(os.path.join(UPLOADS, secure_filename(f.filename)))
    return send_file(os.path.join(UPLOADS, secure_filename(request.args["name"])))
""",
    "path-flask-int-converter-is-safe": FLASK + """
@app.get("/reports/<int:report_id>")
@login_required
def report(report_id):
    return send_file(f"/srv/reports/{report_id}.pdf")
""",
    "path-flask-path-converter": FLASK + """
@app.get("/static-files/<path:subpath>")
@login_required
def static_files(subpath):
    return send_file(os.path.join(UPLOADS, subpath))  # expect: INJ004
""",
    "path-django-upload-name-is-a-basename": """
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import path


@login_required
def upload(request):
    doc = request.FILES["document"]
    with open(f"/srv/docs/{doc.name}", "wb") as out:
        for chunk in doc.chunks():
            out.write(chunk)
    with open(f"/srv/docs/{request.POST['name']}", "wb") as out:  # expect: INJ004
        out.write(b"")
    return JsonResponse({"ok": True})


urlpatterns = [path("upload/", upload)]
""",
    "path-dotdot-guard-is-safe": FLASK + """
@app.get("/logs")
@login_required
def logs():
    name = request.args.get("name", "")
    if ".." in name or name.startswith("/"):
        abort(400)
    return send_file(os.path.join("/var/log/app", name))
""",
    "path-extension-check-is-not-a-guard": FLASK + """
ALLOWED_EXTENSIONS = {"png", "jpg"}


def allowed_file(filename):
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


@app.post("/images")
@login_required
def upload_image():
    f = request.files["image"]
    if not allowed_file(f.filename):
        abort(400)
    f.save(os.path.join(UPLOADS, f.filename))  # expect: INJ004
    return jsonify(ok=True)
""",
    # --- INJ005 SSRF ------------------------------------------------------------------------
    "ssrf-query-url": FASTAPI + """
@app.get("/fetch")
def fetch(url: str, token: str = Depends(oauth2)):
    return requests.get(url, timeout=5).text  # expect: INJ005
""",
    "ssrf-host-in-fstring": FASTAPI + """
@app.get("/health-of")
def health_of(host: str, token: str = Depends(oauth2)):
    return requests.get(f"http://{host}:8080/health", timeout=5).json()  # expect: INJ005
""",
    "ssrf-fixed-base-is-safe": FASTAPI + """
@app.get("/users/{user_id}/profile")
def profile(user_id: str, q: str, token: str = Depends(oauth2)):
    a = requests.get(f"{API_URL}/users/{user_id}", timeout=5).json()
    b = requests.get(f"https://api.example.com/search?q={q}", timeout=5).json()
    c = requests.get("https://api.example.com/search", params={"q": q}, timeout=5).json()
    d = httpx.get(API_URL + "/items/" + q).json()
    return [a, b, c, d]
""",
    "ssrf-session-object": FASTAPI + """
http = requests.Session()


@app.post("/webhooks/test")
def test_webhook(callback_url: str, token: str = Depends(oauth2)):
    return http.post(callback_url, json={"ping": True}, timeout=5).status_code  # expect: INJ005
""",
    "ssrf-allow-list-is-safe": FASTAPI + """
from urllib.parse import urlparse

ALLOWED_HOSTS = {"hooks.slack.com"}


@app.post("/webhooks/test")
def test_webhook(callback_url: str, token: str = Depends(oauth2)):
    parsed = urlparse(callback_url)
    if parsed.hostname not in ALLOWED_HOSTS:
        raise HTTPException(status_code=400)
    return requests.post(callback_url, json={"ping": True}, timeout=5).status_code
""",
    "ssrf-lookup-among-known-records-is-safe": FASTAPI + """
RELEASES = [{"link": "https://releases.example.com/1.json"}]


class Release(BaseModel):
    link: str


def known_releases() -> list[Release]:
    return [Release(**r) for r in RELEASES]


@app.get("/releases/details")
def release_details(details_link: str, token: str = Depends(oauth2)):
    release = next((r for r in known_releases() if r.link == details_link), None)
    if not release:
        raise HTTPException(status_code=404)
    return httpx.get(details_link, timeout=5).json()


@app.get("/releases/mirror")
def release_mirror(link: str, token: str = Depends(oauth2)):
    matches = [r for r in known_releases() if link == r.link]
    if not matches:
        raise HTTPException(status_code=404)
    return requests.get(link, timeout=5).text


@app.get("/releases/check")
def release_check(link: str, token: str = Depends(oauth2)):
    if not any(r.link == link for r in known_releases()):
        raise HTTPException(status_code=404)
    found = next((r for r in known_releases() if r.link == link), None)
    if found is None:
        raise HTTPException(status_code=404)
    return requests.get(link, timeout=5).text
""",
    "ssrf-lookup-that-proves-nothing": FASTAPI + """
class Target(BaseModel):
    url: str


@app.post("/fetch")
def fetch(targets: list[Target], url: str, token: str = Depends(oauth2)):
    match = next((t for t in targets if t.url == url), None)  # the client's own list
    if not match:
        raise HTTPException(status_code=404)
    return requests.get(url, timeout=5).text  # expect: INJ005


@app.get("/fetch-anyway")
def fetch_anyway(url: str, token: str = Depends(oauth2)):
    match = next((t for t in KNOWN if t.url == url), None)
    if match:
        print("known")
    return requests.get(url, timeout=5).text  # expect: INJ005


KNOWN: list[Target] = []
""",
    "ssrf-rebound-parse-name": FASTAPI + """
from urllib.parse import urlsplit

ALLOWED_HOSTS = {"hooks.slack.com"}


@app.post("/webhooks/check")
def check_webhook(callback: str, token: str = Depends(oauth2)):
    callback = urlsplit(callback)  # the name is rebound to its own parse: followed once, not forever
    if "" in (callback.scheme, callback.netloc):
        raise HTTPException(status_code=400)
    if callback.hostname not in ALLOWED_HOSTS:
        raise HTTPException(status_code=400)
    return requests.post(callback.geturl(), json={"ping": True}, timeout=5).status_code
""",
    "ssrf-scheme-check-is-not-enough": FASTAPI + """
@app.post("/import")
def import_url(url: str, token: str = Depends(oauth2)):
    if not url.startswith(("http://", "https://")):
        raise HTTPException(status_code=400)
    return requests.get(url, timeout=5).text  # expect: INJ005
""",
    "helpers-module": FASTAPI + """
from app.helpers import build_url, fetch, fetch_user, run_tool


@app.get("/proxy")
def proxy(url: str, host: str, user_id: str, domain: str, token: str = Depends(oauth2)):
    run_tool(f"whois {domain}")
    a = fetch(url)
    b = requests.get(build_url(host), timeout=5).text  # expect: INJ005
    c = fetch_user(user_id)
    return [a, b, c]
""",
    "ssrf-urljoin-absolute": FASTAPI + """
from urllib.parse import urljoin


@app.get("/docs-proxy")
def docs_proxy(page: str, token: str = Depends(oauth2)):
    return requests.get(urljoin("https://docs.example.com/", page), timeout=5).text  # expect: INJ005
""",
    "ssrf-flask-json": FLASK + """
@app.post("/avatar-from-url")
@login_required
def avatar_from_url():
    data = request.get_json()
    image = requests.get(data["image_url"], timeout=5).content  # expect: INJ005
    return jsonify(size=len(image))
""",
    "ssrf-scheme-variable-then-host": FASTAPI + """
@app.get("/probe")
def probe(host: str, secure: bool = True, token: str = Depends(oauth2)):
    scheme = "https" if secure else "http"
    return httpx.get(f"{scheme}://{host}/healthz").status_code  # expect: INJ005
""",
    "ssrf-drf-query-params": """
import requests
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class LinkPreview(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        target = self.request.query_params.get("target")
        return Response({"body": requests.get(target, timeout=5).text[:500]})  # expect: INJ005


class Status(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, service):
        return Response(requests.get(f"https://status.example.com/{service}", timeout=5).json())
""" + """
from django.urls import path

urlpatterns = [path("preview/", LinkPreview.as_view()), path("status/<str:service>/", Status.as_view())]
""",
    "code-django-eval-and-mark-safe": """
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils.safestring import mark_safe


@login_required
def calc(request):
    return JsonResponse({"value": eval(request.POST["expr"])})  # expect: INJ003


@login_required
def hello(request, name):
    return HttpResponse(mark_safe("<h1>Hello %s</h1>" % name))  # expect: INJ007


@login_required
def report(request, report_id):
    return HttpResponse(open(f"/srv/reports/{report_id}.html").read())


urlpatterns = [
    path("calc/", calc),
    path("hello/<str:name>/", hello),
    path("reports/<int:report_id>/", report),
]
""",
    # --- INJ006 template injection -------------------------------------------------------
    "tmpl-render-template-string": FLASK + """
@app.get("/hello")
@login_required
def hello():
    name = request.args.get("name", "")
    template = "<h1>Hello " + name + "</h1>"
    return render_template_string(template)  # expect: INJ006
""",
    "tmpl-jinja-env-from-string": FASTAPI + """
from jinja2 import Environment

env = Environment(autoescape=True)


class Mail(BaseModel):
    subject: str
    body: str


@app.post("/mail/preview")
def preview(mail: Mail, token: str = Depends(oauth2)):
    return {"html": env.from_string(mail.body).render(subject=mail.subject)}  # expect: INJ006
""",
    "tmpl-context-variable-is-safe": FLASK + """
@app.get("/hello")
@login_required
def hello():
    return render_template_string("<h1>Hello {{ name }}</h1>", name=request.args.get("name", ""))
""",
    "tmpl-sandbox-is-safe": FASTAPI + """
from jinja2.sandbox import SandboxedEnvironment

sandbox = SandboxedEnvironment()


@app.post("/render")
def render(source: str, token: str = Depends(oauth2)):
    return {"html": sandbox.from_string(source).render()}
""",
    # --- INJ007 markup ----------------------------------------------------------------------
    "markup-flask": FLASK + """
from markupsafe import Markup, escape


@app.get("/banner")
@login_required
def banner():
    msg = request.args.get("msg", "")
    bad = Markup(f"<div class='banner'>{msg}</div>")  # expect: INJ007
    good = Markup(f"<div class='banner'>{escape(msg)}</div>")
    also_good = Markup("<div class='banner'>%s</div>") % msg
    return jsonify(str(bad), str(good), str(also_good))
""",
}


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_inj_case(case: str):
    # run_tool() runs an unknown command through a shell: reported (low) whether a route calls it or not
    helpers = HELPERS if case in HELPER_CASES else HELPERS.replace("  # expect: INJ005", "")
    example = Example(CASES[case], files=(("app/__init__.py", ""), ("app/helpers.py", helpers)))
    found, expected = run_example(example, select=("INJ",))
    assert found == expected.expect


def test_segment_path_param_is_low_confidence(tmp_path: Path):
    example = Example(CASES["path-segment-param-low"], files=(("app/__init__.py", ""),))
    for rel, source in example.all_files():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(source, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    [finding] = analyze_dir(tmp_path, select=("INJ004",)).findings
    assert finding.confidence.value == "low"
    assert "GET /avatars/{filename}" in finding.message


def test_regex_sub_keeps_input_unless_it_is_an_allow_list(tmp_path: Path) -> None:
    # stripping a scheme or `www.` leaves the client's text; replacing every character outside a class does not
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(FLASK + """
import re


@app.post("/lookup")
@login_required
def lookup():
    domain = re.sub(r"^(?:https?://)?(?:www\\.)?", "", request.form["domain"], flags=re.IGNORECASE)
    return subprocess.check_output("dig {}".format(domain), shell=True)


@app.post("/ping")
@login_required
def ping():
    host = re.sub(r"[^a-zA-Z0-9.-]+", "", request.form["host"])
    return subprocess.check_output(["ping", "-c", "1", host])


@app.get("/files")
@login_required
def read_file():
    name = re.sub(r"\\.\\./", "", request.args["name"])
    return send_file(os.path.join(UPLOADS, name))
""", encoding="utf-8")
    found = sorted((f.location.line, f.code, f.confidence.value)
                   for f in analyze_dir(tmp_path, select=("INJ",)).findings)
    assert found == [(22, "INJ002", "high"), (36, "INJ004", "high")]


def test_ssrf_on_an_admin_only_route_is_low_confidence(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text('''
import httpx
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_admin_user(token: str = Depends(scheme)) -> dict:
    user = {"role": "admin" if token == "a" else "user"}
    if user["role"] != "admin":
        raise HTTPException(status_code=403)
    return user


def get_user(token: str = Depends(scheme)) -> dict:
    if not token:
        raise HTTPException(status_code=401)
    return {"role": "user"}


@app.post("/admin/integrations/verify")
async def verify_integration(url: str, admin: dict = Depends(get_admin_user)) -> dict:
    async with httpx.AsyncClient() as client:
        return {"status": (await client.get(url)).status_code}


@app.post("/previews")
async def preview(url: str, user: dict = Depends(get_user)) -> dict:
    async with httpx.AsyncClient() as client:
        return {"status": (await client.get(url)).status_code}
''', encoding="utf-8")
    found = sorted((f.location.line, f.confidence.value) for f in analyze_dir(tmp_path, select=("INJ005",)).findings)
    assert found == [(26, "low"), (32, "high")]


def test_graphql_resolver_arguments_are_client_input(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text('''
from flask import Flask
from flask_graphql import GraphQLView

from schema import schema

app = Flask(__name__)
app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema, graphiql=False))
''', encoding="utf-8")
    (tmp_path / "schema.py").write_text('''
import os

import graphene
from sqlalchemy import text

from db import session


class Query(graphene.ObjectType):
    diagnostics = graphene.String(host=graphene.String())
    pastes = graphene.List(graphene.String, title=graphene.String())
    paste = graphene.String(paste_id=graphene.Int())

    def resolve_diagnostics(self, info, host):
        return os.popen(f"ping -c 1 {host}").read()

    def resolve_pastes(self, info, **kwargs):
        title = kwargs.get("title", "")
        return session.execute(text(f"SELECT body FROM pastes WHERE title = '{title}'")).all()

    def resolve_paste(self, info, paste_id: int):
        return session.execute(text("SELECT body FROM pastes WHERE id = :id"), {"id": paste_id}).scalar()


class UploadPaste(graphene.Mutation):
    class Arguments:
        filename = graphene.String()

    ok = graphene.Boolean()

    def mutate(root, info, filename):
        os.system("gzip " + filename)
        return UploadPaste(ok=True)


class Mutation(graphene.ObjectType):
    upload_paste = UploadPaste.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
''', encoding="utf-8")
    (tmp_path / "db.py").write_text("session = None\n", encoding="utf-8")
    found = sorted((f.location.line, f.code, f.route or "")
                   for f in analyze_dir(tmp_path, select=("INJ001", "INJ002")).findings)
    assert found == [(16, "INJ002", "POST /graphql (query diagnostics)"),
                     (20, "INJ001", "POST /graphql (query pastes)"),
                     (33, "INJ002", "POST /graphql (mutation UploadPaste)")]


def test_strawberry_and_ariadne_query_arguments_are_client_input(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.py").write_text('''
import subprocess

import strawberry
from ariadne import QueryType, make_executable_schema
from ariadne.asgi import GraphQL
from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter


@strawberry.type
class Query:
    @strawberry.field
    def ping(self, host: str) -> str:
        return subprocess.check_output(f"ping -c 1 {host}", shell=True).decode()

    @strawberry.field
    def count(self, limit: int) -> int:
        return subprocess.call(f"seq {limit}", shell=True)


query = QueryType()


@query.field("lookup")
def resolve_lookup(obj, info, domain):
    return subprocess.check_output("nslookup " + domain, shell=True).decode()


app = FastAPI()
app.include_router(GraphQLRouter(strawberry.Schema(query=Query)), prefix="/graphql")
app.mount("/ariadne", GraphQL(make_executable_schema("type Query { lookup(domain: String!): String }", query)))
''', encoding="utf-8")
    found = sorted((f.location.line, f.route or "") for f in analyze_dir(tmp_path, select=("INJ002",)).findings)
    assert [line for line, _ in found] == [15, 27]
    assert all("(query " in route for _, route in found)


def test_a_project_containment_helper_guards_a_path(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "utils.py").write_text('''
from pathlib import Path


def is_path_inside(child: Path, parent: Path) -> bool:
    return parent.resolve() in child.resolve().parents


def has_extension(name: str) -> bool:
    return "." in name
''', encoding="utf-8")
    (tmp_path / "main.py").write_text('''
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

from utils import has_extension, is_path_inside

app = FastAPI()
PUBLIC = Path("public")


@app.get("/public/{filename}")
async def public_file(filename: str):
    path = (PUBLIC / filename).resolve()
    if not is_path_inside(path, PUBLIC):
        raise HTTPException(status_code=400)
    return FileResponse(path)


@app.get("/files/{filename:path}")
async def any_file(filename: str):
    path = PUBLIC / filename
    if not has_extension(filename):
        raise HTTPException(status_code=400)
    return FileResponse(path)
''', encoding="utf-8")
    found = [f.location.line for f in analyze_dir(tmp_path, select=("INJ004",)).findings]
    assert found == [26]


def test_sqlalchemy_text_clause_inside_a_query_chain(tmp_path: Path) -> None:
    """`text()` handed to filter()/where() inside an assignment is SQL by construction: a clause
    (`name = '%s'`) built from input is reported where it is built, not only whole statements."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text('''
from flask import Flask, jsonify, request
from sqlalchemy import select, text

from models import Note, db

app = Flask(__name__)


@app.get("/notes")
def list_notes():
    query = Note.query.filter_by(archived=False)
    tag = request.args.get("tag")
    if tag:
        query = query.filter(text("tag = '%s' or label = '%s'" % (tag, tag)))
    return jsonify([n.id for n in query])


@app.get("/notes/search")
def search_notes():
    term = request.args.get("q", "")
    rows = db.session.execute(select(Note).where(text(f"title LIKE '%{term}%'"))).scalars().all()
    return jsonify([n.id for n in rows])


@app.get("/notes/by-owner")
def notes_by_owner():
    owner = request.args.get("owner", "")
    rows = Note.query.filter(text("owner = :owner")).params(owner=owner).all()
    return jsonify([n.id for n in rows])


@app.get("/notes/sorted")
def sorted_notes():
    column = request.args.get("sort", "id")
    rows = Note.query.order_by(text("%s" % column)).all()
    return jsonify([n.id for n in rows])
''', encoding="utf-8")
    (tmp_path / "models.py").write_text("db = None\nNote = None\n", encoding="utf-8")
    found = sorted((f.location.line, f.code) for f in analyze_dir(tmp_path, select=("INJ001",)).findings)
    # the bare `ORDER BY` column (no clause in the literal) stays unreported: too little to tell it is SQL
    assert found == [(15, "INJ001"), (22, "INJ001")]


def test_a_shared_helper_sink_names_every_route_that_reaches_it(tmp_path: Path) -> None:
    """One finding a sink line; when several routes hand client input to the helper holding it,
    the finding names the first and lists the others."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "shell.py").write_text('''
import subprocess


def run(command):
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout
''', encoding="utf-8")
    (tmp_path / "app.py").write_text('''
from flask import Flask, request

import shell

app = Flask(__name__)


@app.post("/tools/ping")
def ping():
    return shell.run("ping -c 1 " + request.json["host"])


@app.post("/tools/lookup")
def lookup():
    return shell.run(f"dig +short {request.json['name']}")


@app.get("/tools/uptime")
def uptime():
    return shell.run("uptime")
''', encoding="utf-8")
    [finding] = analyze_dir(tmp_path, select=("INJ002",)).findings
    assert (finding.location.file, finding.location.line) == ("shell.py", 6)
    assert finding.message.startswith("POST /tools/lookup ")  # routes in route-map order
    assert finding.message.endswith("(also reached from POST /tools/ping)")
def test_sql_formatted_from_typed_parameters_only_is_low(tmp_path: Path):
    """`{order_id}` of an `int` path parameter cannot carry SQL today: low and medium severity;
    a `str` parameter in the same query keeps the full finding."""
    from apilint.testing import analyze_files

    api = '''
    from fastapi import Depends, FastAPI
    from sqlalchemy import text

    app = FastAPI()


    def get_db():
        yield None


    @app.get("/orders/{order_id}")
    def by_id(order_id: int, db=Depends(get_db)):
        return db.execute(text(f"SELECT * FROM orders WHERE id = {order_id}")).all()


    @app.get("/orders/{order_id}/notes")
    def notes(order_id: int, kind: str, db=Depends(get_db)):
        return db.execute(text(f"SELECT * FROM notes WHERE order_id = {order_id} AND kind = '{kind}'")).all()
    '''
    result = analyze_files(tmp_path, {"api.py": api})
    found = sorted((f.location.line, f.confidence.value, f.severity.value) for f in result.findings
                   if f.code == "INJ001")
    assert found == [(14, "low", "medium"), (19, "high", "critical")]


def test_request_path_is_input_but_not_a_url_origin():
    """`request.path` is the client's text (template and SQL sinks), yet always starts with this
    site's `/`: a redirect to it or a fetch of a fixed base plus it keeps the origin. A parameter
    named `request` but typed with a project class is not the HTTP request."""
    example = Example('''
        from dataclasses import dataclass

        import requests
        from flask import Flask, redirect, render_template_string, request

        app = Flask(__name__)
        UPSTREAM = "https://cdn.example.com"


        @app.errorhandler(404)
        def missing(error):
            return render_template_string("<p>No page at " + request.path + "</p>"), 404  # expect: INJ006


        @app.route("/again")
        def again():
            return redirect(request.path)


        @app.route("/assets/<path:name>")
        def assets(name):
            return requests.get(UPSTREAM + request.path, timeout=5).content


        @dataclass
        class ExportRequest:
            path: str


        def export(request: ExportRequest) -> str:
            with open(request.path) as handle:
                return handle.read()
    ''')
    found, expected = run_example(example, select=("INJ006", "INJ010", "INJ005", "INJ004"))
    assert found == expected.expect


def test_request_hooks_reach_every_route(tmp_path: Path) -> None:
    """A `before_request` hook (decorated, or registered with a call) reads any route's request."""
    example = Example('''
        import base64
        import pickle
        from flask import Blueprint, Flask, g, request

        app = Flask(__name__)
        bp = Blueprint("prefs", __name__)


        @bp.before_app_request
        def prefs():
            g.prefs = pickle.loads(base64.b64decode(request.cookies.get("prefs", "")))  # expect: INJ008


        def session_state():
            g.state = pickle.loads(request.get_data())  # expect: INJ008


        app.before_request(session_state)
        app.register_blueprint(bp)
    ''')
    found, expected = run_example(example, select=("INJ008",))
    assert found == expected.expect
    for name, text in example.all_files():
        (tmp_path / name).write_text(text)
    findings = analyze_dir(tmp_path, select=("INJ008",)).findings
    assert len(findings) == 2
    assert all("every request runs it" in f.message and f.confidence.name == "HIGH" for f in findings)


def test_decoded_client_input_keeps_its_taint(tmp_path: Path) -> None:
    """`bytes.fromhex(...)` and kin hand the client's bytes on unchanged: a pickle of them is the
    client's (high confidence), not a value apilint cannot trace (low)."""
    example = Example('''
        import binascii
        import pickle
        from flask import Flask, request

        app = Flask(__name__)


        @app.post("/restore")
        def restore():
            state = pickle.loads(bytes.fromhex(request.form["state"]))  # expect: INJ008
            return {"restored": len(state)}


        @app.post("/import")
        def import_blob():
            return {"rows": len(pickle.loads(binascii.unhexlify(request.args["blob"])))}  # expect: INJ008
    ''')
    found, expected = run_example(example, select=("INJ008",))
    assert found == expected.expect
    for name, text in example.all_files():
        (tmp_path / name).write_text(text)
    findings = analyze_dir(tmp_path, select=("INJ008",)).findings
    assert [f.confidence.name for f in findings] == ["HIGH", "HIGH"]
