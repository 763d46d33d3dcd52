"""Shared judgement of the TLS family: which cookies carry credentials, which settings are local."""

from __future__ import annotations

import re

from apilint.lazy_regex import lazy_compile
from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary, Stmt

_CSRF = lazy_compile(r"csrf|xsrf", re.IGNORECASE)
_SENSITIVE = lazy_compile(
    r"session|sessid|token|jwt|auth(?!or)|credential|api_?key|bearer|remember|password|passwd|secret"
    r"|(^|[^a-z])(sid|access|refresh)([^a-z]|$)",
    re.IGNORECASE,
)
_LOCAL_FILES = lazy_compile(r"(^|[/_])(local|locals|dev|develop|development|test|tests|testing|settings_test|"
                          r"test_settings|conftest|local_settings|debug|demo|example|sample)(_[a-z0-9]+)?\.py$"
                          r"|(^|/)(tests?|examples?|demo|docs?|project_template|app_template)/")
_LOCAL_CLASSES = lazy_compile(r"dev|local|test|debug", re.IGNORECASE)


def sensitive_name(text: str) -> bool:
    """True for cookie names and identifiers that look like a session id or credential (not CSRF tokens)."""
    split = re.sub(r"([a-z])([A-Z])", r"\1_\2", text)
    return not _CSRF.search(split) and bool(_SENSITIVE.search(split))


def sensitive_value(expr: Expr) -> bool:
    """True when a cookie value is computed from something named like a credential (`access_token`, `jwt.encode`)."""
    if expr.kind in ("str", "num", "const"):
        return False
    return any(sub.kind in ("name", "attr") and sensitive_name(sub.text) for sub in expr.walk())


def local_file(path: str) -> bool:
    """True for settings files meant for local development, tests or examples."""
    return bool(_LOCAL_FILES.search(path))


def enclosing_classes(index: ProjectIndex, file: str, line: int) -> list[str]:
    """Names of the classes around a line of a module (config classes such as `DevelopmentConfig`)."""
    mod: ModuleSummary | None = index.by_path.get(file)
    out: list[str] = []

    def visit(body: tuple[Stmt, ...]) -> None:
        for stmt in body:
            if not stmt.line <= line <= (stmt.end_line or stmt.line):
                continue
            if stmt.cls is not None:
                out.append(stmt.cls.name)
                visit(stmt.cls.body)
            elif stmt.func is not None:
                visit(stmt.func.body)
            else:
                visit(tuple(stmt.children()))

    if mod is not None:
        visit(mod.body)
    return out


def local_class(names: list[str]) -> bool:
    """True when one of the class names says development, local, test or debug."""
    return any(_LOCAL_CLASSES.search(name) for name in names)


__all__ = ["enclosing_classes", "local_class", "local_file", "sensitive_name", "sensitive_value"]
