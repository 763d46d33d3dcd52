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


def test_each_call_of_a_blueprint_factory_builds_its_own_blueprint(tmp_path: Path) -> None:
    routes, codes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/base.py": """
            from flask import Blueprint

            def make_blueprint(name):
                return Blueprint(name, __name__, url_prefix=f"/{name}")
        """,
        "app/customers.py": """
            from app.base import make_blueprint
            customers_bp = make_blueprint("customers")

            @customers_bp.route("/<int:customer_id>")
            def get_customer(customer_id):
                return {}
        """,
        "app/articles.py": """
            from app.base import make_blueprint
            articles_bp = make_blueprint(name="articles")

            @articles_bp.route("")
            def list_articles():
                return []
        """,
        "app/main.py": """
            from flask import Flask
            from app.articles import articles_bp
            from app.customers import customers_bp
            app = Flask(__name__)
            for bp in (customers_bp, articles_bp):
                app.register_blueprint(bp)
        """,
    })
    customer = routes[("GET", "/customers/{customer_id}")]
    articles = routes[("GET", "/articles")]
    assert customer.linked and articles.linked
    assert (customer.group, articles.group) == ("app.customers.customers_bp", "app.articles.articles_bp")
    assert "ROUTE001" not in codes


def test_routes_a_blueprint_factory_defines_are_on_every_blueprint_it_builds(tmp_path: Path) -> None:
    routes, codes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/health.py": """
            from flask import Blueprint

            def health_blueprint(service):
                bp = Blueprint(f"{service}_health", __name__, url_prefix=f"/{service}")

                @bp.route("/health")
                def health():
                    return {"ok": True}

                return bp
        """,
        "app/main.py": """
            from flask import Flask
            from app.health import health_blueprint
            billing = health_blueprint("billing")
            search = health_blueprint("search")
            app = Flask(__name__)
            app.register_blueprint(billing)
            app.register_blueprint(search, url_prefix="/find")
        """,
    })
    assert set(routes) == {("GET", "/billing/health"), ("GET", "/find/health")}
    assert all(r.linked for r in routes.values())
    assert "ROUTE001" not in codes  # the factory's own `{name}` prefix is a template, not a route


def test_a_view_registering_helper_called_twice_with_view_classes(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/views.py": """
            from flask import Blueprint, Flask
            from flask.views import MethodView

            bp = Blueprint("customers", __name__)

            def register_view(blueprint, rule, view, methods=None):
                blueprint.add_url_rule(rule, view_func=view.as_view(view.__name__.lower()), methods=methods)

            class CustomerList(MethodView):
                def get(self):
                    return []

                def post(self):
                    return {}, 201

            class CustomerDetail(MethodView):
                def get(self, customer_id):
                    return {}

                def delete(self, customer_id):
                    return "", 204

            register_view(bp, "/customers", CustomerList, methods=["GET"])
            register_view(bp, "/customers/<int:customer_id>", CustomerDetail)

            app = Flask(__name__)
            app.register_blueprint(bp, url_prefix="/api")
        """,
    })
    assert set(routes) == {("GET", "/api/customers"), ("GET", "/api/customers/{customer_id}"),
                           ("DELETE", "/api/customers/{customer_id}")}
    assert routes[("DELETE", "/api/customers/{customer_id}")].handler == "app.views.CustomerDetail.delete"


def test_blueprints_registered_by_a_configuring_class_with_the_app_config_prefix(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/config.py": """
            import os
            class Config:
                API_PREFIX = os.getenv("API_PREFIX", "/api")
        """,
        "app/factory.py": """
            from flask import Flask
            from app import items, users
            from app.config import Config

            class AppFactory:
                def register(self, app):
                    app.register_blueprint(items.bp, url_prefix=app.config["API_PREFIX"])
                    app.register_blueprint(users.bp, url_prefix=app.config.get("USERS_PREFIX", "/people"))

            def create_app(config_class=Config):
                app = Flask(__name__)
                app.config.from_object(config_class)
                AppFactory().register(app)
                return app
        """,
    })
    assert routes[("GET", "/api/items")].linked
    assert routes[("GET", "/people/users")].app == "app.factory.create_app.<locals>.app"


def test_app_config_read_from_every_kind_of_source(tmp_path: Path) -> None:
    routes, codes = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS, "app/users.py": USERS,
        "app/settings.py": "API_PREFIX = '/v3'\n",
        "app/main.py": """
            from flask import Flask
            from app import items, users
            app = Flask(__name__)
            app.config.from_object("app.settings")
            app.config.update(SHOP="/shop")
            app.config["PEOPLE"] = "/people"
            app.config.from_envvar("APP_SETTINGS")
            app.register_blueprint(items.bp, url_prefix=app.config["API_PREFIX"] + app.config["SHOP"])
            app.register_blueprint(users.bp, url_prefix=app.config["PEOPLE"] + app.config["UNSET"])
        """,
    })
    assert ("GET", "/v3/shop/items") in routes
    assert routes[("GET", "/people{?app.config['UNSET']}/users")].unresolved == ("app.config['UNSET']",)
    assert "ROUTE001" in codes


def test_blueprints_of_modules_imported_by_name_in_a_loop(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/blueprints/__init__.py": "",
        "app/blueprints/items.py": ITEMS.replace("bp = ", "blueprint = ").replace("@bp.", "@blueprint."),
        "app/blueprints/users.py": USERS.replace("bp = ", "blueprint = ").replace("@bp.", "@blueprint."),
        "app/main.py": """
            import importlib
            from flask import Flask
            BLUEPRINT_MODULES = ["items", "users"]
            app = Flask(__name__)
            for module_name in BLUEPRINT_MODULES:
                module = importlib.import_module(f"app.blueprints.{module_name}")
                app.register_blueprint(module.blueprint, url_prefix="/api")
        """,
    })
    assert routes[("GET", "/api/items")].linked and routes[("GET", "/api/users")].linked


def test_a_plugin_hook_reads_the_config_of_the_projects_only_app(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS,
        "app/defaults.py": "class DefaultConfig:\n    ITEMS_PREFIX = '/shop'\n",
        "app/factory.py": """
            from flask import Flask

            def create_app(config=None):
                app = Flask(__name__)
                app.config.from_object("app.defaults.DefaultConfig")
                app.config.from_object(config)  # the deployment's own: may override any key
                app.pluggy.hook.load_blueprints(app=app)
                return app
        """,
        "app/plugin.py": """
            from app import items

            def load_blueprints(app):
                app.register_blueprint(items.bp, url_prefix=app.config["ITEMS_PREFIX"])
        """,
    })
    assert ("GET", "/shop/items") in routes


def test_blueprint_factories_imported_inside_the_app_factory(tmp_path: Path) -> None:
    factory = """
        from flask import Blueprint

        def construct_blueprint(datastore):
            bp = Blueprint("{name}", __name__)

            @bp.route("/{name}")
            def index():
                return {{}}
            return bp
    """
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/rss/__init__.py": "",
        "app/rss/blueprint.py": factory.format(name="feed"),
        "app/imports.py": factory.format(name="imports"),
        "app/main.py": """
            from flask import Flask

            def create_app(datastore):
                app = Flask(__name__)
                import app.rss.blueprint as rss
                from app.imports import construct_blueprint as construct_import_blueprint
                app.register_blueprint(rss.construct_blueprint(datastore), url_prefix="/rss")
                imports_bp = construct_import_blueprint(datastore)
                app.register_blueprint(imports_bp, url_prefix="/imports")
                return app
        """,
    })
    assert routes[("GET", "/rss/feed")].linked and routes[("GET", "/imports/imports")].linked


ADMIN = """
    from flask import Blueprint
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/stats")
    def stats():
        return {}
"""
PLUGIN = """
    from flask import Blueprint
    bp = Blueprint("plugin", __name__, url_prefix="/plugin")

    @bp.route("/hello")
    def hello():
        return {}
"""


def test_blueprints_found_by_a_package_walk_in_a_helper_are_mounted_with_a_condition(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items/__init__.py": "", "app/items/blueprint.py": ITEMS,
        "app/admin/__init__.py": "", "app/admin/blueprint.py": ADMIN,
        "ext/__init__.py": "", "ext/plugin.py": PLUGIN,
        "app/util.py": """
            import os
            from importlib import import_module
            from flask import Blueprint

            def discover_blueprints():
                found = []
                for root, _dirs, files in os.walk(os.path.dirname(__file__)):
                    for name in files:
                        if name == "blueprint.py":
                            module = import_module(root.replace("/", ".") + ".blueprint")
                            found += [v for v in vars(module).values() if isinstance(v, Blueprint)]
                return found
        """,
        "app/main.py": """
            from flask import Flask
            from app.util import discover_blueprints

            def create_app():
                app = Flask(__name__)
                for blueprint in discover_blueprints():
                    app.register_blueprint(blueprint)
                return app
        """,
    })
    stats = routes[("GET", "/admin/stats")]
    assert stats.linked and stats.condition == "if discovered at run time by discover_blueprints()"
    assert routes[("GET", "/items")].linked
    assert not routes[("GET", "/plugin/hello")].linked  # another top-level package: a plugin's, not found


def test_blueprints_found_by_pkgutil_in_the_registering_function_are_mounted(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/views/__init__.py": "", "app/views/items.py": ITEMS,
        "app/views/users.py": USERS,
        "app/main.py": """
            import importlib
            import inspect
            import pkgutil
            from flask import Blueprint, Flask

            def create_app():
                app = Flask(__name__)
                for _finder, name, _pkg in pkgutil.iter_modules(["app/views"], "app.views."):
                    module = importlib.import_module(name)
                    for _name, blueprint in inspect.getmembers(module, lambda m: isinstance(m, Blueprint)):
                        app.register_blueprint(blueprint)
                return app
        """,
    })
    assert routes[("GET", "/items")].linked and routes[("GET", "/users")].linked
    assert routes[("GET", "/users")].condition == "if discovered at run time by create_app()"


def test_a_loop_over_blueprints_from_a_plugin_manager_mounts_nothing_it_cannot_see(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "", "app/items.py": ITEMS,
        "app/main.py": """
            from flask import Flask
            from app.plugins import manager

            def create_app():
                app = Flask(__name__)
                for blueprint in manager.blueprints():
                    app.register_blueprint(blueprint)
                return app
        """,
    })
    assert not routes[("GET", "/items")].linked  # no package walk: who registers it is unknown


def test_a_blueprint_subclass_whose_setup_state_lets_marked_rules_escape_the_prefix(tmp_path: Path) -> None:
    """`make_setup_state` returns a state whose `add_url_rule` registers `!/...` rules with the
    url_prefix cleared: those routes sit at the root. A subclass without that override (`PlainBlueprint`)
    keeps the prefix on every rule, marker included."""
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/web/__init__.py": "",
        "app/web/wrappers.py": """
            from contextlib import contextmanager

            from flask import Blueprint
            from flask.blueprints import BlueprintSetupState

            class PortalSetupState(BlueprintSetupState):
                @contextmanager
                def _without_prefix(self):
                    saved = self.url_prefix
                    self.url_prefix = None
                    try:
                        yield
                    finally:
                        self.url_prefix = saved

                def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
                    if rule.startswith("!/"):
                        with self._without_prefix():
                            super().add_url_rule(rule[1:], endpoint, view_func, **options)
                    else:
                        super().add_url_rule(rule, endpoint, view_func, **options)

            class PortalBlueprint(Blueprint):
                def make_setup_state(self, app, options, first_registration=False):
                    return PortalSetupState(self, app, options, first_registration)

            class PlainBlueprint(Blueprint):
                pass
        """,
        "app/users.py": """
            from app.web.wrappers import PlainBlueprint, PortalBlueprint

            bp = PortalBlueprint("users", __name__, url_prefix="/user")
            legacy = PlainBlueprint("legacy", __name__, url_prefix="/legacy")

            def admins():
                return "admins"

            def profile():
                return "profile"

            bp.add_url_rule("!/admin/admins", "admins", admins)
            bp.add_url_rule("/profile", "profile", profile)
            legacy.add_url_rule("!/old", "old", profile)
        """,
        "app/main.py": """
            from flask import Flask
            from app.users import bp, legacy

            app = Flask(__name__)
            app.register_blueprint(bp)
            app.register_blueprint(legacy)
        """,
    })
    assert set(routes) == {("GET", "/admin/admins"), ("GET", "/user/profile"), ("GET", "/legacy/!/old")}
    assert routes[("GET", "/admin/admins")].raw_path == "/admin/admins"


def test_a_view_a_project_factory_returns_is_unknown_not_open(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/views.py": """
            from flask import Blueprint, redirect, url_for

            bp = Blueprint("compat", __name__)

            def make_redirect(endpoint, code):
                def _redirect(**kwargs):
                    return redirect(url_for(endpoint, **kwargs), code=code)
                return _redirect

            def plain():
                return "ok"

            bp.add_url_rule("/old/<int:item_id>", "old", make_redirect("items.show", 301))
            bp.add_url_rule("/plain", "plain", plain)
        """,
        "app/main.py": """
            from flask import Flask
            from app.views import bp

            app = Flask(__name__)
            app.register_blueprint(bp)
        """,
    })
    old = routes[("GET", "/old/{item_id}")]
    assert old.auth.status is AuthStatus.UNKNOWN and "make_redirect(...)` returns" in old.auth.evidence[0].detail
    assert routes[("GET", "/plain")].auth.status is AuthStatus.NONE


def test_reads_of_discovered_blueprints_are_low_confidence_auth001_writes_are_not(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "", "app/views/__init__.py": "",
        "app/views/items.py": """
            from flask import Blueprint
            from flask_login import login_required
            bp = Blueprint("items", __name__)

            @bp.route("/items")
            def list_items():
                return []

            @bp.route("/items/<int:item_id>", methods=["DELETE"])
            def delete_item(item_id):
                return "", 204

            @bp.route("/mine")
            @login_required
            def mine():
                return []
        """,
        "app/main.py": """
            import importlib
            import pkgutil
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                for _finder, name, _pkg in pkgutil.iter_modules(["app/views"], "app.views."):
                    app.register_blueprint(importlib.import_module(name).bp)
                return app
        """,
    }
    found = {(f.route, f.confidence.value) for f in analyze_files(tmp_path, files).findings if f.code == "AUTH001"}
    assert ("GET /items", "low") in found
    assert ("DELETE /items/{item_id}", "high") in found


def test_a_subclass_default_prefix_that_cannot_be_read_is_an_unresolved_part(tmp_path: Path) -> None:
    routes, codes = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/nodes.py": """
            from flask import Blueprint

            from app.registry import parent_prefix


            class NodeModule(Blueprint):
                def __init__(self, import_name, **kwargs):
                    kwargs.setdefault("url_prefix", self.node_path)
                    super().__init__(import_name.rsplit(".", 1)[-1], import_name, **kwargs)

                @property
                def node_path(self):
                    return parent_prefix() + "/" + self.name

            blueprint = NodeModule(__name__)

            @blueprint.route("/nodes/<int:nid>")
            def nodes(nid):
                return []
        """,
        "app/main.py": """
            from flask import Flask
            from app.nodes import blueprint

            app = Flask(__name__)
            app.register_blueprint(blueprint)
        """,
    })
    route = routes[("GET", "/{?self.node_path}/nodes/{nid}")]  # not `/nodes/{nid}`: the prefix is unknown
    assert route.linked and route.unresolved == ("self.node_path",)
    assert "ROUTE001" in codes


_STATIC_APP = """
    from flask import Flask, abort, session
    app = Flask(__name__{args})

    @app.before_request
    def require_login():
        if "user_id" not in session:
            abort(401)

    @app.get("/items")
    def items():
        return []
"""


def _static_paths(tmp_path: Path, args: str = "", folder: str = "static") -> dict[str, Route]:
    files = {"shop/__init__.py": "", "shop/app.py": _STATIC_APP.format(args=args)}
    if folder:
        (tmp_path / "shop" / folder).mkdir(parents=True)
    routes, _ = _routes(tmp_path, files)
    return {path: r for (_, path), r in routes.items() if r.builtin}


def test_a_flask_app_serves_its_static_folder_when_there_is_one(tmp_path: Path) -> None:
    static = _static_paths(tmp_path / "a")["/static/{filename}"]
    assert static.handler == "flask.Flask.send_static_file" and static.location.file == "shop/app.py"
    assert static.auth.status is AuthStatus.REQUIRED  # before_request hooks run for static files too
    assert "static_files" in [e.kind for e in static.auth.evidence]
    assert _static_paths(tmp_path / "b", folder="") == {}  # no folder, no route
    assert _static_paths(tmp_path / "c", ', static_folder=None') == {}
    assert list(_static_paths(tmp_path / "d", ', static_folder="assets", static_url_path="/s"',
                              folder="assets")) == ["/s/{filename}"]


_HEALTH = """
    from flask import Blueprint
    health_bp = Blueprint("health", __name__)

    @health_bp.route("/health")
    def health():
        return "OK"
"""
_ITEMS = """
    from flask import Blueprint
    items_bp = Blueprint("items", __name__, url_prefix="/items")

    @items_bp.get("/")
    def list_items():
        return []
"""


def test_an_initializer_instance_holding_the_app_registers_through_its_methods(tmp_path: Path) -> None:
    """`init = AppInitializer(app); init.init_app()`: the app kept in `self.flask_app` by `__init__`,
    blueprints registered on it in the method called and in the `self.init_views()` it calls."""
    routes, _ = _routes(tmp_path, {
        "proj/views/__init__.py": "",
        "proj/views/health.py": _HEALTH,
        "proj/views/items.py": _ITEMS,
        "proj/initialization.py": """
            from flask import Flask

            class BaseInitializer:
                def __init__(self, app: Flask) -> None:
                    self.flask_app = app

            class AppInitializer(BaseInitializer):
                def init_views(self) -> None:
                    from proj.views.health import health_bp
                    self.flask_app.register_blueprint(health_bp)

                def init_app(self) -> None:
                    from proj.views.items import items_bp
                    self.flask_app.register_blueprint(items_bp, url_prefix="/api/items")
                    self.init_views()
        """,
        "proj/__init__.py": """
            from flask import Flask
            from proj.initialization import AppInitializer

            def create_app() -> Flask:
                app = Flask(__name__)
                initializer = AppInitializer(app)
                initializer.init_app()
                return app
        """,
    })
    assert {path for _, path in routes} == {"/health", "/api/items/"}
    assert all(r.linked for r in routes.values())


def test_websocket_routes_of_flask_sockets_and_flask_sock(tmp_path: Path) -> None:
    """`Sockets(app)` (flask-sockets) and `Sock()` + `sock.init_app(app)` (flask-sock): each
    `@x.route(path)` is a WEBSOCKET route of the app, with the decorators under it judged."""
    routes, _ = _routes(tmp_path, {
        "app/__init__.py": "",
        "app/feeds.py": """
            from flask import Flask
            from flask_sockets import Sockets

            app = Flask(__name__)
            sockets = Sockets(app)

            @sockets.route("/feeds/prices")
            def prices(ws):
                while not ws.closed:
                    ws.send("{}")
        """,
        "app/ext.py": """
            from flask_sock import Sock
            sock = Sock()
        """,
        "app/chat.py": """
            from flask_login import login_required
            from app.ext import sock

            @sock.route("/chat")
            @login_required
            def chat(ws):
                ws.send(ws.receive())
        """,
        "app/factory.py": """
            from flask import Flask
            from app.ext import sock

            def create_app():
                app = Flask(__name__)
                sock.init_app(app)
                from app import chat
                return app
        """,
    })
    assert set(routes) == {("WEBSOCKET", "/feeds/prices"), ("WEBSOCKET", "/chat")}
    assert routes[("WEBSOCKET", "/feeds/prices")].auth.status is AuthStatus.NONE
    assert routes[("WEBSOCKET", "/chat")].auth.status is AuthStatus.REQUIRED
    assert routes[("WEBSOCKET", "/chat")].linked
