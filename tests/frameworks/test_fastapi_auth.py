"""FastAPI/Starlette auth evidence: dependencies judged the way FastAPI resolves them."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.model import AuthStatus, Route
from apilint.testing import analyze_files

BEARER = """
    from fastapi import Depends, HTTPException, Request
    from fastapi.security import HTTPBearer

    bearer = HTTPBearer(auto_error=False)

    async def require_user(credentials=Depends(bearer)):
        if credentials is None:
            raise HTTPException(status_code=401)
        return credentials.credentials

    async def optional_user(credentials=Depends(bearer)):
        if credentials is None:
            return None
        return credentials.credentials
"""


def _routes(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, str], Route]:
    result = analyze_files(tmp_path, files)
    return {(r.method, r.path): r for r in result.routes}


def _details(route: Route) -> str:
    return " | ".join(e.describe() for e in route.auth.evidence)


def test_factory_is_judged_by_the_function_it_returns_for_its_arguments(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "", "app/auth.py": BEARER + """
    def authorizer(*, required: bool = True):
        return require_user if required else optional_user
    """,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.auth import authorizer
            app = FastAPI()

            @app.post("/strict")
            def strict(user=Depends(authorizer())):
                return user

            @app.post("/lenient")
            def lenient(user=Depends(authorizer(required=False))):
                return user
        """})
    assert routes["POST", "/strict"].auth.status is AuthStatus.REQUIRED
    assert routes["POST", "/lenient"].auth.status is AuthStatus.OPTIONAL


def test_closure_factory_and_callable_instances(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "", "app/auth.py": BEARER + """
    def require_role(role: str):
        async def checker(user=Depends(require_user)):
            if role != "admin":
                raise HTTPException(status_code=403)
            return user
        return checker

    class Permissions:
        def __init__(self, needed: list[str]):
            self.needed = needed
        def __call__(self, user=Depends(require_user)):
            return user

    class ClientIP:
        def __call__(self, request: Request):
            return request.client.host

    admins_only = require_role("admin")
    """,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.auth import ClientIP, Permissions, admins_only, require_role
            app = FastAPI()

            @app.delete("/a")
            def a(user=Depends(require_role("admin"))):
                return 1

            @app.delete("/b", dependencies=[Depends(Permissions(["b:delete"]))])
            def b():
                return 1

            @app.delete("/c", dependencies=[Depends(admins_only)])
            def c():
                return 1

            @app.delete("/d")
            def d(ip=Depends(ClientIP())):
                return 1
        """})
    for path in ("/a", "/b", "/c"):
        assert routes["DELETE", path].auth.status is AuthStatus.REQUIRED, path
    assert routes["DELETE", "/d"].auth.status is AuthStatus.NONE
    assert any(e.kind == "role" for e in routes["DELETE", "/a"].authz)


def test_dependency_list_built_under_a_condition_makes_routes_unknown(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "", "app/auth.py": BEARER,
        "app/main.py": """
            from fastapi import APIRouter, Depends, FastAPI
            from app.auth import require_user

            def audit():
                return None

            def create_router(auth_enabled: bool) -> APIRouter:
                deps = [Depends(audit)]
                if auth_enabled:
                    deps.append(Depends(require_user))
                router = APIRouter(prefix="/v1", dependencies=deps)

                @router.post("/items")
                def create_item():
                    return 1
                return router

            def create_other(auth_enabled: bool) -> APIRouter:
                router = APIRouter(prefix="/v2", dependencies=[Depends(require_user)] if auth_enabled else [])

                @router.post("/items")
                def create_item2():
                    return 1
                return router

            def create_always(auth_enabled: bool) -> APIRouter:
                deps = [Depends(require_user)]
                if auth_enabled:
                    deps.append(Depends(audit))
                router = APIRouter(prefix="/v3", dependencies=deps)

                @router.post("/items")
                def create_item3():
                    return 1
                return router

            app = FastAPI()
            app.include_router(create_router(flag))
            app.include_router(create_other(flag))
            app.include_router(create_always(flag))
        """})
    for path in ("/v1/items", "/v2/items"):
        route = routes["POST", path]
        assert route.auth.status is AuthStatus.UNKNOWN, path
        assert "applies only if auth_enabled" in _details(route)
    assert routes["POST", "/v3/items"].auth.status is AuthStatus.REQUIRED


def test_object_assigned_under_an_if_is_judged_by_every_value(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/auth.py": """
            import os
            from fastapi import HTTPException, Security
            from fastapi.security import HTTPBearer

            class Token:
                def __init__(self, token):
                    self.token = token
                async def __call__(self, creds=Security(HTTPBearer())):
                    if creds.credentials != self.token:
                        raise HTTPException(status_code=403)

            class Deny:
                async def __call__(self):
                    raise HTTPException(status_code=403)

            class Allow:
                async def __call__(self):
                    return None

            TOKEN = os.getenv("TOKEN")
            if TOKEN is not None:
                strict = Token(TOKEN)
            else:
                strict = Deny()
            if TOKEN is not None:
                loose = Token(TOKEN)
            else:
                loose = Allow()
        """,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.auth import loose, strict
            app = FastAPI()

            @app.post("/strict", dependencies=[Depends(strict)])
            def s():
                return 1

            @app.post("/loose", dependencies=[Depends(loose)])
            def lo():
                return 1
        """})
    assert routes["POST", "/strict"].auth.status is AuthStatus.REQUIRED
    loose = routes["POST", "/loose"]
    assert loose.auth.status is AuthStatus.UNKNOWN
    assert "may be any of" in _details(loose) and "Allow()" in _details(loose)


def test_unreadable_dependency_list_is_unknown_evidence(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": """
            from fastapi import APIRouter, FastAPI
            from plugins import load_dependencies
            router = APIRouter(dependencies=load_dependencies())

            @router.post("/items")
            def create_item():
                return 1

            app = FastAPI()
            app.include_router(router)
        """})
    route = routes["POST", "/items"]
    assert route.auth.status is AuthStatus.UNKNOWN
    assert "cannot be read" in _details(route)


def test_redirect_to_login_rejects_and_a_service_dependency_is_not_auth(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/deps.py": """
            from fastapi import Cookie, Depends, HTTPException, status
            from fastapi.security import APIKeyCookie

            admin_cookie = APIKeyCookie(name="admin", auto_error=False)

            async def get_session(sid: str | None = Cookie(None, alias="session")):
                if sid is None:
                    return None
                return {"user": sid}

            async def session_or_login(session=Depends(get_session)):
                if session is None:
                    raise HTTPException(status_code=status.HTTP_307_TEMPORARY_REDIRECT,
                                        headers={"Location": "/login"})
                return session

            async def optional_admin(token: str | None = Depends(admin_cookie)):
                if token is None:
                    return None
                return token

            class AuditLogger:
                def __init__(self, admin):
                    self.admin = admin

            async def get_audit_logger(admin=Depends(optional_admin)) -> AuditLogger:
                return AuditLogger(admin)
        """,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.deps import get_audit_logger, session_or_login
            app = FastAPI()

            @app.post("/profile")
            def profile(session=Depends(session_or_login), audit=Depends(get_audit_logger)):
                return 1

            @app.post("/subscribe")
            def subscribe(audit=Depends(get_audit_logger)):
                return 1
        """})
    assert routes["POST", "/profile"].auth.status is AuthStatus.REQUIRED
    assert routes["POST", "/subscribe"].auth.status is AuthStatus.NONE


def test_delegation_to_a_checker_object_and_a_websocket_validator(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/keys.py": """
            from fastapi import HTTPException, Request, Security, WebSocket
            from fastapi.security import APIKeyHeader

            header = APIKeyHeader(name="X-API-Key", auto_error=False)

            class Checker:
                def __init__(self, key=None):
                    self._key = key
                def _extract(self, request: Request):
                    key = self._key or request.headers.get("X-API-Key")
                    if not key:
                        raise HTTPException(status_code=401)
                    return key
                async def __call__(self, request: Request):
                    return self._extract(request)

            async def require_key(request: Request, key: str | None = Security(header)):
                check = Checker(key)
                return await check(request)

            class Validator:
                def __init__(self, websocket: WebSocket):
                    self.websocket = websocket
                async def validate(self) -> bool:
                    if not self.websocket.query_params.get("token"):
                        await self.websocket.close(code=1008)
                        return False
                    return True
        """,
        "app/main.py": """
            from fastapi import Depends, FastAPI, WebSocket
            from app.keys import Validator, require_key
            app = FastAPI()

            @app.post("/pay")
            async def pay(key=Depends(require_key)):
                return 1

            @app.websocket("/ws")
            async def ws(websocket: WebSocket):
                if not await Validator(websocket).validate():
                    return
                await websocket.accept()
        """})
    pay = routes["POST", "/pay"]
    assert pay.auth.status is AuthStatus.REQUIRED and "hands the request to `Checker`" in _details(pay)
    assert routes["WEBSOCKET", "/ws"].auth.status is AuthStatus.REQUIRED


@pytest.mark.parametrize("raise_stmt", [
    "raise credentials_exception",
    "raise forbidden()",
    "raise NotAuthenticated()",
    "raise AccessDeniedError('no')",
])
def test_rejections_raised_through_names_helpers_and_project_exceptions(tmp_path: Path, raise_stmt: str) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/errors.py": """
            from fastapi import HTTPException

            class ApiError(Exception):
                status_code = 500

            class NotAuthenticated(ApiError):
                status_code = 401

            class AccessDeniedError(Exception):
                pass

            def forbidden():
                return HTTPException(status_code=403)
        """,
        "app/auth.py": f"""
            from fastapi import Depends, HTTPException
            from fastapi.security import OAuth2PasswordBearer
            from app.errors import AccessDeniedError, NotAuthenticated, forbidden

            scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)

            async def current_user(token: str | None = Depends(scheme)):
                credentials_exception = HTTPException(status_code=401)
                if token is None:
                    {raise_stmt}
                return token
        """,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.auth import current_user
            app = FastAPI()

            @app.post("/items")
            def create(user=Depends(current_user)):
                return 1
        """})
    assert routes["POST", "/items"].auth.status is AuthStatus.REQUIRED


def test_auth_named_dependency_that_cannot_be_read_is_unknown_never_none(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/auth.py": """
            from fastapi import Request
            from plugins import backend

            async def get_current_user(request: Request):
                return await backend.authenticate(request)

            async def get_locale(request: Request):
                return request.headers.get("Accept-Language")
        """,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.auth import get_current_user, get_locale
            app = FastAPI()

            @app.post("/a")
            def a(user=Depends(get_current_user)):
                return 1

            @app.post("/b")
            def b(locale=Depends(get_locale)):
                return 1
        """})
    a = routes["POST", "/a"]
    assert a.auth.status is AuthStatus.UNKNOWN and "named as authentication" in _details(a)
    assert routes["POST", "/b"].auth.status is AuthStatus.NONE


def test_annotated_alias_from_another_module_and_deep_chains(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "", "app/auth.py": BEARER + """
    async def active_user(user=Depends(require_user)):
        return user

    async def current_org(user=Depends(active_user)):
        return user
    """,
        "app/types.py": """
            from typing import Annotated
            from fastapi import Depends
            from app.auth import current_org
            OrgDep = Annotated[str, Depends(current_org)]
        """,
        "app/main.py": """
            from fastapi import FastAPI
            from app.types import OrgDep
            app = FastAPI()

            @app.post("/org")
            def org(org: OrgDep):
                return 1
        """})
    assert routes["POST", "/org"].auth.status is AuthStatus.REQUIRED


def test_a_maybe_required_dependency_outranks_an_optional_one(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "", "app/auth.py": BEARER,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from gateway import verify_gateway_token
            from app.auth import optional_user
            app = FastAPI()

            @app.post("/items", dependencies=[Depends(verify_gateway_token)])
            def create(user=Depends(optional_user)):
                return 1
        """})
    assert routes["POST", "/items"].auth.status is AuthStatus.UNKNOWN


def test_handler_handing_the_caller_to_a_policy_check_is_authz_evidence(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "", "app/auth.py": BEARER,
        "app/policies.py": """
            class ForbiddenOperationError(Exception):
                pass

            async def authorize(actor, action) -> None:
                if not await action(actor):
                    raise ForbiddenOperationError()

            async def log_access(actor, what) -> None:
                print(actor, what)
        """,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.auth import require_user
            from app.policies import authorize, log_access
            app = FastAPI()

            async def can_list(actor):
                return actor == "owner"

            @app.get("/users")
            async def list_users(user=Depends(require_user)):
                await authorize(user, can_list)
                return []

            @app.get("/logs")
            async def list_logs(user=Depends(require_user)):
                await log_access(user, "logs")
                return []
        """})
    users = routes["GET", "/users"]
    assert [(e.kind, e.name) for e in users.authz] == [("permission", "authorize")]
    assert not routes["GET", "/logs"].authz


def test_role_deny_list_is_not_authentication_and_a_missing_credential_may_pass(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/deps.py": """
            from fastapi import Depends, HTTPException, Request
            from fastapi.security import APIKeyCookie

            cookie = APIKeyCookie(name="session", auto_error=False)

            def block_viewers(request: Request) -> None:
                if not request.app.state.authentication_enabled:
                    return
                user = getattr(request, "user", None)
                if user is not None and user.is_viewer:
                    raise HTTPException(status_code=403)

            def require_admin(request: Request) -> None:
                user = getattr(request, "user", None)
                if not (user is not None and user.is_admin):
                    raise HTTPException(status_code=403)

            async def optional_session(token: str | None = Depends(cookie)):
                if token is None:
                    return None
                if not token.startswith("s-"):
                    raise HTTPException(status_code=401)
                return token
        """,
        "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.deps import block_viewers, optional_session, require_admin
            app = FastAPI()

            @app.post("/a", dependencies=[Depends(block_viewers)])
            def a():
                return 1

            @app.post("/b", dependencies=[Depends(require_admin)])
            def b():
                return 1

            @app.get("/c")
            def c(session=Depends(optional_session)):
                return 1
        """})
    assert routes["POST", "/a"].auth.status is AuthStatus.NONE
    assert routes["POST", "/b"].auth.status is AuthStatus.REQUIRED
    assert routes["GET", "/c"].auth.status is AuthStatus.OPTIONAL


def test_webhook_signature_and_shared_service_secret(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": """
            import hmac
            import os

            import stripe
            from fastapi import Depends, FastAPI, HTTPException, Request, Security
            from fastapi.security import HTTPBearer

            WEBHOOK_SECRET = os.getenv("WEBHOOK_SECRET", "")
            SERVICE_TOKEN = os.getenv("SERVICE_TOKEN", "")
            app = FastAPI()

            async def service_only(creds=Security(HTTPBearer())):
                if not hmac.compare_digest(creds.credentials, SERVICE_TOKEN):
                    raise HTTPException(status_code=403)

            @app.post("/stripe")
            async def stripe_events(request: Request):
                payload = await request.body()
                event = stripe.Webhook.construct_event(payload, request.headers["stripe-signature"], WEBHOOK_SECRET)
                return {"type": event["type"]}

            @app.post("/internal/jobs/{job_id}/cancel", dependencies=[Depends(service_only)])
            async def cancel(job_id: int):
                return {"cancelled": job_id}
        """})
    stripe_route = routes["POST", "/stripe"]
    assert stripe_route.auth.status is AuthStatus.REQUIRED and "signature" in _details(stripe_route)
    cancel = routes["POST", "/internal/jobs/{job_id}/cancel"]
    assert cancel.auth.status is AuthStatus.REQUIRED
    assert any("shared service secret" in e.detail for e in cancel.authz)


def test_helpers_a_handler_calls_on_some_paths_or_that_let_anonymous_callers_through(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": """
            import os
            from fastapi import FastAPI, HTTPException, Request

            AUTH_REQUIRED = os.getenv("CATALOG_AUTH") == "1"
            app = FastAPI()

            async def require_key(request: Request) -> str:
                token = request.headers.get("Authorization")
                if not token:
                    raise HTTPException(status_code=401)
                return token

            async def optional_key(request: Request) -> str | None:
                token = request.headers.get("Authorization")
                if token is None:
                    return None
                return token

            @app.get("/catalog")
            async def catalog(request: Request):
                if AUTH_REQUIRED:
                    await require_key(request)
                return []

            @app.post("/votes")
            async def vote(request: Request):
                voter = await optional_key(request)
                return {"voter": voter}

            @app.post("/admin/flush")
            async def flush(request: Request):
                await require_key(request)
                return {}
        """})
    assert routes["GET", "/catalog"].auth.status is AuthStatus.UNKNOWN
    assert routes["POST", "/votes"].auth.status is AuthStatus.OPTIONAL
    assert routes["POST", "/admin/flush"].auth.status is AuthStatus.REQUIRED


def test_login_handlers_are_not_authenticated_routes(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": """
            from fastapi import FastAPI, HTTPException, Request

            app = FastAPI()

            def is_valid_password(password, stored):
                return password == stored

            async def _create_auth_response(request, user):
                return {"user": user}

            @app.post("/auth/login")
            async def login(request: Request):
                data = await request.json()
                if not is_valid_password(data.get("password"), "x"):
                    raise HTTPException(status_code=401)
                return await _create_auth_response(request, data.get("email"))

            @app.get("/auth/magic")
            async def magic(request: Request, code: str):
                if code != "ok":
                    raise HTTPException(status_code=401)
                request.session["user"] = {"code": code}
                return {}
        """})
    assert routes["POST", "/auth/login"].auth.status is AuthStatus.NONE
    assert routes["GET", "/auth/magic"].auth.status is AuthStatus.NONE
