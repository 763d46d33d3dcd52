"""Flask: blueprints registered wherever the app is assembled, paths through the evaluator."""

from __future__ import annotations

from pathlib import Path

from apilint.model import AuthStatus, Route
from apilint.testing import analyze_files

ITEMS = """
    from flask import Blueprint
    bp = Blueprint("items", __name__)

    @bp.route("/items")
    def list_items():
        return []
"""
USERS = """
    from flask import Blueprint
    bp = Blueprint("users", __name__)

    @bp.route("/users")
    def list_users():
        return []
"""


def _routes(tmp_path: Path, files: dict[str, str]) -> tuple[dict[tuple[str, str], Route], list[str]]:
    result = analyze_files(tmp_path, files)
    return {(r.method, r.path): r for r in result.routes}, [d.code for d in result.diagnostics]


def test_loop_over_a_list_of_blueprint_and_prefix_pairs(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/factory.py": """
            from flask import Flask
            from app import items, users
            BLUEPRINTS = [(items.bp, "/shop"), (users.bp, "/accounts")]

            def create_app():
                app = Flask(__name__)
                for blueprint, prefix in BLUEPRINTS:
                    app.register_blueprint(blueprint, url_prefix="/api" + prefix)
                return app
        """,
    })
    assert ("GET", "/api/shop/items") in routes and ("GET", "/api/accounts/users") in routes


def test_prefix_from_a_config_class_and_an_environment_default(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/config.py": """
            import os
            class Config:
                API_PREFIX = os.environ.get("API_PREFIX", "/api/v2")
        """,
        "app/factory.py": """
            from flask import Flask
            from app import items, users
            from app.config import Config

            def create_app(config=Config):
                app = Flask(__name__)
                app.register_blueprint(items.bp, url_prefix=config.API_PREFIX)
                app.register_blueprint(users.bp, url_prefix=f"{Config.API_PREFIX}/people")
                return app
        """,
    })
    assert ("GET", "/api/v2/items") in routes and ("GET", "/api/v2/people/users") in routes


def test_blueprints_registered_by_a_method_of_an_app_builder(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS,
        "app/builder.py": """
            from flask import Flask
            from app import items

            class AppBuilder:
                def build(self):
                    app = Flask(__name__)
                    self.register(app, "/v1")
                    return app

                def register(self, app: Flask, prefix: str) -> None:
                    app.register_blueprint(items.bp, url_prefix=prefix)
        """,
        "app/other.py": "from flask import Flask\nother = Flask(__name__)\n",
    })
    route = routes[("GET", "/v1/items")]
    assert route.linked


def test_blueprint_nobody_registers_is_unlinked(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS,
        "app/main.py": "from flask import Flask\napp = Flask(__name__)\n",
    })
    route = routes[("GET", "/items")]
    assert not route.linked and route.auth.status is AuthStatus.UNKNOWN


def test_conditional_registration_and_unreadable_prefix(tmp_path: Path) -> None:
    routes, codes = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/main.py": """
            import os
            from flask import Flask
            from app import items, users
            from plugins import prefix_for
            app = Flask(__name__)
            if os.environ.get("ENABLE_SHOP"):
                app.register_blueprint(items.bp, url_prefix="/shop")
            app.register_blueprint(users.bp, url_prefix=prefix_for("users"))
        """,
    })
    assert routes[("GET", "/shop/items")].condition == "if os.environ.get('ENABLE_SHOP')"
    assert routes[("GET", "/{?prefix_for('users')}/users")].unresolved == ("prefix_for('users')",)
    assert "ROUTE001" in codes


def test_blueprint_from_a_factory_and_views_through_a_registering_helper(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/helpers.py": """
            def register_view(bp_or_app, routes, view_func, *args, **kwargs):
                for route in routes:
                    bp_or_app.add_url_rule(route, view_func=view_func, *args, **kwargs)
        """,
        "app/forum.py": """
            from flask import Blueprint
            from flask.views import MethodView
            from app.helpers import register_view

            forum = Blueprint("forum", __name__)

            class ViewTopic(MethodView):
                def get(self, topic_id):
                    return {}

            register_view(forum, routes=["/topic/<int:topic_id>", "/topic/<int:topic_id>-<slug>"],
                          view_func=ViewTopic.as_view("view_topic"))

            def load_blueprints(app):
                app.register_blueprint(forum, url_prefix="/forum")
        """,
        "app/backups.py": """
            from flask import Blueprint

            def construct_blueprint(datastore):
                bp = Blueprint("backups", __name__)

                @bp.route("/create")
                def create():
                    return {}
                return bp
        """,
        "app/main.py": """
            from flask import Flask
            from app import backups
            app = Flask(__name__)
            app.register_blueprint(backups.construct_blueprint(None), url_prefix="/backups")
        """,
    })
    assert routes[("GET", "/backups/create")].linked
    assert routes[("GET", "/forum/topic/{topic_id}")].linked
    assert ("GET", "/forum/topic/{topic_id}-{slug}") in routes
