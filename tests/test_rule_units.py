"""Per-module rule results kept between runs (`apilint.rule_units`, `apilint.module_keys`).

The contract: after any edit, a run that reuses the last run's per-module results reports
exactly what a run without a cache reports. The edits below each change something a kept
result depends on without changing the module the result belongs to (a helper it calls, a
module a name starts resolving to, the routes that enter it, a module deleted), so a key that
missed a dependency would leave a stale finding or miss a new one.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from apilint import engine, rule_runner
from apilint.config import Config
from apilint.module_keys import ModuleKeys, referenced_names, summary_digest, with_key_facts
from apilint.project import ProjectIndex
from apilint.summarize import summarize_source
from apilint.summary import ModuleSummary


@pytest.fixture(autouse=True)
def _private_key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def _summary(path: str, source: str) -> ModuleSummary:
    module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return with_key_facts(summarize_source(textwrap.dedent(source).encode(), path, path)) \
        if module else summarize_source(b"", path, path)


# --- keys ---------------------------------------------------------------------------------


def test_referenced_names_cover_imports_local_imports_and_dotted_chains() -> None:
    mod = _summary("app/jobs.py", """
        import django
        from app import helpers as h

        def run():
            from app.tools import shell
            django.utils.html.escape(h.clean("x"))
            return shell
    """)
    refs = set(referenced_names(mod))
    assert {"django", "django.utils", "django.utils.html", "django.utils.html.escape"} <= refs
    assert {"app", "app.helpers", "app.helpers.clean", "app.tools", "app.tools.shell"} <= refs


def test_digest_ignores_what_no_other_module_reads() -> None:
    base = "def run(cmd):\n    return cmd\n"
    assert summary_digest(summarize_source(base.encode(), "a.py", "a.py")) == \
        summary_digest(summarize_source((base + "# a note at the end\n").encode(), "a.py", "a.py"))
    assert summary_digest(summarize_source(base.encode(), "a.py", "a.py")) != \
        summary_digest(summarize_source(base.replace("cmd\n", "cmd.strip()\n").encode(), "a.py", "a.py"))


def _keys(*modules: ModuleSummary) -> dict[str, str | None]:
    keys = ModuleKeys(ProjectIndex(modules))
    return {mod.path: keys.key(mod) for mod in modules}


def test_a_key_covers_what_the_module_reaches_and_nothing_else() -> None:
    jobs = _summary("app/jobs.py", "from app.helpers import run\n\ndef nightly():\n    run('x')\n")
    helpers = _summary("app/helpers.py", "from app.base import shell\n\ndef run(cmd):\n    shell(cmd)\n")
    base = _summary("app/base.py", "def shell(cmd):\n    return cmd\n")
    other = _summary("app/other.py", "def unrelated():\n    return 1\n")
    before = _keys(jobs, helpers, base, other)
    base2 = _summary("app/base.py", "import os\n\ndef shell(cmd):\n    return os.system(cmd)\n")
    after = _keys(jobs, helpers, base2, other)
    assert after["app/jobs.py"] != before["app/jobs.py"]  # two imports away
    assert after["app/helpers.py"] != before["app/helpers.py"]
    assert after["app/other.py"] == before["app/other.py"]
    # a module that a name starts resolving to changes the key, though nothing else changed
    tools = _summary("app/helpers/__init__.py", "")
    assert _keys(jobs, helpers, base, other)["app/jobs.py"] == before["app/jobs.py"]
    assert _keys(jobs, base, other, tools)["app/jobs.py"] != _keys(jobs, base, other)["app/jobs.py"]


def test_modules_importing_each_other_share_their_key_and_summaries_without_facts_have_none() -> None:
    a = _summary("pkg/a.py", "from pkg import b\n\ndef f():\n    return b.g()\n")
    b = _summary("pkg/b.py", "from pkg import a\n\ndef g():\n    return a.f()\n")
    keys = _keys(a, b)
    assert keys["pkg/a.py"] == keys["pkg/b.py"] is not None
    bare = summarize_source(b"def g():\n    return 1\n", "pkg/b.py", "pkg/b.py")  # no digest
    assert _keys(a, bare)["pkg/a.py"] is None


# --- edit and compare ---------------------------------------------------------------------

_FILES = {
    "app/__init__.py": "",
    "app/web.py": """
        from flask import Flask, jsonify

        app = Flask(__name__)


        @app.get("/ping")
        def ping():
            return jsonify(ok=True)
    """,
    "app/helpers.py": """
        import subprocess


        def run(cmd):
            return subprocess.call(cmd, shell=True)
    """,
    "app/jobs.py": """
        from flask import request

        from app.helpers import run


        def nightly():
            # runs the export command the scheduler posts, through the system shell
            run(request.args["cmd"])
    """,
    "app/seed.py": """
        from django.contrib.auth.models import User


        def seed_admin():
            User.objects.create_superuser("admin", "admin@example.com", "hunter2hunter2")
    """,
    "app/client.py": """
        import requests


        def fetch(url):
            return requests.get(url, verify=False, timeout=5)
    """,
    "app/reports.py": """
        from flask import request

        from app.tools import render


        def monthly():
            # renders the monthly report with the system report tool
            return render(request.args["q"])
    """,
}

_EDITS: list[tuple[str, str, str | None]] = [
    ("a comment at the end of a helper", "app/helpers.py", "import subprocess\n\n\ndef run(cmd):\n"
     "    return subprocess.call(cmd, shell=True)\n# reviewed\n"),
    ("the helper no longer runs a shell", "app/helpers.py", "import subprocess\n\n\ndef run(cmd):\n"
     "    return subprocess.call(['echo', cmd])\n"),
    ("the helper runs a shell again", "app/helpers.py", _FILES["app/helpers.py"]),
    ("a module a name resolves to appears", "app/tools.py", "import os\n\n\ndef render(q):\n"
     "    return os.system('report ' + q)\n"),
    ("a route enters the function", "app/web.py", _FILES["app/web.py"] + "\n\nfrom app.jobs import nightly\n"
     "app.add_url_rule('/nightly', view_func=nightly, methods=['POST'])\n"),
    ("the helper is deleted", "app/helpers.py", None),
    ("a password read from the environment", "app/seed.py", "import os\n\nfrom django.contrib.auth.models "
     "import User\n\n\ndef seed_admin():\n    User.objects.create_superuser('admin', 'a@example.com', "
     "os.environ['ADMIN_PASSWORD'])\n"),
    ("certificates verified", "app/client.py", "import requests\n\n\ndef fetch(url):\n"
     "    return requests.get(url, timeout=5)\n"),
]


def _write(project: Path, rel: str, text: str | None) -> None:
    path = project / rel
    if text is None:
        path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _run(project: Path, cache_dir: Path | None, jobs: int) -> engine.RunResult:
    options = engine.RunOptions((project,), jobs=jobs, use_cache=cache_dir is not None, cache_dir=cache_dir,
                                select=("ALL",))
    return engine.run(Config(root=project), options)


def _view(result: engine.RunResult) -> list[tuple[object, ...]]:
    return [(f.code, f.location, f.message, f.confidence, f.severity, f.route, f.symbol) for f in result.findings]


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_after_each_edit_match_a_run_without_cache(tmp_path: Path, jobs: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    if jobs > 1:  # the rules in two halves, one in a forked worker whose results come back
        monkeypatch.setattr(rule_runner, "SPLIT_RULES_MODULES", 1)
        monkeypatch.setattr(rule_runner, "REUSED_HERE", 2.0)
    project = tmp_path / "project"
    for rel, text in _FILES.items():
        _write(project, rel, text)
    cache_dir = tmp_path / "cache"
    first = _run(project, cache_dir, jobs)
    assert _view(first) == _view(_run(project, None, jobs))
    codes = {f.code for f in first.findings}
    assert {"INJ002", "SECRET004", "TLS003"} <= codes  # what the edits below take away
    seen_codes = [codes]
    reusing = 0
    for what, rel, text in _EDITS:
        _write(project, rel, text)
        kept = _run(project, cache_dir, jobs)
        assert _view(kept) == _view(_run(project, None, jobs)), what
        # (a tree seen before is answered by the whole-run result: no index, nothing to reuse)
        reusing += bool(kept.index.units is not None and kept.index.units.reused)
        seen_codes.append({f.code for f in kept.findings})
    assert reusing >= len(_EDITS) - 1
    # the edits did change the findings (so the comparison above compared something)
    assert "INJ002" not in seen_codes[2] and "INJ002" in seen_codes[3]
    assert any("app.jobs.nightly()" in f.message for f in first.findings if f.code == "INJ002")
    assert not {"SECRET004", "TLS003"} & seen_codes[-1]


def test_a_stored_result_of_another_config_or_code_is_not_reused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for rel, text in _FILES.items():
        _write(project, rel, text)
    cache_dir = tmp_path / "cache"
    _run(project, cache_dir, 1)
    _write(project, "app/web.py", _FILES["app/web.py"] + "\n# touched\n")
    options = engine.RunOptions((project,), jobs=1, cache_dir=cache_dir, select=("ALL",))
    other = engine.run(Config(root=project, ignore=("CORS001",)), options)
    assert other.index.units is not None and other.index.units.reused == 0


def test_scans_are_kept_beside_the_summaries_and_read_only_when_needed(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The pattern rules' scan of a module is stored apart from its summary: a run that reuses a
    module's results does not load it; one that makes them again reads it back, not rebuilding it."""
    from apilint.cache import SummaryCache
    from apilint.rules import _scan

    project = tmp_path / "project"
    for rel, text in _FILES.items():
        _write(project, rel, text)
    cache_dir = tmp_path / "cache"
    first = _run(project, cache_dir, 1)
    assert len(list(cache_dir.glob("*/*.scan"))) == first.files_analyzed
    loaded: list[str] = []
    built: list[str] = []
    load_scan, scan = SummaryCache.load_scan, _scan._Scanner.scan

    def loading(self: SummaryCache, key: str) -> object | None:
        loaded.append(key)
        return load_scan(self, key)

    def building(self: _scan._Scanner, mod: ModuleSummary) -> _scan.ModuleScan:
        built.append(mod.path)
        return scan(self, mod)

    monkeypatch.setattr(SummaryCache, "load_scan", loading)
    monkeypatch.setattr(_scan._Scanner, "scan", building)
    _write(project, "app/client.py", textwrap.dedent(_FILES["app/client.py"]) + "# reviewed\n")
    assert _view(_run(project, cache_dir, 1)) == _view(first)
    assert built == ["app/client.py"] and not loaded  # its own scan, made with its summary
    built.clear()
    _write(project, "app/helpers.py", "import os\n\n\ndef run(cmd):\n    return os.system(cmd)\n")
    kept = _run(project, cache_dir, 1)
    assert built == ["app/helpers.py"]
    assert loaded  # app/jobs.py reaches the helper: its results are made again from its stored scan
    assert _view(kept) == _view(_run(project, None, 1))


def test_a_key_follows_a_name_through_a_re_export_to_a_submodule() -> None:
    """`from pkg import api; api.sub.run()` where `pkg` re-exports `api` from `pkg.impl` and only a
    third module imports `pkg.impl.api.sub`: the key still covers `sub`."""
    user = _summary("app/jobs.py", "from pkg import api\n\ndef nightly(cmd):\n    api.sub.run(cmd)\n")
    init = _summary("pkg/__init__.py", "from pkg.impl import api\n")
    impl = _summary("pkg/impl/__init__.py", "")
    api = _summary("pkg/impl/api/__init__.py", "")
    third = _summary("app/boot.py", "import pkg.impl.api.sub\n")
    sub = _summary("pkg/impl/api/sub.py", "def run(cmd):\n    return cmd\n")
    sub2 = _summary("pkg/impl/api/sub.py", "import os\n\ndef run(cmd):\n    return os.system(cmd)\n")
    before = _keys(user, init, impl, api, third, sub)["app/jobs.py"]
    after = _keys(user, init, impl, api, third, sub2)["app/jobs.py"]
    assert before is not None and before != after


def test_a_key_follows_a_chain_of_re_exports() -> None:
    """The same through two re-exports (`pkg` imports `api` from `pkg.mid`, which imports it from
    `pkg.impl`), and a chain that loops on itself ends."""
    user = _summary("app/jobs.py", "from pkg import api\n\ndef nightly(cmd):\n    api.sub.run(cmd)\n")
    init = _summary("pkg/__init__.py", "from pkg.mid import api\n")
    mid = _summary("pkg/mid.py", "from pkg.impl import api\n")
    impl = _summary("pkg/impl/__init__.py", "")
    api = _summary("pkg/impl/api/__init__.py", "")
    third = _summary("app/boot.py", "import pkg.impl.api.sub\n")
    sub = _summary("pkg/impl/api/sub.py", "def run(cmd):\n    return cmd\n")
    sub2 = _summary("pkg/impl/api/sub.py", "import os\n\ndef run(cmd):\n    return os.system(cmd)\n")
    before = _keys(user, init, mid, impl, api, third, sub)["app/jobs.py"]
    after = _keys(user, init, mid, impl, api, third, sub2)["app/jobs.py"]
    assert before is not None and before != after
    loop_a = _summary("loop/a.py", "from loop.b import api\n")
    loop_b = _summary("loop/b.py", "from loop.a import api\n")
    looping = _summary("app/looping.py", "from loop.a import api\n\ndef f():\n    api.sub.run()\n")
    assert _keys(looping, loop_a, loop_b)["app/looping.py"] is not None


def test_keys_are_the_same_in_every_process(tmp_path: Path) -> None:
    """A key made with another string hash seed (every new process has one) is the same key: set
    or dict order must not reach the digest, or no later run would reuse anything."""
    import os
    import subprocess
    import sys

    files = {**_FILES, "pkg/__init__.py": "from pkg.impl import api\n", "pkg/impl/__init__.py": "",
             "pkg/impl/api/__init__.py": "", "pkg/impl/api/sub.py": "def run(cmd):\n    return cmd\n",
             "app/uses.py": "from pkg import api\n\n\ndef go(x):\n    return api.sub.run(x), api.other.y\n"}
    for rel, text in files.items():
        _write(tmp_path, rel, text)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from apilint.module_keys import ModuleKeys, with_key_facts\n"
        "from apilint.project import ProjectIndex\n"
        "from apilint.summarize import summarize_source\n"
        "root = Path(sys.argv[1])\n"
        "mods = [with_key_facts(summarize_source(p.read_bytes(), p.relative_to(root).as_posix(),\n"
        "        p.relative_to(root).as_posix())) for p in sorted(root.rglob('*.py'))]\n"
        "keys = ModuleKeys(ProjectIndex(mods))\n"
        "print(sorted((m.path, keys.key(m)) for m in mods))\n"
    )
    outputs = {subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(outputs) == 1 and "None" not in next(iter(outputs))
