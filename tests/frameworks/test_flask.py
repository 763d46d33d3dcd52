"""Flask adapter: tricky registrations, auth evidence and app facts."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus
from apilint.testing import analyze_dir, write_project


def _app(tmp_path: Path, files: dict[str, str]):
    write_project(tmp_path, files)
    return analyze_dir(tmp_path)


def _routes(result) -> dict[str, str]:
    return {r.display: r.auth.status.value for r in result.routes}


def test_factory_nested_blueprints_and_register_prefix_wins(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "app/__init__.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                from .api import api_bp
                register_blueprints(app)
                app.register_blueprint(api_bp, url_prefix="/api/v1")
                return app

            def register_blueprints(app):
                from app.web import web
                app.register_blueprint(web)
        """,
        "app/api/__init__.py": """
            from flask import Blueprint
            from app.api.users import users_bp

            api_bp = Blueprint("api", __name__, url_prefix="/ignored")
            api_bp.register_blueprint(users_bp)

            from . import views  # noqa
        """,
        "app/api/views.py": """
            from . import api_bp

            @api_bp.route("/ping")
            def ping():
                return "pong"
        """,
        "app/api/users.py": """
            from flask import Blueprint

            users_bp = Blueprint("users", __name__, url_prefix="/users")

            @users_bp.route("/<int:user_id>", methods=["GET", "DELETE"])
            def user(user_id):
                return {}
        """,
        "app/web.py": """
            from flask import Blueprint

            web = Blueprint("web", __name__)

            @web.get("/about")
            def about():
                return "about"
        """,
    })
    paths = {(r.method, r.path, r.raw_path) for r in result.routes}
    assert ("GET", "/api/v1/ping", "/api/v1/ping") in paths
    assert ("DELETE", "/api/v1/users/{user_id}", "/api/v1/users/<int:user_id>") in paths
    assert ("GET", "/about", "/about") in paths
    assert len(paths) == 4


def test_views_resources_and_namespaces(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "app.py": """
            from flask import Flask
            from flask.views import MethodView, View
            from flask_login import login_required
            from flask_restful import Api, Resource
            from flask_restx import Api as XApi, Namespace, Resource as XResource

            app = Flask(__name__)
            api = Api(app, prefix="/rest")
            xapi = XApi(app, prefix="/x")
            ns = xapi.namespace("things", path="/things")

            class Base(MethodView):
                decorators = [login_required]

            class Items(Base):
                def get(self):
                    return []

                def post(self):
                    return {}

            class Plain(View):
                methods = ["GET", "POST"]

                def dispatch_request(self):
                    return "x"

            class Todo(Resource):
                method_decorators = {"delete": [login_required]}

                def get(self, todo_id):
                    return {}

                def delete(self, todo_id):
                    return {}

            @ns.route("/<id>")
            class Thing(XResource):
                def get(self, id):
                    return {}

            app.add_url_rule("/items", view_func=Items.as_view("items"))
            app.add_url_rule("/plain", view_func=Plain.as_view("plain"))
            api.add_resource(Todo, "/todos/<int:todo_id>", "/t/<int:todo_id>")
        """,
    })
    assert _routes(result) == {
        "GET /items": "required", "POST /items": "required",
        "GET /plain": "none", "POST /plain": "none",
        "GET /rest/todos/{todo_id}": "none", "DELETE /rest/todos/{todo_id}": "required",
        "GET /rest/t/{todo_id}": "none", "DELETE /rest/t/{todo_id}": "required",
        "GET /x/things/{id}": "none",
    }
    handlers = {r.display: r.handler for r in result.routes}
    assert handlers["POST /items"] == "app.Items.post"
    assert handlers["GET /plain"] == "app.Plain.dispatch_request"


def test_library_and_project_decorators(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "app.py": """
            from functools import wraps
            from flask import Flask, abort, request
            from flask_httpauth import HTTPTokenAuth
            from flask_jwt_extended import jwt_required, verify_jwt_in_request, get_jwt

            app = Flask(__name__)
            auth = HTTPTokenAuth(scheme="Bearer")

            def role_required(role):
                def decorator(fn):
                    @wraps(fn)
                    def wrapper(*args, **kwargs):
                        verify_jwt_in_request()
                        if role not in get_jwt().get("roles", []):
                            abort(403)
                        return fn(*args, **kwargs)
                    return wrapper
                return decorator

            def log_calls(fn):
                @wraps(fn)
                def wrapper(*args, **kwargs):
                    print(request.path)
                    return fn(*args, **kwargs)
                return wrapper

            @app.route("/a", methods=["POST"])
            @auth.login_required(role="admin")
            def a():
                return ""

            @app.route("/b")
            @jwt_required(optional=True)
            def b():
                return ""

            @app.route("/c", methods=["DELETE"])
            @role_required("admin")
            def c():
                return ""

            @app.route("/d", methods=["PUT"])
            @log_calls
            def d():
                return ""
        """,
    })
    assert _routes(result) == {"POST /a": "required", "GET /b": "optional", "DELETE /c": "required",
                               "PUT /d": "none"}
    by = {r.display: r for r in result.routes}
    assert by["POST /a"].authz and by["DELETE /c"].authz
    assert not by["GET /b"].authz


def test_before_request_hook_with_exemptions(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "app.py": """
            from flask import Flask, Blueprint, request, abort, g
            import jwt

            PUBLIC = ["api.health", "api.login"]
            app = Flask(__name__)
            api = Blueprint("api", __name__, url_prefix="/api")
            other = Blueprint("other", __name__)

            @api.before_request
            def authenticate():
                if request.method == "OPTIONS" or request.endpoint in PUBLIC:
                    return None
                token = request.headers.get("Authorization", "").removeprefix("Bearer ")
                try:
                    g.user = jwt.decode(token, "k", algorithms=["HS256"])
                except jwt.PyJWTError:
                    abort(401)

            @other.before_request
            def check():
                if getattr(app.view_functions.get(request.endpoint), "public", False):
                    return
                if "Authorization" not in request.headers:
                    abort(401)

            @api.get("/health")
            def health():
                return "ok"

            @api.post("/login")
            def login():
                return "ok"

            @api.delete("/posts/<int:pid>")
            def delete_post(pid):
                return ""

            @other.post("/things")
            def things():
                return ""

            @app.post("/outside")
            def outside():
                return ""

            app.register_blueprint(api)
            app.register_blueprint(other)
        """,
    })
    assert _routes(result) == {"GET /api/health": "none", "POST /api/login": "none",
                               "DELETE /api/posts/{pid}": "required", "POST /things": "unknown",
                               "POST /outside": "none"}


def test_configured_decorator_and_path_exemption(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.apilint]\nauth = {decorators = ["sso_protected"]}\n')
    result = _app(tmp_path, {
        "app.py": """
            from flask import Flask, request, session, abort
            from company.sso import sso_protected

            app = Flask(__name__)

            @app.before_request
            def require_login():
                if request.path.startswith(("/static", "/public/")):
                    return
                if "user_id" not in session:
                    abort(401)

            @app.route("/public/info")
            def info():
                return ""

            @app.route("/reports", methods=["POST"])
            def reports():
                return ""

            @app.route("/sso", methods=["POST"])
            @sso_protected
            def sso():
                return ""
        """,
    })
    assert _routes(result) == {"GET /public/info": "none", "POST /reports": "required", "POST /sso": "required"}


def test_app_facts(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "app.py": """
            import os
            from flask import Flask, jsonify
            from flask_cors import CORS, cross_origin
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            app = Flask(__name__)
            app.config["DEBUG"] = os.getenv("FLASK_DEBUG", True)
            app.config.update(MAX_CONTENT_LENGTH=16 * 1024 * 1024)
            CORS(app, resources={r"/api/*": {"origins": ["https://a.example"]}, r"/pub/*": {}})
            limiter = Limiter(get_remote_address, app=app)

            @app.route("/login", methods=["POST"])
            @limiter.limit("5/minute")
            @cross_origin(origins="*", supports_credentials=True)
            def login():
                return ""

            def handle(e):
                return jsonify(error="x"), 500

            app.register_error_handler(Exception, handle)

            if __name__ == "__main__":
                app.run(debug=True)
        """,
    })
    facts = result.facts
    debug = [s for s in facts.settings if s.name == "DEBUG"]
    assert [(s.value, s.from_env_default) for s in debug] == [("True", True), ("True", False)]
    assert facts.setting("MAX_CONTENT_LENGTH").value == "16 * 1024 * 1024"
    assert sorted(c.origins for c in facts.cors) == [("*",), ("*",), ("https://a.example",)]
    assert any(c.allow_credentials for c in facts.cors)
    assert len(facts.rate_limiters) == 1
    assert [h.qualname for h in facts.exception_handlers] == ["handle"]
    (route,) = result.routes
    assert route.rate_limit and route.rate_limit[0].name == "app.limiter.limit"
    assert [a.framework for a in facts.apps] == ["flask"]


def test_max_content_length_unset_is_recorded(tmp_path: Path) -> None:
    result = _app(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    assert result.facts.setting("MAX_CONTENT_LENGTH").value == "None"


SPEC = """
swagger: "2.0"
info: {title: t, version: "1"}
basePath: /v2
securityDefinitions:
  basic:
    type: basic
    x-basicInfoFunc: app.auth.check
security:
  - basic: []
paths:
  /pets/{pet_id}:
    get:
      operationId: app.pets.get_pet
      security:
        - basic: []
        - {}
    delete:
      operationId: app.pets.delete_pet
"""


def test_connexion_spec_routes(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": """
            import connexion
            app = connexion.App(__name__, specification_dir="spec")
            app.add_api("api.yaml")
        """,
        "app/spec/api.yaml": SPEC,
        "app/auth.py": """
            def check(username, password, required_scopes=None):
                return {"sub": username}
        """,
        "app/pets.py": """
            def get_pet(pet_id):
                return {}

            def delete_pet(pet_id):
                return None, 204
        """,
    })
    by = {r.display: r for r in result.routes}
    assert set(by) == {"GET /v2/pets/{pet_id}", "DELETE /v2/pets/{pet_id}"}
    delete = by["DELETE /v2/pets/{pet_id}"]
    assert delete.framework == "connexion"
    assert (delete.location.file, delete.location.line) == ("app/pets.py", 5)
    assert delete.auth.status is AuthStatus.REQUIRED
    assert "cannot judge" in delete.auth.evidence[0].detail
    assert by["GET /v2/pets/{pet_id}"].auth.status is AuthStatus.OPTIONAL


def test_connexion_bad_or_outside_spec_is_a_diagnostic(tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text(SPEC, encoding="utf-8")
    result = _app(tmp_path, {
        "main.py": f"""
            import connexion
            app = connexion.FlaskApp(__name__)
            app.add_api("broken.yaml")
            app.add_api("../{outside.name}")
            app.add_api("missing.json")
        """,
        "broken.yaml": "paths: [unclosed\n",
    })
    messages = sorted(d.message for d in result.diagnostics)
    assert len(messages) == 3, messages
    assert any("outside the project root" in m for m in messages)
    assert any("invalid document" in m for m in messages)
    assert any("file not found" in m for m in messages)
    assert not [d for d in result.diagnostics if d.internal]
    assert not result.routes


def test_session_key_redirect_counts_as_authentication(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "app.py": """
            from flask import Flask, redirect, render_template, session, url_for

            app = Flask(__name__)

            @app.route("/lab")
            def lab():
                if "user_id" not in session:
                    return redirect(url_for("login"))
                return render_template("lab.html")

            @app.route("/about")
            def about():
                if "theme" not in session:
                    return redirect(url_for("index"))
                return render_template("about.html")
        """,
    })
    assert _routes(result) == {"GET /lab": "required", "GET /about": "none"}


def test_connexion_handler_checking_the_token_itself(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": """
            import connexion
            app = connexion.App(__name__, specification_dir="./spec")
            app.add_api("api.yaml")
        """,
        "app/spec/api.yaml": """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /books:
                post:
                  operationId: app.books.add_book
                  responses: {"200": {description: ok}}
              /login:
                post:
                  operationId: app.books.login
                  responses: {"200": {description: ok}}
        """,
        "app/books.py": """
            from flask import request

            def _subject(header):
                return header.split(" ")[1] if header else "Invalid token"

            def add_book():
                resp = _subject(request.headers.get("Authorization"))
                if "Invalid token" in resp:
                    return {"message": resp}, 401
                return {"ok": True}

            def login():
                user = find(request.get_json()["username"])
                if user is None:
                    return {"message": "bad"}, 401
                return {"token": user.encode_auth_token(user.username)}
        """,
    })
    assert _routes(result) == {"POST /books": "required", "POST /login": "none"}


def test_connexion_spec_found_when_analyzed_from_another_folder(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "proj"
    (project / "spec").mkdir(parents=True)
    (project / "main.py").write_text(
        'import connexion\napp = connexion.App(__name__, specification_dir="./spec")\napp.add_api("api.yaml")\n',
        encoding="utf-8")
    (project / "spec" / "api.yaml").write_text(
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /ping:\n    get:\n"
        "      operationId: main.ping\n      responses: {'200': {description: ok}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from apilint.config import Config
    from apilint.engine import RunOptions, run

    result = run(Config(root=tmp_path), RunOptions((Path("proj"),), jobs=1, use_cache=False))
    assert [r.display for r in result.routes] == ["GET /ping"]


def test_connexion_handler_outside_the_analyzed_code_is_unknown(tmp_path: Path) -> None:
    result = _app(tmp_path, {
        "web/__init__.py": "",
        "web/views.py": """
            from connexion import FlaskApi
            from flask import Blueprint

            def init_api(app):
                with open("api/openapi/rpc.yaml") as f:
                    import yaml
                    spec = yaml.safe_load(f)
                api = FlaskApi(specification=spec)
                app.register_blueprint(api.blueprint)
        """,
        "api/openapi/rpc.yaml": """
            openapi: 3.0.2
            info: {title: t, version: "1"}
            paths:
              /rpc:
                post:
                  x-openapi-router-controller: core.endpoints.rpc
                  operationId: call
                  responses: {"200": {description: ok}}
              /open:
                get:
                  operationId: web.views.missing_view
                  responses: {"200": {description: ok}}
        """,
    })
    by = {r.display: r for r in result.routes}
    assert _routes(result) == {"POST /rpc": "unknown", "GET /open": "unknown"}
    assert "outside the analyzed code" in by["POST /rpc"].auth.evidence[-1].detail
    assert "not found in module web.views" in by["GET /open"].auth.evidence[-1].detail
