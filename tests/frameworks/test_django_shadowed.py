"""Django dispatches to the first URL pattern that matches: a later view at the same full path is
never reached and is not on the route map."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apilint.model import Route
from apilint.testing import analyze_dir

_APP_URLS = """
    from django.urls import path, re_path
    from . import views
    urlpatterns = [
        re_path(r"^$", views.index),
        path("{name}/<int:pk>/", views.detail),
    ]
"""

_APP_VIEWS = """
    from django.http import JsonResponse
    def index(request):
        return JsonResponse({{"app": "{name}"}})
    def detail(request, pk):
        return JsonResponse({{"pk": pk}})
"""


def _routes(tmp_path: Path, root_urls: str, extra: dict[str, str] | None = None) -> list[Route]:
    files = {
        "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")\n',
        "site_cfg/__init__.py": "",
        "site_cfg/settings.py": 'ROOT_URLCONF = "site_cfg.urls"\nINSTALLED_APPS = ["books", "films"]\n',
        "site_cfg/urls.py": root_urls,
        **(extra or {}),
    }
    for name in ("books", "films"):
        files[f"{name}/__init__.py"] = ""
        files[f"{name}/urls.py"] = _APP_URLS.format(name=name)
        files[f"{name}/views.py"] = _APP_VIEWS.format(name=name)
    for rel, source in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")
    (tmp_path / ".git").mkdir(exist_ok=True)
    return list(analyze_dir(tmp_path).routes)


def _at(routes: list[Route], path: str) -> list[str]:
    return sorted(r.handler for r in routes if r.path == path)


def test_second_app_index_under_a_shared_prefix_is_not_reached(tmp_path: Path) -> None:
    routes = _routes(tmp_path, """
        from django.conf.urls import include, url
        urlpatterns = [
            url(r"^api/", include("books.urls")),
            url(r"^api/", include("films.urls")),
        ]
    """)
    assert _at(routes, "/api/") == ["books.views.index"]
    # different full paths: both apps' detail views stay
    assert _at(routes, "/api/books/{pk}/") == ["books.views.detail"]
    assert _at(routes, "/api/films/{pk}/") == ["films.views.detail"]


def test_same_path_twice_in_one_list_keeps_the_first(tmp_path: Path) -> None:
    routes = _routes(tmp_path, """
        from django.urls import path
        from books import views as book_views
        from films import views as film_views
        urlpatterns = [
            path("home/", book_views.index),
            path("home/", film_views.index),
        ]
    """)
    assert _at(routes, "/home/") == ["books.views.index"]


def test_patterns_under_an_if_or_open_ended_are_kept(tmp_path: Path) -> None:
    routes = _routes(tmp_path, """
        from django.conf import settings
        from django.urls import path, re_path
        from books import views as book_views
        from films import views as film_views
        urlpatterns = [re_path(r"^feed/", book_views.index), re_path(r"^feed/", film_views.index)]
        if settings.DEBUG:
            urlpatterns += [path("home/", book_views.index)]
        urlpatterns += [path("home/", film_views.index)]
    """)
    # only patterns matched to the end are compared (`^feed/` also takes longer paths): both kept
    assert _at(routes, "/feed/") == ["books.views.index", "films.views.index"]
    # the first `home/` exists only in DEBUG: the second is reached in production
    assert _at(routes, "/home/") == ["books.views.index", "films.views.index"]


def test_project_view_before_the_auth_urlconf_takes_its_path(tmp_path: Path) -> None:
    routes = _routes(tmp_path, """
        from django.urls import include, path
        from site_cfg.account_views import QuickLogoutView
        urlpatterns = [
            path("accounts/logout/", QuickLogoutView.as_view()),
            path("accounts/", include("django.contrib.auth.urls")),
            path("staff/", include("django.contrib.auth.urls")),
        ]
    """, {"site_cfg/account_views.py": """
        from django.contrib.auth import logout
        from django.shortcuts import redirect
        from django.views import View
        class QuickLogoutView(View):
            def get(self, request):
                logout(request)
                return redirect("/")
    """})
    # Django's LogoutView (POST) is never reached under accounts/; the project's GET view takes the path
    assert sorted((r.method, r.handler) for r in routes if r.path == "/accounts/logout/") == [
        ("GET", "site_cfg.account_views.QuickLogoutView.get")]
    assert _at(routes, "/accounts/login/") == ["django.contrib.auth.views.LoginView"] * 2
    assert _at(routes, "/staff/logout/") == ["django.contrib.auth.views.LogoutView"]
