"""Fuzzing: arbitrary source never crashes apilint, and generated apps give stable, correct output.

Profiles (docs/robustness.md): the default `ci` profile is seeded and small (well under a minute);
`APILINT_FUZZ=long` runs thousands of random examples.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

import hypothesmith
import pytest
from apilint.config import Config
from apilint.engine import RunOptions, RunResult, run
from apilint.summarize import summarize_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
settings.register_profile("long", max_examples=2000, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
PROFILE = "long" if os.environ.get("APILINT_FUZZ") == "long" else "ci"
SCALE = 1 if PROFILE == "ci" else 20


def _analyze(files: dict[str, str], jobs: int = 1) -> RunResult:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        return run(Config(root=root), RunOptions((root,), jobs=jobs, use_cache=False, select=("ALL",)))


def _view(result: RunResult) -> tuple[object, ...]:
    findings = tuple((f.code, f.location, f.message, f.severity, f.confidence, f.fingerprint) for f in result.findings)
    routes = tuple((r.method, r.path, r.handler, r.auth.status, r.location) for r in result.routes.routes)
    return findings, routes, tuple(result.diagnostics)


@settings(settings.get_profile(PROFILE), max_examples=40 * SCALE)
@given(source=hypothesmith.from_grammar())
def test_arbitrary_source_never_crashes_summarize(source: str) -> None:
    summary = summarize_source(source.encode("utf-8", errors="surrogatepass"), "fuzz.py")
    pickle.dumps(summary)  # crosses process boundaries and the cache


@settings(settings.get_profile(PROFILE), max_examples=15 * SCALE)
@given(source=hypothesmith.from_node())
def test_arbitrary_module_never_crashes_the_run(source: str) -> None:
    result = _analyze({"fuzz.py": source, "main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    assert not [d for d in result.diagnostics if d.internal]
    assert _view(result) == _view(_analyze({"fuzz.py": source, "main.py":
                                            "from fastapi import FastAPI\napp = FastAPI()\n"}))


# --- generated FastAPI / Flask apps ------------------------------------------------------------

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(lambda s: s not in ("def", "if", "in", "is",
                                                                                         "or", "as", "for"))
SEGMENTS = st.lists(st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
                              NAMES.map(lambda n: "{" + n + "}")), min_size=0, max_size=3)


@dataclass(frozen=True)
class Endpoint:
    method: str
    segments: tuple[str, ...]
    protected: bool
    is_async: bool


@dataclass(frozen=True)
class Router:
    module: str
    prefix: str
    endpoints: tuple[Endpoint, ...]
    router_auth: bool


ENDPOINTS = st.builds(Endpoint, st.sampled_from(["get", "post", "put", "patch", "delete"]),
                      SEGMENTS.map(tuple), st.booleans(), st.booleans())
ROUTERS = st.builds(Router, NAMES, st.from_regex(r"(/[a-z]{1,6}){0,2}", fullmatch=True),
                    st.lists(ENDPOINTS, min_size=1, max_size=4).map(tuple), st.booleans())


def _fastapi_app(routers: list[Router]) -> tuple[dict[str, str], set[tuple[str, str]]]:
    files = {"app/__init__.py": "", "app/routers/__init__.py": "",
             "app/deps.py": "from fastapi import Depends\nfrom fastapi.security import OAuth2PasswordBearer\n\n"
                            "scheme = OAuth2PasswordBearer(tokenUrl='token')\n\n\n"
                            "def current_user(token: str = Depends(scheme)) -> str:\n    return token\n"}
    main = ["from fastapi import FastAPI", ""]
    include = ["", "app = FastAPI()"]
    expected: set[tuple[str, str]] = set()
    for index, router in enumerate(routers):
        module = f"{router.module}_{index}"
        deps = ", dependencies=[Depends(current_user)]" if router.router_auth else ""
        lines = ["from fastapi import APIRouter, Depends", "", "from app.deps import current_user", "",
                 f"router = APIRouter({deps.lstrip(', ')})", ""]
        for number, endpoint in enumerate(router.endpoints):
            params = [s[1:-1] for s in endpoint.segments if s.startswith("{")]
            args = [f"{p}_{i}: str" for i, p in enumerate(params)]
            path = "/" + "/".join(s if not s.startswith("{") else "{" + s[1:-1] + f"_{params.index(s[1:-1])}" + "}"
                                  for s in endpoint.segments)
            if endpoint.protected:
                args.append("user: str = Depends(current_user)")
            prefix = "async def" if endpoint.is_async else "def"
            lines += ["", f"@router.{endpoint.method}({path!r})",
                      f"{prefix} handler_{number}({', '.join(args)}) -> dict:", "    return {}", ""]
            full = (router.prefix + path).rstrip("/") or "/"
            if path == "/" and router.prefix:
                full = router.prefix + "/"
            expected.add((endpoint.method.upper(), full))
        files[f"app/routers/{module}.py"] = "\n".join(lines)
        main.append(f"from app.routers import {module}")
        include.append(f"app.include_router({module}.router, prefix={router.prefix!r})")
    files["app/main.py"] = "\n".join(main + include) + "\n"
    return files, expected


@settings(settings.get_profile(PROFILE), max_examples=20 * SCALE)
@given(routers=st.lists(ROUTERS, min_size=1, max_size=4))
def test_generated_fastapi_apps(routers: list[Router]) -> None:
    files, expected = _fastapi_app(routers)
    first = _analyze(files)
    assert not [d for d in first.diagnostics if d.internal]
    assert _view(first) == _view(_analyze(files))
    paths = {(r.method, r.path.rstrip("/") or "/") for r in first.routes.routes if not r.builtin}
    assert paths == {(m, p.rstrip("/") or "/") for m, p in expected}


@settings(settings.get_profile(PROFILE), max_examples=3 * SCALE)
@given(routers=st.lists(ROUTERS, min_size=26, max_size=30))
def test_generated_apps_same_with_the_pool(routers: list[Router]) -> None:
    files, _ = _fastapi_app(routers)
    assert _view(_analyze(files, jobs=1)) == _view(_analyze(files, jobs=4))


FLASK_ROUTE = st.tuples(st.sampled_from(["GET", "POST", "DELETE"]), SEGMENTS, st.booleans())


@settings(settings.get_profile(PROFILE), max_examples=15 * SCALE)
@given(blueprints=st.lists(st.tuples(NAMES, st.lists(FLASK_ROUTE, min_size=1, max_size=3)), min_size=1,
                           max_size=3))
def test_generated_flask_apps(blueprints: list[tuple[str, list[tuple[str, list[str], bool]]]]) -> None:
    files = {"auth.py": "from functools import wraps\n\n\ndef login_required(f):\n    @wraps(f)\n"
                        "    def inner(*a, **k):\n        return f(*a, **k)\n    return inner\n"}
    app = ["from flask import Flask", ""]
    for index, (name, routes) in enumerate(blueprints):
        module = f"{name}_{index}"
        lines = ["from flask import Blueprint", "", "from auth import login_required", "",
                 f"bp = Blueprint({module!r}, __name__, url_prefix='/{module}')", ""]
        for number, (method, segments, protected) in enumerate(routes):
            rule = "/" + "/".join(s if not s.startswith("{") else "<" + s[1:-1] + ">" for s in segments)
            params = sorted({s[1:-1] for s in segments if s.startswith("{")})
            lines += ["", f"@bp.route({rule!r}, methods=[{method!r}])"]
            lines += ["@login_required"] if protected else []
            lines += [f"def view_{number}({', '.join(params)}):", "    return ''", ""]
        files[f"{module}.py"] = "\n".join(lines)
        app.append(f"from {module} import bp as bp_{index}")
    app += ["", "app = Flask(__name__)"] + [f"app.register_blueprint(bp_{i})" for i in range(len(blueprints))]
    files["app.py"] = "\n".join(app) + "\n"
    first = _analyze(files)
    assert not [d for d in first.diagnostics if d.internal]
    assert _view(first) == _view(_analyze(files))


@pytest.mark.skipif(PROFILE != "long", reason="APILINT_FUZZ=long only")
@settings(settings.get_profile(PROFILE), max_examples=200)
@given(data=st.binary(max_size=4096))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    summary = summarize_source(data, "bytes.py")
    pickle.dumps(summary)
