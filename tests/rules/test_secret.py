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
