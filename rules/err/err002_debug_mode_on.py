"""ERR002: debug mode on outside local development."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apilint.lazy_regex import lazy_compile
from apilint.model import SettingFact
from apilint.project import ProjectIndex
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules.err._fixes import debug_off
from apilint.summary import Stmt

_LOCAL_FILES = lazy_compile(r"(^|[/_])(local|locals|dev|develop|development|test|tests|testing|settings_test|"
                          r"test_settings|conftest|local_settings|debug)(_[a-z0-9]+)?\.py$|(^|/)tests?/|(^|/)test_[^/]*\.py$")
_LOCAL_CLASSES = lazy_compile(r"(dev|local|test|debug)", re.IGNORECASE)
_TRUE = ("True", "true", "1")


def _enclosing(index: ProjectIndex, file: str, line: int) -> tuple[list[Stmt], list[str]]:
    """The `if` statements and class names around a line of a module."""
    mod = index.by_path.get(file)
    ifs: list[Stmt] = []
    classes: list[str] = []
    if mod is None:
        return ifs, classes

    def visit(body: tuple[Stmt, ...]) -> None:
        for stmt in body:
            end = stmt.end_line or stmt.line
            if not stmt.line <= line <= end:
                continue
            if stmt.kind == "if":
                ifs.append(stmt)
            if stmt.cls is not None:
                classes.append(stmt.cls.name)
                visit(stmt.cls.body)
            elif stmt.func is not None:
                visit(stmt.func.body)
            else:
                visit(tuple(stmt.children()))

    visit(mod.body)
    return ifs, classes


_DEBUG_SWITCH = lazy_compile(r"(^|[^a-z])(debug|development|dev_mode)([^a-z]|$)", re.IGNORECASE)
"""A condition that names the project's own debug switch (`if in_debug_mode():`, `if settings.DEBUG:`)."""


def _is_main_guard(stmt: Stmt) -> bool:
    return stmt.value is not None and "__name__" in set(stmt.value.names()) and any(
        e.kind == "str" and e.text == "__main__" for e in stmt.value.walk())


class DebugModeOn(Rule):
    """
    ## What it finds
    Debug mode switched on in code that may run in production: Flask `app.run(debug=True)`,
    `app.debug = True`, `app.config["DEBUG"] = True`; `FastAPI(debug=True)` and
    `Starlette(debug=True)`; Django `DEBUG = True` in a settings module; and Flask
    `PROPAGATE_EXCEPTIONS = True` (low confidence). The finding is on the assignment or call.

    Not reported: settings files that are local-only by name (`local.py`, `dev.py`,
    `development.py`, `test*.py`, `settings_test.py`, `local_settings.py`), config classes named
    for development or testing (`DevelopmentConfig`), and `DEBUG` read from the environment
    without a true default (`DEBUG = os.environ.get("DEBUG") == "True"`). `DEBUG` defaulting
    to true when the environment variable is missing (`env.bool("DEBUG", default=True)`) is
    reported with low confidence, and so is `app.run(debug=True)` under
    `if __name__ == "__main__":`, the common local-development idiom (production servers such
    as gunicorn never run that block), and under a condition that names the project's own debug
    switch (`if in_debug_mode(): app = FastAPI(debug=True)`). Django `DEBUG = True` in a base settings module that
    another settings module sets back to `False` is also low confidence.

    ## Why it matters
    Debug mode shows tracebacks with source code, settings and local variables to anyone who
    triggers an error; the Werkzeug debugger even runs Python typed into the browser
    (CWE-489 Active Debug Code, CWE-215 Insertion of Sensitive Information Into Debugging Code,
    OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Which settings module production uses (`DJANGO_SETTINGS_MODULE`) is not known; the file
    name decides. Values computed at run time are not judged.

    ## References
    - https://cwe.mitre.org/data/definitions/489.html
    - https://docs.djangoproject.com/en/stable/ref/settings/#debug
    - https://flask.palletsprojects.com/en/stable/debugging/
    """

    code = "ERR002"
    name = "debug-mode-on"
    summary = "Debug mode is switched on"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (489, 215)
    owasp = ("API8:2023",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.SAFE})
    fix_note = ("Reads the switch from an environment variable that is off unless set: `DEBUG = "
                "os.environ.get(\"DJANGO_DEBUG\") == \"1\"`, `app.run(debug=os.environ.get(\"FLASK_DEBUG\") "
                "== \"1\")`, `FastAPI(debug=os.environ.get(\"DEBUG\") == \"1\")` (adding `import os` when "
                "needed); an environment lookup that defaults to on gets an off default instead. Offered for a "
                "literal `True` or a literal default, except under a condition of the project's own (`if "
                "in_debug_mode():` already decides); `PROPAGATE_EXCEPTIONS` gets no fix.")

    bad = Example("""
        from fastapi import FastAPI

        app = FastAPI(debug=True)  # expect: ERR002


        @app.get("/")
        def index() -> dict[str, str]:
            return {"status": "ok"}
    """)

    good = Example("""
        import os

        from fastapi import FastAPI

        app = FastAPI(debug=os.environ.get("APP_DEBUG") == "1")


        @app.get("/")
        def index() -> dict[str, str]:
            return {"status": "ok"}
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Report each debug switch that is on and not clearly local-only."""
        facts = [f for f in ctx.facts.settings if f.name in ("DEBUG", "PROPAGATE_EXCEPTIONS")]
        switched_off = {f.location.file for f in facts if f.name == "DEBUG" and f.value.strip() == "False"}
        seen: set[tuple[str, int]] = set()
        for fact in facts:
            key = (fact.location.file, fact.location.line)
            if fact.value.strip() not in _TRUE or key in seen or _LOCAL_FILES.search(fact.location.file):
                continue
            seen.add(key)
            ifs, classes = _enclosing(ctx.index, fact.location.file, fact.location.line)
            if any(_LOCAL_CLASSES.search(name) for name in classes):
                continue
            yield self._report(ctx, fact, ifs, bool(switched_off - {fact.location.file}))

    def _report(self, ctx: RuleContext, fact: SettingFact, ifs: list[Stmt], overridden: bool) -> Finding:
        confidence = Confidence.HIGH
        why = ""
        if fact.from_env_default:
            confidence, why = Confidence.LOW, " when the environment variable is not set"
        elif any(_is_main_guard(stmt) for stmt in ifs):
            confidence, why = Confidence.LOW, " when the module is run directly"
        elif any(stmt.value is not None and _DEBUG_SWITCH.search(stmt.value.render(80)) for stmt in ifs):
            confidence, why = Confidence.LOW, " when the project's debug switch is on"
        elif ifs:
            confidence = Confidence.MEDIUM
        elif overridden and fact.framework in ("django", "drf"):
            confidence, why = Confidence.LOW, " unless another settings module switches it off"
        if fact.name == "PROPAGATE_EXCEPTIONS":
            return self.finding(fact.location, "PROPAGATE_EXCEPTIONS = True lets exceptions escape Flask's error "
                                "handling", "Remove PROPAGATE_EXCEPTIONS from production configuration",
                                confidence=Confidence.LOW, severity=Severity.LOW)
        return self.finding(fact.location, f"Debug mode is on{why}: errors show tracebacks and internals to "
                            "clients", "Read the debug flag from the environment with a false default "
                            "(`DEBUG = os.environ.get(\"DEBUG\") == \"1\"`)", confidence=confidence,
                            fix_plan=None if any(not _is_main_guard(s) for s in ifs) else debug_off(ctx.index, fact))
