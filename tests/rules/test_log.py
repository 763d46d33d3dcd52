"""LOG001 on small apps: rejections, logging on the path, app-wide mechanisms."""

from __future__ import annotations

from apilint.rule import Example
from apilint.testing import run_example


def _found(source: str, files: tuple[tuple[str, str], ...] = ()) -> set[tuple[str, int, str]]:
    found, expected = run_example(Example(source, files=files), select=("LOG001",))
    assert found == expected.expect
    return found


def test_flask_abort_and_form_error_without_logging():
    found = _found("""
        from flask import Flask, abort, render_template, request

        from users import check

        app = Flask(__name__)


        @app.post("/api/login")
        def api_login():  # expect: LOG001
            if not check(request.form["username"], request.form["password"]):
                abort(401)
            return {"ok": True}


        @app.route("/login", methods=["GET", "POST"])
        def login():  # expect: LOG001
            if request.form.get("password") != "expected":
                return render_template("login.html", error="Invalid credentials")
            return render_template("home.html")


        @app.post("/logout")
        def logout():
            abort(401)
    """, files=(("users.py", "def check(name, password):\n    return False\n"),))
    assert len(found) == 2


def test_logging_in_a_helper_two_calls_deep_counts():
    assert not _found("""
        from flask import Flask, abort, request

        from users import check

        app = Flask(__name__)


        @app.post("/api/login")
        def api_login():
            if not check(request.form["username"], request.form["password"]):
                abort(401)
            return {"ok": True}
    """, files=(("users.py", """
        import structlog

        log = structlog.get_logger()


        def check(name, password):
            return _verify(name, password)


        def _verify(name, password):
            log.warning("login_rejected", user=name)
            return False
    """),))


def test_django_failed_login_receiver_covers_every_endpoint():
    assert not _found("""
        from django.contrib.auth.signals import user_login_failed
        from django.dispatch import receiver
        from flask import Flask, abort

        app = Flask(__name__)


        @receiver(user_login_failed)
        def on_failure(sender, credentials, **kwargs):
            pass


        @app.post("/token")
        def token():
            abort(401)
    """)


def test_exception_handler_that_logs_covers_raised_rejections_only():
    found = _found("""
        import logging

        from fastapi import FastAPI, HTTPException
        from fastapi.responses import JSONResponse

        log = logging.getLogger(__name__)
        app = FastAPI()


        @app.exception_handler(HTTPException)
        async def on_http_error(request, exc):
            log.info("http error %s on %s", exc.status_code, request.url.path)
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


        @app.post("/auth/token")
        def token(password: str) -> dict[str, str]:
            if password != "x":
                raise HTTPException(status_code=401, detail="bad credentials")
            return {}


        @app.post("/auth/login")
        def login(password: str):  # expect: LOG001
            if password != "x":
                return JSONResponse({"detail": "bad credentials"}, status_code=401)
            return {}
    """)
    assert len(found) == 1
