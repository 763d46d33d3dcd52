"""Django middleware, decorators with arguments and conditional settings, judged per route."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus, Route
from apilint.testing import analyze_files

VIEWS = """
    from django.http import JsonResponse
    def items(request):
        return JsonResponse({"items": []})
"""
URLS = """
    from django.urls import path
    from app import views
    urlpatterns = [path("items/", views.items)]
"""


def _routes(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, str], Route]:
    result = analyze_files(tmp_path, files)
    return {(r.method, r.path): r for r in result.routes}


def test_login_required_middleware_added_under_a_literal_false_switch_protects_nothing(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            REQUIRE_LOGIN = False
            MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
                          "app.middleware.ThrottleMiddleware"]
            if REQUIRE_LOGIN:
                MIDDLEWARE.insert(MIDDLEWARE.index("app.middleware.ThrottleMiddleware"),
                                  "django.contrib.auth.middleware.LoginRequiredMiddleware")
        """,
        "proj/urls.py": URLS, "app/views.py": VIEWS,
    })
    assert routes[("ANY", "/items/")].auth.status is AuthStatus.NONE


def test_login_required_middleware_behind_an_environment_switch_is_unknown(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": """
            import os
            ROOT_URLCONF = "proj.urls"
            REQUIRE_LOGIN = os.environ.get("REQUIRE_LOGIN", "0") == "1"
            MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
            if REQUIRE_LOGIN:
                MIDDLEWARE.append("django.contrib.auth.middleware.LoginRequiredMiddleware")
        """,
        "proj/urls.py": URLS, "app/views.py": VIEWS,
    })
    route = routes[("ANY", "/items/")]
    assert route.auth.status is AuthStatus.UNKNOWN
    assert "installed only when `REQUIRE_LOGIN`" in route.auth.evidence[-1].detail


def test_login_required_middleware_on_by_default_in_the_environment_protects(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": """
            import os
            ROOT_URLCONF = "proj.urls"
            PUBLIC_SITE = os.getenv("PUBLIC_SITE", "") == "yes"
            MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
            if not PUBLIC_SITE:
                MIDDLEWARE += ["django.contrib.auth.middleware.LoginRequiredMiddleware"]
        """,
        "proj/urls.py": URLS, "app/views.py": VIEWS,
    })
    assert routes[("ANY", "/items/")].auth.status is AuthStatus.REQUIRED


def test_middleware_that_only_authenticates_is_neutral(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            MIDDLEWARE = ["django.contrib.auth.middleware.AuthenticationMiddleware",
                          "app.middleware.RemoteGroupsMiddleware", "app.middleware.StaffOnlyMiddleware"]
        """,
        "app/middleware.py": """
            from django.conf import settings
            from django.contrib.auth.middleware import RemoteUserMiddleware
            from django.http import HttpResponseForbidden
            from django.utils.deprecation import MiddlewareMixin
            class RemoteGroupsMiddleware(MiddlewareMixin):
                def process_request(self, request):
                    if not settings.REMOTE_AUTH or not request.user.is_authenticated:
                        return
                    sync_groups(request.user)
            class HeaderMiddleware(RemoteUserMiddleware):
                header = "HTTP_X_REMOTE_USER"
            class StaffOnlyMiddleware:
                def __init__(self, get_response):
                    self.get_response = get_response
                def __call__(self, request):
                    if request.user.is_authenticated and not request.user.is_staff:
                        return HttpResponseForbidden()
                    response = self.get_response(request)
                    response["X-Staff"] = "1"
                    return response
        """,
        "proj/urls.py": URLS, "app/views.py": VIEWS,
    })
    assert routes[("ANY", "/items/")].auth.status is AuthStatus.NONE


def test_project_middleware_turning_every_anonymous_request_away_requires_login(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            MIDDLEWARE = ["django.contrib.auth.middleware.AuthenticationMiddleware", "app.middleware.login_wall"]
        """,
        "app/middleware.py": """
            from django.contrib.auth.views import redirect_to_login
            def login_wall(get_response):
                def middleware(request):
                    if not request.user.is_authenticated:
                        return redirect_to_login(request.get_full_path())
                    return get_response(request)
                return middleware
        """,
        "proj/urls.py": URLS, "app/views.py": VIEWS,
    })
    assert routes[("ANY", "/items/")].auth.status is AuthStatus.REQUIRED


def test_decorator_factory_judged_with_its_arguments(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": 'ROOT_URLCONF = "proj.urls"\n',
        "app/auth.py": """
            from functools import wraps
            from django.http import JsonResponse
            def api_auth(allow_anonymous=False, methods=()):
                def decorator(view_func):
                    @wraps(view_func)
                    def wrapper(request, *args, **kwargs):
                        if allow_anonymous or request.method in methods:
                            return view_func(request, *args, **kwargs)
                        if not request.user.is_authenticated:
                            return JsonResponse({"detail": "login required"}, status=401)
                        return view_func(request, *args, **kwargs)
                    return wrapper
                return decorator
        """,
        "app/views.py": """
            from django.http import JsonResponse
            from django.views.decorators.http import require_GET, require_POST
            from app.auth import api_auth
            @api_auth()
            def private(request):
                return JsonResponse({})
            @api_auth(allow_anonymous=True)
            def public(request):
                return JsonResponse({})
            @require_GET
            @api_auth(methods=("GET",))
            def readable(request):
                return JsonResponse({})
            @require_POST
            @api_auth(methods=("GET",))
            def writable(request):
                return JsonResponse({})
        """,
        "proj/urls.py": """
            from django.urls import path
            from app import views
            urlpatterns = [path("private/", views.private), path("public/", views.public),
                           path("readable/", views.readable), path("writable/", views.writable)]
        """,
    })
    assert routes[("ANY", "/private/")].auth.status is AuthStatus.REQUIRED
    assert routes[("ANY", "/public/")].auth.status is AuthStatus.NONE
    assert routes[("GET", "/readable/")].auth.status is AuthStatus.NONE
    assert routes[("POST", "/writable/")].auth.status is AuthStatus.REQUIRED


def test_middleware_mixin_subclass_handing_on_through_super_is_neutral(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            MIDDLEWARE = ["django.contrib.auth.middleware.AuthenticationMiddleware", "app.middleware.TimingMiddleware"]
        """,
        "app/middleware.py": """
            import time
            from django.utils.deprecation import MiddlewareMixin
            class TimingMiddleware(MiddlewareMixin):
                def __call__(self, request):
                    request.started = time.monotonic()
                    if request.user.is_anonymous:
                        request.audience = "guest"
                        return super().__call__(request)
                    request.audience = "member"
                    return super().__call__(request)
        """,
        "proj/urls.py": URLS, "app/views.py": VIEWS,
    })
    assert routes[("ANY", "/items/")].auth.status is AuthStatus.NONE


def test_a_detail_view_whose_get_object_checks_the_user_is_protected(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "proj/settings.py": 'ROOT_URLCONF = "proj.urls"\n',
        "app/views.py": """
            from django.core.exceptions import PermissionDenied
            from django.views.generic import DetailView, ListView
            from app.models import Report
            class ReportDetail(DetailView):
                model = Report
                def get_object(self, queryset=None):
                    report = super().get_object(queryset)
                    if not self.request.user.has_perm("app.view_report", report):
                        raise PermissionDenied
                    return report
            class ReportList(ListView):
                model = Report
                def get_object(self, queryset=None):
                    if not self.request.user.has_perm("app.view_report"):
                        raise PermissionDenied
        """,
        "proj/urls.py": """
            from django.urls import path
            from app import views
            urlpatterns = [path("reports/<int:pk>/", views.ReportDetail.as_view()),
                           path("reports/", views.ReportList.as_view())]
        """,
    })
    detail = routes[("GET", "/reports/{pk}/")]
    assert detail.auth.status is AuthStatus.REQUIRED
    assert any(e.kind == "role" for e in detail.authz)
    assert routes[("GET", "/reports/")].auth.status is AuthStatus.NONE  # a list never calls get_object()
