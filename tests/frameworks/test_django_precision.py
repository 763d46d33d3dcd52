"""Idioms of mature Django/DRF projects that must not produce false positives."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apilint.model import AuthStatus
from apilint.testing import analyze_dir

SETTINGS = """
    ROOT_URLCONF = "proj.urls"
    INSTALLED_APPS = ["rest_framework", "app"]
"""


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for rel, source in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")
    (tmp_path / ".git").mkdir(exist_ok=True)


def test_decorator_include_protects_every_included_view(tmp_path: Path) -> None:
    _write(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from decorator_include import decorator_include
            from django.contrib.auth.decorators import login_required
            from django.urls import path
            urlpatterns = [path("app/", decorator_include(login_required, "app.urls"))]
        """,
        "app/urls.py": """
            from django.urls import path
            from app import views
            urlpatterns = [path("items/", views.items)]
        """,
        "app/views.py": """
            from django.http import JsonResponse
            def items(request):
                return JsonResponse({"items": []})
        """,
    })
    result = analyze_dir(tmp_path)
    routes = {(r.method, r.path): r for r in result.routes}
    assert routes[("ANY", "/app/items/")].auth.status is AuthStatus.REQUIRED


def test_credentials_of_shared_models_and_foreign_keys(tmp_path: Path) -> None:
    _write(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": "urlpatterns = []\n",
        "app/models.py": """
            from django.conf import settings
            from django.db import models
            class Secret(models.Model):
                name = models.CharField(max_length=50)
            class Webhook(models.Model):
                url = models.URLField()
                secret = models.CharField(max_length=64)
            class Binding(models.Model):
                name = models.CharField(max_length=50)
                secret = models.ForeignKey(Secret, on_delete=models.CASCADE)
            class ApiUser(models.Model):
                name = models.CharField(max_length=50)
                api_token = models.CharField(max_length=64)
        """,
        "app/serializers.py": """
            from rest_framework import serializers
            from app.models import ApiUser, Binding, Webhook
            class WebhookSerializer(serializers.ModelSerializer):
                class Meta:
                    model = Webhook
                    fields = "__all__"
            class BindingSerializer(serializers.ModelSerializer):
                class Meta:
                    model = Binding
                    fields = "__all__"
            class ApiUserSerializer(serializers.ModelSerializer):
                class Meta:
                    model = ApiUser
                    fields = "__all__"
        """,
    })
    result = analyze_dir(tmp_path, select=("EXPO",))
    found = {(f.code, f.location.line): f.confidence.value for f in result.findings}
    # The webhook's signing secret: shown to its managers by design, low confidence.
    assert found[("EXPO002", 4)] == "low" and found[("EXPO003", 7)] == "low"
    # A foreign key named `secret` is a link, not a value: only the low hygiene finding.
    assert ("EXPO002", 8) not in found and found[("EXPO003", 11)] == "low"
    # A token on an account stays a high-confidence leak.
    assert found[("EXPO002", 12)] == "high" and found[("EXPO003", 15)] == "high"
