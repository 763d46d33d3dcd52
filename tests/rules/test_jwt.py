"""JWT001-JWT003 on small modules: library resolution, literal options, peek-then-verify, claims."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import pytest
from apilint.testing import analyze_dir, collect_expectations

Key = tuple[str, int, str]


def _run(files: dict[str, str], select: str = "JWT") -> tuple[dict[Key, str], set[Key]]:
    """Analyze the files; return {(file, line, code): confidence} and the `# expect:` markers."""
    with tempfile.TemporaryDirectory(prefix="apilint-jwt-") as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        for rel, source in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(source).strip("\n") + "\n", encoding="utf-8")
        result = analyze_dir(root, select=(select,))
        found = {(f.location.file, f.location.line, f.code): f.confidence.value for f in result.findings}
        return found, collect_expectations(root).expect


CASES = {
    "pyjwt-options-variable-and-none-alg": """
        import jwt

        NO_VERIFY = {"verify_signature": False}


        def read(token):
            opts = {"verify_signature": False}
            a = jwt.decode(token, options=opts)  # expect: JWT001
            b = jwt.decode(token, "k", options=NO_VERIFY)  # expect: JWT001
            c = jwt.decode(token, "k", algorithms=["HS256", "none"])  # expect: JWT001
            return a, b, c
    """,
    "jose-and-aliases": """
        import jwt as pyjwt
        from jose import jwt as jose_jwt
        from jwt import decode


        def read(token):
            return jose_jwt.get_unverified_claims(token)  # expect: JWT001


        def legacy(token):
            return pyjwt.decode(token, verify=False)  # expect: JWT001


        def direct(token):
            return decode(token, "k", options={"verify_signature": False})  # expect: JWT001
    """,
    "peek-then-verify-is-silent": """
        import jwt

        KEYS = {"a": "k1"}


        def read(token):
            unverified = jwt.decode(token, options={"verify_signature": False})
            key = KEYS[unverified["iss"]]
            return jwt.decode(token, key, algorithms=["HS256"])
    """,
    "unrelated-decode-is-silent": """
        import base64


        class jwt:
            @staticmethod
            def decode(token, options=None):
                return base64.b64decode(token)


        def read(token, raw: bytes):
            raw.decode("utf-8", errors="ignore")
            return jwt.decode(token, options={"verify_signature": False})
    """,
    "algorithms-unpinned": """
        import jwt
        from jose import jwt as jose_jwt

        KEY = open("/run/secrets/jwt.pem").read()


        def jose_no_algs(token):
            return jose_jwt.decode(token, KEY)  # expect: JWT002


        def from_header(token):
            header = jwt.get_unverified_header(token)
            alg = header["alg"]
            return jwt.decode(token, KEY, algorithms=[alg])  # expect: JWT002


        def from_header_checked(token):
            alg = jwt.get_unverified_header(token)["alg"]
            if alg not in ("RS256",):
                raise ValueError("bad alg")
            return jwt.decode(token, KEY, algorithms=[alg])


        def mixed(token):
            return jwt.decode(token, KEY, algorithms=["HS256", "RS256"])  # expect: JWT002


        def pinned(token):
            return jwt.decode(token, KEY, algorithms=["RS256"])
    """,
    "expiry": """
        import time

        import jwt

        KEY = open("/run/secrets/jwt.key").read()


        def create_access_token(user_id: int) -> str:
            return jwt.encode({"sub": str(user_id)}, KEY, algorithm="HS256")  # expect: JWT003


        def create_refresh_token(user_id: int) -> str:
            claims = {"sub": str(user_id), "type": "refresh"}
            claims["exp"] = int(time.time()) + 3600
            return jwt.encode(claims, KEY, algorithm="HS256")


        def sign(extra: dict) -> str:
            return jwt.encode({"kind": "x", **extra}, KEY, algorithm="HS256")


        def from_param(claims: dict) -> str:
            return jwt.encode(claims, KEY, algorithm="HS256")


        def unsigned_assertion(client_id: str) -> str:
            return jwt.encode({"iss": client_id}, key=None, algorithm="none")  # expect: JWT001


        def read(token: str) -> dict:
            return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})  # expect: JWT003


        def fresh(token: str, now: int) -> bool:
            claims = jwt.decode(token, KEY, algorithms=["HS256"],
                                options={"verify_exp": False, "require": ["exp", "iat"]})
            return claims["iat"] <= now + 30 and now < claims["exp"]


        def required_checked_by_the_caller(token: str) -> dict:
            options = {"verify_exp": False, "require": ["exp"]}
            return jwt.decode(token, KEY, algorithms=["HS256"], options=options)  # expect: JWT003
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_jwt_cases(name: str):
    found, expected = _run({"app/__init__.py": "", "app/auth.py": CASES[name]})
    assert set(found) == expected


def test_confidence_follows_the_library_and_the_context():
    found, _ = _run({"auth.py": CASES["algorithms-unpinned"]})
    assert {line: conf for (_, line, _), conf in found.items()} == {8: "medium", 14: "high", 25: "low"}


def test_expiry_switched_off_but_required_is_low_unless_the_function_compares_it():
    found, _ = _run({"auth.py": CASES["expiry"]})
    decodes = {line: conf for (_, line, code), conf in found.items() if code == "JWT003" and line > 30}
    assert decodes == {31: "high", 42: "low"}


def test_jose_get_unverified_claims_is_medium_and_session_token_without_exp_is_low():
    found, _ = _run({"svc.py": """
        import jwt
        from jose import jwt as jose_jwt

        KEY = open("/run/secrets/k").read()


        def who(token):
            return jose_jwt.get_unverified_claims(token)["sub"]


        def channel_cookie(channel: str) -> str:
            return jwt.encode({"channel": channel}, KEY, algorithm="HS256")
    """})
    assert found == {("svc.py", 8, "JWT001"): "medium", ("svc.py", 12, "JWT003"): "low"}


def test_test_files_are_not_judged_even_when_analyzed():
    found, _ = _run({"pyproject.toml": "[tool.apilint]\ninclude-tests = true\n",
                     "tests/test_auth.py": CASES["jose-and-aliases"], "app/conftest.py": CASES["expiry"]})
    assert found == {}


def test_weak_keys_are_reported_once_where_written():
    found, _ = _run({
        "app/__init__.py": "",
        "app/config.py": """
            import os
            import random


            def _key():
                return str(random.randint(0, 999999))


            class Settings:
                JWT_SECRET = os.getenv("JWT_SECRET", _key())
                JWT_REFRESH_SECRET = "9c1f0e7a4b2d8e6f3a5c7b9d1e2f4a6c"


            settings = Settings()
        """,
        "app/auth.py": """
            import jwt

            from app.config import Settings, settings

            LEGACY_KEY = "secret"
            PARTNER_KEY = "zzzzzzzzzzzzzzzzzzzz"


            def issue(uid: int) -> str:
                return jwt.encode({"sub": str(uid), "exp": 1}, Settings.JWT_SECRET, algorithm="HS256")


            def check(token: str) -> dict:
                return jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"])


            def refresh(token: str) -> dict:
                return jwt.decode(token, Settings.JWT_REFRESH_SECRET, algorithms=["HS256"])


            def legacy(token: str) -> dict:
                return jwt.decode(token, LEGACY_KEY, algorithms=["HS256"])


            def partner(token: str) -> dict:
                return jwt.decode(token, PARTNER_KEY, algorithms=["HS512"])


            def signed_by_partner(token: str, public_key: str) -> dict:
                return jwt.decode(token, "pub", algorithms=["RS256"])
        """,
    }, select="JWT004")
    assert found == {("app/config.py", 10, "JWT004"): "medium", ("app/auth.py", 5, "JWT004"): "high",
                     ("app/auth.py", 6, "JWT004"): "high"}


def test_key_shared_with_sessions_only_where_sessions_exist():
    files = {
        "app.py": """
            import jwt
            from django.conf import settings
            from flask import current_app


            def flask_token(uid: int) -> str:
                return jwt.encode({"sub": uid, "exp": 1}, current_app.config.get("SECRET_KEY"), algorithm="HS256")


            def django_token(uid: int) -> str:
                return jwt.encode({"sub": uid, "exp": 1}, settings.SECRET_KEY, algorithm="HS256")
        """,
    }
    found, _ = _run(files, select="JWT005")
    assert found == {("app.py", 11, "JWT005"): "low"}
    files["views.py"] = "from flask import session\n\n\ndef remember(uid):\n    session['uid'] = uid\n"
    found, _ = _run(files, select="JWT005")
    assert found == {("app.py", 7, "JWT005"): "low", ("app.py", 11, "JWT005"): "low"}


def test_subject_lookup_follows_helpers_and_respects_revocation():
    files = {
        "auth.py": """
            import os

            import jwt

            from models import User

            KEY = os.environ["KEY"]


            def subject_of(token):
                payload = jwt.decode(token, KEY, algorithms=["HS256"])
                return payload["sub"]


            def current_user(header):
                resp = subject_of(header.split(" ")[1])
                return User.query.filter_by(username=resp).first()


            def by_id(token):
                payload = jwt.decode(token, KEY, algorithms=["HS256"])
                return User.query.get(payload["sub"])
        """,
    }
    found, _ = _run(files, select="JWT006")
    assert found == {("auth.py", 17, "JWT006"): "low"}
    files["revoke.py"] = "REVOKED_TOKENS: set[str] = set()\n"
    found, _ = _run(files, select="JWT006")
    assert found == {}


def test_unsigned_tokens_are_reported():
    found, _ = _run({"svc.py": """
        import jwt

        NONE = "none"


        def assertion(claims: dict) -> str:
            return jwt.encode(claims, None, algorithm=NONE)


        def signed(claims: dict, key: str) -> str:
            return jwt.encode(claims, key, algorithm="HS256")
    """}, select="JWT001")
    assert found == {("svc.py", 7, "JWT001"): "low"}


def test_tokens_the_code_says_come_from_the_identity_provider_are_lower_confidence():
    """An OpenID Connect id_token (module level, method, attribute) and a helper named for
    unverified claims are low; other tokens in single sign-on code are medium; a bearer token
    read from the request stays high."""
    found, _ = _run({
        "app/__init__.py": "",
        "app/login.py": """
            import jwt


            def claims_from_provider(token_response: dict) -> dict:
                id_token = token_response["id_token"]
                return jwt.decode(id_token, options={"verify_signature": False})


            class Callback:
                def roles(self) -> list:
                    return jwt.decode(self._id_token, options={"verify_signature": False})["roles"]


            def get_unverified_claims(token: str) -> dict:
                return jwt.decode(token, options={"verify_signature": False})


            def current_user(request) -> str:
                token = request.headers["Authorization"].removeprefix("Bearer ")
                return jwt.decode(token, options={"verify_signature": False})["sub"]
        """,
        "app/sso/handler.py": """
            import jwt


            def roles_from_access_token(access_token: str) -> list:
                return jwt.decode(access_token, options={"verify_signature": False}).get("roles", [])
        """,
    }, select="JWT001")
    assert found == {
        ("app/login.py", 6, "JWT001"): "low",
        ("app/login.py", 11, "JWT001"): "low",
        ("app/login.py", 15, "JWT001"): "low",
        ("app/login.py", 20, "JWT001"): "high",
        ("app/sso/handler.py", 5, "JWT001"): "medium",
    }
