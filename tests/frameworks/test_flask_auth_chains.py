"""Flask auth evidence: decorator chains, delegated and pluggable auth, role-checking hooks."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus, Route
from apilint.testing import analyze_files


def _routes(tmp_path: Path, files: dict[str, str]) -> dict[str, Route]:
    return {r.display: r for r in analyze_files(tmp_path, files).routes}


APP = """
    from flask import Flask

    app = Flask(__name__)

    from app import views  # noqa
"""


def test_decorator_chain_through_a_function_local_import(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/guards/session.py": """
            from functools import wraps

            def portal_login_required(view):
                import app.guards.otp_utils as otp

                @wraps(view)
                @otp.otp_required
                def wrapper(*args, **kwargs):
                    return view(*args, **kwargs)

                return wrapper
        """,
        "app/guards/otp_utils.py": """
            from functools import wraps
            from flask_security import login_required

            def otp_required(view):
                @wraps(view)
                @login_required
                def inner(*args, **kwargs):
                    return view(*args, **kwargs)
                return inner
        """,
        "app/views.py": """
            from app import app
            from app.guards.session import portal_login_required

            @app.route("/things/<int:thing_id>", methods=["DELETE"])
            @portal_login_required
            def delete_thing(thing_id):
                return "", 204
        """,
    })
    route = routes["DELETE /things/{thing_id}"]
    assert route.auth.status.value == "required"
    assert route.auth.evidence[0].detail == "wraps app.guards.otp_utils.otp_required"


def test_decorators_applied_by_call_and_a_decorator_imported_in_the_factory(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/guards.py": """
            from functools import wraps
            from flask import abort, g
            from flask_login import login_required

            def require_role(role):
                def decorator(view):
                    @wraps(view)
                    def checked(*args, **kwargs):
                        if g.role != role:
                            abort(403)
                        return view(*args, **kwargs)
                    return checked
                return decorator

            def reporting_staff(view):
                checked = require_role("reporting")(view)
                return login_required(checked)
        """,
        "app/views.py": """
            from flask import Flask

            def create_app():
                from app.guards import reporting_staff
                app = Flask(__name__)

                @app.route("/reports/caseload")
                @reporting_staff
                def caseload():
                    return {}

                return app
        """,
    })
    route = routes["GET /reports/caseload"]
    assert route.auth.status.value == "required"
    assert [e.kind for e in route.authz] == ["role"]


def test_pluggable_backend_and_name_dispatched_actions_are_unknown_with_the_reason(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/auth.py": """
            from functools import wraps
            from flask import current_app

            def requires_authentication(view):
                @wraps(view)
                def decorated(*args, **kwargs):
                    return current_app.api_auth[0].requires_authentication(view)(*args, **kwargs)
                return decorated
        """,
        "app/logic.py": """
            _ACTIONS = {}

            def get_action(name):
                return _ACTIONS[name]
        """,
        "app/views.py": """
            from app import app
            from app.auth import requires_authentication
            from app import logic

            @app.route("/dags/<dag_id>", methods=["DELETE"])
            @requires_authentication
            def delete_dag(dag_id):
                return {}

            @app.route("/datasets/<dataset_id>/follow", methods=["POST"])
            def follow(dataset_id):
                return logic.get_action("follow_dataset")({}, {"id": dataset_id})

            @app.route("/datasets/<dataset_id>/flag", methods=["POST"])
            def flag(dataset_id):
                return {"flagged": dataset_id}
        """,
    })
    backend = routes["DELETE /dags/{dag_id}"]
    assert backend.auth.status.value == "unknown"
    assert "requires_authentication, which apilint cannot read" in backend.auth.evidence[0].detail
    action = routes["POST /datasets/{dataset_id}/follow"]
    assert action.auth.status.value == "unknown"
    assert "get_action('follow_dataset'), dispatched by name" in action.auth.evidence[0].detail
    assert routes["POST /datasets/{dataset_id}/flag"].auth.status.value == "none"


def test_hook_wrapped_in_a_role_decorator_is_a_role_check_only_for_restricted_roles(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/auth.py": """
            from functools import wraps
            from flask import abort, request

            def check_token(required_role=None):
                token = request.headers.get("Authorization")
                if not token:
                    abort(401)

            def admin_required(f):
                @wraps(f)
                def decorated(*args, **kwargs):
                    check_token(required_role=["admin"])
                    return f(*args, **kwargs)
                return decorated

            def user_required(f):
                @wraps(f)
                def decorated(*args, **kwargs):
                    check_token(required_role=["user", "admin"])
                    return f(*args, **kwargs)
                return decorated
        """,
        "app/views.py": """
            from flask import Blueprint
            from app import app
            from app.auth import admin_required, user_required

            admin_bp = Blueprint("admin", __name__)
            user_bp = Blueprint("user", __name__)

            @admin_bp.before_request
            @admin_required
            def before_admin():
                pass

            @user_bp.before_request
            @user_required
            def before_user():
                pass

            @admin_bp.route("/realms/<name>", methods=["DELETE"])
            def delete_realm(name):
                return {}

            @user_bp.route("/tokens/<serial>", methods=["DELETE"])
            def delete_token(serial):
                return {}

            app.register_blueprint(admin_bp, url_prefix="/admin")
            app.register_blueprint(user_bp, url_prefix="/me")
        """,
    })
    admin = routes["DELETE /admin/realms/{name}"]
    assert admin.auth.status.value == "required"
    assert [e.kind for e in admin.authz] == ["role"]
    user = routes["DELETE /me/tokens/{serial}"]
    assert user.auth.status.value == "required"
    assert user.authz == ()


def test_request_user_tests_and_messages_that_mention_authorization(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/views.py": """
            from flask import abort, g, redirect, url_for
            from app import app

            @app.route("/drafts", methods=["POST"])
            def save_draft():
                if g.user is None:
                    return redirect(url_for("auth.login"))
                return {}

            @app.route("/reports/<int:report_id>", methods=["POST"])
            def rebuild(report_id):
                if report_id > 1000:
                    abort(403, "You are not authorized to rebuild archived reports")
                return {}
        """,
    })
    assert routes["POST /drafts"].auth.status.value == "required"
    assert routes["POST /reports/{report_id}"].auth.status.value == "none"


def test_tolerated_token_check_is_optional_and_policy_scopes_are_not_roles(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/tokens.py": """
            from flask import abort

            def verify_auth_token(token, roles):
                if not token:
                    abort(401)
                return {"role": "user"}
        """,
        "app/views.py": """
            from flask import Blueprint, g, request
            from app import app
            from app.policy import Match
            from app.tokens import verify_auth_token

            ui_bp = Blueprint("ui", __name__)

            @ui_bp.before_request
            def load_user():
                g.user = None
                token = request.headers.get("Authorization")
                if token:
                    try:
                        g.user = verify_auth_token(token, ["user", "admin"])
                    except Exception:
                        g.user = None

            @ui_bp.route("/")
            def index():
                Match.action_only(scope="webui")
                return "page"

            app.register_blueprint(ui_bp)
        """,
        "app/policy.py": """
            class Match:
                @staticmethod
                def action_only(scope):
                    return scope
        """,
    })
    route = routes["GET /"]
    assert route.auth.status.value == "optional"
    assert route.authz == ()


def test_login_enforced_only_under_a_setting_is_unknown_with_the_setting(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/auth.py": """
            import os
            from functools import wraps
            from flask import current_app, request
            from flask_login import current_user

            def login_optionally_required(view):
                @wraps(view)
                def decorated(*args, **kwargs):
                    password_set = current_app.config.get("PASSWORD") or os.getenv("APP_PASSWORD")
                    if request.method in ("OPTIONS",):
                        return view(*args, **kwargs)
                    if password_set and not current_user.is_authenticated:
                        return current_app.login_manager.unauthorized()
                    return view(*args, **kwargs)
                return decorated
        """,
        "app/views.py": """
            from app import app
            from app.auth import login_optionally_required

            @app.route("/watches/<uuid>", methods=["DELETE"])
            @login_optionally_required
            def delete_watch(uuid):
                return "", 204
        """,
    })
    route = routes["DELETE /watches/{uuid}"]
    assert route.auth.status.value == "unknown"
    assert route.auth.evidence[0].detail == "turns anonymous callers away only when `password_set` (a run-time setting)"


def test_role_check_in_a_method_of_the_resource_base_class(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/views.py": """
            from flask import abort, g
            from flask_jwt_extended import jwt_required
            from flask_restful import Api, Resource
            from app import app

            api = Api(app)

            class AdminResource(Resource):
                method_decorators = [jwt_required()]

                def require_admin(self):
                    if not g.user.is_admin:
                        abort(403)

            class Stats(AdminResource):
                def get(self):
                    self.require_admin()
                    return {}

            class Profile(AdminResource):
                def get(self):
                    return {}

            api.add_resource(Stats, "/stats")
            api.add_resource(Profile, "/profile")
        """,
    })
    assert [e.kind for e in routes["GET /stats"].authz] == ["role"]
    assert routes["GET /profile"].authz == ()


def test_a_method_handing_the_request_to_its_decorated_parent(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/views.py": """
            from flask.views import MethodView
            from flask_jwt_extended import jwt_required
            from app import app

            class BaseImport(MethodView):
                @jwt_required()
                def post(self, *args):
                    return self.run(*args)

            class AssetsImport(BaseImport):
                def post(self, project_id):
                    return super().post(project_id)

            class Preview(BaseImport):
                def post(self, project_id):
                    return {}

            app.add_url_rule("/import/<project_id>/assets", view_func=AssetsImport.as_view("assets"))
            app.add_url_rule("/preview/<project_id>", view_func=Preview.as_view("preview"))
        """,
    })
    assert routes["POST /import/{project_id}/assets"].auth.status is AuthStatus.REQUIRED
    assert routes["POST /preview/{project_id}"].auth.status is AuthStatus.NONE


def test_flask_allows_requirements_are_a_permission_check_of_unknown_reach(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/extensions.py": "from flask_allows import Allows\nallows = Allows()\n",
        "app/views.py": """
            from flask.views import MethodView
            from flask_allows import requires
            from app import app
            from app.extensions import allows
            from app.requirements import IsAdmin

            class Settings(MethodView):
                decorators = [allows.requires(IsAdmin)]

                def get(self):
                    return {}

            @app.route("/reports")
            @requires(IsAdmin)
            def reports():
                return {}

            app.add_url_rule("/settings", view_func=Settings.as_view("settings"))
        """,
    })
    for key in ("GET /settings", "GET /reports"):
        assert routes[key].auth.status is AuthStatus.UNKNOWN
        assert [e.kind for e in routes[key].authz] == ["permission"]


def test_flask_allows_permission_on_the_loaded_object_is_an_object_check(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/views.py": """
            from flask import abort
            from flask.views import MethodView
            from flask_allows import Permission
            from flask_login import login_required
            from app import app
            from app.models import Post
            from app.requirements import IsModeratorIn

            class HidePost(MethodView):
                decorators = [login_required]

                def post(self, post_id):
                    post = Post.query.filter_by(id=post_id).first_or_404()
                    if not Permission(IsModeratorIn(forum=post.forum)):
                        abort(403)
                    post.hide()
                    return {}

            class RawPost(MethodView):
                decorators = [login_required]

                def get(self, post_id):
                    post = Post.query.filter_by(id=post_id).first_or_404()
                    return {"content": post.content}

            app.add_url_rule("/post/<int:post_id>/hide", view_func=HidePost.as_view("hide"))
            app.add_url_rule("/post/<int:post_id>/raw", view_func=RawPost.as_view("raw"))
        """,
    })
    assert "object_permission" in [e.kind for e in routes["POST /post/{post_id}/hide"].authz]
    assert routes["GET /post/{post_id}/raw"].authz == ()


def test_a_caller_check_whose_failure_is_turned_into_a_404_is_a_rejection(tmp_path: Path) -> None:
    """`try: check_access(...) except NotAuthorized: abort(404)` (in a helper method or function)
    hides the resource from callers the check refuses: required, not optional. A failure of a
    check that does not read the caller (`helper_count`) stays no authentication."""
    routes = _routes(tmp_path, {
        "portal/__init__.py": """
        """,
        "portal/logic/__init__.py": """
            from flask import g


            class NotAuthorized(Exception):
                pass


            class ObjectNotFound(Exception):
                pass


            def check_access(action, context, data_dict=None):
                user = context.get("user") or g.user
                if not _is_authorized(action, user, data_dict):
                    raise NotAuthorized(action)
                return True


            def _is_authorized(action, user, data_dict):
                return user is not None
        """,
        "portal/views.py": """
            from flask import Blueprint, abort, render_template
            from flask.views import MethodView

            from portal.logic import NotAuthorized, ObjectNotFound, check_access

            bp = Blueprint("tables", __name__, url_prefix="/tables")


            class TableView(MethodView):
                def _load(self, table_id):
                    try:
                        check_access("table_update", {}, {"id": table_id})
                        return {"id": table_id}
                    except (ObjectNotFound, NotAuthorized):
                        abort(404, "Table not found")

                def get(self, table_id):
                    return render_template("table.html", **self._load(table_id))


            def _render(table_id):
                try:
                    check_access("table_show", {}, {"id": table_id})
                except NotAuthorized:
                    return "not found", 404
                return render_template("table.html")


            @bp.route("/<table_id>/raw")
            def raw(table_id):
                return _render(table_id)


            @bp.route("/<table_id>/count")
            def count(table_id):
                try:
                    helper_count(table_id)
                except ValueError:
                    abort(404)
                return "1"


            def helper_count(table_id):
                return int(table_id)


            bp.add_url_rule("/<table_id>", view_func=TableView.as_view("table"))
        """,
        "portal/app.py": """
            from flask import Flask

            from portal.views import bp

            app = Flask(__name__)
            app.register_blueprint(bp)
        """,
    })
    assert {d: r.auth.status for d, r in routes.items()} == {
        "GET /tables/{table_id}": AuthStatus.REQUIRED,
        "GET /tables/{table_id}/raw": AuthStatus.REQUIRED,
        "GET /tables/{table_id}/count": AuthStatus.NONE,
    }


def test_flask_allows2_fork_in_class_view_decorators_is_a_permission_check(tmp_path: Path) -> None:
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/extensions.py": "from flask_allows2 import Allows\nallows = Allows()\n",
        "app/views.py": """
            from flask.views import MethodView
            from app import app
            from app.extensions import allows
            from app.requirements import IsAdmin

            class Settings(MethodView):
                decorators = [allows.requires(IsAdmin, on_fail=lambda: "no")]

                def get(self):
                    return {}

            app.add_url_rule("/settings", view_func=Settings.as_view("settings"))
        """,
    })
    assert routes["GET /settings"].auth.status is AuthStatus.UNKNOWN
    assert [e.kind for e in routes["GET /settings"].authz] == ["permission"]


def test_blueprint_hook_asking_for_a_fresh_or_any_login_is_required(tmp_path: Path) -> None:
    """A `before_request` hook returning `login_manager.needs_refresh()` when the login is not
    fresh, or `login_manager.unauthorized()` for anonymous callers, turns them away; a hook
    that only tests the request's shape does not authenticate."""
    routes = _routes(tmp_path, {
        "app/__init__.py": """
            from flask import Flask

            from app.admin import load_blueprints
            from app.account import account

            app = Flask(__name__)
            load_blueprints(app)
            app.register_blueprint(account, url_prefix="/account")
        """,
        "app/admin.py": """
            from flask import Blueprint, current_app, request
            from flask.views import MethodView
            from flask_login import login_fresh

            class Overview(MethodView):
                def get(self):
                    return "overview"

            def load_blueprints(app):
                admin = Blueprint("admin", __name__)

                @admin.before_request
                def check_fresh_login():
                    if not login_fresh():
                        return current_app.login_manager.needs_refresh()

                admin.add_url_rule("/", view_func=Overview.as_view("overview"))
                app.register_blueprint(admin, url_prefix="/admin")

                open_api = Blueprint("open_api", __name__)

                @open_api.before_request
                def json_only():
                    if not request.is_json:
                        return current_app.response_class("json only", 415)

                @open_api.route("/ping")
                def ping():
                    return "pong"

                app.register_blueprint(open_api, url_prefix="/open")
        """,
        "app/account.py": """
            from flask import Blueprint
            from flask_login import current_user
            from app.extensions import login_manager

            account = Blueprint("account", __name__)

            @account.before_request
            def members_only():
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()

            @account.route("/settings")
            def settings():
                return "settings"
        """,
    })
    assert {d: r.auth.status for d, r in routes.items()} == {
        "GET /admin/": AuthStatus.REQUIRED,
        "GET /open/ping": AuthStatus.NONE,
        "GET /account/settings": AuthStatus.REQUIRED,
    }


def test_work_done_only_for_a_logged_in_caller_else_rejected(tmp_path: Path) -> None:
    """`if not current_user.is_anonymous and ...: <work> else: abort(403)`: the positive test
    around the work, the rejection in its `else`, after an early answer that does nothing; in a
    handler that also checks the caller's current password (which alone authenticates no one)."""
    routes = _routes(tmp_path, {
        "app/__init__.py": APP,
        "app/views.py": """
            from flask import abort, jsonify, request
            from flask_login import current_user

            from app import app
            from app.users import user_manager


            @app.route("/users/<name>/password", methods=["PUT"])
            def change_password(name):
                if not user_manager.enabled:
                    return jsonify({})
                if current_user is not None and not current_user.is_anonymous and current_user.name == name:
                    data = request.get_json()
                    if not user_manager.check_password(name, data["current"]):
                        abort(403)
                    user_manager.change_password(name, data["password"])
                    return jsonify({})
                else:
                    abort(403)


            @app.route("/drafts", methods=["POST"])
            def save_draft():
                if current_user.is_authenticated:
                    user_manager.save(request.get_json())
                else:
                    user_manager.save_anonymous(request.get_json())
                return jsonify({})
        """,
        "app/users.py": """
            class Manager:
                enabled = True

            user_manager = Manager()
        """,
    })
    assert routes["PUT /users/{name}/password"].auth.status is AuthStatus.REQUIRED
    # an `else` that does the work for other callers too rejects no one
    assert routes["POST /drafts"].auth.status is not AuthStatus.REQUIRED
