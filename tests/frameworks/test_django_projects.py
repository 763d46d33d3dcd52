"""Several Django projects in one repository: which settings each is read from, and what they decide."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apilint.frameworks.django_settings import find_settings_module
from apilint.model import AuthStatus, Route
from apilint.project import ProjectIndex
from apilint.summarize import summarize_source
from apilint.testing import analyze_dir


def _routes(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, str], Route]:
    return {(r.method, r.path): r for r in _route_list(tmp_path, files)}


def _route_list(tmp_path: Path, files: dict[str, str]) -> list[Route]:
    packages = {str(Path(rel).parent) for rel in files if "/" in rel}
    files = {**{f"{pkg}/__init__.py": "" for pkg in packages}, **files}
    for rel, source in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")
    (tmp_path / ".git").mkdir(exist_ok=True)
    result = analyze_dir(tmp_path)
    assert not [d for d in result.diagnostics if d.internal], result.diagnostics
    return list(result.routes)


def _entry(settings: str) -> str:
    return f"""
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings}")
    """


VIEWS = """
    from django.http import JsonResponse
    def home(request):
        return JsonResponse({})
"""

# A cookiecutter-shaped main project (manage.py runs `local`, wsgi.py serves `production`) and a
# back-office project beside it whose wsgi.py sorts first by path.
TWO_PROJECTS = {
    "manage.py": _entry("config.settings.local"),
    "config/wsgi.py": _entry("config.settings.production"),
    "config/settings/base.py": """
        ROOT_URLCONF = "config.urls"
        INSTALLED_APPS = ["rest_framework", "shop"]
        ADMIN_URL = "admin/"
        MIDDLEWARE = ["django.contrib.auth.middleware.AuthenticationMiddleware"]
        REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
    """,
    "config/settings/production.py": """
        from .base import *
        SECURE_SSL_REDIRECT = True
    """,
    "config/settings/local.py": """
        from .base import *
        DEBUG = True
    """,
    "config/urls.py": """
        from django.conf import settings
        from django.contrib import admin
        from django.urls import path
        from shop.views import home
        urlpatterns = [path(settings.ADMIN_URL, admin.site.urls), path("", home)]
    """,
    "backoffice/wsgi.py": _entry("backoffice.settings"),
    "backoffice/settings.py": """
        from config.settings.production import *
        ROOT_URLCONF = "backoffice.urls"
        ADMIN_URL = "staff-admin/"
        REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"]}
        MIDDLEWARE = [*MIDDLEWARE, "backoffice.middleware.AuditMiddleware"]
    """,
    "backoffice/urls.py": """
        from django.conf import settings
        from django.contrib import admin
        from django.urls import path
        from .views import RefundList
        urlpatterns = [path(settings.ADMIN_URL, admin.site.urls), path("refunds/", RefundList.as_view())]
    """,
    "backoffice/views.py": """
        from rest_framework.response import Response
        from rest_framework.views import APIView
        class RefundList(APIView):
            def get(self, request):
                return Response([])
    """,
    "shop/views.py": VIEWS,
}


def test_main_project_is_the_one_manage_py_runs_read_from_its_production_entry(tmp_path: Path) -> None:
    routes = _routes(tmp_path, TWO_PROJECTS)
    assert routes[("ANY", "/")].app == "config.settings.production"
    assert routes[("GET", "/refunds/")].app == "backoffice.settings"


def test_settings_x_in_a_urlconf_is_read_from_the_project_that_reaches_it(tmp_path: Path) -> None:
    routes = _routes(tmp_path, TWO_PROJECTS)
    assert routes[("ANY", "/admin/")].app == "config.settings.production"
    assert routes[("ANY", "/staff-admin/")].app == "backoffice.settings"
    assert ("ANY", "/staff-admin/") in routes and len([k for k in routes if k[1] == "/admin/"]) == 1


def test_a_setting_built_from_its_own_previous_value_is_read(tmp_path: Path) -> None:
    routes = _routes(tmp_path, TWO_PROJECTS)
    refunds = routes[("GET", "/refunds/")]
    assert refunds.auth.status is AuthStatus.REQUIRED
    assert any(e.name == "rest_framework.permissions.IsAdminUser" for e in refunds.auth.evidence)
    assert any(e.detail == "IsAdminUser" for e in refunds.authz)


def test_a_second_project_is_read_from_the_module_its_entry_point_names(tmp_path: Path) -> None:
    # `shop/settings/base.py` assigns ROOT_URLCONF, but wsgi.py serves `production`, which
    # changes the DRF default: the routes are judged with production's.
    files = {
        "manage.py": _entry("main.settings"),
        "main/wsgi.py": _entry("main.settings"),
        "main/settings.py": 'ROOT_URLCONF = "main.urls"\nINSTALLED_APPS = ["rest_framework"]\n',
        "main/urls.py": "urlpatterns = []\n",
        "shop/wsgi.py": _entry("shop.settings.production"),
        "shop/settings/base.py": """
            ROOT_URLCONF = "shop.urls"
            INSTALLED_APPS = ["rest_framework"]
            REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]}
        """,
        "shop/settings/production.py": """
            from .base import *
            REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = ["rest_framework.permissions.IsAuthenticated"]
        """,
        "shop/urls.py": """
            from django.urls import path
            from .views import Orders
            urlpatterns = [path("orders/", Orders.as_view())]
        """,
        "shop/views.py": """
            from rest_framework.response import Response
            from rest_framework.views import APIView
            class Orders(APIView):
                def get(self, request):
                    return Response([])
        """,
    }
    routes = _routes(tmp_path, files)
    orders = routes[("GET", "/orders/")]
    assert orders.app == "shop.settings.production"
    assert orders.auth.status is AuthStatus.REQUIRED


def test_a_prefix_reassigned_under_an_if_gives_routes_with_the_other_value(tmp_path: Path) -> None:
    files = {
        "manage.py": _entry("proj.settings"),
        "proj/settings.py": """
            import os
            ROOT_URLCONF = "proj.urls"
            API_VERSION = "v3"
            GATEWAY = os.environ.get("GATEWAY", "") == "1"
        """,
        "proj/urls.py": """
            from django.conf import settings
            from django.urls import include, path
            URL_PREFIX = "api/"
            if settings.GATEWAY:
                URL_PREFIX = "gw/api/"
            API_ROOT = f"{URL_PREFIX}{settings.API_VERSION}/"
            urlpatterns = [path(API_ROOT + "shop/", include(("shop.urls", "shop"), namespace="shop"))]
        """,
        "shop/urls.py": """
            from django.urls import path
            from .views import home
            app_name = "shop"
            urlpatterns = [path("home/", home)]
        """,
        "shop/views.py": VIEWS,
    }
    routes = _routes(tmp_path, files)
    home = routes[("ANY", "/api/v3/shop/home/")]
    assert "gw/api/v3/shop/" in home.condition


def test_library_token_views_carry_the_project_default_throttles(tmp_path: Path) -> None:
    files = {
        "manage.py": _entry("proj.settings"),
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            INSTALLED_APPS = ["rest_framework", "rest_framework_simplejwt"]
            REST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"]}
        """,
        "proj/urls.py": """
            from django.urls import path
            from rest_framework_simplejwt.views import TokenObtainPairView
            from .views import Me
            urlpatterns = [path("token/", TokenObtainPairView.as_view()), path("me/", Me.as_view())]
        """,
        "proj/views.py": """
            from rest_framework.response import Response
            from rest_framework.views import APIView
            class Me(APIView):
                def get(self, request):
                    return Response({})
        """,
    }
    routes = _routes(tmp_path, files)
    token = routes[("POST", "/token/")]
    assert [e.name for e in token.rate_limit] == ["rest_framework.throttling.AnonRateThrottle"]


def test_ninja_routers_named_by_dotted_path_in_a_loop_under_a_second_project(tmp_path: Path) -> None:
    files = {
        **TWO_PROJECTS,
        "backoffice/urls.py": """
            from django.urls import path
            from .api import staff_api
            urlpatterns = [path("staff/api/", staff_api.urls)]
        """,
        "backoffice/api.py": """
            from ninja import NinjaAPI
            from ninja.security import django_auth_superuser
            from shop.conf import DEFAULTS
            staff_api = NinjaAPI(**{**DEFAULTS, "auth": django_auth_superuser, "urls_namespace": "staff"})
            STAFF_ROUTERS = [("/stock", "shop.staff.stock_router")]
            for prefix, router in STAFF_ROUTERS:
                staff_api.add_router(prefix, router)
        """,
        "shop/conf.py": """
            DEFAULTS = {"title": "Shop", "auth": None}
        """,
        "shop/staff.py": """
            from ninja import Router
            stock_router = Router()
            @stock_router.post("/{int:product_id}/adjust")
            def adjust(request, product_id: int):
                return {"ok": True}
        """,
    }
    routes = _routes(tmp_path, files)
    adjust = routes[("POST", "/staff/api/stock/{product_id}/adjust")]
    assert adjust.linked and adjust.app == "backoffice.settings"
    assert adjust.auth.status is AuthStatus.REQUIRED  # the override, not the defaults' auth=None


def test_development_settings_with_their_own_urlconf_stay_in_the_main_project(tmp_path: Path) -> None:
    # manage.py runs `dev` (its own ROOT_URLCONF adds a debug toolbar), wsgi.py serves `prod`; a demo
    # project beside them also has a manage.py, deeper in the tree.
    files = {
        "manage.py": _entry("site_conf.settings.dev"),
        "site_conf/wsgi.py": _entry("site_conf.settings.prod"),
        "site_conf/settings/prod.py": 'ROOT_URLCONF = "site_conf.urls"\nINSTALLED_APPS = []\n',
        "site_conf/settings/dev.py": 'from .prod import *\nROOT_URLCONF = "site_conf.urls_dev"\n',
        "site_conf/urls.py": """
            from django.urls import path
            from shop.views import home
            urlpatterns = [path("home/", home)]
        """,
        "site_conf/urls_dev.py": """
            from django.urls import include, path
            urlpatterns = [path("", include("site_conf.urls"))]
        """,
        "demo/manage.py": _entry("demo.settings"),
        "demo/demo/wsgi.py": _entry("demo.settings"),
        "demo/demo/settings.py": 'ROOT_URLCONF = "demo.urls"\nINSTALLED_APPS = []\n',
        "demo/demo/urls.py": """
            from django.urls import path
            from shop.views import home
            urlpatterns = [path("demo/", home)]
        """,
        "shop/views.py": VIEWS,
    }
    routes = _route_list(tmp_path, files)
    assert sorted((r.path, r.app) for r in routes) == [("/demo/", "demo.demo.settings"),
                                                       ("/home/", "site_conf.settings.prod")]


def test_the_main_project_is_the_one_the_root_manage_py_runs_even_when_its_wsgi_names_the_same_module() -> None:
    files = {
        "manage.py": _entry("mysite.settings"),
        "mysite/wsgi.py": _entry("mysite.settings"),
        "mysite/settings.py": 'ROOT_URLCONF = "mysite.urls"\n',
        "mysite/urls.py": "urlpatterns = []\n",
        "demo/manage.py": _entry("demo.settings"),
        "demo/demo/wsgi.py": _entry("demo.settings"),  # sorts before mysite/wsgi.py
        "demo/demo/settings.py": 'ROOT_URLCONF = "demo.urls"\n',
        "demo/demo/urls.py": "urlpatterns = []\n",
    }
    index = ProjectIndex(summarize_source(textwrap.dedent(src).encode(), path) for path, src in files.items())
    found = find_settings_module(index)
    assert found is not None and found.path == "mysite/settings.py"


def test_an_app_urlconf_included_as_a_tuple_is_not_walked_again_on_its_own(tmp_path: Path) -> None:
    # No settings module: the walk starts from URLconfs nothing includes.
    files = {
        "proj/urls.py": """
            from django.urls import include, path
            urlpatterns = [path("shop/", include(("shop.urls", "shop"), namespace="shop"))]
        """,
        "shop/urls.py": """
            from django.urls import path
            from .views import home
            app_name = "shop"
            urlpatterns = [path("home/", home)]
        """,
        "shop/views.py": VIEWS,
    }
    routes = _route_list(tmp_path, files)
    assert [(r.path, r.linked) for r in routes] == [("/shop/home/", True)]
