"""EXPO005: a response header that announces the server software and its version."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Final

from apilint.lazy_regex import lazy_compile
from apilint.model import Location, Route
from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules._handler_routes import routes_by_module, routes_inputs
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_HEADERS: Final = frozenset({
    "server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator", "x-framework",
    "x-python-version", "x-server-version", "x-app-version", "x-application-version", "x-version",
    "x-build-version", "x-backend-version", "x-software-version", "x-runtime-version",
})
_PRODUCT: Final = lazy_compile(r"python|cpython|pypy|fastapi|flask|django|werkzeug|gunicorn|uvicorn|hypercorn|"
                             r"starlette|tornado|aiohttp|sanic|quart|falcon|bottle|php|express|nginx|apache|iis|"
                             r"asp\.net|openresty|waitress|daphne|twisted|cherrypy", re.IGNORECASE)
_VERSION: Final = lazy_compile(r"\d+\.\d+")
_RUNTIME: Final = frozenset({"sys.version", "sys.version_info", "platform.python_version", "django.get_version",
                             "platform.python_implementation", "platform.platform"})
_LIBRARIES: Final = frozenset({"flask", "django", "fastapi", "starlette", "werkzeug", "uvicorn", "gunicorn",
                               "rest_framework", "pydantic", "sqlalchemy", "tornado", "aiohttp", "jinja2"})
_SETTERS: Final = frozenset({"setdefault", "set", "add", "append", "add_header", "__setitem__"})


class VersionDisclosureHeader(Rule):
    """
    ## What it finds
    Response headers set in code that announce the software behind the API: `Server`,
    `X-Powered-By`, `X-AspNet-Version`, `X-Generator`, `X-Python-Version`, and the
    application's own `X-App-Version` / `X-Version`, written as
    `response.headers["X-Powered-By"] = ...`, `response["Server"] = ...` (Django),
    `headers.update({...})`, `headers.setdefault(...)`, or `headers={...}` on a response.

    Reported when the value names a product (`Python`, `FastAPI`, `Werkzeug`, `gunicorn`,
    `nginx`) or a runtime or library version (`sys.version`, `platform.python_version()`,
    `django.get_version()`, `fastapi.__version__`): high confidence. An application version
    alone (`X-App-Version: 2.4.1`, `__version__` of the project) is low confidence: it helps an
    attacker less, and some clients use it. API versioning headers (`API-Version`,
    `X-API-Version`) are not reported, nor is a header that hides the product
    (`Server: webserver`) or removes it. Anchor: the line that sets the header.

    ## Why it matters
    An exact product and version is the first thing an attacker looks up: it turns a scan
    into a list of known exploits for that release (CWE-497 Exposure of Sensitive System
    Information to an Unauthorized Control Sphere, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Headers added by the server in front (gunicorn's and uvicorn's own `Server` header) or by
    a proxy are outside the code and not seen.

    ## References
    - https://cwe.mitre.org/data/definitions/497.html
    - https://owasp.org/www-project-secure-headers/#div-bestpractices
    """

    code = "EXPO005"
    name = "version-disclosure-header"
    summary = "Response header discloses the server software or its version"
    severity = Severity.LOW
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (497,)
    owasp = ("API8:2023",)

    bad = Example("""
        from fastapi import FastAPI, Response

        app = FastAPI()


        @app.get("/health")
        def health(response: Response) -> dict[str, bool]:
            response.headers["X-Powered-By"] = "Python 3.12, FastAPI 0.115"  # expect: EXPO005
            return {"ok": True}
    """)

    good = Example("""
        from fastapi import FastAPI, Response

        app = FastAPI()


        @app.get("/health")
        def health(response: Response) -> dict[str, bool]:
            response.headers["Cache-Control"] = "no-store"
            return {"ok": True}
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Read every module that mentions one of the headers."""
        routes = routes_by_module(ctx)
        for mod in ctx.index:
            if mod.words and not _may_set_headers(mod.words):
                continue
            here = routes.get(mod.path, {})
            yield from ctx.per_module(self.code, mod, routes_inputs(here), partial(self._module, ctx.index, mod, here))

    def _module(self, index: ProjectIndex, mod: ModuleSummary,
                routes: dict[tuple[str, str], Route]) -> tuple[Finding, ...]:
        out: list[Finding] = []
        for func, stmt in _statements(mod):
            for name, value in _headers_set(index, mod, stmt, func):
                judged = _disclosure(index, mod, value)
                if judged is None:
                    continue
                shown, confidence = judged
                route = routes.get((mod.path, func.qualname)) if func is not None else None
                out.append(self._report(mod, stmt, func, route, name, shown, confidence))
        return tuple(out)

    def _report(self, mod: ModuleSummary, stmt: Stmt, func: FunctionDef | None, route: Route | None,
                header: str, shown: str, confidence: Confidence) -> Finding:
        where = route.display if route is not None else (f"{func.qualname}()" if func is not None else mod.module)
        what = "which software and version serve the API" if confidence is Confidence.HIGH \
            else "the exact release of the application"
        message = (f"{where} sends `{header}: {shown}`: it tells anyone who asks {what}, "
                   "the first thing to look up known exploits for")
        return self.finding(Location(mod.path, stmt.line), message,
                            f"Do not send `{header}`; keep versions in logs or an authenticated admin page",
                            confidence=confidence, route=route,
                            symbol=f"{mod.module}.{func.qualname if func else ''}:{header.lower()}")


def _may_set_headers(words: frozenset[str]) -> bool:
    """A cheap pre-filter: a version header is named, or `Server` next to response headers."""
    if words & _HEADERS - {"server"}:
        return True
    return "server" in words and bool({"headers", "response", "resp"} & words)


def _statements(mod: ModuleSummary) -> Iterator[tuple[FunctionDef | None, Stmt]]:
    """Every statement with the function it belongs to (None at module and class level)."""
    def visit(body: tuple[Stmt, ...], func: FunctionDef | None) -> Iterator[tuple[FunctionDef | None, Stmt]]:
        for stmt in body:
            if stmt.func is not None:
                yield from visit(stmt.func.body, stmt.func)
            elif stmt.cls is not None:
                yield from visit(stmt.cls.body, None)
            else:
                yield func, stmt
                yield from visit(tuple(stmt.children()), func)
    return visit(mod.body, None)


def _headers_set(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt,
                 func: FunctionDef | None) -> Iterator[tuple[str, Expr]]:
    """(header name, value) pairs this statement puts on a response."""
    if stmt.kind == "assign" and stmt.value is not None:
        for target in stmt.targets:
            if target.kind == "subscript" and len(target.args) == 2 and _on_response(target.args[0]):
                name = index.const_str(mod, target.args[1])
                if name is not None and name.lower() in _HEADERS:
                    yield name, stmt.value
            elif target.kind == "name" and "header" in target.text.lower() and stmt.value.kind == "dict":
                yield from _dict_headers(index, mod, stmt.value)
    for expr in stmt.own_exprs():
        for call in expr.calls():
            callee = call.func
            on_headers = callee.kind == "attr" and (callee.args[0].dotted or "").endswith("headers")
            if on_headers and callee.text in _SETTERS:
                name = index.const_str(mod, call.positional[0]) if len(call.positional) >= 2 else None
                if name is not None and name.lower() in _HEADERS:
                    yield name, call.positional[1]
            elif on_headers and callee.text == "update":
                for arg in call.positional:
                    if arg.kind == "dict":
                        yield from _dict_headers(index, mod, arg)
            headers = call.kwarg("headers")
            if headers is not None and headers.kind == "name" and func is not None \
                    and "header" not in headers.text.lower():  # a `headers = {...}` local is reported where set
                headers = _local_dict(func, headers.text)
            if headers is not None and headers.kind == "dict":
                yield from _dict_headers(index, mod, headers)


def _local_dict(func: FunctionDef, name: str) -> Expr | None:
    """The dict literal last assigned to a local name (`headers = {...}` then `headers=headers`)."""
    found = None
    for stmt in walk_stmts(func.body):
        if stmt.kind == "assign" and any(t.kind == "name" and t.text == name for t in stmt.targets):
            found = stmt.value
    return found


def _on_response(receiver: Expr) -> bool:
    """`response.headers[...]`, `resp.headers[...]`, `response[...]` (a Django response)."""
    dotted = receiver.dotted or ""
    if dotted.endswith("headers"):
        return True
    return bool(re.search(r"(^|[._])(resp|response|res|rv|r)$", dotted))


def _dict_headers(index: ProjectIndex, mod: ModuleSummary, value: Expr) -> Iterator[tuple[str, Expr]]:
    for key, item in zip(value.args[::2], value.args[1::2], strict=False):
        name = index.const_str(mod, key)
        if name is not None and name.lower() in _HEADERS:
            yield name, item


def _disclosure(index: ProjectIndex, mod: ModuleSummary, value: Expr) -> tuple[str, Confidence] | None:
    """(the value as shown, confidence) when it names a product or a version."""
    for sub in value.walk():
        qualified = index.qualify_expr(mod, sub) if sub.kind in ("name", "attr", "call") else None
        if qualified in _RUNTIME:
            return value.render(50), Confidence.HIGH
        if sub.kind == "attr" and sub.text == "__version__" and qualified is not None:
            root = qualified.split(".")[0]
            return value.render(50), Confidence.HIGH if root in _LIBRARIES else Confidence.LOW
    text = index.const_str(mod, value)
    if text is None or not text.strip():
        return None
    if _PRODUCT.search(text):
        return f'"{text}"', Confidence.HIGH
    if _VERSION.search(text):
        return f'"{text}"', Confidence.LOW
    return None


__all__ = ["VersionDisclosureHeader"]
