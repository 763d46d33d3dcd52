"""DRF permissions judged per route: view attributes, methods, actions, composites, helpers."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus, Route
from apilint.testing import analyze_files

SETTINGS = """
    ROOT_URLCONF = "proj.urls"
    INSTALLED_APPS = ["rest_framework", "app"]
    REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["app.permissions.ApiPermission"]}
"""
URLS = """
    from django.urls import include, path
    from rest_framework.routers import DefaultRouter
    from app import views
    router = DefaultRouter()
    router.register("items", views.ItemViewSet, basename="item")
    router.register("notes", views.NoteViewSet, basename="note")
    urlpatterns = [
        path("api/", include(router.urls)),
        path("api/status/", views.StatusView.as_view()),
        path("api/reports/", views.ReportView.as_view()),
    ]
"""


def _routes(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, str], Route]:
    result = analyze_files(tmp_path, files)
    return {(r.method, r.path): r for r in result.routes}


def _status(routes: dict[tuple[str, str], Route], method: str, path: str) -> AuthStatus:
    return routes[(method, path)].auth.status


def test_a_project_default_permission_reading_view_attributes_is_judged_per_view(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": URLS,
        "app/permissions.py": """
            from rest_framework.permissions import SAFE_METHODS, BasePermission
            class ApiPermission(BasePermission):
                def has_permission(self, request, view):
                    if getattr(view, "is_public", False):
                        return True
                    if request.method in SAFE_METHODS and getattr(view, "public_read", False):
                        return True
                    return bool(request.user and request.user.is_authenticated)
        """,
        "app/views.py": """
            from rest_framework import viewsets
            from rest_framework.views import APIView
            class PublicMixin:
                is_public = True
            class ItemViewSet(viewsets.ModelViewSet):
                pass
            class NoteViewSet(viewsets.ReadOnlyModelViewSet):
                public_read = True
            class StatusView(PublicMixin, APIView):
                def get(self, request): ...
            class ReportView(APIView):
                def get(self, request): ...
                def post(self, request): ...
        """,
    })
    assert _status(routes, "GET", "/api/items/") is AuthStatus.REQUIRED
    assert _status(routes, "DELETE", "/api/items/{pk}/") is AuthStatus.REQUIRED
    assert _status(routes, "GET", "/api/notes/") is AuthStatus.OPTIONAL
    assert _status(routes, "GET", "/api/status/") is AuthStatus.OPTIONAL
    assert _status(routes, "POST", "/api/reports/") is AuthStatus.REQUIRED


def test_action_switched_permissions_helpers_super_and_delegation(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": SETTINGS.replace("app.permissions.ApiPermission", "rest_framework.permissions.AllowAny"),
        "proj/urls.py": URLS,
        "app/permissions.py": """
            from rest_framework import permissions
            from app.models import Device
            PUBLIC_ACTIONS = ("list", "retrieve")
            class IsMember(permissions.BasePermission):
                def has_permission(self, request, view):
                    if not request.user.is_authenticated and not isinstance(request.auth, Device):
                        return False
                    return self._member(request, view)
                def _member(self, request, view):
                    return request.organisation.members.filter(pk=request.user.pk).exists()
            class ItemPermission(IsMember):
                def has_permission(self, request, view):
                    if view.action in PUBLIC_ACTIONS:
                        return True
                    return super().has_permission(request, view)
            class SignupOnly(permissions.BasePermission):
                def has_permission(self, request, view):
                    if request.user.is_authenticated:
                        raise permissions.exceptions.PermissionDenied("already signed in")
                    return True
            class NotePermission(permissions.BasePermission):
                def has_permission(self, request, view):
                    if view.action == "create":
                        policy = SignupOnly()
                    else:
                        policy = permissions.IsAuthenticatedOrReadOnly()
                    return policy.has_permission(request, view)
        """,
        "app/models.py": """
            from django.db import models
            class Device(models.Model):
                name = models.CharField(max_length=20)
        """,
        "app/views.py": """
            from rest_framework import viewsets
            from rest_framework.views import APIView
            from app.permissions import IsMember, ItemPermission, NotePermission
            class ItemViewSet(viewsets.ModelViewSet):
                permission_classes = [ItemPermission]
            class NoteViewSet(viewsets.ModelViewSet):
                permission_classes = (NotePermission,)
            class StatusView(APIView):
                permission_classes = [IsMember]
                def get(self, request): ...
            class ReportView(APIView):
                def get(self, request): ...
        """,
    })
    assert _status(routes, "GET", "/api/items/") is AuthStatus.NONE
    assert _status(routes, "GET", "/api/items/{pk}/") is AuthStatus.NONE
    assert _status(routes, "POST", "/api/items/") is AuthStatus.REQUIRED
    assert _status(routes, "DELETE", "/api/items/{pk}/") is AuthStatus.REQUIRED
    assert _status(routes, "POST", "/api/notes/") is AuthStatus.NONE
    assert _status(routes, "GET", "/api/notes/") is AuthStatus.NONE
    assert _status(routes, "PUT", "/api/notes/{pk}/") is AuthStatus.REQUIRED
    assert _status(routes, "GET", "/api/status/") is AuthStatus.REQUIRED


def test_composites_get_permissions_and_object_permissions(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": SETTINGS.replace("app.permissions.ApiPermission", "rest_framework.permissions.AllowAny"),
        "proj/urls.py": URLS,
        "app/permissions.py": """
            from rest_framework.permissions import SAFE_METHODS, BasePermission
            class ReadOnly(BasePermission):
                def has_permission(self, request, view):
                    return request.method in SAFE_METHODS
            class IsOwner(BasePermission):
                def has_object_permission(self, request, view, obj):
                    return obj.owner == request.user
        """,
        "app/views.py": """
            from rest_framework import viewsets
            from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
            from rest_framework.views import APIView
            from app.permissions import IsOwner, ReadOnly
            class ItemViewSet(viewsets.ModelViewSet):
                permission_classes = [IsAuthenticated | ReadOnly]
                def get_permissions(self):
                    if self.action == "destroy":
                        self.permission_classes = [IsAdminUser]
                    return super().get_permissions()
            class NoteViewSet(viewsets.ModelViewSet):
                permission_classes = [IsOwner]
            class StatusView(APIView):
                permission_classes = [~IsAuthenticated]
                def post(self, request): ...
            class ReportView(APIView):
                def get_permissions(self):
                    classes = [AllowAny] if self.request.method == "GET" else [IsAuthenticated & IsAdminUser]
                    return [permission() for permission in classes]
                def get(self, request): ...
                def post(self, request): ...
        """,
    })
    assert _status(routes, "GET", "/api/items/") is AuthStatus.OPTIONAL  # anonymous reads, users write
    assert _status(routes, "POST", "/api/items/") is AuthStatus.REQUIRED
    destroy = routes[("DELETE", "/api/items/{pk}/")]
    assert destroy.auth.status is AuthStatus.REQUIRED
    assert any(e.kind == "role" for e in destroy.authz)
    assert _status(routes, "GET", "/api/notes/") is AuthStatus.NONE
    assert _status(routes, "POST", "/api/notes/") is AuthStatus.NONE
    assert _status(routes, "PATCH", "/api/notes/{pk}/") is AuthStatus.REQUIRED
    assert _status(routes, "POST", "/api/status/") is AuthStatus.NONE
    assert _status(routes, "GET", "/api/reports/") is AuthStatus.NONE
    assert _status(routes, "POST", "/api/reports/") is AuthStatus.REQUIRED


def test_django_rules_predicates_are_read_for_the_anonymous_user(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": SETTINGS + """
    AUTHENTICATION_BACKENDS = ["rules.permissions.ObjectPermissionBackend",
                               "django.contrib.auth.backends.ModelBackend"]
""",
        "proj/urls.py": URLS,
        "app/rules.py": """
            import rules
            @rules.predicate
            def is_published(user, item):
                return item is not None and item.published
            @rules.predicate
            def is_owner(user, item):
                if user.is_anonymous:
                    return False
                return item.owner_id == user.pk
            can_view = is_published | is_owner
            rules.add_perm("app.view_item", can_view)
            rules.add_perm("app.change_item", is_owner | rules.is_superuser)
        """,
        "app/permissions.py": """
            from rest_framework.permissions import BasePermission
            class ApiPermission(BasePermission):
                def has_permission(self, request, view):
                    return request.user.has_perm(view.permission_required)
        """,
        "app/views.py": """
            from rest_framework import viewsets
            from rest_framework.views import APIView
            class ItemViewSet(viewsets.ModelViewSet):
                permission_required = "app.view_item"
            class NoteViewSet(viewsets.ModelViewSet):
                permission_required = "app.change_item"
            class StatusView(APIView):
                permission_required = "app.archive_item"
                def get(self, request): ...
            class ReportView(APIView):
                def get(self, request): ...
        """,
    })
    route = routes[("GET", "/api/items/")]
    assert route.auth.status is AuthStatus.UNKNOWN  # published items are public: it depends on the item
    assert "rules.permissions.ObjectPermissionBackend" in route.auth.evidence[0].detail
    assert _status(routes, "GET", "/api/notes/") is AuthStatus.REQUIRED  # owners and superusers only
    assert _status(routes, "GET", "/api/status/") is AuthStatus.REQUIRED  # no rule grants it


def test_check_permissions_override_with_a_project_backend_and_computed_settings(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": """
            VERSION = open("VERSION").read().strip()
            ROOT_URLCONF = "proj.urls"
            INSTALLED_APPS = ["rest_framework", "app"]
            AUTHENTICATION_BACKENDS = ["app.backends.ObjectPermissionBackend"]
            REST_FRAMEWORK = {
                "DEFAULT_VERSION": VERSION.rsplit(".", 1)[0],
                "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.DjangoObjectPermissions",),
            }
        """,
        "proj/urls.py": URLS,
        "app/backends.py": """
            from django.contrib.auth.backends import ModelBackend
            class ObjectPermissionBackend(ModelBackend):
                def has_perm(self, user_obj, perm, obj=None):
                    if user_obj.is_active and user_obj.is_superuser:
                        return True
                    if not user_obj.is_active or user_obj.is_anonymous:
                        return False
                    return perm in self.get_all_permissions(user_obj)
        """,
        "app/views.py": """
            from rest_framework import viewsets
            from rest_framework.views import APIView
            class UIViewSetMixin:
                permission_classes = []
                def get_required_permissions(self):
                    names = []
                    for action in [self.action]:
                        names.append(f"app.{action}_item")
                    return names
                def check_permissions(self, request):
                    user = self.request.user
                    for permission in self.get_required_permissions():
                        if not user.has_perms([permission]):
                            self.permission_denied(request)
                    for permission in self.get_permissions():
                        if not permission.has_permission(request, self):
                            self.permission_denied(request)
            class ItemViewSet(UIViewSetMixin, viewsets.ModelViewSet):
                pass
            class NoteViewSet(viewsets.ModelViewSet):
                pass
            class StatusView(APIView):
                def get(self, request): ...
            class ReportView(APIView):
                def get(self, request): ...
        """,
    })
    item = routes[("GET", "/api/items/")]
    assert item.auth.status is AuthStatus.REQUIRED
    assert item.auth.evidence[0].kind == "check_permissions"
    assert _status(routes, "GET", "/api/notes/") is AuthStatus.REQUIRED  # the settings default, read on its own


def test_permission_classes_as_a_property_and_the_api_settings_default(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": SETTINGS.replace("app.permissions.ApiPermission",
                                             "rest_framework.permissions.IsAuthenticated"),
        "proj/urls.py": URLS,
        "app/views.py": """
            from rest_framework import generics, viewsets
            from rest_framework.permissions import AllowAny, IsAdminUser
            from rest_framework.settings import api_settings
            from rest_framework.views import APIView
            class ItemViewSet(viewsets.ModelViewSet):
                @property
                def permission_classes(self):
                    if self.request.method == "DELETE":
                        return [IsAdminUser]
                    return api_settings.DEFAULT_PERMISSION_CLASSES
            class NoteViewSet(viewsets.ModelViewSet):
                permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES + [AllowAny]
            class StatusView(APIView):
                def get(self, request): ...
            class ReportView(APIView):
                def get(self, request): ...
        """,
    })
    assert _status(routes, "GET", "/api/items/") is AuthStatus.REQUIRED
    delete = routes[("DELETE", "/api/items/{pk}/")]
    assert delete.auth.status is AuthStatus.REQUIRED and any(e.kind == "role" for e in delete.authz)
    assert _status(routes, "GET", "/api/notes/") is AuthStatus.REQUIRED  # every class must pass
