"""Installed apps' URLconfs attached at run time: the edge cases of the replay."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apilint.model import Diagnostic, Route
from apilint.testing import analyze_dir

SETTINGS = """
    import os
    SECRET_KEY = os.environ["SECRET_KEY"]
    ROOT_URLCONF = "site_root.urls"
    INSTALLED_APPS = ["django.contrib.auth", {apps}]
"""
ENTRY = """
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_root.settings")
"""
VIEWS = """
    from django.http import JsonResponse
    def index(request):
        return JsonResponse({})
"""
APP_URLS = """
    from django.urls import path
    from {app}.views import index
    urlpatterns = [path("index/", index)]
"""
LOOP_URLCONF = """
    import importlib
    from django.apps import apps
    from django.urls import include, path
    urlpatterns = []
    for app in apps.get_app_configs():
        {body}
"""


def _analyze(tmp_path: Path, files: dict[str, str]) -> tuple[dict[str, Route], list[Diagnostic]]:
    packages = {str(parent) for rel in files for parent in Path(rel).parents if str(parent) != "."}
    files = {**{f"{pkg}/__init__.py": "" for pkg in packages}, **files}
    for rel, source in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")
    (tmp_path / ".git").mkdir(exist_ok=True)
    result = analyze_dir(tmp_path)
    assert not [d for d in result.diagnostics if d.internal], result.diagnostics
    return {r.handler: r for r in result.routes}, list(result.diagnostics)


def _project(apps: list[str], urlconf: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    files = {
        "manage.py": ENTRY,
        "site_root/settings.py": SETTINGS.format(apps=", ".join(repr(a) for a in apps)),
        "site_root/urls.py": urlconf,
    }
    for app in apps:
        files[f"{app.replace('.', '/')}/views.py"] = VIEWS
        files[f"{app.replace('.', '/')}/urls.py"] = APP_URLS.format(app=app)
    return {**files, **(extra or {})}


def _loop(body: str) -> str:
    return LOOP_URLCONF.replace("{body}", textwrap.indent(textwrap.dedent(body).strip(), " " * 8).lstrip())


def test_loop_mounts_every_installed_app_under_its_prefix(tmp_path: Path) -> None:
    urlconf = _loop("""
        module = importlib.import_module(app.name + ".urls")
        urlpatterns.append(path(f"apps/{app.label}/", include(module)))
    """)
    routes, _ = _analyze(tmp_path, _project(["blog", "wiki.pages"], urlconf))
    blog, pages = routes["blog.views.index"], routes["wiki.pages.views.index"]
    assert (blog.path, blog.linked) == ("/apps/blog/index/", True)
    assert pages.path == "/apps/pages/index/"  # Django's default label: the last part of the name
    assert pages.condition == ("if attached at run time by the loop over apps.get_app_configs() in "
                               "site_root.urls (for wiki.pages)")


def test_unreadable_filter_mounts_the_app_and_says_so(tmp_path: Path) -> None:
    urlconf = _loop("""
        if feature_enabled(app.name):
            urlpatterns.append(path("", include(importlib.import_module(f"{app.name}.urls"))))
    """).replace("urlpatterns = []", "from site_root.flags import feature_enabled\n    urlpatterns = []")
    flags = """
        from site_root.models import Flag
        def feature_enabled(name):
            return Flag.objects.filter(name=name, on=True).exists()
    """
    routes, _ = _analyze(tmp_path, _project(["blog"], urlconf, {"site_root/flags.py": flags}))
    route = routes["blog.views.index"]
    assert route.path == "/index/"
    assert route.condition.endswith("(for blog); if feature_enabled(app.name)")


def test_readable_filter_keeps_only_the_apps_that_pass(tmp_path: Path) -> None:
    urlconf = _loop("""
        if hasattr(app, "PluginMeta"):
            urlpatterns.append(path("p/", include(importlib.import_module(f"{app.name}.urls"))))
    """)
    configs = {
        "blog/apps.py": """
            from django.apps import AppConfig
            class BlogConfig(AppConfig):
                name = "blog"
                class PluginMeta:
                    version = "1.0"
        """,
        "shop/apps.py": """
            from django.apps import AppConfig
            class ShopConfig(AppConfig):
                name = "shop"
        """,
    }
    routes, _ = _analyze(tmp_path, _project(["blog", "shop"], urlconf, configs))
    assert routes["blog.views.index"].path == "/p/index/"
    shop = routes["shop.views.index"]
    assert (shop.path, shop.linked) == ("/index/", False)  # not a plugin: its URLconf stays unlinked


def test_app_without_urls_module_and_app_not_installed(tmp_path: Path) -> None:
    urlconf = _loop("""
        try:
            module = importlib.import_module(f"{app.name}.urls")
        except ImportError:
            continue
        urlpatterns += [path("x/", include(module))]
    """)
    files = _project(["blog"], urlconf, {
        "notes/views.py": VIEWS, "notes/urls.py": APP_URLS.format(app="notes"),  # in the tree, not installed
        "site_root/settings.py": SETTINGS.format(apps="'blog', 'bare'"),
        "bare/models.py": "",  # installed, no urls module
    })
    routes, diagnostics = _analyze(tmp_path, files)
    assert routes["blog.views.index"].path == "/x/index/"
    assert routes["notes.views.index"].linked is False
    assert not [d for d in diagnostics if d.code == "ROUTE001"]


def test_unreadable_prefix_stays_a_placeholder(tmp_path: Path) -> None:
    urlconf = _loop("""
        module = importlib.import_module(f"{app.name}.urls")
        urlpatterns.append(path(f"{app.url_root}/", include(module)))
    """)
    configs = {"blog/apps.py": """
        from django.apps import AppConfig
        from site_root.registry import root_for
        class BlogConfig(AppConfig):
            name = "blog"
            url_root = root_for("blog")
    """, "site_root/registry.py": """
        import json
        def root_for(name):
            with open("roots.json") as handle:
                return json.load(handle)[name]
    """}
    routes, diagnostics = _analyze(tmp_path, _project(["blog"], urlconf, configs))
    route = routes["blog.views.index"]
    assert route.path.startswith("/{?") and route.path.endswith("}/index/")
    assert route.unresolved
    assert any(d.code == "ROUTE001" and d.location.file.endswith("site_root/urls.py") for d in diagnostics)


def test_app_config_method_reached_from_ready(tmp_path: Path) -> None:
    base = """
        from django.apps import AppConfig
        from django.urls import include, path
        from django.utils.module_loading import import_string
        class PortalApp(AppConfig):
            app_url = None
            def ready(self):
                self.setup_urls()
            def setup_urls(self):
                from site_root.urls import urlpatterns as root_patterns
                top = f"{self.app_url}/" if self.app_url else ""
                try:
                    patterns = import_string("{}.urls.urlpatterns".format(self.name))
                except ImportError:
                    return
                root_patterns += [path(top, include(patterns))]
        class CoreApp(PortalApp):
            name = "core"
    """
    configs = {
        "core/apps.py": base,
        "blog/apps.py": """
            from core.apps import PortalApp
            class BlogApp(PortalApp):
                name = "blog"
                app_url = "blog"
        """,
        "wiki/apps.py": """
            from core.apps import PortalApp
            class WikiApp(PortalApp):
                name = "wiki"
                app_url = "wiki"
                def ready(self):
                    pass  # never calls super().ready(): its URLs are not mounted
        """,
    }
    urlconf = "urlpatterns = []\n"
    files = _project(["core", "blog", "wiki"], urlconf, configs)
    configured = "'core.apps.CoreApp', 'blog.apps.BlogApp', 'wiki.apps.WikiApp'"
    files["site_root/settings.py"] = SETTINGS.format(apps=configured)
    routes, _ = _analyze(tmp_path, files)
    assert routes["blog.views.index"].path == "/blog/index/"
    assert routes["blog.views.index"].condition == "if attached at run time by PortalApp.setup_urls() (for blog)"
    assert routes["core.views.index"].path == "/index/"  # no app_url: mounted at the root
    assert routes["wiki.views.index"].linked is False


def test_unreadable_installed_apps_uses_the_literal_entries(tmp_path: Path) -> None:
    urlconf = _loop("""
        urlpatterns.append(path("", include(importlib.import_module(app.name + ".urls"))))
    """)
    files = _project(["blog"], urlconf)
    files["site_root/settings.py"] = """
        import os
        from site_root.extra import extend_apps
        SECRET_KEY = os.environ["SECRET_KEY"]
        ROOT_URLCONF = "site_root.urls"
        INSTALLED_APPS = ["django.contrib.auth", "blog"]
        INSTALLED_APPS = extend_apps(INSTALLED_APPS, os.environ.get("EXTRA_APPS_FILE", "apps.json"))
    """
    files["site_root/extra.py"] = """
        import json
        def extend_apps(apps, path):
            with open(path) as handle:
                return [*apps, *json.load(handle)]
    """
    routes, _ = _analyze(tmp_path, files)
    route = routes["blog.views.index"]
    assert route.path == "/index/"
    assert route.condition.endswith("INSTALLED_APPS read from the entries it lists literally")


def test_statically_included_urlconf_is_not_mounted_twice(tmp_path: Path) -> None:
    urlconf = _loop("""
        urlpatterns.append(path("plugins/", include(importlib.import_module(app.name + ".urls"))))
    """).replace("urlpatterns = []", 'urlpatterns = [path("blog/", include("blog.urls"))]')
    routes, _ = _analyze(tmp_path, _project(["blog"], urlconf))
    assert routes["blog.views.index"].path == "/blog/index/"
    assert routes["blog.views.index"].condition == ""


def test_registered_setting_reads_as_its_default(tmp_path: Path) -> None:
    configs = {
        "core/registry.py": """
            class Namespace:
                def __init__(self, name):
                    self.name = name
                    self.entries = {}
                def add_setting(self, **kwargs):
                    setting = Setting(**kwargs)
                    self.entries[kwargs["global_name"]] = setting
                    return setting
            class Setting:
                def __init__(self, global_name, default=None):
                    self.global_name = global_name
                    self.default = default
                @property
                def value(self):
                    return load_from_database(self.global_name, self.default)
            def load_from_database(name, default):
                return default
        """,
        "core/settings.py": """
            from core.registry import Namespace
            namespace = Namespace("core")
            setting_base_path = namespace.add_setting(global_name="CORE_BASE_PATH", default="portal")
        """,
        "core/apps.py": """
            from django.apps import AppConfig
            from django.urls import include, path
            from importlib import import_module
            from core.settings import setting_base_path
            class CoreApp(AppConfig):
                name = "core"
                def ready(self):
                    from site_root.urls import urlpatterns
                    base = setting_base_path.value
                    prefix = f"{base}/" if base else ""
                    urlpatterns.append(path(prefix, include(import_module(f"{self.name}.urls"))))
        """,
    }
    files = _project(["core"], "urlpatterns = []\n", configs)
    files["site_root/settings.py"] = SETTINGS.format(apps="'core.apps.CoreApp'")
    routes, _ = _analyze(tmp_path, files)
    assert routes["core.views.index"].path == "/portal/index/"


def test_login_required_middleware_subclass_requires_login(tmp_path: Path) -> None:
    urlconf = 'from django.urls import include, path\nurlpatterns = [path("", include("blog.urls"))]\n'
    files = _project(["blog"], urlconf, {
        "site_root/middleware.py": """
            from django.conf import settings
            from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequired
            class LoginRequiredMiddleware(BaseLoginRequired):
                def process_view(self, request, view_func, view_args, view_kwargs):
                    if request.path_info.startswith(tuple(settings.OPEN_PATHS)):
                        return None
                    return super().process_view(request, view_func, view_args, view_kwargs)
        """,
    })
    files["site_root/settings.py"] = SETTINGS.format(apps="'blog'") + """
    OPEN_PATHS = ["/health/"]
    MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "site_root.middleware.LoginRequiredMiddleware",
    ]
"""
    routes, _ = _analyze(tmp_path, files)
    assert routes["blog.views.index"].auth.status.value == "required"


HOOKS = """
    _registry = {}
    def register(name):
        def decorator(fn):
            _registry.setdefault(name, []).append(fn)
            return fn
        return decorator
    def get_hooks(name):
        return _registry.get(name, [])
"""


def test_hook_functions_returning_urls_are_mounted_where_collected(tmp_path: Path) -> None:
    urlconf = """
        from django.contrib.auth.decorators import login_required
        from django.urls import include, path
        from site_root import hooks
        from site_root.utils import decorate_urlpatterns
        urlpatterns = [path("admin/", include("blog.urls"))]
        for fn in hooks.get_hooks("register_admin_urls"):
            urls = fn()
            if urls:
                urlpatterns += urls
        urlpatterns = decorate_urlpatterns(urlpatterns, login_required)
    """
    files = _project(["blog", "wiki"], urlconf, {
        "site_root/hooks.py": HOOKS,
        "site_root/utils.py": """
            def decorate_urlpatterns(patterns, decorator):
                return patterns
        """,
        "wiki/wagtail_hooks.py": """
            from django.urls import include, path
            from site_root import hooks
            from wiki import urls
            @hooks.register("register_admin_urls")
            def register_admin_urls():
                return [path("wiki/", include(urls))]
            @hooks.register("register_menu_item")
            def register_menu_item():
                return None
        """,
        "notes/wagtail_hooks.py": """
            from django.urls import path
            from site_root import hooks
            from notes.views import index
            @hooks.register("register_admin_urls")
            def register_admin_urls():  # not an installed app: never imported
                return [path("notes/", index)]
        """,
        "notes/views.py": VIEWS,
    })
    routes, _ = _analyze(tmp_path, files)
    wiki = routes["wiki.views.index"]
    assert (wiki.path, wiki.linked) == ("/wiki/index/", True)
    assert wiki.condition == 'if registered with @hooks.register("register_admin_urls")'
    assert wiki.auth.status.value == "required"  # the list decorator applied after the loop wraps it too
    assert "notes.views.index" not in routes
