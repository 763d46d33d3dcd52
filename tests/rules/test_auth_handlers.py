"""AUTH001/AUTH004 read what a handler does: hand the request on, render a page shell, serve anonymous
callers on purpose, or serve documentation under every method."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from apilint.testing import analyze_dir

AUTH_CODES = ("AUTH001", "AUTH002", "AUTH003", "AUTH004")


def _run(files: dict[str, str]) -> list[tuple[str, int, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        result = analyze_dir(root, select=AUTH_CODES)
        return sorted((f.location.file, f.location.line, f.code, f.confidence.value) for f in result.findings)


SHOP_APP = {
    "shop/__init__.py": "",
    "shop/app.py": """
        from flask import Flask

        from shop.views import bp

        app = Flask(__name__)
        app.register_blueprint(bp)
    """,
}


def test_a_handler_that_forwards_to_a_decorated_handler_takes_its_protection() -> None:
    found = _run({**SHOP_APP, "shop/views.py": '''
        from flask import Blueprint, jsonify
        from flask_login import login_required

        bp = Blueprint("shop", __name__, url_prefix="/shop")


        @bp.get("/orders/<int:order_id>")
        @login_required
        def order_details(order_id: int):
            return jsonify({"id": order_id})


        @bp.get("/orders/<int:order_id>/v1")
        def order_details_v1(order_id: int):
            """The older URL of the same page."""
            return order_details(order_id=order_id)


        @bp.delete("/carts/<int:cart_id>")
        def drop_cart(cart_id: int):
            return clear_cart(cart_id)


        def clear_cart(cart_id: int):
            return jsonify({"cleared": cart_id})
    '''})
    # the forwarder to an undecorated helper is as open as it looks
    assert found == [("shop/views.py", 20, "AUTH001", "high")]


def test_a_handler_that_forwards_to_code_outside_the_analyzed_tree_is_unknown() -> None:
    found = _run({**SHOP_APP, "shop/views.py": '''
        from flask import Blueprint, jsonify
        from flask_login import login_required

        from shop.vendor import reports

        bp = Blueprint("shop", __name__, url_prefix="/shop")


        @bp.get("/account")
        @login_required
        def account():
            return jsonify({})


        @bp.delete("/reports/<name>")
        def delete_report(**kwargs):
            kwargs.pop("body", None)
            return reports.delete_report(**kwargs)


        @bp.delete("/exports/<name>")
        def delete_export(name: str):
            return jsonify(name=name)
    '''})
    assert found == [("shop/views.py", 16, "AUTH001", "low"), ("shop/views.py", 22, "AUTH001", "high")]


def test_a_page_shell_and_a_handler_that_serves_anonymous_callers_on_purpose_are_low() -> None:
    found = _run({**SHOP_APP, "shop/views.py": '''
        from flask import Blueprint, jsonify, render_template
        from flask_login import current_user, login_required

        bp = Blueprint("shop", __name__, url_prefix="/shop")


        @bp.get("/account")
        @login_required
        def account():
            return jsonify({})


        @bp.get("/catalog")
        def catalog_page():
            return render_template("catalog.html", title="Catalog")


        @bp.get("/deals")
        def deals_page():
            return render_template("deals.html", deals=load_deals())


        @bp.get("/wishlist")
        def wishlist():
            owner = current_user.id if current_user.is_authenticated else None
            return jsonify({"owner": owner, "items": load_deals()})


        @bp.get("/history")
        def history():
            return jsonify({"items": load_deals()})


        def load_deals():
            return []
    '''})
    assert found == [
        ("shop/views.py", 14, "AUTH001", "low"),  # renders a template with literals only
        ("shop/views.py", 19, "AUTH001", "medium"),  # the page carries data it looked up
        ("shop/views.py", 24, "AUTH001", "low"),  # tests current_user.is_authenticated, serves anyone
        ("shop/views.py", 30, "AUTH001", "medium"),
    ]


def test_documentation_views_of_every_method_are_public_by_design() -> None:
    settings = """
        ROOT_URLCONF = "urls"
        INSTALLED_APPS = ["app"]
    """
    urls = """
        from django.contrib.auth.decorators import login_required
        from django.http import JsonResponse
        from django.urls import path
        from django.views import View
        from drf_spectacular.views import SpectacularRedocView

        from models import Status


        class RedocView(SpectacularRedocView):
            template_name = "redoc.html"


        class StatusView(View):
            def post(self, request):
                Status.objects.create(text=request.POST["text"])
                return JsonResponse({})


        @login_required
        def account(request):
            return JsonResponse({})


        urlpatterns = [
            path("", account),
            path("api/redoc/", RedocView.as_view()),
            path("api/status/", StatusView.as_view()),
        ]
    """
    found = _run({"settings.py": settings, "urls.py": urls, "models.py": "class Status:\n    pass\n"})
    assert [(line, code) for _, line, code, _ in found] == [(15, "AUTH001")]  # the view that writes


def test_a_form_that_sends_the_caller_to_log_in_after_a_post_is_no_login_check() -> None:
    """`if request.method == "POST": ... return redirect("/login")` finishes a sign-up: the route stays
    unauthenticated (not `required` by the redirect), and AUTH001 reports it with low confidence only."""
    found = _run({**SHOP_APP, "shop/views.py": '''
        from flask import Blueprint, redirect, render_template, request, session, url_for

        from shop import accounts

        bp = Blueprint("shop", __name__, url_prefix="/shop")


        @bp.route("/members/new", methods=["GET", "POST"])
        def new_member():
            session.pop("member", None)
            if request.method == "POST":
                accounts.add(request.form["name"], request.form["password"])
                return redirect(url_for("shop.sign_in_page"))
            return render_template("new_member.html")


        @bp.route("/members/<int:member_id>/close", methods=["POST"])
        def close_member(member_id: int):
            if request.method == "POST":
                accounts.close(member_id)
                return redirect("/shop")
            return render_template("close.html")
    ''', "shop/accounts.py": '''
        def add(name, password):
            return None


        def close(member_id):
            return None
    '''})
    assert found == [("shop/views.py", 9, "AUTH001", "low")] * 2 + [("shop/views.py", 18, "AUTH001", "medium")]


def test_page_with_data_at_a_probe_path_is_not_a_probe() -> None:
    settings = """
        ROOT_URLCONF = "urls"
        INSTALLED_APPS = ["app"]
    """
    urls = """
        from django.contrib.auth.decorators import login_required
        from django.db import connection
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.urls import path

        from models import Reading


        def readings(request):
            return render(request, "health/index.html", {"readings": Reading.objects.all()})


        def health_page(request):
            return render(request, "health/about.html")


        def probe(request):
            connection.ensure_connection()
            return JsonResponse({"status": "ok"})


        @login_required
        def account(request):
            return JsonResponse({})


        urlpatterns = [
            path("", account),
            path("health/", readings),
            path("status/about/", health_page),
            path("healthz/", probe),
        ]
    """
    found = _run({"settings.py": settings, "urls.py": urls, "models.py": "class Reading:\n    pass\n"})
    # every user's readings rendered into the page at /health/ is data, not a liveness probe; the
    # static page and the probe stay public
    assert [(line, code) for _, line, code, _ in found] == [(10, "AUTH001")]


def test_a_preference_cookie_toggle_is_low_confidence(tmp_path: Path) -> None:
    """A route whose only effect is a cookie on its own answer keeps no server state; one that
    also writes the session or the database is still an unauthenticated change."""
    from apilint.rule import Example
    from apilint.testing import run_example

    example = Example('''
        from flask import Flask, make_response, redirect, request, session
        from flask_login import login_required

        from store import save_theme

        app = Flask(__name__)


        @app.route("/me", methods=["POST"])
        @login_required
        def me():
            return {}


        @app.route("/theme", methods=["POST"])
        def theme():  # expect: AUTH001
            response = make_response(redirect("/"))
            response.set_cookie("theme", "dark" if request.form.get("dark") else "light")
            return response


        @app.route("/theme/session", methods=["POST"])
        def theme_session():  # expect: AUTH001
            session["theme"] = request.form["theme"]
            response = make_response(redirect("/"))
            response.set_cookie("theme", request.form["theme"])
            return response


        @app.route("/theme/saved", methods=["POST"])
        def theme_saved():  # expect: AUTH001
            save_theme(request.form["theme"])
            response = make_response(redirect("/"))
            response.set_cookie("theme", request.form["theme"])
            return response
    ''')
    found, expected = run_example(example, select=("AUTH001",))
    assert found == expected.expect
    for name, text in example.all_files():
        (tmp_path / name).write_text(text)
    confidence = {f.location.line: f.confidence.name for f in analyze_dir(tmp_path, select=("AUTH001",)).findings}
    assert confidence == {16: "LOW", 23: "HIGH", 31: "HIGH"}
