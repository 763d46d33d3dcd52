"""INJ011 on small apps: Host header links in Django and FastAPI, checks, and links never sent."""

from __future__ import annotations

from apilint.rule import Example
from apilint.testing import run_example

SETTINGS = """
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ROOT_URLCONF = "app.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "app"]
"""


def test_django_meta_host_into_a_mail_and_checked_hosts():
    example = Example("""
        import logging

        from django.core.mail import send_mail
        from django.http import JsonResponse
        from django.urls import path
        from django.views.decorators.http import require_POST

        log = logging.getLogger(__name__)
        TRUSTED = ("support.example.com",)


        @require_POST
        def verify_email(request):
            host = request.META["HTTP_HOST"]
            link = "https://{}/verify/{}".format(host, request.user.pk)
            send_mail("Verify", link, "no-reply@example.com", [request.user.email])  # expect: INJ011
            return JsonResponse({"ok": True})


        @require_POST
        def checked(request):
            host = request.META.get("HTTP_HOST", "")
            if not host.endswith(TRUSTED):
                return JsonResponse({"ok": False}, status=400)
            send_mail("Verify", f"https://{host}/verify", "no-reply@example.com", [request.user.email])
            return JsonResponse({"ok": True})


        @require_POST
        def logged(request):
            host = request.META["HTTP_HOST"]
            log.info("verify link for https://%s", host)
            return JsonResponse({"host_seen": f"{host}"})


        urlpatterns = [path("verify/", verify_email), path("checked/", checked), path("logged/", logged)]
    """, main="app/urls.py", files=(("app/__init__.py", ""), ("proj/__init__.py", ""), ("proj/settings.py", SETTINGS)))
    found, expected = run_example(example, select=("INJ011",))
    assert found == expected.expect


def test_fastapi_header_into_a_returned_link():
    example = Example("""
        from fastapi import FastAPI, HTTPException, Request

        app = FastAPI()
        PUBLIC_HOSTS = {"docs.example.com"}


        @app.get("/share/{doc_id}")
        def share(doc_id: int, request: Request):
            return {"url": "https://" + request.headers["host"] + f"/docs/{doc_id}"}  # expect: INJ011


        @app.get("/whoami")
        def whoami(request: Request):
            return {"host": request.headers.get("host")}


        @app.post("/publish/{doc_id}")
        def publish(doc_id: int, request: Request):
            origin = request.headers.get("host", "")
            bare = origin.split(":")[0]
            if bare not in PUBLIC_HOSTS:
                raise HTTPException(status_code=400)
            return {"url": f"https://{origin}/public/{doc_id}"}
    """)
    found, expected = run_example(example, select=("INJ011",))
    assert found == expected.expect
