"""flask_principal permissions tested in a handler body: `if not perm.can(): abort(403)`."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus
from apilint.testing import analyze_dir, write_project

PERMISSIONS = """
    from flask_principal import Permission, RoleNeed


    class AppPermission(Permission):
        def __init__(self, key, *needs):
            self.key = key
            super().__init__(*needs)


    class Permissions:
        ADMIN = AppPermission("admin", RoleNeed("admin"))
        PRINT = AppPermission("print", RoleNeed("print"))


    reports_permission = Permission(RoleNeed("reports"))
"""

SERVER = """
    from flask import Blueprint, abort, jsonify, request

    from app.permissions import Permissions, reports_permission
    from app.settings import settings

    api = Blueprint("api", __name__, url_prefix="/api")


    class Job:
        def can(self):
            return True


    @api.route("/printer/command", methods=["POST"])
    def printer_command():
        if not Permissions.PRINT.can():
            abort(403)
        return jsonify(ok=True, command=request.get_json()["command"])


    @api.route("/reports", methods=["GET"])
    def reports():
        if not reports_permission.can():
            abort(403)
        return jsonify(reports=[])


    @api.route("/setup/finish", methods=["POST"])
    def finish_setup():
        if not settings.first_run and not Permissions.ADMIN.can():
            abort(403)
        return jsonify(done=True)


    @api.route("/printer/reset", methods=["POST"])
    def reset_printer():
        if settings.first_run:
            return jsonify(reset=False)
        if not Permissions.PRINT.can():
            abort(403)
        return jsonify(reset=True)


    @api.route("/jobs/cancel", methods=["POST"])
    def cancel_job():
        if not Job().can():
            abort(409)
        return jsonify(cancelled=True)


    @api.route("/printer/job", methods=["POST"])
    def start_job():
        with Permissions.PRINT.require(403):
            return jsonify(started=True)


    @api.route("/printer/files", methods=["POST"])
    def file_command():
        command = request.get_json()["command"]
        if command == "select":
            with Permissions.PRINT.require(403):
                return jsonify(selected=True)
        elif command == "delete":
            with Permissions.ADMIN.require(403):
                return jsonify(deleted=True)
        abort(400)


    def parse_command(req):
        data = req.get_json()
        if "command" not in data:
            return None, (jsonify(error="no command"), 400)
        return data["command"], None


    @api.route("/printer/control", methods=["POST"])
    def control():
        command, response = parse_command(request)
        if response is not None:
            return response
        with Permissions.PRINT.require(403):
            return jsonify(done=command)


    @api.route("/printer/pause", methods=["POST"])
    def pause():
        if settings.first_run:
            return jsonify(paused=False)
        with Permissions.PRINT.require(403):
            return jsonify(paused=True)
"""


def test_a_permission_test_that_rejects_authenticates_and_a_conditional_one_is_unknown(tmp_path: Path) -> None:
    write_project(tmp_path, {
        "app/__init__.py": """
            from flask import Flask

            from app.server import api

            app = Flask(__name__)
            app.register_blueprint(api)
        """,
        "app/settings.py": """
            class Settings:
                first_run = False


            settings = Settings()
        """,
        "app/permissions.py": PERMISSIONS,
        "app/server.py": SERVER,
    })
    routes = {r.path: r.auth.status for r in analyze_dir(tmp_path).routes if r.path.startswith("/api")}
    assert routes == {
        "/api/printer/command": AuthStatus.REQUIRED,  # a permission class attribute
        "/api/reports": AuthStatus.REQUIRED,  # a module-level permission
        "/api/setup/finish": AuthStatus.UNKNOWN,  # checked only after the first run
        "/api/printer/reset": AuthStatus.NONE,  # answered during the first run before the test
        "/api/jobs/cancel": AuthStatus.NONE,  # a `can()` that is no permission, and a 409
        "/api/printer/job": AuthStatus.REQUIRED,  # `with perm.require(403):` around the work
        "/api/printer/files": AuthStatus.UNKNOWN,  # required in some branches only
        "/api/printer/pause": AuthStatus.NONE,  # answered during the first run before it
        "/api/printer/control": AuthStatus.REQUIRED,  # a bad request answered with its error first
    }
