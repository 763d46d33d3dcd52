"""Flask: blueprints a Blueprint subclass's `register()` override registers, and blueprints plugin
classes hand to a loop over an interface's implementations (`apilint.frameworks.flask_plugins`)."""

from __future__ import annotations

from pathlib import Path

from apilint.model import Route
from apilint.testing import analyze_files

MODULE_BASE = """
    from flask import Blueprint


    class AppModule(Blueprint):
        def __init__(self, name, import_name, **kwargs):
            kwargs.setdefault("url_prefix", "/" + name)
            self.submodules = []
            super().__init__(name, import_name, **kwargs)

        def register(self, app, options):
            super().register(app, options)
            for module in self.submodules:
                app.register_blueprint(module)
"""
LEAF = """
    from portal.base import AppModule

    blueprint = AppModule("{name}", __name__)


    @blueprint.route("/list")
    def list_{name}():
        return []
"""
FACTORY = """
    from flask import Flask

    from portal.admin import blueprint as admin_bp


    def create_app(config=None):
        app = Flask(__name__)
        if config is not None and config.get("ADMIN_ENABLED"):
            app.register_blueprint(admin_bp)
        return app
"""


def _routes(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, str], Route]:
    result = analyze_files(tmp_path, files)
    return {(r.method, r.path): r for r in result.routes}


def _module_app(admin: str, **more: str) -> dict[str, str]:
    return {
        "portal/__init__.py": "", "portal/base.py": MODULE_BASE, "portal/factory.py": FACTORY,
        "portal/admin/__init__.py": admin,
        "portal/admin/users.py": LEAF.format(name="users"), "portal/admin/audit.py": LEAF.format(name="audit"),
        **more,
    }


def test_submodules_an_override_adds_are_registered_by_the_base_class_on_the_real_app(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _module_app("""
        from portal.base import AppModule


        class AdminModule(AppModule):
            def register(self, app, options):
                from .users import blueprint as module
                self.submodules.append(module)
                from .audit import blueprint as module
                self.submodules.append(module)
                super().register(app, options)


        blueprint = AdminModule("admin", __name__)


        @blueprint.route("/")
        def index():
            return "admin"
    """))
    condition = 'if config is not None and config.get("ADMIN_ENABLED")'
    for path in ("/admin/", "/users/list", "/audit/list"):  # app.register_blueprint: each at its own prefix
        route = routes[("GET", path)]
        assert route.linked and route.app == "portal.factory.create_app.<locals>.app", path
        assert route.condition.replace("'", '"') == condition, path


def test_an_override_that_does_not_call_super_leaves_the_base_loop_unrun(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _module_app("""
        from portal.base import AppModule


        class AdminModule(AppModule):
            def register(self, app, options):
                from .users import blueprint as module
                self.submodules.append(module)
                from .audit import blueprint as module
                app.register_blueprint(module)


        blueprint = AdminModule("admin", __name__)
    """))
    assert routes[("GET", "/audit/list")].linked
    assert routes[("GET", "/audit/list")].app == "portal.factory.create_app.<locals>.app"
    assert not routes[("GET", "/users/list")].linked  # only the base class's loop would register it


def test_a_child_registered_on_self_in_the_override_sits_under_the_parent_prefix(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _module_app("""
        from portal.base import AppModule


        class AdminModule(AppModule):
            def register(self, app, options):
                from .users import blueprint as users
                self.register_blueprint(users)
                super().register(app, options)


        blueprint = AdminModule("admin", __name__)
    """))
    assert routes[("GET", "/admin/users/list")].linked
    assert ("GET", "/users/list") not in routes


def test_an_override_that_walks_its_package_mounts_what_the_walk_can_find(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _module_app("""
        from importlib import import_module

        from werkzeug.utils import find_modules

        from portal.base import AppModule


        class AdminModule(AppModule):
            def register(self, app, options):
                super().register(app, options)
                for name in find_modules(self.import_name):
                    module = import_module(name)
                    app.register_blueprint(module.blueprint)


        blueprint = AdminModule("admin", __name__)
    """))
    route = routes[("GET", "/users/list")]
    assert route.linked and route.app == "portal.factory.create_app.<locals>.app"
    assert "if discovered at run time by register()" in route.condition


def test_a_walk_registering_under_self_mounts_the_package_under_the_parent_prefix(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _module_app("""
        import pkgutil
        from importlib import import_module

        from portal.base import AppModule


        class AdminModule(AppModule):
            def register(self, app, options):
                for info in pkgutil.iter_modules(__path__, __name__ + "."):
                    self.register_blueprint(import_module(info.name).blueprint)
                super().register(app, options)


        blueprint = AdminModule("admin", __name__)
    """, **{"portal/shop.py": LEAF.format(name="shop")}))
    for path in ("/admin/users/list", "/admin/audit/list"):
        route = routes[("GET", path)]
        assert route.linked and "if discovered at run time by register()" in route.condition, path
    assert not routes[("GET", "/shop/list")].linked  # outside the walking blueprint's package


PLUGINS = """
    class Interface:
        pass


    class IViews(Interface):
        def get_blueprint(self):
            '''Return a Blueprint or a list of them.'''


    def implements(interface):
        pass


    class Plugin:
        pass


    class PluginImplementations:
        def __init__(self, interface):
            self.interface = interface

        def __iter__(self):
            return iter(())
"""
PLUGIN_FACTORY = """
    from flask import Flask

    from market.plugins import IViews, PluginImplementations


    def create_app():
        app = Flask(__name__)
        for plugin in PluginImplementations(IViews):
            found = plugin.get_blueprint()
            if isinstance(found, list):
                for blueprint in found:
                    app.register_blueprint(blueprint)
            else:
                app.register_blueprint(found)
        return app
"""
REVIEWS = """
    from flask import Blueprint

    reviews = Blueprint("reviews", __name__, url_prefix="/reviews")


    @reviews.route("/")
    def list_reviews():
        return []
"""


def _plugin_app(plugin: str, factory: str = PLUGIN_FACTORY) -> dict[str, str]:
    return {
        "market/__init__.py": "", "market/plugins.py": PLUGINS, "market/app.py": factory,
        "market_reviews/__init__.py": "", "market_reviews/views.py": REVIEWS, "market_reviews/plugin.py": plugin,
    }


def test_a_plugin_returning_one_blueprint_is_mounted_if_enabled(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _plugin_app("""
        import market.plugins as p
        from market_reviews import views


        class ReviewsPlugin(p.Plugin):
            p.implements(p.IViews)

            def get_blueprint(self):
                return views.reviews
    """))
    route = routes[("GET", "/reviews/")]
    assert route.linked and route.app == "market.app.create_app.<locals>.app"
    assert route.condition == "if plugin market_reviews.plugin.ReviewsPlugin is enabled"


def test_a_plugin_returning_a_list_of_blueprints_it_builds(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _plugin_app("""
        from flask import Blueprint

        import market.plugins as p
        from market_reviews.views import list_reviews


        class BasePlugin(p.Plugin):
            p.implements(p.IViews)


        class ReviewsPlugin(BasePlugin):
            def get_blueprint(self):
                first = Blueprint("ratings", __name__)
                first.add_url_rule("/ratings", "ratings", list_reviews)
                second = Blueprint("moderation", __name__, url_prefix="/moderation")
                second.add_url_rule("/queue", "queue", list_reviews)
                return [first, second]
    """))
    for path in ("/ratings", "/moderation/queue"):  # declared by a base class: still a plugin
        route = routes[("GET", path)]
        assert route.linked, path
        assert route.condition == "if plugin market_reviews.plugin.ReviewsPlugin is enabled", path


def test_a_plugin_whose_return_cannot_be_read_mounts_nothing(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _plugin_app("""
        import market.plugins as p
        from market_reviews import views


        class ReviewsPlugin(p.Plugin):
            p.implements(p.IViews)

            def get_blueprint(self):
                return getattr(views, self.config["blueprint"])
    """))
    assert not routes[("GET", "/reviews/")].linked


def test_a_class_without_the_method_or_without_the_interface_is_no_plugin(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _plugin_app("""
        import market.plugins as p
        from market_reviews import views


        class DeclaredOnly(p.Plugin):
            p.implements(p.IViews)


        class Undeclared(p.Plugin):
            def get_blueprint(self):
                return views.reviews
    """))
    assert not routes[("GET", "/reviews/")].linked


def test_without_a_loop_over_the_implementations_nothing_is_mounted(tmp_path: Path) -> None:
    routes = _routes(tmp_path, _plugin_app("""
        import market.plugins as p
        from market_reviews import views


        class ReviewsPlugin(p.Plugin):
            p.implements(p.IViews)

            def get_blueprint(self):
                return views.reviews
    """, factory="""
        from flask import Flask

        from market.extensions import manager


        def create_app():
            app = Flask(__name__)
            for blueprint in manager.blueprints():
                app.register_blueprint(blueprint)
            return app
    """))
    assert not routes[("GET", "/reviews/")].linked


def test_a_loop_that_registers_its_own_blueprints_puts_no_plugin_condition_on_them(tmp_path: Path) -> None:
    """The loop builds the blueprint and only lets the plugin adjust it: not what a plugin returns."""
    routes = _routes(tmp_path, _plugin_app("""
        import market.plugins as p


        class ReviewsPlugin(p.Plugin):
            p.implements(p.IViews)

            def get_blueprint(self):
                return None

            def prepare(self, blueprint):
                return blueprint
    """, factory="""
        from flask import Flask

        from market.plugins import IViews, PluginImplementations
        from market_reviews.views import reviews


        def create_app():
            app = Flask(__name__)
            for plugin in PluginImplementations(IViews):
                blueprint = plugin.prepare(reviews)
                app.register_blueprint(blueprint)
            app.register_blueprint(reviews)
            return app
    """))
    route = routes[("GET", "/reviews/")]
    assert route.linked and route.condition == ""
