"""Request-handler classes registered with `add_url_rule`, judged by their `_check_access`."""

from __future__ import annotations

from pathlib import Path

from apilint.testing import analyze_dir, write_project


def test_handler_classes_follow_self_and_super_calls_in_method_resolution_order(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": """
            from flask import Flask
            from app.urls import bp

            app = Flask(__name__)
            app.register_blueprint(bp, url_prefix="/event/<int:event_id>")
        """,
        "app/handlers.py": """
            from flask import g, request
            from werkzeug.exceptions import Forbidden

            class RH:
                def _check_access(self):
                    pass

                def _process(self):
                    return getattr(self, "_process_" + request.method)()

            class RHProtected(RH):
                def _require_user(self):
                    if g.user is None:
                        raise Forbidden

                def _check_access(self):
                    self._require_user()

            class EventMixin:
                def _check_access(self):
                    if not self.event.can_access(g.user):
                        raise Forbidden

            class ManageMixin:
                def _check_access(self):
                    super()._check_access()
                    if not self.event.can_manage(g.user):
                        raise Forbidden

            class RHManage(ManageMixin, RHProtected):
                pass

            class RHDisplay(EventMixin, RH):
                def _process(self):
                    return "page"

            class RHSettings(RHManage):
                def _process_GET(self):
                    return "form"

                def _process_POST(self):
                    return "saved"

            class RHPing(RH):
                def _process(self):
                    return "pong"
        """,
        "app/urls.py": """
            from flask import Blueprint
            from app import handlers

            bp = Blueprint("events", __name__)
            bp.add_url_rule("/", "display", handlers.RHDisplay)
            bp.add_url_rule("/settings", "settings", handlers.RHSettings, methods=("GET", "POST"))
            bp.add_url_rule("/ping", "ping", handlers.RHPing, methods=("POST",))
        """,
    }
    write_project(tmp_path, files)
    routes = {r.display: r for r in analyze_dir(tmp_path).routes}
    settings = routes["POST /event/{event_id}/settings"]
    assert settings.handler == "app.handlers.RHSettings._process_POST"
    assert settings.auth.status.value == "required"  # ManageMixin -> super() -> RHProtected._require_user
    assert [e.kind for e in settings.authz] == ["permission"]
    assert routes["GET /event/{event_id}/settings"].handler.endswith("_process_GET")
    display = routes["GET /event/{event_id}/"]
    assert display.auth.status.value == "unknown"  # the event decides whether anonymous callers may see it
    assert "can_access" in display.auth.evidence[0].detail
    assert routes["POST /event/{event_id}/ping"].auth.status.value == "none"
