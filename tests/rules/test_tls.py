"""TLS001 and TLS002 on small apps: which cookies count, which receivers, which settings modules."""

from __future__ import annotations

import tempfile
from pathlib import Path

from apilint.model import Confidence, Finding
from apilint.rule import Example
from apilint.testing import analyze_dir, run_example

_ON_BY_DEFAULT = ("TLS001", "TLS002", "TLS003")


def _found(source: str, files: tuple[tuple[str, str], ...] = ()) -> set[tuple[str, int, str]]:
    found, expected = run_example(Example(source, files=files), select=_ON_BY_DEFAULT)
    assert found == expected.expect
    return found


def _findings(files: dict[str, str]) -> list[Finding]:
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in files.items():
            path = Path(tmp, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return list(analyze_dir(Path(tmp), select=_ON_BY_DEFAULT).findings)


def test_cookie_judged_by_name_value_and_receiver():
    found = _found("""
        from flask import Flask, make_response, request
        from flask_login import login_required

        app = Flask(__name__)
        AUTH_COOKIE = "auth"


        def set_download_marker(response, token: str) -> None:
            response.set_cookie(token, "done", max_age=600)


        @app.post("/session")
        @login_required
        def start_session():
            resp = make_response({"ok": True})
            resp.set_cookie(AUTH_COOKIE, "x", httponly=True)  # expect: TLS001
            resp.set_cookie("csrftoken", "x")
            resp.set_cookie("theme", "dark")
            resp.set_cookie("is_access_token_expired", "true")
            resp.set_cookie("session_id", "x", secure=request.is_secure, httponly=True)
            resp.set_cookie("jwt", "x", **app.config["COOKIE_OPTIONS"])
            resp.set_cookie("jwt", "", expires=0)
            make_response("ok").set_cookie("sessionid", "x")  # expect: TLS001
            return resp


        def sync(client, jar):
            client.set_cookie("session", "x")
            jar.set_cookie("session", "x")
    """)
    assert len(found) == 2


def test_computed_name_reported_by_credential_value():
    found = _found("""
        from django.conf import settings
        from django.http import JsonResponse


        def issue(request):
            access_token = request.user.make_token()
            response = JsonResponse({})
            response.set_cookie(settings.AUTH_COOKIE_NAME, "x", secure=True)  # expect: TLS001
            response.set_cookie(request.GET["name"], access_token, httponly=True)  # expect: TLS001
            response.set_cookie(request.GET["name"], "plain")
            return response
    """)
    assert len(found) == 2


def test_value_based_cookie_is_medium_confidence():
    findings = _findings({"app.py": (
        "from fastapi import FastAPI, Response\n\napp = FastAPI()\n\n\n"
        "def set_it(response: Response, jwt_token: str) -> None:\n"
        "    response.set_cookie('device', jwt_token)\n")})
    assert [(f.code, f.confidence) for f in findings] == [("TLS001", Confidence.MEDIUM)]


DJANGO_BASE = """
INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "site_conf.urls"
"""
URLS = "from django.urls import path\n\nurlpatterns = []\n"


def test_django_debug_on_settings_are_not_production():
    for debug, expected in (("True", []), ("False", [("TLS002", Confidence.HIGH)])):
        findings = _findings({
            "site_conf/__init__.py": "",
            "site_conf/settings.py": DJANGO_BASE + f"DEBUG = {debug}\nSESSION_COOKIE_SECURE = False\n",
            "site_conf/urls.py": URLS,
        })
        assert [(f.code, f.confidence) for f in findings] == expected


def test_django_env_default_is_low_confidence():
    findings = _findings({
        "site_conf/__init__.py": "",
        "site_conf/settings.py": DJANGO_BASE + "import os\nDEBUG = False\n"
        "SESSION_COOKIE_SECURE = os.environ.get('SESSION_COOKIE_SECURE', 'False') == 'True'\n"
        "SECURE_SSL_REDIRECT = False\n",
        "site_conf/urls.py": URLS,
    })
    judged = sorted((f.message.split(" ")[0], f.confidence) for f in findings)
    assert judged == [("SECURE_SSL_REDIRECT", Confidence.LOW), ("SESSION_COOKIE_SECURE", Confidence.LOW)]


def test_django_local_settings_file_is_skipped():
    findings = _findings({
        "site_conf/__init__.py": "",
        "site_conf/wsgi.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_conf.local_settings')\n",
        "site_conf/local_settings.py": DJANGO_BASE + "DEBUG = False\nSESSION_COOKIE_SECURE = False\n",
        "site_conf/urls.py": URLS,
    })
    assert findings == []


def test_flask_config_classes_and_overridable_defaults():
    findings = _findings({
        "config.py": (
            "class Config:\n    SESSION_COOKIE_HTTPONLY = False\n\n\n"
            "class TestingConfig(Config):\n    SESSION_COOKIE_SECURE = False\n\n\n"
            "class ProductionConfig(Config):\n    SESSION_COOKIE_HTTPONLY = True\n"
        ),
        "app.py": (
            "from flask import Flask\n\napp = Flask(__name__)\napp.config.from_object('config.ProductionConfig')\n"
            "app.config['REMEMBER_COOKIE_SECURE'] = False\n"
            "try:\n    from site_overrides import *\nexcept ImportError:\n    pass\n"
        ),
    })
    judged = sorted((f.location.file, f.location.line, f.confidence) for f in findings)
    assert judged == [("app.py", 5, Confidence.LOW), ("config.py", 2, Confidence.LOW)]


def _confidences(files: dict[str, str], code: str = "TLS003") -> dict[int, str]:
    return {f.location.line: f.confidence.value for f in _findings(files) if f.code == code}


def test_verification_switches_of_every_client_library():
    found = _found("""
        import ssl
        import urllib.request

        import aiohttp
        import httpx
        import requests
        import urllib3
        import websocket
        from elasticsearch import Elasticsearch
        from requests import get as http_get


        def clients(url: str) -> None:
            requests.get(url, verify=False)  # expect: TLS003
            http_get(url, verify=False)  # expect: TLS003
            httpx.Client(verify=False)  # expect: TLS003
            urllib3.PoolManager(cert_reqs="CERT_NONE")  # expect: TLS003
            urllib3.PoolManager(cert_reqs=ssl.CERT_NONE)  # expect: TLS003
            urllib.request.urlopen(url, context=ssl._create_unverified_context())  # expect: TLS003
            aiohttp.TCPConnector(ssl=False)  # expect: TLS003
            aiohttp.TCPConnector(verify_ssl=False)  # expect: TLS003
            websocket.create_connection(url, sslopt={"cert_reqs": ssl.CERT_NONE})  # expect: TLS003
            Elasticsearch([url], verify_certs=False)  # expect: TLS003


        async def fetch(session: aiohttp.ClientSession, url: str) -> bytes:
            async with session.get(url, ssl=False) as reply:  # expect: TLS003
                return await reply.read()


        def contexts() -> ssl.SSLContext:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # expect: TLS003
            return ctx


        def sessions() -> requests.Session:
            session = requests.Session()
            session.verify = False  # expect: TLS003
            return session


        ssl._create_default_https_context = ssl._create_unverified_context  # expect: TLS003
    """)
    assert len(found) == 14


def test_safe_and_unrelated_calls_are_silent():
    _found("""
        import ssl

        import jwt
        import requests
        from redis import Redis


        def fine(url: str, token: str, ca_bundle: str, verify: bool) -> None:
            requests.get(url, timeout=5)
            requests.get(url, verify=ca_bundle)
            requests.get(url, verify=True)
            requests.get(url, verify=verify)
            requests.get(url, verify=None)
            jwt.decode(token, verify=False)
            Redis(ssl=False)
            ctx = ssl.create_default_context(cafile=ca_bundle)
            ctx.verify_mode = ssl.CERT_REQUIRED
    """)


def test_flags_followed_through_constants_settings_and_environment():
    confidences = _confidences({
        "app/config.py": (
            "import os\n"
            "from pydantic_settings import BaseSettings\n\n"
            "VERIFY_UPSTREAM = False\n"
            "VERIFY_SSL = False\n"
            "STRICT_TLS = os.getenv('STRICT_TLS', 'true').lower() == 'true'\n"
            "LAX_TLS = os.getenv('LAX_TLS', 'false').lower() in ('1', 'true')\n\n\n"
            "class Settings(BaseSettings):\n"
            "    verify_webhooks: bool = False\n"
            "    verify_partners: bool = True\n\n\n"
            "settings = Settings()\n"
        ),
        "app/clients.py": (
            "import requests\n"
            "from app import config\n"
            "from app.config import VERIFY_UPSTREAM, settings\n\n\n"
            "def call(url: str, verify_tls: bool = False) -> None:\n"
            "    requests.get(url, verify=VERIFY_UPSTREAM)\n"
            "    requests.get(url, verify=config.VERIFY_SSL)\n"
            "    requests.get(url, verify=config.STRICT_TLS)\n"
            "    requests.get(url, verify=config.LAX_TLS)\n"
            "    requests.get(url, verify=settings.verify_webhooks)\n"
            "    requests.get(url, verify=settings.verify_partners)\n"
            "    requests.get(url, verify=verify_tls)\n"
        ),
    })
    assert confidences == {7: "high", 8: "medium", 10: "low", 11: "low", 13: "low"}


def test_opt_in_branches_and_hostname_only_are_low():
    confidences = _confidences({"client.py": (
        "import ssl\n"
        "import httpx\n\n"
        "_insecure_transport = httpx.AsyncHTTPTransport(verify=False)\n\n\n"
        "def client(insecure: bool, ca: str) -> httpx.Client:\n"
        "    if insecure:\n"
        "        return httpx.Client(verify=False)\n"
        "    ctx = ssl.create_default_context(cafile=ca)\n"
        "    ctx.check_hostname = False\n"
        "    return httpx.Client(verify=False if insecure else ctx)\n"
    )})
    assert confidences == {4: "low", 9: "low", 11: "low", 12: "low"}


def _selected(files: dict[str, str], codes: tuple[str, ...]) -> set[tuple[str, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in files.items():
            path = Path(tmp, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return {(f.location.file, f.location.line) for f in analyze_dir(Path(tmp), select=codes).findings}


def test_https_enforcement_evidence_per_framework():
    flask_app = "from flask import Flask\n\napp = Flask(__name__)\n"
    talisman = "from flask import Flask\nfrom flask_talisman import Talisman\n\napp = Flask(__name__)\nTalisman(app)\n"
    redirect = (
        "from flask import Flask, redirect, request\n\napp = Flask(__name__)\n\n\n"
        "@app.before_request\ndef force_https():\n"
        "    if not request.is_secure:\n        return redirect(request.url.replace('http://', 'https://'), 301)\n"
    )
    assert _selected({"app.py": flask_app}, ("TLS004",)) == {("app.py", 3)}
    assert _selected({"app.py": talisman}, ("TLS004",)) == set()
    assert _selected({"app.py": redirect}, ("TLS004",)) == set()
    settings = ("DEBUG = False\nSECRET_KEY = 'x'\nROOT_URLCONF = 'site.urls'\n"
                "MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\n")
    urls = "from django.urls import path\n\nurlpatterns = []\n"
    files = {"site/__init__.py": "", "site/settings.py": settings, "site/urls.py": urls,
             "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n"}
    assert _selected(files, ("TLS004",)) == {("site/settings.py", 4)}
    files["site/settings.py"] = settings + "SECURE_HSTS_SECONDS = 31536000\n"
    assert _selected(files, ("TLS004",)) == set()


def test_django_signed_cookie_flags_by_keyword():
    _found("""
        from django.http import JsonResponse


        def login(request):
            response = JsonResponse({"ok": True})
            response.set_signed_cookie("sessionid", request.session.session_key, salt="s")  # expect: TLS001
            response.set_signed_cookie("remember_token", "x", salt="s", secure=True, httponly=True)
            return response
    """)


def test_certificate_inspection_and_mode_defaults_are_low():
    confidences = _confidences({"probe.py": (
        "import socket\n"
        "import ssl\n\n\n"
        "def expiry(host: str) -> bytes:\n"
        "    ctx = ssl.create_default_context()\n"
        "    ctx.verify_mode = ssl.CERT_NONE\n"
        "    with socket.create_connection((host, 443)) as sock, ctx.wrap_socket(sock) as tls:\n"
        "        return tls.getpeercert(binary_form=True)\n\n\n"
        "def db_context(mode: str) -> ssl.SSLContext:\n"
        "    ctx = ssl.create_default_context()\n"
        "    ctx.verify_mode = ssl.CERT_NONE\n"
        "    if mode == 'verify-full':\n"
        "        ctx.verify_mode = ssl.CERT_REQUIRED\n"
        "    return ctx\n"
    )})
    assert confidences == {7: "low", 14: "low"}
