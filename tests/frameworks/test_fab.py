"""Flask-AppBuilder adapter: route bases, generated endpoints, filters and guards."""

from __future__ import annotations

from pathlib import Path

from apilint.model import Route
from apilint.testing import analyze_files

APP = """
    from flask import Flask
    from flask_appbuilder import AppBuilder, SQLA

    app = Flask(__name__)
    db = SQLA(app)
    appbuilder = AppBuilder(app, db.session)

    from shop import views  # noqa
"""


def _routes(tmp_path: Path, views: str, **extra: str) -> dict[str, Route]:
    files = {"shop/__init__.py": APP, "shop/views.py": views, **extra}
    return {r.display: r for r in analyze_files(tmp_path, files).routes}


def test_route_bases_guards_and_public_methods(tmp_path: Path) -> None:
    routes = _routes(tmp_path, """
        from flask_appbuilder import BaseView, IndexView, expose, has_access
        from flask_appbuilder.api import BaseApi, expose as api_expose
        from flask_appbuilder.security.decorators import permission_name, protect

        from shop import appbuilder


        class StockView(BaseView):
            @expose("/count/<int:warehouse_id>")
            @has_access
            def count(self, warehouse_id):
                return "0"

            @expose("/reset", methods=["POST"])
            def reset(self):
                return "ok"


        class CartApi(BaseApi):
            resource_name = "cart"
            version = "v2"

            @api_expose("/checkout", methods=["POST"])
            @protect()
            def checkout(self):
                return self.response(200)

            @api_expose("/quote", methods=["POST"])
            @permission_name("quote")
            def quote(self):
                return self.response(200)


        class HomeView(IndexView):
            @expose("/welcome")
            def welcome(self):
                return "hi"


        class ReportApi(BaseApi):
            route_base = "/internal/reports"

            @api_expose("/")
            @protect()
            def index(self):
                return self.response(200)


        appbuilder.add_view_no_menu(StockView())
        appbuilder.add_api(CartApi)
        appbuilder.add_api(ReportApi)
        appbuilder.add_view_no_menu(HomeView)
    """)
    count = routes["GET /stockview/count/{warehouse_id}"]
    assert count.auth.status.value == "required" and count.app == "shop.app" and count.linked
    assert [e.kind for e in count.authz] == ["permission"]
    assert routes["POST /stockview/reset"].auth.status.value == "none"
    assert routes["POST /api/v2/cart/checkout"].auth.status.value == "required"
    assert routes["POST /api/v2/cart/quote"].auth.status.value == "none"  # permission_name only renames
    assert routes["GET /welcome"].auth.status.value == "none"  # IndexView's route_base is ""
    assert routes["GET /"].handler.endswith("HomeView.index")  # the generated index page
    assert "GET /internal/reports/" in routes


def test_generated_endpoints_filters_overrides_and_unregistered_classes(tmp_path: Path) -> None:
    routes = _routes(tmp_path, """
        from flask_appbuilder import ModelView
        from flask_appbuilder.api import ModelRestApi, expose
        from flask_appbuilder.models.sqla.interface import SQLAInterface

        from shop import appbuilder
        from shop.constants import Methods
        from shop.models import Order


        class OrderApi(ModelRestApi):
            resource_name = "order"
            datamodel = SQLAInterface(Order)
            include_route_methods = Methods.READ | {"post", "archive"}

            def post(self):
                return self.response(405)

            @expose("/<int:pk>/archive", methods=["PUT"])
            def archive(self, pk):
                return self.response(200)


        class OrderView(ModelView):
            datamodel = SQLAInterface(Order)
            exclude_route_methods = {"download", "action", "action_post", "api", "api_read", "api_get",
                                     "api_create", "api_update", "api_delete", "api_column_add",
                                     "api_column_edit", "api_readvalues"}


        class DraftApi(ModelRestApi):
            datamodel = SQLAInterface(Order)

            @expose("/drafts/purge", methods=["POST"])
            def purge(self):
                return self.response(200)


        appbuilder.add_api(OrderApi)
        appbuilder.add_view(OrderView, "Orders")
    """, **{
        "shop/constants.py": """
            class Methods:
                GET = "get"
                GET_LIST = "get_list"
                READ = {GET, GET_LIST}
        """,
        "shop/models.py": """
            from flask_appbuilder import Model

            class Order(Model):
                pass
        """,
    })
    api = sorted(k for k in routes if "/api/v1/order" in k)
    assert api == ["GET /api/v1/order/", "GET /api/v1/order/{pk}", "PUT /api/v1/order/{pk}/archive"]
    assert routes["GET /api/v1/order/{pk}"].handler_ref is None  # FAB's own method
    assert routes["PUT /api/v1/order/{pk}/archive"].auth.status.value == "none"
    view = sorted(k for k in routes if "/orderview/" in k)
    assert view == ["GET /orderview/add", "GET /orderview/delete/{pk}", "GET /orderview/edit/{pk}",
                    "GET /orderview/list/", "GET /orderview/show/{pk}", "POST /orderview/add",
                    "POST /orderview/delete/{pk}", "POST /orderview/edit/{pk}"]
    draft = routes["POST /api/v1/draftapi/drafts/purge"]
    assert not draft.linked and draft.auth.status.value == "unknown"  # never registered
