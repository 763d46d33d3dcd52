"""SECRET001 on small projects: settings, Flask config, env fallbacks, JWT keys and non-production files."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from apilint.testing import analyze_dir


def _run(files: dict[str, str]) -> dict[tuple[str, int], str]:
    """{(file, line): confidence} of every SECRET001 finding."""
    with tempfile.TemporaryDirectory(prefix="apilint-secret-") as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        for rel, source in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(source).strip("\n") + "\n", encoding="utf-8")
        result = analyze_dir(root, select=("SECRET",))
        return {(f.location.file, f.location.line): f.confidence.value for f in result.findings}


def test_django_settings_literal_and_non_production_files():
    files = {
        "mysite/__init__.py": "",
        "mysite/settings/__init__.py": "",
        "mysite/settings/base.py": 'SECRET_KEY = "django-insecure-0a9s8d7f6g5h4j3k2l1"\nDEBUG = False\n',
        "mysite/settings/dev.py": 'from .base import *\nSECRET_KEY = "dev-key"\n',
        "mysite/settings/test_settings.py": 'SECRET_KEY = "test-key"\n',
        "mysite/_build_settings.py": 'SECRET_KEY = "build-time-secret-key"\n',
        "mysite/project_template/settings.py": 'SECRET_KEY = "{{ secret_key }}"\n',
    }
    assert _run(files) == {("mysite/settings/base.py", 1): "high"}
    # production.py star-imports base.py and reads the key from the environment
    files["mysite/settings/production.py"] = 'import os\nfrom .base import *\nSECRET_KEY = os.environ["SECRET_KEY"]\n'
    assert _run(files) == {("mysite/settings/base.py", 1): "low"}


def test_django_single_settings_module_is_high():
    found = _run({"config/settings.py": """
        import os

        SECRET_KEY = "django-insecure-0a9s8d7f6g5h4j3k2l1"
        if os.environ.get("APP_DEBUG"):
            SESSION_SECRET = "only-for-debugging"
        ALLOWED_HOSTS = ["*"]
    """})
    assert found == {("config/settings.py", 3): "high", ("config/settings.py", 5): "low"}


def test_env_fallbacks_are_low_and_placeholders_are_skipped():
    found = _run({"app/config.py": """
        import os

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            secret_key: str = "change-me"
            jwt_secret: str = "a8f5f167f44f4964e6c998dee827110c"


        SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
        JWT_SECRET_KEY = os.getenv("JWT_SECRET_KEY") or "your-jwt-secret-here"
        SESSION_SECRET = os.environ["SESSION_SECRET"]
    """})
    assert found == {("app/config.py", 8): "low", ("app/config.py", 11): "low"}


def test_flask_config_forms():
    found = _run({"app/__init__.py": """
        from flask import Flask


        class Config:
            SECRET_KEY = "flask-secret"


        class DevelopmentConfig(Config):
            JWT_SECRET_KEY = "dev-only"


        def create_app():
            app = Flask(__name__)
            app.config["JWT_SECRET_KEY"] = "jwt-signing-secret"
            app.secret_key = b"bytes-key"
            app.config.update(SECRET_KEY="another")
            return app


        def create_tutorial_app():
            app = Flask(__name__)
            app.config.from_mapping(SECRET_KEY="dev")
            app.config.from_pyfile("config.py", silent=True)
            return app
    """})
    assert found == {("app/__init__.py", 5): "high", ("app/__init__.py", 14): "high",
                     ("app/__init__.py", 15): "high", ("app/__init__.py", 16): "high",
                     ("app/__init__.py", 22): "low"}


def test_jwt_key_literal_and_constant_from_another_module():
    found = _run({
        "app/__init__.py": "",
        "app/consts.py": 'TOKEN_KEY = "shared-signing-key"\nOTHER = "not a key"\n',
        "app/auth.py": """
            import jwt

            from app.consts import TOKEN_KEY


            def issue(uid: int) -> str:
                return jwt.encode({"sub": uid, "exp": 1}, TOKEN_KEY, algorithm="HS256")


            def check(token: str) -> dict:
                return jwt.decode(token, "inline-secret", algorithms=["HS256"])


            def check_env(token: str, key: str) -> dict:
                return jwt.decode(token, key, algorithms=["HS256"])
        """,
    })
    assert found == {("app/consts.py", 1): "high", ("app/auth.py", 11): "high"}


def test_session_middleware_keyword():
    found = _run({"main.py": """
        from fastapi import FastAPI
        from starlette.middleware.sessions import SessionMiddleware

        app = FastAPI()
        app.add_middleware(SessionMiddleware, secret_key="super-secret-session-key")
    """})
    assert found == {("main.py", 5): "high"}


def _codes(files: dict[str, str], select: str) -> dict[tuple[str, int], str]:
    """{(file, line): confidence} of every finding of the selected codes."""
    with tempfile.TemporaryDirectory(prefix="apilint-secret-") as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        for rel, source in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(source).strip("\n") + "\n", encoding="utf-8")
        result = analyze_dir(root, select=(select,))
        return {(f.location.file, f.location.line): f.confidence.value for f in result.findings}


def test_credential_names_values_and_contexts():
    found = _codes({"app/settings.py": """
        import os

        DB_PASSWORD = "Tz81kQm2Lp"
        PASSWORD_RESET_TIMEOUT = 3600
        API_KEY_HEADER = "X-API-Key"
        PASSWORD = "password"
        SMTP_PASSWORD_ENV = "SMTP_PASSWORD"
        STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]
        MAILGUN_API_KEY = os.getenv("MAILGUN_API_KEY", "changeme")
        REDIS_PASSWORD = os.getenv("REDIS_PASSWORD", "r3dis-local-pw")
        SENTRY_DSN = ""
        ADMIN_TOKEN = "{{ admin_token }}"
        CACHES = {"default": {"OPTIONS": {"PASSWORD": "Qw8mZ1xLp3"}}}
        BROKER_URL = "amqp://shop:Hk29xLq0pe@rabbit.internal:5672//"
        LOCAL_DB = "postgresql://postgres:postgres@localhost/shop"
        DOCS_URL = "postgresql://user:password@localhost/dbname"
        GITHUB_TOKEN = "ghp_" + "a" * 36
    """}, "SECRET002")
    assert found == {("app/settings.py", 3): "high", ("app/settings.py", 10): "low", ("app/settings.py", 13): "high",
                     ("app/settings.py", 14): "high", ("app/settings.py", 15): "low"}


def test_credential_call_arguments_and_token_formats():
    found = _codes({"app/clients.py": """
        import psycopg2
        import requests
        import stripe
        from django.contrib.auth import authenticate

        stripe.api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"


        def connect():
            return psycopg2.connect(host="db", user="app", password="Lq82mZx0pW")


        def fetch():
            return requests.get("https://api.partner.example/v1", auth=("svc", "Pn38xQz1Lm"))


        def check(request):
            return authenticate(request, username="svc", password="Zz19qLm4Xc")


        def message():
            return "Enter your password"
    """}, "SECRET002")
    assert found == {("app/clients.py", 6): "high", ("app/clients.py", 10): "medium", ("app/clients.py", 14): "medium"}


def test_seeded_accounts_and_loop_tables():
    found = _codes({
        "app/__init__.py": "",
        "app/users.py": """
            def create_user(db, email: str, password: str, admin: bool = False):
                ...
        """,
        "app/seed.py": """
            import os

            from django.contrib.auth.models import User

            from app.users import create_user


            def run(db):
                create_user(db, "admin@example.com", "Admin123!", True)
                create_user(db, email="ops@example.com", password=os.getenv("OPS_PASSWORD", "ops"))
                create_user(db, email="bot@example.com", password=os.environ["BOT_PASSWORD"])
                User.objects.create_superuser("root", "root@example.com", "toor")
        """,
        "app/views.py": """
            from app.users import create_user


            def register(db, form):
                return create_user(db, form["email"], form["password"])
        """,
        "scripts/init_db.py": """
            import sqlite3


            def init_users():
                users = [("admin", "SuperSecret"), ("tim", "12345678")]
                conn = sqlite3.connect("users.db")
                for name, pw in users:
                    conn.execute("INSERT INTO users (username, password) VALUES (?, ?)", (name, pw))
        """,
    }, "SECRET004")
    assert found == {("app/seed.py", 9): "medium", ("app/seed.py", 10): "low", ("app/seed.py", 12): "medium",
                     ("scripts/init_db.py", 5): "medium"}


def test_weak_generated_session_keys():
    found = _codes({"app.py": """
        import os
        import random
        import secrets
        import string

        from flask import Flask

        app = Flask(__name__)
        app.secret_key = secrets.token_hex(4)
        app.config["SESSION_SECRET"] = "".join(random.choice(string.ascii_letters) for _ in range(40))
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", secrets.token_urlsafe(32))
        SIGNING_KEY = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    """}, "SECRET005")
    assert found == {("app.py", 9): "high", ("app.py", 10): "high"}


def test_credential_parameter_defaults():
    found = _codes({"app/mail.py": """
        def send(to: str, user: str = "mailer", password: str = "Mq28vLx0Zp", token: str = "") -> None:
            ...


        def connect(api_key: str = "ollama") -> None:
            ...
    """}, "SECRET002")
    assert found == {("app/mail.py", 1): "medium"}


def test_password_compared_with_a_literal():
    found = _codes({"app/views.py": """
        from flask import request


        def admin_login():
            if request.form["password"] == "Sup3rAdm1n!":
                return "ok"
            if request.form.get("password") != "":
                return "no"
            return "missing"
    """}, "SECRET002")
    assert found == {("app/views.py", 5): "medium"}


def test_field_starting_values_in_schemas_and_serializers():
    found = _codes({"app/schemas.py": """
        from pydantic import BaseModel, Field
        from rest_framework import serializers


        class PartnerConfig(BaseModel):
            api_key: str = Field(default="pk9Xw2Lq7Rt4Mz8Nv3Bc")
            client_secret: str = Field("yT6hn1Kd8wq3LS5pz0Rv")
            password: str = Field(..., examples=["Hk29xLq0pe"])
            token: str = Field(default="changeme")
            refresh_token: str | None = Field(default=None, description="the refresh token")
            on_pass: str = Field(default="allow", description="next step when the check passes")


        class SignupSerializer(serializers.Serializer):
            password = serializers.CharField(write_only=True, min_length=12)
            api_secret = serializers.CharField(default="qw8mZ1xLp3vb6NC2")
    """}, "SECRET002")
    # a literal default or initial value is medium at most; an example, a required field, a
    # placeholder default, None and a word held by a `*_pass` choice are not credentials
    assert found == {("app/schemas.py", 6): "medium", ("app/schemas.py", 7): "medium",
                     ("app/schemas.py", 16): "medium"}


def test_fixed_credential_handed_out_by_a_handler():
    app = """
        import secrets

        from flask import Flask, jsonify

        app = Flask(__name__)


        @app.get("/internal/token")
        def internal_token():
            return jsonify({"token": "R7fKq2LmXw9TzB4vNc8HsJ3pYd6gQe1aU"})


        @app.get("/internal/key")
        def internal_key():
            return {"api_key": "k8Dw-2mPq-Lx0v-Rt5e"}


        @app.post("/tokens")
        def issue_token():
            return jsonify({"token": secrets.token_urlsafe(32), "token_type": "bearer"})


        @app.get("/docs/example")
        def example_response():
            return {"token": "string", "detail": "an example of the answer"}
    """
    assert _codes({"app.py": app}, "SECRET002") == {("app.py", 10): "medium", ("app.py", 15): "medium"}


def test_accounts_inserted_by_hand_written_sql():
    found = _codes({
        "app/__init__.py": "",
        "app/schema.py": """
            USERS = "CREATE TABLE IF NOT EXISTS app_users (id INTEGER PRIMARY KEY, name TEXT, passwd TEXT, role TEXT)"
        """,
        "app/bootstrap.py": """
            import os
            import sqlite3

            from werkzeug.security import generate_password_hash


            def bootstrap(conn):
                conn.execute("INSERT INTO app_users VALUES (1, 'admin', 'admin', 'admin')")
                sql = "INSERT INTO app_users (name, passwd) VALUES (%s, %s)"
                conn.cursor().execute(sql, ("ops", generate_password_hash("ops-2024")))
                conn.execute("INSERT INTO app_users (name, passwd) VALUES (:n, :p)", {"n": "bot", "p": "b0t!"})
                conn.execute("INSERT INTO app_users (name, passwd) VALUES (?, ?)", ("env", os.environ["ENV_PW"]))
                conn.execute("INSERT INTO app_users (name, passwd) VALUES ('h', '$2b$12$KIXQJj0ZcS1fRzF1')")
                conn.execute("INSERT INTO app_users (name, role) VALUES ('guest', 'viewer')")
                conn.execute("INSERT INTO smtp_relays (host, password) VALUES ('mx', 'relay-pw')")
                conn.execute("INSERT INTO app_users (name, passwd) VALUES (NULL, NULL)")
        """,
        "app/views.py": """
            def add_member(conn):
                conn.execute("INSERT INTO members (email, password) VALUES ('demo@example.com', 'demo')")
        """,
    }, "SECRET004")
    # no column list: the columns come from CREATE TABLE; a stored hash, an environment value, a
    # table of service settings and NULL are not typed passwords; outside set-up code: low
    assert found == {("app/bootstrap.py", 8): "medium", ("app/bootstrap.py", 10): "medium",
                     ("app/bootstrap.py", 11): "medium", ("app/views.py", 2): "low"}
