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
    }
