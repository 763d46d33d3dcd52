"""`[tool.apilint.checklist]`: declared evidence, validated like the rest of the config."""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.checklist import Step
from apilint.checklist.declared import declaration_for
from apilint.config import Config, ConfigError, load_config
from apilint.model import Location, Route


def _load(tmp_path: Path, body: str) -> Config:
    (tmp_path / "pyproject.toml").write_text("[tool.apilint.checklist]\n" + body, encoding="utf-8")
    return load_config(tmp_path / "pyproject.toml")


def _route(path: str, app: str = "app.main.app") -> Route:
    return Route("fastapi", "POST", path, path, "h", Location("a.py", 1), app=app)


def test_step_keys_and_declare_entries(tmp_path: Path) -> None:
    config = _load(tmp_path, '''https = "TLS terminated at the load balancer"

[[tool.apilint.checklist.declare]]
paths = ["/api/*"]
steps = { rate_limiting = "Kong rate-limit plugin", request_size = "nginx client_max_body_size 1m" }

[[tool.apilint.checklist.declare]]
apps = ["admin.*"]
steps = { https = "internal network only" }
''')
    steps = [(d.step, d.text, d.paths, d.apps) for d in config.checklist]
    assert steps == [
        (Step.HTTPS, "TLS terminated at the load balancer", (), ()),
        (Step.RATE_LIMITING, "Kong rate-limit plugin", ("/api/*",), ()),
        (Step.REQUEST_SIZE, "nginx client_max_body_size 1m", ("/api/*",), ()),
        (Step.HTTPS, "internal network only", (), ("admin.*",)),
    ]
    api = _route("/api/items")
    assert declaration_for(config.checklist, api, Step.RATE_LIMITING) is not None
    assert declaration_for(config.checklist, _route("/health"), Step.RATE_LIMITING) is None
    admin_https = declaration_for(config.checklist, _route("/x", app="admin.site"), Step.HTTPS)
    assert admin_https is not None and admin_https.text == "internal network only"
    assert declaration_for(config.checklist, api, Step.HTTPS).text == "TLS terminated at the load balancer"


def test_declarations_do_not_change_the_cache_fingerprint(tmp_path: Path) -> None:
    assert _load(tmp_path, 'https = "LB"\n').fingerprint() == Config(root=tmp_path).fingerprint()


def test_yaml_config(tmp_path: Path) -> None:
    (tmp_path / ".apilint.yaml").write_text("checklist:\n  cors: gateway strips CORS\n  declare:\n"
                                            "    - paths: ['/v2/*']\n      steps: {idempotency: 'Stripe keys'}\n",
                                            encoding="utf-8")
    config = load_config(tmp_path / ".apilint.yaml")
    assert [(d.step, d.paths) for d in config.checklist] == [(Step.CORS, ()), (Step.IDEMPOTENCY, ("/v2/*",))]


@pytest.mark.parametrize(("body", "message"), [
    ('htps = "LB"\n', "unknown key 'checklist.htps' (did you mean 'https'?)"),
    ('https = ""\n', "'checklist.https': expected a non-empty string"),
    ("https = 1\n", "'checklist.https': expected a non-empty string"),
    ('declare = "x"\n', "'checklist.declare' must be an array of tables"),
    ('[[tool.apilint.checklist.declare]]\npath = ["/a"]\nsteps = {https = "x"}\n',
     "'checklist.declare' entry 1: unknown key 'path' (did you mean 'paths'?)"),
    ('[[tool.apilint.checklist.declare]]\npaths = ["/a"]\n', "'checklist.declare' entry 1: 'steps' is required"),
    ('[[tool.apilint.checklist.declare]]\nsteps = {rate_limit = "x"}\n',
     "unknown step 'rate_limit' (did you mean 'rate_limiting'?)"),
    ('[[tool.apilint.checklist.declare]]\npaths = "/a"\nsteps = {https = "x"}\n', "'paths': expected a list"),
])
def test_invalid_tables_name_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, body)
    assert message in str(err.value)
    assert str(tmp_path / "pyproject.toml") in str(err.value)
