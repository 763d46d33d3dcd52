"""Idioms of mature projects (Django/DRF first, plus a few FastAPI/Flask ones) that must not
produce false positives."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus
from apilint.testing import analyze_dir, write_project

SETTINGS = """
    ROOT_URLCONF = "proj.urls"
    INSTALLED_APPS = ["rest_framework", "app"]
"""


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    write_project(tmp_path, files)


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
        "app/views.py": """
            from rest_framework import viewsets
            from app.models import ApiUser, Binding, Webhook
            from app.serializers import ApiUserSerializer, BindingSerializer, WebhookSerializer
            class WebhookViewSet(viewsets.ModelViewSet):
                queryset = Webhook.objects.all()
                serializer_class = WebhookSerializer
            class BindingViewSet(viewsets.ModelViewSet):
                queryset = Binding.objects.all()
                serializer_class = BindingSerializer
            class ApiUserViewSet(viewsets.ModelViewSet):
                queryset = ApiUser.objects.all()
                serializer_class = ApiUserSerializer
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


def test_fastapi_loop_included_routers_get_middleware_added_by_a_helper(tmp_path: Path) -> None:
    _write(tmp_path, {
        "srv/api.py": """
            from fastapi import APIRouter
            router = APIRouter(prefix="/flows")
            @router.post("/")
            async def create_flow(name: str) -> dict:
                return {"name": name}
        """,
        "srv/server.py": """
            import hmac
            from fastapi import FastAPI, Request
            from fastapi.responses import JSONResponse
            from srv import api
            API_ROUTERS = (api.router,)
            def create_app(auth_string: str | None = None) -> FastAPI:
                app = FastAPI()
                for router in API_ROUTERS:
                    app.include_router(router, prefix="/api")
                if auth_string is not None:
                    install_auth(app, auth_string)
                return app
            def install_auth(app, auth_string):
                @app.middleware("http")
                async def token_validation(request: Request, call_next):
                    token = request.headers.get("Authorization")
                    if token is None or not hmac.compare_digest(token, auth_string):
                        return JSONResponse(status_code=401, content={})
                    return await call_next(request)
        """,
    })
    routes = {(r.method, r.path): r for r in analyze_dir(tmp_path).routes}
    assert routes[("POST", "/api/flows/")].auth.status is AuthStatus.UNKNOWN


def test_flask_hook_calling_an_opaque_authenticate_request_is_unknown(tmp_path: Path) -> None:
    _write(tmp_path, {
        "srv/__init__.py": """
            from flask import Flask
            app = Flask(__name__)
            @app.route("/runs", methods=["POST"])
            def create_run():
                return {"ok": True}
        """,
        "srv/auth.py": """
            from flask import Flask, Response
            from srv import app
            from srv.config import AUTH_FUNCTION, load_function
            def authenticate_request():
                return load_function(AUTH_FUNCTION)()
            def _before_request():
                authorization = authenticate_request()
                if isinstance(authorization, Response):
                    return authorization
            def create_app(app: Flask = app):
                app.before_request(_before_request)
                return app
        """,
    })
    routes = {(r.method, r.path): r for r in analyze_dir(tmp_path).routes}
    assert routes[("POST", "/runs")].auth.status is AuthStatus.UNKNOWN


def test_a_database_session_is_not_a_credential(tmp_path: Path) -> None:
    _write(tmp_path, {
        "srv/main.py": """
            from fastapi import FastAPI, HTTPException
            from srv.db import provide_database
            app = FastAPI()
            @app.delete("/block_types/{block_type_id}")
            async def delete_block_type(block_type_id: int) -> None:
                db = provide_database()
                async with db.session_context(begin_transaction=True) as session:
                    block_type = await db.read_block_type(session=session, block_type_id=block_type_id)
                    if block_type.is_protected:
                        raise HTTPException(status_code=403, detail="protected block types cannot be deleted")
                    await db.delete_block_type(session=session, block_type_id=block_type_id)
        """,
    })
    routes = {(r.method, r.path): r for r in analyze_dir(tmp_path).routes}
    assert routes[("DELETE", "/block_types/{block_type_id}")].auth.status is AuthStatus.NONE


def test_urlconf_included_only_by_a_plugin_hook_is_unknown(tmp_path: Path) -> None:
    _write(tmp_path, {
        "cms/images/admin_urls.py": """
            from django.urls import path
            from cms.images import views
            urlpatterns = [path("multiple/add/", views.add)]
        """,
        "cms/images/views.py": """
            from django.http import JsonResponse
            def add(request):
                return JsonResponse({"ok": True})
        """,
        "cms/images/wagtail_hooks.py": """
            from django.urls import include, path
            from cms import hooks
            from cms.images import admin_urls
            @hooks.register("register_admin_urls")
            def register_admin_urls():
                return [path("images/", include(admin_urls))]
        """,
    })
    routes = {(r.method, r.path): r for r in analyze_dir(tmp_path).routes}
    assert routes[("ANY", "/multiple/add/")].auth.status is AuthStatus.UNKNOWN


MIXIN_VIEWS = {
    "proj/settings.py": SETTINGS + """
    MIDDLEWARE = ["django.contrib.auth.middleware.LoginRequiredMiddleware"]
""",
    "proj/urls.py": """
        from django.urls import path
        from app import views
        urlpatterns = [
            path("roles/create/", views.RoleCreateView.as_view()),
            path("keys/<int:key_id>/", views.KeyDetailView.as_view()),
        ]
    """,
    "app/permissions.py": """
        from django.core.exceptions import PermissionDenied
        class Permission:
            @staticmethod
            def check_user_permission(permission, user):
                if not user.has_perm(permission):
                    raise PermissionDenied
        def restrict_queryset(queryset, permission, user):
            return queryset.filter(acl__permission=permission, acl__user=user)
    """,
    "app/mixins.py": """
        from app.permissions import Permission, restrict_queryset
        class ViewPermissionMixin:
            view_permission = None
            def dispatch(self, request, *args, **kwargs):
                if self.view_permission:
                    Permission.check_user_permission(permission=self.view_permission, user=self.request.user)
                return super().dispatch(request, *args, **kwargs)
        class RestrictedQuerysetMixin:
            object_permission = None
            def get_queryset(self):
                queryset = self.model._default_manager.all()
                return restrict_queryset(queryset, self.object_permission, user=self.request.user)
    """,
    "app/generics.py": """
        from django.core.exceptions import ImproperlyConfigured
        from django.views.generic import CreateView, DetailView
        from app.mixins import RestrictedQuerysetMixin, ViewPermissionMixin
        class SingleObjectCreateView(ViewPermissionMixin, CreateView):
            pass
        class SingleObjectDetailView(RestrictedQuerysetMixin, DetailView):
            def get_queryset(self):
                try:
                    return super().get_queryset()
                except ImproperlyConfigured:
                    return self.model._default_manager.none()
    """,
    "app/models.py": """
        from django.db import models
        class Role(models.Model):
            label = models.CharField(max_length=64)
        class Key(models.Model):
            owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)
            fingerprint = models.CharField(max_length=64)
    """,
    "app/views.py": """
        from app.generics import SingleObjectCreateView, SingleObjectDetailView
        from app.models import Key, Role
        class RoleCreateView(SingleObjectCreateView):
            model = Role
            fields = ["label"]
            view_permission = "roles.create"
        class KeyDetailView(SingleObjectDetailView):
            model = Key
            object_permission = "keys.view"
            pk_url_kwarg = "key_id"
    """,
}


def test_permission_checks_in_project_mixins_count(tmp_path: Path) -> None:
    _write(tmp_path, MIXIN_VIEWS)
    result = analyze_dir(tmp_path)
    routes = {(r.method, r.path): r for r in result.routes}
    create = routes[("POST", "/roles/create/")]
    assert any("check_user_permission" in e.detail for e in create.authz)  # a role check in dispatch()
    codes = {(f.code, f.route) for f in result.findings}
    assert not [c for c in codes if c[0].startswith("AUTHZ")], codes  # super().get_queryset() scopes by caller


def test_a_function_view_that_hands_the_request_to_a_class_view_has_its_auth(tmp_path: Path) -> None:
    """`return TicketUpdate.as_view()(request, ...)`: the class view's mixins run on every request
    the function view answers; a class view without any still leaves the route open, and so does a
    function view that answers some requests itself before handing the rest over."""
    _write(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.urls import path
            from app import views
            urlpatterns = [
                path("tickets/<int:ticket_id>/update/", views.update_ticket),
                path("tickets/<int:ticket_id>/preview/", views.preview_ticket),
                path("tickets/<int:ticket_id>/close/", views.close_ticket),
            ]
        """,
        "app/mixins.py": """
            from django.contrib.auth.mixins import UserPassesTestMixin


            class StaffOnlyMixin(UserPassesTestMixin):
                def test_func(self):
                    return self.request.user.is_active and self.request.user.is_staff
        """,
        "app/views.py": """
            from django.http import JsonResponse
            from django.views.generic import DetailView, UpdateView

            from app.mixins import StaffOnlyMixin
            from app.models import Ticket


            class TicketUpdate(StaffOnlyMixin, UpdateView):
                model = Ticket
                fields = ["status"]


            class TicketPreview(DetailView):
                model = Ticket


            def update_ticket(request, ticket_id, *args, **kwargs):
                return TicketUpdate.as_view()(request, *args, pk=ticket_id, **kwargs)


            def preview_ticket(request, ticket_id):
                return TicketPreview.as_view()(request, pk=ticket_id)


            def close_ticket(request, ticket_id):
                if request.method == "GET":
                    return JsonResponse({"ticket": ticket_id})
                return TicketUpdate.as_view()(request, pk=ticket_id)
        """,
        "app/models.py": """
            from django.db import models


            class Ticket(models.Model):
                status = models.CharField(max_length=20)
        """,
    })
    routes = {r.path: r.auth.status for r in analyze_dir(tmp_path).routes}
    assert routes == {"/tickets/{ticket_id}/update/": AuthStatus.REQUIRED,
                      "/tickets/{ticket_id}/preview/": AuthStatus.NONE,
                      "/tickets/{ticket_id}/close/": AuthStatus.NONE}  # a GET answered before the view
