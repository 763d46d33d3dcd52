"""Django, DRF and Ninja adapters: small projects written to tmp_path and analyzed."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus, Route
from apilint.testing import analyze_files


def _project(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, str], Route]:
    result = analyze_files(tmp_path, files)
    routes = {(r.method, r.path): r for r in result.routes}
    _project.facts = result.facts  # type: ignore[attr-defined]
    return routes


SETTINGS = """
    ROOT_URLCONF = "proj.urls"
    INSTALLED_APPS = ["rest_framework", "app"]
"""


def test_regex_groups_nested_includes_and_wrapped_views(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.contrib.auth.decorators import login_required
            from django.urls import include, path, re_path
            from app import views
            extra = [path("x/<int:pk>/", views.show)]
            urlpatterns = [
                path("api/", include("app.urls", namespace="app")),
                re_path(r"^legacy/(?P<pk>[0-9]+)/(?P<slug>[-\\w]+)/$", views.show),
                path("dash/", login_required(views.Dash.as_view())),
                path("more/", include((extra, "more"))),
            ]
        """,
        "app/urls.py": """
            from django.urls import include, path
            from . import views
            urlpatterns = [path("v1/", include([path("items/<slug:slug>/", views.show)]))]
        """,
        "app/views.py": """
            from django.views import View
            def show(request, pk=None, slug=None):
                return None
            class Dash(View):
                def get(self, request):
                    return None
                def post(self, request):
                    return None
        """,
    })
    assert ("ANY", "/legacy/{pk}/{slug}/") in routes
    assert ("ANY", "/api/v1/items/{slug}/") in routes
    assert ("ANY", "/more/x/{pk}/") in routes
    assert routes[("GET", "/dash/")].auth.status is AuthStatus.REQUIRED
    assert routes[("POST", "/dash/")].handler == "app.views.Dash.post"


def test_generic_views_mixins_and_method_decorator(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.urls import path
            from app import views
            urlpatterns = [
                path("orders/", views.OrderList.as_view()),
                path("orders/new/", views.OrderCreate.as_view()),
                path("profile/", views.Profile.as_view()),
                path("staff/", views.StaffOnly.as_view()),
            ]
        """,
        "app/base.py": """
            from django.contrib.auth.mixins import LoginRequiredMixin
            from django.views.generic import ListView
            class OwnedList(LoginRequiredMixin, ListView):
                pass
        """,
        "app/views.py": """
            from django.contrib.auth.decorators import login_required
            from django.contrib.auth.mixins import PermissionRequiredMixin
            from django.utils.decorators import method_decorator
            from django.views.generic import CreateView, TemplateView
            from app.base import OwnedList
            class OrderList(OwnedList):
                pass
            class OrderCreate(CreateView):
                pass
            @method_decorator(login_required, name="dispatch")
            class Profile(TemplateView):
                pass
            class StaffOnly(PermissionRequiredMixin, TemplateView):
                permission_required = "app.view_report"
        """,
    })
    assert routes[("GET", "/orders/")].auth.status is AuthStatus.REQUIRED
    assert {m for (m, p) in routes if p == "/orders/new/"} == {"GET", "POST"}
    assert routes[("POST", "/orders/new/")].auth.status is AuthStatus.NONE
    assert routes[("GET", "/profile/")].auth.status is AuthStatus.REQUIRED
    assert routes[("GET", "/staff/")].authz


def test_login_required_middleware_and_exemption(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            MIDDLEWARE = ["django.contrib.auth.middleware.LoginRequiredMiddleware"]
        """,
        "proj/urls.py": """
            from django.urls import path
            from django.contrib.auth.decorators import login_not_required
            from django.views.decorators.http import require_POST
            @require_POST
            def save(request):
                return None
            @login_not_required
            def landing(request):
                return None
            urlpatterns = [path("save/", save), path("landing/", landing)]
        """,
    })
    assert routes[("POST", "/save/")].auth.status is AuthStatus.REQUIRED
    assert routes[("ANY", "/landing/")].auth.status is AuthStatus.NONE


def test_a_view_wrapped_in_a_positive_user_check_with_no_else_requires_a_user(tmp_path: Path) -> None:
    # an anonymous caller falls off the end of the view: Django answers with an error, not the work
    routes = _project(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
        """,
        "proj/urls.py": """
            from django.http import JsonResponse
            from django.urls import path

            def report(request, report_id):
                if request.user.is_authenticated:
                    if request.method == "GET":
                        return JsonResponse({"id": report_id})
                    return JsonResponse({"detail": "method"}, status=405)

            def banner(request):
                if request.user.is_authenticated:
                    greeting = f"Hello {request.user.username}"
                else:
                    greeting = "Hello"
                return JsonResponse({"greeting": greeting})

            def track(request):
                if request.user.is_authenticated:
                    request.session["seen"] = True
                return JsonResponse({"ok": True})

            urlpatterns = [path("reports/<int:report_id>", report), path("banner", banner), path("track", track)]
        """,
    })
    assert routes[("ANY", "/reports/{report_id}")].auth.status is AuthStatus.REQUIRED
    assert routes[("ANY", "/banner")].auth.status is AuthStatus.NONE
    assert routes[("ANY", "/track")].auth.status is AuthStatus.NONE


def test_django_auth_urlconf_is_expanded_with_its_own_views(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
        """,
        "proj/urls.py": """
            from django.urls import include, path

            urlpatterns = [path("accounts/", include("django.contrib.auth.urls"))]
        """,
    })
    assert sorted(routes) == [
        ("GET", "/accounts/login/"), ("GET", "/accounts/password_change/"),
        ("GET", "/accounts/password_change/done/"), ("GET", "/accounts/password_reset/"),
        ("GET", "/accounts/password_reset/done/"), ("GET", "/accounts/reset/done/"),
        ("GET", "/accounts/reset/{uidb64}/{token}/"), ("POST", "/accounts/login/"), ("POST", "/accounts/logout/"),
        ("POST", "/accounts/password_change/"), ("POST", "/accounts/password_reset/"),
        ("POST", "/accounts/reset/{uidb64}/{token}/"),
    ]
    assert routes[("POST", "/accounts/password_change/")].auth.status is AuthStatus.REQUIRED
    assert routes[("POST", "/accounts/login/")].auth.status is AuthStatus.NONE
    assert routes[("GET", "/accounts/reset/{uidb64}/{token}/")].path_params == ("uidb64", "token")


def test_project_middleware_checking_the_user_in_a_helper_method_makes_auth_unknown(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            MIDDLEWARE = ["django.contrib.auth.middleware.AuthenticationMiddleware",
                          "proj.middleware.BackofficeMiddleware"]
        """,
        "proj/middleware.py": """
            from django.shortcuts import redirect
            from django.urls import resolve
            PUBLIC = ("login", "reset")
            class BackofficeMiddleware:
                def __init__(self, get_response):
                    self.get_response = get_response
                def _check(self, request, match):
                    if request.user.is_anonymous and match.url_name not in PUBLIC:
                        return redirect("/login/")
                    return None
                def __call__(self, request):
                    match = resolve(request.path_info)
                    if request.path.startswith("/office/"):
                        response = self._check(request, match)
                        if response:
                            return response
                    return self.get_response(request)
        """,
        "proj/urls.py": """
            from django.urls import path
            def dashboard(request):
                return None
            urlpatterns = [path("office/", dashboard)]
        """,
    })
    route = routes[("ANY", "/office/")]
    assert route.auth.status is AuthStatus.UNKNOWN
    assert route.auth.evidence[0].name == "proj.middleware.BackofficeMiddleware"


def test_admin_site_is_one_staff_route(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.contrib import admin
            from django.urls import path
            urlpatterns = [path("backoffice/", admin.site.urls)]
        """,
    })
    route = routes[("ANY", "/backoffice/")]
    assert route.auth.status is AuthStatus.REQUIRED
    assert route.authz


DRF_URLS = """
    from django.urls import include, path
    from rest_framework.routers import DefaultRouter
    from app import views
    router = DefaultRouter(trailing_slash=False)
    router.register(r"items", views.ItemViewSet, basename="item")
    urlpatterns = [path("api/", include(router.urls))]
"""


def test_router_viewset_actions_lookup_and_permissions(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": DRF_URLS,
        "app/views.py": """
            from rest_framework import mixins, viewsets
            from rest_framework.decorators import action
            from rest_framework.permissions import IsAuthenticatedOrReadOnly
            class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
                permission_classes = [IsAuthenticatedOrReadOnly]
                lookup_field = "slug"
                def retrieve(self, request, slug=None):
                    return None
                @action(detail=True, methods=["post", "delete"], url_path="star")
                def star(self, request, slug=None):
                    return None
        """,
    })
    assert set(routes) == {("GET", "/api/"), ("GET", "/api/items"), ("GET", "/api/items/{slug}"),
                           ("POST", "/api/items/{slug}/star"), ("DELETE", "/api/items/{slug}/star")}
    assert routes[("GET", "/api/items")].auth.status is AuthStatus.OPTIONAL
    assert routes[("POST", "/api/items/{slug}/star")].auth.status is AuthStatus.REQUIRED
    retrieve = routes[("GET", "/api/items/{slug}")]
    assert retrieve.handler == "app.views.ItemViewSet.retrieve"
    assert retrieve.location.line == 8
    assert routes[("GET", "/api/items")].location.line == 5


def test_default_allow_any_and_settings_default(tmp_path: Path) -> None:
    files = {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": DRF_URLS,
        "app/views.py": """
            from rest_framework import viewsets
            class ItemViewSet(viewsets.ModelViewSet):
                pass
        """,
    }
    routes = _project(tmp_path, files)
    route = routes[("POST", "/api/items")]
    assert route.auth.status is AuthStatus.NONE
    assert any("DRF default AllowAny" in e.detail for e in route.auth.evidence)


def test_settings_default_permissions_from_split_settings(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "manage.py": """
            import os
            def main():
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.prod")
        """,
        "proj/settings/__init__.py": "",
        "proj/settings/base.py": """
            import environ
            env = environ.Env()
            ROOT_URLCONF = "proj.urls"
            DEBUG = env.bool("DEBUG", default=True)
            REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
        """,
        "proj/settings/prod.py": """
            from .base import *
            SECRET_KEY = "s3cr3t-value"
        """,
        "proj/urls.py": DRF_URLS,
        "app/views.py": """
            from rest_framework import viewsets
            class ItemViewSet(viewsets.ReadOnlyModelViewSet):
                pass
        """,
    })
    assert routes[("GET", "/api/items")].auth.status is AuthStatus.REQUIRED
    facts = _project.facts  # type: ignore[attr-defined]
    debug = facts.setting("DEBUG")
    assert debug is not None and debug.value == "True" and debug.from_env_default
    secret = facts.setting("SECRET_KEY")
    assert secret is not None and secret.value == "<set>"
    assert facts.setting("REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES") is not None


def test_custom_permission_bodies_and_get_permissions(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.urls import path
            from app import views
            urlpatterns = [
                path("a/", views.A.as_view()),
                path("b/", views.B.as_view()),
                path("c/", views.C.as_view()),
                path("d/", views.D.as_view()),
            ]
        """,
        "app/views.py": """
            from rest_framework.permissions import BasePermission, IsAuthenticated, AllowAny
            from rest_framework.views import APIView
            from app.helpers import check
            class LoggedIn(BasePermission):
                def has_permission(self, request, view):
                    return request.user.is_authenticated
            class Open(BasePermission):
                def has_permission(self, request, view):
                    return True
            class Odd(BasePermission):
                def has_permission(self, request, view):
                    return check(request)
            class A(APIView):
                permission_classes = [LoggedIn]
                def post(self, request): ...
            class B(APIView):
                permission_classes = [Open]
                def post(self, request): ...
            class C(APIView):
                permission_classes = [Odd]
                def post(self, request): ...
            class D(APIView):
                def get_permissions(self):
                    if self.request.method == "GET":
                        return [AllowAny()]
                    return [IsAuthenticated()]
                def get(self, request): ...
                def post(self, request): ...
        """,
    })
    assert routes[("POST", "/a/")].auth.status is AuthStatus.REQUIRED
    assert routes[("POST", "/b/")].auth.status is AuthStatus.NONE
    assert routes[("POST", "/c/")].auth.status is AuthStatus.UNKNOWN
    assert routes[("GET", "/d/")].auth.status is AuthStatus.NONE
    assert routes[("POST", "/d/")].auth.status is AuthStatus.REQUIRED


def test_api_view_function_and_generics(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.urls import path
            from app import views
            urlpatterns = [path("f/", views.f), path("g/<int:pk>/", views.G.as_view())]
        """,
        "app/views.py": """
            from rest_framework import generics
            from rest_framework.decorators import api_view, permission_classes
            from rest_framework.permissions import IsAdminUser
            @api_view(["GET", "POST"])
            @permission_classes([IsAdminUser])
            def f(request): ...
            class G(generics.RetrieveUpdateDestroyAPIView):
                pass
        """,
    })
    assert routes[("POST", "/f/")].auth.status is AuthStatus.REQUIRED and routes[("POST", "/f/")].authz
    assert {m for (m, p) in routes if p == "/g/{pk}/"} == {"GET", "PUT", "PATCH", "DELETE"}


def test_ninja_router_auth_and_override(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.urls import path
            from proj.api import api
            urlpatterns = [path("api/", api.urls)]
        """,
        "proj/api.py": """
            from ninja import NinjaAPI, Router
            from ninja.security import django_auth
            api = NinjaAPI(auth=django_auth)
            router = Router()
            @router.get("/items/{int:item_id}")
            def item(request, item_id: int): ...
            @router.post("/open", auth=None)
            def open_(request): ...
            api.add_router("/shop", router)
        """,
    })
    assert routes[("GET", "/api/shop/items/{item_id}")].auth.status is AuthStatus.REQUIRED
    assert routes[("POST", "/api/shop/open")].auth.status is AuthStatus.NONE


def test_include_of_a_module_object_and_settings_named_settings_docker(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/__init__.py": "",
        "proj/settings_docker.py": """
            from proj.drf import drf_settings
            ROOT_URLCONF = "proj.urls"
            INSTALLED_APPS = ["rest_framework", "proj.api"]
            REST_FRAMEWORK = drf_settings(require_login=True)
        """,
        "proj/settings_test.py": """
            ROOT_URLCONF = "proj.test_urls"
        """,
        "proj/drf.py": """
            def drf_settings(require_login):
                return {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
        """,
        "proj/api/__init__.py": "",
        "proj/api/urls.py": """
            from rest_framework.routers import DefaultRouter
            from proj.api.views import NoteViewSet
            router = DefaultRouter()
            router.register("notes", NoteViewSet)
            urlpatterns = router.urls
        """,
        "proj/api/views.py": """
            from rest_framework import viewsets
            class NoteViewSet(viewsets.ModelViewSet):
                queryset = None
        """,
        "proj/urls.py": """
            import proj.api.urls
            from django.urls import include, path
            urlpatterns = [path("api/", include((proj.api.urls, "proj.api"), namespace="api"))]
        """,
    })
    # Mounted under api/ (not as a root URLconf of its own), judged by the default its helper returns.
    assert ("GET", "/api/notes/") in routes and ("GET", "/notes/") not in routes
    assert routes[("GET", "/api/notes/")].auth.status is AuthStatus.REQUIRED


def test_drf_default_is_unknown_without_a_settings_module(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "api/urls.py": """
            from rest_framework.routers import DefaultRouter
            from api.views import NoteViewSet
            router = DefaultRouter()
            router.register("notes", NoteViewSet)
            urlpatterns = router.urls
        """,
        "api/views.py": """
            from rest_framework import viewsets
            class NoteViewSet(viewsets.ModelViewSet):
                queryset = None
        """,
    })
    assert routes[("POST", "/notes/")].auth.status is AuthStatus.UNKNOWN


def test_a_mixin_whose_as_view_wraps_the_view_in_a_project_decorator(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/permissions.py": """
            from django.core.exceptions import PermissionDenied
            def administrator_required():
                def decorator(function):
                    def wrapper(request, *args, **kwargs):
                        if not request.user.is_staff:
                            raise PermissionDenied()
                        return function(request, *args, **kwargs)
                    return wrapper
                return decorator
            class AdministratorRequiredMixin:
                @classmethod
                def as_view(cls, **initkwargs):
                    view = super().as_view(**initkwargs)
                    return administrator_required()(view)
        """,
        "proj/urls.py": """
            from django.urls import path
            from django.views import View
            from proj.permissions import AdministratorRequiredMixin
            class ImpersonateView(AdministratorRequiredMixin, View):
                def post(self, request, pk):
                    return None
            urlpatterns = [path("users/<int:pk>/impersonate", ImpersonateView.as_view())]
        """,
    })
    route = routes[("POST", "/users/{pk}/impersonate")]
    assert route.auth.status is AuthStatus.REQUIRED
    assert any(e.kind == "role" for e in route.authz)


def test_a_lambda_view_is_inline_project_code_not_an_unreadable_view(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.contrib.auth.decorators import login_required
            from django.http import HttpResponse
            from django.urls import path
            urlpatterns = [
                path("robots.txt", lambda request: HttpResponse("User-Agent: *", content_type="text/plain")),
                path("private.txt", login_required(lambda request: HttpResponse("secret"))),
            ]
        """,
    })
    robots = routes[("ANY", "/robots.txt")]
    assert robots.auth.status is AuthStatus.NONE and robots.handler == "proj.urls.<lambda>"
    assert routes[("ANY", "/private.txt")].auth.status is AuthStatus.REQUIRED


def _api_root_project(tmp_path: Path, router: str, extra: str = "",
                      permissions: str = "") -> dict[tuple[str, str], Route]:
    return _project(tmp_path, {
        "proj/settings.py": SETTINGS + permissions,
        "proj/routers.py": extra,
        "proj/urls.py": f"""
            from django.urls import include, path
            from rest_framework import routers
            from proj.routers import *
            from app import views
            router = {router}
            router.register("items", views.ItemViewSet, basename="item")
            urlpatterns = [path("api/v2/", include(router.urls))]
        """,
        "app/views.py": """
            from rest_framework import viewsets
            class ItemViewSet(viewsets.ReadOnlyModelViewSet):
                pass
        """,
    })


def test_default_router_serves_an_api_root_judged_by_the_project_defaults(tmp_path: Path) -> None:
    permissions = ('    REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": '
                   '["rest_framework.permissions.IsAuthenticated"]}\n')
    routes = _api_root_project(tmp_path, "routers.DefaultRouter()", permissions=permissions)
    root = routes[("GET", "/api/v2/")]
    assert root.handler == "rest_framework.routers.APIRootView" and root.handler_ref is None
    assert root.auth.status is AuthStatus.REQUIRED
    assert any(e.kind == "api_index" and e.location is not None and e.location.file == "proj/urls.py"
               for e in root.auth.evidence)


def test_api_root_of_a_project_router_subclass_and_none_when_switched_off(tmp_path: Path) -> None:
    subclass = """
        from rest_framework.routers import DefaultRouter
        class ApiRouter(DefaultRouter):
            pass
        class QuietRouter(DefaultRouter):
            include_root_view = False
    """
    assert ("GET", "/api/v2/") in _api_root_project(tmp_path / "a", "ApiRouter()", subclass)
    assert ("GET", "/api/v2/") not in _api_root_project(tmp_path / "b", "QuietRouter()", subclass)
    switched_off = "routers.DefaultRouter(include_root_view=False)"
    assert ("GET", "/api/v2/") not in _api_root_project(tmp_path / "c", switched_off)
    assert ("GET", "/api/v2/") not in _api_root_project(tmp_path / "d", "routers.SimpleRouter()")


def test_an_open_api_root_is_no_auth_finding(tmp_path: Path) -> None:
    """The index only lists the endpoints; each of them answers for its own auth."""
    files = {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.urls import include, path
            from rest_framework.routers import DefaultRouter
            from app import views
            router = DefaultRouter()
            router.register("items", views.ItemViewSet, basename="item")
            urlpatterns = [path("api/", include(router.urls))]
        """,
        "app/views.py": """
            from rest_framework import viewsets
            from rest_framework.permissions import IsAuthenticated
            class ItemViewSet(viewsets.ModelViewSet):
                permission_classes = [IsAuthenticated]
        """,
    }
    result = analyze_files(tmp_path, files)
    root = next(r for r in result.routes if r.path == "/api/")
    assert root.auth.status is AuthStatus.NONE
    assert not [f for f in result.findings if f.code.startswith("AUTH") and f.route is not None
                and f.route.path == "/api/"]


def test_i18n_patterns_put_the_language_code_in_front(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.conf.urls.i18n import i18n_patterns
            from django.urls import include, path
            from app import views
            urlpatterns = [path("health/", views.health)]
            urlpatterns += i18n_patterns(path("shop/", include("app.urls")), path("about/", views.about))
        """,
        "app/urls.py": """
            from django.urls import path
            from app import views
            urlpatterns = [path("cart/", views.cart)]
        """,
        "app/views.py": """
            def health(request):
                return None
            def about(request):
                return None
            def cart(request):
                return None
        """,
    })
    paths = {path for _, path in routes}
    assert paths == {"/health/", "/{language}/shop/cart/", "/{language}/about/"}
    assert all(r.linked for r in routes.values())


def test_a_ninja_api_serves_its_schema_and_docs_under_its_mount(tmp_path: Path) -> None:
    routes = _project(tmp_path, {
        "proj/settings.py": SETTINGS,
        "proj/urls.py": """
            from django.urls import path
            from ninja import NinjaAPI
            from ninja.security import django_auth
            api = NinjaAPI(auth=django_auth)
            quiet = NinjaAPI(urls_namespace="quiet", docs_url=None)
            @api.get("/items")
            def items(request):
                return []
            urlpatterns = [path("api/", api.urls), path("internal/", quiet.urls)]
        """,
    })
    builtin = {path for (_, path), r in routes.items() if r.builtin}
    assert builtin == {"/api/openapi.json", "/api/docs", "/internal/openapi.json"}
    assert routes[("GET", "/api/docs")].auth.status is AuthStatus.NONE  # the API's auth= does not reach it
    assert routes[("GET", "/api/items")].auth.status is AuthStatus.REQUIRED
