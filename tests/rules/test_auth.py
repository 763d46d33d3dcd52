"""AUTH rules: public-by-design routes, confidence levels, and how AUTH001/3/4 share routes."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import pytest
from apilint.config import Config
from apilint.model import AuthEvidence, AuthStatus, Location, Route
from apilint.rule import Confidence
from apilint.rules.auth._helpers import is_public_by_design
from apilint.testing import analyze_dir, write_project

DEPS = '''
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

scheme = OAuth2PasswordBearer(tokenUrl="token")
optional_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)


def current_user(token: str = Depends(scheme)) -> dict:
    if not token:
        raise HTTPException(status_code=401)
    return {"id": 1}
'''


AUTH_CODES = ("AUTH001", "AUTH002", "AUTH003", "AUTH004")
MAIN = """
from fastapi import FastAPI

from app import router

app = FastAPI()
app.include_router(router)
"""


def _run(files: dict[str, str], select: tuple[str, ...] = AUTH_CODES) -> list[tuple[str, int, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        result = analyze_dir(root, select=select)
        return sorted((f.location.file, f.location.line, f.code, f.confidence.value) for f in result.findings)


def _route(method: str, path: str, handler: str = "app.view") -> Route:
    params = tuple(p.strip("{}") for p in path.split("/") if p.startswith("{"))
    return Route("fastapi", method, path, path, handler, Location("app.py", 1), path_params=params,
                 auth=AuthEvidence(AuthStatus.NONE))


@pytest.mark.parametrize(("method", "path", "handler", "public"), [
    ("POST", "/auth/login", "login", True),
    ("POST", "/api/v1/token", "issue", True),
    ("POST", "/users/register", "create", True),
    ("POST", "/password-reset/{token}", "reset", True),
    ("GET", "/api/v1/health", "probe", True),
    ("GET", "/openapi.json", "schema", True),
    ("GET", "/", "index", True),
    ("POST", "/orders/{order_id}/confirm", "confirm_order", False),
    ("GET", "/orders/{order_id}/status", "order_status", False),
    ("POST", "/health", "probe", False),
    ("POST", "/users/me/tokens", "create_api_token", True),
    ("DELETE", "/users/{user_id}/tokens", "revoke", False),
    ("POST", "/devices", "register_device", False),
    ("POST", "/devices", "login", True),
    ("POST", "/reset/{uidb64}/{token}", "PasswordResetConfirmView", True),
    ("GET", "/reset/done", "PasswordResetCompleteView", True),
    # Django's account views below a prefix (`include("django.contrib.auth.urls")` at `accounts/`)
    ("POST", "/accounts/reset/{uidb64}/{token}/", "PasswordResetConfirmView", True),
    ("GET", "/accounts/reset/done/", "PasswordResetCompleteView", True),
    ("POST", "/accounts/logout/", "LogoutView", True),
    ("POST", "/accounts/{user_id}/password/", "PasswordResetConfirmView", False),
    ("ANY", "/signup/{uuid}/", "signup", True),
    ("POST", "/api/v1/invitations/{code}", "accept", True),
    ("POST", "/users/{user_id}/activate", "activate_user", False),
    ("POST", "/settings/reset", "reset_settings", False),
    ("POST", "/api/v1/auths/mfa/verify", "verify_mfa_challenge", True),
    ("GET", "/api/v1/scim/v2/ServiceProviderConfig", "service_provider_config", True),
    ("GET", "/opensearch.xml", "opensearch", True),
    ("POST", "/api/v1/scim/v2/Schemas", "create_schema", False),
    ("POST", "/{?config.root_path}/auth/header", "header_auth", True),
    ("POST", "/magic", "login_magic_link", True),
    ("POST", "/{?config.root_path}/feedback", "upsert_feedback", False),
    # probes, discovery documents and static assets below an unread prefix or a tenant parameter
    ("GET", "/{?base_url}/health", "health_check_view", True),
    ("GET", "/{tenant_slug}/.well-known/openid-configuration", "openid_configuration", True),
    ("GET", "/{?base_url}/public-files-sw.js", "service_worker", True),
    ("GET", "/manifest/{usr}.webmanifest", "manifest", True),
    ("GET", "/llms.txt", "llms_txt", True),
    ("GET", "/exports/og.png", "og_image", True),
    ("GET", "/assets/{filename}", "serve_asset", True),
    ("GET", "/project/translations", "translations", True),
    ("GET", "/api/components/{pk}/translations/", "translations", False),
    ("GET", "/reports/{report_id}.png", "report_chart", False),
    ("GET", "/images/{image_id}", "image", False),
    ("POST", "/{?base_url}/health", "probe", False),
    ("GET", "/node/public/api/v1/info", "api_get_public_info", True),
    ("GET", "/{language}/imprint", "imprint", True),
    ("GET", "/{language}/software/terms-of-service", "terms", True),
    ("GET", "/privacy-policy", "privacy", True),
    ("POST", "/contact", "contact", False),
    ("GET", "/users/{user_id}/privacy", "privacy_settings", False),
    ("POST", "/node/public/api/v1/rank", "update_rank", False),
    ("GET", "/{?base_url}/orders", "orders", False),
    # webhooks of services that sign their requests, and a visitor's language choice
    ("POST", "/slack/events", "slack_endpoint", True),
    ("POST", "/integrations/teams/messages", "teams_endpoint", True),
    ("POST", "/events", "create_event", False),
    ("POST", "/set-language/{locale}", "set_language", True),
    ("POST", "/i18n/setlang/", "set_language", True),
    ("POST", "/users/{user_id}/language", "set_user_language", False),
    ("POST", "/change-language", "RHChangeLanguage", True),
    ("POST", "/change-timezone", "RHChangeTimezone", True),
    ("POST", "/users/{user_id}/change-timezone", "change_user_timezone", False),
    ("POST", "/change-password", "change_password", False),
    # an auth flow below a tenant parameter, documents and version probes named literally
    ("POST", "/{tenant_slug}/forgot", "forgot_password", True),
    ("GET", "/{tenant}/reset-password/{token}", "reset_form", True),
    ("POST", "/{tenant}/orders/{order_id}/confirm", "confirm_order", False),
    ("POST", "/{tenant}/settings/reset", "reset_settings", False),
    ("GET", "/auth.md", "auth_md", True),
    ("GET", "/reports/{report_id}.md", "report_markdown", False),
    ("GET", "/arize_phoenix_version", "version", True),
    ("POST", "/app-version", "set_version", False),
    # a library's view of every method (no project handler) at a docs or asset path
    ("ANY", "/api/docs/", "drf_spectacular.views.SpectacularRedocView", True),
    ("ANY", "/swagger.yaml", "drf_yasg.views.SchemaView", True),
    ("ANY", "/api/orders/", "shop.views.OrderView", False),
])
def test_public_by_design(method: str, path: str, handler: str, public: bool) -> None:
    assert is_public_by_design(_route(method, path, f"app.{handler}"), Config()) is public


def test_configured_public_paths() -> None:
    config = Config(auth_public_paths=("/webhooks/*",))
    assert is_public_by_design(_route("POST", "/webhooks/stripe"), config)
    assert not is_public_by_design(_route("POST", "/orders"), config)


def test_auth001_confidence_without_any_auth_in_the_project() -> None:
    found = _run({"app.py": '''
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/products")
        def list_products() -> list[str]:
            return []


        @app.post("/products")
        def create_product(name: str) -> str:
            return name
    '''})
    assert found == [("app.py", 7, "AUTH001", "low"), ("app.py", 12, "AUTH001", "medium")]


def test_auth004_replaces_auth001_for_the_forgotten_route() -> None:
    found = _run({"deps.py": DEPS, "app.py": '''
        from fastapi import APIRouter, Depends

        from deps import current_user

        router = APIRouter(prefix="/notes")


        @router.get("/")
        def list_notes(user: dict = Depends(current_user)) -> list[str]:
            return []


        @router.post("/")
        def create_note(text: str, user: dict = Depends(current_user)) -> str:
            return text


        @router.delete("/{note_id}")
        def delete_note(note_id: int) -> None:
            ...
    '''})
    assert found == [("app.py", 19, "AUTH004", "high")]


def test_two_unprotected_routes_are_auth001_not_auth004() -> None:
    found = _run({"deps.py": DEPS, "app.py": '''
        from fastapi import APIRouter, Depends

        from deps import current_user

        router = APIRouter(prefix="/notes")


        @router.get("/")
        def list_notes(user: dict = Depends(current_user)) -> list[str]:
            return []


        @router.post("/")
        def create_note(text: str, user: dict = Depends(current_user)) -> str:
            return text


        @router.put("/{note_id}")
        def update_note(note_id: int, text: str) -> None:
            ...


        @router.delete("/{note_id}")
        def delete_note(note_id: int) -> None:
            ...
    ''', "main.py": MAIN})
    assert [(line, code) for _, line, code, _ in found] == [(19, "AUTH001"), (24, "AUTH001")]


def test_auth002_silent_when_the_handler_rejects_the_anonymous_caller() -> None:
    app = '''
        from fastapi import Depends, FastAPI, HTTPException

        from deps import optional_scheme

        app = FastAPI()


        @app.post("/posts")
        def create_post(text: str, token: str | None = Depends(optional_scheme)) -> str:
            BODY
            return text
    '''
    guarded = app.replace("BODY", "if token is None:\n                raise HTTPException(status_code=401)")
    assert _run({"deps.py": DEPS, "app.py": guarded}) == []
    branching = app.replace("BODY", "if token:\n                text = text.strip()")
    assert _run({"deps.py": DEPS, "app.py": branching}) == [("app.py", 9, "AUTH002", "high")]


def test_auth002_get_that_writes_is_medium() -> None:
    found = _run({"deps.py": DEPS, "app.py": '''
        from fastapi import Depends, FastAPI

        from deps import optional_scheme

        app = FastAPI()


        @app.get("/posts/{post_id}/view")
        def view_post(post_id: int, db=None, token: str | None = Depends(optional_scheme)) -> None:
            db.commit()


        @app.get("/posts/{post_id}")
        def read_post(post_id: int, token: str | None = Depends(optional_scheme)) -> dict:
            return {}
    '''})
    assert found == [("app.py", 9, "AUTH002", "medium")]


DRF_SETTINGS = '''
SECRET_KEY = "x"
ROOT_URLCONF = "urls"
INSTALLED_APPS = ["rest_framework"]
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
}
'''
DRF_URLS = '''
from rest_framework.routers import DefaultRouter

from views import NoteViewSet, TagViewSet

router = DefaultRouter()
router.register("notes", NoteViewSet, basename="note")
router.register("tags", TagViewSet, basename="tag")
urlpatterns = router.urls
'''
DRF_VIEWS = '''
from rest_framework import permissions, viewsets


class NoteViewSet(viewsets.ModelViewSet):
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return self.request.user.notes.all()


class TagViewSet(viewsets.ModelViewSet):
    def get_queryset(self):
        return []
'''


def test_auth003_reports_a_missing_drf_default_once_at_the_setting() -> None:
    found = _run({"settings.py": DRF_SETTINGS, "urls.py": DRF_URLS, "views.py": DRF_VIEWS})
    auth003 = [f for f in found if f[2] == "AUTH003"]
    assert auth003 == [("settings.py", 4, "AUTH003", "high")]
    assert {f[0] for f in found if f[2] == "AUTH001"} == {"views.py"}


def test_auth003_silent_when_every_view_sets_permissions() -> None:
    views = DRF_VIEWS.replace("class TagViewSet(viewsets.ModelViewSet):\n",
                              "class TagViewSet(viewsets.ModelViewSet):\n"
                              "    permission_classes = [permissions.IsAuthenticated]\n\n")
    assert _run({"settings.py": DRF_SETTINGS, "urls.py": DRF_URLS, "views.py": views}) == []


def test_auth001_public_catalogue_reads_are_low_confidence() -> None:
    found = _run({"deps.py": DEPS, "app.py": '''
        from fastapi import APIRouter, Depends

        from deps import current_user

        router = APIRouter(prefix="/products")


        @router.get("/")
        def list_products() -> list[str]:
            return []


        @router.post("/")
        def create_product(name: str, user: dict = Depends(current_user)) -> str:
            return name
    ''', "main.py": MAIN})
    assert found == [("app.py", 9, "AUTH001", "low")]


def test_auth001_a_view_of_every_method_that_only_renders_is_judged_as_a_read() -> None:
    settings = """
        ROOT_URLCONF = "urls"
        INSTALLED_APPS = ["app"]
    """
    urls = """
        from django.contrib.auth.decorators import login_required
        from django.shortcuts import render
        from django.urls import path

        from models import Note


        def shell(request):
            return render(request, "index.html", {"title": "Notes"})


        def quick_note(request):
            Note.objects.create(text=request.POST["text"])
            return render(request, "done.html")


        @login_required
        def account(request):
            return render(request, "account.html")


        urlpatterns = [path("", account), path("app/", shell), path("note/", quick_note)]
    """
    found = _run({"settings.py": settings, "urls.py": urls, "models.py": "class Note:\n    pass\n"})
    assert found == [("urls.py", 8, "AUTH001", "low"),  # renders a page: judged as a read
                     ("urls.py", 12, "AUTH001", "high")]  # writes: as unsafe as a POST


def test_an_optional_scheme_handed_to_a_helper_that_rejects_is_required() -> None:
    found = _run({"auth.py": '''
        from fastapi import HTTPException, Request, Security
        from fastapi.security import APIKeyHeader

        api_key_header = APIKeyHeader(name="Authorization", auto_error=False)


        async def _lookup_key(request: Request, api_key: str | None) -> dict:
            if not api_key or not api_key.startswith("sk-"):
                raise HTTPException(status_code=401, detail="invalid key")
            return {"key": api_key}


        async def user_api_key_auth(request: Request, api_key: str = Security(api_key_header)) -> dict:
            return await _lookup_key(request, api_key=api_key)
    ''', "app.py": '''
        from fastapi import APIRouter, Depends

        from auth import user_api_key_auth

        router = APIRouter()


        @router.post("/chat/completions", dependencies=[Depends(user_api_key_auth)])
        async def completions(body: dict) -> dict:
            return body
    '''})
    assert found == []


_MIDDLEWARE_APP = {
    "middleware.py": '''
from fastapi import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware


class TokenMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.url.path != "/health" and not request.headers.get("Authorization"):
            raise HTTPException(status_code=401)
        return await call_next(request)
''',
    "app.py": '''
from fastapi import FastAPI

from middleware import TokenMiddleware

app = FastAPI()
app.add_middleware(TokenMiddleware)


@app.get("/reports")
def list_reports() -> list[str]:
    return []


@app.delete("/reports/{report_id}")
def delete_report(report_id: int) -> None:
    ...
''',
}


def _analyze(files: dict[str, str], config: str = "") -> tuple[list[tuple[str, int, str]], int, dict[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        if config:
            (root / "pyproject.toml").write_text("[tool.apilint]\n" + config, encoding="utf-8")
        result = analyze_dir(root, select=("AUTH",))
        statuses = {r.display: r.auth.status.value for r in result.routes if not r.builtin}
        return sorted((f.location.file, f.location.line, f.code) for f in result.findings), result.quiet, statuses


def test_unreadable_mechanism_is_said_once_and_per_route_findings_are_held_back() -> None:
    found, quiet, statuses = _analyze(_MIDDLEWARE_APP)
    assert found == [("app.py", 6, "AUTH005")]
    assert quiet == 2 and set(statuses.values()) == {"unknown"}
    found, quiet, _ = _analyze(_MIDDLEWARE_APP, 'min-confidence = "low"\n')
    assert ("app.py", 10, "AUTH001") in found and ("app.py", 15, "AUTH001") in found and quiet == 0


def test_declared_mechanism_judges_its_routes() -> None:
    found, quiet, statuses = _analyze(_MIDDLEWARE_APP,
                                      'auth = { permissions = { "middleware.TokenMiddleware" = "required" } }\n')
    assert found == [] and quiet == 0
    assert statuses == {"GET /reports": "required", "DELETE /reports/{report_id}": "required"}
    found, _, statuses = _analyze(_MIDDLEWARE_APP, 'auth = { permissions = { "TokenMiddleware" = "none" } }\n')
    assert statuses["DELETE /reports/{report_id}"] == "none"
    assert ("app.py", 15, "AUTH001") in found


def test_unknown_permission_value_is_a_configuration_error(tmp_path: Path) -> None:
    from apilint.config import ConfigError, load_config

    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.apilint]\nauth = { permissions = { "X" = "maybe" } }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="expected required, optional or none"):
        load_config(config)


def test_redirect_only_and_signature_checked_handlers_are_public_by_design() -> None:
    app = """
    import stripe
    from fastapi import APIRouter, Depends, Request
    from fastapi.responses import RedirectResponse

    from deps import current_user

    router = APIRouter()


    @router.post("/services/{name}")
    def to_service_root(request: Request, name: str):
        return RedirectResponse(str(request.url) + "/", status_code=308)


    @router.post("/billing/events")
    async def billing_events(request: Request):
        payload = await request.body()
        event = stripe.Webhook.construct_event(payload, request.headers["stripe-signature"], "whsec")
        return {"type": event["type"]}


    @router.post("/billing/notes")
    async def billing_notes(request: Request):
        return RedirectResponse(await save_note(request), status_code=303)


    @router.get("/billing/invoices")
    def invoices(user=Depends(current_user)):
        return []


    @router.post("/billing/checkout")
    def checkout(user=Depends(current_user)):
        return {}
    """
    found = _run({"main.py": MAIN, "deps.py": DEPS, "app.py": app})
    # only the redirect that first does something else (saves a note) is reported
    assert [(line, code) for _, line, code, _ in found] == [(23, "AUTH001")]


def test_auth001_is_low_when_the_handler_limits_its_data_to_what_the_caller_may_see() -> None:
    app = """
    from fastapi import APIRouter, Depends, Request

    from deps import current_user

    router = APIRouter()


    @router.post("/runs/summary")
    def summary(request: Request):
        allowed = get_permitted_run_ids(user=request.user)
        if not allowed:
            return {}
        return {"runs": sorted(allowed)}


    @router.post("/runs/export")
    def export(request: Request):
        return {"runs": []}


    @router.get("/runs")
    def runs(user=Depends(current_user)):
        return []
    """
    found = _run({"main.py": MAIN, "deps.py": DEPS, "app.py": app})
    assert [(line, code, confidence) for _, line, code, confidence in found] == [
        (9, "AUTH001", "low"), (17, "AUTH001", "high")]


_ACL_API = {
    "proj/__init__.py": "",
    "proj/settings.py": """
        ROOT_URLCONF = "proj.urls"
        INSTALLED_APPS = ["rest_framework", "docs"]
        REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"]}
    """,
    "proj/urls.py": """
        from django.urls import path
        from docs import views
        urlpatterns = [
            path("api/docs/<int:pk>/tags/", views.TagAttachView.as_view()),
            path("api/favorites/", views.FavoriteListView.as_view()),
        ]
    """,
    "docs/__init__.py": "",
    "docs/permissions.py": """
        from rest_framework.permissions import BasePermission
        class MapPermission(BasePermission):
            def has_permission(self, request, view):
                needed = getattr(view, "view_permission_map", {}).get(request.method)
                if needed:
                    return request.user.is_authenticated and request.user.has_perm(needed)
                return True
    """,
    "docs/views.py": """
        from rest_framework import generics
        from docs.models import Document, Favorite
        from docs.permissions import MapPermission
        class TagAttachView(generics.CreateAPIView):
            permission_classes = [MapPermission]
            object_permission_map = {"POST": "docs.tag_attach"}
        class FavoriteListView(generics.ListCreateAPIView):
            permission_classes = [MapPermission]
            def get_queryset(self):
                return Favorite.objects.filter(user=self.request.user)
    """,
    "docs/models.py": """
        class Document: ...
        class Favorite: ...
    """,
}


def test_a_per_method_permission_map_makes_auth_unknown_and_caller_scoped_views_low() -> None:
    found, _, statuses = _analyze(_ACL_API)
    assert statuses["POST /api/docs/{pk}/tags/"] == "unknown"  # the view asks for a permission apilint can't trace
    assert statuses["POST /api/favorites/"] == "optional"
    assert ("docs/views.py", 6, "AUTH005") in found  # the map, named once
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in _ACL_API.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        findings = analyze_dir(root, select=("AUTH002",)).findings
    # low: the view only reads and writes the caller's own favorites
    assert [(f.location.line, f.confidence) for f in findings] == [(7, Confidence.LOW)]
    assert "Favorite.objects.filter(user=self.request.user)" in findings[0].message


def test_inline_django_view_that_only_redirects_is_public_by_design() -> None:
    urls = """
    from django.shortcuts import redirect
    from django.urls import path

    from shop import views

    urlpatterns = [
        path("api", lambda request: redirect("/api/v2/", permanent=True)),
        path("export", lambda request: views.export(request)),
    ]
    """
    views = """
    from django.http import JsonResponse


    def export(request):
        return JsonResponse({"rows": []})
    """
    settings = """
    SECRET_KEY = "x"
    ROOT_URLCONF = "site_urls"
    """
    files = {"site_urls.py": urls, "shop/__init__.py": "", "shop/views.py": views, "settings.py": settings}
    with tempfile.TemporaryDirectory() as tmp:
        result = analyze_dir(write_project(Path(tmp), files), select=("AUTH001",))
    # the redirect serves nothing itself; the lambda that calls a view is still reported
    assert [f.route for f in result.findings] == ["ANY /export"]


def test_a_login_form_checked_by_comparison_is_public_by_design() -> None:
    app = """
    from flask import Flask, jsonify, request, session

    from store import USERS

    app = Flask(__name__)


    @app.post("/console")
    def console_entry():
        account = USERS.get(request.form.get("username"))
        if account is not None and request.form.get("password") == account["password"]:
            session["user"] = account["name"]
            return jsonify({"ok": True})
        return jsonify({"error": "bad credentials"}), 401


    @app.post("/console/password")
    def console_password():
        account = USERS.get(request.form.get("username"))
        if request.form.get("password") == account["password"]:
            account["password"] = request.form.get("new_password")
        return jsonify({"ok": True})
    """
    found = _run({"app.py": app, "store.py": "USERS = {}"}, select=("AUTH001",))
    # the form that signs the caller in is where callers become authenticated; the password change is not
    assert [(file, line) for file, line, _, _ in found] == [("app.py", 18)]
